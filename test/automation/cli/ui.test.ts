import { expect } from "chai";
import { plainUi } from "../../../automation/cli/ui";

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
