// In-memory stand-ins for the driver's ports: a stack that does what the program does (two machine
// slots, one address, power states), an AWS account whose machines and address take the time real
// ones take, a clock, a person. Because every machine and the address keep their history, a test can
// ask afterwards what a user of the address saw at any moment.
import { configKey } from "../../contract/config";
import { otherSlot, Slot } from "../../contract/naming";
import { InterruptedError, StackLockedError } from "../../automation/core/errors";
import { withElapsed } from "../../automation/core/poll";
import {
  AddressInfo,
  AlarmPort,
  AlarmState,
  BackupJob,
  BackupPort,
  Clock,
  CloudPort,
  DeploymentInfo,
  DeployPort,
  HttpProbe,
  Identity,
  InstanceHealth,
  MachineImage,
  PreviewResult,
  ProjectPort,
  RecoveryPoint,
  StackOutputs,
  StackPort,
  Ui,
  UpdateRecord,
  UpProgress,
} from "../../automation/core/ports";

export const ACCOUNT = "111122223333";
export const IP = "203.0.113.10";
export const ALLOCATION = "eipalloc-0a1b2c3d4e5f60718";
export const T0 = Date.parse("2026-11-24T10:00:00Z");

/**
 * How long AWS and the engine take (design.md, "Testing"): launch ~18 s to running, boot and app start
 * ~25 s more, start from stopped ~21 s to an answering app, stop ~30 s, address switch ~5 s, status
 * checks 3–5 min; each `pulumi up` plans for a few seconds before its first change.
 */
export const TIMING = {
  engineMs: 3_000,
  launchMs: 18_000,
  bootMs: 25_000,
  startMs: 12_000,
  restartAppMs: 9_000,
  stopMs: 30_000,
  switchMs: 5_000,
  statusChecksMs: 4 * 60_000,
  /** A data volume: detach from a stopped machine and attach to another; the mount timer's period. */
  attachMs: 10_000,
  mountTimerMs: 5_000,
};

export function image(name: string, id: string, o: Partial<MachineImage> = {}): MachineImage {
  return {
    id,
    name,
    state: "available",
    ownerId: ACCOUNT,
    architecture: "x86_64",
    createdAt: new Date("2026-11-01T00:00:00Z"),
    tags: {},
    snapshots: [{ id: `snap-${id.slice(4)}`, sizeGiB: 20 }],
    ...o,
  };
}

export class FakeClock implements Clock {
  t = T0;
  sleeps = 0;
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new InterruptedError();
    this.sleeps++;
    this.t += ms;
  }
}

export class FakeUi implements Ui {
  lines: string[] = [];
  questions: string[] = [];
  constructor(
    public interactive = false,
    private answer = true,
  ) {}
  /** Called on each step (to act at a moment of a change that writes no record phase). */
  onStep?: (t: string) => void;
  step(t: string) {
    this.lines.push(`step ${t}`);
    this.onStep?.(t);
  }
  progress(text: string, elapsedMs?: number) {
    const t = withElapsed(text, elapsedMs);
    this.lines.push(`progress ${t}`);
  }
  succeed(t: string) {
    this.lines.push(`ok ${t}`);
  }
  fail(t: string) {
    this.lines.push(`fail ${t}`);
  }
  warn(t: string) {
    this.lines.push(`warn ${t}`);
  }
  async confirm(q: string) {
    this.questions.push(q);
    return this.answer;
  }
}

/** A machine and its history: when its app answered. */
interface FakeMachine {
  id: string;
  ami: string;
  ownIp: string;
  launchTime: number;
  runningAt: number;
  appAt: number;
  stoppingAt?: number;
  terminatedAt?: number;
  /** [from, to) intervals in which its app answered. */
  answered: [number, number][];
}

export class FakeCloud implements CloudPort {
  images: MachineImage[] = [
    image("myapp-v1.2.1", "ami-0000000000000121a", { createdAt: new Date("2026-11-01T00:00:00Z") }),
    image("myapp-v1.2.2", "ami-0000000000000122a", { createdAt: new Date("2026-11-10T00:00:00Z") }),
    image("myapp-v1.2.3", "ami-0000000000000123a", { createdAt: new Date("2026-11-20T00:00:00Z") }),
    image("myapp-v2.0.0", "ami-0000000000000200a", { createdAt: new Date("2026-11-21T00:00:00Z"), architecture: "arm64" }),
    image("myapp-v2.1.0", "ami-0000000000000210a", { createdAt: new Date("2026-11-22T00:00:00Z"), state: "pending" }),
    image("myapp-vnext", "ami-00000000000000f0a", { createdAt: new Date("2026-11-23T00:00:00Z") }),
    image("otherapp-v9.0.0", "ami-0000000000000900a"),
    image("al2023-ami-2023.6", "ami-0000000000000aaaa", { ownerId: "137112412989" }),
  ];
  machines = new Map<string, FakeMachine>();
  /** AMIs whose app never answers (a bad version). */
  badApps = new Set<string>();
  /** Overrides of what EC2 reports for machines of an AMI (e.g. impaired, or another imageId). */
  healthOf: Record<string, Partial<InstanceHealth>> = {};
  /** When the data volume was mounted where: [from, to) on a machine (with dataVolumeSizeGiB > 0). */
  dataMounts: { from: number; to: number; instanceId: string }[] = [];
  /** Who the address was on, and from when; a gap between two is the switch. */
  associations: { from: number; to: number; instanceId: string }[] = [];
  created: { instanceId: string; name: string; reboot: boolean; tags: Record<string, string>; omitDevices?: string[] }[] = [];
  /** States a new image goes through, one per describe. */
  newImageStates = ["pending", "pending", "available"];
  /** Errors thrown by the next describeInstance calls (throttling, outages). */
  describeErrors: Error[] = [];
  deregistered: string[] = [];
  deletedSnapshots: string[] = [];
  private ips = 0;

  constructor(public clock: FakeClock) {}

  resolvePin(pin: string): string | undefined {
    return pin.startsWith("ami-") ? pin : this.images.find((i) => i.name === pin)?.id;
  }

  /** Launches a machine now: running after launchMs, its app after bootMs more. */
  launch(ami: string, at = this.clock.now()): string {
    let id = `i-${ami.slice(4)}`;
    for (let n = 2; this.machines.has(id); n++) id = `i-${ami.slice(4)}-${n}`;
    const runningAt = at + TIMING.launchMs;
    const appAt = runningAt + TIMING.bootMs;
    const m: FakeMachine = { id, ami, ownIp: `198.51.100.${++this.ips}`, launchTime: at, runningAt, appAt, answered: [] };
    if (!this.badApps.has(ami)) m.answered.push([appAt, Infinity]);
    this.machines.set(id, m);
    return id;
  }
  stop(id: string, at = this.clock.now()) {
    const m = this.machines.get(id)!;
    if (m.stoppingAt !== undefined) return;
    m.stoppingAt = at;
    for (const a of m.answered) if (a[1] > at) a[1] = Math.max(a[0], at);
  }
  start(id: string, at = this.clock.now()) {
    const m = this.machines.get(id)!;
    if (m.stoppingAt === undefined) return;
    m.stoppingAt = undefined;
    m.runningAt = Math.max(at, at) + TIMING.startMs;
    m.appAt = m.runningAt + TIMING.restartAppMs;
    if (!this.badApps.has(m.ami)) m.answered.push([m.appAt, Infinity]);
  }
  terminate(id: string, at = this.clock.now()) {
    this.stop(id, at);
    this.machines.get(id)!.terminatedAt = at;
  }
  /** Moves the address: nothing answers on it for switchMs. */
  associate(instanceId: string, at = this.clock.now()) {
    const cur = this.associations.at(-1);
    if (cur?.instanceId === instanceId && cur.to === Infinity) return;
    if (cur && cur.to === Infinity) cur.to = at;
    this.associations.push({ from: cur ? at + TIMING.switchMs : at, to: Infinity, instanceId });
  }
  stateOf(m: FakeMachine, t: number): string {
    if (m.terminatedAt !== undefined && t >= m.terminatedAt) return "terminated";
    if (m.stoppingAt !== undefined && t >= m.stoppingAt) return t >= m.stoppingAt + TIMING.stopMs ? "stopped" : "stopping";
    return t >= m.runningAt ? "running" : "pending";
  }
  /** Whether a request to the machine's app at `t` is answered. */
  answers(id: string | undefined, t: number): boolean {
    const m = id ? this.machines.get(id) : undefined;
    return !!m && m.answered.some(([a, b]) => t >= a && t < b);
  }
  /** The machine the address is on at `t`, if any (none during a switch). */
  addressOn(t: number): string | undefined {
    return this.associations.find((a) => t >= a.from && t < a.to)?.instanceId;
  }
  /** Milliseconds in [from, to) in which a user of the address got no answer (sampled every 100 ms). */
  unansweredMs(from: number, to: number): number {
    let n = 0;
    for (let t = from; t < to; t += 100) if (!this.answers(this.addressOn(t), t)) n += 100;
    return n;
  }
  /** Milliseconds in [from, to) in which the live machine had no /data (sampled every 100 ms). */
  dataUnavailableMs(from: number, to: number): number {
    let n = 0;
    for (let t = from; t < to; t += 100) if (!this.dataMounts.some((m) => t >= m.from && t < m.to)) n += 100;
    return n;
  }
  /** Milliseconds in [from, to) in which the address was on a machine running `ami`. */
  servedByMs(ami: string, from: number, to: number): number {
    let n = 0;
    for (let t = from; t < to; t += 100) if (this.machines.get(this.addressOn(t) ?? "")?.ami === ami) n += 100;
    return n;
  }
  /** The first moment from `from` on at which the address answers from a machine running `ami`. */
  firstServedBy(ami: string, from: number): number | undefined {
    for (let t = from; t < this.clock.now() + 1; t += 100) {
      const on = this.addressOn(t);
      if (this.machines.get(on ?? "")?.ami === ami && this.answers(on, t)) return t;
    }
    return undefined;
  }

  async identity(): Promise<Identity> {
    return { account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/alice` };
  }
  async listOwnImages(prefix: string) {
    return this.images.filter((i) => i.ownerId === ACCOUNT && i.name.startsWith(prefix));
  }
  async findOwnImageByName(name: string) {
    return this.images.find((i) => i.ownerId === ACCOUNT && i.name === name);
  }
  async describeImage(id: string) {
    const i = this.images.find((x) => x.id === id);
    if (i && this.created.length && i.state !== "available" && this.newImageStates.length) i.state = this.newImageStates.shift()!;
    return i;
  }
  async instanceTypeArchitectures() {
    return ["x86_64", "i386"];
  }
  async describeInstance(id: string): Promise<InstanceHealth | undefined> {
    const err = this.describeErrors.shift();
    if (err) throw err;
    const m = this.machines.get(id);
    if (!m) return undefined;
    const t = this.clock.now();
    const state = this.stateOf(m, t);
    const checks = state === "running" ? (t >= m.runningAt + TIMING.statusChecksMs ? "ok" : "initializing") : undefined;
    const onAddress = this.addressOn(t) === id || this.associations.at(-1)?.instanceId === id;
    return {
      id,
      state,
      imageId: m.ami,
      instanceType: "t3.micro",
      systemStatus: checks,
      instanceStatus: checks,
      launchTime: new Date(m.launchTime),
      publicIp: state === "running" ? (onAddress ? IP : m.ownIp) : undefined,
      ...this.healthOf[m.ami],
    };
  }
  async describeAddress(): Promise<AddressInfo | undefined> {
    const cur = this.associations.at(-1);
    return { publicIp: IP, instanceId: cur && cur.to === Infinity && this.clock.now() >= cur.from ? cur.instanceId : undefined };
  }
  async deregisterImage(id: string) {
    this.deregistered.push(id);
    this.images = this.images.filter((i) => i.id !== id);
  }
  async deleteSnapshot(id: string) {
    this.deletedSnapshots.push(id);
  }
  async createImage(o: { instanceId: string; name: string; description: string; reboot: boolean; tags: Record<string, string>; omitDevices?: string[] }) {
    this.created.push(o);
    const id = `ami-0000000000000${String(this.created.length).padStart(3, "0")}b`;
    this.images.push(image(o.name, id, { state: "pending", createdAt: new Date("2026-11-24T10:00:00Z"), tags: o.tags }));
    return id;
  }
}

/** HTTP as a user (through the address) or the driver (through a machine's own address) sees it. */
export class FakeHttp implements HttpProbe {
  urls: string[] = [];
  /** Canned answers instead of the model, first to last (the last one repeats). */
  answers: { status?: number; error?: string }[] = [];
  constructor(private cloud?: FakeCloud) {}
  async get(url: string) {
    this.urls.push(url);
    if (this.answers.length) return this.answers.length > 1 ? this.answers.shift()! : this.answers[0];
    if (!this.cloud) return { status: 200 };
    const host = new URL(url).hostname;
    const t = this.cloud.clock.now();
    const id = host === IP ? this.cloud.addressOn(t) : [...this.cloud.machines.values()].find((m) => m.ownIp === host && this.cloud!.stateOf(m, t) === "running")?.id;
    if (!id) return { error: "connect ETIMEDOUT" };
    if (this.cloud.answers(id, t)) return { status: 200 };
    return this.cloud.badApps.has(this.cloud.machines.get(id)!.ami) && this.cloud.stateOf(this.cloud.machines.get(id)!, t) === "running" && t >= this.cloud.machines.get(id)!.appAt
      ? { status: 502 }
      : { error: "connect ECONNREFUSED" };
  }
}

export class FakeAlarms implements AlarmPort {
  /** Alarm name → the moment it fires. */
  firesAt: Record<string, number> = {};
  reads = 0;
  constructor(private clock: FakeClock) {}
  async states(names: string[]): Promise<AlarmState[]> {
    this.reads++;
    return names.map((name) => ({ name, state: (this.firesAt[name] ?? Infinity) <= this.clock.now() ? "ALARM" : "OK" }));
  }
}

/** CodeDeploy as `status` reads it: the group's deployments (newest first), or an error for every read. */
export class FakeDeploy implements DeployPort {
  reads: { app: string; group: string; max: number }[] = [];
  error?: Error;
  /** Called on each read (to hold it, or to see what else runs meanwhile). */
  onRead?: () => Promise<void>;
  constructor(public deployments: DeploymentInfo[] = []) {}
  async registerRevision() {}
  async createDeployment(): Promise<string> {
    throw new Error("FakeDeploy does not deploy");
  }
  async getDeployment(id: string) {
    return this.deployments.find((d) => d.id === id)!;
  }
  async lifecycle() {
    return [];
  }
  async recentDeployments(app: string, group: string, max: number) {
    this.reads.push({ app, group, max });
    await this.onRead?.();
    if (this.error) throw this.error;
    return this.deployments.slice(0, max);
  }
  async activeDeployments(app: string, group: string) {
    this.activeReads.push({ app, group });
    await this.onActiveRead?.();
    if (this.error) throw this.error;
    return this.deployments.filter((d) => ["Created", "Queued", "InProgress", "Baking", "Ready"].includes(d.status) || d.underWay === "rolling-back");
  }
  stopped: string[] = [];
  async stopDeployment(id: string) {
    this.stopped.push(id);
  }
  activeReads: { app: string; group: string }[] = [];
  /** Called on each read of the active deployments (to start one in between, say). */
  onActiveRead?: () => Promise<void>;
}

/** AWS Backup as `status` and `versions` read it: the vault's recovery points, or an error for every read. */
export class FakeBackup implements BackupPort {
  reads: string[] = [];
  error?: Error;
  onRead?: () => Promise<void>;
  constructor(public points: RecoveryPoint[] = []) {}
  async startBackup(): Promise<string> {
    throw new Error("FakeBackup does not back up");
  }
  async describeJob(): Promise<BackupJob> {
    throw new Error("FakeBackup has no jobs");
  }
  async listEc2RecoveryPoints(vault: string) {
    this.reads.push(vault);
    await this.onRead?.();
    if (this.error) throw this.error;
    return [...this.points];
  }
}

/** ok; fail (the engine errs); locked; die-before / die-after: the process dies before the update runs, or after it ran in the backend (the promise never settles). */
type UpOutcome = "ok" | "fail" | "locked" | "die-before" | "die-after";

const K = {
  amiVersion: configKey("amiVersion"),
  standbyAmiVersion: configKey("standbyAmiVersion"),
  liveSlot: configKey("liveSlot"),
  standbyState: configKey("standbyState"),
};

/**
 * A stack whose `up` does what the program does, taking the time AWS takes: each slot's machine is
 * replaced when its version changes (launch), the address moves to the live slot's machine (switch),
 * then the standby's power state is applied (start/stop).
 */
export class FakeStack implements StackPort {
  name = "dev";
  calls: string[] = [];
  upMessages: string[] = [];
  /** What each successive `up` does; missing entries are "ok". */
  upOutcomes: UpOutcome[] = [];
  config_: Record<string, string>;
  outputs_: StackOutputs;
  history_: UpdateRecord[];
  preview_: PreviewResult = { changes: { create: 1, update: 1, same: 30 }, steps: ["create aws:ec2/instance:Instance myapp-green"] };
  /** Called while `up` runs (to simulate Ctrl-C in the middle). */
  duringUp?: () => void;
  slots: Record<Slot, string | undefined> = { blue: undefined, green: undefined };

  constructor(
    private cloud: FakeCloud,
    pin = "myapp-v1.2.3",
    o: { standby?: string; standbyState?: "running" | "stopped"; config?: Record<string, string> } = {},
  ) {
    this.config_ = {
      "aws:region": "eu-west-1",
      [configKey("appName")]: "myapp",
      [K.amiVersion]: pin,
      [configKey("healthCheckPath")]: "/health",
      ...(o.standby ? { [K.standbyAmiVersion]: o.standby, [K.standbyState]: o.standbyState ?? "stopped" } : {}),
      ...o.config,
    };
    this.outputs_ = {
      publicIp: IP,
      elasticIpAllocationId: ALLOCATION,
      region: "eu-west-1",
      revisionsBucket: "myapp-revisions-4f1e2d",
      applicationName: "myapp-dev",
      deploymentGroupName: "myapp-dev",
      backupVaultName: "myapp-dev",
      backupRoleArn: `arn:aws:iam::${ACCOUNT}:role/myapp-backup-role`,
      alarmNames: ["myapp-dev-status-check", "myapp-dev-app-health"],
      healthCheckUrl: `http://${IP}:80/health`,
    };
    // The stack as it stands: long up, every machine healthy.
    const past = cloud.clock.now() - 3_600_000;
    this.apply(past);
    this.history_ = [
      { kind: "update", result: "succeeded", startTime: new Date("2026-11-20T00:00:00Z"), amiVersion: pin },
      { kind: "update", result: "succeeded", startTime: new Date("2026-11-10T00:00:00Z"), amiVersion: "myapp-v1.2.2" },
      { kind: "update", result: "succeeded", startTime: new Date("2026-11-01T00:00:00Z"), amiVersion: "myapp-v1.2.1" },
    ];
  }

  get pin(): string {
    return this.config_[K.amiVersion];
  }
  get liveSlot(): Slot {
    return (this.config_[K.liveSlot] as Slot) || "blue";
  }
  async config() {
    this.calls.push("config");
    return { ...this.config_ };
  }
  async setConfig(values: Record<string, string>) {
    this.calls.push(`set ${Object.entries(values).map(([k, v]) => `${k.replace(/^ec2-rollback:/, "")}=${v}`).join(" ")}`);
    Object.assign(this.config_, values);
  }

  /** Makes the machines what the config says, from time `at`; returns when the engine would be done. */
  private apply(at: number): number {
    const c = this.cloud;
    const live = this.liveSlot;
    const want: Record<Slot, string | undefined> = {
      [live]: c.resolvePin(this.config_[K.amiVersion]),
      [otherSlot(live)]: this.config_[K.standbyAmiVersion] ? c.resolvePin(this.config_[K.standbyAmiVersion]) : undefined,
    } as Record<Slot, string | undefined>;
    let t = at;
    // 1. Each slot whose version changed: a new machine (create-before-delete), in parallel.
    let launched = false;
    const replaced: string[] = [];
    for (const s of ["blue", "green"] as Slot[]) {
      const cur = this.slots[s] ? c.machines.get(this.slots[s]!) : undefined;
      if (cur?.ami === want[s]) continue;
      if (cur) replaced.push(cur.id);
      this.slots[s] = want[s] ? c.launch(want[s]!, at) : undefined;
      if (want[s]) launched = true;
    }
    if (launched) t += TIMING.launchMs;
    // 2. With a data volume, it moves first (the old live machine stopped, detach, attach); the new
    //    machine's mount timer mounts it within its period.
    const liveId = this.slots[live]!;
    const mount = c.dataMounts.at(-1);
    if (Number(this.config_[configKey("dataVolumeSizeGiB")] ?? 0) > 0 && mount?.instanceId !== liveId) {
      if (mount) {
        mount.to = t;
        c.stop(mount.instanceId, t);
        t += TIMING.stopMs + TIMING.attachMs;
      }
      c.dataMounts.push({ from: mount ? t + TIMING.mountTimerMs : t, to: Infinity, instanceId: liveId });
    }
    // 3. The address on the live machine.
    if (c.associations.at(-1)?.instanceId !== liveId) {
      c.associate(liveId, t);
      if (c.associations.length > 1) t += TIMING.switchMs;
    }
    for (const id of replaced) c.terminate(id, t);
    // 4. Power states, after the address moved.
    const standbyId = this.slots[otherSlot(live)];
    const powers: [string | undefined, string][] = [
      [liveId, "running"],
      [standbyId, this.config_[K.standbyState] || "stopped"],
    ];
    let powerMs = 0;
    for (const [id, state] of powers) {
      if (!id) continue;
      const m = c.machines.get(id)!;
      const stopped = m.stoppingAt !== undefined;
      if (state === "running" && stopped) {
        c.start(id, t);
        powerMs = Math.max(powerMs, TIMING.startMs);
      } else if (state === "stopped" && !stopped) {
        c.stop(id, Math.max(t, m.runningAt));
        powerMs = Math.max(powerMs, Math.max(0, m.runningAt - t) + TIMING.stopMs);
      }
    }
    t += powerMs;
    const standbyMachine = standbyId ? c.machines.get(standbyId) : undefined;
    this.outputs_ = {
      ...this.outputs_,
      instanceId: liveId,
      amiId: want[live],
      amiVersion: this.config_[K.amiVersion],
      liveSlot: live,
      standbyInstanceId: standbyId ?? "",
      standbyAmiId: want[otherSlot(live)] ?? "",
      standbyAmiVersion: this.config_[K.standbyAmiVersion] ?? "",
      standbyAddress: standbyMachine && (this.config_[K.standbyState] || "stopped") === "running" ? standbyMachine.ownIp : "",
    };
    return t;
  }

  async up(o: { message: string; onProgress: (p: UpProgress) => void; signal?: AbortSignal }): Promise<StackOutputs> {
    this.calls.push(`up ${this.pin}`);
    this.upMessages.push(o.message);
    const outcome = this.upOutcomes.shift() ?? "ok";
    o.onProgress({ kind: "resource", op: "update", type: "aws:ec2/eipAssociation:EipAssociation", name: "myapp-eip-association" });
    this.duringUp?.();
    if (o.signal?.aborted) throw new InterruptedError();
    if (outcome === "locked") throw new StackLockedError(this.name);
    if (outcome === "die-before") return new Promise<never>(() => undefined);
    const record = { kind: "update", startTime: new Date(this.cloud.clock.now()), amiVersion: this.pin, message: o.message };
    this.cloud.clock.t += TIMING.engineMs;
    if (outcome === "fail") {
      this.history_.unshift({ ...record, result: "failed" });
      throw new Error("creating EC2 Instance: InsufficientInstanceCapacity");
    }
    this.cloud.clock.t = this.apply(this.cloud.clock.now());
    this.history_.unshift({ ...record, result: "succeeded" });
    if (outcome === "die-after") return new Promise<never>(() => undefined);
    return { ...this.outputs_ };
  }
  previewConfigs: Record<string, string>[] = [];
  async preview(o: { config?: Record<string, string> }): Promise<PreviewResult> {
    this.calls.push(`preview ${this.pin}`);
    this.previewConfigs.push({ ...this.config_, ...o.config });
    return this.preview_;
  }
  tags_: Record<string, string> = {};
  /** Make the backend drop tags (a DIY backend before Pulumi CLI 3.211). */
  keepsTags = true;
  /** Called after each setTag (to simulate a second operator). */
  afterSetTag?: (key: string, value: string) => void;
  /**
   * The tags as read at a moment (`snapshot()`), answered until a refresh or a tag change, as the Pulumi
   * adapter answers with the tags read at start-up; without one, every read is of the live tags.
   */
  private snapshot_?: { tags: Record<string, string>; at: number };
  snapshot(): void {
    this.snapshot_ = { tags: { ...this.tags_ }, at: this.cloud.clock.now() };
  }
  async tags() {
    this.calls.push("read tags");
    return { ...(this.snapshot_?.tags ?? this.tags_) };
  }
  tagsAskedAt(): number | undefined {
    return this.snapshot_?.at;
  }
  async setTag(key: string, value: string) {
    this.snapshot_ = undefined;
    this.calls.push(`tag ${key}`);
    if (this.keepsTags) this.tags_[key] = value;
    this.afterSetTag?.(key, value);
  }
  async removeTag(key: string) {
    this.snapshot_ = undefined;
    this.calls.push(`untag ${key}`);
    delete this.tags_[key];
  }
  async outputs() {
    return { ...this.outputs_ };
  }
  /** The fake reads live config and outputs every time; only a tags snapshot is forgotten. */
  refresh(what: "all" | "tags" = "all"): void {
    this.snapshot_ = undefined;
    this.calls.push(what === "all" ? "refresh" : "refresh tags");
  }

  async history() {
    this.calls.push("history");
    return [...this.history_];
  }
}

/** Other stacks of the project in the same backend: their config and tags, or why they cannot be read. */
export class FakeProject implements ProjectPort {
  stacks: Record<string, { config: Record<string, string>; tags?: Record<string, string>; outputs?: StackOutputs } | Error> = {};
  async otherStackNames() {
    return Object.keys(this.stacks);
  }
  async read(name: string) {
    const s = this.stacks[name];
    if (!s) throw new Error(`no stack named '${name}' found`);
    if (s instanceof Error) throw s;
    return { config: { ...s.config }, tags: { ...(s.tags ?? {}) }, outputs: { ...(s.outputs ?? {}) } };
  }
  /** A stack of the same app pinning `pin` (and `standby`). */
  add(name: string, pin: string, standby?: string, tags?: Record<string, string>, outputs?: StackOutputs) {
    this.stacks[name] = {
      config: { "aws:region": "eu-west-1", "ec2-rollback:appName": "myapp", "ec2-rollback:amiVersion": pin, ...(standby ? { "ec2-rollback:standbyAmiVersion": standby } : {}) },
      tags,
      outputs,
    };
  }
}

export function world(pin = "myapp-v1.2.3", o: ConstructorParameters<typeof FakeStack>[2] = {}) {
  const clock = new FakeClock();
  const cloud = new FakeCloud(clock);
  const stack = new FakeStack(cloud, pin, o);
  const ui = new FakeUi();
  const http = new FakeHttp(cloud);
  const alarms = new FakeAlarms(clock);
  const project = new FakeProject();
  return { cloud, stack, ui, clock, http, alarms, project };
}

/** A world with CodeDeploy and AWS Backup as `status` reads them (no deployments, no recovery points unless given). */
export function withLayers<W extends ReturnType<typeof world>>(w: W, o: { deployments?: DeploymentInfo[]; points?: RecoveryPoint[] } = {}) {
  return { ...w, deploy: new FakeDeploy(o.deployments), backup: new FakeBackup(o.points) };
}
