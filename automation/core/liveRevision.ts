// Which app revision is live: the revision of the group's most recently completed successful
// deployment (CodeDeploy's own rollbacks included). Shared by the app commands and `status`, which
// must not load what deploying needs.
import { DeploymentInfo, S3Location } from "./ports";

/** Deployments read to find the live version and the previous one: the newest 100. */
export const HISTORY = 100;

/** Successful deployments of a revision, the most recently completed first. */
export function succeededNewestFirst(deployments: DeploymentInfo[]): (DeploymentInfo & { revision: S3Location })[] {
  return deployments
    .filter((d): d is DeploymentInfo & { revision: S3Location } => d.status === "Succeeded" && !!d.revision)
    .sort((a, b) => (b.completeTime?.getTime() ?? 0) - (a.completeTime?.getTime() ?? 0));
}

/** The deployment whose revision serves now: the most recently completed successful one. */
export function liveDeployment(deployments: DeploymentInfo[]): (DeploymentInfo & { revision: S3Location }) | undefined {
  return succeededNewestFirst(deployments)[0];
}
