// What every AWS call goes through: one client configuration, the call's service and operation kept
// with its error, a hard bound per call, and every AWS error turned into one line — the operation,
// what went wrong, what it changed, and the fix.
import { AsyncLocalStorage } from "async_hooks";
import { Ec2RollbackError, ErrorCode, firstLine } from "../core/errors";
import { endpointOrigin, EndpointOrigin } from "./awsEndpoints";

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

/** One SDK call as the SDK names it ("EC2", "DescribeImages") and the URL it sent it to. */
export interface AwsCall {
  service: string;
  operation: string;
  endpoint?: string;
}

/** What the SDK's handler context holds for each call (@smithy/types HandlerExecutionContext), as far as used here. */
interface HandlerContext {
  clientName?: string;
  commandName?: string;
  endpointV2?: { url: URL };
}
type Handler = (args: { input: object }) => Promise<{ output: unknown; response: unknown }>;

/** An SDK v3 client, as far as `withErrorContext` needs it. */
export interface SdkClient {
  middlewareStack: {
    add(middleware: (next: Handler, context: HandlerContext) => Handler, options: { step: "initialize"; name: string; override: boolean }): void;
  };
}

/** The call each SDK error came from (set by `withErrorContext`). */
const callOfError = new WeakMap<object, AwsCall>();
/** The call in flight inside each `aws(…)`, for the message when its deadline ends it. */
const inFlight = new AsyncLocalStorage<{ call?: AwsCall }>();

/** S3 answers an object read with the object's own content type, which may well be text/html. */
const OBJECT_READS = new Set(["S3 GetObject", "S3 HeadObject"]);

/** An answer AWS never gives to an API call: a web page (a proxy, a captive portal, the wrong server). */
export class UnexpectedAnswerError extends Error {
  constructor(
    public readonly statusCode: number | undefined,
    public readonly contentType: string,
  ) {
    super(`an answer of type ${contentType}${statusCode ? ` (HTTP ${statusCode})` : ""}`);
    this.name = "UnexpectedAnswerError";
  }
}

/**
 * Adds to `client` the one middleware that keeps, with every error its calls throw, the service and
 * operation (the SDK's `clientName`/`commandName`) and the endpoint; `aws(…)` and `explainAwsError`
 * name them. It also refuses a web page as an answer, which the XML parser would otherwise read as
 * an empty, successful result. Every client the CLI makes goes through it.
 */
export function withErrorContext<C extends SdkClient>(client: C): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const call: AwsCall = {
        service: (context.clientName ?? "AWS").replace(/Client$/, ""),
        operation: (context.commandName ?? "call").replace(/Command$/, ""),
        // Resolved by the SDK during the call (its endpoint middleware), so read when asked.
        get endpoint() {
          return context.endpointV2?.url.href;
        },
      };
      const slot = inFlight.getStore();
      if (slot) slot.call = call;
      try {
        const result = await next(args);
        const type = contentTypeOf(result.response);
        if (/^text\/html\b/i.test(type) && !OBJECT_READS.has(`${call.service} ${call.operation}`)) {
          throw new UnexpectedAnswerError(statusOf(result.response), type);
        }
        return result;
      } catch (e) {
        if (typeof e === "object" && e !== null && !callOfError.has(e)) callOfError.set(e, call);
        throw e;
      }
    },
    { step: "initialize", name: "ec2RollbackCallContext", override: true },
  );
  return client;
}

/** The call an SDK error came from, when its client has `withErrorContext`. */
export function callOf(e: unknown): AwsCall | undefined {
  return typeof e === "object" && e !== null ? callOfError.get(e) : undefined;
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  syscall?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: { throttling?: boolean };
  $response?: unknown;
}

/** Node's codes for a connection that was never made (net and dns). */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "no such host (ENOTFOUND)",
  EAI_AGAIN: "its name could not be looked up now (DNS, EAI_AGAIN)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
};

const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "SlowDown",
  "BandwidthLimitExceeded",
  "ProvisionedThroughputExceededException",
]);

/** An operation that only reads: a failure of it changed nothing, whatever the answer was. */
const reads = (call: AwsCall | undefined) => !!call && /^(Describe|List|Get|Head|BatchGet|Lookup|Search)/.test(call.operation);

/**
 * Any error of an AWS SDK v3 call as one line: the operation and service ("EC2 DescribeImages"),
 * what it means, what it changed, and the fix; the SDK error is the cause. `call` is where the error
 * came from (kept by `withErrorContext`); `env` is where endpoints are configured. Anything that is
 * not an AWS error is returned as it is.
 */
export function explainAwsError(e: unknown, call: AwsCall | undefined = callOf(e), env: NodeJS.ProcessEnv = process.env): unknown {
  if (e instanceof Ec2RollbackError || typeof e !== "object" || e === null) return e;
  const err = e as SdkError;
  const name = err.name ?? "";
  const msg = err.message ?? String(e);
  const at = call ? `${call.service} ${call.operation}: ` : "";
  const fail = (code: ErrorCode, message: string) => new Ec2RollbackError(code, `${at}${message}`, { cause: e });
  const origin = (): EndpointOrigin => endpointOrigin(call?.service ?? "AWS", call?.endpoint, env);
  const changed = reads(call) ? "nothing was changed" : "whether it took effect is unknown";

  if (name === "CredentialsProviderError" || (/Could not load credentials|credential/i.test(msg) && /provider|load/i.test(msg))) {
    const profile = env.AWS_PROFILE;
    return fail(
      "AWS_CREDENTIALS",
      profile
        ? `AWS profile "${profile}" (AWS_PROFILE) gave no credentials, so nothing was sent: check it exists in ~/.aws/config or ~/.aws/credentials (for SSO: \`aws sso login --profile ${profile}\`), and try again`
        : "no AWS credentials found, so nothing was sent: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again",
    );
  }
  if (/ExpiredToken|TokenRefreshRequired|SSO.*expired/i.test(name + msg)) {
    return fail("AWS_CREDENTIALS", "your AWS session has expired, so AWS did nothing: log in again (`aws sso login` or new keys) and try again");
  }
  const unreachable = unreachableReason(err, msg);
  if (unreachable) {
    const o = origin();
    const fix = o.setting
      ? `Start what should answer there, or fix or unset ${o.setting}, and try again`
      : "Check this machine's network and DNS, and try again";
    return fail("AWS_UNREACHABLE", `could not reach ${o.url} (${o.source}): ${unreachable}; nothing was sent to AWS. ${fix}`);
  }
  const answered = unexpectedAnswer(err, msg);
  if (answered) {
    const o = origin();
    const fix = o.setting
      ? `Point ${o.setting} at an AWS-compatible endpoint, or unset it, and try again`
      : "Something between this machine and AWS answered in its place (a proxy, a captive portal?): check the network and try again";
    return fail("AWS_UNEXPECTED_ANSWER", `the endpoint did not answer like AWS: ${o.url} (${o.source}) answered ${answered}; ${changed}. ${fix}`);
  }
  if (/UnauthorizedOperation|AccessDenied/i.test(name)) {
    return fail("AWS_DENIED", `AWS refused: ${firstLine(msg)} — the caller needs that permission`);
  }
  if (name === "TimeoutError" || /exceeded the configured \d+ ms requestTimeout/i.test(msg)) {
    const detail = firstLine(msg).replace(/^@smithy\/node-http-handler - \[ERROR\] /, "");
    return fail("AWS_TIMEOUT", `AWS did not answer in time (${detail})${reads(call) ? "" : "; a change it was asked for may still happen"}; try again`);
  }
  if (/InvalidClientTokenId|AuthFailure|SignatureDoesNotMatch|UnrecognizedClient/i.test(name)) {
    return fail("AWS_CREDENTIALS", `AWS rejected the credentials (${name}), so it did nothing: check AWS_PROFILE / the access keys, and try again`);
  }
  if (THROTTLING.has(name) || err.$retryable?.throttling) {
    const attempts = err.$metadata?.attempts;
    return fail("AWS_THROTTLED", `AWS throttled the request (${name}${attempts ? `, ${attempts} attempts` : ""}), so it did nothing: wait a minute and try again`);
  }
  // CodeDeploy runs one deployment at a time per deployment group (and a few per account): "Number of
  // concurrent deployments to a deployment group: 1" (docs.aws.amazon.com/codedeploy/latest/userguide/limits.html).
  if (name === "DeploymentLimitExceededException") {
    return fail("DEPLOYMENT_IN_PROGRESS", `CodeDeploy refused to start a deployment now, as it does while one runs on the group (${firstLine(msg)}); nothing was deployed`);
  }
  if (err.$metadata && (err.$fault || name !== "Error")) {
    return err.$fault === "server"
      ? fail("AWS_FAILED", `AWS failed on its side (${name}: ${firstLine(msg)}); ${changed}: try again`)
      : fail("AWS_FAILED", `AWS refused the request (${name}: ${firstLine(msg)}); nothing was done`);
  }
  if (/^(ECONNRESET|EPIPE)$/.test(err.code ?? "") || /socket hang up/i.test(msg)) {
    const o = origin();
    return fail("AWS_FAILED", `the connection to ${o.url} (${o.source}) broke during the request (${firstLine(msg)}); ${changed}: try again`);
  }
  // Anything else that came out of an SDK call (its own checks, endpoint rules): still named, still one line.
  if (call) return fail("AWS_FAILED", `failed: ${firstLine(msg)}; ${changed} (DEBUG=1 shows the SDK's error)`);
  return e;
}

/** Why a connection was never made (so nothing reached AWS), or undefined. */
function unreachableReason(err: SdkError, msg: string): string | undefined {
  const code = err.code ?? "";
  // A request timeout carries ETIMEDOUT too, but its request was sent: only a failed connect or lookup counts.
  if (code in UNREACHABLE && (code !== "ETIMEDOUT" || err.syscall === "connect")) return UNREACHABLE[code];
  const timeout = /did not establish a connection with the server within the configured timeout of (\d+) ms/.exec(msg);
  if (timeout) return `no connection within ${timeout[1]} ms`;
  return undefined;
}

/** What an answer that was not AWS's was ("HTTP 502, text/html"), or undefined for an answer like AWS's. */
function unexpectedAnswer(err: SdkError, msg: string): string | undefined {
  if (err instanceof UnexpectedAnswerError) return `${err.statusCode ? `HTTP ${err.statusCode}` : "something"}, ${err.contentType}`;
  const status = err.$metadata?.httpStatusCode ?? statusOf(err.$response);
  const http = status ? `HTTP ${status}` : "something";
  const type = contentTypeOf(err.$response);
  if (/^text\/html\b/i.test(type)) return `${http}, ${type}`;
  if (/Deserialization error|XML parse error|is not valid JSON|Unexpected token|Unexpected end of JSON/i.test(msg)) {
    return `${http}${type ? `, ${type},` : ""} that the SDK could not read (${firstLine(msg).replace(/^@aws-sdk /, "")})`;
  }
  return undefined;
}

function contentTypeOf(response: unknown): string {
  const headers = (response as { headers?: Record<string, string | undefined> } | undefined)?.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === "content-type");
  return key ? (headers[key] ?? "") : "";
}

function statusOf(response: unknown): number | undefined {
  return (response as { statusCode?: number } | undefined)?.statusCode;
}

/**
 * Runs an AWS call within `deadlineMs` (whatever its retries do), turning its errors into one line. A
 * call that does not answer in time is AWS_TIMEOUT: "unknown, ask again" to a wait, a failure to a command.
 */
export async function aws<T>(f: () => Promise<T>, deadlineMs = AWS_CALL_DEADLINE_MS): Promise<T> {
  const slot: { call?: AwsCall } = {};
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const at = slot.call ? `${slot.call.service} ${slot.call.operation}: ` : "";
      const change = reads(slot.call) ? "" : " (a change it was asked for may still happen)";
      reject(new Ec2RollbackError("AWS_TIMEOUT", `${at}AWS did not answer within ${Math.round(deadlineMs / 1000)} s${change}; try again`));
    }, deadlineMs);
  });
  try {
    return await Promise.race([inFlight.run(slot, f), deadline]);
  } catch (e) {
    throw explainAwsError(e);
  } finally {
    clearTimeout(timer);
  }
}
