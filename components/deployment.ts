import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { codeDeployName } from "../contract/naming";
import { assumeRolePolicyFor, managedPolicyArn } from "./iam";

export interface DeploymentArgs {
  appName: string;
  stack: string;
  /** The instance tag the deployment group targets. */
  targetTag: { key: string; value: string };
  /** Alarms that stop a deployment and roll it back. */
  alarmNames: pulumi.Input<string[]>;
  tags: Record<string, string>;
  /** The AWS partition for managed policy ARNs. */
  partition: string;
}

/**
 * CodeDeployDefault.AllAtOnce is the one predefined config that works with ONE instance: its
 * minimum healthy hosts is 0, so the only instance may be taken out for the deployment and the
 * deployment succeeds when that instance succeeds. OneAtATime/HalfAtATime or a custom config with
 * a minimum of 1 healthy host can never be met by a group of one (CodeDeploy refuses to start, or
 * fails the deployment), since an in-place deployment always takes the instance out.
 */
export const DEPLOYMENT_CONFIG = "CodeDeployDefault.AllAtOnce";

/** CodeDeploy application + deployment group, in place, rolling back by itself on failure or alarm. */
export class Deployment extends pulumi.ComponentResource {
  public readonly applicationName: pulumi.Output<string>;
  public readonly deploymentGroupName: pulumi.Output<string>;

  constructor(name: string, args: DeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ec2-rollback:index:Deployment", name, {}, opts);
    const parent = { parent: this };
    const fullName = codeDeployName(args.appName, args.stack);

    const role = new aws.iam.Role(
      `${name}-codedeploy-role`,
      {
        description: `CodeDeploy service role for ${fullName}`,
        assumeRolePolicy: assumeRolePolicyFor("codedeploy.amazonaws.com"),
        tags: args.tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicyAttachment(
      `${name}-codedeploy-role-policy`,
      { role: role.name, policyArn: managedPolicyArn(args.partition, "service-role/AWSCodeDeployRole") },
      parent,
    );

    const app = new aws.codedeploy.Application(`${name}-codedeploy-app`, { name: fullName, computePlatform: "Server", tags: args.tags }, parent);
    const group = new aws.codedeploy.DeploymentGroup(
      `${name}-codedeploy-group`,
      {
        appName: app.name,
        deploymentGroupName: fullName,
        serviceRoleArn: role.arn,
        deploymentConfigName: DEPLOYMENT_CONFIG,
        deploymentStyle: { deploymentType: "IN_PLACE", deploymentOption: "WITHOUT_TRAFFIC_CONTROL" },
        ec2TagSets: [{ ec2TagFilters: [{ key: args.targetTag.key, value: args.targetTag.value, type: "KEY_AND_VALUE" }] }],
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
        alarmConfiguration: { enabled: true, alarms: args.alarmNames, ignorePollAlarmFailure: false },
        tags: args.tags,
      },
      { ...parent, dependsOn: [policy] },
    );

    this.applicationName = app.name;
    this.deploymentGroupName = group.deploymentGroupName;
    this.registerOutputs({ applicationName: this.applicationName, deploymentGroupName: this.deploymentGroupName });
  }
}
