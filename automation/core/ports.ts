// What the driver's core needs from the outside world. The CLI passes in real adapters
// (Pulumi Automation API, AWS SDK); tests pass in fakes.
import type { StackOutputs } from "../../contract/outputs";

export type { StackOutputs } from "../../contract/outputs";

/** One entry of the stack's history, newest first. */
export interface UpdateRecord {
  kind: string;
  result: string;
  startTime: Date;
  endTime?: Date;
  message?: string;
  /** `ec2-rollback:amiVersion` as it was for that update. */
  amiVersion?: string;
}

export type UpProgress =
  | { kind: "resource"; op: string; type: string; name: string; /** A power state resource's target state. */ state?: string }
  | { kind: "output"; text: string };

export interface PreviewResult {
  /** Count of resources per operation (create, update, replace, delete, same). */
  changes: Record<string, number>;
  /** Resources that would change: "replace aws:ec2/instance:Instance myapp-instance". */
  steps: string[];
  /** The same, in plain words ("launching the machine (green)"), where a step has them. */
  plan?: string[];
}

export interface StackPort {
  readonly name: string;
  /** The stack's configuration, plain values ("ns:key" → value). */
  config(): Promise<Record<string, string>>;
  /** Sets these keys ("ns:key" → value) in one call. */
  setConfig(values: Record<string, string>): Promise<void>;
  /** Runs `up`; rejects with StackLockedError when another update holds the lock. */
  up(opts: { message: string; onProgress: (p: UpProgress) => void; signal?: AbortSignal }): Promise<StackOutputs>;
  /** Previews with `config` ("ns:key" → value) in place of the stack's values, leaving the stack's config untouched. */
  preview(opts: { message: string; onProgress: (p: UpProgress) => void; config?: Record<string, string> }): Promise<PreviewResult>;
  /** The stack's tags (kept in the backend, seen by every operator). */
  tags(): Promise<Record<string, string>>;
  /**
   * When the tags `tags()` answers with were asked of the backend (ms since the epoch, as Clock.now); undefined
   * when `tags()` asks the backend at each call.
   */
  tagsAskedAt(): number | undefined;
  setTag(key: string, value: string): Promise<void>;
  removeTag(key: string): Promise<void>;
  outputs(): Promise<StackOutputs>;
  history(): Promise<UpdateRecord[]>;
  /**
   * Forgets what was read: the next config, outputs and tags come from the backend ("tags": only the
   * tags). A change calls it before it begins (what it planned from may have changed while its question waited).
   */
  refresh(what?: "all" | "tags"): void;
}

export interface MachineImage {
  id: string;
  name: string;
  /** pending | available | failed | … */
  state: string;
  ownerId: string;
  architecture: string;
  createdAt: Date;
  tags: Record<string, string>;
  /** EBS snapshots behind the image, with their sizes. */
  snapshots: { id: string; sizeGiB: number }[];
  stateReason?: string;
}

export interface InstanceHealth {
  id: string;
  /** pending | running | stopping | stopped | shutting-down | terminated */
  state: string;
  imageId: string;
  instanceType: string;
  /** ok | impaired | initializing | insufficient-data | not-applicable; undefined until reported. */
  systemStatus?: string;
  instanceStatus?: string;
  launchTime?: Date;
  /** Its public IPv4 while it has one (the Elastic IP while it holds it). */
  publicIp?: string;
}

export interface AddressInfo {
  publicIp: string;
  instanceId?: string;
}

export interface Identity {
  account: string;
  arn: string;
}

/** Who runs the command (STS). */
export interface IdentityPort {
  identity(): Promise<Identity>;
}

export interface CloudPort extends IdentityPort {
  /** AMIs owned by this account whose name starts with `prefix`. */
  listOwnImages(prefix: string): Promise<MachineImage[]>;
  /** An AMI owned by this account with exactly this name. */
  findOwnImageByName(name: string): Promise<MachineImage | undefined>;
  /** Any AMI by id, whoever owns it; undefined when it does not exist. */
  describeImage(id: string): Promise<MachineImage | undefined>;
  /** Architectures an instance type supports (x86_64, arm64, …). */
  instanceTypeArchitectures(instanceType: string): Promise<string[]>;
  describeInstance(id: string): Promise<InstanceHealth | undefined>;
  describeAddress(allocationId: string): Promise<AddressInfo | undefined>;
  /** `omitDevices`: device names left out of the image (the data volume: it is not part of a machine version). */
  createImage(o: { instanceId: string; name: string; description: string; reboot: boolean; tags: Record<string, string>; omitDevices?: string[] }): Promise<string>;
  deregisterImage(id: string): Promise<void>;
  deleteSnapshot(id: string): Promise<void>;
}

export interface AlarmState {
  name: string;
  /** OK | ALARM | INSUFFICIENT_DATA */
  state: string;
  reason?: string;
  /** When it last changed state. */
  since?: Date;
  /** How much data it judges on: period × evaluation periods. */
  windowMs?: number;
}

export interface AlarmPort {
  /** The current state of each named CloudWatch alarm that exists. */
  states(names: string[]): Promise<AlarmState[]>;
}

/** The stacks of this project in the current backend, read only (prune protects what any of them needs). */
export interface ProjectPort {
  /** The project's stacks other than the current one. */
  otherStackNames(): Promise<string[]>;
  /**
   * A stack's config ("ns:key" → value), tags and last update's outputs; rejects when it cannot be read
   * (another passphrase, no access). Its config may lag (a local `Pulumi.<stack>.yaml` another checkout
   * changed): its outputs and release tags say what it really runs.
   */
  read(stack: string): Promise<{ config: Record<string, string>; tags: Record<string, string>; outputs: StackOutputs }>;
}

/** Who runs this command, for the operation record. */
export interface Operator {
  host: string;
  pid: number;
}

export interface HttpProbe {
  /** Status code of a GET, or an error message when there was no answer. */
  get(url: string, timeoutMs: number): Promise<{ status?: number; error?: string }>;
}

export interface Clock {
  now(): number;
  /** Rejects with InterruptedError when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** How a command talks to the person (progress goes to stderr; results are the command's return value). */
export interface Ui {
  /** True when there is a person at a terminal to answer a question. */
  readonly interactive: boolean;
  /** The engine's raw steps are shown too (--verbose). */
  readonly verbose?: boolean;
  step(text: string): void;
  /** `elapsedMs`: how long the wait it reports has lasted (a UI that shows the step's own time leaves it out). */
  progress(text: string, elapsedMs?: number): void;
  succeed(text: string): void;
  fail(text: string): void;
  warn(text: string): void;
  confirm(question: string): Promise<boolean>;
}

// ── Application layer (CodeDeploy revisions in S3) ──────────────────────────────────────────────

export interface RevisionObject {
  key: string;
  size: number;
  lastModified: Date;
  versionId?: string;
  eTag?: string;
  /** The object's own metadata (S3 gives the keys in lower case), where it was read. */
  metadata?: Record<string, string>;
}

/** A file on disk to upload. */
export interface UploadFile {
  path: string;
  size: number;
}

/** Bytes of an upload sent so far, of its total. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface RevisionStorePort {
  head(bucket: string, key: string): Promise<RevisionObject | undefined>;
  /**
   * Uploads the file only if the key does not exist yet; undefined (nothing written) when it does.
   * `sha256Base64` is the whole file's SHA-256; `onProgress` follows a long upload; `signal` stops the
   * upload, which then writes nothing.
   */
  putNew(
    bucket: string,
    key: string,
    file: UploadFile,
    o: { sha256Base64: string; metadata: Record<string, string>; onProgress?: (p: UploadProgress) => void; signal?: AbortSignal },
  ): Promise<RevisionObject | undefined>;
  list(bucket: string, prefix: string): Promise<RevisionObject[]>;
}

export interface S3Location {
  bucket: string;
  key: string;
  eTag?: string;
  version?: string;
}

export type FileExistsBehavior = "DISALLOW" | "OVERWRITE" | "RETAIN";

export interface DeploymentInfo {
  id: string;
  /** Created | Queued | InProgress | Baking | Succeeded | Failed | Stopped | Ready */
  status: string;
  createTime?: Date;
  completeTime?: Date;
  revision?: S3Location;
  error?: { code?: string; message?: string };
  rollback?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; message?: string };
  /**
   * CodeDeploy rolls it back by itself, starting a deployment of its own moments after it ended (its status
   * and the group's automatic rollback events say so: on failure, on an alarm's stop, on a requested stop).
   */
  autoRollback?: boolean;
  /**
   * Why it counts as under way: it has not ended ("active"), or it ended moments ago and CodeDeploy's own
   * rollback of it has not started yet ("rolling-back"). Set by `activeDeployments`.
   */
  underWay?: "active" | "rolling-back";
}

export interface LifecycleEvent {
  name: string;
  /** Pending | InProgress | Succeeded | Failed | Skipped | Unknown */
  status: string;
  scriptName?: string;
  errorCode?: string;
  message?: string;
  logTail?: string;
}

export interface DeployPort {
  registerRevision(app: string, location: S3Location, description: string): Promise<void>;
  /** `ignoreAlarms`: this deployment is not stopped or rolled back on the group's alarms (CreateDeployment's overrideAlarmConfiguration). */
  createDeployment(o: { app: string; group: string; location: S3Location; fileExistsBehavior: FileExistsBehavior; description: string; ignoreAlarms?: boolean }): Promise<string>;
  getDeployment(id: string): Promise<DeploymentInfo>;
  /** Lifecycle events of the deployment's (one) instance target. */
  lifecycle(id: string): Promise<LifecycleEvent[]>;
  /** The group's deployments, newest first: the newest `max`, or every one when `max` is Infinity. */
  recentDeployments(app: string, group: string, max: number): Promise<DeploymentInfo[]>;
  /**
   * The group's deployments under way, newest first: those not ended (created, queued, in progress,
   * baking, ready), and those that ended moments ago in a way the group's automatic rollback answers
   * (a failure, a stop) while that rollback has not started (CodeDeploy starts it aimed at the live machine).
   */
  activeDeployments(app: string, group: string): Promise<DeploymentInfo[]>;
  /** Stops a deployment; CodeDeploy rolls back what it had changed. */
  stopDeployment(id: string): Promise<void>;
}

// ── Data layer (AWS Backup) ─────────────────────────────────────────────────────────────────────

export interface RecoveryPoint {
  arn: string;
  /** For EC2 the recovery point is an AMI: its id. */
  amiId?: string;
  /** CREATING | COMPLETED | PARTIAL | DELETING | EXPIRED | … */
  status: string;
  createdAt: Date;
  expiresAt?: Date;
  /** The instance it was taken of (it may have been replaced since). */
  resourceArn?: string;
  sizeBytes?: number;
}

export interface BackupJob {
  /** CREATED | PENDING | RUNNING | ABORTING | ABORTED | COMPLETED | FAILED | EXPIRED | PARTIAL */
  state: string;
  percentDone?: string;
  statusMessage?: string;
  recoveryPointArn?: string;
}

export interface BackupPort {
  startBackup(o: { vault: string; resourceArn: string; roleArn: string; deleteAfterDays: number; tags: Record<string, string> }): Promise<string>;
  describeJob(jobId: string): Promise<BackupJob>;
  /** Every EC2 recovery point in the vault, whatever instance it was taken of. */
  listEc2RecoveryPoints(vault: string): Promise<RecoveryPoint[]>;
}
