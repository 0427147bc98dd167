// `npm run bench`: figures for the README (not a timed test).
//  - `ec2-rollback --help` wall time, median of 10, next to `node -e 0`
//  - the driver's own time for a full rollback with instant fakes (no cloud, no engine)
//  - the CLI process's fixed cost before its first stack call (loading Pulumi's Automation API)
//  - how many Pulumi CLI invocations one rollback makes (stub pulumi on PATH)
import { spawnSync } from "child_process";
import * as path from "path";
import { PulumiStack } from "../../automation/adapters/pulumiStack";
import { rollback } from "../../automation/core/rollback";
import { FakeClock, FakeCloud, FakeHttp, FakeUi, world } from "../helpers/fakes";
import { installStubPulumi, stubState } from "../helpers/pulumiStub";

const ROOT = path.resolve(__dirname, "../../..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
    const w = world();
    const t = process.hrtime.bigint();
    await rollback(w, { target: "1.2.2", yes: true, revert: true, preview: false, healthCheck: true, healthUrl: "http://x/", verifyTimeoutMs: 60_000, pollMs: 10_000 });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

async function cliInvocations(): Promise<number> {
  const stub = installStubPulumi(stubState());
  try {
    const stack = await PulumiStack.open({ workDir: stub.projectDir, stackName: "dev", env: { PULUMI_BACKEND_URL: "file:///tmp/ec2rb-bench" } });
    const cloud = new FakeCloud();
    cloud.address = { publicIp: "203.0.113.10", instanceId: "i-00000000000000122" };
    cloud.describeInstance = async (id) => ({ id, state: "running", imageId: "", instanceType: "t3.micro", systemStatus: "ok", instanceStatus: "ok" });
    await rollback(
      { stack, cloud, ui: new FakeUi(), clock: new FakeClock(), http: new FakeHttp() },
      { target: "1.2.2", yes: true, revert: true, preview: false, healthCheck: false, verifyTimeoutMs: 60_000, pollMs: 1 },
    );
    const calls = stub.calls().map((c) => c.args.slice(0, 2).join(" "));
    console.log(`  pulumi calls: ${calls.join(" | ")}`);
    return calls.length;
  } finally {
    stub.restorePath();
  }
}

async function main() {
  const help = wall([path.join(ROOT, "bin/ec2-rollback.js"), "--help"]);
  const node = wall(["-e", "0"]);
  const automationLoad = wall(["-e", "require('@pulumi/pulumi/automation'); require('@aws-sdk/client-ec2')"], 5);
  const overhead = await driverOverhead();
  const invocations = await cliInvocations();
  console.log(`ec2-rollback --help         ${(help / 1000).toFixed(3)} s (median of 10; node -e 0: ${(node / 1000).toFixed(3)} s)  target < 0.3 s`);
  console.log(`driver overhead, 1 rollback ${overhead.toFixed(1)} ms (median of 50, instant fakes)  target < 1 s`);
  console.log(`SDK load per stack command  ${(automationLoad / 1000).toFixed(3)} s (node + Automation API + EC2 client, median of 5)`);
  console.log(`pulumi CLI invocations      ${invocations} per rollback`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
