// The deployment history over CodeDeploy: every page of ListDeployments, read 25 at a time.
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { BatchGetDeploymentsCommand, CodeDeployClient, ListDeploymentsCommand } from "@aws-sdk/client-codedeploy";
import { CodeDeployService } from "../../../automation/adapters/codeDeploy";

const T = Date.UTC(2026, 0, 1);
/** d-0 … d-249: d-249 the newest; ListDeployments pages of 100, newest first. */
const IDS = Array.from({ length: 250 }, (_, n) => `d-${249 - n}`);

describe("CodeDeploy deployment history", function () {
  const cd = mockClient(CodeDeployClient);
  const service = () => new CodeDeployService(new CodeDeployClient({ region: "eu-west-1" }));
  let inFlight = 0;
  let mostInFlight = 0;

  beforeEach(() => {
    cd.reset();
    inFlight = mostInFlight = 0;
    cd.on(ListDeploymentsCommand).callsFake(async (input) => {
      const from = Number(input.nextToken ?? 0);
      return { deployments: IDS.slice(from, from + 100), nextToken: from + 100 < IDS.length ? String(from + 100) : undefined };
    });
    cd.on(BatchGetDeploymentsCommand).callsFake(async (input) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (input.deploymentIds!.length > 25) throw new Error("BatchGetDeployments takes at most 25 ids");
      return {
        deploymentsInfo: input.deploymentIds!.map((id: string) => ({
          deploymentId: id,
          status: "Succeeded",
          createTime: new Date(T + Number(id.slice(2)) * 60_000),
          revision: { revisionType: "S3" as const, s3Location: { bucket: "b", key: `myapp/1.0.${id.slice(2)}.zip`, bundleType: "zip" as const } },
        })),
      };
    });
  });

  it("with 250 deployments and no limit: every page, every deployment, newest first, in batches of 25, at most 4 at a time", async () => {
    const all = await service().recentDeployments("myapp-dev", "myapp-dev", Infinity);
    expect(all.map((d) => d.id)).to.deep.equal(IDS);
    expect(all.at(-1)!.revision!.key).to.equal("myapp/1.0.0.zip");
    expect(cd.commandCalls(ListDeploymentsCommand).map((c) => c.args[0].input.nextToken)).to.deep.equal([undefined, "100", "200"]);
    const batches = cd.commandCalls(BatchGetDeploymentsCommand).map((c) => c.args[0].input.deploymentIds!.length);
    expect(batches).to.have.length(10);
    expect(Math.max(...batches)).to.equal(25);
    expect(mostInFlight).to.be.within(2, 4);
  });

  it("with a limit: only the pages and batches it needs", async () => {
    const recent = await service().recentDeployments("myapp-dev", "myapp-dev", 100);
    expect(recent.map((d) => d.id)).to.deep.equal(IDS.slice(0, 100));
    expect(cd.commandCalls(ListDeploymentsCommand)).to.have.length(1);
    expect(cd.commandCalls(BatchGetDeploymentsCommand)).to.have.length(4);
  });
});
