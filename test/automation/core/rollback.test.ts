import { expect } from "chai";
import { releasesOf } from "../../../automation/core/releases";
import { explainAwsError } from "../../../automation/adapters/awsErrors";
import { Ec2RollbackError, StackLockedError } from "../../../automation/core/errors";
import { previousPin } from "../../../automation/core/history";
import { rollback, RollbackOptions } from "../../../automation/core/rollback";
import { nearestVersions, parseTarget } from "../../../automation/core/target";
import { FakeUi, IP, T0, TIMING, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const OPTS: RollbackOptions = { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 15 * 60_000, pollMs: 2000, bakePollMs: 5000 };
const AMI = { "1.2.1": "ami-0000000000000121a", "1.2.2": "ami-0000000000000122a", "1.2.3": "ami-0000000000000123a" };

/** The whole world: stack, cloud, alarms, HTTP as the model answers. */
function deps(w: ReturnType<typeof world>) {
  return { stack: w.stack, cloud: w.cloud, ui: w.ui, clock: w.clock, http: w.http, alarms: w.alarms };
}

/** Consistent: the pinned version is what the machine on the address runs, and the standby pin matches its machine. */
function expectConsistent(w: ReturnType<typeof world>) {
  const c = w.stack.config_;
  const on = w.cloud.addressOn(w.clock.now() + TIMING.switchMs);
  expect(w.cloud.machines.get(on!)!.ami, "address").to.equal(w.cloud.resolvePin(c["ec2-rollback:amiVersion"]));
  expect(w.stack.outputs_.instanceId).to.equal(on);
  const standby = c["ec2-rollback:standbyAmiVersion"];
  if (standby) expect(w.cloud.machines.get(w.stack.outputs_.standbyInstanceId!)!.ami, "standby").to.equal(w.cloud.resolvePin(standby));
  else expect(w.stack.outputs_.standbyInstanceId).to.equal("");
}

const sets = (w: ReturnType<typeof world>) => w.stack.calls.filter((c) => c.startsWith("set") || c.startsWith("up"));


describe("rollback target", function () {
  it("accepts 1.2.2, v1.2.2, myapp-v1.2.2 and ami ids", () => {
    for (const t of ["1.2.2", "v1.2.2", "myapp-v1.2.2"]) {
      expect(parseTarget(t, "myapp")).to.deep.equal({ kind: "version", version: "1.2.2", name: "myapp-v1.2.2" });
    }
    expect(parseTarget("ami-0123456789abcdef0", "myapp")).to.deep.equal({ kind: "ami", id: "ami-0123456789abcdef0" });
  });

  it("refuses anything else, and another app's names, with a usage exit", () => {
    for (const t of ["latest", "1.2", "otherapp-v1.2.2", "ami-xyz"]) {
      let e: Ec2RollbackError | undefined;
      try {
        parseTarget(t, "myapp");
      } catch (x) {
        e = x as Ec2RollbackError;
      }
      expect(e!.code, t).to.equal("USAGE");
      expect(e!.exitCode).to.equal(2);
      expect(e!.message).to.include(`"${t}" is not a version of myapp`);
    }
  });

  it("takes the version pinned before the current one from successful updates only", () => {
    const h = [
      { kind: "update", result: "failed", startTime: new Date(), amiVersion: "myapp-v1.3.0" },
      { kind: "update", result: "succeeded", startTime: new Date(), amiVersion: "myapp-v1.2.3" },
      { kind: "refresh", result: "succeeded", startTime: new Date(), amiVersion: "myapp-v0.1.0" },
      { kind: "update", result: "succeeded", startTime: new Date(), amiVersion: "myapp-v1.2.3" },
      { kind: "update", result: "succeeded", startTime: new Date(), amiVersion: "myapp-v1.2.2" },
    ];
    expect(previousPin(h, "myapp-v1.2.3")).to.equal("myapp-v1.2.2");
    expect(previousPin(h.slice(0, 2), "myapp-v1.2.3")).to.equal(undefined);
  });

  it("suggests the nearest versions on both sides", () => {
    expect(nearestVersions("1.2.4", ["1.0.0", "1.2.1", "1.2.3", "1.3.0", "2.0.0"])).to.deep.equal(["1.2.1", "1.2.3", "1.3.0", "2.0.0"]);
    expect(nearestVersions("1.2.4", ["1.0.0", "1.2.1", "1.2.3", "1.3.0", "2.0.0"], 2)).to.deep.equal(["1.2.3", "1.3.0"]);
    expect(nearestVersions("9.0.0", [])).to.deep.equal([]);
  });
});

describe("machine change: two machines, one address", function () {
  it("releases a new version: on the standby machine first, checked through its own address, then the flip, the bake, and the previous machine stopped", async () => {
    const w = world("myapp-v1.2.2");
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.3" });
    expect(sets(w)).to.deep.equal([
      "set liveSlot=blue amiVersion=myapp-v1.2.2 standbyAmiVersion=myapp-v1.2.3 standbyState=running",
      "up myapp-v1.2.2",
      "set liveSlot=green amiVersion=myapp-v1.2.3 standbyAmiVersion=myapp-v1.2.2 standbyState=running",
      "up myapp-v1.2.3",
      "set liveSlot=green amiVersion=myapp-v1.2.3 standbyAmiVersion=myapp-v1.2.2 standbyState=stopped",
      "up myapp-v1.2.3",
    ]);
    expect(r).to.deep.include({
      status: "changed",
      path: "launched",
      liveSlot: "green",
      from: { pin: "myapp-v1.2.2", amiId: AMI["1.2.2"] },
      to: { pin: "myapp-v1.2.3", amiId: AMI["1.2.3"] },
      instanceBefore: "i-0000000000000122a",
      instanceAfter: "i-0000000000000123a",
      publicIp: IP,
      bake: { plannedMs: 300_000, result: "passed", durationMs: 300_000 },
      previous: { slot: "blue", pin: "myapp-v1.2.2", instanceId: "i-0000000000000122a", kept: "stopped" },
    });
    // The candidate was checked through its own address before the address moved.
    expect(w.http.urls[0]).to.match(/^http:\/\/198\.51\.100\.\d+:80\/health$/);
    expect(w.http.urls.at(-1)).to.equal(`http://${IP}:80/health`);
    expect(w.cloud.stateOf(w.cloud.machines.get("i-0000000000000122a")!, w.clock.now())).to.equal("stopped");
    expectConsistent(w);
  });

  it("a good change: users of the address see errors only during the address switch (≤ 6 s)", async () => {
    const w = world("myapp-v1.2.2");
    await rollback(deps(w), { ...OPTS, target: "1.2.3" });
    expect(w.cloud.unansweredMs(T0, w.clock.now())).to.be.at.most(6000).and.at.least(TIMING.switchMs);
  });

  it("a bad target answers zero user requests: it fails on the standby, which is restored; the current version never stops serving", async () => {
    const w = world("myapp-v1.2.2");
    w.cloud.badApps.add(AMI["1.2.3"]);
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.3", verifyTimeoutMs: 120_000 }), "CHANGE_FAILED");
    expect(e.message).to.match(/^myapp-v1\.2\.3 failed its checks on the standby machine \(green\): http:\/\/198\.51\.100\.\d+:80\/health does not answer after 1\d\ds: HTTP 502; it never served anyone; the standby machine is back to none; the stack pins myapp-v1\.2\.2, which still serves at 203\.0\.113\.10$/);
    expect(w.cloud.servedByMs(AMI["1.2.3"], T0, w.clock.now())).to.equal(0);
    expect(w.cloud.unansweredMs(T0, w.clock.now())).to.equal(0);
    expect(w.stack.config_).to.include({ "ec2-rollback:amiVersion": "myapp-v1.2.2", "ec2-rollback:standbyAmiVersion": "" });
    expectConsistent(w);
  });

  it("back to a stopped standby: the previous version serves through the address ≤ 45 s after the command starts; no machine is launched", async () => {
    const w = world("myapp-v1.2.3", { standby: "myapp-v1.2.2", standbyState: "stopped" });
    const launchedBefore = w.cloud.machines.size;
    const r = await rollback(deps(w), { ...OPTS });
    expect(r.path).to.equal("standby-started");
    expect(r.to.pin).to.equal("myapp-v1.2.2");
    expect(w.cloud.machines.size).to.equal(launchedBefore);
    const servedAt = w.cloud.firstServedBy(AMI["1.2.2"], T0)!;
    expect(servedAt - T0).to.be.at.most(45_000);
    expect(r.timeToServingMs).to.be.at.most(45_000);
    expect(w.cloud.unansweredMs(T0, w.clock.now())).to.be.at.most(6000);
    expect(w.stack.config_).to.include({ "ec2-rollback:liveSlot": "green", "ec2-rollback:standbyAmiVersion": "myapp-v1.2.3", "ec2-rollback:standbyState": "stopped" });
    expectConsistent(w);
  });

  it("back to a running standby (keepPrevious=running): serving ≤ 10 s after the command starts, and the previous machine stays running", async () => {
    const w = world("myapp-v1.2.3", { standby: "myapp-v1.2.2", standbyState: "running", config: { "ec2-rollback:keepPrevious": "running" } });
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.2" });
    expect(r.path).to.equal("standby-running");
    expect(w.cloud.firstServedBy(AMI["1.2.2"], T0)! - T0).to.be.at.most(10_000);
    expect(sets(w).filter((c) => c.startsWith("up"))).to.have.length(1); // the flip only
    expect(w.stack.config_["ec2-rollback:standbyState"]).to.equal("running");
    expect(w.cloud.stateOf(w.cloud.machines.get(r.previous!.instanceId!)!, w.clock.now())).to.equal("running");
  });

  it("an alarm during the bake flips back at once: the previous version serves again within 15 s", async () => {
    const w = world("myapp-v1.2.2");
    const firesAt = T0 + 120_000;
    w.alarms.firesAt["myapp-dev-app-health"] = firesAt;
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.3" }), "CHANGE_FAILED");
    expect(e.message).to.equal(
      "myapp-v1.2.3 failed after the flip: alarm myapp-dev-app-health during the bake; flipped back: the stack pins myapp-v1.2.2, which serves again; myapp-v1.2.3 stays on the standby machine (green)",
    );
    expect(w.cloud.firstServedBy(AMI["1.2.2"], firesAt)! - firesAt).to.be.at.most(15_000);
    expect(w.stack.config_).to.include({ "ec2-rollback:liveSlot": "blue", "ec2-rollback:amiVersion": "myapp-v1.2.2", "ec2-rollback:standbyAmiVersion": "myapp-v1.2.3" });
    expectConsistent(w);
  });

  it("with a data volume, the volume moves before the address: the previous machine is stopped first; users wait stop + attach + switch; /data is there when they arrive", async () => {
    const w = world("myapp-v1.2.2", { config: { "ec2-rollback:dataVolumeSizeGiB": "20" } });
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.3" });
    expect(r.status).to.equal("changed");
    expect(sets(w)[2]).to.equal("set liveSlot=green amiVersion=myapp-v1.2.3 standbyAmiVersion=myapp-v1.2.2 standbyState=stopped");
    expect(w.cloud.unansweredMs(T0, w.clock.now())).to.equal(TIMING.stopMs + TIMING.attachMs + TIMING.switchMs);
    expect(w.cloud.dataUnavailableMs(T0, w.clock.now())).to.equal(TIMING.stopMs + TIMING.attachMs + TIMING.mountTimerMs);
    const switchedAt = w.cloud.associations.at(-1)!.from;
    expect(w.cloud.dataMounts.at(-1)!.from).to.be.at.most(switchedAt);
    expect(w.cloud.dataMounts.filter((m) => m.to === Infinity).map((m) => m.instanceId)).to.deep.equal([r.instanceAfter]);
    expectConsistent(w);
  });

  it("an alarm already firing before the flip (the old version was failing) is not the new machine's fault until its window has passed", async () => {
    const w = world("myapp-v1.2.2");
    w.alarms.states = async (names) =>
      names.map((name) => ({ name, state: name.endsWith("app-health") ? "ALARM" : "OK", since: new Date(T0 - 600_000), windowMs: 180_000 }));
    const early = await failure(rollback(deps(w), { ...OPTS, target: "1.2.3" }), "CHANGE_FAILED");
    // Still firing 3 min + 1 min after the flip: now it judges the new machine, and the bake flips back.
    expect(early.message).to.include("alarm myapp-dev-app-health during the bake; flipped back");
    const flipAt = w.cloud.associations.find((a) => w.cloud.machines.get(a.instanceId)!.ami === AMI["1.2.3"])!.from;
    const backAt = w.cloud.associations.at(-1)!.from;
    expect(backAt - flipAt).to.be.at.least(240_000);

    const ok = world("myapp-v1.2.2");
    ok.alarms.states = async (names) =>
      names.map((name) => ({ name, state: name.endsWith("app-health") && ok.clock.now() < T0 + 150_000 ? "ALARM" : "OK", since: new Date(T0 - 600_000), windowMs: 180_000 }));
    expect((await rollback(deps(ok), { ...OPTS, target: "1.2.3" })).bake!.result).to.equal("passed");
  });

  it("a bake whose alarms cannot be read is 'unknown', never 'passed': the target serves, but is not recorded as a good release", async () => {
    for (const failing of ["always", "at the end"] as const) {
      const w = world("myapp-v1.2.2");
      const bakeEnds = T0 + 60_000 + 300_000;
      w.alarms.states = async (names) => {
        if (failing === "always" || w.clock.now() >= bakeEnds - 10_000) throw Object.assign(new Error("CloudWatch DescribeAlarms: Throttling"), { name: "ThrottlingException" });
        return names.map((name) => ({ name, state: "OK" }));
      };
      const r = await rollback(deps(w), { ...OPTS, target: "1.2.3" });
      expect(r.status, failing).to.equal("changed");
      expect(r.bake!.result, failing).to.equal("unknown");
      expect(w.ui.lines.some((l) => l.startsWith("warn bake unknown: the alarms could not be read")), failing).to.equal(true);
      const release = releasesOf(w.stack.tags_).find((x) => x.version === "myapp-v1.2.3");
      expect(release?.good, failing).to.equal(false);
    }
  });

  it("keepPrevious=none removes the previous machine after the bake; --bake 0 skips the bake", async () => {
    const w = world("myapp-v1.2.2", { config: { "ec2-rollback:keepPrevious": "none" } });
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.3", bakeMinutes: 0 });
    expect(r.bake).to.deep.equal({ plannedMs: 0, result: "skipped", durationMs: 0 });
    expect(w.alarms.reads).to.equal(0);
    expect(w.stack.config_["ec2-rollback:standbyAmiVersion"]).to.equal("");
    expect(w.cloud.machines.get("i-0000000000000122a")!.terminatedAt).to.be.a("number");
    expectConsistent(w);
  });

  it("with no version: the standby's version when there is one, else the version pinned before the current one", async () => {
    const a = world("myapp-v1.2.3", { standby: "myapp-v1.2.1" });
    expect((await rollback(deps(a), { ...OPTS })).to.pin).to.equal("myapp-v1.2.1");
    const b = world("myapp-v1.2.3");
    expect((await rollback(deps(b), { ...OPTS })).to.pin).to.equal("myapp-v1.2.2");
  });

  it("with no version and neither a standby nor an earlier one in history, says so and changes nothing", async () => {
    const w = world();
    w.stack.history_ = w.stack.history_.slice(0, 1);
    const e = await failure(rollback(deps(w), { ...OPTS }), "NO_PREVIOUS_VERSION");
    expect(e.message).to.include('stack "dev" has no earlier good release, no standby machine and no earlier version than myapp-v1.2.3');
    expect(sets(w)).to.deep.equal([]);
  });

  it("refuses an unknown version, naming it and the nearest available ones, and changes nothing", async () => {
    const w = world();
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.4" }), "VERSION_NOT_FOUND");
    expect(e.message).to.equal("no AMI named myapp-v1.2.4 in eu-west-1 (account 111122223333); nearest available: 1.2.1, 1.2.2, 1.2.3");
    expect(sets(w)).to.deep.equal([]);
  });

  it("an unknown version a typo away from an existing one names that one (1.2.22 → 1.2.2)", async () => {
    const w = world();
    for (const v of ["1.2.4", "1.2.5", "1.2.6"]) w.cloud.images.push({ ...w.cloud.images[1], name: `myapp-v${v}`, id: `ami-0000000000000${v.replace(/\./g, "")}a` });
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.22" }), "VERSION_NOT_FOUND");
    expect(e.message).to.equal("no AMI named myapp-v1.2.22 in eu-west-1 (account 111122223333); nearest available: 1.2.2, 1.2.5, 1.2.6");
    expect(sets(w)).to.deep.equal([]);
  });

  it("refuses AMIs that are not available, not ours, or of the wrong architecture, changing nothing", async () => {
    const cases: [string, string][] = [
      ["2.1.0", "AMI myapp-v2.1.0 (ami-0000000000000210a) is pending, not available"],
      ["ami-0000000000000aaaa", "belongs to account 137112412989, not 111122223333"],
      ["2.0.0", "AMI myapp-v2.0.0 is arm64 but instance type t3.micro runs x86_64/i386"],
    ];
    for (const [target, message] of cases) {
      const w = world();
      const e = await failure(rollback(deps(w), { ...OPTS, target }), "VERSION_UNUSABLE");
      expect(e.message, target).to.include(message);
      expect(sets(w), target).to.deep.equal([]);
    }
  });

  it("is a no-op when the target already serves, by version or by AMI id", async () => {
    for (const target of ["1.2.3", "myapp-v1.2.3", AMI["1.2.3"]]) {
      const w = world();
      expect((await rollback(deps(w), { ...OPTS, target })).status, target).to.equal("no-op");
      expect(sets(w)).to.deep.equal([]);
    }
  });

  it("--fresh launches the serving version on a new machine (a user-data change), replacing the standby slot first", async () => {
    const w = world("myapp-v1.2.3", { standby: "myapp-v1.2.2" });
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.3", fresh: true });
    expect(r.status).to.equal("changed");
    expect(r.path).to.equal("launched");
    expect(sets(w).slice(0, 3)).to.deep.equal([
      "set liveSlot=blue amiVersion=myapp-v1.2.3 standbyAmiVersion= standbyState=stopped",
      "up myapp-v1.2.3",
      "set liveSlot=blue amiVersion=myapp-v1.2.3 standbyAmiVersion=myapp-v1.2.3 standbyState=running",
    ]);
    expect(r.instanceAfter).to.not.equal(r.instanceBefore);
    expect(w.cloud.machines.get(r.instanceAfter!)!.ami).to.equal(AMI["1.2.3"]);
    expect(w.cloud.unansweredMs(T0, w.clock.now())).to.be.at.most(6000);
    expectConsistent(w);
  });

  it("pins an AMI id as the id", async () => {
    const w = world();
    await rollback(deps(w), { ...OPTS, target: AMI["1.2.1"] });
    expect(w.stack.pin).to.equal(AMI["1.2.1"]);
    expectConsistent(w);
  });

  it("a candidate running another AMI than the target fails before the flip", async () => {
    const w = world();
    w.cloud.healthOf[AMI["1.2.2"]] = { imageId: "ami-0000000000000999a" };
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2" }), "CHANGE_FAILED");
    expect(e.message).to.include("runs ami-0000000000000999a, not ami-0000000000000122a; it never served anyone");
    expectConsistent(w);
  });

  it("an impaired AWS host fails the candidate at once; an initializing 2/2 check does not hold it up", async () => {
    const w = world();
    w.cloud.healthOf[AMI["1.2.2"]] = { systemStatus: "impaired" };
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2" }), "CHANGE_FAILED");
    expect(e.message).to.include("failed its system status check");
    const ok = world();
    const r = await rollback(deps(ok), { ...OPTS, target: "1.2.2" });
    expect(r.timeToCandidateHealthyMs).to.be.below(TIMING.statusChecksMs);
  });

  it("throttled or failed describe calls are 'unknown, ask again', not an unhealthy machine", async () => {
    const w = world();
    const throttled = Object.assign(new Error("Request limit exceeded."), { name: "RequestLimitExceeded" });
    w.stack.duringUp = () => (w.cloud.describeErrors = [throttled, throttled, throttled]);
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.2" });
    expect(r.status).to.equal("changed");
    expect(w.ui.lines.some((l) => l.includes("unknown (Request limit exceeded.), asking again"))).to.equal(true);
  });

  it("so are the adapters' one-line AWS errors: throttled, timed out, unreachable, an answer not like AWS", async () => {
    const w = world();
    const call = { service: "EC2", operation: "DescribeInstances" };
    const errors = [
      Object.assign(new Error("Request limit exceeded."), { name: "RequestLimitExceeded", $fault: "client", $metadata: { attempts: 3 } }),
      Object.assign(new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 9000 ms requestTimeout."), { name: "TimeoutError", $metadata: {} }),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED", syscall: "connect", $metadata: {} }),
      Object.assign(new SyntaxError("Unexpected token '<', \"<!doctype \"... is not valid JSON"), { $metadata: { httpStatusCode: 200 } }),
    ].map((e) => explainAwsError(e, call, {}) as Ec2RollbackError);
    expect(errors.map((e) => e.code)).to.deep.equal(["AWS_THROTTLED", "AWS_TIMEOUT", "AWS_UNREACHABLE", "AWS_UNEXPECTED_ANSWER"]);
    w.stack.duringUp = () => (w.cloud.describeErrors = [...errors]);
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.2" });
    expect(r.status).to.equal("changed");
    expect(w.ui.lines.filter((l) => /unknown \(EC2 DescribeInstances: .*\), asking again/.test(l))).to.have.length.of.at.least(errors.length);
  });

  it("a failed update while preparing the standby restores it; the current version serves throughout", async () => {
    const w = world();
    w.stack.upOutcomes = ["fail"];
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2" }), "CHANGE_FAILED");
    expect(e.message).to.equal(
      "myapp-v1.2.2 could not be put on the standby machine (green): creating EC2 Instance: InsufficientInstanceCapacity; it never served anyone; " +
        "the standby machine is back to none; the stack pins myapp-v1.2.3, which still serves at 203.0.113.10",
    );
    expect(w.cloud.unansweredMs(T0, w.clock.now())).to.equal(0);
    expectConsistent(w);
  });

  it("a failed flip flips back and checks the previous machine is on the address", async () => {
    const w = world();
    w.stack.upOutcomes = ["ok", "fail"];
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2" }), "CHANGE_FAILED");
    expect(e.message).to.include("failed after the flip: creating EC2 Instance: InsufficientInstanceCapacity; flipped back: the stack pins myapp-v1.2.3, which serves again");
    expectConsistent(w);
  });

  it("when restoring the standby fails too, says both and what still serves", async () => {
    const w = world();
    w.cloud.badApps.add(AMI["1.2.2"]);
    w.stack.upOutcomes = ["ok", "fail"];
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2", verifyTimeoutMs: 60_000 }), "CHANGE_FAILED");
    expect(e.message).to.match(
      /it never served anyone; restoring the standby machine failed too: .*\. The stack pins myapp-v1\.2\.3, which still serves at 203\.0\.113\.10; the standby is left as the failed attempt put it: finish with `ec2-rollback recover`$/,
    );
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("asks on a terminal, describing the plan, and a 'no' changes nothing", async () => {
    const w = { ...world(), ui: new FakeUi(true, false) };
    const e = await failure(rollback(deps(w), { ...OPTS, yes: false, target: "1.2.2" }), "NOT_CONFIRMED");
    expect(e.message).to.equal("not confirmed; nothing changed");
    expect(w.ui.questions[0]).to.equal(
      "Change myapp from myapp-v1.2.3 (ami-0000000000000123a) to myapp-v1.2.2 (ami-0000000000000122a)? it is launched on the standby machine (green), " +
        "checked through its own address, then the address 203.0.113.10 moves to it and the alarms are watched for 5 min; the previous machine is then kept stopped.",
    );
    expect(sets(w)).to.deep.equal([]);
  });

  it("refuses without a terminal unless --yes (exit 2)", async () => {
    const w = world();
    const e = await failure(rollback(deps(w), { ...OPTS, yes: false, target: "1.2.2" }), "CONFIRMATION_REQUIRED");
    expect(e.exitCode).to.equal(2);
    expect(sets(w)).to.deep.equal([]);
  });

  it("on a locked stack, puts the config back and runs nothing else", async () => {
    const w = world();
    w.stack.upOutcomes = ["locked"];
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2" }), "STACK_LOCKED");
    expect(e).to.be.instanceOf(StackLockedError);
    expect(w.stack.calls.filter((c) => c.startsWith("up"))).to.have.length(1);
    expect(w.stack.config_["ec2-rollback:standbyAmiVersion"] ?? "").to.equal("");
  });

  it("Ctrl-C while the candidate is checked restores the standby (exit 130); during the bake it flips back", async () => {
    const a = world();
    const c1 = new AbortController();
    a.cloud.badApps.add(AMI["1.2.2"]); // never ready: the check is still waiting when Ctrl-C comes
    const sleep = a.clock.sleep.bind(a.clock);
    a.clock.sleep = async (ms, signal) => {
      if (a.clock.sleeps === 3) c1.abort();
      return sleep(ms, signal);
    };
    const e1 = await failure(rollback(deps(a), { ...OPTS, target: "1.2.2", signal: c1.signal }), "INTERRUPTED");
    expect(e1.exitCode).to.equal(130);
    expect(e1.message).to.include("myapp-v1.2.2 was interrupted on the standby machine (green); it never served anyone; the standby machine is back to none");
    expectConsistent(a);

    const b = world();
    const c2 = new AbortController();
    b.alarms.states = async (names) => {
      c2.abort();
      return names.map((name) => ({ name, state: "OK" }));
    };
    const e2 = await failure(rollback(deps(b), { ...OPTS, target: "1.2.2", signal: c2.signal }), "INTERRUPTED");
    expect(e2.message).to.include("flipped back: the stack pins myapp-v1.2.3, which serves again");
    expectConsistent(b);
  });

  it("with --no-revert, leaves a failed candidate on the standby and says what serves", async () => {
    const w = world();
    w.cloud.badApps.add(AMI["1.2.2"]);
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2", revert: false, verifyTimeoutMs: 60_000 }), "CHANGE_FAILED");
    expect(e.message).to.include("not reverted (--no-revert): it stays on the standby machine; the stack pins myapp-v1.2.3, which still serves at 203.0.113.10");
    expect(w.stack.config_["ec2-rollback:standbyAmiVersion"]).to.equal("myapp-v1.2.2");
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("--preview previews the target on the standby with that config in place of the stack's, which never changes", async () => {
    const w = world();
    const before = { ...w.stack.config_ };
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.2", preview: true, yes: false });
    expect(r.status).to.equal("preview");
    expect(sets(w)).to.deep.equal([]);
    expect(w.stack.config_).to.deep.equal(before);
    expect(w.stack.previewConfigs[0]).to.include({ "ec2-rollback:standbyAmiVersion": "myapp-v1.2.2", "ec2-rollback:standbyState": "running" });
    expect(w.stack.tags_).to.deep.equal({});
  });

  it("never leaves the pin on a version that does not serve, whatever fails", async () => {
    const failures: ((w: ReturnType<typeof world>) => void)[] = [
      (w) => (w.stack.upOutcomes = ["fail"]),
      (w) => (w.stack.upOutcomes = ["ok", "fail"]),
      (w) => (w.stack.upOutcomes = ["locked"]),
      (w) => (w.cloud.healthOf[AMI["1.2.2"]] = { state: "stopped" }),
      (w) => w.cloud.badApps.add(AMI["1.2.2"]),
      (w) => (w.alarms.firesAt["myapp-dev-status-check"] = T0),
    ];
    for (const breakIt of failures) {
      const w = world();
      breakIt(w);
      await failure(rollback(deps(w), { ...OPTS, target: "1.2.2", verifyTimeoutMs: 60_000 }));
      expect(w.stack.pin).to.equal("myapp-v1.2.3");
      expectConsistent(w);
    }
  });
});
