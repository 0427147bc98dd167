// `ec2-rollback recover` (shared/design.md "A change is a transaction"): finishes what an interrupted
// change left. Nothing recorded and consistent: nothing to do. Otherwise it keeps the target if the
// machine on the address runs it and passes its checks there, else returns to the last good version;
// it writes that into the config with one `up`, checks it through the address, and removes the record.
import { StandbyState } from "../../contract/config";
import { otherSlot, Slot } from "../../contract/naming";
import { confirmOrRefuse } from "./confirm";
import { amiOfPin, checkConsistency } from "./consistency";
import { Ec2RollbackError, messageOf } from "./errors";
import { applyMachines } from "./machines";
import { describeRecord, MACHINE_OPS, Operation, OperationRecord, readRecord } from "./operation";
import { seconds } from "./poll";
import { refuseWhileDeploying } from "./deployments";
import { Clock, CloudPort, DeployPort, HttpProbe, InstanceHealth, Operator, StackPort, Ui } from "./ports";
import { readStack, requireOutputs } from "./stackState";
import { waitForAddress, waitForApp } from "./verify";

export interface RecoverDeps {
  stack: StackPort;
  cloud: CloudPort;
  ui: Ui;
  clock: Clock;
  http?: HttpProbe;
  operator?: Operator;
  /** CodeDeploy: recover's update refuses while a deployment has not ended (deployments.ts). */
  deploy?: DeployPort;
}

export interface RecoverOptions {
  yes: boolean;
  /** Take over a record younger than RECENT_MS (its operation may still be running elsewhere). */
  force?: boolean;
  healthCheck: boolean;
  verifyTimeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

export interface RecoverResult {
  status: "nothing-to-recover" | "recovered";
  /** What disagreed before. */
  problems: string[];
  /** The record it finished, or null. */
  operation: OperationRecord | null;
  /** The version that serves now, where, and whether it was the target kept (or the last good version returned to); unset when only the record went. */
  serves?: string;
  liveSlot?: Slot;
  kept?: boolean;
  totalMs: number;
}

/** A record younger than this may belong to an operation still running (a bake is minutes long). */
export const RECENT_MS = 30 * 60_000;
/** Phases in which the change was already being undone: the target was rejected. */
const UNDOING = /^(restore|flip-back)/;
/** Phases after the flip in which the target served but had not yet passed everything. */
const UNPROVEN = /^(flip|verify|bake)/;

export async function recover(deps: RecoverDeps, o: RecoverOptions): Promise<RecoverResult> {
  const { stack, cloud, ui, clock } = deps;
  const t0 = clock.now();
  const state = await readStack(stack);
  const { settings, outputs } = state;
  // Whether config, outputs and what serves agree, judged apart from the record.
  const [health, record] = await Promise.all([checkConsistency(deps, state, { ignoreOperation: true }), readRecord(stack)]);
  const problems = [...(record ? [`an operation is unfinished: ${describeRecord(record)}`] : []), ...health.problems];
  if (!record && health.consistent) {
    ui.succeed(`nothing to recover: ${stack.name} is consistent (${settings.amiVersion} serves)`);
    return { status: "nothing-to-recover", problems: [], operation: null, serves: settings.amiVersion, liveSlot: settings.liveSlot, totalMs: clock.now() - t0 };
  }

  // A young record may be a change still running on another machine: taking it over would break it.
  if (record && !o.force) {
    const age = clock.now() - Date.parse(record.startedAt);
    if (!(age >= RECENT_MS)) {
      throw new Ec2RollbackError(
        "OPERATION_IN_PROGRESS",
        `the unfinished ${record.op} on stack "${stack.name}" started ${record.startedAt} on ${record.host} (pid ${record.pid}), phase ${record.phase}: ` +
          "it may still be running; nothing was changed. If its process is gone, run `ec2-rollback recover --force`",
      );
    }
  }
  const machineOp = !!record && MACHINE_OPS.has(record.op);
  const undoing = machineOp && UNDOING.test(record!.phase);
  // A target that served after the flip but had not passed its checks and bake is checked before it is kept.
  let unproven = machineOp && !undoing && UNPROVEN.test(record!.phase);
  if (unproven && health.consistent && o.healthCheck && deps.http && outputs.healthCheckUrl) {
    unproven = !(await passes(deps, outputs.healthCheckUrl, o));
  }

  // A record on a consistent stack (its process died after the change, or it changed no machine): it just goes.
  if (health.consistent && !unproven && !undoing) {
    await confirmOrRefuse(ui, o.yes, `Remove the unfinished ${record!.op} record of ${stack.name}? The stack is consistent: ${settings.amiVersion} serves.`, "recover");
    const op = await Operation.begin(deps, { op: "recover", from: record!.from, to: settings.amiVersion, phase: "remove", takeOver: record! });
    await op.end();
    ui.succeed(`record removed; ${settings.amiVersion} serves`);
    // The record's target serving is the target kept; anything else serving: the change never happened.
    const kept = settings.amiVersion === record!.to ? { kept: true } : {};
    return { status: "recovered", problems, operation: record ?? null, serves: settings.amiVersion, liveSlot: settings.liveSlot, ...kept, totalMs: clock.now() - t0 };
  }

  // What runs where now, by slot (slots as the last update left them).
  const outSlot = ((outputs.liveSlot as Slot | undefined) ?? settings.liveSlot) as Slot;
  const [liveNow, standbyNow] = await Promise.all([
    outputs.instanceId ? cloud.describeInstance(outputs.instanceId) : undefined,
    outputs.standbyInstanceId ? cloud.describeInstance(outputs.standbyInstanceId) : undefined,
  ]);
  const machines: Record<Slot, InstanceHealth | undefined> = { [outSlot]: liveNow, [otherSlot(outSlot)]: standbyNow } as Record<Slot, InstanceHealth | undefined>;
  const servingAmi = health.serving?.imageId;
  const candidates = [machineOp ? record!.to : undefined, machineOp ? record!.from : undefined, settings.amiVersion, settings.standbyAmiVersion, outputs.amiVersion, outputs.standbyAmiVersion];
  const pins = [...new Set(candidates.filter((p): p is string => !!p))];
  const amis = new Map<string, string | undefined>(await Promise.all(pins.map(async (p) => [p, await amiOfPin(cloud, p)] as [string, string | undefined])));
  const pinOfAmi = (ami?: string) => pins.find((p) => ami && amis.get(p) === ami);

  // Being undone (a failed check, an alarm in the bake): the target was rejected, the goal is the version before.
  const target = machineOp ? (undoing ? record!.from : record!.to) : settings.amiVersion;
  const lastGood = (machineOp ? record!.from : undefined) ?? pinOfAmi(servingAmi) ?? outputs.amiVersion ?? settings.amiVersion;
  const servesTarget = !!health.serving && amis.get(target) === health.serving.imageId && health.serving.state === "running" && health.serving.systemStatus !== "impaired";
  let kept = false;
  if (servesTarget) {
    kept = !(o.healthCheck && deps.http && outputs.healthCheckUrl) || (await passes(deps, outputs.healthCheckUrl, o));
    if (!kept) ui.warn(`${target} is on the address but does not pass its checks there`);
  }
  const final = kept ? target : lastGood;
  const finalAmi = amis.get(final);
  const finalSlot: Slot =
    (Object.entries(machines).find(([, m]) => m && m.id === health.serving?.id && m.imageId === finalAmi)?.[0] as Slot | undefined) ??
    (Object.entries(machines).find(([, m]) => m && m.imageId === finalAmi && m.state !== "terminated")?.[0] as Slot | undefined) ??
    outSlot;
  const other = machines[otherSlot(finalSlot)];
  const otherPin = other && other.state !== "terminated" ? (pinOfAmi(other.imageId) ?? "") : "";
  const otherState: StandbyState = other?.state === "running" || other?.state === "pending" ? "running" : "stopped";

  await confirmOrRefuse(
    ui,
    o.yes,
    `Recover ${stack.name}? ${problems.join("; ")}. ` +
      (kept ? `${target} serves and passes its checks: it is kept` : `${target} does not serve and pass its checks: going back to ${lastGood}`) +
      ` on ${finalSlot}${otherPin ? `, with ${otherPin} on the standby (${otherState})` : ""}, written into the config with one update.`,
    "recover",
  );
  // The update may move the address: not under a deployment (deployments.ts). Taking over a record,
  // asked first (deployments already refuse while that record is on, and a refusal keeps it); else
  // once this record is on, so a deployment created after the check sees it (deployments.ts).
  if (record) await refuseWhileDeploying(deps, outputs, "nothing was changed");
  const op = await Operation.begin(deps, { op: "recover", from: machineOp ? record!.from : lastGood, to: final, phase: "recover", takeOver: record ?? undefined });
  if (!record) {
    try {
      await refuseWhileDeploying(deps, outputs, "nothing was changed");
    } catch (e) {
      await op.end();
      throw e;
    }
  }
  try {
    const config = { liveSlot: finalSlot, amiVersion: final, standbyAmiVersion: otherPin, standbyState: otherState };
    const after = await applyMachines(deps, config, `recover: ${final} serves from ${finalSlot}`, o.signal);
    const o2 = requireOutputs(stack.name, after, ["instanceId", "elasticIpAllocationId"]);
    const check = { timeoutMs: o.verifyTimeoutMs, pollMs: o.pollMs, signal: o.signal };
    await waitForAddress(deps, o2.elasticIpAllocationId, o2.instanceId, check);
    if (o.healthCheck && deps.http && after.healthCheckUrl) await waitForApp({ ...deps, http: deps.http }, after.healthCheckUrl, check);
  } catch (e) {
    await op.phase("recover-failed", ui);
    throw new Ec2RollbackError(
      "CHANGE_FAILED",
      `recover could not make ${final} serve: ${messageOf(e)}; the stack pins ${final} and the record stays: see \`ec2-rollback status\`, then run \`ec2-rollback recover\` again`,
      { cause: e },
    );
  }
  await op.end();
  ui.succeed(`recovered: ${final} serves from ${finalSlot} (${seconds(clock.now() - t0)})`);
  if (unproven && kept) ui.warn(`${final} was not through its bake when the change stopped: watch its alarms, or \`ec2-rollback rollback ${record!.from}\``);
  return { status: "recovered", problems, operation: record ?? null, serves: final, liveSlot: finalSlot, kept, totalMs: clock.now() - t0 };
}

/** Whether the app answers through the address within a minute (or the check's bound, if shorter). */
async function passes(deps: RecoverDeps, url: string, o: RecoverOptions): Promise<boolean> {
  if (!deps.http) return true;
  return waitForApp({ ...deps, http: deps.http }, url, { timeoutMs: Math.min(o.verifyTimeoutMs, 60_000), pollMs: o.pollMs, signal: o.signal }).then(
    () => true,
    () => false,
  );
}
