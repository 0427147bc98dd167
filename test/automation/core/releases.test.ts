// Releases: what served, when, and whether it was good — "previous" is always the last good one.
import { expect } from "chai";
import { revisionKey } from "../../../contract/naming";
import { appRollback } from "../../../automation/core/appDeploy";
import { rollbackRelease } from "../../../automation/core/releaseRollback";
import { encodeRelease, lastGoodBefore, Release, releasesOf } from "../../../automation/core/releases";
import { rollback, RollbackOptions } from "../../../automation/core/rollback";
import { DeployPort, DeploymentInfo, RevisionObject, RevisionStorePort, S3Location } from "../../../automation/core/ports";
import { OPERATION_TAG } from "../../../contract/naming";
import { FakeUi, T0, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const OPTS: RollbackOptions = { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 5 * 60_000, pollMs: 2000, bakePollMs: 5000, bakeMinutes: 0 };
type World = ReturnType<typeof world>;
const releases = (w: World) => releasesOf(w.stack.tags_);
const brief = (r: Release) => [r.seq, r.version, r.good, r.outcome, !!r.servedFrom, !!r.servedTo];

/** CodeDeploy and S3 as far as app-rollback needs them: every deployment succeeds at once. */
class FakeApp implements DeployPort, RevisionStorePort {
  deployments: DeploymentInfo[] = [];
  objects = new Set(["myapp/1.4.0.zip", "myapp/1.5.0.zip"]);
  constructor(live: string) {
    this.deploy(live);
  }
  private deploy(version: string): string {
    const id = `d-${this.deployments.length + 1}`;
    this.deployments.unshift({ id, status: "Succeeded", createTime: new Date(T0 + this.deployments.length), completeTime: new Date(T0 + this.deployments.length), revision: { bucket: "b", key: revisionKey("myapp", version) } });
    return id;
  }
  get live() {
    return this.deployments[0].revision!.key;
  }
  async registerRevision() {}
  async createDeployment(o: { location: S3Location }) {
    return this.deploy(o.location.key.slice("myapp/".length, -".zip".length));
  }
  async getDeployment(id: string) {
    return this.deployments.find((d) => d.id === id)!;
  }
  async lifecycle() {
    return [];
  }
  async recentDeployments() {
    return [...this.deployments];
  }
  async activeDeployments() {
    return [];
  }
  async stopDeployment() {}
  async head(_: string, key: string): Promise<RevisionObject | undefined> {
    return this.objects.has(key) ? { key, size: 1, lastModified: new Date(T0) } : undefined;
  }
  async putNew(): Promise<RevisionObject | undefined> {
    return undefined;
  }
  async list() {
    return [...this.objects].map((key) => ({ key, size: 1, lastModified: new Date(T0) }));
  }
}

describe("releases", function () {
  it("every machine change is recorded: good ones as served (ending the one before), failed and reverted ones never good", async () => {
    const w = world("myapp-v1.2.2");
    await rollback(w, { ...OPTS, target: "1.2.3" });
    w.cloud.badApps.add("ami-0000000000000121a");
    await failure(rollback(w, { ...OPTS, target: "1.2.1", verifyTimeoutMs: 60_000 }), "CHANGE_FAILED");
    w.alarms.firesAt["myapp-dev-app-health"] = w.clock.now() + 30_000;
    await failure(rollback(w, { ...OPTS, target: "1.2.2", bakeMinutes: 5 }), "CHANGE_FAILED");
    expect(releases(w).map(brief)).to.deep.equal([
      [4, "myapp-v1.2.2", false, "reverted", true, true],
      [3, "myapp-v1.2.1", false, "failed", false, false],
      [2, "myapp-v1.2.3", true, "served", true, false],
      [1, "myapp-v1.2.2", true, "served", false, true], // what served before the stack's first release, until it
    ]);
    const next = world("myapp-v1.2.3");
    next.stack.tags_ = { ...w.stack.tags_ };
    await rollback(next, { ...OPTS, target: "1.2.2" });
    expect(releasesOf(next.stack.tags_).filter((r) => r.good).map((r) => [r.version, !!r.servedTo])).to.deep.equal([
      ["myapp-v1.2.2", false],
      ["myapp-v1.2.3", true],
      ["myapp-v1.2.2", true],
    ]);
  });

  it("'previous' is the last good release: never an attempt that failed or was reverted, even one left on the standby", async () => {
    // 1.2.3 served, then 1.2.2 (good); then 1.2.1 was tried and reverted: it is left on the standby machine.
    const w = world("myapp-v1.2.3");
    await rollback(w, { ...OPTS, target: "1.2.2" });
    w.alarms.firesAt["myapp-dev-app-health"] = w.clock.now() + 60_000;
    await failure(rollback(w, { ...OPTS, target: "1.2.1", bakeMinutes: 5 }), "CHANGE_FAILED");
    expect(w.stack.config_["ec2-rollback:standbyAmiVersion"]).to.equal("myapp-v1.2.1");
    delete w.alarms.firesAt["myapp-dev-app-health"];
    const r = await rollback(w, { ...OPTS });
    expect(r.to.pin).to.equal("myapp-v1.2.3");
    expect(w.ui.lines).to.include("step target: myapp-v1.2.3 (the last good release before this one, #1)");
  });

  it("a Ctrl-C revert never becomes 'previous' either", async () => {
    const w = world("myapp-v1.2.3");
    await rollback(w, { ...OPTS, target: "1.2.2" });
    const c = new AbortController();
    w.stack.duringUp = () => c.abort("SIGINT");
    await failure(rollback(w, { ...OPTS, target: "1.2.1", signal: c.signal }), "INTERRUPTED");
    w.stack.duringUp = undefined;
    expect(lastGoodBefore(releases(w), "myapp-v1.2.2")!.version).to.equal("myapp-v1.2.3");
  });

  it("the last good release is the newest good one of another version, even when the serving record is not the pinned version", () => {
    const rs = releasesOf({
      "ec2-rollback:release:000001": encodeRelease({ seq: 1, version: "B", amiId: "", good: true, outcome: "served", servedFrom: "x", servedTo: "y" }),
      "ec2-rollback:release:000002": encodeRelease({ seq: 2, version: "C", amiId: "", good: true, outcome: "served", servedFrom: "y" }),
      "ec2-rollback:release:000003": encodeRelease({ seq: 3, version: "T", amiId: "", good: false, outcome: "failed", servedFrom: "z" }),
    });
    expect(lastGoodBefore(rs, "T")!.version).to.equal("C"); // pinned T after a --no-revert failure: C is the last good
    expect(lastGoodBefore(rs, "C")!.version).to.equal("B");
  });

  it("a record fits Pulumi's 256-byte tag values whatever the version name, keeping the version and the verdict", () => {
    const long = `myapp-v1.2.3-${"rc.".repeat(38)}1`;
    const text = encodeRelease({ seq: 1, version: long, amiId: "ami-0123456789abcdef0", app: "1.4.0-beta.7", good: true, outcome: "served", servedFrom: "2026-11-24T10:00:00Z", servedTo: "2026-11-24T11:00:00Z" });
    expect(Buffer.byteLength(text)).to.be.at.most(256);
    expect(JSON.parse(text)).to.include({ v: long, ok: true, r: "served" });
  });

  it("more than 50 updates since the last change: releases do not depend on the update history", async () => {
    const w = world("myapp-v1.2.3");
    await rollback(w, { ...OPTS, target: "1.2.2" });
    w.stack.history_ = Array.from({ length: 60 }, () => ({ kind: "update", result: "succeeded", startTime: new Date(T0), amiVersion: "myapp-v1.2.2" })); // routine updates
    const r = await rollback(w, { ...OPTS });
    expect(r.to.pin).to.equal("myapp-v1.2.3");
  });

  it("rollback release:<n> brings back the machine version and the app revision that were live together, with one question", async () => {
    const w = world("myapp-v1.2.2");
    const app = new FakeApp("1.5.0");
    const deps = { ...w, store: app, deploy: app, caller: w.cloud };
    const appOpts = { yes: true, fileExists: "DISALLOW" as const, wait: true, timeoutMs: 60_000, pollMs: 1000 };
    await rollback(deps, { ...OPTS, target: "1.2.3" }); // release #2 (after #1, what served before): 1.2.3
    await appRollback(deps, { ...appOpts, version: "1.4.0" }); // … then app 1.4.0 on it
    await rollback(deps, { ...OPTS, target: "1.2.1" }); // release #3: 1.2.1
    await appRollback(deps, { ...appOpts, version: "1.5.0" }); // … then app 1.5.0 on it
    expect(releases(w).map((r) => [r.seq, r.version, r.app])).to.deep.equal([
      [3, "myapp-v1.2.1", "1.5.0"],
      [2, "myapp-v1.2.3", "1.4.0"],
      [1, "myapp-v1.2.2", undefined],
    ]);
    w.ui.questions.length = 0;
    const interactive = { ...deps, ui: Object.assign(w.ui, { interactive: true }) };
    const r = await rollbackRelease(interactive, { ...OPTS, yes: false, release: 2, appTimeoutMs: 60_000 });
    expect(w.ui.questions).to.deep.equal([
      "Roll dev back to release #2? machine: myapp-v1.2.1 -> myapp-v1.2.3 (on the standby, checked, then the address moves); app: 1.5.0 -> 1.4.0 (CodeDeploy).",
    ]);
    expect(r.machine.status).to.equal("changed");
    expect(w.stack.pin).to.equal("myapp-v1.2.3");
    expect(app.live).to.equal("myapp/1.4.0.zip");
    expect(w.ui.lines).to.include.members(["step release #2, machine layer: myapp-v1.2.3", "step release #2, app layer: 1.4.0"]);
  });

  it("release:<n>: a stack that changed while its question waited is refused (STACK_CHANGED), changing nothing", async () => {
    const w = world("myapp-v1.2.2");
    const app = new FakeApp("1.4.0");
    const deps = { ...w, store: app, deploy: app, caller: w.cloud };
    await rollback(deps, { ...OPTS, target: "1.2.3" });
    // The stack as read before the question (the Pulumi adapter answers with what it read until a change).
    const before = { ...w.stack.config_ };
    const interactive = { ...deps, ui: Object.assign(new FakeUi(true), {}) };
    interactive.ui.confirm = async () => {
      // Meanwhile another operator's change ends: a new standby version, with no record left.
      w.stack.config_["ec2-rollback:standbyAmiVersion"] = "myapp-v1.2.1";
      return true;
    };
    // Until the change reads the stack again, config answers as read before the question.
    const config = w.stack.config.bind(w.stack);
    const refreshedAt = w.stack.calls.length;
    w.stack.config = async () => (w.stack.calls.slice(refreshedAt).includes("refresh") ? config() : { ...before });
    const e = await failure(rollbackRelease(interactive, { ...OPTS, yes: false, release: 1, appTimeoutMs: 1 }), "STACK_CHANGED");
    expect(e.message).to.equal('stack "dev" changed while this rollback waited to start; nothing was changed: run it again');
    expect(w.stack.tags_[OPERATION_TAG]).to.equal(undefined);
  });

  it("release:<n> --preview asks nothing and deploys nothing: the machine layer's preview, and which app version would be redeployed", async () => {
    const w = world("myapp-v1.2.2");
    const app = new FakeApp("1.5.0");
    const deps = { ...w, store: app, deploy: app, caller: w.cloud };
    await rollback(deps, { ...OPTS, target: "1.2.3" });
    await appRollback(deps, { yes: true, fileExists: "DISALLOW", wait: true, timeoutMs: 60_000, pollMs: 1000, version: "1.4.0" });
    await rollback(deps, { ...OPTS, target: "1.2.1" });
    await appRollback(deps, { yes: true, fileExists: "DISALLOW", wait: true, timeoutMs: 60_000, pollMs: 1000, version: "1.5.0" });
    const deployed = app.deployments.length;
    const r = await rollbackRelease(deps, { ...OPTS, yes: false, preview: true, release: 2, appTimeoutMs: 1 });
    expect(r.machine.status).to.equal("preview");
    expect(r.app).to.deep.equal({ status: "preview", version: "1.4.0" });
    expect(app.deployments.length).to.equal(deployed);
    expect(w.stack.pin).to.equal("myapp-v1.2.1");
  });

  it("release:<n> refuses an unknown or a bad release, changing nothing", async () => {
    const w = world("myapp-v1.2.2");
    const app = new FakeApp("1.4.0");
    w.cloud.badApps.add("ami-0000000000000123a");
    await failure(rollback(w, { ...OPTS, target: "1.2.3", verifyTimeoutMs: 60_000 }));
    const deps = { ...w, store: app, deploy: app, caller: w.cloud };
    expect((await failure(rollbackRelease(deps, { ...OPTS, release: 9, appTimeoutMs: 1 }), "VERSION_NOT_FOUND")).message).to.equal(
      'stack "dev" has no release #9; list them with `ec2-rollback releases`',
    );
    expect((await failure(rollbackRelease(deps, { ...OPTS, release: 1, appTimeoutMs: 1 }), "VERSION_UNUSABLE")).message).to.include("was not good (failed)");
  });
});
