// The one place that decides what the terminal shows. Progress and questions go to stderr, results to
// stdout (so `--json` output stays clean):
//  - on a terminal, the step under way has a spinner and its elapsed time; when the next step, a result
//    or a question comes, it stays on screen as a line (nothing said is ever erased);
//  - anywhere else (CI logs, pipes), plain timestamped lines, progress at most every 15 s;
//  - colour only where it is wanted: never with NO_COLOR or --no-color, always with FORCE_COLOR, else
//    on a terminal (picocolors, told explicitly).
import * as readline from "readline";
import { InterruptedError } from "../core/errors";
import { withElapsed } from "../core/poll";
import type { Ui } from "../core/ports";

export interface UiOptions {
  json: boolean;
  /** `--no-color` (commander's negated flag: color false). */
  color?: boolean;
  /** `--verbose`: the engine's raw steps too. */
  verbose?: boolean;
  stderr?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  env?: NodeJS.ProcessEnv;
}

/** Whether to colour: `--no-color` and NO_COLOR (https://no-color.org) win, then FORCE_COLOR, then a terminal that is not dumb. */
export function wantsColour(o: { flag?: boolean; env: NodeJS.ProcessEnv; isTTY: boolean }): boolean {
  if (o.flag === false || o.env.NO_COLOR) return false;
  if (o.env.FORCE_COLOR !== undefined) return !["0", "false"].includes(o.env.FORCE_COLOR);
  return o.isTTY && o.env.TERM !== "dumb";
}

/** Spinners still on screen, settled before a result is printed (`settleTerminal`). */
const live = new Set<{ settle: () => void }>();

/** Leaves any step under way on screen as a line, so what comes next starts on a line of its own. */
export function settleTerminal(): void {
  for (const s of live) s.settle();
}

export function createUi(o: UiOptions): Ui {
  const stderr = o.stderr ?? process.stderr;
  const stdin = o.stdin ?? process.stdin;
  const env = o.env ?? process.env;
  const interactive = !!stdin.isTTY && !!stderr.isTTY;
  const colour = wantsColour({ flag: o.color, env, isTTY: !!stderr.isTTY });
  if (stderr.isTTY && env.TERM !== "dumb") return terminalUi(stderr, stdin, { interactive, colour, verbose: !!o.verbose });
  return plainUi(stderr, interactive, () => Date.now(), { verbose: !!o.verbose, colour, stdin });
}

/** A yes/no question; Ctrl-C at it is an interruption (exit 130), end of input a no. */
function ask(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: stdin, output: stderr });
  return new Promise((resolve, reject) => {
    let answered = false;
    rl.on("SIGINT", () => {
      answered = true;
      rl.close();
      stderr.write("\n");
      reject(new InterruptedError("interrupted at the question (Ctrl-C); nothing changed"));
    });
    rl.on("close", () => {
      if (answered) return;
      stderr.write("\n"); // end of input (Ctrl-D): what follows starts on a line of its own
      resolve(false);
    });
    rl.question(`${question} [y/N] `, (answer) => {
      answered = true;
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

/** The marks of a result line, coloured or not. */
function marks(colour: boolean) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const c = (require("picocolors") as typeof import("picocolors")).createColors(colour);
  return { step: c.dim("·"), ok: c.green("✔"), fail: c.red("✖"), warn: c.yellow("!"), dim: c.dim };
}

/** A step's time: 7s as the rest of the output writes it (poll.ts `seconds`, which rounds; this counts up), then 2m05s. */
const elapsed = (ms: number) => (ms < 60_000 ? `${Math.floor(ms / 1000)}s` : `${Math.floor(ms / 60_000)}m${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}s`);

function terminalUi(stderr: NodeJS.WriteStream, stdin: NodeJS.ReadStream, o: { interactive: boolean; colour: boolean; verbose: boolean }): Ui {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ora = require("ora") as typeof import("ora");
  const m = marks(o.colour);
  const spinner = ora({ stream: stderr, discardStdin: false, isEnabled: true });
  // ora colours its frame with chalk, which does not read NO_COLOR: no colour means none (index.js `if (this.color)`).
  if (!o.colour) spinner.color = false as unknown as typeof spinner.color;
  /** The step under way: its text, its latest progress, when it began; `transient`: progress with no step, not kept. */
  let current: { text: string; progress: string; since: number; transient?: boolean } | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const render = () => {
    if (!current) return;
    // The spinner shows the step's own time: a wait's elapsed time is not said twice.
    const p = current.progress ? ` ${m.dim(`— ${current.progress}`)}` : "";
    spinner.text = `${current.text}${p} ${m.dim(elapsed(Date.now() - current.since))}`;
  };
  /** The step under way stays on screen as a line, with how long it took. */
  const settle = () => {
    if (!current) return;
    const took = Date.now() - current.since;
    if (current.transient) spinner.stop();
    else spinner.stopAndPersist({ symbol: m.step, text: took >= 1000 ? `${current.text} ${m.dim(`(${elapsed(took)})`)}` : current.text });
    current = undefined;
    clearInterval(ticker);
    live.delete(handle);
  };
  const handle = { settle };
  const line = (symbol: string, text: string) => {
    settle();
    spinner.stopAndPersist({ symbol, text });
  };
  return {
    interactive: o.interactive,
    verbose: o.verbose,
    step: (text) => begin({ text, progress: "", since: Date.now() }),
    progress: (text) => {
      // Progress belongs to the step under way; with none, it shows alone until the next line, not kept.
      if (!current) return begin({ text, progress: "", since: Date.now(), transient: true });
      if (current.transient) current.text = text;
      else current.progress = text;
      render();
    },
    succeed: (text) => line(m.ok, text),
    fail: (text) => line(m.fail, text),
    warn: (text) => line(m.warn, text),
    confirm: async (q) => {
      settle();
      return ask(stdin, stderr, q);
    },
  };

  function begin(step: NonNullable<typeof current>): void {
    settle();
    current = step;
    live.add(handle);
    render();
    spinner.start();
    ticker = setInterval(render, 1000);
    ticker.unref();
  }
}

/** One line per step and result; progress at most every 15 s, so long waits stay readable in logs. */
export function plainUi(
  stderr: { write(s: string): unknown },
  interactive = false,
  now = () => Date.now(),
  o: { verbose?: boolean; colour?: boolean; stdin?: NodeJS.ReadStream } = {},
): Ui {
  // Progress in a log only once a wait has lasted 15 s (from the start, or the last step or progress line).
  let lastProgress = now();
  const m = marks(!!o.colour);
  const line = (mark: string, t: string) => stderr.write(`${new Date(now()).toISOString().slice(11, 19)} ${mark} ${t}\n`);
  return {
    interactive,
    verbose: !!o.verbose,
    step: (t) => {
      lastProgress = now();
      line("-", t);
    },
    progress: (t, elapsedMs) => {
      if (now() - lastProgress < 15000) return;
      lastProgress = now();
      line(" ", withElapsed(t, elapsedMs));
    },
    succeed: (t) => line(m.ok, t),
    fail: (t) => line(m.fail, t),
    warn: (t) => line(m.warn, t),
    // A person at a terminal without a spinner (TERM=dumb) is asked all the same.
    confirm: async (q) => (interactive && o.stdin ? ask(o.stdin, stderr as NodeJS.WriteStream, q) : false),
  };
}
