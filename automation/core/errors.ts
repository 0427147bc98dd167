// One error type for everything the CLI reports (after the AWS CDK toolkit's ToolkitError): a stable
// `code` scripts and tests can rely on, the exit code it means, the one-line message a person reads
// (the problem, the true resulting state, the fix), and the `cause` it wraps.

/** Every code, and the exit code it means. */
export const EXIT_CODES = {
  /** Bad arguments: the command line itself is wrong. */
  USAGE: 2,
  /** A change needs a yes and there is no terminal to ask. */
  CONFIRMATION_REQUIRED: 2,
  /** The person answered no. */
  NOT_CONFIRMED: 1,
  /** Ctrl-C (or another signal) stopped the command. */
  INTERRUPTED: 130,
  /** A wait ran out of time; what was waited for may still finish. */
  TIMED_OUT: 1,

  NO_PROJECT: 1,
  PULUMI_MISSING: 1,
  STACK_NOT_FOUND: 1,
  STACK_LOCKED: 1,
  PASSPHRASE_MISSING: 1,
  PASSPHRASE_WRONG: 1,
  PULUMI_FAILED: 1,
  /** `--dry-run` (`--preview`) cannot be set up without changing the stack's config. */
  PREVIEW_UNAVAILABLE: 1,
  /** The stack's configuration cannot be used. */
  CONFIG_INVALID: 1,
  /** The stack lacks outputs a command needs (never updated, or by an older program). */
  STACK_NOT_READY: 1,
  REGION_MISMATCH: 1,

  AWS_CREDENTIALS: 1,
  AWS_DENIED: 1,
  /** AWS answered with an error of its own (the message names it). */
  AWS_FAILED: 1,
  /** An AWS call did not answer within its bound (30 s). */
  AWS_TIMEOUT: 1,
  /** AWS throttled a call past the SDK's retries. */
  AWS_THROTTLED: 1,
  /** No connection to the endpoint (refused, no such host, DNS, connect timeout): nothing was sent. */
  AWS_UNREACHABLE: 1,
  /** The endpoint answered, but not like AWS (a web page, an unreadable body). */
  AWS_UNEXPECTED_ANSWER: 1,

  /** No AMI / revision / recovery point by that name. */
  VERSION_NOT_FOUND: 1,
  /** It exists but cannot be used (pending, someone else's, wrong architecture). */
  VERSION_UNUSABLE: 1,
  /** Versions are immutable: that one exists already. */
  VERSION_EXISTS: 1,
  /** "Previous" asked for and there is none. */
  NO_PREVIOUS_VERSION: 1,
  BACKUP_UNREADABLE: 1,
  /** A stack of the project could not be read: what it needs is unknown, so nothing is deleted. */
  PROTECTION_UNKNOWN: 1,

  /** Another operation's record is on the stack: one change at a time. */
  OPERATION_IN_PROGRESS: 1,
  /** A change refused because config, outputs and what the address serves disagree. */
  STACK_INCONSISTENT: 1,
  /** `status`: config, outputs and what the address serves disagree, or a record exists. */
  INCONSISTENT: 3,
  /** Another operator replaced or removed this operation's record: it stops without changing more. */
  OPERATION_TAKEN_OVER: 1,
  /** The stack changed between planning a change and starting it. */
  STACK_CHANGED: 1,
  /** A machine change failed; the message says what serves now. */
  CHANGE_FAILED: 1,
  IMAGE_FAILED: 1,
  BACKUP_FAILED: 1,
  APPSPEC_INVALID: 1,
  /** A file of the folder could not be read, or changed, while it was zipped. */
  BUNDLE_FAILED: 1,
  DEPLOY_FAILED: 1,
  /** An alarm of the deployment group is firing: CodeDeploy would stop the deployment. */
  ALARM_ACTIVE: 1,
  /** A CodeDeploy deployment has not ended: a machine change (or a second deployment) waits for it. */
  DEPLOYMENT_IN_PROGRESS: 1,

  INTERNAL: 1,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

export class Ec2RollbackError extends Error {
  public readonly exitCode: number;

  constructor(
    public readonly code: ErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "Ec2RollbackError";
    this.exitCode = EXIT_CODES[code];
  }
}

export function isEc2RollbackError(e: unknown, code?: ErrorCode): e is Ec2RollbackError {
  return e instanceof Ec2RollbackError && (code === undefined || e.code === code);
}

/** Another update holds the stack's lock. */
export class StackLockedError extends Ec2RollbackError {
  constructor(stack: string, cause?: unknown) {
    super(
      "STACK_LOCKED",
      `stack "${stack}" is locked: another update is running on it; nothing was changed. ` +
        "Wait for it to finish (if it died, clear the lock with `pulumi cancel` or `pulumi stack export`/`import`) and try again",
      { cause },
    );
    this.name = "StackLockedError";
  }
}

/** The operation was interrupted (Ctrl-C). The message says what goes on without us, if anything. */
export class InterruptedError extends Ec2RollbackError {
  constructor(message = "interrupted (Ctrl-C)") {
    super("INTERRUPTED", message);
    this.name = "InterruptedError";
  }
}

/** The first line of a text (an SDK's or a CLI's message may go on). */
export const firstLine = (s: string): string => s.split("\n")[0].trim();

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
