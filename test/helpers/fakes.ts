// In-memory stand-ins for the driver's ports: a stack, an AWS account, a clock, a person.
import { InterruptedError, StackLockedError } from "../../automation/core/errors";
import {
  AddressInfo,
  Clock,
  CloudPort,
  HttpProbe,
  Identity,
  InstanceHealth,
  MachineImage,
  PreviewResult,
  StackOutputs,
  StackPort,
  Ui,
  UpdateRecord,
  UpProgress,
} from "../../automation/core/ports";

export const ACCOUNT = "111122223333";
export const IP = "203.0.113.10";
export const ALLOCATION = "eipalloc-0a1b2c3d4e5f60718";

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
  t = Date.parse("2026-11-24T10:00:00Z");
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
  step(t: string) {
    this.lines.push(`step ${t}`);
  }
  progress(t: string) {
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

type UpOutcome = "ok" | "fail" | "locked" | "hang";

/** A stack whose `up` puts a new instance (`i-<ami>`) behind the same address, like the program does. */
export class FakeStack implements StackPort {
  name = "dev";
  calls: string[] = [];
  upMessages: string[] = [];
  /** What each successive `up` does; missing entries are "ok". */
  upOutcomes: UpOutcome[] = [];
  config_: Record<string, string>;
  outputs_: StackOutputs;
  history_: UpdateRecord[];
  preview_: PreviewResult = { changes: { replace: 1, update: 2, same: 30 }, steps: ["replace aws:ec2/instance:Instance myapp-instance"] };
  /** Called while `up` runs (to simulate Ctrl-C in the middle). */
  duringUp?: () => void;

  constructor(
    private cloud: FakeCloud,
    pin = "myapp-v1.2.3",
  ) {
    this.config_ = { "aws:region": "eu-west-1", "ec2-rollback:appName": "myapp", "ec2-rollback:amiVersion": pin };
    const ami = cloud.resolvePin(pin)!;
    this.outputs_ = {
      instanceId: `i-${ami.slice(4)}`,
      publicIp: IP,
      elasticIpAllocationId: ALLOCATION,
      amiId: ami,
      amiVersion: pin,
      region: "eu-west-1",
      revisionsBucket: "myapp-revisions-4f1e2d",
      applicationName: "myapp-dev",
      deploymentGroupName: "myapp-dev",
      backupVaultName: "myapp-dev",
      backupRoleArn: `arn:aws:iam::${ACCOUNT}:role/myapp-backup-role`,
    };
    cloud.launch(this.outputs_.instanceId!, ami);
    cloud.address = { publicIp: IP, instanceId: this.outputs_.instanceId };
    this.history_ = [
      { kind: "update", result: "succeeded", startTime: new Date("2026-11-20T00:00:00Z"), amiVersion: pin },
      { kind: "update", result: "succeeded", startTime: new Date("2026-11-10T00:00:00Z"), amiVersion: "myapp-v1.2.2" },
      { kind: "update", result: "succeeded", startTime: new Date("2026-11-01T00:00:00Z"), amiVersion: "myapp-v1.2.1" },
    ];
  }

  get pin(): string {
    return this.config_["ec2-rollback:amiVersion"];
  }
  async config() {
    this.calls.push("config");
    return { ...this.config_ };
  }
  async setConfig(key: string, value: string) {
    this.calls.push(`set ${key}=${value}`);
    this.config_[key] = value;
  }
  async up(o: { message: string; onProgress: (p: UpProgress) => void; signal?: AbortSignal }): Promise<StackOutputs> {
    this.calls.push(`up ${this.pin}`);
    this.upMessages.push(o.message);
    const outcome = this.upOutcomes.shift() ?? "ok";
    o.onProgress({ kind: "resource", op: "replace", type: "aws:ec2/instance:Instance", name: "myapp-instance" });
    this.duringUp?.();
    if (o.signal?.aborted) throw new InterruptedError();
    if (outcome === "locked") throw new StackLockedError(this.name);
    const record = { kind: "update", startTime: new Date(), amiVersion: this.pin, message: o.message };
    if (outcome === "fail") {
      this.history_.unshift({ ...record, result: "failed" });
      throw new Error("creating EC2 Instance: InsufficientInstanceCapacity");
    }
    const ami = this.cloud.resolvePin(this.pin)!;
    const instanceId = `i-${ami.slice(4)}`;
    this.cloud.launch(instanceId, ami);
    this.cloud.address = { publicIp: IP, instanceId };
    this.outputs_ = { ...this.outputs_, instanceId, amiId: ami, amiVersion: this.pin };
    this.history_.unshift({ ...record, result: "succeeded" });
    return { ...this.outputs_ };
  }
  async preview(): Promise<PreviewResult> {
    this.calls.push(`preview ${this.pin}`);
    return this.preview_;
  }
  async outputs() {
    return { ...this.outputs_ };
  }
  async history() {
    return [...this.history_];
  }
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
  instances = new Map<string, InstanceHealth>();
  /** Health for instances launched from now on (by AMI id), e.g. impaired for a bad AMI. */
  healthOf: Record<string, Partial<InstanceHealth>> = {};
  address?: AddressInfo;
  created: { instanceId: string; name: string; reboot: boolean; tags: Record<string, string> }[] = [];
  /** States a new image goes through, one per describe. */
  newImageStates = ["pending", "pending", "available"];

  resolvePin(pin: string): string | undefined {
    return pin.startsWith("ami-") ? pin : this.images.find((i) => i.name === pin)?.id;
  }
  launch(id: string, ami: string) {
    this.instances.set(id, {
      id,
      state: "running",
      imageId: ami,
      instanceType: "t3.micro",
      systemStatus: "ok",
      instanceStatus: "ok",
      ...this.healthOf[ami],
    });
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
  async describeInstance(id: string) {
    return this.instances.get(id);
  }
  async describeAddress() {
    return this.address;
  }
  deregistered: string[] = [];
  deletedSnapshots: string[] = [];
  async deregisterImage(id: string) {
    this.deregistered.push(id);
    this.images = this.images.filter((i) => i.id !== id);
  }
  async deleteSnapshot(id: string) {
    this.deletedSnapshots.push(id);
  }
  async createImage(o: { instanceId: string; name: string; description: string; reboot: boolean; tags: Record<string, string> }) {
    this.created.push(o);
    const id = `ami-0000000000000${String(this.created.length).padStart(3, "0")}b`;
    this.images.push(image(o.name, id, { state: "pending", createdAt: new Date("2026-11-24T10:00:00Z"), tags: o.tags }));
    return id;
  }
}

export class FakeHttp implements HttpProbe {
  answers: ({ status?: number; error?: string })[] = [];
  urls: string[] = [];
  async get(url: string) {
    this.urls.push(url);
    return this.answers.length > 1 ? this.answers.shift()! : (this.answers[0] ?? { status: 200 });
  }
}

export function world(pin = "myapp-v1.2.3") {
  const cloud = new FakeCloud();
  const stack = new FakeStack(cloud, pin);
  const ui = new FakeUi();
  const clock = new FakeClock();
  const http = new FakeHttp();
  return { cloud, stack, ui, clock, http };
}
