// Where the stack stands now, layer by layer: both machines, what each runs and which one the address
// is on (machine); the live revision and the last deployment (app); the last and next recovery point
// (data). Reads only, all side by side. A layer that cannot be read says why in its place and the
// rest still shows; only the machine layer and an unfinished operation decide `consistent`.
import { isAmiId, otherSlot, Slot } from "../../contract/naming";
import { AppLayerReport, readAppLayer } from "./appStatus";
import { checkConsistency, Consistency } from "./consistency";
import { DataLayerReport, readDataLayer } from "./dataStatus";
import { OperationRecord } from "./operation";
import { Release, releasesOf } from "./releases";
import { BackupPort, Clock, CloudPort, DeployPort, InstanceHealth, StackPort } from "./ports";
import { readStack, StackState } from "./stackState";

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
  /** The machine the Elastic IP is on, as EC2 sees it now; null when it is on none (or that could not be read). */
  serving: ServingReport | null;
  /**
   * The newest machine change this tool recorded (its release: what, whether good, since when), or null.
   * From the stack tags read with the config: Pulumi's update history is not read (one `pulumi` process fewer).
   */
  lastRelease: Release | null;
  /** Config, outputs and what the address serves agree, and no operation is recorded. */
  consistent: boolean;
  /** What disagrees, one line each. */
  problems: string[];
  /** The unfinished operation's record, or null. */
  operation: OperationRecord | null;
  /** The app layer (CodeDeploy), or `{error}`: why it could not be read. */
  app: AppLayerReport;
  /** The data layer (AWS Backup), or `{error}`: why it could not be read. */
  data: DataLayerReport;
}

export interface ServingReport {
  instanceId: string;
  amiId: string;
  /** Its AMI's name (`myapp-v1.2.3`), when it was read. */
  name?: string;
  /** It runs the AMI that `amiVersion` names. */
  pinned: boolean;
}

export interface StatusDeps {
  stack: StackPort;
  cloud: CloudPort;
  deploy: DeployPort;
  backup: BackupPort;
  clock: Pick<Clock, "now">;
  backend?: string;
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

/** What the address serves, named: the pin's name when it is the pinned AMI, else the AMI's own name (one more read). */
async function servingReport(cloud: CloudPort, pin: string, health: Consistency): Promise<ServingReport | null> {
  const s = health.serving;
  if (!s) return null;
  const pinned = !!health.pinAmi && s.imageId === health.pinAmi;
  const name = pinned && !isAmiId(pin) ? pin : await cloud.describeImage(s.imageId).then((i) => i?.name, () => undefined);
  return { instanceId: s.id, amiId: s.imageId, name, pinned };
}

/** The machine layer's reads: the consistency check's, then the live machine (when the address is not on it) and the serving AMI's name. */
async function machineLayer(deps: StatusDeps, state: StackState) {
  const { cloud } = deps;
  const { settings, outputs } = state;
  const health = await checkConsistency(deps, state);
  const [live, serving] = await Promise.all([
    // A machine that cannot be read is shown as not read (the consistency check says why); the other layers still print.
    health.serving?.id === outputs.instanceId ? health.serving : outputs.instanceId ? cloud.describeInstance(outputs.instanceId).catch(() => undefined) : undefined,
    servingReport(cloud, settings.amiVersion, health),
  ]);
  return { health, live, serving };
}

export async function status(deps: StatusDeps): Promise<StatusReport> {
  const { stack } = deps;
  const state = await readStack(stack);
  const { settings, region, outputs } = state;
  const now = new Date(deps.clock.now());
  // Every layer's reads side by side: the machine's (EC2), the app's (CodeDeploy), the data's (AWS Backup).
  const [tags, { health, live, serving }, app, data] = await Promise.all([
    stack.tags(),
    machineLayer(deps, state),
    readAppLayer(deps, { stackName: stack.name, appName: settings.appName, outputs }),
    readDataLayer({ backup: deps.backup, now }, { stackName: stack.name, settings, outputs }),
  ]);
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
    serving,
    consistent: health.consistent,
    problems: health.problems,
    operation: health.operation,
    lastRelease: releasesOf(tags)[0] ?? null,
    app,
    data,
  };
  if (address) report.addressOnInstance = !!live && address.instanceId === live.id;
  return report;
}
