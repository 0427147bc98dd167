import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";

export interface NetworkArgs {
  /** Use this existing subnet instead of creating a VPC. */
  subnetId?: string;
  tags: Record<string, string>;
}

/**
 * Where the instance lives. By default a small VPC of its own (one public subnet in one AZ,
 * no NAT gateway: costs nothing and does not depend on the account still having a default VPC).
 * The instance is always placed in the first subnet, so replacements stay in one AZ, which a
 * data volume (AZ-bound) needs.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly subnetId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ec2-rollback:index:Network", name, {}, opts);

    if (args.subnetId) {
      const subnet = aws.ec2.getSubnetOutput({ id: args.subnetId }, { parent: this });
      this.vpcId = subnet.vpcId;
      this.subnetId = subnet.id;
    } else {
      const vpc = new awsx.ec2.Vpc(
        `${name}-vpc`,
        {
          cidrBlock: "10.80.0.0/16",
          numberOfAvailabilityZones: 1,
          subnetStrategy: "Auto",
          subnetSpecs: [{ type: awsx.ec2.SubnetType.Public, cidrMask: 24 }],
          natGateways: { strategy: awsx.ec2.NatGatewayStrategy.None },
          enableDnsHostnames: true,
          tags: args.tags,
        },
        { parent: this },
      );
      this.vpcId = vpc.vpcId;
      this.subnetId = vpc.publicSubnetIds.apply((ids) => ids[0]);
    }

    this.registerOutputs({ vpcId: this.vpcId, subnetId: this.subnetId });
  }
}
