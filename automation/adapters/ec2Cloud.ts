// CloudPort over the AWS SDK v3 (EC2 + STS). Region from the stack; credentials and endpoint from
// the SDK's standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID…, AWS_ENDPOINT_URL, SSO, instance roles).
import {
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  Image,
  paginateDescribeImages,
  _InstanceType,
} from "@aws-sdk/client-ec2";
import type { STSClient } from "@aws-sdk/client-sts";
import { AddressInfo, CloudPort, Identity, InstanceHealth, MachineImage } from "../core/ports";
import { aws, AWS_CALL_DEADLINE_MS, clientConfig, withErrorContext } from "./awsErrors";
import { CallerIdentity, stsClientFor } from "./callerIdentity";

function tagsOf(tags?: { Key?: string; Value?: string }[]): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ""]));
}

export function toMachineImage(i: Image): MachineImage {
  return {
    id: i.ImageId!,
    name: i.Name ?? "",
    state: i.State ?? "unknown",
    ownerId: i.OwnerId ?? "",
    architecture: i.Architecture ?? "",
    createdAt: new Date(i.CreationDate ?? 0),
    tags: tagsOf(i.Tags),
    snapshots: (i.BlockDeviceMappings ?? [])
      .filter((b) => b.Ebs?.SnapshotId)
      .map((b) => ({ id: b.Ebs!.SnapshotId!, sizeGiB: b.Ebs!.VolumeSize ?? 0 })),
    stateReason: i.StateReason?.Message,
  };
}

export class Ec2Cloud implements CloudPort {
  private readonly caller: CallerIdentity;

  constructor(
    private readonly ec2: EC2Client,
    /** STS, loaded only by the commands that ask who the caller is. */
    sts: STSClient | (() => Promise<STSClient>),
    /** The bound on each call (AWS_CALL_DEADLINE_MS; tests shorten it). */
    private readonly deadlineMs = AWS_CALL_DEADLINE_MS,
  ) {
    this.caller = new CallerIdentity(sts, deadlineMs);
  }

  private call<T>(f: () => Promise<T>): Promise<T> {
    return aws(f, this.deadlineMs);
  }

  static forRegion(region: string): Ec2Cloud {
    return new Ec2Cloud(withErrorContext(new EC2Client(clientConfig(region))), stsClientFor(region));
  }

  identity(): Promise<Identity> {
    return this.caller.identity();
  }

  async listOwnImages(prefix: string): Promise<MachineImage[]> {
    return this.call(async () => {
      const out: MachineImage[] = [];
      const pages = paginateDescribeImages({ client: this.ec2 }, { Owners: ["self"], Filters: [{ Name: "name", Values: [`${prefix}*`] }] });
      for await (const page of pages) for (const i of page.Images ?? []) out.push(toMachineImage(i));
      return out;
    });
  }

  async findOwnImageByName(name: string): Promise<MachineImage | undefined> {
    return this.call(async () => {
      const r = await this.ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [name] }] }));
      const images = (r.Images ?? []).map(toMachineImage).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      return images[0];
    });
  }

  async describeImage(id: string): Promise<MachineImage | undefined> {
    return this.call(async () => {
      try {
        const r = await this.ec2.send(new DescribeImagesCommand({ ImageIds: [id] }));
        return r.Images?.[0] ? toMachineImage(r.Images[0]) : undefined;
      } catch (e) {
        if ((e as Error).name === "InvalidAMIID.NotFound" || (e as Error).name === "InvalidAMIID.Unavailable") return undefined;
        throw e;
      }
    });
  }

  async instanceTypeArchitectures(instanceType: string): Promise<string[]> {
    return this.call(async () => {
      const r = await this.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] }));
      return (r.InstanceTypes?.[0]?.ProcessorInfo?.SupportedArchitectures ?? []).map(String);
    });
  }

  async describeInstance(id: string): Promise<InstanceHealth | undefined> {
    return this.call(async () => {
      // Both asked at once (one round trip, not two); the status answers only for a machine that exists.
      const status = this.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }));
      status.catch(() => undefined); // awaited below, unless there is no such machine
      let instance;
      try {
        const r = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
        instance = r.Reservations?.[0]?.Instances?.[0];
      } catch (e) {
        if ((e as Error).name === "InvalidInstanceID.NotFound") return undefined;
        throw e;
      }
      if (!instance) return undefined;
      const s = await status;
      const st = s.InstanceStatuses?.[0];
      return {
        id,
        state: instance.State?.Name ?? "unknown",
        imageId: instance.ImageId ?? "",
        instanceType: instance.InstanceType ?? "",
        systemStatus: st?.SystemStatus?.Status,
        instanceStatus: st?.InstanceStatus?.Status,
        launchTime: instance.LaunchTime,
        publicIp: instance.PublicIpAddress,
      };
    });
  }

  async describeAddress(allocationId: string): Promise<AddressInfo | undefined> {
    return this.call(async () => {
      const r = await this.ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }));
      const a = r.Addresses?.[0];
      return a ? { publicIp: a.PublicIp!, instanceId: a.InstanceId } : undefined;
    });
  }

  async createImage(o: { instanceId: string; name: string; description: string; reboot: boolean; tags: Record<string, string>; omitDevices?: string[] }): Promise<string> {
    return this.call(async () => {
      const Tags = Object.entries(o.tags).map(([Key, Value]) => ({ Key, Value }));
      const r = await this.ec2.send(
        new CreateImageCommand({
          InstanceId: o.instanceId,
          Name: o.name,
          Description: o.description,
          NoReboot: !o.reboot,
          // NoDevice "" omits the device from the image's block device mapping (EC2 API BlockDeviceMapping).
          BlockDeviceMappings: o.omitDevices?.length ? o.omitDevices.map((DeviceName) => ({ DeviceName, NoDevice: "" })) : undefined,
          TagSpecifications: [
            { ResourceType: "image", Tags },
            { ResourceType: "snapshot", Tags },
          ],
        }),
      );
      return r.ImageId!;
    });
  }

  async deregisterImage(id: string): Promise<void> {
    await this.call(() => this.ec2.send(new DeregisterImageCommand({ ImageId: id })));
  }

  async deleteSnapshot(id: string): Promise<void> {
    await this.call(() => this.ec2.send(new DeleteSnapshotCommand({ SnapshotId: id })));
  }
}
