import { Ec2RollbackError } from "../core/errors";

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
  if (/InvalidClientTokenId|AuthFailure|SignatureDoesNotMatch/i.test(name)) {
    return new Ec2RollbackError("AWS_CREDENTIALS", `AWS rejected the credentials (${name}): check AWS_PROFILE / the access keys`, { cause: e });
  }
  return e;
}

/** Runs an AWS call, translating credential errors. */
export async function aws<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw explainAwsError(e);
  }
}
