import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { alarmName, alarmTopicName, HEALTH_METRIC, healthMetricDimensions, stackResourceName } from "../contract/naming";

export interface AlarmsArgs {
  appName: string;
  stack: string;
  instanceId: pulumi.Input<string>;
  /** Namespace of the health metric the instance's probe publishes. */
  metricNamespace: string;
  /** When set: an SNS topic with this e-mail subscribed receives every alarm. */
  email?: string;
  tags: Record<string, string>;
}

/** Minutes the app must fail its health check in a row before the app-health alarm fires. */
export const APP_HEALTH_MINUTES = 5;

/**
 * What CodeDeploy watches to stop and roll back a deployment, and what tells the owner:
 * - status check: the machine (EC2 system or instance check failing for 2 minutes);
 * - app health: the app on the instance stopped answering its health path for 5 minutes in a row.
 * Names are fixed per stack, so the deployment group's list does not change when the instance does.
 */
export class Alarms extends pulumi.ComponentResource {
  public readonly alarmNames: pulumi.Output<string[]>;
  public readonly topicArn?: pulumi.Output<string>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ec2-rollback:index:Alarms", name, {}, opts);
    const parent = { parent: this };
    const prefix = stackResourceName(args.appName, args.stack);

    let actions: pulumi.Output<string>[] = [];
    if (args.email) {
      const topic = new aws.sns.Topic(`${name}-alarm-topic`, { name: alarmTopicName(args.appName, args.stack), tags: args.tags }, parent);
      new aws.sns.TopicSubscription(`${name}-alarm-email`, { topic: topic.arn, protocol: "email", endpoint: args.email }, parent);
      this.topicArn = topic.arn;
      actions = [topic.arn];
    }

    const statusCheck = new aws.cloudwatch.MetricAlarm(
      `${name}-status-check`,
      {
        name: alarmName(args.appName, args.stack, "status-check"),
        alarmDescription: `${prefix}: EC2 status check failing (machine or OS)`,
        namespace: "AWS/EC2",
        metricName: "StatusCheckFailed",
        dimensions: { InstanceId: args.instanceId },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 2,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "missing",
        alarmActions: actions,
        okActions: actions,
        tags: args.tags,
      },
      parent,
    );
    const appHealth = new aws.cloudwatch.MetricAlarm(
      `${name}-app-health`,
      {
        name: alarmName(args.appName, args.stack, "app-health"),
        alarmDescription: `${prefix}: the app does not answer its health check on the instance`,
        namespace: args.metricNamespace,
        metricName: HEALTH_METRIC,
        dimensions: healthMetricDimensions(args.appName, args.stack),
        statistic: "Maximum",
        period: 60,
        // Five failing minutes in a row: a normal deployment keeps the app down for a minute or two
        // (stop, install, start, validate) and must not be stopped by its own downtime; a broken release
        // is caught sooner by its ValidateService hook.
        evaluationPeriods: APP_HEALTH_MINUTES,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // No data = nothing deployed yet, or the machine is being replaced: not an app failure.
        treatMissingData: "notBreaching",
        alarmActions: actions,
        okActions: actions,
        tags: args.tags,
      },
      parent,
    );

    this.alarmNames = pulumi.all([statusCheck.name, appHealth.name]);
    this.registerOutputs({ alarmNames: this.alarmNames, topicArn: this.topicArn });
  }
}
