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
  state.outputs.healthCheckUrl = `http://203.0.113.10:${port}/health`;
  world.stub.setState(state);
  // The address as the app's users reach it: here, the local health server.
  const env = { ...world.env, EC2RB_TRANSCRIPT_HEALTH: `127.0.0.1:${port}` };
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
