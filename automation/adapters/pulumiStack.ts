// StackPort for one Pulumi stack of the project folder. Reads run the Pulumi CLI directly
// (pulumiCli.ts); every change of the stack (config set, `up`, preview) goes through Pulumi's Automation
// API, loaded on the first change only. Tags are metadata of the stack, not its config or resources:
// they are read and written with the same `pulumi stack tag` commands the Automation API runs.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent, PulumiCommand as PulumiCommandType, Stack } from "@pulumi/pulumi/automation";
import { configKey } from "../../contract/config";
import { Ec2RollbackError, InterruptedError, StackLockedError } from "../core/errors";
import { PreviewResult, ProjectPort, StackOutputs, StackPort, UpdateRecord, UpProgress } from "../core/ports";
import { projectFile } from "./backend";
import { PulumiCli } from "./pulumiCli";
import { explainPulumiError } from "./pulumiErrors";

const AMI_VERSION = configKey("amiVersion");

type ConfigJson = Record<string, { value?: string; secret?: boolean }>;
const plainConfig = (all: ConfigJson): Record<string, string> => Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value ?? ""]));

function progressOf(e: EngineEvent): UpProgress | undefined {
  const m = e.resourcePreEvent?.metadata;
  if (!m) return undefined;
  const state = (m.new?.inputs as { state?: unknown } | undefined)?.state;
  return { kind: "resource", op: m.op, type: m.type, name: m.urn.split("::").at(-1) ?? m.urn, ...(typeof state === "string" ? { state } : {}) };
}

export class PulumiStack implements StackPort {
  private cachedConfig?: Promise<Record<string, string>>;
  private cachedOutputs?: Promise<StackOutputs>;
  /** The tags read at start-up: they answer until the first change (see `tags`); and when they were asked for. */
  private snapshotTags?: Promise<Record<string, string>>;
  private snapshotAskedAt?: number;
  /** The Automation API's stack, for changes: loaded on the first one. */
  private automation?: Promise<Stack>;

  private constructor(
    private readonly cli: PulumiCli,
    readonly name: string,
    private readonly workDir: string,
    /** How long an interrupt waits for `pulumi` to show it got it itself before it is passed on. */
    private readonly forwardGraceMs: number,
  ) {}

  /**
   * The stack, and its config, outputs and tags asked for at once,
   * one `pulumi` call each, side by side: an unknown stack, a missing passphrase or a missing CLI is said here.
   */
  static async open(o: {
    workDir: string;
    stackName: string;
    env: Record<string, string>;
    forwardGraceMs?: number;
    /** Read the tags at once too (default yes): a command that never reads them saves a `pulumi` process. */
    tags?: boolean;
  }): Promise<PulumiStack> {
    const s = new PulumiStack(new PulumiCli(o.workDir, o.env, o.stackName), o.stackName, o.workDir, o.forwardGraceMs ?? 2000);
    if (o.tags !== false) {
      s.snapshotAskedAt = Date.now();
      s.snapshotTags = s.readTags();
      s.snapshotTags.catch(() => undefined); // said by whoever asks for them
    }
    await Promise.all([s.config(), s.outputs()]);
    return s;
  }

  async config(): Promise<Record<string, string>> {
    this.cachedConfig ??= this.readConfig();
    this.cachedConfig.catch(() => (this.cachedConfig = undefined));
    return { ...(await this.cachedConfig) };
  }

  async outputs(): Promise<StackOutputs> {
    this.cachedOutputs ??= this.readOutputs();
    this.cachedOutputs.catch(() => (this.cachedOutputs = undefined));
    return { ...(await this.cachedOutputs) };
  }

  /**
   * Until this process first changes the stack, the tags read when it was opened: a read-only command
   * sees one moment. From the first change on (`refresh`, `setTag`, `removeTag`), every call asks the
   * backend: tags are how operators see each other's operation records.
   */
  async tags(): Promise<Record<string, string>> {
    return { ...(await (this.snapshotTags ?? this.readTags())) };
  }

  tagsAskedAt(): number | undefined {
    return this.snapshotTags ? this.snapshotAskedAt : undefined;
  }

  refresh(what: "all" | "tags" = "all"): void {
    if (what === "all") this.cachedConfig = this.cachedOutputs = undefined;
    this.snapshotTags = this.snapshotAskedAt = undefined;
  }

  /** This stack's config (or another stack's, by name), plain values. */
  private async readConfig(stack?: string): Promise<Record<string, string>> {
    return plainConfig(await this.cli.json<ConfigJson>(["config", "--show-secrets", "--json"], stack));
  }

  /** This stack's outputs (or another stack's, by name), secrets shown. */
  private readOutputs(stack?: string): Promise<StackOutputs> {
    return this.cli.json<StackOutputs>(["stack", "output", "--json", "--show-secrets"], stack);
  }

  // A DIY backend before Pulumi CLI 3.211 has no stack tags: `pulumi stack tag …` fails with "does not
  // support stack tags" (pkg/cmd/pulumi/stack/stack_tag.go). That is "no tags kept", not a failure: the
  // operation record's read-back then finds nothing, and says so.
  private readTags(stack?: string): Promise<Record<string, string>> {
    // A stack without tags may answer `null` (a nil map in Go).
    return this.withoutTags(async () => (await this.cli.json<Record<string, string> | null>(["stack", "tag", "ls", "--json"], stack)) ?? {}, {});
  }

  async setTag(key: string, value: string): Promise<void> {
    this.snapshotTags = this.snapshotAskedAt = undefined;
    await this.withoutTags(() => this.cli.run(["stack", "tag", "set", key, value]), undefined);
  }

  async removeTag(key: string): Promise<void> {
    this.snapshotTags = this.snapshotAskedAt = undefined;
    await this.withoutTags(() => this.cli.run(["stack", "tag", "rm", key]), undefined);
  }

  private async withoutTags<T>(f: () => Promise<T>, none: T): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (/does not support stack tags/i.test(`${(e as Error).message}\n${String((e as { cause?: unknown }).cause ?? "")}`)) return none;
      throw e;
    }
  }

  async history(): Promise<UpdateRecord[]> {
    const h = await this.cli.json<{ kind: string; result: string; startTime: string; endTime?: string; message?: string; config?: ConfigJson }[]>([
      "stack",
      "history",
      "--json",
      "--show-secrets",
      "--page-size",
      "50",
      "--page",
      "1",
    ]);
    return h.map((u) => ({
      kind: u.kind,
      result: u.result,
      startTime: new Date(u.startTime),
      endTime: u.endTime ? new Date(u.endTime) : undefined,
      message: u.message,
      amiVersion: u.config?.[AMI_VERSION]?.value,
    }));
  }

  /** The other stacks of this project in the same backend, read without selecting them. */
  project(): ProjectPort {
    return {
      // By name: `current` is the stack the user has selected in Pulumi, which need not be this one.
      otherStackNames: async () => (await this.cli.stackNames()).filter((n) => n !== this.name),
      read: async (name) => {
        const [config, tags, outputs] = await Promise.all([this.readConfig(name), this.readTags(name), this.readOutputs(name)]);
        return { config, tags, outputs };
      },
    };
  }

  // ── Changes: through the Automation API ─────────────────────────────────────────────────────────

  /**
   * The Automation API's Stack for this stack, without the two calls it would make first: `pulumi
   * version` (the version is read once per installed CLI, pulumiCli.ts) and `pulumi stack select`
   * (every command Stack runs passes `--stack <name>`: stack.js runPulumiCmd; selecting would only
   * change the user's selected stack).
   */
  private stackForChanges(): Promise<Stack> {
    this.automation ??= (async () => {
      const [{ LocalWorkspace, PulumiCommand, Stack }, version] = await Promise.all([import("@pulumi/pulumi/automation"), this.cli.version()]);
      const { SemVer } = await import("semver");
      // PulumiCommand.get always runs `pulumi version`; its constructor takes what that would find.
      // "pulumi" as PulumiCommand.get names it: an absolute path would put its folder first on the PATH of
      // every command it runs (cmd.js run), and so of the program `up` runs (another node, another npm).
      const command = new (PulumiCommand as unknown as new (command: string, version: InstanceType<typeof SemVer>) => PulumiCommandType)("pulumi", new SemVer(version));
      const ws = await LocalWorkspace.create({ workDir: this.workDir, envVars: this.cli.environment, pulumiCommand: command });
      ws.selectStack = async () => undefined;
      const stack = await Stack.select(this.name, ws);
      // After `up`, Stack reads the outputs twice (masked, then plain) and the last update (`stack
      // history`): this adapter reads the outputs once itself and has no use for the update summary.
      Object.assign(stack, { outputs: async () => ({}), info: async () => undefined });
      return stack;
    })();
    this.automation.catch(() => (this.automation = undefined));
    return this.automation;
  }

  private async change<T>(f: (stack: Stack) => Promise<T>): Promise<T> {
    try {
      return await f(await this.stackForChanges());
    } catch (e) {
      throw e instanceof Ec2RollbackError ? e : explainPulumiError(e, { stack: this.name, workDir: this.workDir });
    }
  }

  async setConfig(values: Record<string, string>): Promise<void> {
    // One `pulumi config set-all`: the keys of a flip change together.
    await this.change((s) => s.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]))));
    const known = this.cachedConfig;
    if (known) this.cachedConfig = known.then((c) => ({ ...c, ...values }));
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
      await this.change((s) =>
        s.up({
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
    } catch (e) {
      this.cachedOutputs = undefined; // a failed update may have changed some
      if (o.signal?.aborted && !(e instanceof StackLockedError)) throw new InterruptedError();
      throw e;
    } finally {
      forwarded.dispose();
    }
    // What the update left: read once (the update succeeded; a failure to read is said as such).
    this.cachedOutputs = undefined;
    return this.outputs();
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
    const r = await this.change((s) =>
      s.preview({
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
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseDocument } = require("yaml") as typeof import("yaml");
    const project = projectFile(this.workDir);
    const configDir = (project ? (parseDocument(fs.readFileSync(project, "utf8")).get("stackConfigDir") as string | undefined) : undefined) ?? ".";
    const dir = path.resolve(this.workDir, configDir);
    const own = ["yaml", "yml"].map((ext) => path.join(dir, `Pulumi.${short}.${ext}`)).find((f) => fs.existsSync(f));
    if (!own) {
      throw new Ec2RollbackError(
        "PREVIEW_UNAVAILABLE",
        `--dry-run needs the stack's settings file Pulumi.${short}.yaml in ${dir}, and there is none (is its config kept in Pulumi Cloud?); ` +
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
}
