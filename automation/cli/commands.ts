// The command table: each command's arguments, options, its run function over the core, and its
// formatter. The core, the adapters and the SDKs load inside `run`, so `--help` stays instant.
import { Option } from "commander";
import { Ec2RollbackError } from "../core/errors";
import type { CommandContext, GlobalOptions, Service } from "./context";
import * as format from "./format";

const MINUTE = 60_000;

/** What a command's run gets: the global options, its arguments and options, and the interrupt signal. */
export interface Invocation {
  g: GlobalOptions;
  args: (string | undefined)[];
  opts: Record<string, unknown>;
  signal: AbortSignal;
}

export interface CommandSpec<R = unknown> {
  name: string;
  aliases?: string[];
  summary: string;
  /** `<version>` (required) or `[version]` (optional), with its description. */
  arguments?: [string, string][];
  options?: Option[];
  /**
   * Options that must be given (their attribute names). Checked after commander's check of unknown
   * options, so a misspelt `--verison` is said as such, not as a missing `--version`.
   */
  required?: string[];
  /** It runs `pulumi up` or a preview, whose engine steps `--verbose` shows raw: its help shows `--verbose`. */
  updates?: boolean;
  /** It asks before it changes something (and refuses without `--yes` when there is no terminal): its help shows `--yes`. */
  asks?: boolean;
  /** 2–3 real invocations for its help, each with what it does: `["ec2-rollback rollback 1.2.2 --dry-run", "…"]`. */
  examples: [string, string][];
  run(inv: Invocation): Promise<R>;
  format(result: R): string;
  /** A result that is not a success without being an error (status: inconsistent → 3), with its one line. */
  verdict?(result: R): { exitCode: number; line: string } | undefined;
}

const define = <R>(spec: CommandSpec<R>): CommandSpec => spec as CommandSpec;

/** The options of every command, given before or after it. */
export const GLOBAL_OPTIONS: Option[] = [
  new Option("-s, --stack <name>", "Pulumi stack")
    .env("PULUMI_STACK")
    .default("dev")
    // An empty name would make `pulumi` act on whichever stack is selected: never.
    .argParser((v: string) => {
      if (!v.trim()) throw new Ec2RollbackError("USAGE", "--stack is empty (is PULUMI_STACK set to nothing?): name the stack, e.g. --stack dev; nothing was changed");
      return v;
    }),
  new Option("-C, --cwd <dir>", "the Pulumi project folder").default("."),
  new Option("--json", "print the result as JSON (progress stays on stderr)").default(false),
  new Option("-y, --yes", "do not ask for confirmation (required when there is no terminal)").default(false),
  new Option("--no-color", "no colour (also: NO_COLOR=1; FORCE_COLOR=1 forces it)"),
  new Option("--verbose", "show the engine's raw steps (resource types and names) too").default(false),
];

/**
 * What every command works with: the stack and cloud of its context, a UI, the clock, who runs it.
 * `services`: the AWS SDK clients to load while the stack is read (EC2 by default; any other loads on first use).
 */
async function commandDeps(g: GlobalOptions, o: { services?: Service[]; tags?: boolean } = {}) {
  const { openContext } = await import("./context");
  const { createUi } = await import("./ui");
  const { systemClock } = await import("../adapters/system");
  const os = await import("os");
  const ui = createUi(g);
  // What is happening while the stack and AWS are read (a spinner with its time on a terminal; in a log,
  // only if it takes over 15 s); the first step or result replaces it.
  ui.progress(`reading stack ${g.stack} and AWS`);
  const context = await openContext(g, o).catch(async (e: unknown) => {
    throw await (await import("./stacks")).withProjectStacks(e, g);
  });
  return { ...context, ui, clock: systemClock, operator: { host: os.hostname(), pid: process.pid } };
}

const APP_SERVICES: Service[] = ["s3", "codedeploy", "cloudwatch", "sts"];

/** …plus S3, CodeDeploy and the stack's alarms, for the app-layer commands. */
async function withAppServices<D extends CommandContext>(deps: D) {
  const { openAppServices, openAlarms } = await import("./context");
  return { ...deps, ...(await openAppServices(deps)), alarms: await openAlarms(deps) };
}
const appDeps = async (g: GlobalOptions, o: { tags?: boolean } = {}) => withAppServices(await commandDeps(g, { services: APP_SERVICES, ...o }));

const ignoreAlarms = () =>
  new Option(
    "--ignore-alarms",
    "deploy although an alarm of the group is firing (to ship the fix for it): this deployment alone is not stopped or rolled back on alarms; a failed hook still rolls it back. " +
      "AWS requires codedeploy:UpdateDeploymentGroup for it",
  ).default(false);

/** …plus AWS Backup. */
async function withBackup<D extends CommandContext>(deps: D) {
  const { openBackup } = await import("./context");
  return { ...deps, backup: await openBackup(deps) };
}
const backupDeps = async (g: GlobalOptions, services: Service[] = ["ec2", "backup"], o: { tags?: boolean } = {}) => withBackup(await commandDeps(g, { services, ...o }));

export function wholeNumber(v: unknown, flag: string, min: number): number {
  if (typeof v !== "string" || !/^\d+$/.test(v) || Number(v) < min) {
    throw new Ec2RollbackError("USAGE", `${flag} "${String(v)}" must be a whole number of at least ${min}`);
  }
  return Number(v);
}

export function minutesMs(v: unknown, flag: string): number {
  const n = Number(v);
  if (typeof v !== "string" || !Number.isFinite(n) || n <= 0) {
    throw new Ec2RollbackError("USAGE", `${flag} "${String(v)}" is not a positive number of minutes`);
  }
  return n * MINUTE;
}

/**
 * `--dry-run`: show, change nothing. `--preview` (the name `rollback` had first) is its hidden alias: it
 * sets `dryRun` and nothing else.
 */
const dryRun = (description: string) => [
  new Option("--dry-run", description).default(false),
  new Option("--preview", "the same as --dry-run").hideHelp().implies({ dryRun: true }),
];

const timeout = (dflt: string, what: string) => new Option("--timeout <minutes>", `how long to ${what}`).default(dflt);
const noWait = (what: string) => new Option("--no-wait", `print the ${what} id and exit instead of following it`);
const fileExists = () =>
  new Option(
    "--file-exists <what>",
    "a file at the destination that no earlier deployment put there: fail the deployment (safe: nothing of yours is replaced " +
      "silently), overwrite it, or retain it (the revision's copy is not installed)",
  )
    .choices(["fail", "overwrite", "retain"])
    .default("fail");

export const COMMANDS: CommandSpec[] = [
  define({
    name: "status",
    summary:
      "every layer: both machines and what the address serves (exit 3 when config, outputs and that disagree, or while an operation is recorded), " +
      "the live app revision and the last deployment, the last and next backup; reads only",
    async run({ g }) {
      const { status } = await import("../core/status");
      // CodeDeploy's and AWS Backup's SDK clients load while the stack is read.
      const deps = await commandDeps(g, { services: ["ec2", "codedeploy", "backup"] });
      return status(await withBackup(await withAppServices(deps)));
    },
    examples: [
      ["ec2-rollback status", "each layer: both machines and the address, the live app revision and last deployment, the last and next backup"],
      ["ec2-rollback status --stack prod --json", "the same for stack prod, as JSON (exit 3 when they do not agree)"],
    ],
    format: format.formatStatus,
    verdict: (r: import("../core/status").StatusReport) =>
      r.consistent
        ? undefined
        : {
            exitCode: 3,
            // A stack that was never deployed is not finished by `recover` (which would run `up` under its own record).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            line: r.problems.includes((require("../core/consistency") as typeof import("../core/consistency")).NOT_DEPLOYED)
              ? `stack "${r.stack}" is not deployed yet: ${r.problems.join("; ")}`
              : `stack "${r.stack}" is not consistent: ${r.problems.join("; ")}; finish it with \`ec2-rollback recover\``,
          },
  }),

  define({
    name: "recover",
    summary:
      "finish an interrupted change: keep the target if it serves and passes its checks through the address, else go back to the last good version; " +
      "then config, outputs and the address agree and the record is removed",
    options: [
      new Option("--no-health-check", "check EC2 only, not the app over HTTP"),
      new Option("--verify-timeout <minutes>", "how long the machine may take to pass its checks").default("15"),
      new Option("--force", "take over a record younger than 30 minutes (only when its process is surely gone)").default(false),
    ],
    updates: true,
    asks: true,
    examples: [
      ["ec2-rollback recover", "finish the change a closed laptop or a kill left half done (asks first)"],
      ["ec2-rollback recover --yes --no-health-check", "the same without a terminal, checking EC2 only"],
      ["ec2-rollback recover --force --yes", "take over a record younger than 30 minutes whose process is surely gone"],
    ],
    async run({ g, opts, signal }) {
      const verifyTimeoutMs = minutesMs(opts.verifyTimeout, "--verify-timeout");
      const { recover } = await import("../core/recover");
      const { fetchProbe } = await import("../adapters/system");
      const deps = await commandDeps(g);
      const { deploy } = await (await import("./context")).openAppServices(deps);
      return recover(
        { ...deps, deploy, http: fetchProbe },
        { yes: g.yes, force: opts.force as boolean, healthCheck: opts.healthCheck as boolean, verifyTimeoutMs, pollMs: 2000, signal },
      );
    },
    format: format.formatRecover,
  }),

  define({
    name: "versions",
    summary: "rollback points of the machine, newest first: this app's AMIs (<appName>-v<semver>) and AWS Backup recovery points; * = serving, s = on the standby machine",
    async run({ g }) {
      const { listVersions } = await import("../core/versions");
      return listVersions(await backupDeps(g, undefined, { tags: false }));
    },
    examples: [
      ["ec2-rollback versions", "checkpoints and recovery points, newest first; * = serving, s = on the standby"],
      ["ec2-rollback versions --stack prod --json", "the same for stack prod, as JSON"],
    ],
    format: format.formatVersions,
  }),

  define({
    name: "checkpoint",
    summary: "make a named AMI of the running instance and wait until it is available",
    arguments: [["<version>", "semantic version of the new AMI, e.g. 1.2.3 (named <appName>-v1.2.3)"]],
    options: [
      new Option(
        "--no-reboot",
        "do not reboot the instance first: no downtime, but the disk is only crash-consistent (writes in memory are lost). " +
          "By default the instance reboots (about a minute down) so the image is consistent",
      ),
      timeout("60", "wait for the AMI"),
    ],
    asks: true,
    examples: [
      ["ec2-rollback checkpoint 1.2.3", "AMI myapp-v1.2.3 of the running instance (it reboots first, about a minute down)"],
      ["ec2-rollback checkpoint 1.2.4 --no-reboot --yes", "no downtime and no question; the image is only crash-consistent"],
    ],
    async run({ g, args: [version], opts, signal }) {
      const timeoutMs = minutesMs(opts.timeout, "--timeout");
      const { checkpoint } = await import("../core/checkpoint");
      const deps = await commandDeps(g);
      const { deploy } = await (await import("./context")).openAppServices(deps);
      return checkpoint({ ...deps, deploy }, { version: version!, reboot: opts.reboot as boolean, yes: g.yes, timeoutMs, pollMs: 15_000, signal });
    },
    format: format.formatCheckpoint,
  }),

  define({
    name: "rollback",
    aliases: ["release"],
    summary:
      "change the machine to another version, older or newer (`release` is the same command): the target goes on the standby machine, " +
      "is checked through its own address, then the address moves to it; the alarms are watched (bake) and an alarm flips back",
    arguments: [
      [
        "[version]",
        "1.2.2, v1.2.2, <appName>-v1.2.2, ami-…, backup:latest or backup:<UTC date[Thh:mm]> (a date alone = the end of that day), " +
          "or release:<n> (machine and app as they were together, see `releases`); default: the last good release before the current one",
      ],
    ],
    options: [
      ...dryRun("show what putting the target on the standby would change (`pulumi preview`); change nothing"),
      new Option("--no-revert", "on failure, leave things as they are (the standby not restored, no flip back)"),
      new Option("--health-url <url>", "after the flip, check this URL instead of the stack's healthCheckUrl (healthCheckPath on the first app port)"),
      new Option("--no-health-check", "check EC2 only, not the app over HTTP"),
      new Option("--verify-timeout <minutes>", "how long each check (the candidate's, then the live machine's) may take").default("15"),
      new Option("--bake <minutes>", "watch the alarms this long after the flip (default: the stack's bakeMinutes; 0 = none)"),
      new Option("--fresh", "launch the version on a new machine even if the standby has it or it serves already (rolls out a user-data change)").default(false),
    ],
    updates: true,
    asks: true,
    examples: [
      ["ec2-rollback rollback", "back to the last good release before the one serving"],
      ["ec2-rollback release 1.3.0 --dry-run", "what putting 1.3.0 on the standby would change; changes nothing"],
      ["ec2-rollback rollback backup:latest --yes --bake 10", "the whole machine as of the last backup, alarms watched 10 minutes"],
    ],
    async run({ g, args: [target], opts, signal }) {
      const verifyTimeoutMs = minutesMs(opts.verifyTimeout, "--verify-timeout");
      const bakeMinutes = opts.bake === undefined ? undefined : wholeNumber(opts.bake, "--bake", 0);
      const { rollback } = await import("../core/rollback");
      const { parseReleaseTarget, rollbackRelease } = await import("../core/releaseRollback");
      const { fetchProbe } = await import("../adapters/system");
      const deps = { ...(await withAppServices(await backupDeps(g, ["ec2", "backup", ...APP_SERVICES]))), http: fetchProbe };
      const options = {
        yes: g.yes,
        revert: opts.revert as boolean,
        preview: opts.dryRun as boolean,
        healthCheck: opts.healthCheck as boolean,
        healthUrl: opts.healthUrl as string | undefined,
        verifyTimeoutMs,
        pollMs: 2000,
        bakeMinutes,
        bakePollMs: 5000,
        fresh: opts.fresh as boolean,
        signal,
      };
      const release = parseReleaseTarget(target);
      if (release !== undefined) return rollbackRelease(deps, { ...options, release, appTimeoutMs: 60 * MINUTE });
      return rollback(deps, { ...options, target });
    },
    format: (r: import("../core/rollback").RollbackResult | import("../core/releaseRollback").ReleaseRollbackResult) =>
      "release" in r ? format.formatReleaseRollback(r) : format.formatRollback(r),
  }),

  define({
    name: "releases",
    summary: "every machine change as a release, newest first: version, AMI, the app version live on it, when it served, and whether it was good; * = serving",
    async run({ g }) {
      const { releasesOf } = await import("../core/releases");
      const { stack } = await commandDeps(g, { services: [] });
      return releasesOf(await stack.tags());
    },
    examples: [
      ["ec2-rollback releases", "every machine change, newest first, and whether it was good"],
      ["ec2-rollback releases --stack prod --json", "the same for stack prod, as JSON"],
    ],
    format: format.formatReleases,
  }),

  define({
    name: "deploy",
    summary: "bundle a folder as a CodeDeploy revision, upload it, deploy it and follow it (CodeDeploy rolls back by itself on failure)",
    arguments: [["<dir>", "the app folder (with an appspec.yml, or scripts/start.sh, stop.sh, validate.sh … for a generated one)"]],
    options: [
      new Option("--version <semver>", "the revision's version (required); stored once at <appName>/<version>.zip and never replaced"),
      fileExists(),
      noWait("deployment"),
      new Option("--include-node-modules", "ship node_modules too (left out by default)").default(false),
      new Option("--include <name...>", "ship these although they usually hold secrets (.env, *.pem, *.key, id_rsa, .npmrc …; left out with a warning by default)"),
      new Option("--allow-empty", "deploy a folder with nothing but an appspec (replaces the app with nothing)").default(false),
      ignoreAlarms(),
      timeout("60", "follow the deployment"),
    ],
    required: ["version"],
    asks: true,
    examples: [
      ["ec2-rollback deploy examples/app --version 1.0.1", "bundle, upload, deploy and follow version 1.0.1 of the folder"],
      ["ec2-rollback deploy app/ --version 1.4.1 --ignore-alarms --yes", "ship the fix while an alarm of the group fires"],
      ["ec2-rollback deploy app/ --version 1.4.2 --yes --no-wait --json", "in a script: no question, print the deployment id and exit"],
    ],
    async run({ g, args: [dir], opts, signal }) {
      const timeoutMs = minutesMs(opts.timeout, "--timeout");
      const { deployFolder, FILE_EXISTS } = await import("../core/appDeploy");
      return deployFolder(await appDeps(g), {
        dir: dir!,
        version: opts.version as string,
        fileExists: FILE_EXISTS[opts.fileExists as string],
        includeNodeModules: opts.includeNodeModules as boolean,
        include: opts.include as string[] | undefined,
        allowEmpty: opts.allowEmpty as boolean,
        ignoreAlarms: opts.ignoreAlarms as boolean,
        yes: g.yes,
        wait: opts.wait as boolean,
        timeoutMs,
        pollMs: 5000,
        signal,
      });
    },
    format: format.formatDeploy,
  }),

  define({
    name: "revisions",
    summary: "the app's revisions, newest first: version, upload time, size, last deployment status; * = live",
    async run({ g }) {
      const { listRevisions } = await import("../core/appDeploy");
      return listRevisions(await appDeps(g, { tags: false }));
    },
    examples: [
      ["ec2-rollback revisions", "the app's revisions, newest first; * = live"],
      ["ec2-rollback revisions --json", "the same as JSON"],
    ],
    format: format.formatRevisions,
  }),

  define({
    name: "app-rollback",
    summary: "redeploy an earlier app revision through CodeDeploy and follow it",
    arguments: [["[version]", "the revision to redeploy; default: the most recent successfully deployed one that is not live"]],
    options: [fileExists(), noWait("deployment"), timeout("60", "follow the deployment"), ignoreAlarms()],
    asks: true,
    examples: [
      ["ec2-rollback app-rollback", "redeploy the last successfully deployed revision that is not live"],
      ["ec2-rollback app-rollback 1.0.0 --yes", "redeploy revision 1.0.0 without a question"],
    ],
    async run({ g, args: [version], opts, signal }) {
      const timeoutMs = minutesMs(opts.timeout, "--timeout");
      const { appRollback, FILE_EXISTS } = await import("../core/appDeploy");
      return appRollback(await appDeps(g), {
        version,
        yes: g.yes,
        fileExists: FILE_EXISTS[opts.fileExists as string],
        wait: opts.wait as boolean,
        ignoreAlarms: opts.ignoreAlarms as boolean,
        timeoutMs,
        pollMs: 5000,
        signal,
      });
    },
    format: format.formatDeploy,
  }),

  define({
    name: "backup",
    summary: "take an AWS Backup recovery point of the instance now (an AMI of the whole machine) and wait for it",
    options: [new Option("--note <why>", "why: kept as the recovery point's Reason tag"), noWait("job"), timeout("180", "wait for the job")],
    examples: [
      ['ec2-rollback backup --note "before the OS upgrade"', "a recovery point now, with why"],
      ["ec2-rollback backup --no-wait --json", "start the job, print its id and exit"],
    ],
    async run({ g, opts, signal }) {
      const timeoutMs = minutesMs(opts.timeout, "--timeout");
      const { backupNow } = await import("../core/backup");
      return backupNow(await backupDeps(g), { note: opts.note as string | undefined, wait: opts.wait as boolean, timeoutMs, pollMs: 15_000, signal });
    },
    format: format.formatBackup,
  }),

  define({
    name: "prune",
    summary: "deregister old checkpoint AMIs and delete their snapshots; never the serving one, the standby's, the one before, or a recovery point",
    options: [
      new Option("--keep <n>", "keep this many newest checkpoints"),
      new Option("--older-than <days>", "remove only checkpoints older than this"),
      ...dryRun("list what would be removed; remove nothing"),
    ],
    asks: true,
    examples: [
      ["ec2-rollback prune --keep 5 --dry-run", "what keeping the 5 newest checkpoints would remove; removes nothing"],
      ["ec2-rollback prune --older-than 30 --yes", "remove checkpoints older than 30 days that no stack needs"],
    ],
    async run({ g, opts }) {
      const keep = opts.keep === undefined ? undefined : wholeNumber(opts.keep, "--keep", 0);
      const olderThanDays = opts.olderThan === undefined ? undefined : wholeNumber(opts.olderThan, "--older-than", 1);
      const { prune } = await import("../core/prune");
      return prune(await commandDeps(g), { keep, olderThanDays, yes: g.yes, dryRun: opts.dryRun as boolean });
    },
    format: format.formatPrune,
  }),

  define({
    name: "completion",
    summary: "print the shell completion script for bash, zsh or fish (commands, their options, the global options)",
    arguments: [["<shell>", "bash, zsh or fish"]],
    examples: [
      ["ec2-rollback completion bash > ~/.local/share/bash-completion/completions/ec2-rollback", "bash: completes from the next shell on"],
      ["ec2-rollback completion zsh > ~/.zfunc/_ec2-rollback", "zsh: with fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc"],
      ["ec2-rollback completion fish > ~/.config/fish/completions/ec2-rollback.fish", "fish"],
    ],
    async run({ args: [shell] }) {
      const { completionScript } = await import("./completion");
      return completionScript(shell!);
    },
    format: (script: string) => script.trimEnd(),
  }),
];
