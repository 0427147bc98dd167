// The real clock and HTTP probe.
import { InterruptedError } from "../core/errors";
import { Clock, HttpProbe } from "../core/ports";

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new InterruptedError());
      const t = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(new InterruptedError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

export const fetchProbe: HttpProbe = {
  async get(url, timeoutMs) {
    try {
      const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      await r.body?.cancel();
      return { status: r.status };
    } catch (e) {
      return { error: (e as Error).message };
    }
  },
};
