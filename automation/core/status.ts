// Where the stack stands now. Reads only.
import { CloudPort, StackPort } from "./ports";
import { readStack } from "./stackState";

export interface StatusReport {
  stack: string;
  region: string;
  appName: string;
  amiVersion?: string;
  amiId?: string;
  instance?: { id: string; state: string; systemStatus?: string; instanceStatus?: string; type: string; launchTime?: string };
  publicIp?: string;
  addressOnInstance?: boolean;
  lastUpdate?: { kind: string; result: string; startTime: string; endTime?: string; message?: string };
}

export async function status(deps: { stack: StackPort; cloud: CloudPort }): Promise<StatusReport> {
  const { stack, cloud } = deps;
  const [{ settings, region, outputs }, history] = await Promise.all([readStack(stack), stack.history()]);
  const report: StatusReport = {
    stack: stack.name,
    region,
    appName: settings.appName,
    amiVersion: settings.amiVersion,
    amiId: outputs.amiId,
    publicIp: outputs.publicIp,
  };
  const [instance, address] = await Promise.all([
    outputs.instanceId ? cloud.describeInstance(outputs.instanceId) : undefined,
    outputs.elasticIpAllocationId ? cloud.describeAddress(outputs.elasticIpAllocationId) : undefined,
  ]);
  if (instance) {
    report.instance = {
      id: instance.id,
      state: instance.state,
      systemStatus: instance.systemStatus,
      instanceStatus: instance.instanceStatus,
      type: instance.instanceType,
      launchTime: instance.launchTime?.toISOString(),
    };
  }
  if (address) {
    report.publicIp = address.publicIp;
    report.addressOnInstance = !!instance && address.instanceId === instance.id;
  }
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
