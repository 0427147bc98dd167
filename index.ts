// ec2-rollback: reads the stack configuration and wires the components. Nothing else lives here.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { MANAGED_BY, metricNamespace, stackResourceName, TAG } from "./contract/naming";
import { OutputName } from "./contract/outputs";
import { Alarms } from "./components/alarms";
import { Backup } from "./components/backup";
import { Deployment } from "./components/deployment";
import { resolveMachineImage } from "./components/machineImage";
import { Network } from "./components/network";
import { RevisionsBucket } from "./components/revisionsBucket";
import { Server } from "./components/server";
import { readSettings } from "./components/settings";

export = async (): Promise<Record<OutputName, pulumi.Input<unknown>>> => {
  const stack = pulumi.getStack();
  const s = readSettings();
  const [{ region }, { partition, dnsSuffix }] = await Promise.all([aws.getRegion(), aws.getPartition()]);
  const amiId = await resolveMachineImage("amiVersion", s.amiVersion, region);
  const standbyAmiId = s.standbyAmiVersion ? await resolveMachineImage("standbyAmiVersion", s.standbyAmiVersion, region) : undefined;

  const tags = { [TAG.app]: s.appName, [TAG.stack]: stack, [TAG.managedBy]: MANAGED_BY };
  const target = stackResourceName(s.appName, stack);
  const namespace = metricNamespace(s.appName);

  const network = new Network(s.appName, { subnetId: s.subnetId, tags });
  const revisions = new RevisionsBucket(`${s.appName}-revisions`, { noncurrentDays: s.revisionsNoncurrentDays, tags });
  const server = new Server(s.appName, {
    appName: s.appName,
    stack,
    region,
    partition,
    dnsSuffix,
    liveSlot: s.liveSlot,
    liveAmiId: amiId,
    standbyAmiId,
    standbyState: s.standbyState,
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
    metricNamespace: namespace,
    tags,
    liveTags: { [TAG.deployTarget]: target, [TAG.backupTarget]: target },
  });
  const alarms = new Alarms(s.appName, {
    appName: s.appName,
    stack,
    instanceId: server.instanceId,
    metricNamespace: namespace,
    email: s.alarmEmail,
    tags,
  });
  const deployment = new Deployment(s.appName, {
    appName: s.appName,
    stack,
    targetTag: { key: TAG.deployTarget, value: target },
    alarmNames: alarms.alarmNames,
    tags,
    partition,
  });
  const backup = new Backup(s.appName, {
    appName: s.appName,
    stack,
    targetTag: { key: TAG.backupTarget, value: target },
    schedule: s.backupSchedule,
    retentionDays: s.backupRetentionDays,
    weeklyRetentionDays: s.weeklyBackupRetentionDays,
    tags,
    partition,
  });

  return {
    instanceId: server.instanceId,
    amiId,
    amiVersion: s.amiVersion,
    liveSlot: s.liveSlot,
    standbyInstanceId: server.standbyInstanceId,
    standbyAmiId: standbyAmiId ?? "",
    standbyAmiVersion: s.standbyAmiVersion ?? "",
    standbyAddress: server.standbyAddress,
    publicIp: server.publicIp,
    elasticIpAllocationId: server.allocationId,
    applicationName: deployment.applicationName,
    deploymentGroupName: deployment.deploymentGroupName,
    revisionsBucket: revisions.bucketName,
    backupVaultName: backup.vaultName,
    backupPlanId: backup.planId,
    backupRoleArn: backup.roleArn,
    healthCheckUrl: pulumi.interpolate`http://${server.publicIp}:${s.appPorts[0]}${s.healthCheckPath}`,
    alarmNames: alarms.alarmNames,
    region,
  };
};
