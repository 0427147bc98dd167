// After an update: is the new machine up, is the address on it, does the app answer?
import { InterruptedError, UserError } from "./errors";
import { Clock, CloudPort, HttpProbe, StackOutputs, Ui } from "./ports";

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

/** Resolves when healthy; rejects with a one-line reason otherwise. */
export async function verifyMachine(
  deps: { cloud: CloudPort; clock: Clock; ui: Ui; http?: HttpProbe },
  outputs: StackOutputs,
  o: VerifyOptions,
): Promise<void> {
  const { cloud, clock, ui } = deps;
  const { instanceId, elasticIpAllocationId } = outputs;
  if (!instanceId || !elasticIpAllocationId) {
    throw new UserError("the stack has no instanceId/elasticIpAllocationId outputs; is this an ec2-rollback stack?");
  }
  const start = clock.now();
  const deadline = start + o.timeoutMs;
  const elapsed = () => `${Math.round((clock.now() - start) / 1000)}s`;
  const check = () => {
    if (o.signal?.aborted) throw new InterruptedError();
  };

  ui.step(`waiting for ${instanceId} to run and pass its status checks`);
  for (;;) {
    check();
    const i = await cloud.describeInstance(instanceId);
    if (!i) throw new UserError(`instance ${instanceId} does not exist`);
    if (DEAD.has(i.state)) throw new UserError(`instance ${instanceId} is ${i.state}`);
    if (o.expectedAmi && i.imageId && i.imageId !== o.expectedAmi) {
      throw new UserError(`instance ${instanceId} runs ${i.imageId}, not ${o.expectedAmi}`);
    }
    if (i.systemStatus === "impaired" || i.instanceStatus === "impaired") {
      throw new UserError(`instance ${instanceId} failed its status checks (system ${i.systemStatus}, instance ${i.instanceStatus})`);
    }
    if (i.state === "running" && i.systemStatus === "ok" && i.instanceStatus === "ok") break;
    if (clock.now() >= deadline) {
      throw new UserError(
        `instance ${instanceId} not healthy after ${elapsed()} (state ${i.state}, system ${i.systemStatus ?? "-"}, instance ${i.instanceStatus ?? "-"})`,
      );
    }
    ui.progress(`${instanceId}: ${i.state}, status checks ${i.systemStatus ?? "-"}/${i.instanceStatus ?? "-"} (${elapsed()})`);
    await clock.sleep(o.pollMs, o.signal);
  }
  ui.succeed(`${instanceId} running, status checks ok (${elapsed()})`);

  const address = await cloud.describeAddress(elasticIpAllocationId);
  if (!address) throw new UserError(`Elastic IP ${elasticIpAllocationId} does not exist`);
  if (address.instanceId !== instanceId) {
    throw new UserError(`Elastic IP ${address.publicIp} points at ${address.instanceId ?? "nothing"}, not the new instance ${instanceId}`);
  }
  if (o.expectedIp && address.publicIp !== o.expectedIp) {
    throw new UserError(`the public address changed from ${o.expectedIp} to ${address.publicIp}`);
  }
  ui.succeed(`Elastic IP ${address.publicIp} is on ${instanceId}`);

  if (o.healthUrl && deps.http) {
    ui.step(`health check ${o.healthUrl}`);
    let last = "";
    for (;;) {
      check();
      const r = await deps.http.get(o.healthUrl, 5000);
      if (r.status !== undefined && r.status >= 200 && r.status < 400) break;
      last = r.status !== undefined ? `HTTP ${r.status}` : (r.error ?? "no answer");
      if (clock.now() >= deadline) throw new UserError(`health check ${o.healthUrl} failing after ${elapsed()}: ${last}`);
      ui.progress(`health check ${o.healthUrl}: ${last} (${elapsed()})`);
      await clock.sleep(o.pollMs, o.signal);
    }
    ui.succeed(`health check ${o.healthUrl} answers (${elapsed()})`);
  }
}
