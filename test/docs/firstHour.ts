// `npm run first-hour`: the README's "Your first hour" transcript, recorded as a person sees it (the real
// CLI in a pseudo-terminal, its screen read back through a terminal emulator) against the stand-ins the
// tests use: a stub `pulumi`, a local AWS endpoint, and the app's health check answered on 127.0.0.1.
import * as http from "http";
import { AddressInfo } from "net";
import { cliWorld } from "../helpers/cli";
import { inTerminal } from "../helpers/pty";

async function main() {
  const world = await cliWorld();
  const health = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok\n"));
  await new Promise<void>((r) => health.listen(0, "127.0.0.1", r));
  const port = (health.address() as AddressInfo).port;
  const state = world.stub.state();
  state.config["ec2-rollback:appPorts"] = `[${port}]`;
  state.config["ec2-rollback:healthCheckPath"] = "/health";
  // What users reach through the address: here, the local health server.
  state.outputs.healthCheckUrl = `http://127.0.0.1:${port}/health`;
  Object.assign(state.outputs, { applicationName: "myapp-dev", deploymentGroupName: "myapp-dev", revisionsBucket: "myapp-dev-revisions", backupVaultName: "myapp-dev" });
  world.stub.setState(state);
  // An hour of history in the other two layers: two deployments and last night's recovery point.
  const at = (iso: string) => Date.parse(iso) / 1000;
  const s3 = (v: string) => ({ revisionType: "S3", s3Location: { bucket: "myapp-dev-revisions", key: `myapp/${v}.zip`, bundleType: "zip" } });
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  world.aws.deployments = [
    { deploymentId: "d-7Q2XK1ABC", status: "Succeeded", createTime: at(hoursAgo(1.1)), completeTime: at(hoursAgo(1)), revision: s3("1.4.1") },
    { deploymentId: "d-3M9PL0XYZ", status: "Succeeded", createTime: at(hoursAgo(26)), completeTime: at(hoursAgo(25.9)), revision: s3("1.4.0") },
  ];
  world.aws.recoveryPoints = [
    {
      RecoveryPointArn: "arn:aws:ec2:eu-west-1::image/ami-0000000000000990a",
      ResourceArn: "arn:aws:ec2:eu-west-1:111122223333:instance/i-00000000000000123",
      ResourceType: "EC2",
      Status: "COMPLETED",
      CreationDate: at(hoursAgo(7)),
      CalculatedLifecycle: { DeleteAt: at(hoursAgo(-24 * 35)) },
      BackupSizeInBytes: 21474836480,
    },
  ];
  const env = world.env;
  const steps: [string[], [RegExp, string][]][] = [
    [["status"], []],
    [["versions"], []],
    [["rollback", "1.2.2", "--dry-run"], []],
    [["rollback", "1.2.2"], [[/\[y\/N\]/, "y\r"]]],
    [["status"], []],
    [["rollback"], [[/\[y\/N\]/, "y\r"]]],
    [["releases"], []],
  ];
  const out: string[] = [];
  try {
    for (const [args, answers] of steps) {
      const s = await inTerminal(args, env, { cols: 110, answers, cwd: world.stub.projectDir });
      out.push(`$ ec2-rollback ${args.join(" ")}`, ...s.lines.map((l) => l.replace(new RegExp(`:${port}\\b`, "g"), "")), "");
    }
  } finally {
    health.close();
    await world.close();
  }
  console.log(out.join("\n"));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
