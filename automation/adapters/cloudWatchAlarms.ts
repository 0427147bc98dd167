// AlarmPort over CloudWatch (AWS SDK v3): the stack's alarms, watched during a bake.
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { AlarmPort, AlarmState } from "../core/ports";
import { aws, clientConfig, withErrorContext } from "./awsErrors";

export class CloudWatchAlarms implements AlarmPort {
  constructor(private readonly cw: CloudWatchClient) {}

  /** The adapter over a client of the stack's region, with the settings and error context every client gets. */
  static forRegion(region: string): CloudWatchAlarms {
    return new CloudWatchAlarms(withErrorContext(new CloudWatchClient(clientConfig(region))));
  }

  states(names: string[]): Promise<AlarmState[]> {
    if (!names.length) return Promise.resolve([]);
    return aws(async () => {
      // DescribeAlarms takes at most 100 names; a stack has two.
      const r = await this.cw.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(0, 100), AlarmTypes: ["MetricAlarm"] }));
      return (r.MetricAlarms ?? []).map((a) => ({
        name: a.AlarmName ?? "?",
        state: a.StateValue ?? "INSUFFICIENT_DATA",
        reason: a.StateReason,
        since: a.StateTransitionedTimestamp,
        windowMs: a.Period && a.EvaluationPeriods ? a.Period * a.EvaluationPeriods * 1000 : undefined,
      }));
    });
  }
}
