// `npm run bench`: figures for the README (not a timed test).
//  - `ec2-rollback --help` wall time, median of 10, next to `node -e 0`
//  - the driver's own time for a full machine change with instant fakes (no cloud, no engine)
//  - the CLI process's fixed cost before its first stack call (loading Pulumi's Automation API)
//  - how many Pulumi CLI invocations one machine change makes (stub pulumi on PATH, counted from its log)
//  - the modelled user-visible figures of a machine change (AWS timings of test/helpers/fakes.ts), for
//    the flow before two machines (one instance replaced create-before-delete, the address moved when it
//    runs, the old one terminated) and for today's flow.
import { spawnSync } from "child_process";
import * as path from "path";
import { PulumiStack } from "../../automation/adapters/pulumiStack";
import { rollback, RollbackOptions } from "../../automation/core/rollback";
import { FakeClock, FakeCloud, FakeUi, T0, TIMING, world } from "../helpers/fakes";
import { installStubPulumi, stubState } from "../helpers/pulumiStub";

const ROOT = path.resolve(__dirname, "../../..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const OPTS: RollbackOptions = { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 15 * 60_000, pollMs: 2000, bakePollMs: 5000 };

function wall(args: string[], n = 10): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

async function driverOverhead(n = 50): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = world("myapp-v1.2.2");
    const t = process.hrtime.bigint();
    await rollback({ ...w }, { ...OPTS, target: "1.2.3" });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

async function cliInvocations(): Promise<string[]> {
  const stub = installStubPulumi(stubState());
  try {
    const stack = await PulumiStack.open({ workDir: stub.projectDir, stackName: "dev", env: { PULUMI_BACKEND_URL: "file:///tmp/ec2rb-bench" } });
    const clock = new FakeClock();
    const cloud = new FakeCloud(clock);
    cloud.describeInstance = async (id) => ({ id, state: "running", imageId: `ami-${id.slice(-16)}a`, instanceType: "t3.micro", systemStatus: "ok", instanceStatus: "ok" });
    cloud.describeAddress = async () => ({ publicIp: "203.0.113.10", instanceId: stub.state().outputs.instanceId as string });
    await rollback({ stack, cloud, ui: new FakeUi(), clock }, { ...OPTS, target: "1.2.2", healthCheck: false, pollMs: 1, bakeMinutes: 0 });
    return stub.calls().map((c) => c.args.slice(0, 2).join(" "));
  } finally {
    stub.restorePath();
  }
}

interface Modelled {
  downtimeMs: number;
  badExposureMs: number;
  backToPreviousMs: number;
  backToPreviousRunningMs?: number;
  alarmToPreviousMs?: number;
  dataGapMs?: number;
}

/** Today's flow, in the fake world with AWS timings. */
async function modelledNew(): Promise<Modelled> {
  const good = world("myapp-v1.2.2");
  await rollback({ ...good }, { ...OPTS, target: "1.2.3" });
  const bad = world("myapp-v1.2.2");
  bad.cloud.badApps.add("ami-0000000000000123a");
  await rollback({ ...bad }, { ...OPTS, target: "1.2.3", verifyTimeoutMs: 5 * 60_000 }).catch(() => undefined);
  const back = world("myapp-v1.2.3", { standby: "myapp-v1.2.2", standbyState: "stopped" });
  await rollback({ ...back }, { ...OPTS });
  const warm = world("myapp-v1.2.3", { standby: "myapp-v1.2.2", standbyState: "running" });
  await rollback({ ...warm }, { ...OPTS });
  const alarm = world("myapp-v1.2.2");
  alarm.alarms.firesAt["myapp-dev-app-health"] = T0 + 120_000;
  await rollback({ ...alarm }, { ...OPTS, target: "1.2.3" }).catch(() => undefined);
  const data = world("myapp-v1.2.2", { config: { "ec2-rollback:dataVolumeSizeGiB": "20" } });
  await rollback({ ...data }, { ...OPTS, target: "1.2.3" });
  return {
    dataGapMs: data.cloud.dataUnavailableMs(T0, data.clock.now()),
    downtimeMs: good.cloud.unansweredMs(T0, good.clock.now()),
    badExposureMs: bad.cloud.servedByMs("ami-0000000000000123a", T0, bad.clock.now()),
    backToPreviousMs: back.cloud.firstServedBy("ami-0000000000000122a", T0)! - T0,
    backToPreviousRunningMs: warm.cloud.firstServedBy("ami-0000000000000122a", T0)! - T0,
    alarmToPreviousMs: alarm.cloud.firstServedBy("ami-0000000000000122a", T0 + 120_000)! - (T0 + 120_000),
  };
}

/**
 * The flow before two machines, with the same timings: `up` replaces the one instance create-before-delete
 * (the new one runs after launchMs, the address moves to it then, and the old one is terminated), then
 * verification waits for EC2's 2/2 status checks (statusChecksMs after running). A bad version serves
 * from the switch until verification gives up (the default --verify-timeout, 15 min) and a second full
 * replacement puts the previous version back.
 */
function modelledOld(): Modelled {
  const engine = TIMING.engineMs;
  const switchAt = engine + TIMING.launchMs; // the address moves to a machine that has not booted yet
  const appAt = switchAt + TIMING.bootMs;
  const downtimeMs = appAt - switchAt + TIMING.switchMs;
  const verifyGivesUp = switchAt + 15 * 60_000;
  const revertServes = verifyGivesUp + engine + TIMING.launchMs + TIMING.switchMs;
  return {
    downtimeMs,
    badExposureMs: revertServes - switchAt,
    backToPreviousMs: engine + TIMING.launchMs + TIMING.switchMs + TIMING.bootMs,
  };
}

async function main() {
  const help = wall([path.join(ROOT, "bin/ec2-rollback.js"), "--help"]);
  const node = wall(["-e", "0"]);
  const automationLoad = wall(["-e", "require('@pulumi/pulumi/automation'); require('@aws-sdk/client-ec2')"], 5);
  const overhead = await driverOverhead();
  const calls = await cliInvocations();
  const [oldFlow, newFlow] = [modelledOld(), await modelledNew()];
  console.log(`ec2-rollback --help            ${(help / 1000).toFixed(3)} s (median of 10; node -e 0: ${(node / 1000).toFixed(3)} s)`);
  console.log(`driver overhead, 1 change      ${overhead.toFixed(1)} ms (median of 50, instant fakes)`);
  console.log(`SDK load per stack command     ${(automationLoad / 1000).toFixed(3)} s (node + Automation API + EC2 client, median of 5)`);
  console.log(`pulumi CLI invocations         ${calls.length} per release with --bake 0: ${calls.join(" | ")}`);
  console.log("modelled machine change (AWS timings: launch 18 s, boot+app 25 s, start 21 s, stop 30 s, switch 5 s, status checks 4 min)");
  console.log("                                         before (one machine)    now (two machines)");
  console.log(`  users see errors, good change          ${s(oldFlow.downtimeMs).padEnd(24)}${s(newFlow.downtimeMs)}`);
  console.log(`  a bad version serves users for         ${s(oldFlow.badExposureMs).padEnd(24)}${s(newFlow.badExposureMs)}`);
  console.log(`  back to the previous version serving   ${s(oldFlow.backToPreviousMs).padEnd(24)}${s(newFlow.backToPreviousMs)} (standby stopped), ${s(newFlow.backToPreviousRunningMs!)} (standby running)`);
  console.log(`  alarm in the bake -> previous serving  ${"- (no bake)".padEnd(24)}${s(newFlow.alarmToPreviousMs!)}`);
  console.log(`  /data missing on the live machine      ${"- (replacement)".padEnd(24)}${s(newFlow.dataGapMs!)} per flip (stop 30 s, attach 10 s, mount timer ≤ 5 s; users wait the same 45 s: the address moves after)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
