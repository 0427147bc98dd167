// StackPort over Pulumi's Automation API (LocalWorkspace on the project folder, the selected stack).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConcurrentUpdateError, EngineEvent, LocalWorkspace, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { configKey } from "../../contract/config";
import { Ec2RollbackError, InterruptedError, StackLockedError } from "../core/errors";
import { PreviewResult, ProjectPort, StackOutputs, StackPort, UpdateRecord, UpProgress } from "../core/ports";
import { projectFile } from "./backend";

const AMI_VERSION = configKey("amiVersion");

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

/**
 * Turns what the Pulumi CLI says into one line naming the problem and the fix, keeping the original as
 * the cause. The Automation API's own typed errors first; its messages only for what it does not type.
 */
export function explainPulumiError(e: unknown, ctx: { stack: string; workDir: string }): Error {
  const cause = { cause: e };
  if (e instanceof ConcurrentUpdateError) return new StackLockedError(ctx.stack, e);
  if (e instanceof StackNotFoundError) return stackNotFound(ctx, e);
  const text = e instanceof Error ? `${e.message}\n${(e as { stderr?: string }).stderr ?? ""}` : String(e);
  // Only the `pulumi` executable itself missing (execa's "spawn pulumi ENOENT"), not any file a program
  // or provider could not find while `pulumi` ran.
  // The Automation API wraps execa's error in a CommandError: its code and path are on commandResult.err.
  const spawned = ((e as { commandResult?: { err?: unknown } }).commandResult?.err ?? e) as { code?: string; path?: string };
  if ((spawned.code === "ENOENT" && /(^|\/)pulumi$/.test(spawned.path ?? "")) || /\bspawn \S*pulumi ENOENT\b/.test(text)) {
    return new Ec2RollbackError("PULUMI_MISSING", "the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again", cause);
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

function plainOutputs(o: Record<string, { value: unknown }>): StackOutputs {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = v.value;
  return out as StackOutputs;
}

function progressOf(e: EngineEvent): UpProgress | undefined {
  const m = e.resourcePreEvent?.metadata;
  if (!m) return undefined;
  return { kind: "resource", op: m.op, type: m.type, name: m.urn.split("::").at(-1) ?? m.urn };
}

export class PulumiStack implements StackPort {
  private cachedConfig?: Record<string, string>;
  private cachedOutputs?: StackOutputs;

  private constructor(
    private readonly stack: Stack,
    private readonly workDir: string,
    /** How long an interrupt waits for `pulumi` to show it got it itself before it is passed on. */
    private readonly forwardGraceMs: number,
  ) {}

  get name(): string {
    return this.stack.name;
  }

  static async open(o: { workDir: string; stackName: string; env: Record<string, string>; forwardGraceMs?: number }): Promise<PulumiStack> {
    const ctx = { stack: o.stackName, workDir: o.workDir };
    try {
      const ws = await LocalWorkspace.create({ workDir: o.workDir, envVars: { PULUMI_SKIP_UPDATE_CHECK: "true", ...o.env } });
      const stack = await Stack.select(o.stackName, ws);
      return new PulumiStack(stack, o.workDir, o.forwardGraceMs ?? 2000);
    } catch (e) {
      throw explainPulumiError(e, ctx);
    }
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw explainPulumiError(e, { stack: this.name, workDir: this.workDir });
    }
  }

  async config(): Promise<Record<string, string>> {
    if (!this.cachedConfig) {
      const all = await this.call(() => this.stack.getAllConfig());
      this.cachedConfig = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value]));
    }
    return { ...this.cachedConfig };
  }

  async setConfig(values: Record<string, string>): Promise<void> {
    // One `pulumi config set-all`: the keys of a flip change together.
    await this.call(() => this.stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]))));
    if (this.cachedConfig) Object.assign(this.cachedConfig, values);
  }

  async up(o: { message: string; onProgress: (p: UpProgress) => void; signal?: AbortSignal }): Promise<StackOutputs> {
    // Whether `pulumi` already got the interrupt itself (a terminal's Ctrl-C reaches the whole process
    // group; so can a service manager's SIGTERM): it then says it is cancelling, and must not get a
    // second one, which would make it quit mid-update.
    let cancelling = false;
    const sawCancel = (text: string) => {
      if (/cancell?ing/i.test(text)) cancelling = true;
    };
    const forwarded = this.interruptFor(o.signal, () => cancelling);
    try {
      const r = await this.call(
        () =>
          this.stack.up({
            message: o.message,
            signal: forwarded.signal,
            onOutput: (text) => {
              sawCancel(text);
              o.onProgress({ kind: "output", text });
            },
            onError: sawCancel,
            onEvent: (e) => {
              if (e.cancelEvent) cancelling = true;
              const p = progressOf(e);
              if (p) o.onProgress(p);
            },
          }),
      );
      this.cachedOutputs = plainOutputs(r.outputs);
      return { ...this.cachedOutputs };
    } catch (e) {
      this.cachedOutputs = undefined; // a failed update may have changed some
      if (o.signal?.aborted && !(e instanceof StackLockedError)) throw new InterruptedError();
      throw e;
    } finally {
      forwarded.dispose();
    }
  }

  /**
   * The abort passed on to `pulumi` (as SIGINT, its graceful cancel), `forwardGraceMs` after ours,
   * unless `pulumi` shows by then that it got the interrupt itself.
   */
  private interruptFor(signal: AbortSignal | undefined, cancelling: () => boolean): { signal?: AbortSignal; dispose: () => void } {
    if (!signal) return { dispose: () => undefined };
    const forward = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => {
        if (!cancelling()) forward.abort(signal.reason);
      }, this.forwardGraceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    return {
      signal: forward.signal,
      dispose: () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      },
    };
  }

  async preview(o: { message: string; onProgress: (p: UpProgress) => void; config?: Record<string, string> }): Promise<PreviewResult> {
    const steps: string[] = [];
    // Another config is previewed from a copy of the stack's settings file (`--config-file`), so the
    // stack's own config never changes, whatever happens to this process.
    const configFile = o.config ? this.configFileWith(o.config) : undefined;
    const r = await this.call(() =>
      this.stack.preview({
        message: o.message,
        configFile: configFile?.path,
        onOutput: (text) => o.onProgress({ kind: "output", text }),
        onEvent: (e) => {
          const p = progressOf(e);
          if (!p || p.kind !== "resource") return;
          o.onProgress(p);
          if (p.op !== "same") steps.push(`${p.op} ${p.type} ${p.name}`);
        },
      }),
    ).finally(() => configFile?.remove());
    const changes: Record<string, number> = {};
    for (const [op, n] of Object.entries(r.changeSummary ?? {})) if (n) changes[op] = n;
    return { changes, steps };
  }

  /**
   * `Pulumi.<stack>.yaml` (where Pulumi.yaml's `stackConfigDir` puts it) with `values` set, in a private
   * temporary folder. A stack whose config is not in such a file (kept in Pulumi Cloud) cannot be
   * previewed with other values without changing it: that is refused, never previewed from nothing.
   */
  private configFileWith(values: Record<string, string>): { path: string; remove: () => void } {
    const short = this.name.split("/").at(-1)!;
    const project = projectFile(this.workDir);
    const configDir = (project ? (parseDocument(fs.readFileSync(project, "utf8")).get("stackConfigDir") as string | undefined) : undefined) ?? ".";
    const dir = path.resolve(this.workDir, configDir);
    const own = ["yaml", "yml"].map((ext) => path.join(dir, `Pulumi.${short}.${ext}`)).find((f) => fs.existsSync(f));
    if (!own) {
      throw new Ec2RollbackError(
        "PREVIEW_UNAVAILABLE",
        `--preview needs the stack's settings file Pulumi.${short}.yaml in ${dir}, and there is none (is its config kept in Pulumi Cloud?); ` +
          "nothing was changed. Preview without it: `pulumi preview` after setting the keys by hand",
      );
    }
    const doc = parseDocument(fs.readFileSync(own, "utf8"));
    for (const [k, v] of Object.entries(values)) doc.setIn(["config", k], v);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ec2-rollback-preview-"));
    const file = path.join(tmp, `Pulumi.${short}.yaml`);
    fs.writeFileSync(file, doc.toString(), { mode: 0o600 });
    return { path: file, remove: () => fs.rmSync(tmp, { recursive: true, force: true }) };
  }

  /** The other stacks of this project in the same backend, read without selecting them. */
  project(): ProjectPort {
    const ws = this.stack.workspace;
    return {
      otherStackNames: () => this.call(async () => (await ws.listStacks()).filter((s) => !s.current && s.name !== this.name).map((s) => s.name)),
      read: (name) =>
        this.call(async () => {
          const [all, tags, outputs] = await Promise.all([ws.getAllConfig(name), this.withoutTags(() => ws.listTags(name), {}), ws.stackOutputs(name)]);
          return { config: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value])), tags, outputs: plainOutputs(outputs) };
        }),
    };
  }

  // A DIY backend before Pulumi CLI 3.211 has no stack tags: `pulumi stack tag …` fails with "does not
  // support stack tags" (pkg/cmd/pulumi/stack/stack_tag.go). That is "no tags kept", not a failure: the
  // operation record's read-back then finds nothing, and says so.
  async tags(): Promise<Record<string, string>> {
    return this.withoutTags(() => this.call(() => this.stack.listTags()), {});
  }

  async setTag(key: string, value: string): Promise<void> {
    await this.withoutTags(() => this.call(() => this.stack.setTag(key, value)), undefined);
  }

  async removeTag(key: string): Promise<void> {
    await this.withoutTags(() => this.call(() => this.stack.removeTag(key)), undefined);
  }

  private async withoutTags<T>(f: () => Promise<T>, none: T): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (/does not support stack tags/i.test(`${(e as Error).message}\n${String((e as { cause?: unknown }).cause ?? "")}`)) return none;
      throw e;
    }
  }

  async outputs(): Promise<StackOutputs> {
    this.cachedOutputs ??= plainOutputs(await this.call(() => this.stack.outputs()));
    return { ...this.cachedOutputs };
  }

  async history(): Promise<UpdateRecord[]> {
    const h = await this.call(() => this.stack.history(50));
    return h.map((u) => ({
      kind: u.kind,
      result: u.result,
      startTime: u.startTime,
      endTime: u.endTime,
      message: u.message,
      amiVersion: u.config?.[AMI_VERSION]?.value,
    }));
  }
}
