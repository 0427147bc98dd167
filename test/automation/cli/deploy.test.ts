// `deploy` as users run it: the real CLI, a stand-in `pulumi`, local S3/CodeDeploy/STS endpoints.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startFakeDeployAws } from "../../bench/fakeDeployAws";
import { cli, standInEnv } from "../../helpers/cli";
import { installStubPulumi, stubState } from "../../helpers/pulumiStub";

describe("ec2-rollback deploy (spawned)", function () {
  this.timeout(30_000);

  it("takes no operation record and never loads EC2's SDK client (it asks STS alone who deploys)", async () => {
    const state = stubState();
    state.outputs = { ...state.outputs, revisionsBucket: "myapp-revisions-t", applicationName: "myapp-dev", deploymentGroupName: "myapp-dev" };
    const stub = installStubPulumi(state);
    const aws = await startFakeDeployAws();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-deploy-"));
    try {
      const app = path.join(dir, "app");
      fs.mkdirSync(app);
      fs.writeFileSync(path.join(app, "index.html"), "<h1>hi</h1>\n");
      // Written as the process exits: the AWS SDK clients it loaded.
      const probe = path.join(dir, "probe.js");
      const loaded = path.join(dir, "loaded.json");
      fs.writeFileSync(probe, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require.cache).filter((f) => /@aws-sdk[\\\\/]client-/.test(f)).map((f) => f.match(/client-[a-z0-9-]+/)[0]))));\n`);
      const r = await cli(["deploy", app, "--version", "1.0.0", "--yes", "--no-wait", "--json", "-C", stub.projectDir], { ...standInEnv(aws.url), NODE_OPTIONS: `--require ${probe}` });
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.deep.include({ deploymentId: "d-BENCH", version: "1.0.0", status: "Created" });
      expect(aws.calls).to.include.members(["PutObject", "CreateDeployment"]);
      const pulumi = stub.calls().map((c) => c.args.slice(0, 3).join(" "));
      expect(pulumi.filter((c) => /^stack tag (set|rm)/.test(c)), "no record written or removed").to.deep.equal([]);
      expect(pulumi, "refused while a record is on: the tags are read").to.include("stack tag ls");
      const clients = new Set(JSON.parse(fs.readFileSync(loaded, "utf8")) as string[]);
      expect([...clients]).to.include.members(["client-s3", "client-codedeploy", "client-sts"]);
      expect(clients.has("client-ec2"), [...clients].join(", ")).to.equal(false);
    } finally {
      stub.restorePath();
      await aws.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
