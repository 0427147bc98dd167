// The CLI as users run it: spawned with node, against a stub `pulumi` on PATH and a local AWS endpoint.
import { spawn } from "child_process";
import * as path from "path";
import { FakeAws, startFakeAws } from "./fakeAwsEndpoint";
import { installStubPulumi, Stub, stubState } from "./pulumiStub";

export const BIN = path.resolve(__dirname, "../../../bin/ec2-rollback.js");

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/** The CLI as a child process, signalled `delayMs` after its stderr first shows `when`. */
export function cliSignalled(args: string[], env: NodeJS.ProcessEnv, signal: NodeJS.Signals, when: RegExp, delayMs = 0): Promise<Ran & { signalled: boolean }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let signalled = false;
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => {
      stderr += d;
      if (!signalled && when.test(stderr)) {
        signalled = true;
        setTimeout(() => p.kill(signal), delayMs);
      }
    });
    p.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0, signalled }));
  });
}

/** A shell pipeline (`… | head -1`): its exit code, and what reached the end of it. */
export function shell(command: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn("sh", ["-c", command], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

export interface CliWorld {
  stub: Stub;
  aws: FakeAws;
  env: NodeJS.ProcessEnv;
  /** AMI ids whose machines fail their status checks. */
  impaired: Set<string>;
  close(): Promise<void>;
}

/** A stub stack (pulumi on PATH) and a local AWS endpoint that answers for its machines. */
/** The spawned CLI's environment for the stand-ins: a file backend, every AWS call to `endpoint`, fake keys. */
export function standInEnv(endpoint: string): NodeJS.ProcessEnv {
  return {
    PULUMI_BACKEND_URL: "file:///tmp/ec2rb-state",
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_PROFILE: "",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

export async function cliWorld(): Promise<CliWorld> {
  const stub = installStubPulumi(stubState());
  const impaired = new Set<string>();
  const aws = await startFakeAws(() => {
    const st = stub.state();
    const instances: Record<string, string> = { [String(st.outputs.instanceId)]: st.config["ec2-rollback:amiVersion"] };
    if (st.outputs.standbyInstanceId) instances[String(st.outputs.standbyInstanceId)] = st.config["ec2-rollback:standbyAmiVersion"];
    // The standby is stopped when the config the last update applied says so.
    const stopped = new Set(st.outputs.standbyInstanceId && st.config["ec2-rollback:standbyState"] !== "running" ? [String(st.outputs.standbyInstanceId)] : []);
    return { instances, instanceId: String(st.outputs.instanceId), publicIp: String(st.outputs.publicIp), impaired, stopped };
  });
  const env = { PATH: process.env.PATH, ...standInEnv(aws.url) };
  return {
    stub,
    aws,
    env,
    impaired,
    close: async () => {
      stub.restorePath();
      await aws.close();
    },
  };
}
