// The app layer for `status`: the revision live now and the group's last deployment (CodeDeploy).
// Reads only; a group that cannot be read is the layer's error, in one line.
import { versionOfRevisionKey } from "../../contract/naming";
import { HISTORY, liveDeployment } from "./liveRevision";
import { messageOf } from "./errors";
import { DeployPort, DeploymentInfo, StackOutputs } from "./ports";
import { requireOutputs } from "./stackState";

export interface LastDeployment {
  id: string;
  /** CodeDeploy's: Created | Queued | InProgress | Baking | Succeeded | Failed | Stopped | Ready */
  status: string;
  /** The revision's version when it is one of this app's (`<appName>/<version>.zip`). */
  version?: string;
  key?: string;
  createdAt?: string;
  completedAt?: string;
  /** A failed or stopped deployment's error, as CodeDeploy gives it: `CODE: message`. */
  error?: string;
  /** The deployment CodeDeploy started to roll this one back. */
  rolledBackBy?: string;
  /** The failed deployment this one rolled back (CodeDeploy's automatic rollback). */
  rollbackOf?: string;
}

export interface AppLayer {
  application: string;
  deploymentGroup: string;
  /** The revision serving now: that of the most recently completed successful deployment; null when none succeeded. */
  live: { version?: string; key: string; deploymentId: string; completedAt?: string } | null;
  /** The group's newest deployment, whatever its result; null when there is none. */
  lastDeployment: LastDeployment | null;
}

/** The layer, or why it could not be read (one line). */
export type AppLayerReport = AppLayer | { error: string };

function lastDeployment(appName: string, d: DeploymentInfo): LastDeployment {
  const error = d.error && (d.error.code || d.error.message) ? [d.error.code, d.error.message].filter(Boolean).join(": ") : undefined;
  return {
    id: d.id,
    status: d.status,
    version: d.revision ? versionOfRevisionKey(appName, d.revision.key) : undefined,
    key: d.revision?.key,
    createdAt: d.createTime?.toISOString(),
    completedAt: d.completeTime?.toISOString(),
    error,
    rolledBackBy: d.rollback?.rollbackDeploymentId,
    rollbackOf: d.rollback?.rollbackTriggeringDeploymentId,
  };
}

export async function readAppLayer(deps: { deploy: DeployPort }, state: { stackName: string; appName: string; outputs: StackOutputs }): Promise<AppLayerReport> {
  try {
    const o = requireOutputs(state.stackName, state.outputs, ["applicationName", "deploymentGroupName"]);
    // The newest deployments, as `revisions` and `app-rollback` judge the live one (newest first).
    const deployments = await deps.deploy.recentDeployments(o.applicationName, o.deploymentGroupName, HISTORY);
    const live = liveDeployment(deployments);
    return {
      application: o.applicationName,
      deploymentGroup: o.deploymentGroupName,
      live: live
        ? { version: versionOfRevisionKey(state.appName, live.revision.key), key: live.revision.key, deploymentId: live.id, completedAt: live.completeTime?.toISOString() }
        : null,
      lastDeployment: deployments[0] ? lastDeployment(state.appName, deployments[0]) : null,
    };
  } catch (e) {
    return { error: messageOf(e) };
  }
}
