// Names other code and users rely on (shared/design.md "Contract"): AMIs, revisions, AWS resource
// names, tags, metrics and alarms. The program declares them and the CLI finds things by them, so
// each is spelled here once. Pure: no Pulumi, no AWS.
import { isSemver } from "./semver";

const AMI_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const APP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export function isAmiId(v: string): boolean {
  return AMI_ID.test(v);
}

export function isAppName(v: string): boolean {
  return APP_NAME.test(v);
}

// ── Machines ────────────────────────────────────────────────────────────────────────────────────

/** The two instance slots: the live one holds the Elastic IP, the other is the standby. */
export const SLOTS = ["blue", "green"] as const;
export type Slot = (typeof SLOTS)[number];

export function otherSlot(s: Slot): Slot {
  return s === "blue" ? "green" : "blue";
}

// ── Machine versions (AMIs) ─────────────────────────────────────────────────────────────────────

/** `myapp` + `1.2.3` → `myapp-v1.2.3` */
export function amiName(appName: string, version: string): string {
  return `${amiNamePrefix(appName)}${version}`;
}

/** What every version name of the app starts with: `myapp-v`. */
export function amiNamePrefix(appName: string): string {
  return `${appName}-v`;
}

/** `myapp-v1.2.3` → `1.2.3`; undefined for another app's name or a malformed one. */
export function versionOfAmiName(appName: string, name: string): string | undefined {
  const prefix = amiNamePrefix(appName);
  if (!name.startsWith(prefix)) return undefined;
  const v = name.slice(prefix.length);
  return isSemver(v) ? v : undefined;
}

// ── App revisions (CodeDeploy bundles in S3) ────────────────────────────────────────────────────

/** The S3 key of an app revision: `<appName>/<version>.zip`. */
export function revisionKey(appName: string, version: string): string {
  return `${revisionPrefix(appName)}${version}.zip`;
}

export function revisionPrefix(appName: string): string {
  return `${appName}/`;
}

/** `myapp/1.4.0.zip` → `1.4.0`; undefined for another app's key or a malformed one. */
export function versionOfRevisionKey(appName: string, key: string): string | undefined {
  const prefix = revisionPrefix(appName);
  if (!key.startsWith(prefix) || !key.endsWith(".zip")) return undefined;
  const v = key.slice(prefix.length, -".zip".length);
  return isSemver(v) ? v : undefined;
}

/** Where deployments install the app when `appDestination` is not set. */
export function defaultAppDestination(appName: string): string {
  return `/opt/${appName}/current`;
}

// ── AWS resources of one stack ──────────────────────────────────────────────────────────────────

/**
 * `<appName>-<stack>`: names the CodeDeploy application and group, the backup vault, plan and
 * selection, the alarms' prefix, and is the value of the tags that tie the live instance to the
 * deployment group and the backup selection.
 */
export function stackResourceName(appName: string, stack: string): string {
  return `${appName}-${stack}`;
}

/** A short, stable hash (FNV-1a, 6 hex digits) that keeps two cut names apart. */
function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0").slice(0, 6);
}

/**
 * `name` made to fit a service's naming rule: characters outside `allowed` (one character's class)
 * become "-", and a changed or cut name ends in a hash of the original, so no two stacks meet
 * (`a.b` and `a-b` would otherwise share one).
 */
export function fitName(name: string, allowed: RegExp, max: number): string {
  const clean = [...name].map((c) => (allowed.test(c) ? c : "-")).join("");
  if (clean === name && name.length <= max) return name;
  return `${clean.slice(0, max - 7)}-${shortHash(name)}`;
}

/** AWS Backup vault names: `[a-zA-Z0-9-_]{2,50}` (a stack name may hold dots). */
export function backupVaultName(appName: string, stack: string): string {
  return fitName(stackResourceName(appName, stack), /[A-Za-z0-9_-]/, 50);
}

/** AWS Backup plan and selection names: `[a-zA-Z0-9-_.]{1,50}`. */
export function backupPlanName(appName: string, stack: string): string {
  return fitName(stackResourceName(appName, stack), /[A-Za-z0-9_.-]/, 50);
}

/** CodeDeploy application and deployment group names: at most 100 characters. */
export function codeDeployName(appName: string, stack: string): string {
  return fitName(stackResourceName(appName, stack), /[A-Za-z0-9_.+-]/, 100);
}

/** SNS topic names: `[A-Za-z0-9_-]{1,256}`. */
export function alarmTopicName(appName: string, stack: string): string {
  return fitName(`${stackResourceName(appName, stack)}-alarms`, /[A-Za-z0-9_-]/, 256);
}

/** AWS Backup tag values: letters, digits, spaces and `_ . : / = + - @` only (documented), at most 256. */
export function backupTagValue(value: string): string {
  return [...value].map((c) => (/[\p{L}\p{Z}\p{N}_.:/=+\-@]/u.test(c) ? c : "-")).join("").slice(0, 256);
}

/** Tag keys. */
export const TAG = {
  app: "App",
  stack: "Stack",
  version: "Version",
  name: "Name",
  managedBy: "ManagedBy",
  /** The deployment group targets the live instance by this tag. */
  deployTarget: "CodeDeployTarget",
  /** The backup selection picks the live instance by this tag. */
  backupTarget: "BackupTarget",
  createdBy: "CreatedBy",
  createdAt: "CreatedAt",
  /** Why an on-demand recovery point was taken. */
  reason: "Reason",
  /** Which instance slot a machine is (blue/green), and whether it serves (live/standby). */
  slot: "Slot",
  role: "Role",
  /** Which backup rule took a recovery point. */
  rule: "Rule",
  /** AWS Backup sets it on the AMIs of EC2 recovery points. */
  backupSource: "aws:backup:source-resource",
} as const;

/** Value of the `ManagedBy` tag on everything the program declares. */
export const MANAGED_BY = "ec2-rollback";

/**
 * The Pulumi stack tag that records a machine change while it runs (shared/design.md "A change is a
 * transaction"): stack tags live in the backend, so every operator sees it.
 */
export const OPERATION_TAG = "ec2-rollback:operation";

/**
 * Stack tags that record each machine change as a release (`ec2-rollback:release:000042`): what served,
 * from when to when, and whether it was good. Tags live in the backend, beside the stack and apart from
 * its update history, so every client reads them and history trimming does not touch them.
 */
export const RELEASE_TAG_PREFIX = "ec2-rollback:release:";

export function releaseTag(seq: number): string {
  return `${RELEASE_TAG_PREFIX}${String(seq).padStart(6, "0")}`;
}

// ── Health metric and alarms ────────────────────────────────────────────────────────────────────

/** CloudWatch namespace of the health metric the instance's probe publishes. */
export function metricNamespace(appName: string): string {
  return `ec2-rollback/${appName}`;
}

/** 0 = the app answered its health path, 1 = it did not. */
export const HEALTH_METRIC = "HealthCheckFailed";

/**
 * The live machine publishes with `Role=live`: a machine whose probe predates two machines (one adopted
 * from a single-machine stack) publishes without it, and so never counts, even as a standby.
 */
export function healthMetricDimensions(appName: string, stack: string): Record<string, string> {
  return { [TAG.app]: appName, [TAG.stack]: stack, [TAG.role]: "live" };
}

export type AlarmKind = "status-check" | "app-health";

export function alarmName(appName: string, stack: string, kind: AlarmKind): string {
  return `${stackResourceName(appName, stack)}-${kind}`;
}

// ── Data volume ─────────────────────────────────────────────────────────────────────────────────

/** Device name of the data volume on the live machine; left out of every image made of it. */
export const DATA_DEVICE = "/dev/sdf";
export const DATA_MOUNT_PATH = "/data";
