import { expect } from "chai";
import { Ec2RollbackError, StackLockedError } from "../../../automation/core/errors";
import { previousPin } from "../../../automation/core/history";
import { rollback, RollbackOptions } from "../../../automation/core/rollback";
import { nearestVersions, parseTarget } from "../../../automation/core/target";
import { FakeUi, IP, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const OPTS: RollbackOptions = { yes: true, revert: true, preview: false, healthCheck: false, verifyTimeoutMs: 15 * 60_000, pollMs: 10_000 };

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

describe("rollback", function () {
  it("pins the target, runs up with both versions in the message, verifies and reports", async () => {
    const w = world();
    const r = await rollback(w, { ...OPTS, target: "1.2.2" });
    expect(w.stack.calls.filter((c) => c !== "config")).to.deep.equal(["set ec2-rollback:amiVersion=myapp-v1.2.2", "up myapp-v1.2.2"]);
    expect(w.stack.upMessages[0]).to.equal("ec2-rollback: roll back amiVersion myapp-v1.2.3 -> myapp-v1.2.2");
    expect(r).to.deep.include({
      status: "rolled-back",
      from: { pin: "myapp-v1.2.3", amiId: "ami-0000000000000123a" },
      to: { pin: "myapp-v1.2.2", amiId: "ami-0000000000000122a" },
      instanceBefore: "i-0000000000000123a",
      instanceAfter: "i-0000000000000122a",
      publicIp: IP,
    });
    expect(r.timeToHealthyMs).to.be.a("number");
    expect(w.ui.lines).to.include("step replace aws:ec2/instance:Instance myapp-instance (0s)");
  });

  it("pins an AMI id as the id", async () => {
    const w = world();
    await rollback(w, { ...OPTS, target: "ami-0000000000000121a" });
    expect(w.stack.pin).to.equal("ami-0000000000000121a");
  });

  it("with no version, goes back to the version pinned before the current one", async () => {
    const w = world();
    const r = await rollback(w, { ...OPTS });
    expect(r.to.pin).to.equal("myapp-v1.2.2");
    expect(w.stack.pin).to.equal("myapp-v1.2.2");
  });

  it("with no version and no earlier one in history, says so and changes nothing", async () => {
    const w = world();
    w.stack.history_ = w.stack.history_.slice(0, 1);
    const e = await failure(rollback(w, { ...OPTS }));
    expect(e.message).to.include('stack "dev" has no earlier version than myapp-v1.2.3');
    expect(w.stack.calls.some((c) => c.startsWith("set") || c.startsWith("up"))).to.equal(false);
  });

  it("refuses an unknown version, naming it and the nearest available ones, and changes nothing", async () => {
    const w = world();
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.4" }));
    expect(e.code).to.equal("VERSION_NOT_FOUND");
    expect(e.message).to.equal(
      "no AMI named myapp-v1.2.4 in eu-west-1 (account 111122223333); nearest available: 1.2.1, 1.2.2, 1.2.3, 2.0.0",
    );
    expect(w.stack.calls.some((c) => c.startsWith("set") || c.startsWith("up"))).to.equal(false);
  });

  it("refuses AMIs that are not available, not ours, or of the wrong architecture", async () => {
    const cases: [string, string][] = [
      ["2.1.0", "AMI myapp-v2.1.0 (ami-0000000000000210a) is pending, not available"],
      ["ami-0000000000000aaaa", "belongs to account 137112412989, not 111122223333"],
      ["ami-0000000000000999a", "AMI ami-0000000000000999a does not exist in eu-west-1"],
      ["2.0.0", "AMI myapp-v2.0.0 is arm64 but instance type t3.micro runs x86_64/i386"],
    ];
    for (const [target, message] of cases) {
      const w = world();
      const e = await failure(rollback(w, { ...OPTS, target }));
      expect(e.message, target).to.include(message);
      expect(w.stack.calls.some((c) => c.startsWith("set") || c.startsWith("up")), target).to.equal(false);
    }
  });

  it("is a no-op when the target is the current pin, by version or by AMI id", async () => {
    for (const target of ["1.2.3", "myapp-v1.2.3", "ami-0000000000000123a"]) {
      const w = world();
      const r = await rollback(w, { ...OPTS, target });
      expect(r.status, target).to.equal("no-op");
      expect(w.stack.calls.some((c) => c.startsWith("set") || c.startsWith("up"))).to.equal(false);
    }
  });

  it("is not a no-op when the pin was changed but never applied: the deployed version gets pinned and applied", async () => {
    const w = world();
    w.stack.config_["ec2-rollback:amiVersion"] = "myapp-v1.2.1"; // set by hand, no `up` since
    const r = await rollback(w, { ...OPTS, target: "1.2.3" });
    expect(r.status).to.equal("rolled-back");
    expect(w.stack.calls.filter((c) => c.startsWith("set") || c.startsWith("up"))).to.deep.equal([
      "set ec2-rollback:amiVersion=myapp-v1.2.3",
      "up myapp-v1.2.3",
    ]);
  });

  it("reverts when the new instance does not run the target AMI", async () => {
    const w = world();
    w.cloud.healthOf["ami-0000000000000122a"] = { imageId: "ami-0000000000000999a" };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2" }));
    expect(e.message).to.include("instance i-0000000000000122a runs ami-0000000000000999a, not ami-0000000000000122a; reverted");
  });

  it("asks on a terminal, and a 'no' changes nothing", async () => {
    const w = { ...world(), ui: new FakeUi(true, false) };
    const e = await failure(rollback(w, { ...OPTS, yes: false, target: "1.2.2" }));
    expect(e.message).to.equal("not confirmed; nothing changed");
    expect(w.ui.questions[0]).to.include("from myapp-v1.2.3 (ami-0000000000000123a) to myapp-v1.2.2 (ami-0000000000000122a)");
    expect(w.stack.calls.some((c) => c.startsWith("set"))).to.equal(false);
  });

  it("refuses without a terminal unless --yes", async () => {
    const w = world();
    const e = await failure(rollback(w, { ...OPTS, yes: false, target: "1.2.2" }), "CONFIRMATION_REQUIRED");
    expect(e.message).to.equal("refusing to roll back without confirmation: no terminal to ask; pass --yes");
    expect(e.exitCode).to.equal(2);
    expect(w.stack.calls.some((c) => c.startsWith("set"))).to.equal(false);
  });

  it("reverts to the previous version when the update fails", async () => {
    const w = world();
    w.stack.upOutcomes = ["fail", "ok"];
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2" }));
    expect(e.message).to.equal(
      "rollback to myapp-v1.2.2 failed: creating EC2 Instance: InsufficientInstanceCapacity; reverted: myapp-v1.2.3 serves again at 203.0.113.10",
    );
    expect(w.stack.calls.filter((c) => c.startsWith("set") || c.startsWith("up"))).to.deep.equal([
      "set ec2-rollback:amiVersion=myapp-v1.2.2",
      "up myapp-v1.2.2",
      "set ec2-rollback:amiVersion=myapp-v1.2.3",
      "up myapp-v1.2.3",
    ]);
    expect(w.stack.upMessages[1]).to.match(/^ec2-rollback: revert amiVersion myapp-v1.2.2 -> myapp-v1.2.3/);
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("reverts when the new instance fails its status checks", async () => {
    const w = world();
    w.cloud.healthOf["ami-0000000000000122a"] = { instanceStatus: "impaired" };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2" }));
    expect(e.message).to.include("failed its status checks (system ok, instance impaired); reverted: myapp-v1.2.3 serves again");
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("fails at once when the new instance stops, and reverts", async () => {
    const w = world();
    w.cloud.healthOf["ami-0000000000000122a"] = { state: "terminated" };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2" }));
    expect(e.message).to.include("instance i-0000000000000122a is terminated; reverted");
    expect(w.clock.sleeps).to.equal(0);
  });

  it("waits for status checks within the bound, then reverts", async () => {
    const w = world();
    w.cloud.healthOf["ami-0000000000000122a"] = { systemStatus: "initializing", instanceStatus: "initializing" };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2", verifyTimeoutMs: 5 * 60_000 }));
    expect(e.message).to.include("instance i-0000000000000122a not healthy after 300s (state running, system initializing, instance initializing)");
    expect(w.clock.sleeps).to.equal(30);
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("reverts when the Elastic IP is not on the new instance", async () => {
    const w = world();
    w.stack.duringUp = () => setImmediate(() => (w.cloud.address = { publicIp: IP, instanceId: "i-0000000000000123a" }));
    const origUp = w.stack.up.bind(w.stack);
    let first = true;
    w.stack.up = async (o) => {
      const out = await origUp(o);
      if (first) w.cloud.address = { publicIp: IP, instanceId: "i-0000000000000123a" };
      first = false;
      return out;
    };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2" }));
    expect(e.message).to.include("Elastic IP 203.0.113.10 points at i-0000000000000123a, not the new instance i-0000000000000122a; reverted");
  });

  it("reverts when the public address changed", async () => {
    const w = world();
    const origUp = w.stack.up.bind(w.stack);
    w.stack.up = async (o) => {
      const out = await origUp(o);
      w.cloud.address = { ...w.cloud.address!, publicIp: "198.51.100.99" };
      return out;
    };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2", revert: false }));
    expect(e.message).to.include("the public address changed from 203.0.113.10 to 198.51.100.99");
  });

  it("checks the health URL until it answers, and reverts when it never does", async () => {
    const ok = world();
    ok.http.answers = [{ error: "ECONNREFUSED" }, { status: 503 }, { status: 200 }];
    await rollback(ok, { ...OPTS, target: "1.2.2", healthCheck: true, healthUrl: "http://203.0.113.10/health" });
    expect(ok.http.urls).to.have.length(3);

    const bad = world();
    bad.http.answers = [{ status: 500 }];
    const e = await failure(rollback(bad, { ...OPTS, target: "1.2.2", healthCheck: true, healthUrl: "http://203.0.113.10/health", verifyTimeoutMs: 60_000 }));
    expect(e.message).to.include("health check http://203.0.113.10/health failing after 60s: HTTP 500; reverted");
    expect(bad.stack.pin).to.equal("myapp-v1.2.3");
    // The revert restores the machine that served before; it is not held to the target's health URL.
    expect(bad.http.urls.length).to.equal(7);
  });

  it("when the revert fails too, says both and leaves the previous version pinned", async () => {
    const w = world();
    w.stack.upOutcomes = ["fail", "fail"];
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2" }));
    expect(e.message).to.equal(
      "rollback to myapp-v1.2.2 failed: creating EC2 Instance: InsufficientInstanceCapacity; the revert to myapp-v1.2.3 failed too: " +
        "creating EC2 Instance: InsufficientInstanceCapacity. The stack pins myapp-v1.2.3 again; fix the cause and run `pulumi up --stack dev`",
    );
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("on a locked stack, puts the config back, runs nothing else and says so", async () => {
    const w = world();
    w.stack.upOutcomes = ["locked"];
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2" }));
    expect(e).to.be.instanceOf(StackLockedError);
    expect(e.message).to.match(/^stack "dev" is locked: another update is running on it; nothing was changed/);
    expect(w.stack.calls.filter((c) => c.startsWith("up"))).to.deep.equal(["up myapp-v1.2.2"]);
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("on Ctrl-C during the update, reverts and says it was interrupted", async () => {
    const w = world();
    const controller = new AbortController();
    let n = 0;
    w.stack.duringUp = () => {
      if (n++ === 0) controller.abort();
    };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2", signal: controller.signal }));
    expect(e.message).to.equal("rollback to myapp-v1.2.2 failed: interrupted (Ctrl-C); reverted: myapp-v1.2.3 serves again at 203.0.113.10");
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
    expect(w.stack.calls.filter((c) => c.startsWith("up"))).to.deep.equal(["up myapp-v1.2.2", "up myapp-v1.2.3"]);
  });

  it("on Ctrl-C while waiting for the instance, reverts", async () => {
    const w = world();
    const controller = new AbortController();
    w.cloud.healthOf["ami-0000000000000122a"] = { systemStatus: "initializing", instanceStatus: "initializing" };
    const sleep = w.clock.sleep.bind(w.clock);
    w.clock.sleep = async (ms, signal) => {
      if (w.clock.sleeps === 2) controller.abort();
      return sleep(ms, signal);
    };
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2", signal: controller.signal }));
    expect(e.message).to.include("failed: interrupted (Ctrl-C); reverted");
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
  });

  it("with --no-revert, leaves the target pinned and says how to go back", async () => {
    const w = world();
    w.stack.upOutcomes = ["fail"];
    const e = await failure(rollback(w, { ...OPTS, target: "1.2.2", revert: false }));
    expect(e.message).to.include("not reverted (--no-revert): the stack pins myapp-v1.2.2; go back with `ec2-rollback rollback myapp-v1.2.3`");
    expect(w.stack.pin).to.equal("myapp-v1.2.2");
    expect(w.stack.calls.filter((c) => c.startsWith("up"))).to.have.length(1);
  });

  it("--preview shows the changes with the target pinned, then puts the pin back and runs no update", async () => {
    const w = world();
    const r = await rollback(w, { ...OPTS, target: "1.2.2", preview: true, yes: false });
    expect(r.status).to.equal("preview");
    expect(r.preview!.steps).to.deep.equal(["replace aws:ec2/instance:Instance myapp-instance"]);
    expect(w.stack.calls.filter((c) => c !== "config")).to.deep.equal([
      "set ec2-rollback:amiVersion=myapp-v1.2.2",
      "preview myapp-v1.2.2",
      "set ec2-rollback:amiVersion=myapp-v1.2.3",
    ]);
  });

  it("never leaves the stack pinned to a version that is not serving, whatever fails", async () => {
    const failures: ((w: ReturnType<typeof world>) => void)[] = [
      (w) => (w.stack.upOutcomes = ["fail"]),
      (w) => (w.stack.upOutcomes = ["locked"]),
      (w) => (w.cloud.healthOf["ami-0000000000000122a"] = { state: "stopped" }),
      (w) => (w.http.answers = [{ status: 502 }]),
    ];
    for (const breakIt of failures) {
      const w = world();
      breakIt(w);
      await failure(rollback(w, { ...OPTS, target: "1.2.2", healthCheck: true, healthUrl: "http://x/" }));
      const serving = w.cloud.address!.instanceId!;
      expect(w.stack.pin).to.equal("myapp-v1.2.3");
      expect(w.cloud.instances.get(serving)!.imageId).to.equal("ami-0000000000000123a");
    }
  });
});
