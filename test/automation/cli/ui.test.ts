import { expect } from "chai";
import { PassThrough } from "stream";
import { createUi, plainUi } from "../../../automation/cli/ui";
import { InterruptedError } from "../../../automation/core/errors";

/** A terminal for the UI: stdin and stderr that say they are TTYs. */
function terminal() {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin }) as unknown as NodeJS.ReadStream & PassThrough;
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true }) as unknown as NodeJS.WriteStream &
    PassThrough;
  let screen = "";
  stderr.on("data", (d) => (screen += d));
  return { stdin, stderr, screen: () => screen };
}

describe("questions on a terminal", function () {
  it("y answers yes; Enter, n or end of input answer no", async () => {
    for (const [keys, answer] of [["y\r", true], ["\r", false], ["n\r", false]] as const) {
      const t = terminal();
      const ui = createUi({ json: false, stdin: t.stdin, stderr: t.stderr });
      const asked = ui.confirm("Change it?");
      t.stdin.write(keys);
      expect(await asked, JSON.stringify(keys)).to.equal(answer);
      expect(t.screen()).to.include("Change it? [y/N]");
    }
  });

  it("Ctrl-C at the question is an interruption (exit 130), said so, never a silent exit 0", async () => {
    const t = terminal();
    const ui = createUi({ json: false, stdin: t.stdin, stderr: t.stderr });
    const asked = ui.confirm("Change it?");
    t.stdin.write("\x03");
    const e = await asked.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).to.be.instanceOf(InterruptedError);
    expect((e as InterruptedError).exitCode).to.equal(130);
    expect((e as Error).message).to.equal("interrupted at the question (Ctrl-C); nothing changed");
  });
});

describe("progress on a terminal", function () {
  it("a wait's progress is shown once with the step's own time: its \"(12s)\" is not said twice (a log says it)", async () => {
    const t = terminal();
    const ui = createUi({ json: false, stdin: t.stdin, stderr: t.stderr, color: false });
    ui.step("deploying");
    ui.progress("deployment d-1: InProgress", 12_000);
    await new Promise((r) => setTimeout(r, 200)); // the spinner draws its next frame
    ui.succeed("deployed");
    expect(t.screen()).to.include("deploying — deployment d-1: InProgress 0s");
    expect(t.screen()).not.to.include("InProgress (12s)");

    // A log has no spinner: its line says how long the wait has lasted.
    let now = Date.parse("2026-11-24T10:00:00Z");
    const out: string[] = [];
    const log = plainUi({ write: (s: string) => out.push(s) }, false, () => now);
    now += 16_000;
    log.progress("deployment d-1: InProgress", 16_000);
    expect(out).to.deep.equal(["10:00:16   deployment d-1: InProgress (16s)\n"]);
  });
});

describe("plain progress (no terminal: CI logs)", function () {
  it("prints every step and result, progress at most every 15 s, and never asks", async () => {
    let t = Date.parse("2026-11-24T10:00:00Z");
    const out: string[] = [];
    const ui = plainUi({ write: (s: string) => out.push(s) }, false, () => t);
    ui.step("pulumi up");
    ui.progress("tick 1"); // within 15 s of the step: quiet
    t += 16_000;
    ui.progress("tick 2");
    ui.progress("tick 3"); // right after the last one: quiet
    ui.step("replace aws:ec2/instance:Instance myapp-instance (16s)");
    ui.succeed("done");
    ui.fail("broken");
    expect(out).to.deep.equal([
      "10:00:00 - pulumi up\n",
      "10:00:16   tick 2\n",
      "10:00:16 - replace aws:ec2/instance:Instance myapp-instance (16s)\n",
      "10:00:16 ✔ done\n",
      "10:00:16 ✖ broken\n",
    ]);
    expect(ui.interactive).to.equal(false);
    expect(await ui.confirm("sure?")).to.equal(false);
  });
});
