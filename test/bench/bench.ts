// `npm run bench`: figures for the README (not a timed test). Everything timed is timed side by side in
// this run, alternating the commands compared (medians), never against a fixed number:
//  - `ec2-rollback --help` next to `node -e 0`
//  - `versions --json` next to `aws ec2 describe-images` (when the aws CLI is installed), against the same
//    local endpoint; `status`, `revisions` and `deploy`'s fixed cost (a one-file folder, --no-wait) next
//    to `versions`; `versions` with 1,000 rollback points next to 2
//  - per command, the `pulumi` calls it makes and how many ran one after another (stub pulumi on PATH)
//  - the driver's own time for a full machine change with instant fakes (no cloud, no engine)
//  - deploy time and peak memory for 10 MiB / 200 MiB / 1 GiB folders (deployBench.ts)
//  - the modelled user-visible figures of a machine change (AWS timings of test/helpers/fakes.ts), for
//    the flow before two machines (one instance replaced create-before-delete, the address moved when it
//    runs, the old one terminated) and for today's flow.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiStack } from "../../automation/adapters/pulumiStack";
import { rollback, RollbackOptions } from "../../automation/core/rollback";
import { FakeClock, FakeCloud, FakeUi, T0, TIMING, world } from "../helpers/fakes";
import { startFakeAws } from "../helpers/fakeAwsEndpoint";
import { installStubPulumi, Stub, stubState } from "../helpers/pulumiStub";
import { deployFigures } from "./deployBench";
import { startFakeDeployAws } from "./fakeDeployAws";

const ROOT = path.resolve(__dirname, "../../..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const OPTS: RollbackOptions = { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 15 * 60_000, pollMs: 2000, bakePollMs: 5000 };

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

/** Short names of the calls since `from`: "config", "stack output", "stack tag set" … */
const callNames = (stub: Stub, from: number) =>
  stub
    .calls()
    .slice(from)
    .map((c) => (c.args[0] === "version" ? "version" : c.args.slice(0, c.args[1] === "tag" ? 3 : 2).join(" ").replace(" --show-secrets", "")));

/** The `pulumi` calls of one release with --bake 0 (the version already known, as after a first change). */
async function releaseCalls(target: string, standby?: { version: string; state: "running" | "stopped" }): Promise<string[]> {
  const state = stubState();
  if (standby) Object.assign(state.config, { "ec2-rollback:standbyAmiVersion": standby.version, "ec2-rollback:standbyState": standby.state, "ec2-rollback:keepPrevious": standby.state });
  if (standby) Object.assign(state.outputs, { standbyInstanceId: "i-00000000000000122", standbyAmiVersion: standby.version, standbyAmiId: "ami-0000000000000122a" });
  const stub = installStubPulumi(state);
  try {
    const open = () => PulumiStack.open({ workDir: stub.projectDir, stackName: "dev", env: { PULUMI_BACKEND_URL: "file:///tmp/ec2rb-bench" } });
    await (await open()).setConfig({}); // learns the CLI's version once, as a first change would
    const from = stub.calls().length;
    const stack = await open();
    const clock = new FakeClock();
    const cloud = new FakeCloud(clock);
    cloud.describeInstance = async (id) => ({ id, state: "running", imageId: `ami-${id.slice(-16)}a`, instanceType: "t3.micro", systemStatus: "ok", instanceStatus: "ok" });
    cloud.describeAddress = async () => ({ publicIp: "203.0.113.10", instanceId: stub.state().outputs.instanceId as string });
    await rollback({ stack, cloud, ui: new FakeUi(), clock }, { ...OPTS, target, healthCheck: false, pollMs: 1, bakeMinutes: 0 });
    return callNames(stub, from);
  } finally {
    stub.restorePath();
  }
}

/** Wall time of one spawned command (ms); it must exit 0. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    let stderr = "";
    const p = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e6) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${stderr}`))));
  });
}

/** Runs each command `n` times, taking turns, and returns each one's median (ms). */
async function sideBySide(runs: (() => Promise<number>)[], n: number): Promise<number[]> {
  const times = runs.map(() => [] as number[]);
  for (let i = 0; i < n; i++) for (const [k, run] of runs.entries()) times[k].push(await run());
  return times.map(median);
}

/** The `aws` executable itself (not a pyenv/asdf shim in front of it), if installed. */
function awsCli(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v pyenv >/dev/null && pyenv which aws 2>/dev/null || command -v aws"], { encoding: "utf8" });
  const bin = r.stdout.trim().split("\n")[0];
  return r.status === 0 && bin ? bin : undefined;
}

/** The read commands as users run them: the real CLI, a stub `pulumi`, local EC2/STS and S3/CodeDeploy endpoints. */
async function readFigures(): Promise<string[]> {
  const state = stubState();
  state.outputs = { ...state.outputs, revisionsBucket: "myapp-revisions-bench", applicationName: "myapp-dev", deploymentGroupName: "myapp-dev" };
  const stub = installStubPulumi(state);
  const ec2 = await startFakeAws(() => ({ instances: { "i-00000000000000123": "myapp-v1.2.3" }, instanceId: "i-00000000000000123", publicIp: "203.0.113.10", impaired: new Set() }));
  const app = await startFakeDeployAws();
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-bench-cache-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: "file:///tmp/ec2rb-bench-state",
    AWS_ENDPOINT_URL_EC2: ec2.url,
    AWS_ENDPOINT_URL_STS: ec2.url,
    AWS_ENDPOINT_URL_BACKUP: ec2.url,
    AWS_ENDPOINT_URL_CLOUDWATCH: ec2.url,
    AWS_ENDPOINT_URL_S3: app.url,
    AWS_ENDPOINT_URL_CODEDEPLOY: app.url,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_REGION: "eu-west-1",
    AWS_EC2_METADATA_DISABLED: "true",
    XDG_CACHE_HOME: cache,
  };
  delete env.AWS_PROFILE;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-bench-tiny-"));
  fs.writeFileSync(path.join(folder, "index.html"), "<h1>bench</h1>\n");
  const bin = path.join(ROOT, "bin/ec2-rollback.js");
  const cli = (...args: string[]) => () => timed(process.execPath, [bin, ...args, "--json", "-C", stub.projectDir], env);
  let deploys = 0;
  const deploy = () => timed(process.execPath, [bin, "deploy", folder, "--version", `9.0.${deploys++}`, "--yes", "--no-wait", "--json", "-C", stub.projectDir], env);
  const lines: string[] = [];
  try {
    // Per command: its pulumi calls, and how many ran one after another (a call slowed down so overlaps show).
    stub.setState({ ...stub.state(), holdMs: 300 });
    lines.push("pulumi calls per command (one after another = calls that did not overlap):");
    for (const [label, run] of [["versions", cli("versions")], ["status", cli("status")], ["revisions", cli("revisions")], ["deploy --no-wait", deploy]] as const) {
      const from = stub.calls().length;
      const before = stub.rounds();
      await run();
      const names = callNames(stub, from);
      lines.push(`  ${label.padEnd(18)} ${names.length} calls, ${stub.rounds() - before} in a row: ${names.join(" | ")}`);
    }
    stub.setState({ ...stub.state(), holdMs: 0 });
    for (const [label, target, standby] of [
      ["release (launch)", "1.2.2", undefined],
      ["rollback (standby running, kept running)", "1.2.2", { version: "myapp-v1.2.2", state: "running" as const }],
    ] as const) {
      const calls = await releaseCalls(target, standby);
      lines.push(`  ${label}: ${calls.length} calls: ${calls.join(" | ")}`);
    }

    const aws = awsCli();
    const describe = aws
      ? () => timed(aws, ["ec2", "describe-images", "--owners", "self", "--filters", "Name=name,Values=myapp-v*", "--region", "eu-west-1", "--endpoint-url", ec2.url], env)
      : undefined;
    const [versions, status, revisions, deployMs, awsMs] = await sideBySide([cli("versions"), cli("status"), cli("revisions"), deploy, ...(describe ? [describe] : [])], 11);
    const vs = (ms: number) => `${(ms / 1000).toFixed(3)} s (${(ms / versions).toFixed(2)}× versions)`;
    lines.push("read commands, medians of 11, taking turns (local endpoints, stub pulumi):");
    lines.push(`  versions --json        ${(versions / 1000).toFixed(3)} s${awsMs ? `   aws ec2 describe-images (same listing, same endpoint): ${(awsMs / 1000).toFixed(3)} s → versions is ${(versions / awsMs).toFixed(2)}× aws` : "   (aws CLI not installed: no comparison)"}`);
    lines.push(`  status --json          ${vs(status)}`);
    lines.push(`  revisions --json       ${vs(revisions)}`);
    lines.push(`  deploy (1 file, --no-wait) ${vs(deployMs)}`);
    const few = cli("versions");
    const many = async () => {
      ec2.extraImages = 998;
      try {
        return await cli("versions")();
      } finally {
        ec2.extraImages = 0;
      }
    };
    const [fewMs, manyMs] = await sideBySide([few, many], 7);
    lines.push(`  versions, 1,000 rollback points: ${(manyMs / 1000).toFixed(3)} s; 2: ${(fewMs / 1000).toFixed(3)} s (medians of 7, taking turns)`);
  } finally {
    stub.restorePath();
    await ec2.close();
    await app.close();
    fs.rmSync(folder, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
  return lines;
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
  const quick = process.argv.includes("--quick"); // without the deploy figures (minutes)
  if (process.argv.includes("--reads")) {
    // Only the commands' pulumi calls and the read timings (while working on them).
    for (const line of await readFigures()) console.log(line);
    return;
  }
  const [help, node] = await sideBySide([() => timed(process.execPath, [path.join(ROOT, "bin/ec2-rollback.js"), "--help"], process.env), () => timed(process.execPath, ["-e", "0"], process.env)], 10);
  console.log(`ec2-rollback --help            ${(help / 1000).toFixed(3)} s (median of 10, taking turns with node -e 0: ${(node / 1000).toFixed(3)} s)`);
  const overhead = await driverOverhead();
  console.log(`driver overhead, 1 change      ${overhead.toFixed(1)} ms (median of 50, instant fakes)`);
  for (const line of await readFigures()) console.log(line);
  const [oldFlow, newFlow] = [modelledOld(), await modelledNew()];
  console.log("modelled machine change (AWS timings: launch 18 s, boot+app 25 s, start 21 s, stop 30 s, switch 5 s, status checks 4 min)");
  console.log("                                         before (one machine)    now (two machines)");
  console.log(`  users see errors, good change          ${s(oldFlow.downtimeMs).padEnd(24)}${s(newFlow.downtimeMs)}`);
  console.log(`  a bad version serves users for         ${s(oldFlow.badExposureMs).padEnd(24)}${s(newFlow.badExposureMs)}`);
  console.log(`  back to the previous version serving   ${s(oldFlow.backToPreviousMs).padEnd(24)}${s(newFlow.backToPreviousMs)} (standby stopped), ${s(newFlow.backToPreviousRunningMs!)} (standby running)`);
  console.log(`  alarm in the bake -> previous serving  ${"- (no bake)".padEnd(24)}${s(newFlow.alarmToPreviousMs!)}`);
  console.log(`  /data missing on the live machine      ${"- (replacement)".padEnd(24)}${s(newFlow.dataGapMs!)} per flip (stop 30 s, attach 10 s, mount timer ≤ 5 s; users wait the same 45 s: the address moves after)`);
  if (!quick) for (const line of await deployFigures()) console.log(line);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
