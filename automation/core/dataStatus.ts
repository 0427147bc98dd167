// The data layer for `status`: the vault's last completed recovery point (AWS Backup) and the plan's
// next scheduled backup (computed from the schedules in the stack's config). Reads only; a vault that
// cannot be read is the layer's error, in one line.
import { backupRules, Settings } from "../../contract/config";
import { nextRun, parseAwsCron } from "./awsCron";
import { messageOf } from "./errors";
import { BackupPort, RecoveryPoint, StackOutputs } from "./ports";
import { requireOutputs } from "./stackState";

export interface LastRecoveryPoint {
  arn: string;
  /** For EC2 the recovery point is an AMI: its id (the short form of the ARN). */
  amiId?: string;
  createdAt: string;
  /** When AWS Backup deletes it; absent when it keeps it. */
  expiresAt?: string;
}

/** The next backup the plan starts (its window opens then), or why it is not known. */
export type NextBackup = { at: string; rule: string; schedule: string } | { unknown: string };

export interface DataLayer {
  vault: string;
  /** The newest COMPLETED recovery point in the vault; null when there is none. */
  lastRecoveryPoint: LastRecoveryPoint | null;
  nextScheduled: NextBackup;
}

/** The layer, or why it could not be read (one line). */
export type DataLayerReport = DataLayer | { error: string };

export function lastCompleted(points: RecoveryPoint[]): RecoveryPoint | undefined {
  return points.filter((p) => p.status === "COMPLETED").sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

/** The earliest next run of the plan's rules after `now`; unknown when any rule's schedule is not computed. */
export function nextScheduledBackup(settings: Pick<Settings, "backupSchedule" | "weeklyBackupRetentionDays">, now: Date): NextBackup {
  let next: { at: Date; rule: string; schedule: string } | undefined;
  for (const { rule, schedule } of backupRules(settings)) {
    const cron = parseAwsCron(schedule);
    if ("unsupported" in cron) return { unknown: `the ${rule} rule's schedule ${cron.unsupported}` };
    const at = nextRun(cron, now);
    if (at && (!next || at < next.at)) next = { at, rule, schedule };
  }
  if (!next) return { unknown: `no rule's schedule names a time after ${now.toISOString()}` };
  return { at: next.at.toISOString(), rule: next.rule, schedule: next.schedule };
}

export async function readDataLayer(
  deps: { backup: BackupPort; now: Date },
  state: { stackName: string; settings: Settings; outputs: StackOutputs },
): Promise<DataLayerReport> {
  try {
    const { backupVaultName: vault } = requireOutputs(state.stackName, state.outputs, ["backupVaultName"]);
    const last = lastCompleted(await deps.backup.listEc2RecoveryPoints(vault));
    return {
      vault,
      lastRecoveryPoint: last ? { arn: last.arn, amiId: last.amiId, createdAt: last.createdAt.toISOString(), expiresAt: last.expiresAt?.toISOString() } : null,
      nextScheduled: nextScheduledBackup(state.settings, deps.now),
    };
  } catch (e) {
    return { error: messageOf(e) };
  }
}
