// The one way the driver waits for something in AWS: a deadline, an interval, an abort signal and a
// step. What an interrupt or a timeout says is decided here, once: whether the thing goes on without
// us, and where to look at it.
import { Ec2RollbackError, InterruptedError } from "./errors";
import { Clock, Ui } from "./ports";

export type PollStep<T> = (elapsedMs: number) => Promise<{ done: true; value: T } | { done: false; progress: string }>;

export interface PollOptions {
  clock: Clock;
  ui?: Ui;
  /** What is waited for, for messages: "AMI myapp-v1.2.3 (ami-0abc)". */
  what: string;
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  /**
   * Where the thing can be followed when we stop waiting for it, for things that go on in AWS without
   * us ("`ec2-rollback versions`"). Undefined: nothing goes on (e.g. a health check).
   */
  goesOnAt?: string;
  /** A different timeout error (e.g. "not healthy after …"); gets the elapsed ms and the last progress. */
  onTimeout?: (elapsedMs: number, lastProgress: string) => Error;
}

export const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;

/** A wait's progress with how long it has lasted: `deployment d-1: InProgress (12s)`. */
export const withElapsed = (text: string, elapsedMs?: number): string => (elapsedMs === undefined ? text : `${text} (${seconds(elapsedMs)})`);

/** Calls `step` until it is done, showing its progress with the time so far. */
export async function poll<T>(o: PollOptions, step: PollStep<T>): Promise<T> {
  const start = o.clock.now();
  const goesOn = o.goesOnAt ? `; it goes on in AWS: see ${o.goesOnAt}` : "";
  for (;;) {
    if (o.signal?.aborted) throw new InterruptedError(`stopped waiting for ${o.what} (interrupted)${goesOn}`);
    const r = await step(o.clock.now() - start);
    if (r.done) return r.value;
    const elapsed = o.clock.now() - start;
    if (elapsed >= o.timeoutMs) {
      throw o.onTimeout?.(elapsed, r.progress) ?? new Ec2RollbackError("TIMED_OUT", `${o.what} still ${r.progress} after ${seconds(elapsed)}${goesOn}`);
    }
    o.ui?.progress(`${o.what}: ${r.progress}`, elapsed);
    try {
      await o.clock.sleep(Math.min(o.intervalMs, o.timeoutMs - elapsed), o.signal);
    } catch (e) {
      if (e instanceof InterruptedError) throw new InterruptedError(`stopped waiting for ${o.what} (interrupted)${goesOn}`);
      throw e;
    }
  }
}
