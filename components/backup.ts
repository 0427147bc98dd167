import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { WEEKLY_BACKUP_SCHEDULE } from "../contract/config";
import { backupPlanName, backupVaultName, stackResourceName, TAG } from "../contract/naming";
import { assumeRolePolicyFor, managedPolicyArn } from "./iam";

export interface BackupArgs {
  appName: string;
  stack: string;
  /** The instance tag the selection picks. */
  targetTag: { key: string; value: string };
  schedule: string;
  retentionDays: number;
  /** 0 = no weekly rule. */
  weeklyRetentionDays: number;
  tags: Record<string, string>;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) for managed policy ARNs. */
  partition: string;
}

/** The weekly rule's schedule (contract/config.ts: the CLI computes the next backup from it too). */
export const WEEKLY_SCHEDULE = WEEKLY_BACKUP_SCHEDULE;

/**
 * AWS Backup of the instance (an AMI with all its EBS volumes per recovery point): a KMS-encrypted
 * vault, a daily rule (and optionally a weekly one kept longer), a selection by tag, and its role.
 * EC2 recovery points cannot move to cold storage, so the rules only expire them.
 */
export class Backup extends pulumi.ComponentResource {
  public readonly vaultName: pulumi.Output<string>;
  public readonly planId: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ec2-rollback:index:Backup", name, {}, opts);
    const parent = { parent: this };
    const fullName = stackResourceName(args.appName, args.stack);
    const vaultName = backupVaultName(args.appName, args.stack);
    const planName = backupPlanName(args.appName, args.stack);
    const pointTags = { [TAG.app]: args.appName, [TAG.stack]: args.stack };

    const key = new aws.kms.Key(
      `${name}-backup-key`,
      { description: `AWS Backup vault ${fullName}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: args.tags },
      parent,
    );
    const vault = new aws.backup.Vault(`${name}-backup-vault`, { name: vaultName, kmsKeyArn: key.arn, tags: args.tags }, parent);

    const rules: aws.types.input.backup.PlanRule[] = [
      {
        ruleName: "daily",
        targetVaultName: vault.name,
        schedule: args.schedule,
        startWindow: 60,
        completionWindow: 180,
        lifecycle: { deleteAfter: args.retentionDays },
        recoveryPointTags: { ...pointTags, [TAG.rule]: "daily" },
      },
    ];
    if (args.weeklyRetentionDays > 0) {
      rules.push({
        ruleName: "weekly",
        targetVaultName: vault.name,
        schedule: WEEKLY_SCHEDULE,
        startWindow: 60,
        completionWindow: 180,
        lifecycle: { deleteAfter: args.weeklyRetentionDays },
        recoveryPointTags: { ...pointTags, [TAG.rule]: "weekly" },
      });
    }
    const plan = new aws.backup.Plan(`${name}-backup-plan`, { name: planName, rules, tags: args.tags }, parent);

    const role = new aws.iam.Role(
      `${name}-backup-role`,
      {
        description: `AWS Backup role for ${fullName}`,
        assumeRolePolicy: assumeRolePolicyFor("backup.amazonaws.com"),
        tags: args.tags,
      },
      parent,
    );
    // Backups only: nothing restores through AWS Backup (a recovery point's AMI is rolled back to like any version).
    const attachments = ["AWSBackupServiceRolePolicyForBackup"].map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(`${name}-backup-${policy}`, { role: role.name, policyArn: managedPolicyArn(args.partition, `service-role/${policy}`) }, parent),
    );

    new aws.backup.Selection(
      `${name}-backup-selection`,
      {
        name: planName,
        planId: plan.id,
        iamRoleArn: role.arn,
        selectionTags: [{ type: "STRINGEQUALS", key: args.targetTag.key, value: args.targetTag.value }],
      },
      { ...parent, dependsOn: attachments },
    );

    this.vaultName = vault.name;
    this.planId = plan.id;
    this.roleArn = role.arn;
    this.registerOutputs({ vaultName: this.vaultName, planId: this.planId, roleArn: this.roleArn });
  }
}
