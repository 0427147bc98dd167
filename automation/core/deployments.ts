// A machine change and an app deployment never overlap. CodeDeploy aims a deployment at the machine
// tagged as the deploy target, which is the live one, so a flip in the middle of a deployment would
// leave the new version on the machine that just stopped serving. Each side puts its own mark down,
// then looks for the other's:
//  - A machine change writes its record, waits SETTLE_MS, reads it back, and only then asks CodeDeploy
//    for a deployment under way (and again just before the address moves): it refuses if there is one.
//  - A deployment (`deploy`, `app-rollback`) refuses while a record is on the stack, by tags asked for at
//    `askedAt`; its mark is the deployment itself. A deployment created within SETTLE_MS of `askedAt`
//    cannot have been missed by a machine change whose record those tags did not show (that change asks
//    CodeDeploy more than SETTLE_MS after its record went on). So when more than SETTLE_MS has passed, the
//    tags are read again just before CreateDeployment (`refuseIfRecordedBeforeCreate`), and when
//    CreateDeployment itself answers later than that, once more after it (`stopIfRecorded`).
//  This rests on stack tags being read-after-write consistent in the backend, and on CodeDeploy listing a
//  deployment it has just created.
//  - Two deployments never overlap: CodeDeploy runs one at a time per deployment group.
import { StackOutputs } from "../../contract/outputs";
import { Ec2RollbackError, messageOf } from "./errors";
import { describeRecord, MACHINE_OPS, readRecord, SETTLE_MS } from "./operation";
import { Clock, DeployPort, StackPort, Ui } from "./ports";
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
  if (d.underWay === "rolling-back") {
    throw new Ec2RollbackError(
      "DEPLOYMENT_IN_PROGRESS",
      `deployment ${d.id} on ${group} ${d.status.toLowerCase()}${d.completeTime ? ` at ${isoSeconds(d.completeTime)}` : ""} and CodeDeploy is about to roll it back by itself; ${consequence}. ` +
        "Wait for that rollback to start and end (`ec2-rollback status` shows it), then run this again",
    );
  }
  const since = d.createTime ? `, started ${isoSeconds(d.createTime)}` : "";
  throw new Ec2RollbackError(
    "DEPLOYMENT_IN_PROGRESS",
    `deployment ${d.id} is under way on ${group} (${d.status}${since}); ${consequence}. ` +
      `Wait for it to end (\`ec2-rollback status\` shows it), or stop it (\`aws deploy stop-deployment --deployment-id ${d.id} --auto-rollback-enabled\`, ` +
      "and CodeDeploy rolls back what it changed), then run this again once nothing is under way",
  );
}

/** Records under which no deployment may run: their changes move or reboot a machine (prune's does neither). */
const MOVES_MACHINES = new Set([...MACHINE_OPS, "checkpoint"]);

/** An error that says, after what went wrong, what is left and what to do. */
function withState(e: unknown, state: string): Ec2RollbackError {
  const code = e instanceof Ec2RollbackError ? e.code : "PULUMI_FAILED";
  return new Ec2RollbackError(code, `${messageOf(e)}; ${state}`, { cause: e });
}

/**
 * Just before CreateDeployment: when more than SETTLE_MS passed since the tags judged by were asked for
 * (`askedAt`: a long upload, a slow backend), reads them again and refuses on a record, creating
 * nothing. Returns when the tags judged by were asked for. `kept`, `then`: what stays, and what to run.
 */
export async function refuseIfRecordedBeforeCreate(
  deps: { stack: StackPort; clock: Pick<Clock, "now"> },
  askedAt: number,
  o: { kept: string; then: string },
): Promise<number> {
  const now = deps.clock.now();
  if (now - askedAt <= SETTLE_MS) return askedAt;
  deps.stack.refresh("tags");
  const record = await readRecord(deps.stack).catch((e: unknown) => {
    throw withState(e, `${o.kept}: ${o.then}`);
  });
  if (record) {
    throw new Ec2RollbackError(
      "OPERATION_IN_PROGRESS",
      `an operation began on stack "${deps.stack.name}" meanwhile (${describeRecord(record)}); ${o.kept}: once it has ended, ${o.then}`,
    );
  }
  return now;
}

/**
 * After CreateDeployment, when it answered more than SETTLE_MS after the tags judged by were asked for
 * (`askedAt`): a machine change may have put its record on and asked CodeDeploy before this deployment
 * existed. Reads the tags again; if such a record is there, asks CodeDeploy to stop the deployment and
 * roll back what it changed, and throws OPERATION_IN_PROGRESS saying so. A read that fails is said with
 * the deployment's id (it is under way, and unchecked).
 */
export async function stopIfRecorded(
  deps: { stack: StackPort; deploy: DeployPort; clock: Pick<Clock, "now"> },
  o: { id: string; version: string; askedAt: number; then: string },
): Promise<void> {
  if (deps.clock.now() - o.askedAt <= SETTLE_MS) return;
  deps.stack.refresh("tags");
  const record = await readRecord(deps.stack).catch((e: unknown) => {
    throw withState(
      e,
      `deployment ${o.id} of ${o.version} was created but not checked against a machine change begun meanwhile: see \`ec2-rollback status\`, and if one is under way, ` +
        `stop the deployment (\`aws deploy stop-deployment --deployment-id ${o.id} --auto-rollback-enabled\`)`,
    );
  });
  if (!record || !MOVES_MACHINES.has(record.op)) return;
  const stop = await deps.deploy.stopDeployment(o.id).then(
    () => `a stop was asked for: CodeDeploy rolls back what it had changed with a deployment of its own (\`ec2-rollback status\` shows it), so ${o.version} is not live`,
    (e) => `stopping it failed (${messageOf(e)}): stop it with \`aws deploy stop-deployment --deployment-id ${o.id} --auto-rollback-enabled\``,
  );
  throw new Ec2RollbackError(
    "OPERATION_IN_PROGRESS",
    `deployment ${o.id} was created after ${describeRecord(record)} had begun, unseen by it: ${stop}; once both have ended, ${o.then}`,
  );
}
