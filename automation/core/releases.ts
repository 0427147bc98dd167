// Releases: a durable record of what served, when, and whether it was good — one stack tag per machine
// change (`ec2-rollback:release:<seq>`), in the backend every client reads, apart from the update
// history (so trimming that history loses nothing). Failed and reverted attempts are recorded too, and
// never count as good. "Previous" means the last good release before the one serving now.
import { OPERATION_TAG, RELEASE_TAG_PREFIX, releaseTag } from "../../contract/naming";
import { decodeRecord, describeRecord, MACHINE_OPS } from "./operation";
import { messageOf } from "./errors";
import { StackPort, Ui } from "./ports";

export type ReleaseOutcome = "served" | "failed" | "reverted" | "interrupted";

export interface Release {
  seq: number;
  /** The machine version as pinned (`myapp-v1.2.3` or `ami-…`). */
  version: string;
  amiId: string;
  /** The app revision live on it (CodeDeploy), when known. */
  app?: string;
  /** When it started and stopped serving (ISO); none for an attempt that never served. */
  servedFrom?: string;
  servedTo?: string;
  /** It passed its checks (and its bake) and served. */
  good: boolean;
  outcome: ReleaseOutcome;
}

/**
 * The app version now live on the serving release's machine: set when a deployment of it succeeds (a
 * machine change brings the app baked into its AMI, which no record knows, so a release starts without one).
 */
export async function recordAppOnServingRelease(deps: { stack: StackPort; ui: Ui }, app: string): Promise<void> {
  try {
    // Read now, not as at start: a machine change that began meanwhile writes the releases until it ends
    // (a second writer could undo its write), so then the app version is left for later.
    deps.stack.refresh("tags");
    const tags = await deps.stack.tags();
    const record = tags[OPERATION_TAG] ? decodeRecord(tags[OPERATION_TAG]) : undefined;
    if (record && MACHINE_OPS.has(record.op)) {
      deps.ui.warn(
        `app ${app} is not recorded on a release: a machine change is under way (${describeRecord(record)}) and writes the releases until it ends; ` +
          "`ec2-rollback status` shows which app and machine serve once it has",
      );
      return;
    }
    const serving = servingRelease(releasesOf(tags));
    if (serving && serving.app !== app) await deps.stack.setTag(releaseTag(serving.seq), encodeRelease({ ...serving, app }));
  } catch (e) {
    deps.ui.warn(`could not record app ${app} on the serving release: ${messageOf(e)}`);
  }
}

/** How many releases are kept; older tags are removed when a new one is written. */
export const KEPT_RELEASES = 100;

const short = (r: Release) => ({ v: r.version, ami: r.amiId, app: r.app, from: r.servedFrom, to: r.servedTo, ok: r.good, r: r.outcome });

/**
 * Compact JSON within Pulumi's 256-byte tag values: with very long version names the app version, then
 * the AMI id, then the times give way (the version and the verdict never do; a version name is ≤ 128).
 */
export function encodeRelease(r: Release): string {
  const full = short(r);
  const fits = (x: object) => Buffer.byteLength(JSON.stringify(x)) <= 256;
  for (const smaller of [full, { ...full, app: undefined }, { ...full, app: undefined, ami: undefined }, { v: full.v, ok: full.ok, r: full.r }]) {
    if (fits(smaller)) return JSON.stringify(smaller);
  }
  return JSON.stringify({ v: full.v.slice(0, 200), ok: full.ok, r: full.r });
}

/** Every release in the tags, newest first; a tag that cannot be read is left out. */
export function releasesOf(tags: Record<string, string>): Release[] {
  const out: Release[] = [];
  for (const [k, v] of Object.entries(tags)) {
    if (!k.startsWith(RELEASE_TAG_PREFIX)) continue;
    const seq = Number(k.slice(RELEASE_TAG_PREFIX.length));
    try {
      const j = JSON.parse(v);
      if (!Number.isInteger(seq) || typeof j.v !== "string") continue;
      out.push({ seq, version: j.v, amiId: String(j.ami ?? ""), app: j.app, servedFrom: j.from, servedTo: j.to, good: j.ok === true, outcome: j.r ?? "served" });
    } catch {
      // not one of ours
    }
  }
  return out.sort((a, b) => b.seq - a.seq);
}

/** The release serving now: the newest good one that has not stopped serving. */
export function servingRelease(releases: Release[]): Release | undefined {
  return releases.find((r) => r.good && !r.servedTo);
}

/**
 * The last good release before the one serving now (`current` is the pinned version): never a failed
 * or reverted attempt, never the current version itself.
 */
export function lastGoodBefore(releases: Release[], current: string): Release | undefined {
  return releases.find((r) => r.good && r.version !== current);
}

/**
 * Records a machine change. A good one also ends the serving of the release before it. Failures to
 * write are said, not fatal: the change itself is done.
 */
export async function recordRelease(
  deps: { stack: StackPort; ui: Ui },
  r: Omit<Release, "seq">,
  /** What served before this change; recorded as a good release first when nothing is serving on record (a stack's first release). */
  before?: { version: string; amiId?: string },
): Promise<Release | undefined> {
  const { stack, ui } = deps;
  try {
    let releases = releasesOf(await stack.tags());
    if (r.good && before && servingRelease(releases)?.version !== before.version && before.version !== r.version) {
      const baseline: Release = { seq: (releases[0]?.seq ?? 0) + 1, version: before.version, amiId: before.amiId ?? "", good: true, outcome: "served", servedTo: r.servedFrom };
      await stack.setTag(releaseTag(baseline.seq), encodeRelease(baseline));
      releases = [baseline, ...releases];
    }
    const seq = (releases[0]?.seq ?? 0) + 1;
    const rec: Release = { ...r, seq };
    if (r.good) {
      for (const prev of releases.filter((x) => x.good && !x.servedTo)) {
        // Ending an old record must never keep the new one from being written.
        await stack.setTag(releaseTag(prev.seq), encodeRelease({ ...prev, servedTo: r.servedFrom })).catch((e) => ui.warn(`could not end release #${prev.seq}: ${messageOf(e)}`));
      }
    }
    await stack.setTag(releaseTag(seq), encodeRelease(rec));
    // Older ones go, but never the one serving or the last good one before it.
    const keep = new Set([servingRelease(releases)?.seq, lastGoodBefore(releases, r.version)?.seq]);
    for (const old of releases.slice(KEPT_RELEASES - 1)) if (!keep.has(old.seq)) await stack.removeTag(releaseTag(old.seq));
    return rec;
  } catch (e) {
    ui.warn(`could not record the release of ${r.version}: ${messageOf(e)}`);
    return undefined;
  }
}
