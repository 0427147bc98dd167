// Human-readable results (stdout). `--json` prints the same objects as JSON instead.
import type { DeployOutcome, DeployResult, RevisionInfo } from "../core/appDeploy";
import type { BackupResult } from "../core/backup";
import { formatBytes } from "../core/bytes";
import { describeStep } from "../core/engineSteps";
import type { CheckpointResult } from "../core/checkpoint";
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

function machineLine(m: MachineReport | null): string {
  if (!m) return "none (no second machine: `ec2-rollback release <version>` makes one)";
  const i = m.instance;
  const where = i ? `${i.id} ${i.state}${i.address ? ` at ${i.address}` : ""}${i.launchTime ? ` since ${i.launchTime.replace(/\.\d+Z$/, "Z")}` : ""}` : "no instance";
  return `${m.version}${m.amiId ? ` (${m.amiId})` : ""} on ${m.slot}: ${where}`;
}

export function formatStatus(s: StatusReport): string {
  return [
    `stack        ${s.stack} (${s.region})${s.backend ? ` in ${s.backend}` : ""}`,
    `app          ${s.appName}`,
    `live         ${machineLine(s.live)}`,
    `standby      ${machineLine(s.standby)}`,
    `address      ${s.publicIp ?? "-"}${s.addressOnInstance === false ? " (NOT on the live machine)" : ""}`,
    `last update  ${s.lastUpdate ? `${s.lastUpdate.kind} ${s.lastUpdate.result} ${s.lastUpdate.startTime}${s.lastUpdate.message ? ` — ${s.lastUpdate.message}` : ""}` : "-"}`,
    `consistent   ${s.consistent ? "yes: config, outputs and the address agree; no operation recorded" : "NO"}`,
    ...s.problems.map((p) => `  - ${p}`),
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
    // Each step in plain words, the raw step after it ("op type name", as --json has it).
    const steps = (r.preview?.steps ?? []).map((raw) => {
      const [op, type, name] = raw.split(" ");
      const words = describeStep({ op, type, name });
      return words ? `  ${words}  [${raw}]` : `  ${raw}`;
    });
    return [`dry run ${r.from.pin} -> ${r.to.pin}: ${changes || "no changes"}`, ...steps, "nothing changed"].join("\n");
  }
  const how = { launched: "launched on the standby", "standby-started": "standby started", "standby-running": "standby was running" }[r.path ?? "launched"];
  const kept = r.previous ? (r.previous.kept === "none" ? "removed" : `kept ${r.previous.kept}`) : "-";
  return [
    `${r.stack}: ${r.from.pin} (${r.from.amiId ?? "?"}) -> ${r.to.pin} (${r.to.amiId}) serves at ${r.publicIp ?? "?"}`,
    `machine      ${r.instanceBefore ?? "?"} -> ${r.instanceAfter ?? "?"} (${r.liveSlot}; ${how})`,
    `healthy in   ${seconds(r.timeToCandidateHealthyMs)} (checked through its own address, before serving anyone)`,
    `serving in   ${seconds(r.timeToServingMs)} (flip ${seconds(r.flipMs)})`,
    `bake         ${r.bake ? (r.bake.result === "passed" ? `passed, ${r.bake.plannedMs / 60_000} min without an alarm` : "skipped") : "-"}`,
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
    `recovered: ${r.serves} serves from ${r.liveSlot} (${r.kept ? "the target, kept: it passed its checks" : "back to the last good version"})`,
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
