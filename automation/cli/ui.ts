// Progress on stderr: a spinner on a terminal, plain timestamped lines otherwise (CI logs).
// Results go to stdout, so `--json` output stays clean.
import * as readline from "readline";
import { InterruptedError } from "../core/errors";
import type { Ui } from "../core/ports";

export function createUi(o: { json: boolean; stderr?: NodeJS.WriteStream; stdin?: NodeJS.ReadStream }): Ui {
  const stderr = o.stderr ?? process.stderr;
  const stdin = o.stdin ?? process.stdin;
  const interactive = !!stdin.isTTY && !!stderr.isTTY;
  if (stderr.isTTY) return spinnerUi(stderr, stdin, interactive);
  return plainUi(stderr, interactive);
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
      if (!answered) resolve(false);
    });
    rl.question(`${question} [y/N] `, (answer) => {
      answered = true;
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

function spinnerUi(stderr: NodeJS.WriteStream, stdin: NodeJS.ReadStream, interactive: boolean): Ui {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ora = require("ora") as typeof import("ora");
  const spinner = ora({ stream: stderr, discardStdin: false });
  return {
    interactive,
    step: (t) => {
      if (spinner.isSpinning) spinner.stopAndPersist({ symbol: "·" });
      spinner.start(t);
    },
    progress: (t) => {
      if (!spinner.isSpinning) spinner.start(t);
      else spinner.text = t;
    },
    succeed: (t) => void spinner.succeed(t),
    fail: (t) => void spinner.fail(t),
    warn: (t) => void spinner.warn(t),
    confirm: async (q) => {
      if (spinner.isSpinning) spinner.stop();
      return ask(stdin, stderr, q);
    },
  };
}

/** One line per step and result; progress at most every 15 s, so long waits stay readable in logs. */
export function plainUi(stderr: { write(s: string): unknown }, interactive = false, now = () => Date.now()): Ui {
  let lastProgress = 0;
  const line = (mark: string, t: string) => stderr.write(`${new Date(now()).toISOString().slice(11, 19)} ${mark} ${t}\n`);
  return {
    interactive,
    step: (t) => {
      lastProgress = now();
      line("-", t);
    },
    progress: (t) => {
      if (now() - lastProgress < 15000) return;
      lastProgress = now();
      line(" ", t);
    },
    succeed: (t) => line("✔", t),
    fail: (t) => line("✖", t),
    warn: (t) => line("!", t),
    confirm: async () => false,
  };
}
