// prune removes old checkpoints, never a rollback point that any stack of the project needs.
import { expect } from "chai";
import { OPERATION_TAG, releaseTag } from "../../../contract/naming";
import { encodeRecord } from "../../../automation/core/operation";
import { prune, PRUNE_CONCURRENCY } from "../../../automation/core/prune";
import { encodeRelease } from "../../../automation/core/releases";
import { FakeUi, image, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const NOW = Date.parse("2026-11-24T10:00:00Z");
const names = (xs: { version: string }[]) => xs.map((x) => x.version);

describe("prune", function () {
  it("keeps the N newest, what this stack serves, the one before it, and never touches recovery points", async () => {
    const w = world();
    w.cloud.images.push(image("AwsBackup_ami-0000000000000b01a", "ami-0000000000000b01a", { tags: { "aws:backup:source-resource": "i-old" } }));
    const r = await prune(w, { keep: 2, yes: true, dryRun: false });
    expect(names(r.remove)).to.deep.equal(["1.2.1"]);
    expect(r.kept).to.deep.include({ version: "2.0.0", reason: "among the 2 newest", stack: "dev" });
    expect(r.kept).to.deep.include({ version: "1.2.3", reason: "serves there (amiVersion)", stack: "dev" });
    expect(r.kept).to.deep.include({ version: "1.2.2", reason: "pinned before the current one (update history)", stack: "dev" });
    expect(w.cloud.deregistered).to.deep.equal(["ami-0000000000000121a"]);
    expect(w.cloud.deletedSnapshots).to.deep.equal(["snap-0000000000000121a"]);
    expect(w.cloud.images.some((i) => i.name.startsWith("AwsBackup_"))).to.equal(true);
    expect(r.freedGiB).to.equal(20);
  });

  it("never removes the standby machine's version, however old", async () => {
    const w = world("myapp-v1.2.3", { standby: "myapp-v1.2.1" });
    w.stack.history_ = w.stack.history_.slice(0, 1);
    const r = await prune(w, { keep: 0, yes: true, dryRun: false });
    expect(r.kept).to.deep.include({ version: "1.2.1", reason: "on its standby machine (standbyAmiVersion)", stack: "dev" });
    expect(w.cloud.deregistered).to.not.include("ami-0000000000000121a");
    expect(names(r.remove)).to.include("1.2.2");
  });

  it("two and three stacks in one backend: never another stack's pin, standby, last good release or unfinished operation", async () => {
    const w = world();
    w.stack.history_ = w.stack.history_.slice(0, 1); // dev alone would protect only 1.2.3
    w.cloud.images.push(image("myapp-v1.1.0", "ami-0000000000000110a", { createdAt: new Date("2026-10-01T00:00:00Z") }));
    w.cloud.images.push(image("myapp-v1.0.0", "ami-0000000000000100a", { createdAt: new Date("2026-09-01T00:00:00Z") }));
    w.project.add("prod", "myapp-v1.2.1", "ami-0000000000000200a", {
      [releaseTag(7)]: encodeRelease({ seq: 7, version: "myapp-v1.1.0", amiId: "ami-0000000000000110a", good: true, outcome: "served", servedFrom: "2026-10-02T00:00:00Z", servedTo: "2026-11-02T00:00:00Z" }),
      [releaseTag(8)]: encodeRelease({ seq: 8, version: "myapp-v1.2.1", amiId: "ami-0000000000000121a", good: true, outcome: "served", servedFrom: "2026-11-02T00:00:00Z" }),
    });
    w.project.add("staging", "myapp-v1.2.3", undefined, {
      [OPERATION_TAG]: encodeRecord({ op: "release", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "flip", host: "h", pid: 1, startedAt: "2026-11-24T09:00:00Z" }),
    });
    const r = await prune(w, { keep: 0, yes: true, dryRun: false });
    expect(r.kept).to.deep.include({ version: "1.2.1", reason: "serves there (amiVersion)", stack: "prod" });
    expect(r.kept).to.deep.include({ version: "2.0.0", reason: "on its standby machine (standbyAmiVersion)", stack: "prod" });
    expect(r.kept).to.deep.include({ version: "1.1.0", reason: "its last good release before the current one (#7)", stack: "prod" });
    expect(r.kept).to.deep.include({ version: "1.2.2", reason: "named by its unfinished release", stack: "staging" });
    expect(names(r.remove)).to.deep.equal(["1.0.0"]);
    expect(w.cloud.deregistered).to.deep.equal(["ami-0000000000000100a"]);
  });

  it("another stack whose config file lags (another checkout released since): what it really runs, by its outputs and releases, stays", async () => {
    const w = world();
    w.stack.history_ = w.stack.history_.slice(0, 1);
    // prod's Pulumi.prod.yaml here still says 1.2.1; it has since released 2.0.0 (outputs, release tags).
    w.project.add("prod", "myapp-v1.2.1", undefined, {
      [releaseTag(5)]: encodeRelease({ seq: 5, version: "myapp-v1.2.2", amiId: "ami-0000000000000122a", good: true, outcome: "served", servedFrom: "2026-11-10T00:00:00Z" }),
    }, { amiId: "ami-0000000000000200a" });
    const r = await prune(w, { keep: 0, yes: true, dryRun: true });
    expect(r.kept).to.deep.include({ version: "2.0.0", reason: "serves there (its last update)", stack: "prod" });
    expect(r.kept).to.deep.include({ version: "1.2.2", reason: "serves there (release #5)", stack: "prod" });
  });

  it("a stack of another project in the same backend (no ec2-rollback config) neither protects nor blocks", async () => {
    const w = world();
    w.project.stacks.website = { config: { "aws:region": "eu-west-1", "website:domain": "example.com" } };
    const r = await prune(w, { keep: 0, yes: true, dryRun: true });
    expect(r.kept.some((k) => k.stack === "website")).to.equal(false);
  });

  it("asks every stack again after the question: a rollback point another stack came to need meanwhile stays", async () => {
    const w = { ...world(), ui: new FakeUi(true, true) };
    w.ui.confirm = async () => {
      w.project.add("prod", "myapp-v1.2.1"); // prod starts serving 1.2.1 while the question waits
      return true;
    };
    const r = await prune(w, { keep: 0, yes: false, dryRun: false });
    expect(r.remove.map((x) => x.version)).to.include("1.2.1");
    expect(w.cloud.deregistered).to.not.include("ami-0000000000000121a");
    expect(w.ui.lines).to.include("warn keeping myapp-v1.2.1 after all: another stack came to need it while you were asked");
  });

  it("this stack too is read again after the question (its reads from before it are forgotten), before anything is deleted", async () => {
    const w = { ...world(), ui: new FakeUi(true, true) };
    let asked = -1;
    w.ui.confirm = async () => {
      asked = w.stack.calls.length;
      return true;
    };
    await prune(w, { keep: 0, yes: false, dryRun: false });
    const [refreshed, reread] = [w.stack.calls.indexOf("refresh", asked), w.stack.calls.indexOf("config", asked)];
    expect(refreshed, w.stack.calls.join(", ")).to.be.at.least(asked);
    expect(reread, "the re-check reads this stack's config after forgetting it").to.be.above(refreshed);
    expect(w.cloud.deregistered.length).to.be.above(0);
  });

  it("a stack whose config cannot be read blocks the deletion, named; nothing is deleted on a guess (dry run too)", async () => {
    const w = world();
    w.project.add("prod", "myapp-v1.2.1");
    w.project.stacks.qa = new Error("incorrect passphrase\nmore detail");
    for (const dryRun of [true, false]) {
      const e = await failure(prune(w, { keep: 0, yes: true, dryRun }), "PROTECTION_UNKNOWN");
      expect(e.message).to.equal(
        "could not read what stack qa (incorrect passphrase) needs: their rollback points might be among those to remove, so nothing was removed. " +
          "Make them readable (e.g. their PULUMI_CONFIG_PASSPHRASE) and try again",
      );
    }
    expect(w.cloud.deregistered).to.deep.equal([]);
  });

  it("a failed attempt and a reverted one never become 'the one before': the last good release stays protected", async () => {
    const w = world();
    w.stack.history_ = w.stack.history_.slice(0, 1);
    w.stack.tags_ = {
      [releaseTag(1)]: encodeRelease({ seq: 1, version: "myapp-v1.2.2", amiId: "ami-0000000000000122a", good: true, outcome: "served", servedFrom: "2026-11-10T00:00:00Z", servedTo: "2026-11-20T00:00:00Z" }),
      [releaseTag(2)]: encodeRelease({ seq: 2, version: "myapp-v1.2.3", amiId: "ami-0000000000000123a", good: true, outcome: "served", servedFrom: "2026-11-20T00:00:00Z" }),
      [releaseTag(3)]: encodeRelease({ seq: 3, version: "myapp-v1.2.1", amiId: "ami-0000000000000121a", good: false, outcome: "reverted", servedFrom: "2026-11-21T00:00:00Z", servedTo: "2026-11-21T00:05:00Z" }),
      [releaseTag(4)]: encodeRelease({ seq: 4, version: "myapp-v2.0.0", amiId: "ami-0000000000000200a", good: false, outcome: "failed" }),
    };
    const r = await prune(w, { keep: 0, yes: true, dryRun: true });
    expect(r.kept).to.deep.include({ version: "1.2.2", reason: "its last good release before the current one (#1)", stack: "dev" });
    expect(names(r.remove)).to.include.members(["1.2.1", "2.0.0"]);
  });

  it("--older-than removes only checkpoints older than that, still never the protected ones", async () => {
    const w = world();
    w.clock.t = NOW;
    const r = await prune(w, { olderThanDays: 4, yes: true, dryRun: false });
    expect(names(r.remove)).to.deep.equal(["1.2.1"]);
    expect(r.kept.filter((k) => k.reason === "not older than 4 days").map((k) => k.version)).to.deep.equal(["2.0.0"]);
  });

  it("deletes nothing without confirmation, or with --dry-run, and needs --keep or --older-than", async () => {
    const w = world();
    await failure(prune(w, { keep: 0, yes: false, dryRun: false }), "CONFIRMATION_REQUIRED");
    const no = { ...world(), ui: new FakeUi(true, false) };
    await failure(prune(no, { keep: 0, yes: false, dryRun: false }), "NOT_CONFIRMED");
    const dry = await prune(w, { keep: 0, yes: false, dryRun: true });
    expect(names(dry.remove)).to.deep.equal(["2.0.0", "1.2.1"]);
    expect(dry.kept).to.deep.include({ version: "2.1.0", reason: "still being created", stack: "dev" });
    expect(w.cloud.deregistered).to.deep.equal([]);
    expect(no.cloud.deregistered).to.deep.equal([]);
    await failure(prune(w, { yes: true, dryRun: false }), "USAGE");
  });

  it("at scale: 300 checkpoints removed with at most 4 deletions in flight", async () => {
    const w = world();
    for (let n = 0; n < 300; n++) w.cloud.images.push(image(`myapp-v0.1.${n}`, `ami-${String(n).padStart(17, "0")}`, { createdAt: new Date("2025-01-01T00:00:00Z") }));
    let inFlight = 0;
    let most = 0;
    const dereg = w.cloud.deregisterImage.bind(w.cloud);
    w.cloud.deregisterImage = async (id) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      await dereg(id);
      inFlight--;
    };
    const r = await prune(w, { keep: 0, yes: true, dryRun: false });
    expect(r.remove.length).to.equal(302);
    expect(w.cloud.deregistered).to.have.length(302);
    expect(most).to.equal(PRUNE_CONCURRENCY);
  });
});
