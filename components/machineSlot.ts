import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DATA_DEVICE, Slot, TAG } from "../contract/naming";

export interface MachineSlotArgs {
  slot: Slot;
  /** The AMI this slot runs; undefined = the slot has no machine. */
  amiId?: pulumi.Input<string>;
  /** Serves: holds the address and carries the tags the deployment group and backup selection match. */
  live: boolean;
  instanceType: string;
  subnetId: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  instanceProfileName: pulumi.Input<string>;
  rootVolumeSizeGiB: number;
  userData: pulumi.Input<string>;
  /** Name of the machine (`myapp-dev`); the slot is appended. */
  machineName: string;
  tags: Record<string, string>;
  /** Tags only the live machine carries. */
  liveTags: Record<string, string>;
  /** Leave the data volume's device out of the machine, whatever the AMI maps there. */
  suppressDataDevice: boolean;
  /** The resource this slot's machine was before slots existed (the single `<name>-instance`), to adopt it in place. */
  adopts?: { name: string; parent: pulumi.Resource };
}

/**
 * One of the two machines. Its instance is replaced only when its own AMI changes: which slot is live
 * changes only tags here (the address, alarms and power state hang on the machine from outside).
 */
export class MachineSlot extends pulumi.ComponentResource {
  public readonly instance?: aws.ec2.Instance;
  /** "" when the slot has no machine. */
  public readonly instanceId: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;

  constructor(name: string, args: MachineSlotArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ec2-rollback:index:MachineSlot", name, {}, opts);
    if (args.amiId !== undefined) {
      this.instance = new aws.ec2.Instance(
        name,
        {
          ami: args.amiId,
          instanceType: args.instanceType,
          subnetId: args.subnetId,
          vpcSecurityGroupIds: [args.securityGroupId],
          iamInstanceProfile: args.instanceProfileName,
          metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
          rootBlockDevice: {
            volumeType: "gp3",
            volumeSize: args.rootVolumeSizeGiB,
            encrypted: true,
            deleteOnTermination: true,
            tags: { ...args.tags, [TAG.name]: `${args.machineName}-${args.slot}-root` },
          },
          // A checkpoint or recovery point of a machine with the data volume maps the volume's device; a
          // machine launched from it must not get a stale copy (nor take the device the real volume needs).
          ephemeralBlockDevices: args.suppressDataDevice ? [{ deviceName: DATA_DEVICE, noDevice: true }] : undefined,
          userData: args.userData,
          tags: {
            ...args.tags,
            ...(args.live ? args.liveTags : {}),
            [TAG.name]: `${args.machineName}-${args.slot}`,
            [TAG.slot]: args.slot,
            [TAG.role]: args.live ? "live" : "standby",
          },
        },
        {
          parent: this,
          aliases: args.adopts ? [{ name: args.adopts.name, parent: args.adopts.parent }] : undefined,
          // User data runs once, at a machine's first boot; a change reaches the machines launched after it
          // (every release onto the standby slot) instead of stopping and starting the running ones for
          // nothing. The device mapping is a launch setting too: an existing machine is never replaced for it.
          ignoreChanges: ["userData", "ephemeralBlockDevices"],
        },
      );
    }
    this.instanceId = this.instance?.id ?? pulumi.output("");
    this.publicIp = this.instance?.publicIp ?? pulumi.output("");
    this.registerOutputs({ instanceId: this.instanceId, publicIp: this.publicIp });
  }
}
