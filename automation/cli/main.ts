// `ec2-rollback`: argument parsing and output. Heavy modules (Automation API, AWS SDK) load only
// inside the command that needs them, so `--help` answers at once.
import { Command, CommanderError, Option } from "commander";
import { InterruptedError, messageOf, UserError } from "../core/errors";
import type { GlobalOptions } from "./context";

const MINUTE = 60_000;

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Runs one command to its end and returns the exit code. */
export async function run(argv: string[], io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }): Promise<number> {
  let exitCode = 0;
  let json = argv.includes("--json");
  const program = new Command("ec2-rollback")
    .description("Take an EC2 app back: a machine version (AMI), an app revision (CodeDeploy) or a backup — one command each.")
    .addOption(new Option("-s, --stack <name>", "Pulumi stack").env("PULUMI_STACK").default("dev"))
    .option("-C, --cwd <dir>", "the Pulumi project folder", ".")
    .option("--json", "print the result as JSON (progress stays on stderr)", false)
    .option("-y, --yes", "do not ask for confirmation (required when there is no terminal)", false)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
  const emit = (g: GlobalOptions, result: unknown, human: string) => {
    io.stdout(g.json ? `${JSON.stringify(result, null, 2)}\n` : `${human}\n`);
  };
  const action =
    <A extends unknown[]>(f: (g: GlobalOptions, ...args: A) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const g = globals(cmd);
      json = g.json;
      await f(g, ...(args.slice(0, -1) as A));
    };

  program
    .command("status")
    .description("the stack's pinned version, instance, address and last update (reads only)")
    .action(
      action(async (g) => {
        const { status } = await import("../core/status");
        const { formatStatus } = await import("./format");
        const r = await status(await commandDeps(g));
        emit(g, r, formatStatus(r));
      }),
    );

  program
    .command("versions")
    .description("rollback points of the machine, newest first: this app's AMIs (<appName>-v<semver>) and AWS Backup recovery points; * = pinned now")
    .action(
      action(async (g) => {
        const { openBackup } = await import("./context");
        const { listVersions } = await import("../core/versions");
        const { formatVersions } = await import("./format");
        const deps = await commandDeps(g);
        const r = await listVersions({ ...deps, backup: await openBackup(deps) });
        emit(g, r, formatVersions(r));
      }),
    );

  program
    .command("checkpoint")
    .argument("<version>", "semantic version of the new AMI, e.g. 1.2.3 (named <appName>-v1.2.3)")
    .description("make a named AMI of the running instance and wait until it is available")
    .option(
      "--no-reboot",
      "do not reboot the instance first: no downtime, but the disk is only crash-consistent (writes in memory are lost). " +
        "By default the instance reboots (about a minute down) so the image is consistent",
    )
    .option("--timeout <minutes>", "how long to wait for the AMI", "60")
    .action(
      action(async (g, version: string, o: { reboot: boolean; timeout: string }) => {
        const timeoutMs = minutes(o.timeout, "--timeout") * MINUTE;
        const { checkpoint } = await import("../core/checkpoint");
        const { formatCheckpoint } = await import("./format");
        const deps = await commandDeps(g);
        const r = await withInterrupt(io, (signal) => checkpoint(deps, { version, reboot: o.reboot, yes: g.yes, timeoutMs, pollMs: 15_000, signal }));
        emit(g, r, formatCheckpoint(r));
      }),
    );

  program
    .command("rollback")
    .argument(
      "[version]",
      "1.2.2, v1.2.2, <appName>-v1.2.2, ami-…, backup:latest or backup:<UTC date[Thh:mm]> (a date alone = the end of that day); " +
        "default: the version pinned before the current one",
    )
    .description("pin the machine to another AMI version, run `up`, verify, and on failure put the previous version back")
    .option("--preview", "show what the update would change; change nothing", false)
    .option("--no-revert", "on failure, leave the target pinned instead of reverting")
    .option("--health-url <url>", "also wait for this URL to answer 2xx/3xx (default: the stack's healthCheckUrl when healthCheckPath is configured)")
    .option("--no-health-check", "skip the HTTP health check")
    .option("--verify-timeout <minutes>", "how long the new instance may take to pass its checks", "15")
    .action(
      action(
        async (
          g,
          version: string | undefined,
          o: { preview: boolean; revert: boolean; healthUrl?: string; healthCheck: boolean; verifyTimeout: string },
        ) => {
          const verifyTimeoutMs = minutes(o.verifyTimeout, "--verify-timeout") * MINUTE;
          const { openBackup } = await import("./context");
          const { rollback } = await import("../core/rollback");
          const { formatRollback } = await import("./format");
          const { fetchProbe } = await import("../adapters/system");
          const deps = await commandDeps(g);
          const backup = await openBackup(deps);
          const healthUrl = o.healthCheck ? (o.healthUrl ?? (await configuredHealthUrl(deps.stack))) : undefined;
          const r = await withInterrupt(io, (signal) =>
            rollback(
              { ...deps, http: fetchProbe, backup },
              { target: version, yes: g.yes, revert: o.revert, preview: o.preview, healthUrl, verifyTimeoutMs, pollMs: 10_000, signal },
            ),
          );
          emit(g, r, formatRollback(r));
        },
      ),
    );

  const fileExists = new Option(
    "--file-exists <what>",
    "a file at the destination that no earlier deployment put there: fail the deployment (safe: nothing of yours is replaced " +
      "silently), overwrite it, or retain it (the revision's copy is not installed)",
  )
    .choices(["fail", "overwrite", "retain"])
    .default("fail");

  program
    .command("deploy")
    .argument("<dir>", "the app folder (with an appspec.yml, or scripts/start.sh, stop.sh, validate.sh … for a generated one)")
    .requiredOption("--version <semver>", "the revision's version; stored once at <appName>/<version>.zip and never replaced")
    .description("bundle a folder as a CodeDeploy revision, upload it, deploy it and follow it (CodeDeploy rolls back by itself on failure)")
    .addOption(fileExists)
    .option("--no-wait", "print the deployment id and exit instead of following it")
    .option("--include-node-modules", "ship node_modules too (left out by default)", false)
    .option("--timeout <minutes>", "how long to follow the deployment", "60")
    .action(
      action(async (g, dir: string, o: { version: string; fileExists: string; wait: boolean; includeNodeModules: boolean; timeout: string }) => {
        const timeoutMs = minutes(o.timeout, "--timeout") * MINUTE;
        const { deployFolder, FILE_EXISTS } = await import("../core/appDeploy");
        const { formatDeploy } = await import("./format");
        const deps = await appDeps(g);
        const r = await withInterrupt(io, (signal) =>
          deployFolder(deps, { dir, version: o.version, fileExists: FILE_EXISTS[o.fileExists], includeNodeModules: o.includeNodeModules, yes: g.yes, wait: o.wait, timeoutMs, pollMs: 5000, signal }),
        );
        emit(g, r, formatDeploy(r));
      }),
    );

  program
    .command("revisions")
    .description("the app's revisions, newest first: version, upload time, size, last deployment status; * = live")
    .action(
      action(async (g) => {
        const { listRevisions } = await import("../core/appDeploy");
        const { formatRevisions } = await import("./format");
        const r = await listRevisions(await appDeps(g));
        emit(g, r, formatRevisions(r));
      }),
    );

  program
    .command("app-rollback")
    .argument("[version]", "the revision to redeploy; default: the most recent successfully deployed one that is not live")
    .description("redeploy an earlier app revision through CodeDeploy and follow it")
    .addOption(fileExists)
    .option("--no-wait", "print the deployment id and exit instead of following it")
    .option("--timeout <minutes>", "how long to follow the deployment", "60")
    .action(
      action(async (g, version: string | undefined, o: { fileExists: string; wait: boolean; timeout: string }) => {
        const timeoutMs = minutes(o.timeout, "--timeout") * MINUTE;
        const { appRollback, FILE_EXISTS } = await import("../core/appDeploy");
        const { formatDeploy } = await import("./format");
        const deps = await appDeps(g);
        const r = await withInterrupt(io, (signal) =>
          appRollback(deps, { version, yes: g.yes, fileExists: FILE_EXISTS[o.fileExists], wait: o.wait, timeoutMs, pollMs: 5000, signal }),
        );
        emit(g, r, formatDeploy(r));
      }),
    );

  program
    .command("backup")
    .description("take an AWS Backup recovery point of the instance now (an AMI of the whole machine) and wait for it")
    .option("--note <why>", "why: kept as the recovery point's Reason tag")
    .option("--no-wait", "print the job id and exit instead of waiting")
    .option("--timeout <minutes>", "how long to wait for the job", "180")
    .action(
      action(async (g, o: { note?: string; wait: boolean; timeout: string }) => {
        const timeoutMs = minutes(o.timeout, "--timeout") * MINUTE;
        const { openBackup } = await import("./context");
        const { backupNow } = await import("../core/backup");
        const deps = await commandDeps(g);
        const backup = await openBackup(deps);
        const r = await withInterrupt(io, (signal) => backupNow({ ...deps, backup }, { note: o.note, wait: o.wait, timeoutMs, pollMs: 15_000, signal }));
        emit(g, r, r.amiId ? `recovery point ${r.recoveryPointArn} (AMI ${r.amiId}, ${r.seconds}s); roll back to it with \`ec2-rollback rollback ${r.amiId}\`` : `backup job ${r.jobId} started`);
      }),
    );

  program
    .command("prune")
    .description("deregister old checkpoint AMIs and delete their snapshots; never the pinned one, the one before it, or a recovery point")
    .option("--keep <n>", "keep this many newest checkpoints")
    .option("--older-than <days>", "remove only checkpoints older than this")
    .option("--dry-run", "list what would be removed; remove nothing", false)
    .action(
      action(async (g, o: { keep?: string; olderThan?: string; dryRun: boolean }) => {
        const keep = o.keep === undefined ? undefined : count(o.keep, "--keep", 0);
        const olderThanDays = o.olderThan === undefined ? undefined : count(o.olderThan, "--older-than", 1);
        const { prune } = await import("../core/prune");
        const { formatPrune } = await import("./format");
        const r = await prune(await commandDeps(g), { keep, olderThanDays, yes: g.yes, dryRun: o.dryRun });
        emit(g, r, formatPrune(r));
      }),
    );

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    exitCode = report(e, json, io);
  }
  return exitCode;
}

/** What every command works with: the stack and cloud of its context, a UI, the clock. */
async function commandDeps(g: GlobalOptions) {
  const { openContext } = await import("./context");
  const { createUi } = await import("./ui");
  const { systemClock } = await import("../adapters/system");
  return { ...(await openContext(g)), ui: createUi(g), clock: systemClock };
}

/** …plus S3 and CodeDeploy, for the app-layer commands. */
async function appDeps(g: GlobalOptions) {
  const { openAppServices } = await import("./context");
  const deps = await commandDeps(g);
  return { ...deps, ...(await openAppServices(deps)) };
}

function count(v: string, flag: string, min: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UserError(`${flag} "${v}" must be a whole number of at least ${min}`, 2);
  return Number(v);
}

function minutes(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${flag} "${v}" is not a positive number of minutes`, 2);
  return n;
}

async function configuredHealthUrl(stack: import("../core/ports").StackPort): Promise<string | undefined> {
  const { CONFIG } = await import("../core/ports");
  const [config, outputs] = await Promise.all([stack.config(), stack.outputs()]);
  return config[CONFIG.healthCheckPath] ? outputs.healthCheckUrl : undefined;
}

/** First Ctrl-C aborts the operation (which then reverts); a second one quits at once. */
async function withInterrupt<T>(io: Io, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      io.stderr("ec2-rollback: interrupted twice: quitting now; check the stack with `ec2-rollback status`\n");
      process.exit(130);
    }
    io.stderr("\nec2-rollback: interrupting: the update is cancelled, then the previous state is put back (Ctrl-C again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await f(controller.signal);
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** One line on stderr (and `{"error": …}` on stdout with --json); returns the exit code. */
function report(e: unknown, json: boolean, io: Io): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0) return 0;
    return 2; // commander already printed the usage error
  }
  const code = e instanceof UserError ? e.exitCode : e instanceof InterruptedError ? 130 : 1;
  const message = e instanceof UserError || e instanceof InterruptedError ? e.message : `unexpected error: ${messageOf(e)}`;
  io.stderr(`ec2-rollback: ${message}\n`);
  const outcome = (e as { outcome?: unknown }).outcome;
  if (json) io.stdout(`${JSON.stringify({ error: message, exitCode: code, ...(outcome ? { outcome } : {}) })}\n`);
  if (!(e instanceof UserError) && process.env.DEBUG) io.stderr(`${(e as Error)?.stack}\n`);
  return code;
}
