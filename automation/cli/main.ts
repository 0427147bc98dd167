// `ec2-rollback`: parses the command line and dispatches to the command table (commands.ts).
// Heavy modules (Automation API, AWS SDK) load only inside the command that runs, so `--help` answers at once.
import { Command, CommanderError } from "commander";
import { Ec2RollbackError, EXIT_CODES, messageOf } from "../core/errors";
import { COMMANDS, CommandSpec, GLOBAL_OPTIONS } from "./commands";
import type { GlobalOptions } from "./context";
import { nearestNames } from "../core/nearest";
import { describeProgram } from "./help";
import { settleTerminal } from "./ui";

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Leaves at once (a second Ctrl-C). */
  exit: (code: number) => never;
}

const processIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  exit: (code) => process.exit(code),
};

/** Runs one command to its end and returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  let json = argv.includes("--json");
  const program = new Command("ec2-rollback")
    .description("Take an EC2 app back: a machine version (AMI), an app revision (CodeDeploy) or a backup — one command each.")
    // Commander's own error line is left out: `report` says every failure, usage included, the same way.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => undefined })
    .exitOverride();

  for (const option of GLOBAL_OPTIONS) program.addOption(option);

  let exitCode = 0;
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.summary).aliases(spec.aliases ?? []);
    for (const [name, description] of spec.arguments ?? []) cmd.argument(name, description);
    for (const option of spec.options ?? []) cmd.addOption(option);
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      // Commander has checked unknown options by now (it checks mandatory ones before them).
      for (const name of spec.required ?? []) {
        const option = command.options.find((o) => o.attributeName() === name);
        if (option && command.opts()[name] === undefined) {
          throw new Ec2RollbackError("USAGE", `required option '${option.flags}' not specified (run with --help for usage)`);
        }
      }
      const g = command.optsWithGlobals() as GlobalOptions;
      json = g.json;
      const args = params.slice(0, spec.arguments?.length ?? 0) as (string | undefined)[];
      exitCode = await dispatch(spec, g, args, command.opts(), io);
    });
  }
  describeProgram(program, argv);

  // `help <name>` for a name that is no command: an unknown command, with the nearest one (commander
  // would print the whole help and "no command given").
  const h = argv.indexOf("help");
  const asked = h >= 0 ? argv[h + 1] : undefined;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (asked && !asked.startsWith("-") && !names.includes(asked)) {
    const [near] = nearestNames(asked, names, { max: 1 });
    return report(new Ec2RollbackError("USAGE", `unknown command '${asked}'${near ? ` (Did you mean ${near}?)` : ""} (run with --help for usage)`), json, io);
  }

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    return report(e, json, io);
  }
}

async function dispatch(spec: CommandSpec, g: GlobalOptions, args: (string | undefined)[], opts: Record<string, unknown>, io: Io): Promise<number> {
  const result = await withInterrupt(io, (signal) => spec.run({ g, args, opts, signal }));
  settleTerminal();
  io.stdout(g.json ? `${JSON.stringify(result, null, 2)}\n` : `${spec.format(result)}\n`);
  const verdict = spec.verdict?.(result);
  if (verdict) io.stderr(`ec2-rollback: ${verdict.line}\n`);
  return verdict?.exitCode ?? 0;
}

/** The signals that end a command the same safe way: Ctrl-C, a `kill`, a closed terminal. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * The first signal aborts the operation, which then puts things back (restores the standby or flips
 * back) or stops waiting; the abort's reason is the signal's name. A second one quits at once, leaving
 * the operation's record for `ec2-rollback recover`.
 */
async function withInterrupt<T>(io: Io, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    settleTerminal(); // the step under way stays a line; the message starts on one of its own
    if (controller.signal.aborted) {
      io.stderr(
        `ec2-rollback: ${name} again: quitting now, which stops a running \`pulumi\` at once (its update may stay locked: \`pulumi cancel\`); ` +
          "an unfinished change stays recorded: see `ec2-rollback status`, finish with `ec2-rollback recover`\n",
      );
      io.exit(130);
    }
    io.stderr(`ec2-rollback: ${name}: stopping; what was changed is put back (${name === "SIGINT" ? "Ctrl-C" : name} again to quit now)\n`);
    controller.abort(name);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    return await f(controller.signal);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

/** What a failure says: on stderr as one line, and with --json as `{"error": {message, code, exitCode}}` on stdout. */
interface Failure {
  message: string;
  code: string;
  exitCode: number;
  /** A failed deployment's outcome (deploy, app-rollback). */
  outcome?: unknown;
}

/** The failure `e` is, or undefined when it is none (help or the version shown as asked). */
function failureOf(e: unknown): Failure | undefined {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0) return undefined;
    const message = e.code === "commander.help" ? "no command given (the commands are listed above)" : `${e.message.replace(/^error: /, "")} (run with --help for usage)`;
    return { message: oneLine(message), code: "USAGE", exitCode: EXIT_CODES.USAGE };
  }
  const outcome = (e as { outcome?: unknown } | undefined)?.outcome;
  if (e instanceof Ec2RollbackError) return { message: oneLine(e.message), code: e.code, exitCode: e.exitCode, ...(outcome ? { outcome } : {}) };
  return { message: oneLine(`unexpected error: ${messageOf(e)}`), code: "INTERNAL", exitCode: EXIT_CODES.INTERNAL };
}

/** A failure is one line, whatever its parts held (an SDK message may span several). */
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ").trim();

/** One line on stderr (and `{"error": {…}}` on stdout with --json); returns the exit code. */
function report(e: unknown, json: boolean, io: Io): number {
  settleTerminal();
  const failure = failureOf(e);
  if (!failure) return 0;
  io.stderr(`ec2-rollback: ${failure.message}\n`);
  if (json) io.stdout(`${JSON.stringify({ error: failure })}\n`);
  if (process.env.DEBUG) io.stderr(`${causeChain(e)}\n`);
  return failure.exitCode;
}

/** The error's stack and each cause's, for DEBUG=1. */
function causeChain(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e; x !== undefined && parts.length < 10; x = (x as { cause?: unknown }).cause) {
    parts.push(x instanceof Error ? (x.stack ?? x.message) : String(x));
  }
  return parts.join("\ncaused by: ");
}
