import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DATA_DEVICE, DATA_MOUNT_PATH, stackResourceName, TAG } from "../contract/naming";
import { renderUserData } from "./userData";
import { assumeRolePolicyFor } from "./iam";

export interface ServerArgs {
  appName: string;
  stack: string;
  region: pulumi.Input<string>;
  amiId: pulumi.Input<string>;
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
  /** Extra tags on the instance only: what the deployment group and backup selection match. */
  instanceTags: Record<string, string>;
}

/**
 * The machine and its address. Changing `amiId` replaces the instance (create-before-delete):
 * the new instance starts, the Elastic IP is re-associated to it (allowReassociation), then the
 * old one is terminated. The allocation itself never changes, so the public address stays.
 */
export class Server extends pulumi.ComponentResource {
  public readonly instance: aws.ec2.Instance;
  public readonly instanceId: pulumi.Output<string>;
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
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-instance-access`,
      {
        role: role.id,
        policy: pulumi.all([args.revisionsBucketArn, args.region]).apply(([bucketArn, region]) =>
          JSON.stringify(instancePolicy(bucketArn, region, args.metricNamespace)),
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

    const userData = pulumi
      .all([args.region, dataVolume?.id])
      .apply(([region, dataVolumeId]) =>
        renderUserData({
          appName: args.appName,
          stack: args.stack,
          region,
          healthPort: args.appPorts[0],
          healthPath: args.healthCheckPath,
          appDestination: args.appDestination,
          metricNamespace: args.metricNamespace,
          dataVolumeId,
          dataMountPath: DATA_MOUNT_PATH,
        }),
      );

    this.instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: args.amiId,
        instanceType: args.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [sg.id],
        iamInstanceProfile: profile.name,
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
        rootBlockDevice: {
          volumeType: "gp3",
          volumeSize: args.rootVolumeSizeGiB,
          encrypted: true,
          deleteOnTermination: true,
          tags: { ...args.tags, [TAG.name]: `${stackResourceName(args.appName, args.stack)}-root` },
        },
        userData,
        userDataReplaceOnChange: false,
        tags: { ...args.tags, ...args.instanceTags, [TAG.name]: stackResourceName(args.appName, args.stack) },
      },
      parent,
    );

    const eip = new aws.ec2.Eip(
      `${name}-eip`,
      { domain: "vpc", tags: { ...args.tags, [TAG.name]: stackResourceName(args.appName, args.stack) } },
      parent,
    );
    new aws.ec2.EipAssociation(
      `${name}-eip-association`,
      { allocationId: eip.allocationId, instanceId: this.instance.id, allowReassociation: true },
      parent,
    );

    if (dataVolume) {
      // An EBS volume attaches to one instance at a time, so this binding is replaced
      // delete-before-replace: the old instance is stopped, the volume detached, then attached to the new one.
      new aws.ec2.VolumeAttachment(
        `${name}-data-attachment`,
        { deviceName: DATA_DEVICE, volumeId: dataVolume.id, instanceId: this.instance.id, stopInstanceBeforeDetaching: true },
        { ...parent, deleteBeforeReplace: true },
      );
    }

    this.instanceId = this.instance.id;
    this.publicIp = eip.publicIp;
    this.allocationId = eip.allocationId;
    this.securityGroupId = sg.id;
    this.roleName = role.name;
    this.registerOutputs({
      instanceId: this.instanceId,
      publicIp: this.publicIp,
      allocationId: this.allocationId,
      securityGroupId: this.securityGroupId,
    });
  }
}

/** Least privilege for the instance: read its revisions and the CodeDeploy agent, publish its health. */
export function instancePolicy(bucketArn: string, region: string, metricNamespace: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadRevisions", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${bucketArn}/*` },
      { Sid: "ListRevisions", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
      {
        Sid: "ReadCodeDeployAgent",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: `arn:aws:s3:::aws-codedeploy-${region}/*`,
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
