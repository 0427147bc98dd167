// A machine change and an app deployment never overlap (automation/core/deployments.ts): a machine
// change refuses while a deployment has not ended, once its record is on and again before the flip.
import { expect } from "chai";
import { OPERATION_TAG } from "../../../contract/naming";
import { checkpoint } from "../../../automation/core/checkpoint";
import { encodeRecord } from "../../../automation/core/operation";
import { recordAppOnServingRelease, releasesOf } from "../../../automation/core/releases";
import { recover } from "../../../automation/core/recover";
import { rollback, RollbackOptions } from "../../../automation/core/rollback";
import { DeploymentInfo } from "../../../automation/core/ports";
import { FakeDeploy, FakeUi, T0, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const OPTS: RollbackOptions = { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 5 * 60_000, pollMs: 2000, bakePollMs: 5000, bakeMinutes: 0 };
const active = (id: string): DeploymentInfo => ({ id, status: "InProgress", createTime: new Date(T0 - 60_000), revision: { bucket: "b", key: "myapp/1.4.0.zip" } });
const changes = (calls: string[]) => calls.filter((c) => c.startsWith("set") || c.startsWith("up"));

describe("a machine change and a deployment never overlap", function () {
  it("a rollback refuses while a deployment is under way: one line naming it and how to stop it, nothing changed, no record left", async () => {
    const w = world("myapp-v1.2.2");
    const deploy = new FakeDeploy([active("d-RUNNING")]);
    const e = await failure(rollback({ ...w, deploy }, { ...OPTS, target: "1.2.3" }), "DEPLOYMENT_IN_PROGRESS");
    expect(e.exitCode).to.equal(1);
    expect(e.message).to.equal(
      "deployment d-RUNNING is under way on myapp-dev (InProgress, started 2026-11-24T09:59:00Z); nothing was changed. " +
        "Wait for it to end (`ec2-rollback status` shows it), or stop it (`aws deploy stop-deployment --deployment-id d-RUNNING --auto-rollback-enabled`, " +
        "and CodeDeploy rolls back what it changed), then run this again once nothing is under way",
    );
    expect(changes(w.stack.calls)).to.deep.equal([]);
    // Asked with the record on: a deployment that starts later sees the record and refuses itself.
    expect(w.stack.calls.indexOf(`tag ${OPERATION_TAG}`)).to.be.at.least(0);
    expect(w.stack.tags_[OPERATION_TAG]).to.equal(undefined);
    expect(deploy.activeReads).to.deep.equal([{ app: "myapp-dev", group: "myapp-dev" }]);
  });

  it("a deployment begun while the standby was checked: the address does not move, the standby goes back, the pin stays", async () => {
    const w = world("myapp-v1.2.2");
    const deploy = new FakeDeploy();
    // The first ask (record just on) finds none; by the second (before the flip) one has started.
    deploy.onActiveRead = async () => {
      if (deploy.activeReads.length === 2) deploy.deployments = [active("d-LATE")];
    };
    const before = w.cloud.addressOn(w.clock.now());
    const e = await failure(rollback({ ...w, deploy }, { ...OPTS, target: "1.2.3" }), "DEPLOYMENT_IN_PROGRESS");
    expect(e.message).to.match(/^myapp-v1\.2\.3 passed its checks on the standby machine \(green\) but was not flipped to: deployment d-LATE is under way on myapp-dev/);
    expect(e.message).to.include("the address was not moved, so it lands on the machine it was aimed at");
    expect(e.message).to.include("the stack pins myapp-v1.2.2, which still serves");
    expect(w.stack.pin).to.equal("myapp-v1.2.2");
    expect(w.cloud.addressOn(w.clock.now())).to.equal(before);
    expect(w.stack.tags_[OPERATION_TAG]).to.equal(undefined);
    // The target did not fail: no failed release is recorded for it.
    expect(releasesOf(w.stack.tags_).filter((r) => r.version === "myapp-v1.2.3")).to.deep.equal([]);
  });

  it("a deployment that failed moments ago, whose automatic rollback has not started, counts as under way", async () => {
    const w = world("myapp-v1.2.2");
    const failed: DeploymentInfo = { id: "d-FAILED", status: "Failed", completeTime: new Date(T0 - 10_000), autoRollback: true, underWay: "rolling-back" };
    const e = await failure(rollback({ ...w, deploy: new FakeDeploy([failed]) }, { ...OPTS, target: "1.2.3" }), "DEPLOYMENT_IN_PROGRESS");
    expect(e.message).to.equal(
      "deployment d-FAILED on myapp-dev failed at 2026-11-24T09:59:50Z and CodeDeploy is about to roll it back by itself; nothing was changed. " +
        "Wait for that rollback to start and end (`ec2-rollback status` shows it), then run this again",
    );
    expect(changes(w.stack.calls)).to.deep.equal([]);
  });

  it("CodeDeploy that cannot be read is said, and does not block a machine rollback", async () => {
    const w = world("myapp-v1.2.2");
    const deploy = new FakeDeploy();
    deploy.error = new Error("CodeDeploy ListDeployments: AWS refused the request (AccessDeniedException)");
    const r = await rollback({ ...w, deploy }, { ...OPTS, target: "1.2.3" });
    expect(r.status).to.equal("changed");
    expect(w.ui.lines).to.include(
      "warn could not read CodeDeploy's deployments of myapp-dev (CodeDeploy ListDeployments: AWS refused the request (AccessDeniedException)): if one is under way, it may land on the machine that stops serving",
    );
  });

  it("checkpoint --reboot and recover refuse too, and leave no record", async () => {
    const w = world();
    const deploy = new FakeDeploy([active("d-RUNNING")]);
    const images = w.cloud.images.length;
    await failure(checkpoint({ ...w, deploy }, { version: "1.3.0", reboot: true, yes: true, timeoutMs: 60_000, pollMs: 1000 }), "DEPLOYMENT_IN_PROGRESS");
    expect(w.cloud.images.length, "no image made, no reboot").to.equal(images);
    expect(w.stack.tags_[OPERATION_TAG]).to.equal(undefined);
    // Without a reboot the machine is not touched: no deployment matters.
    expect((await checkpoint({ ...w, deploy }, { version: "1.3.0", reboot: false, yes: true, timeoutMs: 60_000, pollMs: 1000 })).rebooted).to.equal(false);

    const r = world("myapp-v1.2.2");
    // A change that was being undone when its process died: recover updates the stack.
    r.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.2", to: "myapp-v1.2.3", phase: "flip-back", host: "h", pid: 1, startedAt: "2026-11-24T08:00:00Z" });
    await failure(recover({ ...r, deploy }, { yes: true, healthCheck: true, verifyTimeoutMs: 60_000, pollMs: 2000, force: true }), "DEPLOYMENT_IN_PROGRESS");
    expect(changes(r.stack.calls)).to.deep.equal([]);
    expect(r.stack.tags_[OPERATION_TAG], "the record it would take over stays").to.not.equal(undefined);

    // No record to take over (config that disagrees with what serves): asked once its own record is on, which then goes.
    const n = world("myapp-v1.2.2");
    n.stack.config_["ec2-rollback:amiVersion"] = "myapp-v1.2.3";
    let recordOnWhenAsked = false;
    const late = new FakeDeploy([active("d-RUNNING")]);
    late.onActiveRead = async () => void (recordOnWhenAsked = !!n.stack.tags_[OPERATION_TAG]);
    await failure(recover({ ...n, deploy: late }, { yes: true, healthCheck: true, verifyTimeoutMs: 60_000, pollMs: 2000, force: false }), "DEPLOYMENT_IN_PROGRESS");
    expect(recordOnWhenAsked, "asked with its record on").to.equal(true);
    expect(n.stack.tags_[OPERATION_TAG]).to.equal(undefined);
    expect(changes(n.stack.calls)).to.deep.equal([]);
  });

  it("a deployment that ends during a machine change does not write its app version on a release the change owns", async () => {
    const w = world();
    const ui = new FakeUi();
    w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "flip", host: "h", pid: 1, startedAt: "2026-11-24T10:00:00Z" });
    const before = { ...w.stack.tags_ };
    await recordAppOnServingRelease({ stack: w.stack, ui }, "1.4.0");
    expect(w.stack.tags_).to.deep.equal(before);
    expect(ui.lines[0]).to.match(/^warn app 1\.4\.0 is not recorded on a release: a machine change is under way \(rollback myapp-v1\.2\.3 -> myapp-v1\.2\.2/);
    expect(w.stack.calls).to.include("refresh tags");

    // Read fresh, not as at start: a record that appeared since is seen.
    const late = world();
    late.stack.snapshot();
    late.stack.tags_[OPERATION_TAG] = w.stack.tags_[OPERATION_TAG];
    const lateUi = new FakeUi();
    await recordAppOnServingRelease({ stack: late.stack, ui: lateUi }, "1.4.0");
    expect(lateUi.lines[0]).to.match(/^warn app 1\.4\.0 is not recorded on a release/);

    // A record of a change that moves no machine (prune, checkpoint): the app version is written.
    const pruning = world();
    await rollback(pruning, { ...OPTS, target: "1.2.2" });
    pruning.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "prune", from: "3 checkpoints", to: "removed", phase: "prune", host: "h", pid: 1, startedAt: "2026-11-24T10:00:00Z" });
    await recordAppOnServingRelease({ stack: pruning.stack, ui: new FakeUi() }, "1.4.0");
    expect(releasesOf(pruning.stack.tags_)[0]).to.deep.include({ version: "myapp-v1.2.2", app: "1.4.0" });
  });
});
