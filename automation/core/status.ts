// Where the stack stands now: both machines, what each runs, which one the address is on. Reads only.
import { otherSlot, Slot } from "../../contract/naming";
import { checkConsistency } from "./consistency";
import { OperationRecord } from "./operation";
import { CloudPort, InstanceHealth, StackPort } from "./ports";
import { readStack } from "./stackState";

export interface MachineReport {
  slot: Slot;
  role: "live" | "standby";
  /** As configured (`amiVersion` / `standbyAmiVersion`). */
  version: string;
  amiId?: string;
  instance?: { id: string; state: string; systemStatus?: string; instanceStatus?: string; type: string; launchTime?: string; address?: string };
}

export interface StatusReport {
  stack: string;
  /** The Pulumi backend used, and why (as the Pulumi CLI would choose it). */
  backend?: string;
  region: string;
  appName: string;
  /** The version that serves (config) and its AMI (outputs). */
  amiVersion: string;
  amiId?: string;
  live: MachineReport;
  /** null: no second machine. */
  standby: MachineReport | null;
  publicIp?: string;
  /** Whether the Elastic IP is on the live machine. */
  addressOnInstance?: boolean;
  lastUpdate?: { kind: string; result: string; startTime: string; endTime?: string; message?: string };
  /** Config, outputs and what the address serves agree, and no operation is recorded. */
  consistent: boolean;
  /** What disagrees, one line each. */
  problems: string[];
  /** The unfinished operation's record, or null. */
  operation: OperationRecord | null;
}

function instanceReport(i: InstanceHealth | undefined): MachineReport["instance"] {
  if (!i) return undefined;
  return {
    id: i.id,
    state: i.state,
    systemStatus: i.systemStatus,
    instanceStatus: i.instanceStatus,
    type: i.instanceType,
    launchTime: i.launchTime?.toISOString(),
    address: i.publicIp,
  };
}

export async function status(deps: { stack: StackPort; cloud: CloudPort; backend?: string }): Promise<StatusReport> {
  const { stack, cloud } = deps;
  const [state, history] = await Promise.all([readStack(stack), stack.history()]);
  const { settings, region, outputs } = state;
  const health = await checkConsistency(deps, state);
  const live = health.serving?.id === outputs.instanceId ? health.serving : outputs.instanceId ? await cloud.describeInstance(outputs.instanceId) : undefined;
  const address = health.address;
  const standby = health.standby;
  const report: StatusReport = {
    stack: stack.name,
    backend: deps.backend,
    region,
    appName: settings.appName,
    amiVersion: settings.amiVersion,
    amiId: outputs.amiId,
    live: { slot: settings.liveSlot, role: "live", version: settings.amiVersion, amiId: outputs.amiId, instance: instanceReport(live) },
    standby: settings.standbyAmiVersion
      ? { slot: otherSlot(settings.liveSlot), role: "standby", version: settings.standbyAmiVersion, amiId: outputs.standbyAmiId || undefined, instance: instanceReport(standby) }
      : null,
    publicIp: address?.publicIp ?? outputs.publicIp,
    consistent: health.consistent,
    problems: health.problems,
    operation: health.operation,
  };
  if (address) report.addressOnInstance = !!live && address.instanceId === live.id;
  const last = history[0];
  if (last) {
    report.lastUpdate = {
      kind: last.kind,
      result: last.result,
      startTime: last.startTime.toISOString(),
      endTime: last.endTime?.toISOString(),
      message: last.message,
    };
  }
  return report;
}
