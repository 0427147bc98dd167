// One component on its own, under Pulumi's mocks (as pulumi-awsx tests its components).
import { expect } from "chai";
import { Alarms } from "../../components/alarms";
import { alarmName, HEALTH_METRIC, metricNamespace } from "../../contract/naming";
import { byType, one, runComponent } from "../helpers/pulumiMocks";

describe("component: Alarms", function () {
  it("declares the status-check and app-health alarms under their contract names, and exports those names", async () => {
    const run = await runComponent(() => {
      const a = new Alarms("myapp", { appName: "myapp", stack: "prod", instanceId: "i-0123456789abcdef0", metricNamespace: metricNamespace("myapp"), tags: {} });
      return { alarmNames: a.alarmNames };
    }, "prod");
    const alarms = byType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => r.inputs);
    expect(alarms.map((a) => a.name)).to.deep.equal([alarmName("myapp", "prod", "status-check"), alarmName("myapp", "prod", "app-health")]);
    expect(run.outputs.alarmNames).to.deep.equal(alarms.map((a) => a.name));
    const health = alarms.find((a) => a.metricName === HEALTH_METRIC)!;
    expect(health).to.include({ namespace: "ec2-rollback/myapp", evaluationPeriods: 5, period: 60, treatMissingData: "notBreaching" });
    expect(alarms.find((a) => a.metricName === "StatusCheckFailed")!.dimensions).to.deep.equal({ InstanceId: "i-0123456789abcdef0" });
    expect(byType(run, "aws:sns/topic:Topic")).to.have.length(0);
    expect(one(run, "ec2-rollback:index:Alarms").custom).to.equal(false);
  });
});
