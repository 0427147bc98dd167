// Remove old checkpoint AMIs (and their snapshots). Never the pinned one, never the standby machine's,
// never the one pinned before it, never a recovery point (AWS Backup owns those and expires them itself).
import { amiNamePrefix, TAG, versionOfAmiName } from "../../contract/naming";
import { confirmOrRefuse } from "./confirm";
import { refuseIfRecorded, withRecord } from "./operation";
import { Ec2RollbackError } from "./errors";
import { previousPin } from "./history";
import { Clock, CloudPort, MachineImage, Operator, StackPort, Ui } from "./ports";
import { readStack } from "./stackState";

export interface PruneOptions {
  /** Keep this many newest checkpoints. */
  keep?: number;
  /** Only checkpoints older than this many days. */
  olderThanDays?: number;
  yes: boolean;
  /** List what would go; delete nothing. */
  dryRun: boolean;
}

export interface PruneResult {
  removed: { version: string; name: string; amiId: string; createdAt: string; snapshots: string[]; sizeGiB: number }[];
  kept: { name: string; why: string }[];
  /** Snapshot storage in GiB, at most (snapshots are incremental: shared blocks stay with the newer ones). */
  freedGiB: number;
  dryRun: boolean;
}

const DAY = 86_400_000;

export async function prune(deps: { stack: StackPort; cloud: CloudPort; ui: Ui; clock: Clock; operator?: Operator }, o: PruneOptions): Promise<PruneResult> {
  const { stack, cloud, ui, clock } = deps;
  if (o.keep === undefined && o.olderThanDays === undefined) {
    throw new Ec2RollbackError("USAGE", "say what to remove: --keep <n> (newest checkpoints to keep) and/or --older-than <days>");
  }
  const [{ settings, outputs }, history] = await Promise.all([readStack(stack), stack.history()]);
  const { appName, amiVersion: pin, standbyAmiVersion: standby } = settings;
  const before = previousPin(history, pin);
  const protectedBy = (i: MachineImage): string | undefined => {
    if (i.name === pin || i.id === pin || i.id === outputs.amiId) return "pinned now";
    if ((standby && (i.name === standby || i.id === standby)) || (outputs.standbyAmiId && i.id === outputs.standbyAmiId)) return "on the standby machine";
    if (i.name === before || i.id === before) return "pinned before the current one";
    if (i.tags[TAG.backupSource] !== undefined) return "an AWS Backup recovery point";
    if (i.state === "pending") return "still being created";
    return undefined;
  };

  const checkpoints = (await cloud.listOwnImages(amiNamePrefix(appName)))
    .filter((i) => versionOfAmiName(appName, i.name))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const removed: PruneResult["removed"] = [];
  const kept: PruneResult["kept"] = [];
  checkpoints.forEach((i, index) => {
    const why =
      protectedBy(i) ??
      (o.keep !== undefined && index < o.keep ? `among the ${o.keep} newest` : undefined) ??
      (o.olderThanDays !== undefined && clock.now() - i.createdAt.getTime() <= o.olderThanDays * DAY ? `not older than ${o.olderThanDays} days` : undefined);
    if (why) kept.push({ name: i.name, why });
    else
      removed.push({
        version: versionOfAmiName(appName, i.name)!,
        name: i.name,
        amiId: i.id,
        createdAt: i.createdAt.toISOString(),
        snapshots: i.snapshots.map((s) => s.id),
        sizeGiB: i.snapshots.reduce((n, s) => n + s.sizeGiB, 0),
      });
  });
  const freedGiB = removed.reduce((n, r) => n + r.sizeGiB, 0);
  const result = { removed, kept, freedGiB, dryRun: o.dryRun };
  if (!removed.length) {
    ui.succeed("nothing to remove");
    return result;
  }
  for (const r of removed) ui.step(`to remove: ${r.name} ${r.amiId} (${r.createdAt.slice(0, 10)}, ${r.sizeGiB} GiB in ${r.snapshots.length} snapshot(s))`);
  if (o.dryRun) return result;
  await refuseIfRecorded(stack);
  await confirmOrRefuse(ui, o.yes, `Deregister ${removed.length} AMI(s) and delete their snapshots (up to ${freedGiB} GiB)? This cannot be undone.`, "delete AMIs");
  await withRecord(deps, { op: "prune", from: `${removed.length} checkpoints`, to: "removed" }, async () => {
    for (const r of removed) {
      await cloud.deregisterImage(r.amiId);
      for (const snap of r.snapshots) await cloud.deleteSnapshot(snap);
      ui.succeed(`removed ${r.name} (${r.amiId})`);
    }
  });
  return result;
}
