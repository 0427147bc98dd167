// ec2-rollback: reads the stack configuration and wires the components. Nothing else lives here.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Alarms } from "./components/alarms";
import { Backup } from "./components/backup";
import { Deployment } from "./components/deployment";
import { resolveMachineImage } from "./components/machineImage";
import { TAG_APP, TAG_BACKUP_TARGET, TAG_DEPLOY_TARGET, TAG_STACK, targetTagValue } from "./components/naming";
import { Network } from "./components/network";
import { RevisionsBucket } from "./components/revisionsBucket";
import { Server } from "./components/server";
import { CONFIG_NAMESPACE, parseSettings } from "./components/settings";

export = async () => {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const stack = pulumi.getStack();
  const s = parseSettings((key) => config.get(key));
  const region = (await aws.getRegion()).region;
  const amiId = await resolveMachineImage(s.amiVersion, region);

  const tags = { [TAG_APP]: s.appName, [TAG_STACK]: stack, ManagedBy: "ec2-rollback" };
  const target = targetTagValue(s.appName, stack);
  const metricNamespace = `ec2-rollback/${s.appName}`;

  const network = new Network(s.appName, { subnetId: s.subnetId, tags });
  const revisions = new RevisionsBucket(`${s.appName}-revisions`, { noncurrentDays: s.revisionsNoncurrentDays, tags });
  const server = new Server(s.appName, {
    appName: s.appName,
    stack,
    region,
    amiId,
    instanceType: s.instanceType,
    rootVolumeSizeGiB: s.rootVolumeSizeGiB,
    dataVolumeSizeGiB: s.dataVolumeSizeGiB,
    appPorts: s.appPorts,
    healthCheckPath: s.healthCheckPath,
    appDestination: s.appDestination,
    sshCidr: s.sshCidr,
    vpcId: network.vpcId,
    subnetId: network.subnetId,
    revisionsBucketArn: revisions.arn,
    metricNamespace,
    tags,
    instanceTags: { [TAG_DEPLOY_TARGET]: target, [TAG_BACKUP_TARGET]: target },
  });
  const alarms = new Alarms(s.appName, {
    appName: s.appName,
    stack,
    instanceId: server.instanceId,
    metricNamespace,
    email: s.alarmEmail,
    tags,
  });
  const deployment = new Deployment(s.appName, {
    appName: s.appName,
    stack,
    targetTag: { key: TAG_DEPLOY_TARGET, value: target },
    alarmNames: alarms.alarmNames,
    tags,
  });
  const backup = new Backup(s.appName, {
    appName: s.appName,
    stack,
    targetTag: { key: TAG_BACKUP_TARGET, value: target },
    schedule: s.backupSchedule,
    retentionDays: s.backupRetentionDays,
    weeklyRetentionDays: s.weeklyBackupRetentionDays,
    tags,
  });

  return {
    instanceId: server.instanceId,
    publicIp: server.publicIp,
    elasticIpAllocationId: server.allocationId,
    amiId: pulumi.output(amiId),
    amiVersion: pulumi.output(s.amiVersion),
    applicationName: deployment.applicationName,
    deploymentGroupName: deployment.deploymentGroupName,
    revisionsBucket: revisions.bucketName,
    backupVaultName: backup.vaultName,
    backupPlanId: backup.planId,
    backupRoleArn: backup.roleArn,
    healthCheckUrl: pulumi.interpolate`http://${server.publicIp}:${s.appPorts[0]}${s.healthCheckPath}`,
    region: pulumi.output(region),
  };
};
