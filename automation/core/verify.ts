// Is a machine good? Checked twice in a machine change: the candidate through its own address before
// the flip (nobody is served by it yet), and the live machine through the Elastic IP after.
//
// What is checked, and what is not: EC2 says `running` and the system status check is not `impaired`,
// and the app answers `healthCheckPath` on the first app port with 2xx/3xx. The 2/2 instance status
// check is not waited for: it reports minutes after the machine is really up (its first result comes
// 2–5 minutes after launch), and an app that answers is a stronger signal than it.
import { Ec2RollbackError, isEc2RollbackError, messageOf } from "./errors";
import { poll, PollOptions, seconds } from "./poll";
import { Clock, CloudPort, HttpProbe, InstanceHealth, Ui } from "./ports";

export interface CheckOptions {
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

const DEAD = new Set(["stopping", "stopped", "shutting-down", "terminated"]);

const failed = (message: string) => new Ec2RollbackError("CHANGE_FAILED", message);

/** The poll of a check: its bound, its interval, and what a timeout says (`failing(elapsed, last progress)`). */
function checkPoll(deps: { clock: Clock; ui: Ui }, what: string, o: CheckOptions, failing: (elapsed: string, last: string) => string): PollOptions {
  return {
    clock: deps.clock,
    ui: deps.ui,
    what,
    timeoutMs: o.timeoutMs,
    intervalMs: o.pollMs,
    signal: o.signal,
    onTimeout: (elapsedMs, last) => failed(failing(seconds(elapsedMs), last)),
  };
}

/**
 * Asks AWS, and takes a failed or throttled answer as "unknown, ask again" rather than "unhealthy":
 * only an answer is a verdict. Credential and permission problems end the wait at once.
 */
async function ask<T>(f: () => Promise<T>): Promise<{ value: T } | { unknown: string }> {
  try {
    return { value: await f() };
  } catch (e) {
    if (isEc2RollbackError(e, "AWS_CREDENTIALS") || isEc2RollbackError(e, "AWS_DENIED")) throw e;
    return { unknown: `unknown (${messageOf(e).split("\n")[0]}), asking again` };
  }
}

/** Waits until the instance runs the AMI with its system check not impaired; fails at once if it cannot. */
export async function waitForMachine(
  deps: { cloud: CloudPort; clock: Clock; ui: Ui },
  instanceId: string,
  expectedAmi: string | undefined,
  o: CheckOptions,
): Promise<InstanceHealth> {
  return poll(
    checkPoll(deps, instanceId, o, (elapsed, last) => `instance ${instanceId} not running after ${elapsed} (${last})`),
    async () => {
      const r = await ask(() => deps.cloud.describeInstance(instanceId));
      if ("unknown" in r) return { done: false, progress: r.unknown };
      const i = r.value;
      if (!i) throw failed(`instance ${instanceId} does not exist`);
      if (DEAD.has(i.state)) throw failed(`instance ${instanceId} is ${i.state}`);
      if (expectedAmi && i.imageId && i.imageId !== expectedAmi) throw failed(`instance ${instanceId} runs ${i.imageId}, not ${expectedAmi}`);
      if (i.systemStatus === "impaired") throw failed(`instance ${instanceId} failed its system status check (the AWS host is impaired)`);
      if (i.state === "running") return { done: true, value: i };
      return { done: false, progress: `state ${i.state}` };
    },
  );
}

/** Waits until `url` answers 2xx/3xx. */
export async function waitForApp(deps: { clock: Clock; ui: Ui; http: HttpProbe }, url: string, o: CheckOptions): Promise<void> {
  await poll(
    checkPoll(deps, url, o, (elapsed, last) => `${url} does not answer after ${elapsed}: ${last}`),
    async () => {
      const r = await deps.http.get(url, Math.min(5000, Math.max(1000, o.pollMs)));
      if (r.status !== undefined && r.status >= 200 && r.status < 400) return { done: true, value: r.status };
      return { done: false, progress: r.status !== undefined ? `HTTP ${r.status}` : (r.error ?? "no answer") };
    },
  );
}

/** Waits until the Elastic IP is on `instanceId` (the association is eventually consistent for a few seconds). */
export async function waitForAddress(deps: { cloud: CloudPort; clock: Clock; ui: Ui }, allocationId: string, instanceId: string, o: CheckOptions): Promise<string> {
  return poll(
    checkPoll(deps, `Elastic IP ${allocationId}`, o, (_, last) => `the Elastic IP is not on ${instanceId}: ${last}`),
    async () => {
      const r = await ask(() => deps.cloud.describeAddress(allocationId));
      if ("unknown" in r) return { done: false, progress: r.unknown };
      if (!r.value) throw failed(`Elastic IP ${allocationId} does not exist`);
      if (r.value.instanceId === instanceId) return { done: true, value: r.value.publicIp };
      return { done: false, progress: `${r.value.publicIp} points at ${r.value.instanceId ?? "nothing"}` };
    },
  );
}
