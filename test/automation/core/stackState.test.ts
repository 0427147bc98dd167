import { expect } from "chai";
import { requireOutputs } from "../../../automation/core/stackState";
import { Ec2RollbackError } from "../../../automation/core/errors";

describe("requireOutputs: the outputs a command needs", () => {
  const failure = (f: () => unknown): Ec2RollbackError => {
    try {
      f();
    } catch (e) {
      return e as Ec2RollbackError;
    }
    throw new Error("it did not fail");
  };

  it("names exactly the one output missing, not every output it asked for", () => {
    const e = failure(() => requireOutputs("dev", { instanceId: "i-1", backupVaultName: "myapp-dev" }, ["instanceId", "backupVaultName", "backupRoleArn"]));
    expect(e.code).to.equal("STACK_NOT_READY");
    expect(e.message).to.equal('stack "dev" has no backupRoleArn output; run `pulumi up --stack dev` first');
  });

  it("names each missing one (an empty output counts as missing), and only those", () => {
    const e = failure(() => requireOutputs("prod", { instanceId: "", backupVaultName: "v" }, ["instanceId", "backupVaultName", "backupRoleArn", "publicIp"]));
    expect(e.message).to.equal('stack "prod" has no instanceId, backupRoleArn and publicIp outputs; run `pulumi up --stack prod` first');
  });

  it("returns the outputs when all are there", () => {
    const outputs = { instanceId: "i-1", publicIp: "203.0.113.10" };
    expect(requireOutputs("dev", outputs, ["instanceId", "publicIp"])).to.equal(outputs);
  });
});
