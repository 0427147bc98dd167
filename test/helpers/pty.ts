// The CLI in a pseudo-terminal (util-linux `script`), and what a person would see on that screen: the
// raw bytes are played into a headless terminal emulator (@xterm/headless), so lines a spinner
// erased or overwrote are gone from the screen, as they would be.
import { spawn } from "child_process";
import { Terminal } from "@xterm/headless";
import { BIN } from "./cli";

export interface Screen {
  code: number | null;
  /** Everything written to the terminal, escape sequences included. */
  raw: string;
  /** The screen's lines at the end (scrollback included; a wrapped line joined again), trailing blanks trimmed. */
  lines: string[];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `ec2-rollback <args>` on a terminal `cols` wide; `answers` are typed when their prompt shows. */
export function inTerminal(args: string[], env: NodeJS.ProcessEnv, o: { cols?: number; answers?: [RegExp, string][]; cwd?: string } = {}): Promise<Screen> {
  const cols = o.cols ?? 120;
  const command = `stty cols ${cols} rows 40; exec ${[process.execPath, BIN, ...args].map(quote).join(" ")}`;
  return new Promise((resolve) => {
    const p = spawn("script", ["-qfec", command, "/dev/null"], { cwd: o.cwd, env: { ...process.env, TERM: "xterm-256color", ...env }, stdio: ["pipe", "pipe", "inherit"] });
    let raw = "";
    // A prompt never answered must not hang the suite: the screen so far is what the test then sees.
    const guard = setTimeout(() => p.kill("SIGKILL"), 25_000);
    const pending = [...(o.answers ?? [])];
    p.stdout.on("data", (d) => {
      raw += d;
      if (pending.length && pending[0][0].test(raw)) p.stdin.write(pending.shift()![1]);
    });
    p.on("close", (code) => {
      clearTimeout(guard);
      const term = new Terminal({ cols, rows: 40, scrollback: 1000, allowProposedApi: true });
      term.write(raw, () => {
        const b = term.buffer.active;
        const lines: string[] = [];
        // A line the terminal wrapped is one line of output.
        for (let i = 0; i < b.length; i++) {
          const line = b.getLine(i);
          const text = line?.translateToString(true) ?? "";
          if (line?.isWrapped && lines.length) lines[lines.length - 1] += text;
          else lines.push(text);
        }
        while (lines.length && !lines[lines.length - 1]) lines.pop();
        term.dispose();
        resolve({ code, raw, lines });
      });
    });
  });
}
