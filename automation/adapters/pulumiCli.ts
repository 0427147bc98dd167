// The Pulumi CLI, run directly. A read of a stack (config, outputs, tags, history, the project's other
// stacks) is one `pulumi` process with `--stack <name>`: the same command the Automation API runs for it
// (localWorkspace.js and stack.js of @pulumi/pulumi 3.248: `config --show-secrets --json`,
// `stack output --json --show-secrets`, `stack tag ls --json`, `stack history --json --show-secrets`,
// `stack ls --json`), without loading the Automation API (about 1,100 files, half a second) and without
// `pulumi stack select`, which would change the stack the user has selected.
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Ec2RollbackError } from "../core/errors";
import { cacheDir } from "./cacheDir";
import { explainPulumiError, pulumiMissing } from "./pulumiErrors";

/** A failed `pulumi` run, shaped like the Automation API's CommandError (its text holds stderr). */
export class PulumiCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`code: ${code}\n stdout: ${stdout.trim()}\n stderr: ${stderr.trim()}`);
    this.name = "CommandError";
  }
}

export class PulumiCli {
  constructor(
    readonly workDir: string,
    /** The backend's environment (backend.ts), over this process's own. */
    private readonly env: Record<string, string>,
    private readonly stackName: string,
  ) {}

  /** The environment every `pulumi` this tool starts gets, the Automation API's included. */
  get environment(): Record<string, string> {
    return { PULUMI_SKIP_UPDATE_CHECK: "true", ...this.env };
  }

  /** The `pulumi` executable on PATH, or undefined: what the Automation API would run. */
  static locate(searchPath = process.env.PATH ?? ""): string | undefined {
    for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
      const file = path.join(dir, "pulumi");
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
    return undefined;
  }

  /**
   * Runs `pulumi <args> --non-interactive`, with `--stack <this stack>` unless `stack` is null (or another
   * stack's name); resolves to stdout. A failure becomes one line naming the problem and the fix.
   */
  async run(args: string[], stack: string | null = this.stackName): Promise<string> {
    const bin = PulumiCli.locate(this.env.PATH ?? process.env.PATH);
    if (!bin) throw pulumiMissing();
    // Never an empty `--stack`: `pulumi` would act on whichever stack the user has selected.
    if (stack === "") throw new Ec2RollbackError("USAGE", "no stack named (an empty --stack or PULUMI_STACK): name the stack, e.g. --stack dev; nothing was changed");
    const full = [...args, ...(stack === null ? [] : ["--stack", stack]), "--non-interactive"];
    try {
      return await new Promise<string>((resolve, reject) => {
        execFile(
          bin,
          full,
          { cwd: this.workDir, env: { ...process.env, ...this.environment }, maxBuffer: 512 * 1024 * 1024, encoding: "utf8" },
          (err, stdout, stderr) =>
            err ? reject(Object.assign(new PulumiCommandError(full, (err as { code?: number | string }).code ?? null, stdout, stderr), { path: (err as { path?: string }).path })) : resolve(stdout),
        );
      });
    } catch (e) {
      throw explainPulumiError(e, { stack: stack ?? this.stackName, workDir: this.workDir });
    }
  }

  /** `run`, its stdout read as JSON. */
  async json<T>(args: string[], stack?: string | null): Promise<T> {
    const out = await this.run(args, stack);
    try {
      return JSON.parse(out) as T;
    } catch (e) {
      throw new Ec2RollbackError("PULUMI_FAILED", `\`pulumi ${args.join(" ")}\` did not answer with JSON (${out.trim().slice(0, 80) || "nothing"}): is \`pulumi\` on PATH the Pulumi CLI?`, { cause: e });
    }
  }

  /** The names of the project's stacks in this backend (`pulumi stack ls --json`, no stack named). */
  async stackNames(): Promise<string[]> {
    return (await this.json<{ name?: unknown }[]>(["stack", "ls", "--json"], null)).map((s) => s.name).filter((n): n is string => typeof n === "string");
  }

  /**
   * The CLI's version ("3.200.0"), which the Automation API needs to pick how it reads engine events.
   * `pulumi version` runs once per installed executable: the answer is kept in the user's cache folder,
   * in a file named for the executable's path, size and modification time (an upgrade is a new file).
   */
  async version(): Promise<string> {
    const bin = PulumiCli.locate(this.env.PATH ?? process.env.PATH);
    if (!bin) throw pulumiMissing();
    const st = fs.statSync(bin);
    // The project folder too: a version manager's shim (asdf, mise) is one file for every version, and
    // picks the version by folder.
    const key = `${fs.realpathSync(bin)}|${st.size}|${st.mtimeMs}|${this.workDir}`;
    const name = `pulumi-version-${crypto.createHash("sha256").update(key).digest("hex").slice(0, 16)}.json`;
    const file = path.join(cacheDir(), name);
    try {
      const cached = JSON.parse(fs.readFileSync(file, "utf8")) as { key?: string; version?: string };
      if (cached.key === key && typeof cached.version === "string") return cached.version;
    } catch {
      // not cached yet
    }
    const answer = (await this.run(["version"], null)).trim();
    const version = /^v?(\d+\.\d+\.\d+[-+.\w]*)$/.exec(answer)?.[1];
    if (!version) {
      throw new Ec2RollbackError("PULUMI_FAILED", `\`pulumi version\` answered "${answer.slice(0, 60)}", not a version: is \`pulumi\` on PATH the Pulumi CLI?`);
    }
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}`;
      fs.writeFileSync(tmp, JSON.stringify({ key, version }));
      fs.renameSync(tmp, file);
    } catch {
      // a cache that cannot be written only costs the next run one `pulumi version`
    }
    return version;
  }
}
