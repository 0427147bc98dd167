// What `--help` and `--version` say: each command's help with the global options that matter to it and
// its examples; the program's with examples and `-V, --version`. Nothing heavy loads here.
import * as fs from "fs";
import * as path from "path";
import { Command, Help } from "commander";
import { COMMANDS } from "./commands";

/**
 * Called once the program has its global options and commands: shows each command's global options
 * (`--yes` only where it asks, `--verbose` only where it runs an update) and examples, suggests the nearest command or option after a typo, and
 * gives the program `-V, --version` when no command is named (`deploy --version <semver>` stays deploy's).
 */
export function describeProgram(program: Command, argv: string[]): void {
  program.showSuggestionAfterError(true);
  for (const cmd of program.commands) {
    const spec = COMMANDS.find((c) => c.name === cmd.name());
    if (!spec) continue;
    cmd.showSuggestionAfterError(true);
    cmd.configureHelp({
      showGlobalOptions: true,
      visibleGlobalOptions(this: Help, c: Command) {
        const all = Help.prototype.visibleGlobalOptions.call(this, c);
        return all.filter((o) => (o.long !== "--yes" || spec.asks) && (o.long !== "--verbose" || spec.updates));
      },
    });
    cmd.addHelpText("after", examplesText(spec.examples));
  }
  program.addHelpText(
    "after",
    examplesText([
      ["ec2-rollback status", "every layer (machine, app, data), and whether config and machines agree"],
      ["ec2-rollback rollback 1.2.2 --dry-run", "what going to 1.2.2 would change; changes nothing"],
      ["ec2-rollback rollback --stack prod", "stack prod back to its last good release"],
    ]) + "\n\n`ec2-rollback <command> --help`: its options and examples. `ec2-rollback completion bash|zsh|fish`: tab completion.",
  );
  const named = commandIn(argv, program);
  if (named === undefined || named === "help") program.version(toolVersion(), "-V, --version", "print ec2-rollback's version");
}

function examplesText(examples: [string, string][]): string {
  return `\nExamples:\n${examples.map(([line, what]) => `  # ${what}\n  ${line}`).join("\n")}`;
}

/**
 * The command `argv` names: its first word that is neither an option nor the value of one of the
 * program's own options (`--stack prod status` names status). Undefined when there is none.
 */
export function commandIn(argv: string[], program: Command): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return argv[i + 1];
    if (!a.startsWith("-") || a === "-") return a;
    const option = program.options.find((o) => o.long === a || o.short === a);
    if (option && (option.required || option.optional)) i++;
  }
  return undefined;
}

/** This tool's version: its package.json's, the first one upwards of this file. */
export function toolVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ec2-rollback" && pkg.version) return pkg.version;
    } catch {
      // none here
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}
