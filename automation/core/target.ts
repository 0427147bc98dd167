// Which machine version a rollback goes to: parse what the user typed, find the AMI, check it fits.
import { configKey } from "../../contract/config";
import { amiName, amiNamePrefix, isAmiId, versionOfAmiName } from "../../contract/naming";
import { compareSemver, isSemver } from "../../contract/semver";
import { Ec2RollbackError, messageOf } from "./errors";
import { nearestNames } from "./nearest";
import { BackupPort, CloudPort, MachineImage } from "./ports";
import { BACKUP_PREFIX, parseBackupWhen, pickRecoveryPoint } from "./recoveryPoints";

export type TargetSpec =
  | { kind: "version"; version: string; name: string }
  | { kind: "ami"; id: string }
  | { kind: "backup"; raw: string; when: Date | "latest" };

/** `1.2.2`, `v1.2.2`, `myapp-v1.2.2`, `ami-…`, `backup:latest` or `backup:<UTC date[Thh:mm[:ss]]>`. */
export function parseTarget(raw: string, appName: string): TargetSpec {
  const t = raw.trim();
  if (isAmiId(t)) return { kind: "ami", id: t };
  if (t.startsWith(BACKUP_PREFIX)) {
    const when = parseBackupWhen(t);
    if (when) return { kind: "backup", raw: t, when };
    throw new Ec2RollbackError("USAGE", `"${raw}" is not a backup point: give backup:latest, backup:2026-11-20 (end of that UTC day) or backup:2026-11-20T05:30Z`);
  }
  const version = versionOfAmiName(appName, t) ?? (isSemver(t.replace(/^v/, "")) ? t.replace(/^v/, "") : undefined);
  if (version) return { kind: "version", version, name: amiName(appName, version) };
  throw new Ec2RollbackError(
    "USAGE",
    `"${raw}" is not a version of ${appName}: give 1.2.2, v1.2.2, ${appName}-v1.2.2, an AMI id (ami-…) or backup:latest; list them with \`ec2-rollback versions\``,
  );
}

/** Up to `n` available versions closest to `version` (the ones just below and just above it). */
export function nearestVersions(version: string, available: string[], n = 4): string[] {
  const sorted = [...new Set(available)].sort(compareSemver);
  const at = sorted.findIndex((v) => compareSemver(v, version) > 0);
  const split = at === -1 ? sorted.length : at;
  const below = sorted.slice(0, split).reverse();
  const above = sorted.slice(split);
  const out: string[] = [];
  while (out.length < n && (below.length || above.length)) {
    if (below.length) out.push(below.shift()!);
    if (out.length < n && above.length) out.push(above.shift()!);
  }
  return out.sort(compareSemver);
}

/**
 * The versions to name when `version` does not exist: those a typo away (edit distance, so 1.2.22 finds
 * 1.2.2), else the ones just below and above it. Listed in version order.
 */
export function suggestVersions(version: string, available: string[]): string[] {
  const newestFirst = [...new Set(available)].sort(compareSemver).reverse();
  const typo = nearestNames(version, newestFirst);
  return (typo.length ? typo : nearestVersions(version, available)).sort(compareSemver);
}

export interface ResolvedTarget {
  spec: TargetSpec;
  image: MachineImage;
  /** What goes into the `amiVersion` config: the AMI name for a version, else the id. */
  pin: string;
  /** `myapp-v1.2.2` or `ami-…` for messages. */
  label: string;
}

/** Finds the target AMI and checks it exists, is available, is ours and fits the instance type. */
export async function resolveTarget(
  cloud: CloudPort,
  spec: TargetSpec,
  ctx: { appName: string; region: string; account: string; instanceType: string; backup?: BackupPort; vault?: string },
): Promise<ResolvedTarget> {
  let image: MachineImage | undefined;
  let label: string = spec.kind === "version" ? spec.name : spec.kind === "ami" ? spec.id : spec.raw;
  if (spec.kind === "backup") {
    // A recovery point is an AMI: from here on it is checked and pinned like any AMI id.
    if (!ctx.backup || !ctx.vault) throw new Ec2RollbackError("STACK_NOT_READY", "the stack has no backupVaultName output; run `pulumi up` first");
    // A vault that cannot be read is "could not read", never "none": in an emergency the difference matters.
    const points = await ctx.backup.listEc2RecoveryPoints(ctx.vault).catch((e) => {
      throw new Ec2RollbackError(
        "BACKUP_UNREADABLE",
        `could not read AWS Backup vault ${ctx.vault}: ${messageOf(e).split("\n")[0]}; nothing was changed. Its recovery points may well exist: fix the access and try again, or name a checkpoint version`,
        { cause: e },
      );
    });
    const point = pickRecoveryPoint(points, spec.when);
    if (!point) {
      const when = spec.when === "latest" ? "" : ` at or before ${spec.when.toISOString()}`;
      const pending = points.filter((p) => p.status !== "COMPLETED").length;
      throw new Ec2RollbackError(
        "VERSION_NOT_FOUND",
        `no completed recovery point in vault ${ctx.vault}${when}${pending ? ` (${pending} not completed)` : ""}; list them with \`ec2-rollback versions\`, or make one with \`ec2-rollback backup\``,
      );
    }
    label = `${spec.raw} (${point.createdAt.toISOString()})`;
    spec = { kind: "ami", id: point.amiId! };
  }
  if (spec.kind === "version") {
    image = await cloud.findOwnImageByName(spec.name);
    if (!image) {
      const versions = (await cloud.listOwnImages(amiNamePrefix(ctx.appName)))
        .filter((i) => i.state === "available")
        .map((i) => versionOfAmiName(ctx.appName, i.name))
        .filter((v): v is string => !!v);
      const near = suggestVersions(spec.version, versions);
      const hint = near.length ? `nearest available: ${near.join(", ")}` : "there are no versions yet: make one with `ec2-rollback checkpoint <version>`";
      throw new Ec2RollbackError("VERSION_NOT_FOUND", `no AMI named ${spec.name} in ${ctx.region} (account ${ctx.account}); ${hint}`);
    }
  } else {
    image = await cloud.describeImage(spec.id);
    if (!image) throw new Ec2RollbackError("VERSION_NOT_FOUND", `AMI ${spec.id} does not exist in ${ctx.region}; list rollback points with \`ec2-rollback versions\``);
    if (image.ownerId !== ctx.account) {
      throw new Ec2RollbackError(
        "VERSION_UNUSABLE",
        `AMI ${spec.id} (${image.name}) belongs to account ${image.ownerId}, not ${ctx.account}; roll back only to your own AMIs (\`ec2-rollback versions\`)`,
      );
    }
  }
  if (image.state !== "available") {
    throw new Ec2RollbackError("VERSION_UNUSABLE", `AMI ${label} (${image.id}) is ${image.state}, not available${image.stateReason ? ` (${image.stateReason})` : ""}; wait for it or pick another version`);
  }
  const archs = await cloud.instanceTypeArchitectures(ctx.instanceType);
  if (archs.length && !archs.includes(image.architecture)) {
    throw new Ec2RollbackError(
      "VERSION_UNUSABLE",
      `AMI ${label} is ${image.architecture} but instance type ${ctx.instanceType} runs ${archs.join("/")}; ` +
        `pick a matching version or change ${configKey("instanceType")}`,
    );
  }
  return { spec, image, pin: spec.kind === "version" ? spec.name : spec.id, label };
}
