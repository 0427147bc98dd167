// A machine change is a transaction (shared/design.md): a record before anything changes, one at a time,
// and whatever happens to the process — a failure at any step, a signal at any phase, death at any
// moment — the stack ends consistent, or a record says it is not and `recover` makes it so.
import { expect } from "chai";
import { formatRecover } from "../../../automation/cli/format";
import { OPERATION_TAG } from "../../../contract/naming";
import { checkConsistency } from "../../../automation/core/consistency";
import { decodeRecord, encodeRecord, MAX_RECORD_LENGTH, OperationRecord } from "../../../automation/core/operation";
import { prune } from "../../../automation/core/prune";
import { recover } from "../../../automation/core/recover";
import { rollback, RollbackOptions } from "../../../automation/core/rollback";
import { status } from "../../../automation/core/status";
import { FakeUi, IP, T0, TIMING, withLayers, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const OPTS: RollbackOptions = { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 5 * 60_000, pollMs: 2000, bakePollMs: 5000 };
const RECOVER = { yes: true, healthCheck: true, verifyTimeoutMs: 5 * 60_000, pollMs: 2000, force: true };
const OPERATOR = { host: "laptop", pid: 4242 };
type World = ReturnType<typeof world>;
const deps = (w: World) => ({ stack: w.stack, cloud: w.cloud, ui: w.ui, clock: w.clock, http: w.http, alarms: w.alarms, operator: OPERATOR });
const record = (w: World): OperationRecord | undefined => (w.stack.tags_[OPERATION_TAG] ? decodeRecord(w.stack.tags_[OPERATION_TAG]) : undefined);

/** Lets a rollback that will never settle (its process "died") run until it is stuck. */
async function runUntilStuck(p: Promise<unknown>): Promise<void> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 200 && !settled; i++) await new Promise((r) => setImmediate(r));
  expect(settled, "the change should be stuck where its process died").to.equal(false);
}

async function expectConsistent(w: World) {
  const c = await checkConsistency(w);
  expect(c.problems).to.deep.equal([]);
  expect(record(w)).to.equal(undefined);
}

describe("transaction: the operation record", function () {
  it("is compact JSON of at most 256 characters, whatever the names", () => {
    const r: OperationRecord = { op: "rollback", from: "myapp-v1.2.3", to: "ami-0123456789abcdef0", phase: "flip", host: "h".repeat(300), pid: 1, startedAt: "2026-11-24T10:00:00Z" };
    const text = encodeRecord(r);
    expect(text.length).to.be.at.most(MAX_RECORD_LENGTH);
    expect(decodeRecord(text)).to.deep.include({ op: "rollback", from: "myapp-v1.2.3", to: "ami-0123456789abcdef0", phase: "flip", pid: 1 });
    expect(decodeRecord("not json").op).to.equal("unknown"); // a record it cannot read is still a record
  });

  it("is written before anything changes, moves through the phases, and is removed when the change ends consistent", async () => {
    const w = world("myapp-v1.2.2");
    const phases: string[] = [];
    w.stack.afterSetTag = (k, v) => k === OPERATION_TAG && phases.push(decodeRecord(v).phase);
    await rollback(deps(w), { ...OPTS, target: "1.2.3" });
    const firstChange = w.stack.calls.findIndex((c) => c.startsWith("set") || c.startsWith("up"));
    expect(w.stack.calls.indexOf(`tag ${OPERATION_TAG}`)).to.be.below(firstChange);
    // The check on the standby and the check through the address write no phase of their own.
    expect(phases).to.deep.equal(["standby", "flip", "bake", "keep"]);
    expect(w.stack.calls).to.include(`untag ${OPERATION_TAG}`);
    await expectConsistent(w);
  });

  it("names who and what: op (release forward, rollback back), from, to, host, pid, start", async () => {
    const w = world("myapp-v1.2.2");
    let seen: OperationRecord | undefined;
    w.stack.afterSetTag = (k, v) => k === OPERATION_TAG && (seen ??= decodeRecord(v));
    await rollback(deps(w), { ...OPTS, target: "1.2.3", bakeMinutes: 0 });
    expect(seen).to.deep.equal({ op: "release", from: "myapp-v1.2.2", to: "myapp-v1.2.3", phase: "standby", host: "laptop", pid: 4242, startedAt: "2026-11-24T10:00:00Z" });
  });

  it("one at a time: every change refuses while a record exists (exit 1), naming it and `recover`, and changes nothing", async () => {
    const w = world();
    w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.1", phase: "flip", host: "ci-7", pid: 99, startedAt: "2026-11-24T09:58:00Z" });
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2" }), "OPERATION_IN_PROGRESS");
    expect(e.exitCode).to.equal(1);
    expect(e.message).to.equal(
      'stack "dev" has an unfinished operation: rollback myapp-v1.2.3 -> myapp-v1.2.1 started 2026-11-24T09:58:00Z on ci-7 (pid 99), phase flip; nothing was changed. ' +
        "If it is still running, wait for it; if its process is gone, finish it with `ec2-rollback recover`",
    );
    await failure(prune(deps(w), { keep: 0, yes: true, dryRun: false }), "OPERATION_IN_PROGRESS");
    expect(w.stack.calls.filter((c) => c.startsWith("set") || c.startsWith("up") || c.startsWith("tag"))).to.deep.equal([]);
    expect(w.cloud.deregistered).to.deep.equal([]);
  });

  it("two operators at once: the one whose record is not read back does not go ahead", async () => {
    const w = world();
    w.stack.afterSetTag = () => {
      w.stack.afterSetTag = undefined;
      w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.1", phase: "standby", host: "other", pid: 7, startedAt: "2026-11-24T10:00:01Z" });
    };
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2" }), "OPERATION_IN_PROGRESS");
    expect(e.message).to.include("on other (pid 7)");
    expect(w.stack.calls.filter((c) => c.startsWith("set") || c.startsWith("up"))).to.deep.equal([]);
  });

  it("a backend that keeps no stack tags is told apart by the read-back and said so; the change still ends consistent", async () => {
    const w = world();
    w.stack.keepsTags = false;
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.2", bakeMinutes: 0 });
    expect(r.status).to.equal("changed");
    expect(w.ui.lines.some((l) => l.startsWith("warn this stack's backend keeps no stack tags"))).to.equal(true);
    expect(w.stack.calls.filter((c) => c === `tag ${OPERATION_TAG}`)).to.have.length(1);
  });

  it("rollback to the pinned version is a no-op only when config, outputs and the serving machine agree; otherwise it says what disagrees and points at recover", async () => {
    const w = world();
    w.cloud.associate("i-0000000000000122a", w.clock.now() - 60_000); // an outage left the address elsewhere
    w.cloud.launch("ami-0000000000000122a", T0 - 600_000);
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.3" }), "STACK_INCONSISTENT");
    expect(e.message).to.match(/^not a no-op: the stack pins myapp-v1\.2\.3 but disagrees with what serves: the Elastic IP 203\.0\.113\.10 is on i-0000000000000122a, not on the live machine i-0000000000000123a; .*nothing was changed\. `ec2-rollback recover` makes it agree/);
  });
});

describe("transaction: the record ends only when the stack agrees again", function () {
  it("--no-revert after the standby's update failed: config and outputs disagree, so the record stays and the message says recover", async () => {
    const w = world();
    w.stack.upOutcomes = ["fail"];
    const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.2", revert: false }), "CHANGE_FAILED");
    expect(e.message).to.match(/not reverted \(--no-revert\).*finish with `ec2-rollback recover`$/);
    expect(record(w)!.phase).to.match(/-unfinished$/);
    await recover({ ...deps(w), ui: new FakeUi() }, { ...RECOVER, force: true });
    await expectConsistent(w);
  });

  it("keepPrevious's update failing: the change stands, with a warning (the previous machine runs although the config says stopped)", async () => {
    const w = world("myapp-v1.2.2");
    w.stack.upOutcomes = ["ok", "ok", "fail"];
    const r = await rollback(deps(w), { ...OPTS, target: "1.2.3", bakeMinutes: 0 });
    expect(r.status).to.equal("changed");
    // The previous machine's power state is not part of "consistent": the record ends, and the warning says what did not happen.
    expect(w.ui.lines.some((l) => l.startsWith("warn myapp-v1.2.3 serves; applying keepPrevious=stopped to the previous machine failed"))).to.equal(true);
    await expectConsistent(w);
  });

  it("a stack that changed while the question waited: nothing is changed, run it again", async () => {
    const w = { ...world(), ui: new FakeUi(true, true) };
    w.ui.confirm = async () => {
      w.stack.config_["ec2-rollback:standbyAmiVersion"] = "myapp-v1.2.1"; // another operator's change finished meanwhile
      return true;
    };
    const e = await failure(rollback(deps(w), { ...OPTS, yes: false, target: "1.2.2" }), "STACK_CHANGED");
    expect(e.message).to.equal('stack "dev" changed while this rollback waited to start; nothing was changed: run it again');
    expect(w.stack.calls.filter((c) => c.startsWith("set") || c.startsWith("up"))).to.deep.equal([]);
    expect(record(w)).to.equal(undefined);
  });
});

describe("transaction: status", function () {
  it("is consistent on a settled stack: consistent true, no problems, no operation", async () => {
    const s = await status(withLayers(world()));
    expect(s).to.deep.include({ consistent: true, problems: [], operation: null });
  });

  it("shows a record, and every disagreement between config, outputs and what the address serves", async () => {
    const w = world();
    w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "flip", host: "laptop", pid: 1, startedAt: "2026-11-24T09:00:00Z" });
    w.stack.config_["ec2-rollback:amiVersion"] = "myapp-v1.2.2"; // set, never applied
    const s = await status(withLayers(w));
    expect(s.consistent).to.equal(false);
    expect(s.operation).to.deep.include({ op: "rollback", phase: "flip" });
    expect(s.problems).to.deep.equal([
      "an operation is unfinished: rollback myapp-v1.2.3 -> myapp-v1.2.2 started 2026-11-24T09:00:00Z on laptop (pid 1), phase flip",
      "the config pins myapp-v1.2.2 but the last update ran myapp-v1.2.3",
      "the address serves ami-0000000000000123a (i-0000000000000123a) but the stack pins myapp-v1.2.2 (ami-0000000000000122a)",
    ]);
  });
});

describe("transaction: process death at every step, then recover", function () {
  const deaths: [string, ("ok" | "die-before" | "die-after")[]][] = [
    ["before the standby is prepared", ["die-before"]],
    ["after the standby was prepared", ["die-after"]],
    ["before the flip", ["ok", "die-before"]],
    ["after the flip ran", ["ok", "die-after"]],
    ["before the previous machine is stopped", ["ok", "ok", "die-before"]],
    ["after the previous machine was stopped", ["ok", "ok", "die-after"]],
  ];
  for (const [when, outcomes] of deaths) {
    it(`dies ${when}: the record stays, status says so, recover makes the stack consistent and removes it`, async () => {
      const w = world("myapp-v1.2.2");
      w.stack.upOutcomes = [...outcomes];
      await runUntilStuck(rollback(deps(w), { ...OPTS, target: "1.2.3" }));
      expect(record(w), "a record outlives the process").to.not.equal(undefined);
      const s = await status(withLayers(w));
      expect(s.consistent).to.equal(false);
      const r = await recover({ ...deps(w), ui: new FakeUi() }, RECOVER);
      expect(r.status).to.equal("recovered");
      await expectConsistent(w);
      // It keeps the target when the address already serves it (and it passes), else the last good version.
      const serving = w.cloud.machines.get(w.cloud.addressOn(w.clock.now())!)!.ami;
      expect(w.stack.pin).to.equal(serving === "ami-0000000000000123a" ? "myapp-v1.2.3" : "myapp-v1.2.2");
    });
  }

  it("dies during the bake: recover keeps the target, which serves and passes its checks", async () => {
    const w = world("myapp-v1.2.2");
    const sleep = w.clock.sleep.bind(w.clock);
    w.clock.sleep = async (ms, signal) => {
      if (record(w)?.phase === "bake") return new Promise<never>(() => undefined);
      return sleep(ms, signal);
    };
    await runUntilStuck(rollback(deps(w), { ...OPTS, target: "1.2.3" }));
    w.clock.sleep = sleep;
    const r = await recover({ ...deps(w), ui: new FakeUi() }, RECOVER);
    expect(r).to.deep.include({ status: "recovered", kept: true, serves: "myapp-v1.2.3", liveSlot: "green" });
    await expectConsistent(w);
  });

  it("recover returns to the last good version when the target on the address does not pass its checks", async () => {
    const w = world("myapp-v1.2.2");
    w.stack.upOutcomes = ["ok", "die-after"];
    await runUntilStuck(rollback(deps(w), { ...OPTS, target: "1.2.3" }));
    w.cloud.badApps.add("ami-0000000000000123a");
    for (const m of w.cloud.machines.values()) if (m.ami === "ami-0000000000000123a") m.answered = [];
    const r = await recover({ ...deps(w), ui: new FakeUi() }, RECOVER);
    expect(r).to.deep.include({ kept: false, serves: "myapp-v1.2.2", liveSlot: "blue" });
    expect(w.cloud.machines.get(w.cloud.addressOn(w.clock.now())!)!.ami).to.equal("ami-0000000000000122a");
    await expectConsistent(w);
  });

  it("recover on a consistent stack with no record: nothing to recover; a record on a consistent stack is removed", async () => {
    const w = world();
    expect((await recover(deps(w), RECOVER)).status).to.equal("nothing-to-recover");
    expect(w.stack.calls.filter((c) => c.startsWith("set") || c.startsWith("up"))).to.deep.equal([]);
    w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "prune", from: "3 checkpoints", to: "removed", phase: "prune", host: "h", pid: 1, startedAt: "2026-11-24T09:00:00Z" });
    expect((await recover(deps(w), RECOVER)).status).to.equal("recovered");
    await expectConsistent(w);
    // A machine change that never happened (its `from` serves): the record goes, and nothing claims a target was kept.
    w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "standby", host: "h", pid: 1, startedAt: "2026-11-24T09:00:00Z" });
    const r = await recover(deps(w), RECOVER);
    expect(r).to.include({ status: "recovered", serves: "myapp-v1.2.3" });
    expect(r.kept).to.equal(undefined);
    expect(formatRecover(r)).to.include("the stack was consistent: only the record was removed");
  });

  it("recover does not take over a young record (its change may still be running elsewhere) without --force", async () => {
    const w = world("myapp-v1.2.2");
    w.stack.upOutcomes = ["ok", "die-after"];
    await runUntilStuck(rollback(deps(w), { ...OPTS, target: "1.2.3" }));
    const e = await failure(recover({ ...deps(w), ui: new FakeUi() }, { ...RECOVER, force: false }), "OPERATION_IN_PROGRESS");
    expect(e.message).to.match(/^the unfinished release on stack "dev" started 2026-11-24T10:00:00Z on laptop \(pid 4242\), phase flip: it may still be running; nothing was changed\. If its process is gone, run `ec2-rollback recover --force`$/);
    w.clock.t += 31 * 60_000; // long gone
    expect((await recover({ ...deps(w), ui: new FakeUi() }, { ...RECOVER, force: false })).status).to.equal("recovered");
    await expectConsistent(w);
  });

  it("a change whose record was taken over by another operator stops without changing anything more", async () => {
    const w = world("myapp-v1.2.2");
    const ui = new FakeUi();
    ui.onStep = (t) => {
      if (t.includes("through its own address")) {
        ui.onStep = undefined;
        w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "recover", from: "myapp-v1.2.2", to: "myapp-v1.2.2", phase: "recover", host: "other", pid: 9, startedAt: "2026-11-24T10:01:00Z" });
      }
    };
    const e = await failure(rollback({ ...deps(w), ui }, { ...OPTS, target: "1.2.3" }), "OPERATION_TAKEN_OVER");
    expect(e.message).to.include("was replaced: recover myapp-v1.2.2 -> myapp-v1.2.2 started 2026-11-24T10:01:00Z on other (pid 9)");
    const ups = w.stack.calls.filter((c) => c.startsWith("up")).length;
    expect(ups).to.equal(1); // the standby's launch; no flip, no restore
  });

  it("recover after an alarm in the bake whose flip back died: the rejected target is not kept; the version before is", async () => {
    const w = world("myapp-v1.2.2");
    w.alarms.firesAt["myapp-dev-app-health"] = T0 + 120_000;
    w.stack.upOutcomes = ["ok", "ok", "die-before"]; // the flip back's update never runs
    await runUntilStuck(rollback(deps(w), { ...OPTS, target: "1.2.3" }));
    expect(record(w)!.phase).to.equal("flip-back");
    const r = await recover({ ...deps(w), ui: new FakeUi() }, RECOVER);
    expect(r).to.deep.include({ serves: "myapp-v1.2.2", kept: false });
    await expectConsistent(w);
  });

  it("recover confirms like any change: no terminal and no --yes refuses, exit 2", async () => {
    const w = world();
    w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "a", to: "b", phase: "flip", host: "h", pid: 1, startedAt: "x" });
    await failure(recover(deps(w), { ...RECOVER, yes: false }), "CONFIRMATION_REQUIRED");
    expect(record(w)).to.not.equal(undefined);
  });
});

describe("transaction: a signal at every phase ends consistent, with no record", function () {
  // The record's phases, and the two checks (which write no phase: their start is a step).
  const phases = ["standby", "check", "flip", "verify", "bake", "keep"];
  const checkStep: Record<string, RegExp> = { check: /through its own address$/, verify: /^checking .* through the address/ };
  for (const phase of phases) {
    it(`signal during "${phase}"`, async () => {
      const w = world("myapp-v1.2.2");
      const c = new AbortController();
      const ui = new FakeUi();
      if (checkStep[phase]) ui.onStep = (t) => checkStep[phase].test(t) && c.abort("SIGTERM");
      else
        w.stack.afterSetTag = (k, v) => {
          if (k === OPERATION_TAG && decodeRecord(v).phase === phase) c.abort("SIGTERM");
        };
      const r = await rollback({ ...deps(w), ui }, { ...OPTS, target: "1.2.3", signal: c.signal }).then(
        (x) => x,
        (e) => e,
      );
      await expectConsistent(w);
      if (phase === "keep") expect(r.status, "the change had succeeded").to.equal("changed");
      else {
        expect(r.code).to.equal("INTERRUPTED");
        expect(w.stack.pin).to.equal("myapp-v1.2.2");
        expect(w.cloud.unansweredMs(T0, w.clock.now())).to.be.at.most(2 * TIMING.switchMs + 1000);
      }
    });
  }

  it("a failure at each step (config set, up, flip, verification, the revert) ends consistent, or with a record recover finishes", async () => {
    const breakers: [string, (w: World) => void][] = [
      ["config set", (w) => (w.stack.setConfig = async () => Promise.reject(new Error("backend unreachable")))], // until the backend is back
      ["up", (w) => (w.stack.upOutcomes = ["fail"])],
      ["flip", (w) => (w.stack.upOutcomes = ["ok", "fail"])],
      ["verification", (w) => w.cloud.badApps.add("ami-0000000000000123a")],
      ["the revert", (w) => ((w.stack.upOutcomes = ["ok", "fail", "fail"]), undefined)],
    ];
    for (const [step, breakIt] of breakers) {
      const w = world("myapp-v1.2.2");
      breakIt(w);
      const e = await failure(rollback(deps(w), { ...OPTS, target: "1.2.3", verifyTimeoutMs: 60_000 }));
      expect(e.message, step).to.match(/pins myapp-v1\.2\.\d|recover|failed/);
      if (record(w)) {
        expect(e.message, step).to.include("ec2-rollback recover");
        w.stack.upOutcomes = [];
        delete (w.stack as { setConfig?: unknown }).setConfig; // the backend is back: the prototype's again
        await recover({ ...deps(w), ui: new FakeUi() }, RECOVER);
      }
      await expectConsistent(w);
      expect(w.cloud.servedByMs("ami-0000000000000123a", T0, w.clock.now()) === 0 || step === "the revert", step).to.equal(true);
      expect(IP).to.equal(w.stack.outputs_.publicIp);
    }
  });
});
