import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeAws, startFakeAws } from "../../helpers/fakeAwsEndpoint";
import { installStubPulumi, Stub, stubState } from "../../helpers/pulumiStub";

const BIN = path.resolve(__dirname, "../../../../bin/ec2-rollback.js");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The CLI as a child process, with a hook to signal it once its stderr shows `when`. */
function cliSignalled(args: string[], env: NodeJS.ProcessEnv, signal: NodeJS.Signals, when: RegExp, delayMs = 0): Promise<Ran & { signalled: boolean }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let signalled = false;
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => {
      stderr += d;
      if (!signalled && when.test(stderr)) {
        signalled = true;
        setTimeout(() => p.kill(signal), delayMs);
      }
    });
    p.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0, signalled }));
  });
}

/** A shell pipeline (`… | head -1`): its exit code, and what reached the end of it. */
function shell(command: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn("sh", ["-c", command], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

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
    expect(r.stderr).to.equal(`ec2-rollback: no Pulumi.yaml in ${fs.realpathSync(dir)}: run ec2-rollback from the project folder or pass --cwd <dir>\n`);
  });

  it("without the Pulumi CLI: one line with the fix, and --json gets an error object", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-proj-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: ec2-rollback\nruntime: nodejs\n");
    const r = await cli(["status", "--json", "-C", dir], { PATH: path.dirname(process.execPath), PULUMI_BACKEND_URL: `file://${dir}` });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal("ec2-rollback: the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again\n");
    expect(JSON.parse(r.stdout)).to.deep.equal({
      code: "PULUMI_MISSING",
      error: "the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again",
      exitCode: 1,
    });
  });

  describe("with a stub pulumi and a local AWS endpoint", function () {
    let stub: Stub;
    let aws: FakeAws;
    let env: NodeJS.ProcessEnv;
    const impaired = new Set<string>();
    beforeEach(async () => {
      stub = installStubPulumi(stubState());
      impaired.clear();
      aws = await startFakeAws(() => {
        const st = stub.state();
        const instances: Record<string, string> = { [String(st.outputs.instanceId)]: st.config["ec2-rollback:amiVersion"] };
        if (st.outputs.standbyInstanceId) instances[String(st.outputs.standbyInstanceId)] = st.config["ec2-rollback:standbyAmiVersion"];
        return { instances, instanceId: String(st.outputs.instanceId), publicIp: String(st.outputs.publicIp), impaired };
      });
      env = {
        PATH: process.env.PATH,
        PULUMI_BACKEND_URL: "file:///tmp/ec2rb-state",
        AWS_ENDPOINT_URL: aws.url,
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_PROFILE: "",
        AWS_EC2_METADATA_DISABLED: "true",
      };
    });
    afterEach(async () => {
      stub.restorePath();
      await aws.close();
    });

    it("versions --json: this app's AMIs, newest first, the pinned one marked", async () => {
      const r = await cli(["versions", "--json", "-C", stub.projectDir], env);
      expect(r.stderr).to.equal("");
      expect(r.code).to.equal(0);
      const v = JSON.parse(r.stdout);
      expect(v.map((x: any) => [x.version, x.name, x.amiId, x.source, x.current])).to.deep.equal([
        ["1.2.3", "myapp-v1.2.3", "ami-0000000000000123a", "checkpoint", true],
        ["1.2.2", "myapp-v1.2.2", "ami-0000000000000122a", "checkpoint", false],
      ]);
      expect(v[0].createdAt).to.equal("2026-11-20T00:00:00.000Z");
      expect(aws.actions).to.include.members(["GetCallerIdentity", "DescribeImages"]);
    });

    it("versions still lists the checkpoints when AWS Backup refuses, and says so on stderr", async () => {
      stub.setState({ ...stubState(), outputs: { ...stubState().outputs, backupVaultName: "myapp-dev" } });
      const r = await cli(["versions", "-C", stub.projectDir], env);
      expect(r.code).to.equal(0);
      expect(aws.actions).to.include("ListRecoveryPointsByBackupVault");
      expect(r.stdout).to.match(/^\*\s+1\.2\.3\s+myapp-v1\.2\.3\s+ami-0000000000000123a/m);
      expect(r.stdout).to.match(/^\s+1\.2\.2\s+myapp-v1\.2\.2/m);
      expect(r.stderr).to.include("could not read AWS Backup vault myapp-dev: AWS refused: User is not authorized to perform: backup:ListRecoveryPointsByBackupVault");
      expect(r.stderr).to.include("listing checkpoints only");
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
      expect(r.stderr).to.match(/ - replace aws:ec2\/instance:Instance myapp-instance \(\d+s\)\n/); // streamed even in plain (log) mode
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

    it("a passphrase stack without PULUMI_CONFIG_PASSPHRASE: one line with the fix", async () => {
      stub.setState({ ...stubState(), needsPassphrase: true });
      const r = await cli(["status", "-C", stub.projectDir], { ...env, PULUMI_CONFIG_PASSPHRASE: "" });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        "ec2-rollback: the stack's secrets need its passphrase: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) and try again\n",
      );
    });

    it("an unknown stack: one line with the fix", async () => {
      const r = await cli(["status", "--stack", "prod", "-C", stub.projectDir], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(`ec2-rollback: stack "prod" does not exist in this backend: create it with \`pulumi stack init prod\` in ${stub.projectDir}, or pass --stack <name>\n`);
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
      expect(r.stderr).to.equal(
        "ec2-rollback: no AWS credentials found: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again\n",
      );
    });

    describe("a change is a transaction, whatever happens to the process", function () {
      const release = () => ["release", "1.2.2", "--yes", "--no-health-check", "--bake", "0", "-C", stub.projectDir];
      const settled = () => {
        const st = stub.state();
        return { pin: st.config["ec2-rollback:amiVersion"], standby: st.config["ec2-rollback:standbyAmiVersion"] ?? "", tags: st.tags ?? {} };
      };

      for (const signal of ["SIGTERM", "SIGHUP"] as const) {
        it(`${signal} during the update: pulumi is cancelled, the standby put back, exit 130, no record left`, async () => {
          stub.setState({ ...stubState(), upSleepMs: 2500 });
          // Signalled while `pulumi up` runs (the stub's first update takes 2.5 s).
          const r = await cliSignalled(release(), env, signal, /launching myapp-v1\.2\.2 on the standby machine/, 800);
          expect(r.signalled).to.equal(true);
          expect(r.code, r.stderr).to.equal(130);
          expect(r.stderr).to.include(`ec2-rollback: ${signal}: stopping; what was changed is put back`);
          expect(r.stderr).to.match(/ec2-rollback: myapp-v1\.2\.2 was interrupted on the standby machine \(green\); it never served anyone; the standby machine is back to none; the stack pins myapp-v1\.2\.3/);
          expect(stub.calls().map((c) => c.args[0])).to.include("SIGINT"); // passed on to pulumi, which cancelled
          expect(settled()).to.deep.equal({ pin: "myapp-v1.2.3", standby: "", tags: {} });
        });
      }

      it("a closed output pipe (`2>&1 | head -1`) never kills a change half-way: it runs to a consistent end", async () => {
        const r = await shell(`"${process.execPath}" "${BIN}" ${release().join(" ")} 2>&1 | head -1`, env);
        expect(r.code).to.equal(0);
        expect(r.stdout.split("\n").filter(Boolean)).to.have.length(1);
        expect(settled()).to.deep.equal({ pin: "myapp-v1.2.2", standby: "myapp-v1.2.3", tags: {} });
        expect(stub.calls().filter((c) => c.args[0] === "up")).to.have.length(3);
      });

      it("a preview never changes the stack's config, piped or not", async () => {
        const before = stub.state().config;
        const r = await shell(`"${process.execPath}" "${BIN}" rollback 1.2.2 --preview -C "${stub.projectDir}" 2>&1 | head -1`, env);
        expect(r.code).to.equal(0);
        expect(stub.state().config).to.deep.equal(before);
        expect(stub.calls().some((c) => c.args[0] === "config" && c.args[1]?.startsWith("set"))).to.equal(false);
        const previewed = stub.state().previewConfigFiles ?? [];
        expect(previewed).to.have.length(1);
        expect(previewed[0]).to.include("ec2-rollback:standbyAmiVersion: myapp-v1.2.2");
      });

      it("--json output of any size (here ~300 KiB) reaches a pipe whole: stdout is drained before exit", async () => {
        aws.extraImages = 1200;
        const r = await shell(`"${process.execPath}" "${BIN}" versions --json -C "${stub.projectDir}" | cat`, env);
        expect(r.code).to.equal(0);
        expect(r.stdout.length).to.be.above(64 * 1024);
        expect(JSON.parse(r.stdout)).to.have.length(1202);
      });

      it("status: exit 3 with the disagreement in one line and consistent/problems/operation in JSON; recover finishes it", async () => {
        const record = JSON.stringify({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "standby", host: "laptop", pid: 1, startedAt: "2026-11-24T09:00:00Z" });
        stub.setState({ ...stubState(), tags: { "ec2-rollback:operation": record } });
        const s = await cli(["status", "--json", "-C", stub.projectDir], env);
        expect(s.code).to.equal(3);
        const out = JSON.parse(s.stdout);
        expect(out).to.deep.include({ consistent: false, operation: JSON.parse(record) });
        expect(out.problems[0]).to.equal("an operation is unfinished: rollback myapp-v1.2.3 -> myapp-v1.2.2 started 2026-11-24T09:00:00Z on laptop (pid 1), phase standby");
        expect(s.stderr).to.match(/^ec2-rollback: stack "dev" is not consistent: an operation is unfinished: .*; finish it with `ec2-rollback recover`\n$/m);

        const refused = await cli(release(), env);
        expect(refused.code).to.equal(1);
        expect(refused.stderr).to.include('ec2-rollback: stack "dev" has an unfinished operation: rollback myapp-v1.2.3 -> myapp-v1.2.2');

        const r = await cli(["recover", "--yes", "--no-health-check", "-C", stub.projectDir], env);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.include("recovered: myapp-v1.2.3 serves");
        expect(stub.state().tags).to.deep.equal({});
        const again = await cli(["status", "-C", stub.projectDir], env);
        expect(again.code).to.equal(0);
        expect((await cli(["recover", "--yes", "-C", stub.projectDir], env)).stdout).to.include("nothing to recover");
      });
    });
  });
});
