import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cli, CliWorld, cliWorld } from "../../helpers/cli";
import { FakeAws } from "../../helpers/fakeAwsEndpoint";
import { Stub, stubState } from "../../helpers/pulumiStub";

describe("ec2-rollback CLI (spawned)", function () {
  this.timeout(30000);

  it("--help lists every command and answers fast", async () => {
    const r = await cli(["--help"]);
    expect(r.code).to.equal(0);
    for (const c of ["status", "versions", "checkpoint", "rollback", "deploy", "revisions", "app-rollback", "backup", "prune"]) expect(r.stdout).to.match(new RegExp(`^  ${c}\\b`, "m"));
    expect(r.stderr).to.equal("");
    expect(r.ms).to.be.below(2000);
  });

  it("exits 2 on usage errors", async () => {
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include("unknown command 'frobnicate'");
    const missing = await cli(["checkpoint"]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include("missing required argument 'version'");
    const badTimeout = await cli(["rollback", "1.2.2", "--verify-timeout", "soon", "-C", os.tmpdir()]);
    expect(badTimeout.code).to.equal(2);
    expect(badTimeout.stderr).to.equal('ec2-rollback: --verify-timeout "soon" is not a positive number of minutes\n');
  });

  it("outside a project: one line with the fix, exit 1", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-empty-"));
    const r = await cli(["status"], {}, dir);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`ec2-rollback: no Pulumi.yaml in ${fs.realpathSync(dir)} or any folder above it: run ec2-rollback inside the project folder or pass --cwd <dir>\n`);
  });

  it("without the Pulumi CLI: one line with the fix, and --json gets an error object", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-proj-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: ec2-rollback\nruntime: nodejs\n");
    const r = await cli(["status", "--json", "-C", dir], { PATH: path.dirname(process.execPath), PULUMI_BACKEND_URL: `file://${dir}` });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal("ec2-rollback: the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again\n");
    expect(JSON.parse(r.stdout)).to.deep.equal({
      error: {
        message: "the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again",
        code: "PULUMI_MISSING",
        exitCode: 1,
      },
    });
  });

  describe("with a stub pulumi and a local AWS endpoint", function () {
    let stub: Stub;
    let aws: FakeAws;
    let env: NodeJS.ProcessEnv;
    let impaired: Set<string>;
    let world: CliWorld;
    beforeEach(async () => {
      world = await cliWorld();
      ({ stub, aws, env, impaired } = world);
    });
    afterEach(() => world.close());

    it("versions --json: this app's AMIs, newest first, the pinned one marked", async () => {
      stub.setState({ ...stubState(), holdMs: 400 });
      const r = await cli(["versions", "--json", "-C", stub.projectDir], env);
      expect(r.stderr).to.equal("");
      expect(r.code).to.equal(0);
      const v = JSON.parse(r.stdout);
      expect(v.map((x: any) => [x.version, x.name, x.amiId, x.source, x.current])).to.deep.equal([
        ["1.2.3", "myapp-v1.2.3", "ami-0000000000000123a", "checkpoint", true],
        ["1.2.2", "myapp-v1.2.2", "ami-0000000000000122a", "checkpoint", false],
      ]);
      expect(v[0].createdAt).to.equal("2026-11-20T00:00:00.000Z");
      // No STS first, no Automation API: config and outputs read side by side (versions reads no tags), one `pulumi` call in a row,
      // and never `pulumi stack select` (which would change the user's selected stack) or `pulumi version`.
      expect(aws.actions).to.deep.equal(["DescribeImages"]);
      expect(stub.calls().map((c) => c.args.slice(0, 2).join(" ")).sort()).to.deep.equal(["config --show-secrets", "stack output"]);
      expect(stub.rounds()).to.equal(1);
    });

    it("finds Pulumi.yaml in a folder above, as Pulumi does", async () => {
      const sub = path.join(stub.projectDir, "app", "scripts");
      fs.mkdirSync(sub, { recursive: true });
      const r = await cli(["versions", "--json"], env, sub);
      expect(r.stderr).to.equal("");
      expect(JSON.parse(r.stdout).map((x: any) => x.version)).to.deep.equal(["1.2.3", "1.2.2"]);
    });

    it("versions still lists the checkpoints when AWS Backup refuses, and says so on stderr", async () => {
      stub.setState({ ...stubState(), outputs: { ...stubState().outputs, backupVaultName: "myapp-dev" } });
      const r = await cli(["versions", "-C", stub.projectDir], env);
      expect(r.code).to.equal(0);
      expect(aws.actions).to.include("ListRecoveryPointsByBackupVault");
      expect(r.stdout).to.match(/^\*\s+1\.2\.3\s+myapp-v1\.2\.3\s+ami-0000000000000123a/m);
      expect(r.stdout).to.match(/^\s+1\.2\.2\s+myapp-v1\.2\.2/m);
      expect(r.stderr).to.include(
        "could not read AWS Backup vault myapp-dev: Backup ListRecoveryPointsByBackupVault: AWS refused: User is not authorized to perform: backup:ListRecoveryPointsByBackupVault",
      );
      expect(r.stderr).to.include("its recovery points are not listed (that does not mean there are none)");
    });

    it("rollback --yes --json: the target on the standby, checked, the flip, the previous machine stopped; prints the summary", async () => {
      const r = await cli(["rollback", "1.2.2", "--yes", "--json", "--no-health-check", "--bake", "0", "-C", stub.projectDir], env);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout);
      expect(out).to.deep.include({
        status: "changed",
        stack: "dev",
        path: "launched",
        liveSlot: "green",
        from: { pin: "myapp-v1.2.3", amiId: "ami-0000000000000123a" },
        to: { pin: "myapp-v1.2.2", amiId: "ami-0000000000000122a" },
        instanceBefore: "i-00000000000000123",
        instanceAfter: "i-00000000000000122",
        publicIp: "203.0.113.10",
        previous: { slot: "blue", pin: "myapp-v1.2.3", instanceId: "i-00000000000000123", kept: "stopped" },
      });
      for (const k of ["timeToCandidateHealthyMs", "timeToServingMs", "flipMs", "totalMs"]) expect(out[k], k).to.be.a("number");
      expect(stub.state().config).to.include({
        "ec2-rollback:amiVersion": "myapp-v1.2.2",
        "ec2-rollback:liveSlot": "green",
        "ec2-rollback:standbyAmiVersion": "myapp-v1.2.3",
        "ec2-rollback:standbyState": "stopped",
      });
      const ups = stub.calls().filter((c) => c.args[0] === "up").map((c) => c.args[c.args.indexOf("--message") + 1]);
      expect(ups).to.deep.equal([
        "ec2-rollback: launching myapp-v1.2.2 on the standby machine (green)",
        "ec2-rollback: moving the address 203.0.113.10 to myapp-v1.2.2 (green)",
        "ec2-rollback: stopping the previous machine (blue, myapp-v1.2.3)",
      ]);
      // The keys of a change are set together, in one call.
      expect(stub.calls().filter((c) => c.args[0] === "config" && c.args[1] === "set-all")).to.have.length(3);
      expect(aws.actions).to.include.members(["DescribeInstances", "DescribeInstanceStatus", "DescribeAddresses"]);
      expect(r.stderr).to.include("✔ myapp-v1.2.2 is healthy on i-00000000000000122 (green), checked through its own address");
      // Streamed even in plain (log) mode, in plain words (`--verbose` adds the raw step).
      expect(r.stderr).to.match(/ - {3}launching the machine \(green\)\n.* - {3}starting the machine \(green\)\n(.*\n)+.* - {3}moving the address\n(.*\n)+.* - {3}stopping the machine \(blue\)\n/);
      expect(r.stderr).to.not.include("aws:ec2");
    });

    it("release is the same command: a machine whose host is impaired never serves; the standby is restored, exit 1", async () => {
      impaired.add("ami-0000000000000122a");
      const r = await cli(["release", "1.2.2", "--yes", "--no-health-check", "-C", stub.projectDir], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(
        "ec2-rollback: myapp-v1.2.2 failed its checks on the standby machine (green): instance i-00000000000000122 failed its system status check (the AWS host is impaired); " +
          "it never served anyone; the standby machine is back to none; the stack pins myapp-v1.2.3, which still serves at 203.0.113.10\n",
      );
      expect(stub.state().config).to.include({ "ec2-rollback:amiVersion": "myapp-v1.2.3", "ec2-rollback:standbyAmiVersion": "" });
      expect(stub.calls().filter((c) => c.args[0] === "up")).to.have.length(2);
    });

    it("rollback while a CodeDeploy deployment is under way refuses before any update: names it and how to stop it, exit 1, no record left", async () => {
      stub.setState({ ...stub.state(), outputs: { ...stub.state().outputs, applicationName: "myapp-dev", deploymentGroupName: "myapp-dev" } });
      aws.deployments = [{ deploymentId: "d-RUN", status: "InProgress", createTime: Math.floor(Date.now() / 1000) - 60 }];
      const r = await cli(["rollback", "1.2.2", "--yes", "--no-health-check", "--bake", "0", "-C", stub.projectDir], env);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stderr).to.match(/^ec2-rollback: deployment d-RUN is under way on myapp-dev \(InProgress, started .*\); nothing was changed\. Wait for it to end/m);
      expect(stub.calls().some((c) => c.args[0] === "up" || (c.args[0] === "config" && c.args[1] === "set-all"))).to.equal(false);
      // Its record went on (CodeDeploy is asked under it) and is gone.
      expect(stub.calls().filter((c) => /^stack tag (set|rm)$/.test(c.args.slice(0, 3).join(" "))).map((c) => c.args[2])).to.deep.equal(["set", "rm"]);
      expect(stub.state().tags?.["ec2-rollback:operation"]).to.equal(undefined);
      expect(aws.actions).to.include("ListDeployments");
    });

    it("rollback without a terminal and without --yes refuses, exit 2, nothing set", async () => {
      const r = await cli(["rollback", "1.2.2", "-C", stub.projectDir], env);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("ec2-rollback: refusing to change the machine without confirmation: no terminal to ask; pass --yes\n");
      expect(stub.calls().some((c) => c.args[0] === "config" && c.args[1]?.startsWith("set"))).to.equal(false);
      expect(stub.calls().some((c) => c.args[0] === "up")).to.equal(false);
    });

    it("rollback to an unknown version names it and the nearest ones, exit 1, nothing set", async () => {
      const r = await cli(["rollback", "1.2.9", "--yes", "-C", stub.projectDir], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal("ec2-rollback: no AMI named myapp-v1.2.9 in eu-west-1 (account 111122223333); nearest available: 1.2.2, 1.2.3\n");
      expect(stub.calls().some((c) => c.args[0] === "config" && c.args[1]?.startsWith("set"))).to.equal(false);
    });

    it("prune --dry-run --json: what would go, and each kept version with why and which stack needs it (another stack of the project included)", async () => {
      stub.setState({
        ...stubState(),
        otherStacks: { prod: { config: { "aws:region": "eu-west-1", "ec2-rollback:appName": "myapp", "ec2-rollback:amiVersion": "myapp-v1.2.2" } } },
        history: [],
      });
      const r = await cli(["prune", "--keep", "0", "--dry-run", "--json", "-C", stub.projectDir], env);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout);
      expect(out.remove).to.deep.equal([]);
      expect(out.kept).to.deep.equal([
        { version: "1.2.3", reason: "serves there (amiVersion)", stack: "dev" },
        { version: "1.2.2", reason: "serves there (amiVersion)", stack: "prod" },
      ]);
      stub.setState({ ...stubState(), otherStacks: { prod: "incorrect passphrase" } });
      const blocked = await cli(["prune", "--keep", "0", "--yes", "-C", stub.projectDir], env);
      expect(blocked.code).to.equal(1);
      expect(blocked.stderr).to.include(
        "ec2-rollback: could not read what stack prod (PULUMI_CONFIG_PASSPHRASE is not this stack's passphrase: export the one the stack was created with and try again) needs: " +
          "their rollback points might be among those to remove, so nothing was removed",
      );
    });

    it("status names the backend it used, and why; its three stack reads run side by side (no update history)", async () => {
      stub.setState({ ...stubState(), holdMs: 400 });
      const r = await cli(["status", "--json", "-C", stub.projectDir], env);
      expect(JSON.parse(r.stdout).backend).to.equal("file:///tmp/ec2rb-state (PULUMI_BACKEND_URL)");
      expect(stub.calls().map((c) => c.args.slice(0, 2).join(" ")).sort()).to.deep.equal(["config --show-secrets", "stack output", "stack tag"]);
      expect(stub.rounds()).to.equal(1);
    });

    it("status: every layer, as EC2 and CodeDeploy answer; AWS Backup refusing is the data layer's one line, the rest prints, exit 0", async () => {
      stub.setState({ ...stubState(), outputs: { ...stubState().outputs, applicationName: "myapp-dev", deploymentGroupName: "myapp-dev", backupVaultName: "myapp-dev" } });
      const s3 = (version: string) => ({ revisionType: "S3", s3Location: { bucket: "myapp-revisions", key: `myapp/${version}.zip`, bundleType: "zip" } });
      const t = (iso: string) => Date.parse(iso) / 1000;
      aws.deployments = [
        { deploymentId: "d-2", status: "Failed", createTime: t("2026-11-24T09:30:00Z"), completeTime: t("2026-11-24T09:35:00Z"), revision: s3("1.5.0"), errorInformation: { code: "SCRIPT_FAILED", message: "ValidateService failed" } },
        { deploymentId: "d-1", status: "Succeeded", createTime: t("2026-11-24T08:00:00Z"), completeTime: t("2026-11-24T08:05:00Z"), revision: s3("1.4.0") },
      ];
      const r = await cli(["status", "--json", "-C", stub.projectDir], env);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal("");
      const out = JSON.parse(r.stdout);
      expect(out).to.deep.include({ consistent: true, problems: [], operation: null, amiVersion: "myapp-v1.2.3" });
      expect(out.serving).to.deep.equal({ instanceId: "i-00000000000000123", amiId: "ami-0000000000000123a", name: "myapp-v1.2.3", pinned: true });
      expect(out.app).to.deep.equal({
        application: "myapp-dev",
        deploymentGroup: "myapp-dev",
        live: { version: "1.4.0", key: "myapp/1.4.0.zip", deploymentId: "d-1", completedAt: "2026-11-24T08:05:00.000Z" },
        lastDeployment: {
          id: "d-2",
          status: "Failed",
          version: "1.5.0",
          key: "myapp/1.5.0.zip",
          createdAt: "2026-11-24T09:30:00.000Z",
          completedAt: "2026-11-24T09:35:00.000Z",
          error: "SCRIPT_FAILED: ValidateService failed",
        },
      });
      expect(out.data).to.deep.equal({
        error: "Backup ListRecoveryPointsByBackupVault: AWS refused: User is not authorized to perform: backup:ListRecoveryPointsByBackupVault — the caller needs that permission",
      });
      expect(aws.actions).to.include.members(["DescribeAddresses", "ListDeployments", "BatchGetDeployments", "ListRecoveryPointsByBackupVault"]);

      const screen = await cli(["status", "-C", stub.projectDir], env);
      expect(screen.code, screen.stderr).to.equal(0);
      expect(screen.stdout).to.match(/^ {2}pin {10}myapp-v1\.2\.3 = serving myapp-v1\.2\.3 ✔$/m);
      expect(screen.stdout).to.match(/^ {2}live {9}1\.4\.0 since 2026-11-24 08:05Z \(.+ ago\), deployment d-1$/m);
      expect(screen.stdout).to.match(/^ {2}last deploy {2}d-2 Failed 1\.5\.0 2026-11-24 09:35Z \(.+ ago\): SCRIPT_FAILED: ValidateService failed$/m);
      expect(screen.stdout).to.match(/^data {9}could not read: Backup ListRecoveryPointsByBackupVault: AWS refused: User is not authorized to perform: backup:ListRecoveryPointsByBackupVault — the caller needs that permission$/m);
      expect(screen.stdout).to.match(/^consistent {3}yes/m);
    });

    it("a passphrase stack without PULUMI_CONFIG_PASSPHRASE: one line with the fix", async () => {
      stub.setState({ ...stubState(), needsPassphrase: true });
      const r = await cli(["status", "-C", stub.projectDir], { ...env, PULUMI_CONFIG_PASSPHRASE: "" });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        "ec2-rollback: the stack's secrets need its passphrase: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) and try again\n",
      );
    });

    it("an empty stack name (PULUMI_STACK= or --stack \"\") is a usage error: pulumi would act on whichever stack is selected", async () => {
      for (const [args, extra] of [[["status"], { PULUMI_STACK: "" }], [["status", "--stack", ""], {}]] as const) {
        const r = await cli([...args, "--json", "-C", stub.projectDir], { ...env, ...extra });
        expect(r.code).to.equal(2);
        expect(JSON.parse(r.stdout).error.code).to.equal("USAGE");
        expect(r.stderr).to.equal("ec2-rollback: --stack is empty (is PULUMI_STACK set to nothing?): name the stack, e.g. --stack dev; nothing was changed\n");
      }
      expect(stub.calls()).to.deep.equal([]);
    });

    it("status when EC2 cannot be read: the other layers still print, and it says why it cannot tell (exit 3)", async () => {
      const r = await cli(["status", "--json", "-C", stub.projectDir], { ...env, AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:9" });
      expect(r.code).to.equal(3);
      const s = JSON.parse(r.stdout);
      expect(s).to.include.keys("app", "data", "live");
      expect(s.problems.join(" ")).to.include("could not reach http://127.0.0.1:9 (set by AWS_ENDPOINT_URL_EC2)");
    });

    it("a stack that was never deployed: status says `pulumi up`, not `recover` (which would run up under its own record)", async () => {
      stub.setState({ ...stubState(), outputs: { region: "eu-west-1" } });
      const r = await cli(["status", "-C", stub.projectDir], env);
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/^ec2-rollback: stack "dev" is not deployed yet: .*run `pulumi up` first\n$/);
      expect(r.stderr).to.not.include("recover");
    });

    it("an unknown stack: one line with the fix", async () => {
      const r = await cli(["status", "--stack", "prod", "-C", stub.projectDir], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        `ec2-rollback: stack "prod" does not exist in this backend (the project's stacks: dev): pass --stack <one of them>, or create it with \`pulumi stack init prod\` in ${stub.projectDir}\n`,
      );
    });

    it("a stack whose resources are in another region than its config says: one line with the fix", async () => {
      stub.setState({ ...stubState(), outputs: { ...stubState().outputs, region: "us-east-1" } });
      const r = await cli(["versions", "-C", stub.projectDir], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        "ec2-rollback: region mismatch: stack config aws:region is eu-west-1 but the stack's resources are in us-east-1; set it back with `pulumi config set aws:region us-east-1 --stack dev`\n",
      );
    });

    it("no AWS credentials: one line with the fix", async () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-home-"));
      const r = await cli(["versions", "-C", stub.projectDir], {
        ...env,
        AWS_ACCESS_KEY_ID: "",
        AWS_SECRET_ACCESS_KEY: "",
        HOME: home,
        AWS_CONFIG_FILE: path.join(home, "none"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none"),
      });
      expect(r.code).to.equal(1);
      // Said by the first AWS call, named: STS GetCallerIdentity, or EC2 DescribeImages where no STS call comes first.
      expect(r.stderr).to.match(
        /^ec2-rollback: (STS GetCallerIdentity|EC2 DescribeImages): no AWS credentials found, so nothing was sent: set AWS_PROFILE \(then `aws sso login`\) or AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, and try again\n$/,
      );
    });

  });
});
