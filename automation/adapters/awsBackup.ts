// BackupPort over AWS Backup (AWS SDK v3).
import { BackupClient, DescribeBackupJobCommand, paginateListRecoveryPointsByBackupVault, StartBackupJobCommand } from "@aws-sdk/client-backup";
import { amiOfRecoveryPoint } from "../core/recoveryPoints";
import { BackupJob, BackupPort, RecoveryPoint } from "../core/ports";
import { aws, clientConfig, withErrorContext } from "./awsErrors";

export class AwsBackup implements BackupPort {
  constructor(private readonly client: BackupClient) {}

  /** The adapter over a client of the stack's region, with the settings and error context every client gets. */
  static forRegion(region: string): AwsBackup {
    return new AwsBackup(withErrorContext(new BackupClient(clientConfig(region))));
  }

  startBackup(o: { vault: string; resourceArn: string; roleArn: string; deleteAfterDays: number; tags: Record<string, string> }): Promise<string> {
    return aws(async () => {
      const r = await this.client.send(
        new StartBackupJobCommand({
          BackupVaultName: o.vault,
          ResourceArn: o.resourceArn,
          IamRoleArn: o.roleArn,
          Lifecycle: { DeleteAfterDays: o.deleteAfterDays },
          RecoveryPointTags: o.tags,
          StartWindowMinutes: 60,
          CompleteWindowMinutes: 180,
        }),
      );
      return r.BackupJobId!;
    });
  }

  describeJob(jobId: string): Promise<BackupJob> {
    return aws(async () => {
      const r = await this.client.send(new DescribeBackupJobCommand({ BackupJobId: jobId }));
      return { state: r.State ?? "UNKNOWN", percentDone: r.PercentDone, statusMessage: r.StatusMessage, recoveryPointArn: r.RecoveryPointArn };
    });
  }

  listEc2RecoveryPoints(vault: string): Promise<RecoveryPoint[]> {
    return aws(async () => {
      const out: RecoveryPoint[] = [];
      for await (const page of paginateListRecoveryPointsByBackupVault({ client: this.client }, { BackupVaultName: vault, ByResourceType: "EC2" })) {
        for (const p of page.RecoveryPoints ?? []) {
          out.push({
            arn: p.RecoveryPointArn!,
            amiId: p.RecoveryPointArn ? amiOfRecoveryPoint(p.RecoveryPointArn) : undefined,
            status: p.Status ?? "UNKNOWN",
            createdAt: p.CreationDate ?? new Date(0),
            expiresAt: p.CalculatedLifecycle?.DeleteAt,
            resourceArn: p.ResourceArn,
            sizeBytes: p.BackupSizeInBytes,
          });
        }
      }
      return out;
    });
  }
}
