// A machine change (shared/design.md "Two machines, one address"): every `rollback` and `release`,
// to an older or a newer version, goes the same way:
//   (a) validate   (b) the target on the standby machine, running   (c) check it through its own address
//   (d) flip: the address moves, nothing is replaced   (e) check through the Elastic IP
//   (f) bake: watch the alarms, flip back at once on one   (g) keep the previous machine as keepPrevious says.
// A target that fails at (b)–(c) never served anyone; one that fails at (d)–(f) is flipped back.
import { KeepPrevious, Settings } from "../../contract/config";
import { otherSlot, Slot, versionOfAmiName } from "../../contract/naming";
import { StackOutputs } from "../../contract/outputs";
import { compareSemver } from "../../contract/semver";
import { confirmOrRefuse } from "./confirm";
import { checkConsistency } from "./consistency";
import { Ec2RollbackError, InterruptedError, isEc2RollbackError, messageOf, StackLockedError } from "./errors";
import { applyMachines, asConfig, MachinesConfig, machinesOf, progressReporter } from "./machines";
import { inProgress, Operation } from "./operation";
import { lastGoodBefore, recordRelease, releasesOf } from "./releases";
import { isoSeconds } from "./time";
import { previousPin } from "./history";
import { poll, seconds } from "./poll";
import { refuseWhileDeploying } from "./deployments";
import { AlarmPort, BackupPort, Clock, CloudPort, DeployPort, HttpProbe, Operator, PreviewResult, StackPort, Ui } from "./ports";
import { readStack, requireOutputs } from "./stackState";
import { parseTarget, ResolvedTarget, resolveTarget } from "./target";
import { waitForAddress, waitForApp, waitForMachine } from "./verify";

export interface RollbackDeps {
  stack: StackPort;
  cloud: CloudPort;
  ui: Ui;
  clock: Clock;
  http?: HttpProbe;
  /** For the bake; without it there is none. */
  alarms?: AlarmPort;
  /** For `backup:…` targets. */
  backup?: BackupPort;
  /** CodeDeploy: a change refuses while a deployment of the stack's group has not ended (see deployments.ts). */
  deploy?: DeployPort;
  /** Who runs it, for the operation record. */
  operator?: Operator;
}

export interface RollbackOptions {
  /** As typed; undefined = the last good release before the current one (see the default in `rollback`). */
  target?: string;
  yes: boolean;
  /** Undo on failure: restore the standby, or flip back (default true). */
  revert: boolean;
  preview: boolean;
  /** Check the app over HTTP (healthCheckPath on the first app port); off = EC2 state only. */
  healthCheck: boolean;
  /** Check this URL through the address after the flip instead of the stack's healthCheckUrl. */
  healthUrl?: string;
  /** Bound on each check (the candidate's, then the live machine's). */
  verifyTimeoutMs: number;
  /** How often checks ask. */
  pollMs: number;
  /**
   * Launch the target on a new machine even when the standby has it or it serves already: how a change
   * of user data (which runs at a machine's first boot) reaches the version that serves.
   */
  fresh?: boolean;
  /** Minutes to watch the alarms after the flip; undefined = the stack's bakeMinutes. */
  bakeMinutes?: number;
  /** How often the bake reads the alarms. */
  bakePollMs?: number;
  signal?: AbortSignal;
  /**
   * With `yes`: a question was asked and answered before this call (`rollback release:<n>` asks its own):
   * what was planned from is read again after the record goes on, as after this command's own question.
   */
  asked?: boolean;
}

export interface RollbackResult {
  status: "changed" | "no-op" | "preview";
  stack: string;
  from: { pin: string; amiId?: string };
  to: { pin: string; amiId: string };
  /** How the target got onto the standby machine. */
  path?: "standby-running" | "standby-started" | "launched";
  liveSlot?: Slot;
  instanceBefore?: string;
  instanceAfter?: string;
  publicIp?: string;
  /** From the command's start: the candidate passed its checks; then the target served through the address. */
  timeToCandidateHealthyMs?: number;
  timeToServingMs?: number;
  /** The flip's own update. */
  flipMs?: number;
  /** The bake: how long it was to watch the alarms (`bakeMinutes` or --bake, in ms), whether it ran, and how long it took. */
  /** `unknown`: the alarms could not be read (at all, or at the end): the target serves, but is not a good release. */
  bake?: { plannedMs: number; result: "passed" | "skipped" | "unknown"; durationMs: number };
  /** The machine that served before, and what became of it. */
  previous?: { slot: Slot; pin: string; instanceId?: string; kept: KeepPrevious };
  totalMs: number;
  preview?: PreviewResult;
}

export async function rollback(deps: RollbackDeps, o: RollbackOptions): Promise<RollbackResult> {
  const { stack, cloud, ui, clock } = deps;
  const t0 = clock.now();

  // (a) Resolve and validate: nothing is touched before this passes.
  const [state, identity] = await Promise.all([readStack(stack), cloud.identity()]);
  const { settings, region, outputs } = state;
  const { appName, amiVersion: current } = settings;
  let raw = o.target;
  if (raw === undefined) {
    // "Previous" is the last good release before the one serving: never an attempt that failed or was
    // reverted (which may still sit on the standby). Stacks without releases yet: the standby's version,
    // else the update history.
    const known = releasesOf(await stack.tags());
    const good = lastGoodBefore(known, current);
    // A standby whose newest release failed or was reverted is no "previous".
    const standbyBad = known.find((r) => r.version === settings.standbyAmiVersion)?.good === false;
    raw = good?.version ?? (standbyBad ? undefined : settings.standbyAmiVersion) ?? previousPin(await stack.history(), current);
    if (!raw) {
      throw new Ec2RollbackError(
        "NO_PREVIOUS_VERSION",
        `stack "${stack.name}" has no earlier good release, no standby machine and no earlier version than ${current} in its history; name one: \`ec2-rollback rollback <version>\` (see \`ec2-rollback versions\`)`,
      );
    }
    ui.step(`target: ${raw} (${good ? `the last good release before this one, #${good.seq}` : settings.standbyAmiVersion ? "the standby machine's version" : "the version before the current one"})`);
  }
  const target = await resolveTarget(cloud, parseTarget(raw, appName), {
    appName,
    region,
    account: identity.account,
    instanceType: settings.instanceType,
    backup: deps.backup,
    vault: outputs.backupVaultName,
  });
  const from = { pin: current, amiId: outputs.amiId };
  const to = { pin: target.pin, amiId: target.image.id };
  const base = { stack: stack.name, from, to, instanceBefore: outputs.instanceId, publicIp: outputs.publicIp };

  // One at a time, and only from a consistent stack: a change planned from config that disagrees with
  // what serves could replace the machine that really serves. A no-op needs config, outputs and the
  // serving machine to agree.
  const health = await checkConsistency(deps, state);
  if (health.operation) throw inProgress(stack.name, health.operation);
  const same = target.pin === current || target.image.id === outputs.amiId;
  if (!health.consistent) {
    throw new Ec2RollbackError(
      "STACK_INCONSISTENT",
      `${same ? `not a no-op: the stack pins ${current} but disagrees with what serves` : `stack "${stack.name}" is not consistent`}: ${health.problems.join("; ")}; ` +
        "nothing was changed. `ec2-rollback recover` makes it agree (it keeps what the address serves if that passes its checks, else returns to the last good version)",
    );
  }
  if (!o.fresh && same) {
    ui.succeed(`${stack.name} already serves ${target.label} (${target.image.id}); nothing to do`);
    return { status: "no-op", ...base, totalMs: clock.now() - t0 };
  }
  const addr = requireOutputs(stack.name, outputs, ["elasticIpAllocationId", "publicIp"]);

  const before = machinesOf(settings);
  const onStandby = !o.fresh && (settings.standbyAmiVersion === target.pin || (!!outputs.standbyAmiId && outputs.standbyAmiId === target.image.id));
  const standbySlot = otherSlot(settings.liveSlot);
  const candidateConfig: MachinesConfig = { ...before, standbyAmiVersion: onStandby ? before.standbyAmiVersion : target.pin, standbyState: "running" };

  if (o.preview) {
    // Previewed with the candidate's config in place of the stack's: the stack's config never changes.
    const what = `previewing ${current} -> ${target.pin} (the target on the standby machine, ${standbySlot})`;
    ui.step(what);
    const plan: string[] = [];
    const preview = await stack.preview({ message: `ec2-rollback: ${what}`, config: asConfig(candidateConfig), onProgress: progressReporter(ui, plan) });
    preview.plan = plan;
    ui.succeed("preview done; nothing changed");
    return { status: "preview", ...base, preview, totalMs: clock.now() - t0 };
  }

  const bakeMinutes = o.bakeMinutes ?? settings.bakeMinutes;
  await confirmOrRefuse(ui, o.yes, question(settings, target, outputs, onStandby, bakeMinutes), "change the machine");

  // The record goes on before anything changes.
  const [toVersion, fromVersion] = [versionOfAmiName(appName, target.pin), versionOfAmiName(appName, current)];
  const forward = !!toVersion && !!fromVersion && compareSemver(toVersion, fromVersion) > 0;
  // Without a question, what was planned from was read moments ago: begin reads the tags again (for a
  // record written since), not config and outputs (any change that could have finished since writes a
  // record, and takes longer than the moments since).
  const asked = !o.yes || !!o.asked;
  const op = await Operation.begin(deps, { op: forward ? "release" : "rollback", from: current, to: target.pin, phase: "standby", reread: asked ? "all" : "tags" });
  try {
    // What was planned from must still be what is there: another operation may have finished while the
    // question waited.
    if (asked) {
      const now = await readStack(stack);
      if (JSON.stringify(asConfig(machinesOf(now.settings))) !== JSON.stringify(asConfig(before)) || now.outputs.instanceId !== outputs.instanceId) {
        throw new Ec2RollbackError("STACK_CHANGED", `stack "${stack.name}" changed while this ${op.current.op} waited to start; nothing was changed: run it again`);
      }
    }
    // No deployment may be under way. Asked with the record on: a deployment created after this sees the
    // record and stops itself (deployments.ts).
    await refuseWhileDeploying(deps, outputs, "nothing was changed");
  } catch (e) {
    await op.end();
    throw e;
  }
  /**
   * Ends the record only when config, outputs and what serves agree again; otherwise leaves it (phase
   * `<phase>-unfinished`) for `status` to show and `recover` to finish. Returns whether it ended.
   */
  const finish = async (): Promise<boolean> => {
    const c = await checkConsistency(deps, undefined, { ignoreOperation: true }).catch(() => undefined);
    if (c?.consistent) {
      await op.end();
      return true;
    }
    await op.phase(`${op.current.phase}-unfinished`, ui);
    return false;
  };
  const orRecover = (ended: boolean) => (ended ? "" : "; the stack does not agree with what serves yet: finish with `ec2-rollback recover`");

  const apply = async (m: MachinesConfig, message: string, signal?: AbortSignal) => {
    // An interruption that came before this step starts: no new update is begun.
    if (signal?.aborted) throw new InterruptedError();
    const after = await applyMachines(deps, m, message, signal);
    changed = true;
    return after;
  };
  const check = { timeoutMs: o.verifyTimeoutMs, pollMs: o.pollMs, signal: o.signal };
  const [port] = settings.appPorts;
  const interrupted = (e: unknown) => wasInterrupted(e, o);
  const reasonOf = (e: unknown) => (interrupted(e) ? "interrupted" : messageOf(e));

  // (b) The target on the standby machine, running; (c) checked through its own address.
  let path: RollbackResult["path"];
  let candidateId: string;
  /** Whether an update of this change has begun (then a lock is a failure to undo, not "nothing ran"). */
  let changed = false;
  /** Whether the target is on the standby and being checked (else the update putting it there failed). */
  let checking = false;
  try {
    let after = outputs;
    const standbyNow = outputs.standbyInstanceId ? await cloud.describeInstance(outputs.standbyInstanceId) : undefined;
    if (!onStandby) {
      path = "launched";
      if (o.fresh && before.standbyAmiVersion) {
        // The slot is replaced only when its version changes: empty it first, then launch anew.
        await apply({ ...before, standbyAmiVersion: "", standbyState: "stopped" }, `removing the standby machine (${standbySlot}) to launch a fresh one`, o.signal);
      }
      after = await apply(candidateConfig, `launching ${target.label} on the standby machine (${standbySlot})`, o.signal);
    } else if (before.standbyState !== "running" || standbyNow?.state !== "running") {
      path = "standby-started";
      after = await apply(candidateConfig, `starting the standby machine (${standbySlot}, ${target.label})`, o.signal);
    } else {
      path = "standby-running";
      ui.step(`the standby machine (${standbySlot}) already runs ${target.label}`);
    }
    candidateId = requireOutputs(stack.name, after, ["standbyInstanceId"]).standbyInstanceId;
    checking = true;
    ui.step(`checking ${target.label} on ${candidateId} (${standbySlot}) through its own address`);
    // One bound on the whole check (each AWS call is bounded too).
    const checkEnds = clock.now() + o.verifyTimeoutMs;
    const machine = await waitForMachine(deps, candidateId, target.image.id, check);
    if (o.healthCheck && deps.http) {
      if (!machine.publicIp) throw new Ec2RollbackError("CHANGE_FAILED", `the standby machine ${candidateId} has no public address to check it through`);
      await waitForApp({ ...deps, http: deps.http }, `http://${machine.publicIp}:${port}${settings.healthCheckPath}`, { ...check, timeoutMs: Math.max(0, checkEnds - clock.now()) });
    }
    ui.succeed(`${target.label} is healthy on ${candidateId} (${standbySlot}), checked through its own address (${seconds(clock.now() - t0)})`);
    // A deployment that began since (by someone who read the stack just before the record went on) goes
    // to the live machine: the address does not move under it.
    await refuseWhileDeploying(deps, outputs, "the address was not moved, so it lands on the machine it was aimed at");
  } catch (e) {
    if (isEc2RollbackError(e, "OPERATION_TAKEN_OVER")) throw e;
    if (e instanceof StackLockedError && !changed) {
      // Nothing ran: only the config changed, and it goes back as it was.
      await stack.setConfig(asConfig(before));
      await finish();
      throw e;
    }
    const reason = reasonOf(e);
    // A deployment begun meanwhile stops the change, not the target: no failed release is recorded for it.
    const deploying = isEc2RollbackError(e, "DEPLOYMENT_IN_PROGRESS");
    ui.fail(deploying ? `${target.label} is not flipped to: ${reason}` : `${target.label} failed before serving anyone: ${reason}`);
    if (!deploying) await recordRelease(deps, { version: target.pin, amiId: target.image.id, good: false, outcome: interrupted(e) ? "interrupted" : "failed" });
    const never = interrupted(e)
      ? `${target.label} was interrupted on the standby machine (${standbySlot}); it never served anyone`
      : deploying
        ? `${target.label} passed its checks on the standby machine (${standbySlot}) but was not flipped to: ${reason}; it never served anyone`
        : checking
        ? `${target.label} failed its checks on the standby machine (${standbySlot}): ${reason}; it never served anyone`
        : `${target.label} could not be put on the standby machine (${standbySlot}): ${reason}; it never served anyone`;
    const code = interrupted(e) ? "INTERRUPTED" : deploying ? "DEPLOYMENT_IN_PROGRESS" : "CHANGE_FAILED";
    if (!o.revert) {
      const ended = await finish();
      throw new Ec2RollbackError(
        deploying ? code : "CHANGE_FAILED",
        `${never}; not reverted (--no-revert): it stays on the standby machine; the stack pins ${current}, which still serves at ${addr.publicIp}${orRecover(ended)}`,
        { cause: e },
      );
    }
    await op.phase("restore", ui);
    try {
      await apply(before, `restoring the standby machine (${standbySlot}) to ${before.standbyAmiVersion || "none"}`);
    } catch (e2) {
      await op.phase("restore-failed", ui);
      throw new Ec2RollbackError(
        "CHANGE_FAILED",
        `${never}; restoring the standby machine failed too: ${messageOf(e2)}. The stack pins ${current}, which still serves at ${addr.publicIp}; ` +
          "the standby is left as the failed attempt put it: finish with `ec2-rollback recover`",
        { cause: e2 },
      );
    }
    const ended = await finish();
    throw new Ec2RollbackError(
      code,
      `${never}; the standby machine is back to ${before.standbyAmiVersion || "none"}; the stack pins ${current}, which still serves at ${addr.publicIp}${orRecover(ended)}`,
      { cause: e },
    );
  }
  const timeToCandidateHealthyMs = clock.now() - t0;

  // (d) Flip: the address moves to the candidate; the previous machine keeps running for the bake.
  // A data volume moves with the flip, and it can only leave a stopped machine.
  const dataVolume = settings.dataVolumeSizeGiB > 0;
  const flipped: MachinesConfig = { liveSlot: standbySlot, amiVersion: target.pin, standbyAmiVersion: current, standbyState: dataVolume ? "stopped" : "running" };
  const flipStart = clock.now();
  let flipMs = 0;
  const bakeMs = Math.max(0, bakeMinutes) * 60_000;
  const revertCtx = { op, finish, orRecover, before, current, target, standbySlot, allocationId: addr.elasticIpAllocationId, instanceBefore: outputs.instanceId, dataVolume, servedFrom: isoSeconds(flipStart) };
  try {
    // The record says "flip" until the bake (the check through the address takes seconds).
    await op.phase("flip", ui);
    const after = await apply(flipped, `moving the address ${addr.publicIp} to ${target.label} (${standbySlot})`, o.signal);
    flipMs = clock.now() - flipStart;
    // (e) Check through the Elastic IP, within one bound.
    const verifyEnds = clock.now() + o.verifyTimeoutMs;
    ui.step(`checking ${target.label} through the address ${addr.publicIp}`);
    await waitForAddress(deps, addr.elasticIpAllocationId, candidateId, check);
    const url = o.healthUrl ?? after.healthCheckUrl;
    if (o.healthCheck && deps.http && url) await waitForApp({ ...deps, http: deps.http }, url, { ...check, timeoutMs: Math.max(0, verifyEnds - clock.now()) });
    ui.succeed(`${target.label} serves at ${addr.publicIp} (${seconds(clock.now() - t0)})`);
  } catch (e) {
    if (isEc2RollbackError(e, "OPERATION_TAKEN_OVER")) throw e;
    throw await flipBack(deps, o, { ...revertCtx, reason: reasonOf(e), cause: e });
  }
  const timeToServingMs = clock.now() - t0;

  // (f) Bake.
  let bake: RollbackResult["bake"];
  try {
    const alarmNames = (await stack.outputs()).alarmNames ?? [];
    if (bakeMs > 0 && deps.alarms && alarmNames.length) await op.phase("bake", ui);
    bake = await watchAlarms(deps, alarmNames, bakeMs, flipStart, o);
  } catch (e) {
    if (isEc2RollbackError(e, "OPERATION_TAKEN_OVER")) throw e;
    throw await flipBack(deps, o, { ...revertCtx, reason: reasonOf(e), cause: e });
  }

  // A good release: it served, passed its checks and its bake (a bake whose alarms could not be read is no pass).
  await recordRelease(
    deps,
    { version: target.pin, amiId: target.image.id, servedFrom: isoSeconds(flipStart), good: bake?.result !== "unknown", outcome: "served" },
    { version: current, amiId: outputs.amiId },
  );

  // (g) The previous machine: kept stopped, kept running, or removed.
  const kept = settings.keepPrevious;
  const previous = { slot: settings.liveSlot, pin: current, instanceId: outputs.instanceId, kept };
  const finalConfig: MachinesConfig | undefined =
    kept === "none"
      ? { ...flipped, standbyAmiVersion: "", standbyState: "stopped" }
      : kept !== flipped.standbyState
        ? { ...flipped, standbyState: kept }
        : undefined;
  if (finalConfig) {
    await op.phase("keep", ui);
    try {
      const verb = kept === "none" ? "removing" : kept === "stopped" ? "stopping" : "starting";
      await apply(finalConfig, `${verb} the previous machine (${settings.liveSlot}, ${current})`);
    } catch (e) {
      ui.warn(`${target.label} serves; applying keepPrevious=${kept} to the previous machine failed: ${messageOf(e)}`);
    }
  }
  if (!(await finish())) ui.warn(`${target.label} serves, but the stack does not agree with it yet: finish with \`ec2-rollback recover\``);
  return {
    status: "changed",
    ...base,
    path,
    liveSlot: standbySlot,
    instanceAfter: candidateId,
    timeToCandidateHealthyMs,
    timeToServingMs,
    flipMs,
    bake,
    previous,
    totalMs: clock.now() - t0,
  };
}

/** The change stopped because the user interrupted it (not because a check failed). */
const wasInterrupted = (e: unknown, o: RollbackOptions): boolean => e instanceof InterruptedError || !!o.signal?.aborted;

function question(s: Settings, target: ResolvedTarget, outputs: StackOutputs, onStandby: boolean, bakeMinutes: number): string {
  const standby = otherSlot(s.liveSlot);
  const how = onStandby ? `the standby machine (${standby}) already has it` : `it is launched on the standby machine (${standby})`;
  const kept = s.keepPrevious === "none" ? "removed" : `kept ${s.keepPrevious}`;
  return (
    `Change ${s.appName} from ${s.amiVersion} (${outputs.amiId ?? "?"}) to ${target.label} (${target.image.id})? ` +
    `${how}, checked through its own address, then the address ${outputs.publicIp ?? "?"} moves to it` +
    `${bakeMinutes > 0 && outputs.alarmNames?.length ? ` and the alarms are watched for ${bakeMinutes} min` : ""}; the previous machine is then ${kept}.`
  );
}

/** Puts the previous machine back on the address and checks it there; returns the error to throw. */
async function flipBack(
  deps: RollbackDeps,
  o: RollbackOptions,
  c: {
    op: Operation;
    finish: () => Promise<boolean>;
    orRecover: (ended: boolean) => string;
    before: MachinesConfig;
    current: string;
    target: ResolvedTarget;
    standbySlot: Slot;
    reason: string;
    cause: unknown;
    allocationId: string;
    instanceBefore?: string;
    /** The volume's move back stops the failed machine: its declared state must say so. */
    dataVolume: boolean;
    /** When the target started serving (the flip). */
    servedFrom: string;
  },
): Promise<Ec2RollbackError> {
  const { stack, ui, clock } = deps;
  const failed = `${c.target.label} failed after the flip: ${c.reason}`;
  ui.fail(failed);
  const served = { version: c.target.pin, amiId: c.target.image.id, servedFrom: c.servedFrom, good: false };
  if (!o.revert) {
    await recordRelease(deps, { ...served, outcome: "failed" });
    const ended = await c.finish();
    return new Ec2RollbackError(
      "CHANGE_FAILED",
      `${failed}; not flipped back (--no-revert): the stack pins ${c.target.pin}${ended ? `, which serves; go back with \`ec2-rollback rollback ${c.current}\`` : c.orRecover(false)}`,
      { cause: c.cause },
    );
  }
  const back: MachinesConfig = { ...c.before, standbyAmiVersion: c.target.pin, standbyState: c.dataVolume ? "stopped" : c.before.standbyState };
  let pinned = c.target.pin;
  try {
    await c.op.phase("flip-back", ui);
    await stack.setConfig(asConfig(back));
    pinned = c.current;
    ui.step(`flipping back: the address returns to ${c.current} (${c.before.liveSlot})`);
    await stack.up({ message: `ec2-rollback: flip back to ${c.current} (${c.reason})`, onProgress: progressReporter(ui) });
    if (c.instanceBefore) await waitForAddress(deps, c.allocationId, c.instanceBefore, { timeoutMs: o.verifyTimeoutMs, pollMs: o.pollMs });
  } catch (e2) {
    await recordRelease(deps, { ...served, outcome: "reverted" });
    await c.op.phase("flip-back-failed", ui);
    return new Ec2RollbackError(
      "CHANGE_FAILED",
      `${failed}; flipping back to ${c.current} failed too: ${messageOf(e2)}. The stack pins ${pinned}; what serves is not known for sure: ` +
        "see `ec2-rollback status`, and finish with `ec2-rollback recover`",
      { cause: e2 },
    );
  }
  await recordRelease(deps, { ...served, servedTo: isoSeconds(clock.now()), outcome: "reverted" });
  const ended = await c.finish();
  return new Ec2RollbackError(
    wasInterrupted(c.cause, o) ? "INTERRUPTED" : "CHANGE_FAILED",
    `${failed}; flipped back: the stack pins ${c.current}, which serves again; ${c.target.label} stays on the standby machine (${c.standbySlot})${c.orRecover(ended)}`,
    { cause: c.cause },
  );
}

/** An alarm still in ALARM from before the flip has this much longer to judge the new machine. */
const ALARM_GRACE_MS = 60_000;

/**
 * Watches the alarms for `bakeMs`: one firing ends the bake (and the caller flips back). An alarm that
 * was already firing before the flip (often why the change was made: the old version was failing)
 * judges data of the old machine at first, so it counts only once its own window (period × evaluation
 * periods) plus a minute has passed since the flip and it still fires.
 */
async function watchAlarms(deps: RollbackDeps, names: string[], bakeMs: number, flipAt: number, o: RollbackOptions): Promise<RollbackResult["bake"]> {
  const { ui, clock } = deps;
  const minutes = bakeMs / 60_000;
  if (bakeMs <= 0 || !deps.alarms || !names.length) {
    if (bakeMs > 0) ui.warn(`no alarms to watch: skipping the ${minutes}-minute bake`);
    return { plannedMs: bakeMs, result: "skipped", durationMs: 0 };
  }
  const alarms = deps.alarms;
  const interval = o.bakePollMs ?? 10_000;
  ui.step(`baking: watching ${names.join(", ")} for ${minutes} min (an alarm flips back at once)`);
  const start = clock.now();
  /** Reads that answered, and whether the last one did: a bake passes only on alarms it has seen. */
  let answered = 0;
  let lastAnswered = false;
  await poll({ clock, ui, what: "bake", timeoutMs: bakeMs + interval, intervalMs: interval, signal: o.signal }, async (elapsed) => {
    let progress: string;
    try {
      const firing = (await alarms.states(names)).filter(
        (a) => a.state === "ALARM" && (!a.since || a.since.getTime() >= flipAt || clock.now() - flipAt >= (a.windowMs ?? 0) + ALARM_GRACE_MS),
      );
      if (firing.length) {
        throw new Ec2RollbackError("CHANGE_FAILED", `alarm ${firing.map((a) => `${a.name}${a.reason ? ` (${a.reason})` : ""}`).join(", ")} during the bake`);
      }
      progress = "alarms OK";
      answered++;
      lastAnswered = true;
    } catch (e) {
      if (e instanceof Ec2RollbackError && e.code === "CHANGE_FAILED") throw e;
      progress = `alarms unknown (${messageOf(e)}), asking again`;
      lastAnswered = false;
    }
    if (elapsed >= bakeMs) return { done: true, value: undefined };
    const left = Math.ceil((bakeMs - elapsed) / 1000);
    return { done: false, progress: `${progress}, ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left` };
  });
  if (!answered || !lastAnswered) {
    ui.warn(`bake unknown: the alarms could not be read ${answered ? "at its end" : "at all"} in ${minutes} min; the target serves, but is not recorded as a good release`);
    return { plannedMs: bakeMs, result: "unknown", durationMs: clock.now() - start };
  }
  ui.succeed(`bake passed: no alarm in ${minutes} min`);
  return { plannedMs: bakeMs, result: "passed", durationMs: clock.now() - start };
}
