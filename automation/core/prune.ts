// Remove old checkpoint AMIs (and their snapshots). Never one that any stack of the project serves,
// keeps as standby, had as last good, or names in an unfinished operation; never a recovery point (AWS
// Backup owns those and expires them itself); never one still being created.
import { amiNamePrefix, TAG, versionOfAmiName } from "../../contract/naming";
import { inBatches } from "./batches";
import { confirmOrRefuse } from "./confirm";
import { Ec2RollbackError } from "./errors";
import { refuseIfRecorded, withRecord } from "./operation";
import { Clock, CloudPort, MachineImage, Operator, ProjectPort, StackPort, Ui } from "./ports";
import { projectProtections } from "./protection";
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
  remove: { version: string; name: string; amiId: string; createdAt: string; snapshots: string[]; sizeGiB: number }[];
  /** Each kept checkpoint, why, and which stack needs it (this one for the --keep/--older-than rules). */
  kept: { version: string; reason: string; stack: string }[];
  /** Snapshot storage in GiB, at most (snapshots are incremental: shared blocks stay with the newer ones). */
  freedGiB: number;
  dryRun: boolean;
}

const DAY = 86_400_000;
/** Deletions in flight at once: well inside EC2's request rate for DeregisterImage and DeleteSnapshot. */
export const PRUNE_CONCURRENCY = 4;

export async function prune(
  deps: { stack: StackPort; cloud: CloudPort; ui: Ui; clock: Clock; operator?: Operator; project?: ProjectPort },
  o: PruneOptions,
): Promise<PruneResult> {
  const { stack, cloud, ui, clock } = deps;
  if (o.keep === undefined && o.olderThanDays === undefined) {
    throw new Ec2RollbackError("USAGE", "say what to remove: --keep <n> (newest checkpoints to keep) and/or --older-than <days>");
  }
  // This stack's protections include what its last update's outputs say runs (protectionsOf).
  const [{ settings }, protections] = await Promise.all([readStack(stack), projectProtections(deps)]);
  const { appName } = settings;
  const here = stack.name;
  const protectedBy = (i: MachineImage): { reason: string; stack: string } | undefined => {
    const p = protections.find((x) => x.pin === i.name || x.pin === i.id);
    if (p) return { reason: p.reason, stack: p.stack };
    if (i.tags[TAG.backupSource] !== undefined) return { reason: "an AWS Backup recovery point", stack: here };
    if (i.state === "pending") return { reason: "still being created", stack: here };
    return undefined;
  };

  const checkpoints = (await cloud.listOwnImages(amiNamePrefix(appName)))
    .filter((i) => versionOfAmiName(appName, i.name))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const remove: PruneResult["remove"] = [];
  const kept: PruneResult["kept"] = [];
  checkpoints.forEach((i, index) => {
    const version = versionOfAmiName(appName, i.name)!;
    const why =
      protectedBy(i) ??
      (o.keep !== undefined && index < o.keep ? { reason: `among the ${o.keep} newest`, stack: here } : undefined) ??
      (o.olderThanDays !== undefined && clock.now() - i.createdAt.getTime() <= o.olderThanDays * DAY ? { reason: `not older than ${o.olderThanDays} days`, stack: here } : undefined);
    if (why) kept.push({ version, ...why });
    else
      remove.push({
        version,
        name: i.name,
        amiId: i.id,
        createdAt: i.createdAt.toISOString(),
        snapshots: i.snapshots.map((s) => s.id),
        sizeGiB: i.snapshots.reduce((n, s) => n + s.sizeGiB, 0),
      });
  });
  const freedGiB = remove.reduce((n, r) => n + r.sizeGiB, 0);
  const result = { remove, kept, freedGiB, dryRun: o.dryRun };
  for (const k of kept) ui.step(`keep ${k.version}: ${k.reason} (${k.stack})`);
  if (!remove.length) {
    ui.succeed("nothing to remove");
    return result;
  }
  for (const r of remove) ui.step(`to remove: ${r.name} ${r.amiId} (${r.createdAt.slice(0, 10)}, ${r.sizeGiB} GiB in ${r.snapshots.length} snapshot(s))`);
  if (o.dryRun) return result;
  await refuseIfRecorded(stack);
  await confirmOrRefuse(ui, o.yes, `Deregister ${remove.length} AMI(s) and delete their snapshots (up to ${freedGiB} GiB)? This cannot be undone.`, "delete AMIs");
  // Asked again after the question (which can wait): a change another stack started meanwhile counts.
  // What every stack needs now, this one included: its own reads from before the question are forgotten.
  deps.stack.refresh();
  const now = await projectProtections(deps);
  const going = remove.filter((r) => !now.some((p) => p.pin === r.name || p.pin === r.amiId));
  for (const r of remove.filter((x) => !going.includes(x))) ui.warn(`keeping ${r.name} after all: another stack came to need it while you were asked`);
  await withRecord(deps, { op: "prune", from: `${going.length} checkpoints`, to: "removed" }, () =>
    inBatches(going, PRUNE_CONCURRENCY, async (r) => {
      await cloud.deregisterImage(r.amiId);
      for (const snap of r.snapshots) await cloud.deleteSnapshot(snap);
      ui.succeed(`removed ${r.name} (${r.amiId})`);
    }),
  );
  return result;
}
