// Stack configuration (namespace `ec2-rollback`): every key with its type and default in one table,
// and one pure parser that both the program (before it declares anything) and the CLI (on the
// stack's config) use. Each problem is one line naming the key and a valid example.
// `Pulumi.yaml`'s `config:` block declares the same keys; a test holds the two together.
import { defaultAppDestination, isAmiId, isAppName, Slot, SLOTS, versionOfAmiName } from "./naming";
import { isSemver } from "./semver";

export const CONFIG_NAMESPACE = "ec2-rollback";
/** The AWS provider's region key: the stack's region. */
export const REGION_KEY = "aws:region";

export type ConfigType = "string" | "integer" | "array<integer>";

/** Every key, its Pulumi type and its default (absent = required). */
export const CONFIG_TABLE = {
  appName: { type: "string", default: "myapp" },
  amiVersion: { type: "string" },
  standbyAmiVersion: { type: "string", default: "" },
  liveSlot: { type: "string", default: "blue" },
  standbyState: { type: "string", default: "stopped" },
  keepPrevious: { type: "string", default: "stopped" },
  bakeMinutes: { type: "integer", default: 5 },
  instanceType: { type: "string", default: "t3.micro" },
  rootVolumeSizeGiB: { type: "integer", default: 20 },
  dataVolumeSizeGiB: { type: "integer", default: 0 },
  appPorts: { type: "array<integer>", default: [80] },
  healthCheckPath: { type: "string", default: "/" },
  sshCidr: { type: "string", default: "" },
  subnetId: { type: "string", default: "" },
  alarmEmail: { type: "string", default: "" },
  /** "" = defaultAppDestination(appName). */
  appDestination: { type: "string", default: "" },
  revisionsNoncurrentDays: { type: "integer", default: 90 },
  backupSchedule: { type: "string", default: "cron(0 5 ? * * *)" },
  backupRetentionDays: { type: "integer", default: 14 },
  weeklyBackupRetentionDays: { type: "integer", default: 0 },
} as const satisfies Record<string, { type: ConfigType; default?: string | number | readonly number[] }>;

export type ConfigKey = keyof typeof CONFIG_TABLE;

/** The backup plan's weekly rule (when `weeklyBackupRetentionDays` > 0): Sundays 05:00 UTC. */
export const WEEKLY_BACKUP_SCHEDULE = "cron(0 5 ? * SUN *)";

/** The backup plan's rules and their schedules, as the program declares them (components/backup.ts). */
export function backupRules(s: Pick<Settings, "backupSchedule" | "weeklyBackupRetentionDays">): { rule: "daily" | "weekly"; schedule: string }[] {
  return [{ rule: "daily", schedule: s.backupSchedule }, ...(s.weeklyBackupRetentionDays > 0 ? [{ rule: "weekly" as const, schedule: WEEKLY_BACKUP_SCHEDULE }] : [])];
}

/** `amiVersion` → `ec2-rollback:amiVersion` */
export function configKey(key: ConfigKey): string {
  return `${CONFIG_NAMESPACE}:${key}`;
}

export interface Settings {
  appName: string;
  /** The version that serves, as configured: an AMI name (`myapp-v1.2.3`) or an AMI id. */
  amiVersion: string;
  /** The version on the other machine; undefined = no second machine. */
  standbyAmiVersion?: string;
  /** Which machine serves (holds the Elastic IP). */
  liveSlot: Slot;
  /** Power state of the standby machine. */
  standbyState: StandbyState;
  /** After a successful change, the previously serving machine is kept stopped, kept running, or removed. */
  keepPrevious: KeepPrevious;
  /** Minutes the driver watches the alarms after a flip; 0 = none. */
  bakeMinutes: number;
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

export const STANDBY_STATES = ["running", "stopped"] as const;
export type StandbyState = (typeof STANDBY_STATES)[number];
export const KEEP_PREVIOUS = ["stopped", "running", "none"] as const;
export type KeepPrevious = (typeof KEEP_PREVIOUS)[number];

/** A configuration value that cannot be used. The message is one line with the fix. */
export class ConfigError extends Error {
  constructor(
    public readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Reads one key's raw value (a string as Pulumi stores it; JSON for arrays), or undefined. */
export type ConfigReader = (key: ConfigKey) => string | undefined;

/**
 * The command that sets `key` to `example` and passes Pulumi's type check of Pulumi.yaml's `config:`
 * block: a list is set item by item (`--path 'key[0]'`), since a plain `config set` stores a string.
 */
export function setCommand(key: ConfigKey, example: string): string {
  return CONFIG_TABLE[key].type === "array<integer>" ? `pulumi config set --path '${configKey(key)}[0]' ${example}` : `pulumi config set ${configKey(key)} ${example}`;
}

function fail(key: ConfigKey, problem: string, example: string): never {
  throw new ConfigError(configKey(key), `${configKey(key)} ${problem}; set a valid value, e.g. \`${setCommand(key, example)}\``);
}

function text(read: ConfigReader, key: ConfigKey): string | undefined {
  const v = read(key)?.trim();
  return v ? v : undefined;
}

function textOr(read: ConfigReader, key: ConfigKey & keyof StringDefaults): string {
  return text(read, key) ?? CONFIG_TABLE[key].default;
}
type StringDefaults = { [K in ConfigKey as (typeof CONFIG_TABLE)[K] extends { type: "string"; default: string } ? K : never]: true };
type IntegerKeys = { [K in ConfigKey]: (typeof CONFIG_TABLE)[K] extends { type: "integer" } ? K : never }[ConfigKey];

function integer(read: ConfigReader, key: IntegerKeys, min: number, max: number, example: string): number {
  const raw = text(read, key);
  if (raw === undefined) return CONFIG_TABLE[key].default;
  if (!/^-?\d+$/.test(raw)) fail(key, `is "${raw}", not a whole number`, example);
  const n = Number(raw);
  if (n < min || n > max) fail(key, `is ${n}, outside ${min}–${max}`, example);
  return n;
}

function port(key: ConfigKey, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    fail(key, `has port ${JSON.stringify(value)}, outside 1–65535`, "80");
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

/** An AMI name of this app (`myapp-v1.2.3`) or an AMI id. */
function machineVersion(key: ConfigKey, v: string, appName: string): void {
  if (isAmiId(v) || versionOfAmiName(appName, v) !== undefined) return;
  const hint = isSemver(v.replace(/^v/, "")) ? ` (write it as ${appName}-v${v.replace(/^v/, "")})` : "";
  fail(key, `"${v}" is neither an AMI id nor a version name ${appName}-v<semver>${hint}`, `${appName}-v1.2.3`);
}

function oneOf<T extends string>(read: ConfigReader, key: ConfigKey & keyof StringDefaults, allowed: readonly T[]): T {
  const v = textOr(read, key);
  if (!(allowed as readonly string[]).includes(v)) fail(key, `is "${v}", not ${allowed.join(", ").replace(/, ([^,]*)$/, " or $1")}`, allowed[0]);
  return v as T;
}

/** Every key read, typed and checked; throws ConfigError on the first problem. */
export function parseSettings(read: ConfigReader): Settings {
  const appName = textOr(read, "appName");
  if (!isAppName(appName)) {
    fail("appName", `"${appName}" must be 2–32 lowercase letters, digits or '-', starting with a letter`, CONFIG_TABLE.appName.default);
  }

  const amiVersion = text(read, "amiVersion");
  if (amiVersion === undefined) {
    fail("amiVersion", "is missing (the machine version to run)", `${appName}-v1.0.0   # or an AMI id: ami-0123456789abcdef0`);
  }
  machineVersion("amiVersion", amiVersion, appName);
  const standbyAmiVersion = text(read, "standbyAmiVersion");
  if (standbyAmiVersion !== undefined) machineVersion("standbyAmiVersion", standbyAmiVersion, appName);
  const liveSlot = oneOf(read, "liveSlot", SLOTS);
  const standbyState = oneOf(read, "standbyState", STANDBY_STATES);
  const keepPrevious = oneOf(read, "keepPrevious", KEEP_PREVIOUS);

  const instanceType = textOr(read, "instanceType");
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) {
    fail("instanceType", `"${instanceType}" is not an EC2 instance type`, CONFIG_TABLE.instanceType.default);
  }

  let appPorts: number[] = [...CONFIG_TABLE.appPorts.default];
  const rawPorts = text(read, "appPorts");
  if (rawPorts !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawPorts);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
      fail("appPorts", `is "${rawPorts}", not a list of ports`, "80");
    }
    appPorts = parsed.map((p) => port("appPorts", p));
  }

  // A URL path (and query) in RFC 3986's characters, less those a shell or a systemd file would read
  // as something else: no quotes, backslash, backtick, space or control character.
  const healthCheckPath = textOr(read, "healthCheckPath");
  if (!/^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/.test(healthCheckPath)) {
    fail("healthCheckPath", `${JSON.stringify(healthCheckPath)} must be a URL path starting with / (letters, digits and - . _ ~ ! $ & ( ) * + , ; = : @ % / ?)`, "/health");
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

  const backupSchedule = textOr(read, "backupSchedule");
  if (!isAwsCron(backupSchedule)) {
    fail("backupSchedule", `"${backupSchedule}" is not an AWS cron expression (6 fields, one day field '?')`, `'${CONFIG_TABLE.backupSchedule.default}'`);
  }

  const appDestination = text(read, "appDestination") ?? defaultAppDestination(appName);
  if (!/^\/[A-Za-z0-9._\-/]+$/.test(appDestination) || appDestination.split("/").includes("..")) {
    fail("appDestination", `"${appDestination}" must be an absolute path`, defaultAppDestination(appName));
  }

  return {
    appName,
    amiVersion,
    standbyAmiVersion,
    liveSlot,
    standbyState,
    keepPrevious,
    bakeMinutes: integer(read, "bakeMinutes", 0, 1440, "5   # 0 = no bake"),
    instanceType,
    rootVolumeSizeGiB: integer(read, "rootVolumeSizeGiB", 8, 16384, "20"),
    dataVolumeSizeGiB: integer(read, "dataVolumeSizeGiB", 0, 16384, "10   # 0 = no data volume"),
    appPorts,
    healthCheckPath,
    sshCidr,
    subnetId,
    alarmEmail,
    revisionsNoncurrentDays: integer(read, "revisionsNoncurrentDays", 1, 36500, "90"),
    backupSchedule,
    backupRetentionDays: integer(read, "backupRetentionDays", 1, 36500, "14"),
    weeklyBackupRetentionDays: integer(read, "weeklyBackupRetentionDays", 0, 36500, "90   # 0 = no weekly backup"),
    appDestination,
  };
}

/** The same settings from a stack's config as the Automation API returns it (`ec2-rollback:key` → value). */
export function settingsFromStackConfig(config: Record<string, string>): Settings {
  return parseSettings((key) => config[configKey(key)]);
}
