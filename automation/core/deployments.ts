// A machine change and an app deployment never overlap. CodeDeploy aims a deployment at the machine
// tagged as the deploy target, which is the live one, so a flip in the middle of a deployment would
// leave the new version on the machine that just stopped serving.
//  - A deployment (`deploy`, `app-rollback`) refuses while a machine change's record is on the stack.
//  - A machine change refuses while a deployment has not ended: once its record is on (so no deployment
//    starts after this check without seeing it), and again just before the address moves.
//  - Two deployments never overlap: CodeDeploy runs one at a time per deployment group.
import { StackOutputs } from "../../contract/outputs";
import { Ec2RollbackError, messageOf } from "./errors";
import { DeployPort, Ui } from "./ports";
import { isoSeconds } from "./time";

/**
 * Throws DEPLOYMENT_IN_PROGRESS when a deployment of the stack's group has not ended. `consequence`
 * says what that left as it was ("nothing was changed"). A group that cannot be read is said, and does
 * not stop the change: in the worst hour, CodeDeploy's trouble must not block a machine rollback.
 */
export async function refuseWhileDeploying(
  deps: { deploy?: DeployPort; ui: Ui },
  outputs: StackOutputs,
  consequence: string,
): Promise<void> {
  const { applicationName: app, deploymentGroupName: group } = outputs;
  if (!deps.deploy || !app || !group) return;
  let active;
  try {
    active = await deps.deploy.activeDeployments(app, group);
  } catch (e) {
    deps.ui.warn(`could not read CodeDeploy's deployments of ${group} (${messageOf(e)}): if one is under way, it may land on the machine that stops serving`);
    return;
  }
  const [d] = active;
  if (!d) return;
  const since = d.createTime ? `, started ${isoSeconds(d.createTime.getTime())}` : "";
  throw new Ec2RollbackError(
    "DEPLOYMENT_IN_PROGRESS",
    `deployment ${d.id} is under way on ${group} (${d.status}${since}); ${consequence}. ` +
      `Wait for it to end (\`ec2-rollback status\` shows it), or stop it (\`aws deploy stop-deployment --deployment-id ${d.id}\`), then run this again`,
  );
}
