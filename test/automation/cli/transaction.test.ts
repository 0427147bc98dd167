// A change is a transaction, as the spawned CLI shows it: signals, pipes, previews, status and recover.
import { expect } from "chai";
import { BIN, cli, cliSignalled, CliWorld, cliWorld, shell } from "../../helpers/cli";
import { FakeAws } from "../../helpers/fakeAwsEndpoint";
import { Stub, stubState } from "../../helpers/pulumiStub";

describe("ec2-rollback CLI (spawned): a change is a transaction", function () {
  this.timeout(30000);
  let stub: Stub;
  let aws: FakeAws;
  let env: NodeJS.ProcessEnv;
  let world: CliWorld;
  beforeEach(async () => {
    world = await cliWorld();
    ({ stub, aws, env } = world);
  });
  afterEach(() => world.close());

  const release = () => ["release", "1.2.2", "--yes", "--no-health-check", "--bake", "0", "-C", stub.projectDir];
  const settled = () => {
    const st = stub.state();
    return { pin: st.config["ec2-rollback:amiVersion"], standby: st.config["ec2-rollback:standbyAmiVersion"] ?? "", record: st.tags?.["ec2-rollback:operation"] };
  };

  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    it(`${signal} during the update: pulumi is cancelled, the standby put back, exit 130, no record left`, async () => {
      stub.setState({ ...stubState(), upSleepMs: 4500 });
      // Signalled while `pulumi up` runs (the stub's first update takes 4.5 s; the interrupt reaches it after a 2 s grace).
      const r = await cliSignalled(release(), env, signal, /launching myapp-v1\.2\.2 on the standby machine/, 800);
      expect(r.signalled).to.equal(true);
      expect(r.code, r.stderr).to.equal(130);
      expect(r.stderr).to.include(`ec2-rollback: ${signal}: stopping; what was changed is put back`);
      expect(r.stderr).to.match(/ec2-rollback: myapp-v1\.2\.2 was interrupted on the standby machine \(green\); it never served anyone; the standby machine is back to none; the stack pins myapp-v1\.2\.3/);
      expect(stub.calls().map((c) => c.args[0])).to.include("SIGINT"); // passed on to pulumi, which cancelled
      expect(settled()).to.deep.equal({ pin: "myapp-v1.2.3", standby: "", record: undefined });
    });
  }

  it("a closed output pipe (`2>&1 | head -1`) never kills a change half-way: it runs to a consistent end", async () => {
    const r = await shell(`"${process.execPath}" "${BIN}" ${release().join(" ")} 2>&1 | head -1`, env);
    expect(r.code).to.equal(0);
    expect(r.stdout.split("\n").filter(Boolean)).to.have.length(1);
    expect(settled()).to.deep.equal({ pin: "myapp-v1.2.2", standby: "myapp-v1.2.3", record: undefined });
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
    const record = JSON.stringify({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "standby", host: "laptop", pid: 1, startedAt: "2026-11-01T09:00:00Z" });
    stub.setState({ ...stubState(), tags: { "ec2-rollback:operation": record } });
    const s = await cli(["status", "--json", "-C", stub.projectDir], env);
    expect(s.code).to.equal(3);
    const out = JSON.parse(s.stdout);
    expect(out).to.deep.include({ consistent: false, operation: JSON.parse(record) });
    expect(out.problems[0]).to.equal("an operation is unfinished: rollback myapp-v1.2.3 -> myapp-v1.2.2 started 2026-11-01T09:00:00Z on laptop (pid 1), phase standby");
    expect(s.stderr).to.match(/^ec2-rollback: stack "dev" is not consistent: an operation is unfinished: .*; finish it with `ec2-rollback recover`\n$/m);

    const refused = await cli(release(), env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('ec2-rollback: stack "dev" has an unfinished operation: rollback myapp-v1.2.3 -> myapp-v1.2.2');

    const r = await cli(["recover", "--yes", "--no-health-check", "-C", stub.projectDir], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include("recovered: myapp-v1.2.3 serves");
    expect(stub.state().tags?.["ec2-rollback:operation"]).to.equal(undefined);
    const again = await cli(["status", "-C", stub.projectDir], env);
    expect(again.code).to.equal(0);
    expect((await cli(["recover", "--yes", "-C", stub.projectDir], env)).stdout).to.include("nothing to recover");
  });
});
