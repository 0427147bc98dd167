// The data layer: take an AWS Backup recovery point of the instance now (an AMI with all its volumes).
import { backupTagValue, TAG } from "../../contract/naming";
import { Ec2RollbackError } from "./errors";
import { poll, seconds } from "./poll";
import { BackupPort, Clock, CloudPort, StackPort, Ui } from "./ports";
import { amiOfRecoveryPoint } from "./recoveryPoints";
import { readStack, requireOutputs } from "./stackState";

export interface BackupResult {
  jobId: string;
  state: string;
  recoveryPointArn?: string;
  amiId?: string;
  durationMs: number;
}

const FINAL_OK = "COMPLETED";
const FINAL_BAD = new Set(["FAILED", "ABORTED", "EXPIRED", "PARTIAL"]);

export async function backupNow(
  deps: { stack: StackPort; cloud: CloudPort; backup: BackupPort; ui: Ui; clock: Clock },
  o: { note?: string; wait: boolean; timeoutMs: number; pollMs: number; signal?: AbortSignal },
): Promise<BackupResult> {
  const { stack, cloud, backup, ui, clock } = deps;
  const t0 = clock.now();
  const [{ settings, region, outputs }, identity] = await Promise.all([readStack(stack), cloud.identity()]);
  const { instanceId, backupVaultName, backupRoleArn } = requireOutputs(stack.name, outputs, ["instanceId", "backupVaultName", "backupRoleArn"]);
  const partition = identity.arn.split(":")[1] || "aws";
  const resourceArn = `arn:${partition}:ec2:${region}:${identity.account}:instance/${instanceId}`;
  const retention = settings.backupRetentionDays;
  const { appName } = settings;
  const reason = backupTagValue(o.note ?? "on demand by ec2-rollback backup");
  if (o.note && reason !== o.note.slice(0, 256)) ui.warn(`the note is kept as "${reason}": AWS Backup tags allow only letters, digits, spaces and _ . : / = + - @`);
  const jobId = await backup.startBackup({
    vault: backupVaultName,
    resourceArn,
    roleArn: backupRoleArn,
    deleteAfterDays: retention,
    tags: {
      [TAG.app]: backupTagValue(appName),
      [TAG.stack]: backupTagValue(stack.name),
      [TAG.createdBy]: backupTagValue(identity.arn),
      [TAG.reason]: reason,
    },
  });
  ui.step(`backup job ${jobId}: ${instanceId} into vault ${backupVaultName} (kept ${retention} days)`);
  if (!o.wait) return { jobId, state: "CREATED", durationMs: 0 };

  const job = await poll(
    { clock, ui, what: `backup job ${jobId}`, timeoutMs: o.timeoutMs, intervalMs: o.pollMs, signal: o.signal, goesOnAt: "`ec2-rollback versions`" },
    async () => {
      const job = await backup.describeJob(jobId);
      if (job.state === FINAL_OK) return { done: true, value: job };
      if (FINAL_BAD.has(job.state)) {
        throw new Ec2RollbackError("BACKUP_FAILED", `backup job ${jobId} ${job.state.toLowerCase()}: ${job.statusMessage ?? "AWS Backup gave no reason"}`);
      }
      return { done: false, progress: `${job.state}${job.percentDone ? ` ${job.percentDone}%` : ""}` };
    },
  );
  const durationMs = clock.now() - t0;
  const amiId = job.recoveryPointArn ? amiOfRecoveryPoint(job.recoveryPointArn) : undefined;
  ui.succeed(`backup done: ${amiId ?? job.recoveryPointArn} (${seconds(durationMs)})`);
  return { jobId, state: job.state, recoveryPointArn: job.recoveryPointArn, amiId, durationMs };
}
