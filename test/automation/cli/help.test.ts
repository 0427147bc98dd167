// What a person finds out from the CLI itself: each command's help (global options, examples), the
// tool's version, one name for "show, change nothing", suggestions after a typo, shell completion.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COMMANDS, Invocation } from "../../../automation/cli/commands";
import { run } from "../../../automation/cli/main";
import { cli, CliWorld, cliWorld } from "../../helpers/cli";

const PACKAGE_VERSION = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../../package.json"), "utf8")).version as string;

/** The CLI in this process: its exit code and what it wrote. */
async function runHere(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    exit: (c) => {
      throw new Error(`exit ${c}`);
    },
  });
  return { code, stdout, stderr };
}

interface Call {
  name: string;
  args: (string | undefined)[];
  opts: Record<string, unknown>;
  g: Invocation["g"];
}

/** Runs `f` with every command's run replaced by one that records what it was given (nothing is opened). */
async function recorded<T>(f: (calls: Call[]) => Promise<T>): Promise<T> {
  const saved = COMMANDS.map((s) => ({ run: s.run, format: s.format, verdict: s.verdict }));
  const calls: Call[] = [];
  for (const spec of COMMANDS) {
    spec.run = async (inv: Invocation) => {
      calls.push({ name: spec.name, args: inv.args, opts: inv.opts, g: inv.g });
      return {};
    };
    spec.format = () => "ran";
    spec.verdict = undefined;
  }
  try {
    return await f(calls);
  } finally {
    COMMANDS.forEach((spec, i) => Object.assign(spec, saved[i]));
  }
}

/** An example's words as a shell would split them (double quotes), up to a redirection. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) {
    if (m[2] === ">" || m[2] === "|") break;
    out.push(m[1] ?? m[2]);
  }
  return out;
}

/** The option flags listed under a help section ("Options:", "Global Options:"). */
function section(help: string, title: string): string {
  const start = help.indexOf(`\n${title}\n`);
  if (start < 0) return "";
  const rest = help.slice(start + title.length + 2);
  const end = rest.search(/\n\n|\n[A-Z][a-zA-Z ]+:\n/);
  return end < 0 ? rest : rest.slice(0, end);
}

const has = (program: string) => spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;

/** The commands that ask before they change something (and refuse without --yes when there is no terminal). */
const ASKING = ["recover", "checkpoint", "rollback", "deploy", "app-rollback", "prune"];

describe("ec2-rollback help, version, names and completion", function () {
  this.timeout(30000);

  describe("each command's help", () => {
    it("shows the global options that matter to it (--yes only where it asks, --verbose only where it runs an update) and 2–3 examples", async () => {
      expect(COMMANDS.filter((c) => c.asks).map((c) => c.name)).to.deep.equal(ASKING);
      expect(COMMANDS.filter((c) => c.updates).map((c) => c.name)).to.deep.equal(["recover", "rollback"]);
      for (const spec of COMMANDS) {
        const r = await runHere([spec.name, "--help"]);
        expect(r.code, spec.name).to.equal(0);
        const globals = section(r.stdout, "Global Options:");
        for (const flag of ["-s, --stack <name>", "-C, --cwd <dir>", "--json"]) expect(globals, `${spec.name}: ${flag}`).to.include(flag);
        if (spec.asks) expect(globals, spec.name).to.include("-y, --yes");
        else expect(globals, spec.name).not.to.include("--yes");
        if (spec.updates) expect(globals, spec.name).to.include("--verbose");
        else expect(globals, spec.name).not.to.include("--verbose");
        expect(spec.examples.length, spec.name).to.be.within(2, 3);
        const examples = section(r.stdout, "Examples:");
        for (const [line, what] of spec.examples) {
          expect(examples, spec.name).to.include(`  # ${what}\n  ${line}`);
          expect(line, spec.name).to.match(/^ec2-rollback \S/);
        }
      }
    });

    it("as the user sees it: `rollback --help`", async () => {
      const r = await cli(["rollback", "--help"]);
      expect(r.code).to.equal(0);
      expect(r.stderr).to.equal("");
      expect(section(r.stdout, "Global Options:")).to.match(/-s, --stack <name>[\s\S]*-C, --cwd <dir>[\s\S]*--json[\s\S]*-y, --yes/);
      expect(r.stdout).to.include("Examples:\n  # back to the last good release before the one serving\n  ec2-rollback rollback\n");
      const status = await cli(["status", "--help"]);
      expect(section(status.stdout, "Global Options:")).to.include("--stack").and.not.include("--yes");
      expect(r.ms).to.be.below(2000);
    });

    it("every example is a real invocation: it parses, for its own command", async () => {
      await recorded(async (calls) => {
        for (const spec of COMMANDS) {
          for (const [line] of spec.examples) {
            const argv = words(line).slice(1);
            const r = await runHere(argv);
            expect(r.stderr, line).to.equal("");
            expect(r.code, line).to.equal(0);
            expect(calls.at(-1)?.name, line).to.equal(spec.name);
          }
        }
      });
    });

    it("a misspelt example would not pass that check", async () => {
      await recorded(async () => {
        const r = await runHere(words("ec2-rollback prune --keep 5 --dryrun").slice(1));
        expect(r.code).to.equal(2);
        expect(r.stderr).to.include("unknown option '--dryrun'");
      });
    });

    it("the program's own help: -V, --version, examples, and where to find more", async () => {
      const r = await runHere(["--help"]);
      expect(r.code).to.equal(0);
      expect(section(r.stdout, "Options:")).to.include("-V, --version");
      expect(section(r.stdout, "Commands:")).to.include("completion <shell>");
      expect(r.stdout).to.include("Examples:\n  # every layer (machine, app, data), and whether config and machines agree\n  ec2-rollback status\n");
    });
  });

  describe("--version", () => {
    it("--version and -V print the tool's version from package.json", async () => {
      for (const flag of ["--version", "-V"]) {
        const r = await cli([flag]);
        expect(r.code, flag).to.equal(0);
        expect(r.stdout, flag).to.equal(`${PACKAGE_VERSION}\n`);
        expect(r.stderr, flag).to.equal("");
      }
      expect((await cli(["--stack", "prod", "--version"])).stdout).to.equal(`${PACKAGE_VERSION}\n`);
    });

    it("deploy --version <semver> is still deploy's version, wherever it stands", async () => {
      await recorded(async (calls) => {
        for (const argv of [
          ["deploy", "app", "--version", "1.2.3"],
          ["deploy", "--version", "1.2.3", "app"],
          ["--stack", "prod", "deploy", "app", "--version=1.2.3"],
        ]) {
          const r = await runHere(argv);
          expect(r.code, argv.join(" ")).to.equal(0);
          expect(r.stdout, argv.join(" ")).to.equal("ran\n");
          expect(calls.at(-1), argv.join(" ")).to.deep.include({ name: "deploy", args: ["app"] });
          expect(calls.at(-1)!.opts.version, argv.join(" ")).to.equal("1.2.3");
        }
        const missing = await runHere(["deploy", "app"]);
        expect(missing.code).to.equal(2);
        expect(missing.stderr).to.include("required option '--version <semver>' not specified");
        // A misspelt --version is said as such (commander checks required options before unknown ones).
        const typo = await runHere(["deploy", "app", "--verison", "1.2.3"]);
        expect(typo.code).to.equal(2);
        expect(typo.stderr).to.include("unknown option '--verison' (Did you mean --version?)");
        expect(calls.filter((c) => c.name === "deploy"), "nothing ran without a version").to.have.length(3);
        // The tool's version is asked before a command only.
        const after = await runHere(["status", "-V"]);
        expect(after.code).to.equal(2);
        expect(after.stderr).to.include("unknown option '-V'");
      });
    });
  });

  describe("one name for show, change nothing: --dry-run (--preview is its hidden alias)", () => {
    it("both spellings set the same option of rollback and prune; help says --dry-run only", async () => {
      await recorded(async (calls) => {
        for (const [argv, dryRun] of [
          [["rollback", "1.2.2"], false],
          [["rollback", "1.2.2", "--dry-run"], true],
          [["rollback", "1.2.2", "--preview"], true],
          [["release", "1.3.0", "--preview"], true],
          [["prune", "--keep", "3"], false],
          [["prune", "--keep", "3", "--dry-run"], true],
          [["prune", "--keep", "3", "--preview"], true],
        ] as [string[], boolean][]) {
          expect((await runHere(argv)).code, argv.join(" ")).to.equal(0);
          expect(calls.at(-1)!.opts.dryRun, argv.join(" ")).to.equal(dryRun);
        }
      });
      for (const name of ["rollback", "prune"]) {
        const help = (await runHere([name, "--help"])).stdout;
        expect(section(help, "Options:"), name).to.include("--dry-run");
        expect(help, name).not.to.include("--preview");
      }
    });
  });

  describe("suggestions after a typo", () => {
    it("an unknown command or option names the nearest one, exit 2", async () => {
      const cmd = await cli(["rolback", "1.2.2"]);
      expect(cmd.code).to.equal(2);
      expect(cmd.stderr).to.equal("ec2-rollback: unknown command 'rolback' (Did you mean rollback?) (run with --help for usage)\n");
      const alias = await cli(["relase"]);
      expect(alias.stderr).to.include("(Did you mean release?)");
      const opt = await cli(["prune", "--dryrun"]);
      expect(opt.code).to.equal(2);
      expect(opt.stderr).to.include("ec2-rollback: unknown option '--dryrun' (Did you mean --dry-run?)");
      const global = await cli(["status", "--stak", "prod"]);
      expect(global.stderr).to.include("(Did you mean --stack?)");
      expect((await cli(["frobnicate"])).stderr).not.to.include("Did you mean");
      // `help <typo>` too: the nearest command, not the whole help and "no command given".
      const help = await cli(["help", "rolback"]);
      expect(help.code).to.equal(2);
      expect(help.stderr).to.equal("ec2-rollback: unknown command 'rolback' (Did you mean rollback?) (run with --help for usage)\n");
      expect(help.stdout).to.equal("");
    });
  });

  describe("completion", () => {
    const scripts: Record<string, string> = {};
    /** Each script in a file of its own. */
    const files: Record<string, string> = {};
    before(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-completion-"));
      for (const shell of ["bash", "zsh", "fish"]) {
        const r = await cli(["completion", shell]);
        expect(r.code, r.stderr).to.equal(0);
        scripts[shell] = r.stdout;
        files[shell] = path.join(dir, `ec2-rollback.${shell}`);
        fs.writeFileSync(files[shell], r.stdout);
      }
    });

    it("each script names every command, alias and visible option, never a hidden one", () => {
      for (const [shell, script] of Object.entries(scripts)) {
        for (const spec of COMMANDS) {
          for (const name of [spec.name, ...(spec.aliases ?? [])]) expect(script, `${shell}: ${name}`).to.match(new RegExp(`(^|[\\s'"(|])${name}([\\s'":)|]|$)`, "m"));
          for (const o of spec.options ?? []) {
            const flag = shell === "fish" ? `-l ${o.long!.slice(2)} ` : o.long!;
            if (o.hidden) expect(script, `${shell}: ${o.long}`).not.to.include(flag);
            else expect(script, `${shell}: ${o.long}`).to.include(flag);
          }
        }
        for (const flag of ["stack", "cwd", "json", "yes", "help", "version"]) expect(script, `${shell}: --${flag}`).to.match(new RegExp(`(--|-l )${flag}\\b`));
      }
    });

    it("each script is valid for its shell (bash -n; zsh -n and fish -n where installed)", function () {
      const check = (shell: string) => {
        const r = spawnSync(shell, ["-n", files[shell]], { encoding: "utf8" });
        expect(r.status, `${shell}: ${r.stderr}`).to.equal(0);
      };
      check("bash");
      for (const shell of ["zsh", "fish"]) if (has(shell)) check(shell);
    });

    it("bash completes commands, options, option values and folders", () => {
      const complete = (...line: string[]) => {
        const script = `source "$0"; COMP_WORDS=(${line.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${line.length - 1}; _ec2_rollback; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const r = spawnSync("bash", ["-c", script, files.bash], { encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        return r.stdout.split("\n").filter(Boolean);
      };
      expect(complete("ec2-rollback", "rol")).to.deep.equal(["rollback"]);
      expect(complete("ec2-rollback", "rel")).to.deep.equal(["release", "releases"]);
      expect(complete("ec2-rollback", "--stack", "prod", "-C", ".", "app-")).to.deep.equal(["app-rollback"]);
      expect(complete("ec2-rollback", "rollback", "--d")).to.deep.equal(["--dry-run"]);
      expect(complete("ec2-rollback", "rollback", "--p")).to.deep.equal([]);
      expect(complete("ec2-rollback", "prune", "--st")).to.deep.equal(["--stack"]);
      expect(complete("ec2-rollback", "deploy", "app", "--file-exists", "")).to.deep.equal(["fail", "overwrite", "retain"]);
      expect(complete("ec2-rollback", "completion", "")).to.deep.equal(["bash", "zsh", "fish"]);
      expect(complete("ec2-rollback", "-")).to.include.members(["-V", "--version", "--stack", "--json"]);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-complete-"));
      fs.mkdirSync(path.join(dir, "myapp"));
      fs.writeFileSync(path.join(dir, "myfile"), "");
      expect(complete("ec2-rollback", "deploy", `${dir}/my`)).to.deep.equal([`${dir}/myapp`]);
    });

    it("fish completes commands and options (where fish is installed)", function () {
      if (!has("fish")) this.skip();
      const complete = (line: string) =>
        spawnSync("fish", ["-c", `source ${files.fish}; complete -C ${JSON.stringify(line)}`], { encoding: "utf8" })
          .stdout.split("\n")
          .filter(Boolean)
          .map((l) => l.split("\t")[0]);
      expect(complete("ec2-rollback rol")).to.deep.equal(["rollback"]);
      expect(complete("ec2-rollback rollback --d")).to.deep.equal(["--dry-run"]);
      expect(complete("ec2-rollback completion ")).to.have.members(["bash", "zsh", "fish"]);
      // After a global option's value, the command is still to come (fish's __fish_use_subcommand would say it came).
      expect(complete("ec2-rollback --stack prod rol")).to.deep.equal(["rollback"]);
      expect(complete("ec2-rollback -C /tmp sta")).to.deep.equal(["status"]);
      expect(complete("ec2-rollback status sta")).to.deep.equal([]);
    });

    it("zsh offers commands, and a command's options (where zsh is installed)", function () {
      if (!has("zsh")) this.skip();
      // compadd and _describe stand in for zsh's completion system, which filters by what was typed.
      const offered = (...line: string[]) => {
        const r = spawnSync(
          "zsh",
          [
            "-c",
            "compadd() { local i=${@[(i)--]}; print -rl -- ${@[i+1,-1]} }; _describe() { print -rl -- ${(P)2} }; _files() { print -r -- '<folders>' }; compdef() {}; " +
              `source ${files.zsh}; words=(${line.map((w) => `'${w}'`).join(" ")}); CURRENT=${line.length}; _ec2_rollback`,
          ],
          { encoding: "utf8" },
        );
        expect(r.status, r.stderr).to.equal(0);
        return r.stdout.split("\n").filter(Boolean);
      };
      expect(offered("ec2-rollback", "")).to.include.members(["rollback:change the machine to another version, older or newer", "completion:print the shell completion script for bash, zsh or fish"]);
      expect(offered("ec2-rollback", "-s", "prod", "rollback", "--")).to.include.members(["--dry-run", "--bake", "--stack", "--json", "--yes"]).and.not.include("--preview");
      expect(offered("ec2-rollback", "deploy", "--file-exists", "")).to.deep.equal(["fail", "overwrite", "retain"]);
      expect(offered("ec2-rollback", "deploy", "")).to.deep.equal(["<folders>"]);
    });

    it("an unknown shell: one line, exit 2", async () => {
      const r = await cli(["completion", "tcsh"]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal('ec2-rollback: no completion for "tcsh": give bash, zsh or fish\n');
    });
  });

  describe("with a stub pulumi and a local AWS endpoint", function () {
    let world: CliWorld;
    beforeEach(async () => {
      world = await cliWorld();
    });
    afterEach(() => world.close());

    it("rollback 1.2.22 names the existing 1.2.2, a typo away, exit 1, nothing set", async () => {
      const { stub, env, aws } = world;
      aws.extraImages = 7; // myapp-v0.0.0 … 0.0.6: nearer by version order than 1.2.2, not by typing
      const r = await cli(["rollback", "1.2.22", "--yes", "-C", stub.projectDir], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal("ec2-rollback: no AMI named myapp-v1.2.22 in eu-west-1 (account 111122223333); nearest available: 1.2.2, 1.2.3\n");
      expect(stub.calls().some((c) => c.args[0] === "config" && c.args[1]?.startsWith("set"))).to.equal(false);
    });

    it("rollback --dry-run and --preview: the same preview, nothing changed", async () => {
      const { stub, env } = world;
      const before = stub.state().config;
      const outs = [];
      for (const flag of ["--dry-run", "--preview"]) {
        const r = await cli(["rollback", "1.2.2", flag, "--json", "-C", stub.projectDir], env);
        expect(r.code, r.stderr).to.equal(0);
        const { totalMs, ...out } = JSON.parse(r.stdout);
        expect(totalMs).to.be.a("number");
        outs.push(out);
      }
      expect(outs[0]).to.deep.include({ status: "preview", to: { pin: "myapp-v1.2.2", amiId: "ami-0000000000000122a" } });
      expect(outs[1]).to.deep.equal(outs[0]);
      expect(stub.state().config).to.deep.equal(before);
      expect(stub.state().previewConfigFiles).to.have.length(2);
      expect(stub.calls().some((c) => c.args[0] === "up")).to.equal(false);
    });

    it("deploy <dir> --version <semver> reaches deploy: its own check of the version answers", async () => {
      const { stub, env } = world;
      const r = await cli(["deploy", stub.projectDir, "--version", "1.2.x", "-C", stub.projectDir], env);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal('ec2-rollback: --version "1.2.x" is not a semantic version: give MAJOR.MINOR.PATCH, e.g. 1.4.0\n');
    });
  });
});
