import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { StandbyState } from "../contract/config";
import { DATA_DEVICE, DATA_MOUNT_PATH, otherSlot, Slot, stackResourceName, TAG } from "../contract/naming";
import { assumeRolePolicyFor, managedPolicyArn } from "./iam";
import { MachineSlot } from "./machineSlot";
import { renderUserData } from "./userData";

export interface ServerArgs {
  appName: string;
  stack: string;
  region: pulumi.Input<string>;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) for ARNs, and its DNS suffix for AWS endpoints. */
  partition: string;
  dnsSuffix: string;
  /** The slot that serves and its AMI. */
  liveSlot: Slot;
  liveAmiId: pulumi.Input<string>;
  /** The other slot's AMI; undefined = no second machine. */
  standbyAmiId?: pulumi.Input<string>;
  standbyState: StandbyState;
  instanceType: string;
  rootVolumeSizeGiB: number;
  dataVolumeSizeGiB: number;
  appPorts: number[];
  healthCheckPath: string;
  appDestination: string;
  sshCidr?: string;
  vpcId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  revisionsBucketArn: pulumi.Input<string>;
  metricNamespace: string;
  /** Tags every resource carries. */
  tags: Record<string, string>;
  /** Extra tags on the live instance only: what the deployment group and backup selection match. */
  liveTags: Record<string, string>;
}

/**
 * Two machines and one address. Each slot (blue, green) runs its own version and is replaced only
 * when that version changes. The live slot holds the Elastic IP; a flip (liveSlot swapped with the two
 * versions) moves only the association, the live-only tags, the alarms' instance and the standby's
 * power state. The allocation itself never changes, so the public address stays.
 */
export class Server extends pulumi.ComponentResource {
  public readonly slots: Record<Slot, MachineSlot>;
  /** The live machine. */
  public readonly instanceId: pulumi.Output<string>;
  /** The standby machine ("" when there is none) and its own public address while it runs ("" otherwise). */
  public readonly standbyInstanceId: pulumi.Output<string>;
  public readonly standbyAddress: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;
  public readonly allocationId: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: ServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ec2-rollback:index:Server", name, {}, opts);
    const parent = { parent: this };

    const ingress: aws.types.input.ec2.SecurityGroupIngress[] = args.appPorts.map((port) => ({
      description: `app port ${port}`,
      protocol: "tcp",
      fromPort: port,
      toPort: port,
      cidrBlocks: ["0.0.0.0/0"],
    }));
    if (args.sshCidr) {
      ingress.push({ description: "SSH (configured)", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [args.sshCidr] });
    }
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        description: `${args.appName} (${args.stack}): app ports; shell through Session Manager`,
        vpcId: args.vpcId,
        ingress,
        egress: [{ description: "all out", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        tags: args.tags,
      },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-instance-role`,
      {
        description: `${args.appName} (${args.stack}) instance role`,
        assumeRolePolicy: assumeRolePolicyFor("ec2.amazonaws.com"),
        tags: args.tags,
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-instance-ssm`,
      // Session Manager and the SSM agent. This managed policy also lets the machine read the account's SSM
      // parameters (ssm:GetParameter* on *): a hand-copied subset would drift from what the agent needs as
      // AWS changes it, and apps commonly read their own parameters, so it is kept and said (README).
      { role: role.name, policyArn: managedPolicyArn(args.partition, "AmazonSSMManagedInstanceCore") },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-instance-access`,
      {
        role: role.id,
        policy: pulumi.all([args.revisionsBucketArn, args.region]).apply(([bucketArn, region]) =>
          JSON.stringify(instancePolicy(bucketArn, region, args.metricNamespace, args.partition)),
        ),
      },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-instance-profile`, { role: role.name, tags: args.tags }, parent);

    const availabilityZone = aws.ec2.getSubnetOutput({ id: args.subnetId }, parent).availabilityZone;
    const dataVolume =
      args.dataVolumeSizeGiB > 0
        ? new aws.ebs.Volume(
            `${name}-data`,
            {
              availabilityZone,
              size: args.dataVolumeSizeGiB,
              type: "gp3",
              encrypted: true,
              tags: { ...args.tags, [TAG.name]: `${stackResourceName(args.appName, args.stack)}-data` },
            },
            // The data outlives any machine version: deleting it takes an explicit unprotect.
            { ...parent, protect: true },
          )
        : undefined;

    const eip = new aws.ec2.Eip(
      `${name}-eip`,
      { domain: "vpc", tags: { ...args.tags, [TAG.name]: stackResourceName(args.appName, args.stack) } },
      parent,
    );

    const userData = pulumi
      .all([args.region, dataVolume?.id, eip.publicIp])
      .apply(([region, dataVolumeId, address]) =>
        renderUserData({
          appName: args.appName,
          stack: args.stack,
          region,
          dnsSuffix: args.dnsSuffix,
          healthPort: args.appPorts[0],
          healthPath: args.healthCheckPath,
          appDestination: args.appDestination,
          metricNamespace: args.metricNamespace,
          address,
          dataVolumeId,
          dataMountPath: DATA_MOUNT_PATH,
        }),
      );

    const machineName = stackResourceName(args.appName, args.stack);
    const standbySlot = otherSlot(args.liveSlot);
    const slot = (s: Slot) =>
      new MachineSlot(
        `${name}-${s}`,
        {
          slot: s,
          amiId: s === args.liveSlot ? args.liveAmiId : args.standbyAmiId,
          live: s === args.liveSlot,
          instanceType: args.instanceType,
          subnetId: args.subnetId,
          securityGroupId: sg.id,
          instanceProfileName: profile.name,
          rootVolumeSizeGiB: args.rootVolumeSizeGiB,
          userData,
          machineName,
          tags: args.tags,
          liveTags: args.liveTags,
          suppressDataDevice: args.dataVolumeSizeGiB > 0,
          // Stacks from before slots had one `<name>-instance`: blue adopts it, so moving over replaces nothing.
          adopts: s === "blue" ? { name: `${name}-instance`, parent: this } : undefined,
        },
        parent,
      );
    this.slots = { blue: slot("blue"), green: slot("green") };
    const live = this.slots[args.liveSlot];
    const standby = this.slots[standbySlot];

    // The order of a flip, made explicit (the engine otherwise runs independent steps in parallel):
    //   1. the new live machine is running (its power state first, never after the address is on it);
    //   2. with a data volume: it moves to the new live machine (the binding is replaced
    //      delete-before-replace: the old live machine is stopped, the volume detached, then attached);
    //   3. the address moves;
    //   4. then the standby's power state: the machine that stops is never the one serving.
    const power = (s: Slot, state: StandbyState, dependsOn: pulumi.Resource[]) => {
      const instance = this.slots[s].instance;
      return instance
        ? new aws.ec2transitgateway.InstanceState(`${name}-${s}-power`, { instanceId: instance.id, state }, { parent: this.slots[s], dependsOn })
        : undefined;
    };
    const livePower = power(args.liveSlot, "running", [])!;
    const attachment = dataVolume
      ? new aws.ec2.VolumeAttachment(
          `${name}-data-attachment`,
          { deviceName: DATA_DEVICE, volumeId: dataVolume.id, instanceId: live.instanceId, stopInstanceBeforeDetaching: true },
          { ...parent, deleteBeforeReplace: true, dependsOn: [livePower] },
        )
      : undefined;
    // Replaced when the live machine changes: the new association is made (AssociateAddress with
    // reassociation moves the address) before the old one is deleted, whose DisassociateAddress then
    // finds its association id gone and does nothing (terraform-provider-aws resource_aws_eip_association).
    const association = new aws.ec2.EipAssociation(
      `${name}-eip-association`,
      { allocationId: eip.allocationId, instanceId: live.instanceId, allowReassociation: true },
      { ...parent, dependsOn: attachment ? [livePower, attachment] : [livePower] },
    );
    power(standbySlot, args.standbyState, [association]);

    this.instanceId = live.instanceId;
    this.standbyInstanceId = standby.instanceId;
    this.standbyAddress = args.standbyState === "running" ? standby.publicIp : pulumi.output("");
    this.publicIp = eip.publicIp;
    this.allocationId = eip.allocationId;
    this.securityGroupId = sg.id;
    this.roleName = role.name;
    this.registerOutputs({
      instanceId: this.instanceId,
      standbyInstanceId: this.standbyInstanceId,
      standbyAddress: this.standbyAddress,
      publicIp: this.publicIp,
      allocationId: this.allocationId,
      securityGroupId: this.securityGroupId,
    });
  }
}

/** Least privilege for the instance: read its revisions and the CodeDeploy agent, publish its health. */
export function instancePolicy(bucketArn: string, region: string, metricNamespace: string, partition = "aws") {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadRevisions", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${bucketArn}/*` },
      { Sid: "ListRevisions", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
      {
        Sid: "ReadCodeDeployAgent",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: `arn:${partition}:s3:::aws-codedeploy-${region}/*`,
      },
      {
        // PutMetricData has no resource-level permissions; the namespace condition is its only scope.
        Sid: "PublishHealth",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricData"],
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": metricNamespace } },
      },
    ],
  };
}
