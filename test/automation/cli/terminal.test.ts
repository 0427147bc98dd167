// What a person sees in a terminal (a pseudo-terminal and a terminal emulator: test/helpers/pty.ts).
import { expect } from "chai";
import { CliWorld, cliWorld } from "../../helpers/cli";
import { inTerminal } from "../../helpers/pty";
import { stubState } from "../../helpers/pulumiStub";

const COLOUR = /\x1b\[[0-9;]*m/;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

describe("in a terminal", function () {
  this.timeout(30000);
  let world: CliWorld;
  beforeEach(async () => {
    world = await cliWorld();
    world.aws.extraImages = 3;
  });
  afterEach(() => world.close());

  it("prune: every line of the list stays on screen, and the question comes whole after it", async () => {
    const s = await inTerminal(["prune", "--keep", "1", "-C", world.stub.projectDir], world.env, { answers: [[/\[y\/N\]/, "n\r"]] });
    expect(s.code).to.equal(1);
    const items = ["myapp-v0.0.0", "myapp-v0.0.1", "myapp-v0.0.2"].map((v) => s.lines.findIndex((l) => l.startsWith(`· to remove: ${v} `)));
    expect(items.every((i) => i >= 0), s.lines.join("\n")).to.equal(true);
    const question = s.lines.findIndex((l) => l.startsWith("Deregister 3 AMI(s) and delete their snapshots (up to 60 GiB)? This cannot be undone. [y/N] n"));
    expect(question, s.lines.join("\n")).to.be.above(Math.max(...items));
    expect(s.lines[question + 1]).to.equal("ec2-rollback: not confirmed; nothing changed");
    expect(s.raw, "colour on a terminal").to.match(COLOUR);
  });

  it("TERM=dumb (no spinner, plain lines): a person at the terminal is still asked", async () => {
    const s = await inTerminal(["prune", "--keep", "1", "-C", world.stub.projectDir], { ...world.env, TERM: "dumb" }, { answers: [[/\[y\/N\]/, "n\r"]] });
    expect(s.code).to.equal(1);
    expect(s.lines.some((l) => /Deregister 3 AMI\(s\) .*\[y\/N\] n$/.test(l)), s.lines.join("\n")).to.equal(true);
    expect(s.lines.at(-1)).to.equal("ec2-rollback: not confirmed; nothing changed");
    expect(s.raw).to.not.match(SPINNER);
  });

  it("NO_COLOR: no colour codes at all; --no-color the same", async () => {
    for (const [args, env] of [[[], { NO_COLOR: "1" }], [["--no-color"], {}]] as const) {
      const s = await inTerminal(["prune", "--keep", "1", "--dry-run", ...args, "-C", world.stub.projectDir], { ...world.env, ...env });
      expect(s.code).to.equal(0);
      expect(s.raw, JSON.stringify(env)).to.not.match(COLOUR);
    }
  });

  it("a dry run's result starts on a line of its own: no spinner glyph left on screen", async () => {
    const s = await inTerminal(["prune", "--keep", "1", "--dry-run", "-C", world.stub.projectDir], world.env);
    expect(s.code).to.equal(0);
    expect(s.lines.join("\n")).to.not.match(SPINNER);
    expect(s.lines.some((l) => /^would remove 3\b|^myapp-v0\.0\.0\b|^3 /.test(l)), s.lines.join("\n")).to.equal(true);
  });

  it("a release: the engine's steps in plain words, each left on screen with what follows; --verbose adds the raw step", async () => {
    const args = ["rollback", "1.2.2", "--yes", "--no-health-check", "--bake", "0", "-C", world.stub.projectDir];
    const s = await inTerminal(args, world.env);
    expect(s.code, s.lines.join("\n")).to.equal(0);
    const screen = s.lines.join("\n");
    // The engine's steps, indented under the step that began the update.
    expect(screen).to.match(/^· launching myapp-v1\.2\.2 on the standby machine \(green\)\n· {3}launching the machine \(green\)\n· {3}starting the machine \(green\)/m);
    expect(screen).to.match(/^· moving the address 203\.0\.113\.10 to myapp-v1\.2\.2 \(green\)\n· {3}moving the address/m);
    expect(screen).to.not.include("aws:ec2");
    expect(screen).to.not.match(SPINNER);
    world.stub.setState(stubState());
    const verbose = await inTerminal([...args, "--verbose"], world.env);
    expect(verbose.lines.join("\n")).to.match(/^· {3}moving the address \[create-replacement aws:ec2\/eipAssociation:EipAssociation myapp-eip-association\]/m);
  });
});
