// What no stack of the project may lose: AMIs are shared between stacks on purpose (a version baked
// once, promoted from dev to prod), so anything that deletes a rollback point asks every stack of the
// project in the backend what it pins, keeps as standby, had as last good, or names in an unfinished
// operation. A stack that cannot be read blocks the deletion: nothing is deleted on a guess.
import { ConfigError, settingsFromStackConfig } from "../../contract/config";
import { OPERATION_TAG } from "../../contract/naming";
import { Ec2RollbackError, messageOf } from "./errors";
import { previousPin } from "./history";
import { decodeRecord } from "./operation";
import { ProjectPort, StackPort } from "./ports";
import { lastGoodBefore, releasesOf } from "./releases";

export interface Protection {
  /** As pinned: an AMI name (`myapp-v1.2.3`) or an AMI id. */
  pin: string;
  reason: string;
  stack: string;
}

/** What one stack needs kept, from its config and tags (and its update history for stacks with no releases yet). */
export function protectionsOf(stack: string, config: Record<string, string>, tags: Record<string, string>, history?: Parameters<typeof previousPin>[0]): Protection[] {
  const s = settingsFromStackConfig(config);
  const out: Protection[] = [{ pin: s.amiVersion, reason: "serves there (amiVersion)", stack }];
  if (s.standbyAmiVersion) out.push({ pin: s.standbyAmiVersion, reason: "on its standby machine (standbyAmiVersion)", stack });
  const releases = releasesOf(tags);
  const good = lastGoodBefore(releases, s.amiVersion);
  if (good) out.push({ pin: good.version, reason: `its last good release before the current one (#${good.seq})`, stack });
  else if (history) {
    const before = previousPin(history, s.amiVersion);
    if (before) out.push({ pin: before, reason: "pinned before the current one (update history)", stack });
  }
  const record = tags[OPERATION_TAG] ? decodeRecord(tags[OPERATION_TAG]) : undefined;
  if (record) for (const pin of [record.from, record.to]) out.push({ pin, reason: `named by its unfinished ${record.op}`, stack });
  return out;
}

/**
 * Every stack's protections, this one's first. Throws PROTECTION_UNKNOWN naming each stack that could not
 * be read (another passphrase, no access, a config this tool cannot parse).
 */
export async function projectProtections(deps: { stack: StackPort; project?: ProjectPort }): Promise<Protection[]> {
  const { stack, project } = deps;
  const [config, tags, history] = await Promise.all([stack.config(), stack.tags(), stack.history()]);
  const out = protectionsOf(stack.name, config, tags, history);
  if (!project) return out;
  const others = (await project.stackNames()).filter((n) => n !== stack.name && n.split("/").at(-1) !== stack.name);
  const unreadable: string[] = [];
  await Promise.all(
    others.map(async (name) => {
      try {
        const r = await project.read(name);
        out.push(...protectionsOf(name, r.config, r.tags));
      } catch (e) {
        unreadable.push(`${name} (${e instanceof ConfigError ? e.message : messageOf(e).split("\n")[0]})`);
      }
    }),
  );
  if (unreadable.length) {
    throw new Ec2RollbackError(
      "PROTECTION_UNKNOWN",
      `could not read what stack${unreadable.length > 1 ? "s" : ""} ${unreadable.sort().join(", ")} need${unreadable.length > 1 ? "" : "s"}: ` +
        "their rollback points might be among those to remove, so nothing was removed. Make them readable (e.g. their PULUMI_CONFIG_PASSPHRASE) and try again",
    );
  }
  return out;
}
