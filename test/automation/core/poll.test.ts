import { expect } from "chai";
import { poll } from "../../../automation/core/poll";
import { FakeClock, FakeUi } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

describe("poll: the one way to wait", function () {
  const base = { what: "AMI myapp-v1.3.0 (ami-1)", timeoutMs: 60_000, intervalMs: 15_000, goesOnAt: "`ec2-rollback versions`" };

  it("returns the step's value, showing progress with the time so far", async () => {
    const clock = new FakeClock();
    const ui = new FakeUi();
    let n = 0;
    const v = await poll({ ...base, clock, ui }, async () => (++n === 3 ? { done: true, value: "ami-1" } : { done: false, progress: "pending" }));
    expect(v).to.equal("ami-1");
    expect(ui.lines).to.deep.equal(["progress AMI myapp-v1.3.0 (ami-1): pending (0s)", "progress AMI myapp-v1.3.0 (ami-1): pending (15s)"]);
  });

  it("times out within the deadline, never sleeping past it, and says the thing goes on in AWS", async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const e = await failure(poll({ ...base, timeoutMs: 40_000, clock }, async () => ({ done: false, progress: "pending" })), "TIMED_OUT");
    expect(clock.now() - t0).to.equal(40_000);
    expect(e.message).to.equal("AMI myapp-v1.3.0 (ami-1) still pending after 40s; it goes on in AWS: see `ec2-rollback versions`");
  });

  it("an interrupt, before a step or during a sleep, is INTERRUPTED (exit 130) with where to follow it", async () => {
    const clock = new FakeClock();
    const c = new AbortController();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      c.abort();
      return sleep(ms, signal);
    };
    const e = await failure(poll({ ...base, clock, signal: c.signal }, async () => ({ done: false, progress: "pending" })), "INTERRUPTED");
    expect(e.exitCode).to.equal(130);
    expect(e.message).to.equal("stopped waiting for AMI myapp-v1.3.0 (ami-1) (interrupted); it goes on in AWS: see `ec2-rollback versions`");
  });

  it("a step that throws ends the wait with its error", async () => {
    const e = await failure(poll({ ...base, clock: new FakeClock() }, async () => Promise.reject(new Error("AMI failed"))));
    expect(e.message).to.equal("AMI failed");
  });
});
