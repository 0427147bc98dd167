// What no stack of the project may lose: AMIs are shared between stacks on purpose (a version baked
// once, promoted from dev to prod), so anything that deletes a rollback point asks every stack of the
// project in the backend what it pins, keeps as standby, had as last good, or names in an unfinished
// operation. A stack that cannot be read blocks the deletion: nothing is deleted on a guess.
import { CONFIG_NAMESPACE, ConfigError, settingsFromStackConfig } from "../../contract/config";
import { StackOutputs } from "../../contract/outputs";
import { inBatches } from "./batches";
import { OPERATION_TAG } from "../../contract/naming";
import { Ec2RollbackError, messageOf } from "./errors";
import { previousPin } from "./history";
import { decodeRecord } from "./operation";
import { ProjectPort, StackPort } from "./ports";
import { lastGoodBefore, releasesOf, servingRelease } from "./releases";

export interface Protection {
  /** As pinned: an AMI name (`myapp-v1.2.3`) or an AMI id. */
  pin: string;
  reason: string;
  stack: string;
}

/**
 * What one stack needs kept: what its config pins and keeps as standby, what its last update's outputs
 * say runs (a config file another checkout changed can lag), its serving and last good releases (its
 * update history for stacks with no releases yet, when it can be read), and its unfinished operation.
 */
export function protectionsOf(
  stack: string,
  config: Record<string, string>,
  tags: Record<string, string>,
  outputs: StackOutputs,
  history?: Parameters<typeof previousPin>[0],
): Protection[] {
  const s = settingsFromStackConfig(config);
  const out: Protection[] = [{ pin: s.amiVersion, reason: "serves there (amiVersion)", stack }];
  if (s.standbyAmiVersion) out.push({ pin: s.standbyAmiVersion, reason: "on its standby machine (standbyAmiVersion)", stack });
  if (outputs.amiId) out.push({ pin: outputs.amiId, reason: "serves there (its last update)", stack });
  if (outputs.standbyAmiId) out.push({ pin: outputs.standbyAmiId, reason: "on its standby machine (its last update)", stack });
  const releases = releasesOf(tags);
  const serving = servingRelease(releases);
  if (serving) out.push({ pin: serving.version, reason: `serves there (release #${serving.seq})`, stack });
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
  const [config, tags, history, outputs] = await Promise.all([stack.config(), stack.tags(), stack.history(), stack.outputs()]);
  const out = protectionsOf(stack.name, config, tags, outputs, history);
  if (!project) return out;
  const unreadable: string[] = [];
  await inBatches(await project.otherStackNames(), 4, async (name) => {
    try {
      const r = await project.read(name);
      // A stack with no ec2-rollback config at all belongs to another project (a DIY backend lists every project's).
      if (!Object.keys(r.config).some((k) => k.startsWith(`${CONFIG_NAMESPACE}:`))) return;
      out.push(...protectionsOf(name, r.config, r.tags, r.outputs));
    } catch (e) {
      unreadable.push(`${name} (${e instanceof ConfigError ? e.message : messageOf(e).split("\n")[0]})`);
    }
  });
  if (unreadable.length) {
    throw new Ec2RollbackError(
      "PROTECTION_UNKNOWN",
      `could not read what stack${unreadable.length > 1 ? "s" : ""} ${unreadable.sort().join(", ")} need${unreadable.length > 1 ? "" : "s"}: ` +
        "their rollback points might be among those to remove, so nothing was removed. Make them readable (e.g. their PULUMI_CONFIG_PASSPHRASE) and try again",
    );
  }
  return out;
}
