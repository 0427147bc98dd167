// A wrong `--stack`: which stacks the project has in the backend, and the one probably meant.
import * as path from "path";
import { Ec2RollbackError, isEc2RollbackError } from "../core/errors";
import { nearestNames } from "../core/nearest";
import type { GlobalOptions } from "./context";

/** How many of the project's stacks a message names at most. */
const LISTED = 20;

/**
 * `e` again, when it is STACK_NOT_FOUND for `g.stack`, with the project's stacks in this backend (`pulumi
 * stack ls --json` in the project folder, with the backend's environment, as the stack adapter runs it)
 * and "did you mean" by edit distance. Any other error, or stacks that cannot be listed: `e` as it was.
 */
export async function withProjectStacks(e: unknown, g: GlobalOptions): Promise<unknown> {
  if (!isEc2RollbackError(e, "STACK_NOT_FOUND")) return e;
  const { chooseBackend, findProjectDir } = await import("../adapters/backend");
  const { PulumiCli } = await import("../adapters/pulumiCli");
  const projectDir = findProjectDir(path.resolve(g.cwd));
  if (!projectDir) return e;
  let names: string[];
  try {
    const cli = new PulumiCli(projectDir, chooseBackend(projectDir).env, g.stack);
    names = await cli.stackNames();
  } catch {
    return e;
  }
  return new Ec2RollbackError("STACK_NOT_FOUND", stackNotFoundMessage(g.stack, names, projectDir), { cause: e });
}

/** One line: the stack that is not there, the ones that are (the nearest first suggested), the fix. */
export function stackNotFoundMessage(stack: string, names: string[], projectDir: string): string {
  const create = `create it with \`pulumi stack init ${stack}\` in ${projectDir}`;
  if (!names.length) return `stack "${stack}" does not exist in this backend, which has no stack of this project yet: ${create}`;
  // `org/project/stack` is compared by its own name unless one was typed that way.
  const own = (n: string) => (stack.includes("/") ? n : n.slice(n.lastIndexOf("/") + 1));
  const near = nearestNames(stack, names, { key: own });
  const listed = names.slice(0, LISTED).join(", ") + (names.length > LISTED ? `, … (${names.length} in all)` : "");
  const fix = near.length ? `did you mean ${near.map((n) => `--stack ${n}`).join(" or ")}? Or ${create}` : `pass --stack <one of them>, or ${create}`;
  return `stack "${stack}" does not exist in this backend (the project's stacks: ${listed}): ${fix}`;
}
