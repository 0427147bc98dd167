import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PulumiStack } from "../../../automation/adapters/pulumiStack";
import { Ec2RollbackError, InterruptedError, StackLockedError } from "../../../automation/core/errors";
import { rollback } from "../../../automation/core/rollback";
import { UpProgress } from "../../../automation/core/ports";
import { FakeClock, FakeCloud, FakeUi } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";
import { installStubPulumi, Stub, stubState } from "../../helpers/pulumiStub";

describe("Pulumi adapter (Automation API against a stub pulumi on PATH)", function () {
  this.timeout(30000);
  let stub: Stub;
  beforeEach(() => {
    stub = installStubPulumi(stubState());
  });
  afterEach(() => stub.restorePath());

  const open = (stackName = "dev") => PulumiStack.open({ workDir: stub.projectDir, stackName, env: { PULUMI_BACKEND_URL: "file:///tmp/state" } });
  const argsOf = (verb: string) => stub.calls().filter((c) => c.args[0] === verb || `${c.args[0]} ${c.args[1]}` === verb);

  it("reads config, outputs and history (with each update's amiVersion)", async () => {
    const s = await open();
    expect(await s.config()).to.deep.include({ "ec2-rollback:amiVersion": "myapp-v1.2.3", "aws:region": "eu-west-1" });
    expect((await s.outputs()).publicIp).to.equal("203.0.113.10");
    const h = await s.history();
    expect(h.map((u) => u.amiVersion)).to.deep.equal(["myapp-v1.2.3", "myapp-v1.2.2"]);
    expect(h[0].startTime).to.be.instanceOf(Date);
    // Every stack command gets the backend.
    expect(stub.calls().every((c) => c.backend === "file:///tmp/state")).to.equal(true);
  });

  it("sets the keys together in one `config set-all`, and runs up with the message, streaming the replaced resource", async () => {
    const s = await open();
    await s.setConfig({ "ec2-rollback:amiVersion": "myapp-v1.2.2", "ec2-rollback:standbyAmiVersion": "" });
    const seen: UpProgress[] = [];
    const outputs = await s.up({ message: "ec2-rollback: roll back amiVersion myapp-v1.2.3 -> myapp-v1.2.2", onProgress: (p) => seen.push(p) });

    const set = argsOf("config set-all")[0].args;
    expect(set).to.include.ordered.members(["config", "set-all", "--stack", "dev"]);
    expect(set.join(" ")).to.include("--plaintext ec2-rollback:amiVersion=myapp-v1.2.2 --plaintext ec2-rollback:standbyAmiVersion=");
    expect(stub.state().config["ec2-rollback:standbyAmiVersion"]).to.equal("");
    const up = argsOf("up")[0].args;
    expect(up).to.include("--yes");
    expect(up[up.indexOf("--message") + 1]).to.equal("ec2-rollback: roll back amiVersion myapp-v1.2.3 -> myapp-v1.2.2");
    expect(up[up.indexOf("--stack") + 1]).to.equal("dev");
    // The engine's steps as the event stream carries them (a new machine in the live slot, and its power state).
    expect(seen).to.deep.include({ kind: "resource", op: "create-replacement", type: "aws:ec2/instance:Instance", name: "myapp-blue" });
    expect(seen).to.deep.include({ kind: "resource", op: "update", type: "aws:ec2transitgateway/instanceState:InstanceState", name: "myapp-blue-power", state: "running" });
    expect(outputs.instanceId).to.equal("i-00000000000000122");
  });

  it("says which stack does not exist and how to create it", async () => {
    const e = await failure(open("prod"));
    expect((e as Ec2RollbackError).code).to.equal("STACK_NOT_FOUND");
    expect((e as Error).message).to.equal(`stack "prod" does not exist in this backend: create it with \`pulumi stack init prod\` in ${stub.projectDir}, or pass --stack <name>`);
  });

  it("reads, sets and removes stack tags; a backend without stack tags (DIY before CLI 3.211) is 'no tags', not a failure", async () => {
    const s = await open();
    await s.setTag("ec2-rollback:operation", '{"op":"release","phase":"flip"}');
    expect(await s.tags()).to.deep.equal({ "ec2-rollback:operation": '{"op":"release","phase":"flip"}' });
    expect(argsOf("stack tag").map((c) => c.args.slice(0, 4).join(" "))).to.include.members(["stack tag set ec2-rollback:operation", "stack tag ls --json"]);
    await s.removeTag("ec2-rollback:operation");
    expect(await s.tags()).to.deep.equal({});
    stub.setState({ ...stubState(), noTags: true });
    await s.setTag("ec2-rollback:operation", "x");
    expect(await s.tags()).to.deep.equal({});
  });

  it("turns a locked stack into StackLockedError", async () => {
    stub.setState({ ...stubState(), locked: true });
    const s = await open();
    const e = await failure(s.up({ message: "m", onProgress: () => undefined }));
    expect(e).to.be.instanceOf(StackLockedError);
  });

  it("reports a failed update by its specific error line, not the closing 'update failed'", async () => {
    stub.setState({ ...stubState(), upError: "creating EC2 Instance: InvalidAMIID.NotFound" });
    const s = await open();
    const e = await failure(s.up({ message: "m", onProgress: () => undefined }));
    expect((e as Error).message).to.equal("creating EC2 Instance: InvalidAMIID.NotFound");
  });

  it("end to end with the core: a release sets the keys of each step together, and runs one up per step", async () => {
    const s = await open();
    const clock = new FakeClock();
    const cloud = new FakeCloud(clock);
    cloud.describeInstance = async (id) => ({ id, state: "running", imageId: `ami-${id.slice(-16)}a`, instanceType: "t3.micro", systemStatus: "ok", instanceStatus: "ok" });
    cloud.describeAddress = async () => ({ publicIp: "203.0.113.10", instanceId: stub.state().outputs.instanceId as string });
    const r = await rollback(
      { stack: s, cloud, ui: new FakeUi(), clock },
      { target: "1.2.2", yes: true, revert: true, preview: false, healthCheck: false, verifyTimeoutMs: 60_000, pollMs: 1, bakeMinutes: 0 },
    );
    expect(r.status).to.equal("changed");
    expect(stub.state().config).to.include({ "ec2-rollback:amiVersion": "myapp-v1.2.2", "ec2-rollback:liveSlot": "green", "ec2-rollback:standbyState": "stopped" });
    expect(argsOf("config set-all")).to.have.length(3);
    expect(argsOf("up")).to.have.length(3);
    const before = stub.calls().length;
    await s.outputs();
    expect(stub.calls().length, "outputs come from up's result, not another call").to.equal(before);
  });

  it("passes an interrupt on to pulumi (which cancels gracefully) when pulumi did not get it itself, and reports an interruption", async () => {
    for (const reason of ["SIGINT", "SIGTERM", "SIGHUP"]) {
      stub.setState({ ...stubState(), upSleepMs: 5000 });
      const seen = stub.calls().length;
      const s = await PulumiStack.open({ workDir: stub.projectDir, stackName: "dev", env: {}, forwardGraceMs: 200 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 700);
      const e = await failure(s.up({ message: "m", onProgress: () => undefined, signal: controller.signal }));
      expect(e, reason).to.be.instanceOf(InterruptedError);
      expect(stub.calls().slice(seen).filter((c) => c.args[0] === "SIGINT"), reason).to.have.length(1);
      stub.setState({ ...stubState() });
    }
  });

  it("never a second SIGINT when pulumi got the interrupt itself (a terminal's Ctrl-C reaches it): that would make it quit mid-update", async () => {
    stub.setState({ ...stubState(), upSleepMs: 1500, announceCancel: true });
    const s = await PulumiStack.open({ workDir: stub.projectDir, stackName: "dev", env: {}, forwardGraceMs: 300 });
    const controller = new AbortController();
    setTimeout(() => controller.abort("SIGINT"), 500);
    await s.up({ message: "m", onProgress: () => undefined, signal: controller.signal });
    expect(stub.calls().map((c) => c.args[0])).to.not.include("SIGINT");
  });

  it("previews other config from a copy of the stack's settings file (where stackConfigDir puts it), leaving the stack's own untouched", async () => {
    const s = await open();
    await s.preview({ message: "m", onProgress: () => undefined, config: { "ec2-rollback:standbyAmiVersion": "myapp-v1.2.2" } });
    const used = stub.state().previewConfigFiles![0];
    expect(used).to.include("encryptionsalt: v1:abc").and.include("aws:region: eu-west-1").and.include("ec2-rollback:standbyAmiVersion: myapp-v1.2.2");
    expect(fs.readFileSync(path.join(stub.projectDir, "Pulumi.dev.yaml"), "utf8")).to.not.include("standbyAmiVersion");

    fs.mkdirSync(path.join(stub.projectDir, "config"));
    fs.renameSync(path.join(stub.projectDir, "Pulumi.dev.yaml"), path.join(stub.projectDir, "config", "Pulumi.dev.yaml"));
    fs.appendFileSync(path.join(stub.projectDir, "Pulumi.yaml"), "stackConfigDir: config\n");
    await s.preview({ message: "m", onProgress: () => undefined, config: { "ec2-rollback:liveSlot": "green" } });
    expect(stub.state().previewConfigFiles![1]).to.include("encryptionsalt: v1:abc").and.include("ec2-rollback:liveSlot: green");

    fs.rmSync(path.join(stub.projectDir, "config"), { recursive: true });
    const e = await failure(s.preview({ message: "m", onProgress: () => undefined, config: { "ec2-rollback:liveSlot": "green" } }), "PREVIEW_UNAVAILABLE");
    expect(e.message).to.match(/^--dry-run needs the stack's settings file Pulumi\.dev\.yaml in .*config, and there is none/);
  });

  it("reads without the Automation API: one call each for config, outputs and tags, side by side, and never `stack select` or `version`", async () => {
    stub.setState({ ...stubState(), holdMs: 400 });
    const s = await open();
    expect(stub.calls().map((c) => c.args.slice(0, 3).join(" ")).sort()).to.deep.equal(["config --show-secrets --json", "stack output --json", "stack tag ls"]);
    expect(stub.calls().every((c) => c.args.includes("--non-interactive") && c.args[c.args.indexOf("--stack") + 1] === "dev")).to.equal(true);
    expect(stub.rounds()).to.equal(1);
    await s.config();
    await s.outputs();
    await s.tags();
    expect(stub.calls(), "asked once").to.have.length(3);
  });

  it("a read never loads the Automation API (in a process of its own, as the CLI runs)", () => {
    const adapter = require.resolve("../../../automation/adapters/pulumiStack");
    const script = `
      const { PulumiStack } = require(${JSON.stringify(adapter)});
      PulumiStack.open({ workDir: ${JSON.stringify(stub.projectDir)}, stackName: "dev", env: {} }).then(async (s) => {
        await s.tags(); await s.history();
        const loaded = Object.keys(require.cache).filter((f) => f.includes("@pulumi"));
        process.stdout.write(JSON.stringify(loaded));
      });`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: process.env });
    expect(r.stderr).to.equal("");
    expect(JSON.parse(r.stdout)).to.deep.equal([]);
  });

  it("a change: `pulumi version` once per installed CLI, no `stack select`, and one outputs read after `up` (not the masked one nor `stack history`)", async () => {
    const s = await open();
    await s.setConfig({ "ec2-rollback:amiVersion": "myapp-v1.2.2" });
    await s.up({ message: "m", onProgress: () => undefined });
    const verbs = stub.calls().map((c) => (c.args[0] === "version" ? "version" : c.args.slice(0, 2).join(" ")));
    expect(verbs.filter((v) => v === "version")).to.have.length(1);
    expect(verbs.slice(3)).to.deep.equal(["version", "config set-all", "up --yes", "stack output"]);
    expect(stub.calls().at(-1)!.args).to.include("--show-secrets");
    const again = await open();
    await again.setConfig({ "ec2-rollback:amiVersion": "myapp-v1.2.3" });
    expect(stub.calls().map((c) => c.args[0]).filter((v) => v === "version"), "the version is kept").to.have.length(1);
    expect(stub.calls().some((c) => c.args[1] === "select")).to.equal(false);
  });

  it("tags answer from the start-up read until the first change; then every read asks the backend (operators see each other's records)", async () => {
    const before = Date.now();
    const s = await open();
    // When the start-up read was asked for: before its `pulumi` ran, so no later than now.
    expect(s.tagsAskedAt()).to.be.within(before, Math.min(...stub.calls().filter((c) => c.args[1] === "tag").map((c) => c.t0)));
    expect(await s.tags()).to.deep.equal({}); // the start-up read, done
    stub.setState({ ...stub.state(), tags: { "ec2-rollback:operation": "theirs" } });
    expect(await s.tags(), "one moment for a read-only command").to.deep.equal({});
    s.refresh("tags");
    expect(s.tagsAskedAt(), "each read now asks the backend").to.equal(undefined);
    expect(await s.tags()).to.deep.equal({ "ec2-rollback:operation": "theirs" });
    stub.setState({ ...stub.state(), tags: {} });
    expect(await s.tags()).to.deep.equal({});
  });

  it("the project's other stacks are every stack but this one, the one the user has selected in Pulumi included", async () => {
    stub.setState({ ...stubState(), selected: "prod", otherStacks: { prod: { config: {} }, qa: { config: {} } } });
    const s = await open();
    expect((await s.project().otherStackNames()).sort()).to.deep.equal(["prod", "qa"]);
  });

  it("the read path's errors, one line each: missing passphrase, unknown stack, missing CLI", async () => {
    stub.setState({ ...stubState(), needsPassphrase: true });
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
    try {
      const e = await failure(open(), "PASSPHRASE_MISSING");
      expect(e.message).to.match(/^the stack's secrets need its passphrase: export PULUMI_CONFIG_PASSPHRASE/);
    } finally {
      if (saved !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    }
    stub.setState(stubState());
    expect((await failure(open("prod"), "STACK_NOT_FOUND")).message).to.match(/^stack "prod" does not exist in this backend/);
    const path0 = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const e = await failure(open(), "PULUMI_MISSING");
      expect(e.message).to.equal("the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again");
    } finally {
      process.env.PATH = path0;
    }
  });

  it("sets nothing when validation fails", async () => {
    const s = await open();
    const cloud = new FakeCloud(new FakeClock());
    const e = await failure(
      rollback({ stack: s, cloud, ui: new FakeUi(), clock: new FakeClock() }, { target: "7.7.7", yes: true, revert: true, preview: false, healthCheck: false, verifyTimeoutMs: 1, pollMs: 1 }),
    );
    expect(e.message).to.match(/^no AMI named myapp-v7\.7\.7/);
    expect(argsOf("config set-all")).to.have.length(0);
    expect(argsOf("up")).to.have.length(0);
    expect(stub.state().config["ec2-rollback:amiVersion"]).to.equal("myapp-v1.2.3");
  });
});

describe("Pulumi CLI errors, explained", function () {
  const ctx = { stack: "dev", workDir: "/p" };
  const cases: [string, string][] = [
    ["Error: spawn pulumi ENOENT", "the Pulumi CLI is not installed or not on PATH"],
    ["stderr: error: the stack is currently locked by 1 lock(s). Either wait", 'stack "dev" is locked: another update is running on it; nothing was changed'],
    ["stderr: error: [409] Conflict: Another update is currently in progress.", 'stack "dev" is locked'],
    ["stderr: error: no stack named 'dev' found", 'stack "dev" does not exist in this backend: create it with `pulumi stack init dev` in /p'],
    ["stderr: error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables", "the stack's secrets need its passphrase"],
    ["stderr: error: incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase", "PULUMI_CONFIG_PASSPHRASE is not this stack's passphrase"],
    ["stderr: error: no Pulumi.yaml project file found (searching upwards from /p)", "no Pulumi project in /p"],
    ["stderr: error: configuring provider: no valid credential sources for Terraform AWS Provider found.", "Pulumi found no AWS credentials"],
  ];
  it("'not installed' from the Automation API's own error when there is no pulumi at all", async () => {
    const { PulumiCommand } = await import("@pulumi/pulumi/automation");
    const { explainPulumiError } = require("../../../automation/adapters/pulumiErrors");
    const e = await PulumiCommand.get({ root: "/nonexistent-pulumi-root" }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e, "PulumiCommand.get should fail").to.not.equal(undefined);
    expect(explainPulumiError(e, ctx).code).to.equal("PULUMI_MISSING");
  });

  it("'not installed' only when the pulumi executable itself is missing, never for a file the program could not find", () => {
    const { explainPulumiError } = require("../../../automation/adapters/pulumiErrors");
    const missing = Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT", path: "pulumi", syscall: "spawn pulumi" });
    expect(explainPulumiError(missing, ctx).code).to.equal("PULUMI_MISSING");
    // The shape the Automation API really throws: a CommandError wrapping execa's error.
    const wrapped = Object.assign(new Error("code: -2\n stdout: \n stderr: \n err?: Error: spawn /nowhere/bin/pulumi"), { commandResult: { err: { code: "ENOENT", path: "/nowhere/bin/pulumi" } } });
    expect(explainPulumiError(wrapped, ctx).code).to.equal("PULUMI_MISSING");
    const programs = new Error("stderr: error: Running program '/p' failed: Error: ENOENT: no such file or directory, open '/p/pulumi-settings.json'");
    const e = explainPulumiError(programs, ctx);
    expect(e.code).to.equal("PULUMI_FAILED");
    expect(e.message).to.include("ENOENT: no such file or directory, open '/p/pulumi-settings.json'");
  });

  for (const [text, expected] of cases) {
    it(expected, () => {
      const { explainPulumiError } = require("../../../automation/adapters/pulumiErrors");
      const e: Error = explainPulumiError(new Error(text), ctx);
      expect(e.message.startsWith(expected), e.message).to.equal(true);
      expect(e.message.split("\n")).to.have.length(1);
    });
  }
});

describe("Pulumi CLI error lines", function () {
  it("picks the resource's diagnostic over the closing line, and plain text as is", () => {
    const { lastErrorLine } = require("../../../automation/adapters/pulumiErrors");
    expect(lastErrorLine("code: 255\nstdout: Updating\n  error: 1 error occurred: creating X\nstderr: error: update failed\n")).to.equal(
      "1 error occurred: creating X",
    );
    expect(lastErrorLine("stderr: error: update failed")).to.equal("update failed");
    expect(lastErrorLine("something broke")).to.equal("something broke");
  });
});
