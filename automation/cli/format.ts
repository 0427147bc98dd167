// Human-readable results (stdout). `--json` prints the same objects as JSON instead.
import type { DeployOutcome, DeployResult, RevisionInfo } from "../core/appDeploy";
import type { AppLayerReport } from "../core/appStatus";
import type { BackupResult } from "../core/backup";
import { formatBytes } from "../core/bytes";
import type { CheckpointResult } from "../core/checkpoint";
import type { DataLayerReport } from "../core/dataStatus";
import { describeRecord } from "../core/operation";
import { seconds as secondsOf } from "../core/poll";
import type { PruneResult } from "../core/prune";
import type { RecoverResult } from "../core/recover";
import type { ReleaseRollbackResult } from "../core/releaseRollback";
import { Release, servingRelease } from "../core/releases";
import type { RollbackResult } from "../core/rollback";
import type { MachineReport, StatusReport } from "../core/status";
import type { RollbackPoint } from "../core/versions";

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ")).join("\n");
}

const seconds = (ms?: number) => (ms === undefined ? "-" : secondsOf(ms));

/** `2026-11-24 09:00Z`: a moment to the minute, UTC. */
export function shortTime(iso: string): string {
  return iso.replace("T", " ").replace(/:\d{2}(\.\d+)?Z$/, "Z");
}

/** How far `iso` is from `now`: `5 min ago`, `in 19 h`, `3 d ago`. */
export function relative(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  const a = Math.abs(ms);
  const span = a < 60_000 ? "<1 min" : a < 3_600_000 ? `${Math.round(a / 60_000)} min` : a < 48 * 3_600_000 ? `${Math.round(a / 3_600_000)} h` : `${Math.round(a / 86_400_000)} d`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** `2026-11-24 09:00Z (1 h ago)` */
const when = (iso: string, now: number) => `${shortTime(iso)} (${relative(iso, now)})`;

function machineLine(m: MachineReport | null, now: number): string {
  if (!m) return "none (no second machine: `ec2-rollback release <version>` makes one)";
  const i = m.instance;
  // EC2's launch time is the machine's last start, whatever its state now.
  const where = i ? `${i.id} ${i.state}${i.address ? ` at ${i.address}` : ""}${i.launchTime ? `, started ${when(i.launchTime, now)}` : ""}` : "its machine not read (see below)";
  return `${m.version}${m.amiId ? ` (${m.amiId})` : ""} on ${m.slot}: ${where}`;
}

/** Whether the pin and the machine on the address agree, plainly. */
function pinLine(s: StatusReport): string {
  const v = s.serving;
  if (!v) return `${s.amiVersion}, but the address serves no machine that could be read ✘`;
  const serving = v.name ?? v.amiId;
  if (v.pinned) return `${s.amiVersion} = serving ${serving} ✔`;
  return `${s.amiVersion} ≠ serving ${serving}${v.name ? ` (${v.amiId})` : ""} on ${v.instanceId} ✘`;
}

/** The newest release, plainly: `release #7 myapp-v1.2.3, good, serving since 2026-11-24 11:18Z (2 min ago)`. */
function lastChangeLine(r: Release | null, now: number): string {
  if (!r) return "none recorded yet (every `release`/`rollback` records one; `releases` lists them)";
  const result = r.good ? "good" : r.outcome;
  const served = r.servedFrom
    ? r.servedTo
      ? `, served ${shortTime(r.servedFrom)} to ${when(r.servedTo, now)}`
      : `, serving since ${when(r.servedFrom, now)}`
    : ", never served";
  return `release #${r.seq} ${r.version}${r.app ? ` (app ${r.app})` : ""}, ${result}${served}`;
}

const couldNotRead = (error: string) => `could not read: ${error}`;

function appLines(a: AppLayerReport, now: number): string[] {
  if ("error" in a) return [`app          ${couldNotRead(a.error)}`];
  const live = a.live
    ? `${a.live.version ?? a.live.key}${a.live.completedAt ? ` since ${when(a.live.completedAt, now)}` : ""}, deployment ${a.live.deploymentId}`
    : "none (no deployment succeeded)";
  const d = a.lastDeployment;
  const t = d && (d.completedAt ?? d.createdAt);
  const last = d
    ? `${d.id} ${d.status}${d.version || d.key ? ` ${d.version ?? d.key}` : ""}${t ? ` ${when(t, now)}` : ""}` +
      `${d.rollbackOf ? ` (CodeDeploy's rollback of ${d.rollbackOf})` : ""}${d.error ? `: ${d.error}` : ""}${d.rolledBackBy ? `; rolled back by ${d.rolledBackBy}` : ""}`
    : "none";
  return [`app          CodeDeploy ${a.application}, group ${a.deploymentGroup}`, `  live         ${live}`, `  last deploy  ${last}`];
}

function dataLines(d: DataLayerReport, now: number): string[] {
  if ("error" in d) return [`data         ${couldNotRead(d.error)}`];
  const p = d.lastRecoveryPoint;
  const last = p ? `${when(p.createdAt, now)}: ${p.amiId ?? p.arn}${p.expiresAt ? `, kept until ${shortTime(p.expiresAt)}` : ""}` : "none yet";
  const n = d.nextScheduled;
  const next = "unknown" in n ? `unknown: ${n.unknown}` : `${when(n.at, now)}: ${n.rule} rule, ${n.schedule}`;
  return [`data         AWS Backup vault ${d.vault}`, `  last backup  ${last}`, `  next backup  ${next}`];
}

export function formatStatus(s: StatusReport, now = Date.now()): string {
  // The record has its own line; the problems list it too (for --json), so it is not said twice here.
  const recorded = s.operation && `an operation is unfinished: ${describeRecord(s.operation)}`;
  return [
    `stack        ${s.stack} (${s.region}), app ${s.appName}${s.backend ? `, in ${s.backend}` : ""}`,
    "machine",
    `  live         ${machineLine(s.live, now)}`,
    `  standby      ${machineLine(s.standby, now)}`,
    `  address      ${s.publicIp ?? "-"}${s.addressOnInstance === false ? " (NOT on the live machine)" : ""}`,
    `  pin          ${pinLine(s)}`,
    `  last change  ${lastChangeLine(s.lastRelease, now)}`,
    ...appLines(s.app, now),
    ...dataLines(s.data, now),
    `operation    ${s.operation ? `unfinished: ${describeRecord(s.operation)}; finish it with \`ec2-rollback recover\`` : "none"}`,
    `consistent   ${s.consistent ? "yes: config, outputs and the address agree; no operation recorded" : `NO${recorded && s.problems.includes(recorded) ? ": the operation above is unfinished" : ""}`}`,
    ...s.problems.filter((p) => p !== recorded).map((p) => `  - ${p}`),
  ].join("\n");
}

export function formatVersions(points: RollbackPoint[]): string {
  if (!points.length) return "no rollback points yet: make one with `ec2-rollback checkpoint <version>`";
  return table([
    ["", "VERSION", "NAME", "AMI", "CREATED", "STATE", "SOURCE", "SIZE", "EXPIRES"],
    ...points.map((p) => [
      p.current ? "*" : p.standby ? "s" : "",
      p.version,
      p.name,
      p.amiId,
      p.createdAt.replace(/\.\d+Z$/, "Z"),
      p.state,
      p.source,
      `${p.sizeGiB} GiB`,
      p.expiresAt ? p.expiresAt.slice(0, 10) : "-",
    ]),
  ]);
}

export function formatCheckpoint(c: CheckpointResult): string {
  return `${c.name} ${c.amiId} (from ${c.instanceId}, ${c.rebooted ? "rebooted" : "no reboot"}, ${seconds(c.durationMs)})`;
}

export function formatBackup(r: BackupResult): string {
  return r.amiId
    ? `recovery point ${r.recoveryPointArn} (AMI ${r.amiId}, ${seconds(r.durationMs)}); roll back to it with \`ec2-rollback rollback ${r.amiId}\``
    : `backup job ${r.jobId} started`;
}

export function formatRollback(r: RollbackResult): string {
  if (r.status === "no-op") return `already serving ${r.to.pin} (${r.to.amiId}); nothing changed`;
  if (r.status === "preview") {
    const changes = Object.entries(r.preview?.changes ?? {}).map(([op, n]) => `${n} ${op}`).join(", ");
    // Each step in plain words where it has them (--json also has the raw steps).
    const steps = (r.preview?.plan?.length ? r.preview.plan : (r.preview?.steps ?? [])).map((step) => `  ${step}`);
    return [`dry run ${r.from.pin} -> ${r.to.pin}: ${changes || "no changes"}`, ...steps, "nothing changed"].join("\n");
  }
  const how = { launched: "launched on the standby", "standby-started": "standby started", "standby-running": "standby was running" }[r.path ?? "launched"];
  const kept = r.previous ? (r.previous.kept === "none" ? "removed" : `kept ${r.previous.kept}`) : "-";
  return [
    `${r.stack}: ${r.from.pin} (${r.from.amiId ?? "?"}) -> ${r.to.pin} (${r.to.amiId}) serves at ${r.publicIp ?? "?"}`,
    `machine      ${r.instanceBefore ?? "?"} -> ${r.instanceAfter ?? "?"} (${r.liveSlot}; ${how})`,
    `healthy in   ${seconds(r.timeToCandidateHealthyMs)} (checked through its own address, before serving anyone)`,
    `serving in   ${seconds(r.timeToServingMs)} (flip ${seconds(r.flipMs)})`,
    `bake         ${r.bake ? (r.bake.result === "passed" ? `passed, ${r.bake.plannedMs / 60_000} min without an alarm` : r.bake.result === "unknown" ? "unknown: the alarms could not be read (not recorded as a good release)" : "skipped") : "-"}`,
    `previous     ${r.previous ? `${r.previous.pin} on ${r.previous.slot} (${r.previous.instanceId ?? "?"}): ${kept}` : "-"}`,
    `total        ${seconds(r.totalMs)}`,
  ].join("\n");
}

export function formatReleases(rs: Release[]): string {
  if (!rs.length) return "no releases recorded yet: every `release`/`rollback` records one";
  const serving = servingRelease(rs);
  const t = (iso?: string) => iso?.replace(/\.\d+Z$/, "Z") ?? "-";
  return table([
    ["", "#", "VERSION", "AMI", "APP", "SERVED FROM", "TO", "RESULT"],
    ...rs.map((r) => [r === serving ? "*" : "", String(r.seq), r.version, r.amiId, r.app ?? "-", t(r.servedFrom), t(r.servedTo), r.good ? "good" : r.outcome]),
  ]);
}

export function formatReleaseRollback(r: ReleaseRollbackResult): string {
  const app =
    "deploymentId" in r.app
      ? formatDeploy(r.app)
      : r.app.status === "preview"
        ? `app: ${r.app.version} would be redeployed; nothing changed`
        : `app unchanged${r.app.version ? ` (${r.app.version} live)` : ""}`;
  return [`release #${r.release.seq}:`, formatRollback(r.machine), app].join("\n");
}

export function formatRecover(r: RecoverResult): string {
  if (r.status === "nothing-to-recover") return `nothing to recover: ${r.serves} serves and config, outputs and the address agree`;
  return [
    `recovered: ${r.serves} serves from ${r.liveSlot} (${r.kept === undefined ? "the stack was consistent: only the record was removed" : r.kept ? "the target, kept: it passed its checks" : "back to the last good version"})`,
    ...r.problems.map((p) => `  was: ${p}`),
  ].join("\n");
}

export function formatDeploy(r: DeployResult | (DeployOutcome & { from?: string })): string {
  if (r.status === "no-op") return `${r.version} is already live; nothing deployed`;
  if (r.status === "Created") return `deployment ${r.deploymentId} started for ${r.version} (${r.key}); follow it with \`ec2-rollback revisions\``;
  return `${r.version} is live (deployment ${r.deploymentId}${"from" in r && r.from ? `, was ${r.from}` : ""})`;
}

export function formatRevisions(rs: RevisionInfo[]): string {
  if (!rs.length) return "no revisions yet: deploy one with `ec2-rollback deploy <dir> --version <semver>`";
  return table([
    ["", "VERSION", "UPLOADED", "SIZE", "LAST DEPLOYMENT", "KEY"],
    ...rs.map((r) => [r.live ? "*" : "", r.version, r.uploadedAt.replace(/\.\d+Z$/, "Z"), formatBytes(r.size), r.status, r.key]),
  ]);
}

export function formatPrune(r: PruneResult): string {
  const kept = r.kept.map((k) => `  kept ${k.version}: ${k.reason} (stack ${k.stack})`);
  if (!r.remove.length) return [`nothing to remove (${r.kept.length} checkpoint(s) kept)`, ...kept].join("\n");
  const verb = r.dryRun ? "would remove" : "removed";
  return [`${verb} ${r.remove.length} checkpoint(s), up to ${r.freedGiB} GiB of snapshots:`, ...r.remove.map((x) => `  ${x.name} ${x.amiId} (${x.createdAt.slice(0, 10)})`), ...kept].join("\n");
}
