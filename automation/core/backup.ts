// The data layer: AWS Backup recovery points of the instance (each an AMI with all its volumes).
import { messageOf, UserError } from "./errors";
import { appNameOf, BackupPort, Clock, CloudPort, CONFIG, RecoveryPoint, StackPort, Ui } from "./ports";

export const DEFAULT_RETENTION_DAYS = 14;

/** `arn:aws:ec2:eu-west-1::image/ami-0abc` → `ami-0abc` */
export function amiOfRecoveryPoint(arn: string): string | undefined {
  const m = /:image\/(ami-[0-9a-f]+)$/.exec(arn);
  return m?.[1];
}

/** `backup:latest`, or `backup:<date or date-time>` (UTC; a date alone means the end of that day). */
export function parseBackupWhen(spec: string): Date | "latest" | undefined {
  const w = spec.slice("backup:".length).trim();
  if (w === "latest") return "latest";
  if (/^\d{4}-\d{2}-\d{2}$/.test(w)) {
    const d = new Date(`${w}T23:59:59.999Z`);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/.test(w)) {
    const d = new Date(w.endsWith("Z") ? w : `${w}Z`);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** The newest COMPLETED recovery point at or before `when`. */
export function pickRecoveryPoint(points: RecoveryPoint[], when: Date | "latest"): RecoveryPoint | undefined {
  return points
    .filter((p) => p.status === "COMPLETED" && p.amiId && (when === "latest" || p.createdAt.getTime() <= when.getTime()))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

export interface BackupResult {
  jobId: string;
  state: string;
  recoveryPointArn?: string;
  amiId?: string;
  seconds: number;
}

const FINAL_OK = "COMPLETED";
const FINAL_BAD = new Set(["FAILED", "ABORTED", "EXPIRED", "PARTIAL"]);

export async function backupNow(
  deps: { stack: StackPort; cloud: CloudPort; backup: BackupPort; ui: Ui; clock: Clock },
  o: { note?: string; wait: boolean; timeoutMs: number; pollMs: number; signal?: AbortSignal },
): Promise<BackupResult> {
  const { stack, cloud, backup, ui, clock } = deps;
  const t0 = clock.now();
  const [config, outputs, identity] = await Promise.all([stack.config(), stack.outputs(), cloud.identity()]);
  const { instanceId, backupVaultName, backupRoleArn } = outputs;
  if (!instanceId || !backupVaultName || !backupRoleArn) {
    throw new UserError(`stack "${stack.name}" has no instanceId/backupVaultName/backupRoleArn outputs; run \`pulumi up\` (ec2-rollback ≥ 0.1) first`);
  }
  const partition = identity.arn.split(":")[1] || "aws";
  const resourceArn = `arn:${partition}:ec2:${config[CONFIG.region]}:${identity.account}:instance/${instanceId}`;
  const retention = Number(config[CONFIG.backupRetentionDays] || DEFAULT_RETENTION_DAYS);
  const appName = appNameOf(config);
  const jobId = await backup.startBackup({
    vault: backupVaultName,
    resourceArn,
    roleArn: backupRoleArn,
    deleteAfterDays: retention,
    tags: {
      App: appName,
      Stack: stack.name,
      CreatedBy: identity.arn,
      Reason: o.note ? o.note.slice(0, 256) : "on demand (ec2-rollback backup)",
    },
  });
  ui.step(`backup job ${jobId}: ${instanceId} into vault ${backupVaultName} (kept ${retention} days)`);
  if (!o.wait) return { jobId, state: "CREATED", seconds: 0 };

  for (;;) {
    if (o.signal?.aborted) throw new UserError(`stopped waiting (Ctrl-C); backup job ${jobId} goes on in AWS Backup: see \`ec2-rollback versions\``, 130);
    const job = await backup.describeJob(jobId);
    const seconds = Math.round((clock.now() - t0) / 1000);
    if (job.state === FINAL_OK) {
      const amiId = job.recoveryPointArn ? amiOfRecoveryPoint(job.recoveryPointArn) : undefined;
      ui.succeed(`backup done: ${amiId ?? job.recoveryPointArn} (${seconds}s)`);
      return { jobId, state: job.state, recoveryPointArn: job.recoveryPointArn, amiId, seconds };
    }
    if (FINAL_BAD.has(job.state)) {
      throw new UserError(`backup job ${jobId} ${job.state.toLowerCase()}: ${job.statusMessage ?? "AWS Backup gave no reason"}`);
    }
    if (clock.now() - t0 >= o.timeoutMs) {
      throw new UserError(`backup job ${jobId} still ${job.state} after ${seconds}s; it goes on in AWS Backup: see \`ec2-rollback versions\``);
    }
    ui.progress(`backup job ${jobId}: ${job.state}${job.percentDone ? ` ${job.percentDone}%` : ""} (${seconds}s)`);
    await clock.sleep(o.pollMs, o.signal).catch(() => undefined);
  }
}

/** Recovery points of the stack's vault; a read failure is reported, not fatal (checkpoints still list). */
export async function readRecoveryPoints(backup: BackupPort | undefined, vault: string | undefined, ui?: Ui): Promise<RecoveryPoint[]> {
  if (!backup || !vault) return [];
  try {
    return await backup.listEc2RecoveryPoints(vault);
  } catch (e) {
    ui?.warn(`could not read AWS Backup vault ${vault}: ${messageOf(e)}; listing checkpoints only`);
    return [];
  }
}
