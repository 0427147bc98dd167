// Rollback points of the machine, newest first: this app's checkpoint AMIs and the vault's recovery points.
import { amiNamePrefix, versionOfAmiName } from "../../contract/naming";
import { compareSemver } from "../../contract/semver";
import { BackupPort, CloudPort, StackPort, Ui } from "./ports";
import { readRecoveryPoints, recoveryPointTarget } from "./recoveryPoints";
import { isoSeconds } from "./time";
import { readStack } from "./stackState";

export interface RollbackPoint {
  /** `1.2.3` for a checkpoint; `backup:<creation time>` for a recovery point (either is a `rollback` target). */
  version: string;
  name: string;
  amiId: string;
  createdAt: string;
  /** available/pending/… for a checkpoint; COMPLETED/CREATING/… for a recovery point. */
  state: string;
  source: "checkpoint" | "backup";
  /** Serves now (the live machine's version). */
  current: boolean;
  /** On the standby machine. */
  standby: boolean;
  sizeGiB: number;
  /** Recovery points only: when AWS Backup deletes it. */
  expiresAt?: string;
  recoveryPointArn?: string;
}

export async function listVersions(deps: { stack: StackPort; cloud: CloudPort; backup?: BackupPort; ui?: Ui }): Promise<RollbackPoint[]> {
  const { settings, outputs } = await readStack(deps.stack);
  const { appName, amiVersion: pin } = settings;
  const isCurrent = (id: string, name?: string) => name === pin || id === pin || id === outputs.amiId;
  const standbyPin = settings.standbyAmiVersion;
  const isStandby = (id: string, name?: string) => !!standbyPin && (name === standbyPin || id === standbyPin || id === outputs.standbyAmiId);
  const [images, recoveryPoints] = await Promise.all([
    deps.cloud.listOwnImages(amiNamePrefix(appName)),
    readRecoveryPoints(deps.backup, outputs.backupVaultName, deps.ui),
  ]);
  const points: RollbackPoint[] = [];
  for (const i of images) {
    const version = versionOfAmiName(appName, i.name);
    if (!version) continue; // `myapp-vnext`, `myapp-v1.2` …: not ours to offer
    points.push({
      version,
      name: i.name,
      amiId: i.id,
      createdAt: i.createdAt.toISOString(),
      state: i.state,
      source: "checkpoint",
      current: isCurrent(i.id, i.name),
      standby: isStandby(i.id, i.name),
      sizeGiB: i.snapshots.reduce((n, s) => n + s.sizeGiB, 0),
    });
  }
  for (const r of recoveryPoints) {
    if (!r.amiId) continue;
    points.push({
      version: recoveryPointTarget(r),
      name: `AWS Backup ${isoSeconds(r.createdAt)}`,
      amiId: r.amiId,
      createdAt: r.createdAt.toISOString(),
      state: r.status,
      source: "backup",
      current: isCurrent(r.amiId),
      standby: isStandby(r.amiId),
      sizeGiB: Math.round(((r.sizeBytes ?? 0) / 1024 ** 3) * 10) / 10,
      expiresAt: r.expiresAt?.toISOString(),
      recoveryPointArn: r.arn,
    });
  }
  return points.sort(
    (a, b) => b.createdAt.localeCompare(a.createdAt) || (a.source === "checkpoint" && b.source === "checkpoint" ? compareSemver(b.version, a.version) : 0),
  );
}
