// StackPort over Pulumi's Automation API (LocalWorkspace on the project folder, the selected stack).
import { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { InterruptedError, StackLockedError, UserError } from "../core/errors";
import { PreviewResult, StackOutputs, StackPort, UpdateRecord, UpProgress } from "../core/ports";

const AMI_VERSION = "ec2-rollback:amiVersion";

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

/** Turns what the Pulumi CLI says into one line naming the problem and the fix. */
export function explainPulumiError(e: unknown, ctx: { stack: string; workDir: string }): Error {
  const text = e instanceof Error ? `${e.message}\n${(e as { stderr?: string }).stderr ?? ""}` : String(e);
  if (/ENOENT/.test(text) && /pulumi/.test(text)) {
    return new UserError("the Pulumi CLI is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) and try again");
  }
  if (/the stack is currently locked by|Another update is currently in progress/.test(text)) return new StackLockedError(ctx.stack);
  if (/no stack named .* found/.test(text)) {
    return new UserError(`stack "${ctx.stack}" does not exist in this backend: create it with \`pulumi stack init ${ctx.stack}\` in ${ctx.workDir}, or pass --stack <name>`);
  }
  if (/incorrect passphrase/i.test(text)) {
    return new UserError("PULUMI_CONFIG_PASSPHRASE is not this stack's passphrase: export the one the stack was created with and try again");
  }
  if (/passphrase must be set|PULUMI_CONFIG_PASSPHRASE/.test(text)) {
    return new UserError("the stack's secrets need its passphrase: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) and try again");
  }
  if (/no Pulumi\.yaml project file found|could not find Pulumi\.yaml/i.test(text)) {
    return new UserError(`no Pulumi project in ${ctx.workDir}: run from the project folder or pass --cwd <dir>`);
  }
  if (/(NoCredentialProviders|no valid credential sources|failed to refresh cached credentials|could not load credentials)/i.test(text)) {
    return new UserError("Pulumi found no AWS credentials: set AWS_PROFILE (and `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  }
  return new Error(lastErrorLine(text));
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
  /** How many times the Pulumi CLI was started through this adapter (for the benchmark). */
  public static invocations = 0;

  private constructor(
    private readonly stack: Stack,
    private readonly workDir: string,
    private readonly forwardInterrupt: boolean,
  ) {}

  get name(): string {
    return this.stack.name;
  }

  /**
   * `forwardInterrupt`: pass an abort on to `pulumi` as SIGINT. Off when a terminal is attached: its
   * Ctrl-C already reached `pulumi` (same process group) and started a graceful cancel, and a second
   * SIGINT would make Pulumi quit at once, mid-operation.
   */
  static async open(o: { workDir: string; stackName: string; env: Record<string, string>; forwardInterrupt?: boolean }): Promise<PulumiStack> {
    const ctx = { stack: o.stackName, workDir: o.workDir };
    try {
      const ws = await LocalWorkspace.create({ workDir: o.workDir, envVars: { PULUMI_SKIP_UPDATE_CHECK: "true", ...o.env } });
      PulumiStack.invocations++; // pulumi version
      const stack = await Stack.select(o.stackName, ws);
      PulumiStack.invocations++; // pulumi stack select
      return new PulumiStack(stack, o.workDir, o.forwardInterrupt ?? true);
    } catch (e) {
      throw explainPulumiError(e, ctx);
    }
  }

  private async call<T>(f: () => Promise<T>, invocations = 1): Promise<T> {
    PulumiStack.invocations += invocations;
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

  async setConfig(key: string, value: string): Promise<void> {
    await this.call(() => this.stack.setConfig(key, { value }));
    if (this.cachedConfig) this.cachedConfig[key] = value;
  }

  async up(o: { message: string; onProgress: (p: UpProgress) => void; signal?: AbortSignal }): Promise<StackOutputs> {
    try {
      // up, then (inside the Automation API) stack output ×2 and stack history.
      const r = await this.call(
        () =>
          this.stack.up({
            message: o.message,
            signal: this.forwardInterrupt ? o.signal : undefined,
            onOutput: (text) => o.onProgress({ kind: "output", text }),
            onEvent: (e) => {
              const p = progressOf(e);
              if (p) o.onProgress(p);
            },
          }),
        4,
      );
      this.cachedOutputs = plainOutputs(r.outputs);
      return { ...this.cachedOutputs };
    } catch (e) {
      this.cachedOutputs = undefined; // a failed update may have changed some
      if (o.signal?.aborted && !(e instanceof StackLockedError)) throw new InterruptedError();
      throw e;
    }
  }

  async preview(o: { message: string; onProgress: (p: UpProgress) => void }): Promise<PreviewResult> {
    const steps: string[] = [];
    const r = await this.call(() =>
      this.stack.preview({
        message: o.message,
        onOutput: (text) => o.onProgress({ kind: "output", text }),
        onEvent: (e) => {
          const p = progressOf(e);
          if (!p || p.kind !== "resource") return;
          o.onProgress(p);
          if (p.op !== "same") steps.push(`${p.op} ${p.type} ${p.name}`);
        },
      }),
    );
    const changes: Record<string, number> = {};
    for (const [op, n] of Object.entries(r.changeSummary ?? {})) if (n) changes[op] = n;
    return { changes, steps };
  }

  async outputs(): Promise<StackOutputs> {
    this.cachedOutputs ??= plainOutputs(await this.call(() => this.stack.outputs(), 2));
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
