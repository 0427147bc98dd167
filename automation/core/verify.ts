// After an update: is the new machine up, is the address on it, does the app answer?
import { Ec2RollbackError } from "./errors";
import { poll, seconds } from "./poll";
import { Clock, CloudPort, HttpProbe, StackOutputs, Ui } from "./ports";
import { requireOutputs } from "./stackState";

export interface VerifyOptions {
  /** The address before the update; it must not change. */
  expectedIp?: string;
  /** The AMI the instance must run. */
  expectedAmi?: string;
  healthUrl?: string;
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

const DEAD = new Set(["stopping", "stopped", "shutting-down", "terminated"]);

const unhealthy = (message: string) => new Ec2RollbackError("CHANGE_FAILED", message);

/** Resolves when healthy; rejects with a one-line reason otherwise. */
export async function verifyMachine(
  deps: { cloud: CloudPort; clock: Clock; ui: Ui; http?: HttpProbe },
  stackName: string,
  outputs: StackOutputs,
  o: VerifyOptions,
): Promise<void> {
  const { cloud, clock, ui } = deps;
  const { instanceId, elasticIpAllocationId } = requireOutputs(stackName, outputs, ["instanceId", "elasticIpAllocationId"]);
  const start = clock.now();
  const left = () => Math.max(0, start + o.timeoutMs - clock.now());
  const elapsed = () => seconds(clock.now() - start);

  ui.step(`waiting for ${instanceId} to run and pass its status checks`);
  await poll(
    {
      clock,
      ui,
      what: instanceId,
      timeoutMs: left(),
      intervalMs: o.pollMs,
      signal: o.signal,
      onTimeout: (_, last) => unhealthy(`instance ${instanceId} not healthy after ${elapsed()} (${last})`),
    },
    async () => {
      const i = await cloud.describeInstance(instanceId);
      if (!i) throw unhealthy(`instance ${instanceId} does not exist`);
      if (DEAD.has(i.state)) throw unhealthy(`instance ${instanceId} is ${i.state}`);
      if (o.expectedAmi && i.imageId && i.imageId !== o.expectedAmi) throw unhealthy(`instance ${instanceId} runs ${i.imageId}, not ${o.expectedAmi}`);
      if (i.systemStatus === "impaired" || i.instanceStatus === "impaired") {
        throw unhealthy(`instance ${instanceId} failed its status checks (system ${i.systemStatus}, instance ${i.instanceStatus})`);
      }
      if (i.state === "running" && i.systemStatus === "ok" && i.instanceStatus === "ok") return { done: true, value: i };
      return { done: false, progress: `state ${i.state}, system ${i.systemStatus ?? "-"}, instance ${i.instanceStatus ?? "-"}` };
    },
  );
  ui.succeed(`${instanceId} running, status checks ok (${elapsed()})`);

  const address = await cloud.describeAddress(elasticIpAllocationId);
  if (!address) throw unhealthy(`Elastic IP ${elasticIpAllocationId} does not exist`);
  if (address.instanceId !== instanceId) {
    throw unhealthy(`Elastic IP ${address.publicIp} points at ${address.instanceId ?? "nothing"}, not the new instance ${instanceId}`);
  }
  if (o.expectedIp && address.publicIp !== o.expectedIp) throw unhealthy(`the public address changed from ${o.expectedIp} to ${address.publicIp}`);
  ui.succeed(`Elastic IP ${address.publicIp} is on ${instanceId}`);

  if (o.healthUrl && deps.http) {
    const url = o.healthUrl;
    const http = deps.http;
    ui.step(`health check ${url}`);
    await poll(
      {
        clock,
        ui,
        what: `health check ${url}`,
        timeoutMs: left(),
        intervalMs: o.pollMs,
        signal: o.signal,
        onTimeout: (_, last) => unhealthy(`health check ${url} failing after ${elapsed()}: ${last}`),
      },
      async () => {
        const r = await http.get(url, 5000);
        if (r.status !== undefined && r.status >= 200 && r.status < 400) return { done: true, value: r.status };
        return { done: false, progress: r.status !== undefined ? `HTTP ${r.status}` : (r.error ?? "no answer") };
      },
    );
    ui.succeed(`health check ${url} answers (${elapsed()})`);
  }
}
