// Machine rollback (shared/design.md "Rollback of the machine, step by step").
import { configKey } from "../../contract/config";
import { confirmOrRefuse } from "./confirm";
import { Ec2RollbackError, InterruptedError, messageOf, StackLockedError } from "./errors";
import { previousPin } from "./history";
import { BackupPort, Clock, CloudPort, HttpProbe, PreviewResult, StackOutputs, StackPort, Ui, UpProgress } from "./ports";
import { readStack } from "./stackState";
import { parseTarget, ResolvedTarget, resolveTarget } from "./target";
import { verifyMachine } from "./verify";

const AMI_VERSION = configKey("amiVersion");

export interface RollbackDeps {
  stack: StackPort;
  cloud: CloudPort;
  ui: Ui;
  clock: Clock;
  http?: HttpProbe;
  /** For `backup:…` targets. */
  backup?: BackupPort;
}

export interface RollbackOptions {
  /** As typed; undefined = the version pinned before the current one. */
  target?: string;
  yes: boolean;
  /** Put the previous version back when the update or verification fails (default true). */
  revert: boolean;
  preview: boolean;
  /** Check the app through the address: the stack's healthCheckUrl, or `healthUrl` when given. */
  healthCheck: boolean;
  healthUrl?: string;
  verifyTimeoutMs: number;
  pollMs: number;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

export interface RollbackResult {
  status: "rolled-back" | "no-op" | "preview";
  from: { pin: string; amiId?: string };
  to: { pin: string; amiId: string };
  stack: string;
  instanceBefore?: string;
  instanceAfter?: string;
  publicIp?: string;
  /** From the start of the update to the new instance passing verification. */
  timeToHealthyMs?: number;
  totalMs: number;
  preview?: PreviewResult;
}

/**
 * Shows `up` progress: each resource being created/replaced/deleted, with the time so far. These are
 * steps, not throttled progress: an update changes only a handful, and each one matters.
 */
export function progressReporter(ui: Ui, clock: Clock): (p: UpProgress) => void {
  const start = clock.now();
  return (p) => {
    if (p.kind !== "resource" || p.op === "same" || p.op === "read") return;
    ui.step(`${p.op} ${p.type} ${p.name} (${Math.round((clock.now() - start) / 1000)}s)`);
  };
}

export async function rollback(deps: RollbackDeps, o: RollbackOptions): Promise<RollbackResult> {
  const { stack, cloud, ui, clock } = deps;
  const t0 = clock.now();

  // 1. Resolve and validate: nothing is touched before this passes.
  const [{ settings, region, outputs }, identity] = await Promise.all([readStack(stack), cloud.identity()]);
  const { appName, amiVersion: current } = settings;
  const healthUrl = o.healthCheck ? (o.healthUrl ?? outputs.healthCheckUrl) : undefined;
  let raw = o.target;
  if (raw === undefined) {
    raw = previousPin(await stack.history(), current);
    if (!raw) {
      throw new Ec2RollbackError("NO_PREVIOUS_VERSION", `stack "${stack.name}" has no earlier version than ${current} in its history; name one: \`ec2-rollback rollback <version>\` (see \`ec2-rollback versions\`)`);
    }
    ui.step(`previous version (from stack history): ${raw}`);
  }
  const spec = parseTarget(raw, appName);
  const target = await resolveTarget(cloud, spec, {
    appName,
    region,
    account: identity.account,
    instanceType: settings.instanceType,
    backup: deps.backup,
    vault: outputs.backupVaultName,
  });
  const from = { pin: current, amiId: outputs.amiId };
  const to = { pin: target.pin, amiId: target.image.id };
  const base = { from, to, stack: stack.name, instanceBefore: outputs.instanceId, publicIp: outputs.publicIp };

  // The same pin, or the same AMI while the last update ran the current pin: nothing to change.
  const applied = outputs.amiVersion === undefined || outputs.amiVersion === current;
  if (target.pin === current || (applied && target.image.id === outputs.amiId)) {
    if (!applied) ui.warn(`the stack pins ${current} but its last update ran ${outputs.amiVersion}; run \`pulumi up\` to apply the pin`);
    ui.succeed(`${stack.name} already pins ${target.label} (${target.image.id}); nothing to do`);
    return { status: "no-op", ...base, totalMs: clock.now() - t0 };
  }

  if (o.preview) {
    const preview = await previewWith(deps, current, target);
    return { status: "preview", ...base, preview, totalMs: clock.now() - t0 };
  }

  // 2. Confirm.
  const question =
    `Roll ${appName} (${stack.name}) back from ${current} (${outputs.amiId ?? "?"}) to ${target.label} (${target.image.id})? ` +
    `Instance ${outputs.instanceId ?? "?"} will be replaced; the address ${outputs.publicIp ?? "?"} stays.`;
  await confirmOrRefuse(ui, o.yes, question, "roll back");

  // 3–4. Pin, up, verify.
  const upStart = clock.now();
  try {
    const after = await applyPin(deps, target.pin, `ec2-rollback: roll back amiVersion ${current} -> ${target.pin}`, o.signal);
    await verifyMachine(deps, stack.name, after, {
      expectedIp: outputs.publicIp,
      expectedAmi: target.image.id,
      healthUrl,
      timeoutMs: o.verifyTimeoutMs,
      pollMs: o.pollMs,
      signal: o.signal,
    });
    const healthyAt = clock.now();
    return {
      status: "rolled-back",
      ...base,
      instanceAfter: after.instanceId,
      publicIp: after.publicIp,
      timeToHealthyMs: healthyAt - upStart,
      totalMs: healthyAt - t0,
    };
  } catch (e) {
    if (e instanceof StackLockedError) {
      // Nothing ran: only the config changed, and it goes back as it was.
      await stack.setConfig(AMI_VERSION, current);
      throw e;
    }
    // 5. Revert so the last good version serves.
    const reason = e instanceof InterruptedError || o.signal?.aborted ? "interrupted (Ctrl-C)" : messageOf(e);
    ui.fail(`rollback to ${target.label} failed: ${reason}`);
    if (!o.revert) {
      throw new Ec2RollbackError(
        "CHANGE_FAILED",
        `rollback to ${target.label} failed: ${reason}; not reverted (--no-revert): the stack pins ${target.pin}; go back with \`ec2-rollback rollback ${current}\``,
      );
    }
    ui.step(`reverting to ${current}`);
    try {
      const back = await applyPin(deps, current, `ec2-rollback: revert amiVersion ${target.pin} -> ${current} (rollback failed: ${reason})`);
      // The machine that served before is back: check the machine and its address. Not the health URL:
      // that is the bar for the target, and the rollback may have started because the app was failing.
      await verifyMachine(deps, stack.name, back, { expectedIp: outputs.publicIp, expectedAmi: outputs.amiId, timeoutMs: o.verifyTimeoutMs, pollMs: o.pollMs });
    } catch (e2) {
      throw new Ec2RollbackError(
        "CHANGE_FAILED",
        `rollback to ${target.label} failed: ${reason}; the revert to ${current} failed too: ${messageOf(e2)}. ` +
          `The stack pins ${current} again; fix the cause and run \`pulumi up --stack ${stack.name}\``,
        { cause: e2 },
      );
    }
    throw new Ec2RollbackError("CHANGE_FAILED", `rollback to ${target.label} failed: ${reason}; reverted: ${current} serves again at ${outputs.publicIp ?? "its address"}`, {
      cause: e,
    });
  }
}

/** Sets the pin and runs `up`; a failed `up` leaves the pin for the caller to restore. */
async function applyPin(deps: RollbackDeps, pin: string, message: string, signal?: AbortSignal): Promise<StackOutputs> {
  const { stack, ui, clock } = deps;
  await stack.setConfig(AMI_VERSION, pin);
  ui.step(`pulumi up: ${message}`);
  const outputs = await stack.up({ message, onProgress: progressReporter(ui, clock), signal });
  ui.succeed(`update done: ${pin} on ${outputs.instanceId}`);
  return outputs;
}

/** Preview with the target pinned, then the pin put back as it was, whatever happens. */
async function previewWith(deps: RollbackDeps, current: string, target: ResolvedTarget): Promise<PreviewResult> {
  const { stack, ui, clock } = deps;
  await stack.setConfig(AMI_VERSION, target.pin);
  try {
    ui.step(`pulumi preview: ${current} -> ${target.pin}`);
    const p = await stack.preview({ message: `ec2-rollback: preview ${current} -> ${target.pin}`, onProgress: progressReporter(ui, clock) });
    ui.succeed("preview done; nothing changed");
    return p;
  } finally {
    await stack.setConfig(AMI_VERSION, current);
  }
}
