import { expect } from "chai";
import { describeStep } from "../../../automation/core/engineSteps";

describe("engine steps in plain words", () => {
  const step = (op: string, type: string, name: string, state?: string) => describeStep({ op, type, name, state });
  const INSTANCE = "aws:ec2/instance:Instance";
  const POWER = "aws:ec2transitgateway/instanceState:InstanceState";

  it("the machines, by slot: launched, replaced, removed, started, stopped", () => {
    expect(step("create", INSTANCE, "myapp-green")).to.equal("launching the machine (green)");
    expect(step("create-replacement", INSTANCE, "myapp-blue")).to.equal("launching a new machine (blue)");
    expect(step("delete-replaced", INSTANCE, "myapp-blue")).to.equal("removing the old machine (blue)");
    expect(step("delete", INSTANCE, "myapp-green")).to.equal("removing the machine (green)");
    expect(step("update", POWER, "myapp-green-power", "running")).to.equal("starting the machine (green)");
    expect(step("create", POWER, "myapp-blue-power", "stopped")).to.equal("stopping the machine (blue)");
    expect(step("delete", POWER, "myapp-blue-power")).to.equal(undefined);
  });

  it("the address and the data volume", () => {
    expect(step("create-replacement", "aws:ec2/eipAssociation:EipAssociation", "myapp-eip-association")).to.equal("moving the address");
    expect(step("delete-replaced", "aws:ec2/eipAssociation:EipAssociation", "myapp-eip-association")).to.equal(undefined);
    expect(step("delete-replaced", "aws:ec2/volumeAttachment:VolumeAttachment", "myapp-data-attachment")).to.equal("detaching the data volume (its machine stops first)");
    expect(step("create-replacement", "aws:ec2/volumeAttachment:VolumeAttachment", "myapp-data-attachment")).to.equal("attaching the data volume");
  });

  it("anything else by its service and kind; steps that change nothing say nothing", () => {
    expect(step("update", "aws:cloudwatch/metricAlarm:MetricAlarm", "myapp-app-health")).to.equal("updating cloudwatch MetricAlarm myapp-app-health");
    for (const op of ["same", "read", "replace", "discard"]) expect(step(op, INSTANCE, "myapp-blue"), op).to.equal(undefined);
  });
});
