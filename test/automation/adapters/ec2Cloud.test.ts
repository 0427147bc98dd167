import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  CreateImageCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Ec2RollbackError } from "../../../automation/core/errors";
import { Ec2Cloud } from "../../../automation/adapters/ec2Cloud";

describe("EC2 adapter (AWS SDK v3)", function () {
  const ec2 = mockClient(EC2Client);
  const sts = mockClient(STSClient);
  const cloud = () => new Ec2Cloud(new EC2Client({ region: "eu-west-1" }), new STSClient({ region: "eu-west-1" }));
  beforeEach(() => {
    ec2.reset();
    sts.reset();
  });

  it("lists only images owned by this account whose name starts with the prefix, across pages", async () => {
    ec2
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [{ ImageId: "ami-1", Name: "myapp-v1.0.0", State: "available", CreationDate: "2026-11-01T00:00:00.000Z" }], NextToken: "t" })
      .resolvesOnce({
        Images: [
          {
            ImageId: "ami-2",
            Name: "myapp-v1.1.0",
            State: "available",
            OwnerId: "111122223333",
            Architecture: "x86_64",
            CreationDate: "2026-11-02T00:00:00.000Z",
            Tags: [{ Key: "Version", Value: "1.1.0" }],
            BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: "snap-1", VolumeSize: 20 } }],
          },
        ],
      });
    const images = await cloud().listOwnImages("myapp-v");
    expect(images.map((i) => i.id)).to.deep.equal(["ami-1", "ami-2"]);
    expect(images[1]).to.deep.include({ name: "myapp-v1.1.0", ownerId: "111122223333", architecture: "x86_64", tags: { Version: "1.1.0" } });
    expect(images[1].snapshots).to.deep.equal([{ id: "snap-1", sizeGiB: 20 }]);
    const input = ec2.commandCalls(DescribeImagesCommand)[0].args[0].input;
    expect(input).to.deep.include({ Owners: ["self"], Filters: [{ Name: "name", Values: ["myapp-v*"] }] });
  });

  it("finds an own image by exact name, newest first, and none as undefined", async () => {
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        { ImageId: "ami-old", Name: "myapp-v1.0.0", CreationDate: "2026-01-01T00:00:00Z" },
        { ImageId: "ami-new", Name: "myapp-v1.0.0", CreationDate: "2026-02-01T00:00:00Z" },
      ],
    });
    expect((await cloud().findOwnImageByName("myapp-v1.0.0"))!.id).to.equal("ami-new");
    expect(ec2.commandCalls(DescribeImagesCommand)[0].args[0].input).to.deep.equal({ Owners: ["self"], Filters: [{ Name: "name", Values: ["myapp-v1.0.0"] }] });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    expect(await cloud().findOwnImageByName("myapp-v9.0.0")).to.equal(undefined);
  });

  it("treats an unknown AMI id as missing", async () => {
    const err = Object.assign(new Error("The image id '[ami-0]' does not exist"), { name: "InvalidAMIID.NotFound" });
    ec2.on(DescribeImagesCommand).rejects(err);
    expect(await cloud().describeImage("ami-0")).to.equal(undefined);
  });

  it("reads instance state and both status checks", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: "i-1", State: { Name: "running" }, ImageId: "ami-2", InstanceType: "t3.micro" }] }] });
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [{ InstanceId: "i-1", SystemStatus: { Status: "ok" }, InstanceStatus: { Status: "initializing" } }],
    });
    expect(await cloud().describeInstance("i-1")).to.deep.include({ id: "i-1", state: "running", systemStatus: "ok", instanceStatus: "initializing", imageId: "ami-2" });
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)[0].args[0].input).to.deep.equal({ InstanceIds: ["i-1"], IncludeAllInstances: true });
  });

  it("asks for a machine and its status checks at once (one round trip), and a machine that does not exist is none", async () => {
    // DescribeInstances answers only once the status was asked for: asked one after the other, this would never end.
    ec2.on(DescribeInstancesCommand).callsFake(async () => {
      while (!ec2.commandCalls(DescribeInstanceStatusCommand).length) await new Promise((r) => setTimeout(r, 1));
      return { Reservations: [{ Instances: [{ InstanceId: "i-1", State: { Name: "running" }, ImageId: "ami-2", InstanceType: "t3.micro" }] }] };
    });
    ec2.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [{ InstanceId: "i-1", SystemStatus: { Status: "ok" }, InstanceStatus: { Status: "ok" } }] });
    const bounded = new Ec2Cloud(new EC2Client({ region: "eu-west-1" }), new STSClient({ region: "eu-west-1" }), 2000);
    expect(await bounded.describeInstance("i-1")).to.deep.include({ id: "i-1", state: "running", systemStatus: "ok" });
    const notFound = Object.assign(new Error("The instance ID 'i-9' does not exist"), { name: "InvalidInstanceID.NotFound" });
    ec2.on(DescribeInstancesCommand).rejects(notFound);
    ec2.on(DescribeInstanceStatusCommand).rejects(notFound);
    expect(await bounded.describeInstance("i-9")).to.equal(undefined);
  });

  it("reads the Elastic IP by allocation and the instance type's architectures", async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: "eipalloc-1", PublicIp: "203.0.113.10", InstanceId: "i-1" }] });
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [{ ProcessorInfo: { SupportedArchitectures: ["arm64"] } }] });
    expect(await cloud().describeAddress("eipalloc-1")).to.deep.equal({ publicIp: "203.0.113.10", instanceId: "i-1" });
    expect(await cloud().instanceTypeArchitectures("t4g.micro")).to.deep.equal(["arm64"]);
  });

  it("creates an image with the reboot choice and tags on the image and its snapshots", async () => {
    ec2.on(CreateImageCommand).resolves({ ImageId: "ami-new" });
    const id = await cloud().createImage({ instanceId: "i-1", name: "myapp-v1.3.0", description: "d", reboot: false, tags: { App: "myapp", Version: "1.3.0" } });
    expect(id).to.equal("ami-new");
    const input = ec2.commandCalls(CreateImageCommand)[0].args[0].input;
    expect(input).to.deep.include({ InstanceId: "i-1", Name: "myapp-v1.3.0", NoReboot: true });
    const tags = [
      { Key: "App", Value: "myapp" },
      { Key: "Version", Value: "1.3.0" },
    ];
    expect(input.TagSpecifications).to.deep.equal([
      { ResourceType: "image", Tags: tags },
      { ResourceType: "snapshot", Tags: tags },
    ]);
  });

  it("ends every call within its bound: a hung DescribeInstances is AWS_TIMEOUT, not a wait forever", async () => {
    ec2.on(DescribeInstancesCommand).callsFake(() => new Promise(() => undefined));
    ec2.on(DescribeInstanceStatusCommand).resolves({});
    const bounded = new Ec2Cloud(new EC2Client({ region: "eu-west-1" }), new STSClient({ region: "eu-west-1" }), 50);
    const t0 = Date.now();
    let e: unknown;
    try {
      await bounded.describeInstance("i-0123456789abcdef0");
    } catch (x) {
      e = x;
    }
    expect((e as Ec2RollbackError).code).to.equal("AWS_TIMEOUT");
    expect(Date.now() - t0).to.be.below(2000);
  });

  it("every client retries adaptively and ends a hung request instead of only warning", async () => {
    const { clientConfig } = await import("../../../automation/adapters/awsErrors");
    expect(clientConfig("eu-west-1")).to.deep.include({ region: "eu-west-1", maxAttempts: 3, retryMode: "adaptive" });
    expect(clientConfig("eu-west-1").requestHandler).to.include({ throwOnRequestTimeout: true });
    const c = new EC2Client(clientConfig("eu-west-1"));
    expect(await c.config.maxAttempts()).to.equal(3);
  });

  it("turns missing credentials into one line with the fix", async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    let e: unknown;
    try {
      await cloud().identity();
    } catch (x) {
      e = x;
    }
    expect(e).to.be.instanceOf(Ec2RollbackError);
    expect((e as Ec2RollbackError).code).to.equal("AWS_CREDENTIALS");
    expect((e as Error).message).to.equal(
      "no AWS credentials found, so nothing was sent: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again",
    );
  });

  it("asks STS once for the account", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/alice" });
    const c = cloud();
    await c.identity();
    expect(await c.identity()).to.deep.equal({ account: "111122223333", arn: "arn:aws:iam::111122223333:user/alice" });
    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
  });
});
