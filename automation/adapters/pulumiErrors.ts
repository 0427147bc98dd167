// What the Pulumi CLI says, as one line naming the problem and the fix: for the commands run directly
// (pulumiCli.ts) and those the Automation API runs (pulumiStack.ts) alike.
import { Ec2RollbackError, StackLockedError } from "../core/errors";

/**
 * The most telling line of a failed CLI run: its last specific `error:` line (the resource's diagnostic,
 * not the closing "update failed"), else its last line.
 */
export function lastErrorLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim().replace(/^(stdout|stderr):\s*/, ""))
    .filter((l) => l && !/^code: -?\d+$/.test(l));
  const errors = lines.filter((l) => /\berror:/i.test(l));
  const specific = errors.filter((l) => !/^error:\s*(update|preview|refresh|destroy) failed$/i.test(l));
  return (specific.at(-1) ?? errors.at(-1) ?? lines.at(-1) ?? "unknown error").replace(/^.*?\berror:\s*/i, "");
}

/** No `pulumi` to run: one line with the fix. */
export function pulumiMissing(cause?: unknown): Ec2RollbackError {
  return new Ec2RollbackError("PULUMI_MISSING", "the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again", { cause });
}

/**
 * Turns what the Pulumi CLI says into one line naming the problem and the fix, keeping the original as
 * the cause. The Automation API's own typed errors first; its messages only for what it does not type.
 */
export function explainPulumiError(e: unknown, ctx: { stack: string; workDir: string }): Error {
  const cause = { cause: e };
  // The Automation API's typed errors, told by name so this module (the read path's too) never loads it.
  const name = (e as { name?: string } | undefined)?.name;
  if (name === "ConcurrentUpdateError") return new StackLockedError(ctx.stack, e);
  if (name === "StackNotFoundError") return stackNotFound(ctx, e);
  const text = e instanceof Error ? `${e.message}\n${(e as { stderr?: string }).stderr ?? ""}` : String(e);
  // Only the `pulumi` executable itself missing (execa's "spawn pulumi ENOENT"), not any file a program
  // or provider could not find while `pulumi` ran.
  // The Automation API wraps execa's error in a CommandError: its code and path are on commandResult.err.
  const spawned = ((e as { commandResult?: { err?: unknown } }).commandResult?.err ?? e) as { code?: string; path?: string };
  if ((spawned.code === "ENOENT" && /(^|\/)pulumi$/.test(spawned.path ?? "")) || /\bspawn \S*pulumi ENOENT\b/.test(text)) {
    return pulumiMissing(e);
  }
  if (/the stack is currently locked by|Another update is currently in progress/.test(text)) return new StackLockedError(ctx.stack, e);
  if (/no stack named .* found/.test(text)) return stackNotFound(ctx, e);
  if (/incorrect passphrase/i.test(text)) {
    return new Ec2RollbackError("PASSPHRASE_WRONG", "PULUMI_CONFIG_PASSPHRASE is not this stack's passphrase: export the one the stack was created with and try again", cause);
  }
  if (/passphrase must be set|PULUMI_CONFIG_PASSPHRASE/.test(text)) {
    return new Ec2RollbackError(
      "PASSPHRASE_MISSING",
      "the stack's secrets need its passphrase: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) and try again",
      cause,
    );
  }
  if (/no Pulumi\.yaml project file found|could not find Pulumi\.yaml/i.test(text)) {
    return new Ec2RollbackError("NO_PROJECT", `no Pulumi project in ${ctx.workDir}: run from the project folder or pass --cwd <dir>`, cause);
  }
  if (/(NoCredentialProviders|no valid credential sources|failed to refresh cached credentials|could not load credentials)/i.test(text)) {
    return new Ec2RollbackError("AWS_CREDENTIALS", "Pulumi found no AWS credentials: set AWS_PROFILE (and `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", cause);
  }
  return new Ec2RollbackError("PULUMI_FAILED", lastErrorLine(text), cause);
}

function stackNotFound(ctx: { stack: string; workDir: string }, cause: unknown): Ec2RollbackError {
  return new Ec2RollbackError(
    "STACK_NOT_FOUND",
    `stack "${ctx.stack}" does not exist in this backend: create it with \`pulumi stack init ${ctx.stack}\` in ${ctx.workDir}, or pass --stack <name>`,
    { cause },
  );
}
