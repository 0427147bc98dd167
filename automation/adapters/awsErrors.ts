// What every AWS call goes through: one client configuration, a hard bound per call, and the errors a
// person can act on (credentials, permissions, time) turned into one line with the fix.
import { Ec2RollbackError } from "../core/errors";

/** No AWS call takes longer than this, retries included (design.md, "Bounded waits"). */
export const AWS_CALL_DEADLINE_MS = 30_000;

/**
 * Client settings for every SDK v3 client: the region, the standard credential and endpoint chain
 * (nothing else set here), adaptive retries (throttling backs off and is retried), and per-request
 * timeouts that end a request instead of only warning (`throwOnRequestTimeout`).
 */
export function clientConfig(region: string) {
  return {
    region,
    maxAttempts: 3,
    retryMode: "adaptive",
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 9_000, throwOnRequestTimeout: true },
  };
}

/** Credential and permission problems from any AWS SDK v3 client, as one line with the fix; the SDK error is the cause. */
export function explainAwsError(e: unknown): unknown {
  const err = e as { name?: string; message?: string };
  const name = err?.name ?? "";
  const msg = err?.message ?? String(e);
  if (name === "CredentialsProviderError" || (/Could not load credentials|credential/i.test(msg) && /provider|load/i.test(msg))) {
    return new Ec2RollbackError(
      "AWS_CREDENTIALS",
      "no AWS credentials found: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again",
      { cause: e },
    );
  }
  if (/ExpiredToken|TokenRefreshRequired|SSO.*expired/i.test(name + msg)) {
    return new Ec2RollbackError("AWS_CREDENTIALS", "your AWS session has expired: log in again (`aws sso login` or new keys) and try again", { cause: e });
  }
  if (/UnauthorizedOperation|AccessDenied/i.test(name)) {
    return new Ec2RollbackError("AWS_DENIED", `AWS refused: ${msg.split("\n")[0]} — the caller needs that permission`, { cause: e });
  }
  if (name === "TimeoutError" || /exceeded the configured \d+ ms requestTimeout|connection timed out/i.test(msg)) {
    return new Ec2RollbackError("AWS_TIMEOUT", `AWS did not answer in time (${msg.split("\n")[0].replace(/^@smithy\/node-http-handler - \[ERROR\] /, "")}); try again`, { cause: e });
  }
  if (/InvalidClientTokenId|AuthFailure|SignatureDoesNotMatch/i.test(name)) {
    return new Ec2RollbackError("AWS_CREDENTIALS", `AWS rejected the credentials (${name}): check AWS_PROFILE / the access keys`, { cause: e });
  }
  return e;
}

/**
 * Runs an AWS call within `deadlineMs` (whatever its retries do), translating credential errors. A call
 * that does not answer in time is AWS_TIMEOUT: "unknown, ask again" to a wait, a failure to a command.
 */
export async function aws<T>(f: () => Promise<T>, deadlineMs = AWS_CALL_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Ec2RollbackError("AWS_TIMEOUT", `AWS did not answer within ${Math.round(deadlineMs / 1000)} s (a change it was asked for may still happen); try again`)),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([f(), deadline]);
  } catch (e) {
    throw explainAwsError(e);
  } finally {
    clearTimeout(timer);
  }
}
