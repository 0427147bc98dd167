import { expect } from "chai";
import { checkpoint, CheckpointOptions } from "../../../automation/core/checkpoint";
import { rollback } from "../../../automation/core/rollback";
import { status } from "../../../automation/core/status";
import { listVersions } from "../../../automation/core/versions";
import { ACCOUNT, IP, withLayers, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const OPTS: CheckpointOptions = { version: "1.3.0", reboot: true, yes: true, timeoutMs: 60 * 60_000, pollMs: 15_000 };

describe("checkpoint", function () {
  it("makes <appName>-v<version> from the running instance, tagged, and waits until available", async () => {
    const w = world();
    const r = await checkpoint(w, OPTS);
    expect(w.cloud.created).to.have.length(1);
    const c = w.cloud.created[0];
    expect(c).to.deep.include({ instanceId: "i-0000000000000123a", name: "myapp-v1.3.0", reboot: true });
    expect(c.tags).to.deep.include({ App: "myapp", Version: "1.3.0", Stack: "dev", CreatedBy: `arn:aws:iam::${ACCOUNT}:user/alice` });
    expect(c.tags.CreatedAt).to.equal("2026-11-24T10:00:01.000Z"); // after the record settled (1 s)
    expect(r).to.deep.include({ name: "myapp-v1.3.0", amiId: "ami-0000000000000001b", version: "1.3.0", durationMs: 31_000 });
    expect(w.ui.lines.filter((l) => l.startsWith("progress"))).to.deep.equal([
      "progress AMI myapp-v1.3.0 (ami-0000000000000001b): pending (0s)",
      "progress AMI myapp-v1.3.0 (ami-0000000000000001b): pending (15s)",
    ]);
  });

  it("accepts v1.3.0 and --no-reboot", async () => {
    const w = world();
    await checkpoint(w, { ...OPTS, version: "v1.3.0", reboot: false });
    expect(w.cloud.created[0]).to.deep.include({ name: "myapp-v1.3.0", reboot: false });
  });

  it("refuses a malformed version or an existing name, creating nothing", async () => {
    for (const [version, message] of [
      ["1.3", '"1.3" is not a semantic version'],
      ["1.3.0+build", '"1.3.0+build" is not a semantic version'],
      ["1.2.3", "myapp-v1.2.3 already exists (ami-0000000000000123a, 2026-11-20T00:00:00.000Z); versions are immutable"],
    ]) {
      const w = world();
      const e = await failure(checkpoint(w, { ...OPTS, version }));
      expect(e.message, version).to.include(message);
      expect(w.cloud.created).to.have.length(0);
    }
  });

  it("refuses without a terminal unless --yes (it reboots the instance)", async () => {
    const w = world();
    const e = await failure(checkpoint(w, { ...OPTS, yes: false }));
    expect(e.message).to.equal("refusing to make a checkpoint without confirmation: no terminal to ask; pass --yes");
    expect(w.cloud.created).to.have.length(0);
  });

  it("reports a failed image with AWS's reason", async () => {
    const w = world();
    w.cloud.newImageStates = ["pending", "failed"];
    const origDescribe = w.cloud.describeImage.bind(w.cloud);
    w.cloud.describeImage = async (id) => {
      const i = await origDescribe(id);
      if (i?.state === "failed") i.stateReason = "Client.InternalError";
      return i;
    };
    const e = await failure(checkpoint(w, OPTS));
    expect(e.message).to.equal("AMI myapp-v1.3.0 (ami-0000000000000001b) failed: Client.InternalError");
  });

  it("gives up waiting at the timeout, saying the AMI may still finish", async () => {
    const w = world();
    w.cloud.newImageStates = Array(100).fill("pending");
    const e = await failure(checkpoint(w, { ...OPTS, timeoutMs: 60_000 }), "TIMED_OUT");
    expect(e.message).to.include("still pending after 60s; it goes on in AWS: see `ec2-rollback versions`");
  });
});

describe("versions", function () {
  it("lists this app's semver AMIs newest first, marks the pinned one, and leaves out other names", async () => {
    const w = world();
    const v = await listVersions(w);
    expect(v.map((p) => p.name)).to.deep.equal(["myapp-v2.1.0", "myapp-v2.0.0", "myapp-v1.2.3", "myapp-v1.2.2", "myapp-v1.2.1"]);
    expect(v.filter((p) => p.current).map((p) => p.version)).to.deep.equal(["1.2.3"]);
    expect(v[2]).to.deep.equal({
      version: "1.2.3",
      name: "myapp-v1.2.3",
      amiId: "ami-0000000000000123a",
      createdAt: "2026-11-20T00:00:00.000Z",
      state: "available",
      source: "checkpoint",
      current: true,
      standby: false,
      sizeGiB: 20,
    });
  });

  it("marks the standby machine's version", async () => {
    const w = world("myapp-v1.2.3", { standby: "myapp-v1.2.1" });
    const v = await listVersions(w);
    expect(v.filter((p) => p.standby).map((p) => p.version)).to.deep.equal(["1.2.1"]);
  });

  it("marks the current one when the pin is an AMI id", async () => {
    const w = world("ami-0000000000000122a");
    const v = await listVersions(w);
    expect(v.filter((p) => p.current).map((p) => p.version)).to.deep.equal(["1.2.2"]);
  });
});

describe("status", function () {
  it("reports both machines (version, instance, state, address, since when), the address and the last release (from the tags, not the update history)", async () => {
    const w = world("myapp-v1.2.3", { standby: "myapp-v1.2.2", standbyState: "stopped" });
    const s = await status(withLayers(w));
    expect(s).to.deep.include({ stack: "dev", region: "eu-west-1", appName: "myapp", amiVersion: "myapp-v1.2.3", amiId: "ami-0000000000000123a", publicIp: IP, addressOnInstance: true });
    expect(s.live).to.deep.include({ slot: "blue", role: "live", version: "myapp-v1.2.3" });
    expect(s.live.instance).to.deep.include({ id: "i-0000000000000123a", state: "running", systemStatus: "ok", address: IP, launchTime: "2026-11-24T09:00:00.000Z" });
    expect(s.standby).to.deep.include({ slot: "green", role: "standby", version: "myapp-v1.2.2", amiId: "ami-0000000000000122a" });
    expect(s.standby!.instance).to.deep.include({ id: "i-0000000000000122a", state: "stopped", address: undefined });
    expect(s.lastRelease).to.equal(null);
    expect((await status(withLayers(world()))).standby).to.equal(null);
    await rollback(w, { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 5 * 60_000, pollMs: 2000, bakeMinutes: 0 });
    const after = await status(withLayers(w));
    expect(after.lastRelease).to.deep.include({ seq: 2, version: "myapp-v1.2.2", good: true, outcome: "served", servedFrom: "2026-11-24T10:00:26Z" });
    expect(w.stack.calls.filter((c) => c.startsWith("history")), "no update history read").to.deep.equal([]);
  });

  it("says when the address is not on the live machine", async () => {
    const w = world();
    w.cloud.associate("i-someoneelse", w.clock.now() - 60_000);
    expect((await status(withLayers(w))).addressOnInstance).to.equal(false);
  });
});
