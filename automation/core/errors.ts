/**
 * A problem the user can fix: its message is one line naming the problem and the fix.
 * The CLI prints it as is and exits with `exitCode`.
 */
export class UserError extends Error {
  constructor(
    message: string,
    public readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Another update holds the stack's lock. */
export class StackLockedError extends UserError {
  constructor(stack: string) {
    super(
      `stack "${stack}" is locked: another update is running on it; nothing was changed. ` +
        "Wait for it to finish (if it died, clear the lock with `pulumi cancel` or `pulumi stack export`/`import`) and try again",
    );
    this.name = "StackLockedError";
  }
}

/** The operation was interrupted (Ctrl-C). */
export class InterruptedError extends Error {
  constructor() {
    super("interrupted (Ctrl-C)");
    this.name = "InterruptedError";
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** S3 refused the write because the key exists (If-None-Match). */
export class RevisionExistsError extends Error {
  constructor(public readonly key: string) {
    super(`revision ${key} already exists`);
    this.name = "RevisionExistsError";
  }
}
