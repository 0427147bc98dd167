import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { stackResourceName, TAG } from "../contract/naming";
import { assumeRolePolicyFor } from "./iam";

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
}

export const WEEKLY_SCHEDULE = "cron(0 5 ? * SUN *)";

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
    const pointTags = { [TAG.app]: args.appName, [TAG.stack]: args.stack };

    const key = new aws.kms.Key(
      `${name}-backup-key`,
      { description: `AWS Backup vault ${fullName}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: args.tags },
      parent,
    );
    const vault = new aws.backup.Vault(`${name}-backup-vault`, { name: fullName, kmsKeyArn: key.arn, tags: args.tags }, parent);

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
    const plan = new aws.backup.Plan(`${name}-backup-plan`, { name: fullName, rules, tags: args.tags }, parent);

    const role = new aws.iam.Role(
      `${name}-backup-role`,
      {
        description: `AWS Backup role for ${fullName}`,
        assumeRolePolicy: assumeRolePolicyFor("backup.amazonaws.com"),
        tags: args.tags,
      },
      parent,
    );
    const attachments = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"].map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-backup-${policy}`,
          { role: role.name, policyArn: `arn:aws:iam::aws:policy/service-role/${policy}` },
          parent,
        ),
    );

    new aws.backup.Selection(
      `${name}-backup-selection`,
      {
        name: fullName,
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
