// Stack configuration: every key read, typed and validated here, before any resource is declared.
// Each problem is one line naming the key and a valid example.
import * as pulumi from "@pulumi/pulumi";
import { isAmiId, isAppName, isSemver, versionOfAmiName } from "./naming";

export const CONFIG_NAMESPACE = "ec2-rollback";

export interface Settings {
  appName: string;
  /** As configured: an AMI name (`myapp-v1.2.3`) or an AMI id. */
  amiVersion: string;
  instanceType: string;
  rootVolumeSizeGiB: number;
  /** 0 = no data volume. */
  dataVolumeSizeGiB: number;
  appPorts: number[];
  healthCheckPath: string;
  /** undefined = SSH closed. */
  sshCidr?: string;
  /** undefined = create a small VPC. */
  subnetId?: string;
  alarmEmail?: string;
  revisionsNoncurrentDays: number;
  backupSchedule: string;
  backupRetentionDays: number;
  /** 0 = no weekly rule. */
  weeklyBackupRetentionDays: number;
  appDestination: string;
}

/** A configuration problem. A RunError: Pulumi stops `up` with its one line, no stack trace. */
export class SettingsError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

type Read = (key: string) => string | undefined;

function fail(key: string, problem: string, example: string): never {
  throw new SettingsError(
    `${CONFIG_NAMESPACE}:${key} ${problem}; set a valid value, e.g. \`pulumi config set ${CONFIG_NAMESPACE}:${key} ${example}\``,
  );
}

function text(read: Read, key: string): string | undefined {
  const v = read(key)?.trim();
  return v ? v : undefined;
}

function integer(read: Read, key: string, dflt: number, min: number, max: number, example: string): number {
  const raw = text(read, key);
  if (raw === undefined) return dflt;
  if (!/^-?\d+$/.test(raw)) fail(key, `is "${raw}", not a whole number`, example);
  const n = Number(raw);
  if (n < min || n > max) fail(key, `is ${n}, outside ${min}–${max}`, example);
  return n;
}

function port(key: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    fail(key, `has port ${JSON.stringify(value)}, outside 1–65535`, "'[80, 443]'");
  }
  return value;
}

/** AWS Backup cron: `cron(min hour day-of-month month day-of-week year)`, one of the two days `?`. */
export function isAwsCron(expr: string): boolean {
  const m = /^cron\(([^)]*)\)$/.exec(expr);
  if (!m) return false;
  const f = m[1].trim().split(/\s+/);
  if (f.length !== 6) return false;
  const field = /^[0-9A-Za-z*?,\-/#L W]+$/;
  if (!f.every((x) => field.test(x))) return false;
  return (f[2] === "?") !== (f[4] === "?");
}

function cidr(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  return !!m && m.slice(1, 5).every((o) => +o <= 255) && +m[5] <= 32;
}

export function parseSettings(read: Read): Settings {
  const appName = text(read, "appName") ?? "myapp";
  if (!isAppName(appName)) {
    fail("appName", `"${appName}" must be 2–32 lowercase letters, digits or '-', starting with a letter`, "myapp");
  }

  const amiVersion = text(read, "amiVersion");
  if (amiVersion === undefined) {
    fail("amiVersion", "is missing (the machine version to run)", `${appName}-v1.0.0   # or an AMI id: ami-0123456789abcdef0`);
  }
  if (!isAmiId(amiVersion) && versionOfAmiName(appName, amiVersion) === undefined) {
    const hint = isSemver(amiVersion.replace(/^v/, "")) ? ` (write it as ${appName}-v${amiVersion.replace(/^v/, "")})` : "";
    fail("amiVersion", `"${amiVersion}" is neither an AMI id nor a version name ${appName}-v<semver>${hint}`, `${appName}-v1.2.3`);
  }

  const instanceType = text(read, "instanceType") ?? "t3.micro";
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) {
    fail("instanceType", `"${instanceType}" is not an EC2 instance type`, "t3.micro");
  }

  let appPorts = [80];
  const rawPorts = text(read, "appPorts");
  if (rawPorts !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawPorts);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === "number") parsed = [parsed];
    if (!Array.isArray(parsed) || parsed.length === 0) {
      fail("appPorts", `is "${rawPorts}", not a list of ports`, "'[80, 443]'");
    }
    appPorts = parsed.map((p) => port("appPorts", p));
  }

  const healthCheckPath = text(read, "healthCheckPath") ?? "/";
  if (!/^\/[\x21-\x7e]*$/.test(healthCheckPath)) {
    fail("healthCheckPath", `"${healthCheckPath}" must be a URL path starting with /`, "/health");
  }

  const sshCidr = text(read, "sshCidr");
  if (sshCidr !== undefined && !cidr(sshCidr)) {
    fail("sshCidr", `"${sshCidr}" is not an IPv4 CIDR`, "203.0.113.7/32");
  }

  const subnetId = text(read, "subnetId");
  if (subnetId !== undefined && !/^subnet-[0-9a-f]{8,17}$/.test(subnetId)) {
    fail("subnetId", `"${subnetId}" is not a subnet id`, "subnet-0123456789abcdef0");
  }

  const alarmEmail = text(read, "alarmEmail");
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    fail("alarmEmail", `"${alarmEmail}" is not an e-mail address`, "ops@example.com");
  }

  const backupSchedule = text(read, "backupSchedule") ?? "cron(0 5 ? * * *)";
  if (!isAwsCron(backupSchedule)) {
    fail("backupSchedule", `"${backupSchedule}" is not an AWS cron expression (6 fields, one day field '?')`, "'cron(0 5 ? * * *)'");
  }

  const appDestination = text(read, "appDestination") ?? `/opt/${appName}/current`;
  if (!/^\/[A-Za-z0-9._\-/]+$/.test(appDestination) || appDestination.split("/").includes("..")) {
    fail("appDestination", `"${appDestination}" must be an absolute path`, `/opt/${appName}/current`);
  }

  return {
    appName,
    amiVersion,
    instanceType,
    rootVolumeSizeGiB: integer(read, "rootVolumeSizeGiB", 20, 8, 16384, "20"),
    dataVolumeSizeGiB: integer(read, "dataVolumeSizeGiB", 0, 0, 16384, "10   # 0 = no data volume"),
    appPorts,
    healthCheckPath,
    sshCidr,
    subnetId,
    alarmEmail,
    revisionsNoncurrentDays: integer(read, "revisionsNoncurrentDays", 90, 1, 36500, "90"),
    backupSchedule,
    backupRetentionDays: integer(read, "backupRetentionDays", 14, 1, 36500, "14"),
    weeklyBackupRetentionDays: integer(read, "weeklyBackupRetentionDays", 0, 0, 36500, "90   # 0 = no weekly backup"),
    appDestination,
  };
}
