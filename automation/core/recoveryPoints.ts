// AWS Backup recovery points as rollback points: naming them (`backup:latest`, `backup:<date>`),
// picking one, and reading a vault's.
import { messageOf } from "./errors";
import { BackupPort, RecoveryPoint, Ui } from "./ports";
import { isoSeconds } from "./time";

/** `arn:aws:ec2:eu-west-1::image/ami-0abc` → `ami-0abc` */
export function amiOfRecoveryPoint(arn: string): string | undefined {
  const m = /:image\/(ami-[0-9a-f]+)$/.exec(arn);
  return m?.[1];
}

export const BACKUP_PREFIX = "backup:";

/** `backup:latest`, or `backup:<date or date-time>` (UTC; a date alone means the end of that day). */
export function parseBackupWhen(spec: string): Date | "latest" | undefined {
  const w = spec.slice(BACKUP_PREFIX.length).trim();
  if (w === "latest") return "latest";
  if (/^\d{4}-\d{2}-\d{2}$/.test(w)) {
    const d = new Date(`${w}T23:59:59.999Z`);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/.exec(w);
  if (m) {
    const d = new Date(w.endsWith("Z") ? w : `${w}Z`);
    if (Number.isNaN(d.getTime())) return undefined;
    // A time means the whole of its last unit, as a date means the whole day: `…T04:07:15Z` (as `versions`
    // lists a point, whose real time has a fraction of a second) is that point, not the one before it.
    return new Date(d.getTime() + (m[1] === undefined ? 59_999 : m[2] === undefined ? 999 : 0));
  }
  return undefined;
}

/** `backup:2026-11-20T05:00:00Z`: how a recovery point is named as a rollback target. */
export function recoveryPointTarget(p: RecoveryPoint): string {
  return `${BACKUP_PREFIX}${isoSeconds(p.createdAt)}`;
}

/** The newest COMPLETED recovery point at or before `when`. */
export function pickRecoveryPoint(points: RecoveryPoint[], when: Date | "latest"): RecoveryPoint | undefined {
  return points
    .filter((p) => p.status === "COMPLETED" && p.amiId && (when === "latest" || p.createdAt.getTime() <= when.getTime()))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

/** Recovery points of the stack's vault; a read failure is reported, not fatal (checkpoints still list). */
export async function readRecoveryPoints(backup: BackupPort | undefined, vault: string | undefined, ui?: Ui): Promise<RecoveryPoint[]> {
  if (!backup || !vault) return [];
  try {
    return await backup.listEc2RecoveryPoints(vault);
  } catch (e) {
    ui?.warn(`could not read AWS Backup vault ${vault}: ${messageOf(e)}; its recovery points are not listed (that does not mean there are none)`);
    return [];
  }
}
