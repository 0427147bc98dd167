// Application revisions through CodeDeploy: deploy a folder, list revisions, redeploy an earlier one.
import * as fs from "fs";
import * as path from "path";
import { revisionKey, revisionPrefix, versionOfRevisionKey } from "../../contract/naming";
import { compareSemver, isSemver, nextPatch } from "../../contract/semver";
import { conventionalHooks, generateAppspec, validateAppspec } from "./appspec";
import { formatBytes } from "./bytes";
import { Bundle, buildBundle, listFolder } from "./bundle";
import { confirmOrRefuse } from "./confirm";
import { refuseIfRecorded } from "./operation";
import { refuseIfRecordedBeforeCreate, stopIfRecorded } from "./deployments";
import { Ec2RollbackError, firstLine, InterruptedError, isEc2RollbackError, messageOf } from "./errors";
import { nearestNames } from "./nearest";
import { poll } from "./poll";
import { AlarmPort, Clock, DeployPort, DeploymentInfo, FileExistsBehavior, IdentityPort, Operator, RevisionObject, RevisionStorePort, S3Location, StackPort, Ui } from "./ports";
import { HISTORY, liveDeployment, succeededNewestFirst } from "./liveRevision";
import { recordAppOnServingRelease } from "./releases";
import { readStack, requireOutputs } from "./stackState";

export interface AppDeps {
  stack: StackPort;
  /** The stack's alarms, to say before a deployment that one is firing (CodeDeploy would stop it). */
  alarms?: AlarmPort;
  /** Who deploys: a revision's `uploaded-by`, a deployment's description. */
  caller: IdentityPort;
  store: RevisionStorePort;
  deploy: DeployPort;
  ui: Ui;
  clock: Clock;
  operator?: Operator;
}

/** `--file-exists`: what CodeDeploy does with a file at the destination that no earlier deployment put there. */
export const FILE_EXISTS: Record<string, FileExistsBehavior> = { fail: "DISALLOW", overwrite: "OVERWRITE", retain: "RETAIN" };

export interface WaitOptions {
  wait: boolean;
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

export interface DeployOutcome {
  deploymentId: string;
  version: string;
  key: string;
  status: string;
  /** The version serving after this deployment (and any automatic rollback) ended; undefined when unknown. */
  live?: string;
  rolledBackBy?: string;
}

export interface DeployResult extends DeployOutcome {
  sha256: string;
  size: number;
  fileCount: number;
  generatedAppspec: boolean;
}

interface Target {
  appName: string;
  bucket: string;
  app: string;
  group: string;
  destination: string;
}

async function target(stack: StackPort): Promise<Target> {
  const { settings, outputs } = await readStack(stack);
  const o = requireOutputs(stack.name, outputs, ["revisionsBucket", "applicationName", "deploymentGroupName"]);
  return { appName: settings.appName, bucket: o.revisionsBucket, app: o.applicationName, group: o.deploymentGroupName, destination: settings.appDestination };
}

export async function deployFolder(
  deps: AppDeps,
  o: {
    dir: string;
    version: string;
    fileExists: FileExistsBehavior;
    includeNodeModules: boolean;
    yes: boolean;
    /** Names (paths or file names) to ship although they usually hold secrets (`.env`, keys). */
    include?: string[];
    /** Deploy a bundle with nothing but its appspec. */
    allowEmpty?: boolean;
    ignoreAlarms?: boolean;
  } & WaitOptions,
): Promise<DeployResult> {
  const { stack, store, deploy, ui } = deps;
  // 1. Validate: nothing is uploaded or deployed before all of this passes.
  const dir = path.resolve(o.dir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Ec2RollbackError("USAGE", `${o.dir} is not a folder: give the folder that holds the app`);
  const version = o.version.replace(/^v/, "");
  if (!isSemver(version)) throw new Ec2RollbackError("USAGE", `--version "${o.version}" is not a semantic version: give MAJOR.MINOR.PATCH, e.g. 1.4.0`);
  // Never during a machine change (deployments.ts): refused before anything is bundled.
  let askedAt = stack.tagsAskedAt() ?? deps.clock.now();
  const [t] = await Promise.all([target(stack), refuseIfRecorded(stack)]);
  // Asked beside the checks and the bundling: who uploads is in the revision's metadata.
  const caller = deps.caller.identity();
  caller.catch(() => undefined); // said where it is awaited
  const key = revisionKey(t.appName, version);
  if (await store.head(t.bucket, key)) {
    throw new Ec2RollbackError(
      "VERSION_EXISTS",
      `${key} is already in ${t.bucket} (a version is uploaded once and never replaced): to deploy that upload again, \`ec2-rollback app-rollback ${version}\`; ` +
        `to ship these files, bump the version (e.g. ${nextPatch(version)})`,
    );
  }
  const ownAppspec = path.join(dir, "appspec.yml");
  if (fs.existsSync(ownAppspec) && !fs.statSync(ownAppspec).isFile()) {
    throw new Ec2RollbackError("APPSPEC_INVALID", `${path.join(o.dir, "appspec.yml")} is not a file: make it the appspec file, or remove it to have one generated; nothing was uploaded`);
  }

  // 2. appspec.yml: the folder's own, checked, or one written for it.
  const listing = listFolder(dir, { includeNodeModules: o.includeNodeModules, include: o.include });
  const files = new Set(listing.files);

  let appspec: string;
  const generated = !files.has("appspec.yml");
  if (generated) {
    appspec = generateAppspec(files, t.destination);
    ui.step(`no appspec.yml in ${o.dir}: generated one (files to ${t.destination}, hooks: ${conventionalHooks(files).join(", ") || "none"})`);
  } else {
    appspec = fs.readFileSync(path.join(dir, "appspec.yml"), "utf8");
    const problems = validateAppspec(appspec, files);
    if (problems.length) {
      throw new Ec2RollbackError("APPSPEC_INVALID", `appspec.yml has ${problems.length} problem${problems.length > 1 ? "s" : ""}; fix and deploy again: ${problems.map((p) => `line ${p.line}: ${p.message}`).join("; ")}`);
    }
    if (/^file_exists_behavior:/m.test(appspec)) ui.warn("appspec.yml sets file_exists_behavior, which takes precedence over --file-exists");
  }
  if (!listing.files.some((f) => f !== "appspec.yml") && !o.allowEmpty) {
    throw new Ec2RollbackError(
      "USAGE",
      `${o.dir} has nothing to deploy besides an appspec: deploying it would replace the app with nothing; pass --allow-empty if that is what you want; nothing was uploaded`,
    );
  }
  for (const s of listing.skipped) ui.warn(`left out ${s}`);
  await sayAlarms(deps, t, o.ignoreAlarms);

  // 3. Bundle, into a temporary file that goes once it is uploaded, or when the deploy stops.
  const bundle = await buildBundle(dir, listing, appspec);
  try {
    if (o.signal?.aborted) throw new InterruptedError("interrupted while bundling; nothing was uploaded or deployed");
    ui.succeed(`bundled ${bundle.fileCount} files, ${formatBytes(bundle.size)}, sha256 ${bundle.sha256Hex.slice(0, 12)}…`);

    await confirmOrRefuse(ui, o.yes, `Deploy ${t.appName} ${version} (${bundle.fileCount} files) to ${t.group}?`, "deploy");
    // A machine change may have begun while the question waited.
    if (!o.yes) askedAt = await refuseIfRecordedNow(deps);

    // 4. Upload (never over an existing key) and register.
    const then = `deploy it with \`ec2-rollback app-rollback ${version}\``;
    const kept = `${version} is uploaded but not deployed`;
    const who = (await caller).arn;
    const when = new Date(deps.clock.now()).toISOString();
    const uploaded = await upload(deps, t, key, bundle, { version, sha256: bundle.sha256Hex, "uploaded-by": who }, o.signal);
    await bundle.remove();
    if (o.signal?.aborted) throw new InterruptedError(`interrupted after uploading ${key}: nothing was deployed; deploy that upload with \`ec2-rollback app-rollback ${version}\``);
    const location: S3Location = { bucket: t.bucket, key, eTag: uploaded.eTag, version: uploaded.versionId };
    const description = `${t.appName} ${version}, uploaded ${when} by ${who}`;
    await deploy.registerRevision(t.app, location, description);

    // 5. Deploy and follow it: never under a machine change (deployments.ts).
    askedAt = await refuseIfRecordedBeforeCreate(deps, askedAt, { kept, then });
    const request = { app: t.app, group: t.group, location, fileExistsBehavior: o.fileExists, description: `deploy ${description}`, ignoreAlarms: o.ignoreAlarms };
    const id = await createDeployment(deps, request, { kept, then });
    await stopIfRecorded(deps, { id, version, askedAt, then: `${then} (the upload is kept)` });
    const outcome = await follow(deps, t, id, version, o);
    return { ...outcome, key, sha256: bundle.sha256Hex, size: bundle.size, fileCount: bundle.fileCount, generatedAppspec: generated };
  } finally {
    await bundle.remove();
  }
}

/** Reads the tags again (not what was read at start) and refuses while a record is on; returns when they were asked for. */
async function refuseIfRecordedNow(deps: { stack: StackPort; clock: Clock }): Promise<number> {
  const askedAt = deps.clock.now();
  deps.stack.refresh("tags");
  await refuseIfRecorded(deps.stack);
  return askedAt;
}

/**
 * CreateDeployment; CodeDeploy's refusal while another deployment runs says which, what is `kept`, and
 * what to do `then`.
 */
async function createDeployment(deps: AppDeps, d: Parameters<DeployPort["createDeployment"]>[0], o: { kept: string; then: string }): Promise<string> {
  try {
    return await deps.deploy.createDeployment(d);
  } catch (e) {
    if (!isEc2RollbackError(e, "DEPLOYMENT_IN_PROGRESS")) throw e;
    const [active] = (await deps.deploy.activeDeployments(d.app, d.group).catch(() => [])).filter((x) => x.underWay === "active");
    // Without one of this group under way, it is another limit (CodeDeploy's concurrent deployments per account): AWS's words say which.
    throw new Ec2RollbackError(
      "DEPLOYMENT_IN_PROGRESS",
      active
        ? `deployment ${active.id} is under way on ${d.group} (${active.status}) and CodeDeploy runs one at a time; ${o.kept}: when that one ends, ${o.then} (\`ec2-rollback status\` shows it)`
        : `CodeDeploy refused to start the deployment now (${firstLine(messageOf(e.cause ?? e))}); ${o.kept}: ${o.then} once the deployments under way end`,
      { cause: e },
    );
  }
}

/** Uploads the bundle with its progress, never over an existing key. */
async function upload(deps: AppDeps, t: Target, key: string, bundle: Bundle, metadata: Record<string, string>, signal?: AbortSignal): Promise<RevisionObject> {
  const { store, ui } = deps;
  const where = `s3://${t.bucket}/${key}`;
  ui.step(`uploading ${where} (${formatBytes(bundle.size)})`);
  let uploaded: RevisionObject | undefined;
  try {
    uploaded = await store.putNew(t.bucket, key, bundle, {
      sha256Base64: bundle.sha256Base64,
      metadata,
      signal,
      onProgress: (p) => ui.progress(`uploading ${where}: ${formatBytes(p.loaded)} of ${formatBytes(p.total)} (${Math.floor((100 * p.loaded) / (p.total || 1))}%)`),
    });
  } catch (e) {
    if (!signal?.aborted) throw e;
    const version = metadata.version;
    throw new InterruptedError(
      `stopped uploading ${key} (interrupted): the upload was abandoned and nothing was deployed; deploy again to ship it ` +
        `(if \`ec2-rollback revisions\` lists ${version}, the upload had just completed: \`ec2-rollback app-rollback ${version}\` deploys it)`,
    );
  }
  if (!uploaded) throw new Ec2RollbackError("VERSION_EXISTS", `${key} appeared in ${t.bucket} while bundling (another deploy?); bump the version`);
  ui.succeed(`uploaded ${where}`);
  return uploaded;
}

export interface RevisionInfo {
  version: string;
  key: string;
  uploadedAt: string;
  size: number;
  /** Status of the last deployment of this revision; "never deployed" when none. */
  status: string;
  live: boolean;
}

/** The version serving now: the revision of the most recently completed successful deployment. */
function liveKey(deployments: DeploymentInfo[]): string | undefined {
  return liveDeployment(deployments)?.revision.key;
}

/** The version of the revision serving now, if it is one of this app's. */
function liveVersionIn(t: Target, deployments: DeploymentInfo[]): string | undefined {
  const live = liveKey(deployments);
  return live ? versionOfRevisionKey(t.appName, live) : undefined;
}

/** The app version live now (the last successful deployment's revision), for the release record. */
export async function liveAppVersion(deps: Pick<AppDeps, "stack" | "deploy">): Promise<string | undefined> {
  const t = await target(deps.stack);
  return liveVersionIn(t, await deps.deploy.recentDeployments(t.app, t.group, HISTORY));
}

export async function listRevisions(deps: Pick<AppDeps, "stack" | "store" | "deploy">): Promise<RevisionInfo[]> {
  const t = await target(deps.stack);
  // Every deployment: a revision last deployed before the newest 100 is not "never deployed". (ListDeployments
  // does not document its order, so reading stops at the last page, not at the last revision seen.)
  const [objects, deployments] = await Promise.all([deps.store.list(t.bucket, revisionPrefix(t.appName)), deps.deploy.recentDeployments(t.app, t.group, Infinity)]);
  const live = liveKey(deployments);
  const out: RevisionInfo[] = [];
  for (const obj of objects) {
    const version = versionOfRevisionKey(t.appName, obj.key);
    if (!version) continue;
    const last = deployments.find((d) => d.revision?.key === obj.key); // newest first
    out.push({ version, key: obj.key, uploadedAt: obj.lastModified.toISOString(), size: obj.size, status: last?.status ?? "never deployed", live: obj.key === live });
  }
  return out.sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt) || compareSemver(b.version, a.version));
}

export async function appRollback(
  deps: AppDeps,
  o: { version?: string; yes: boolean; fileExists: FileExistsBehavior; ignoreAlarms?: boolean } & WaitOptions,
): Promise<DeployOutcome & { from?: string }> {
  const { stack, store, deploy, ui } = deps;
  const t = await target(stack);
  const deployments = await deploy.recentDeployments(t.app, t.group, HISTORY);
  const live = liveKey(deployments);
  const liveVersion = liveVersionIn(t, deployments);
  let key: string;
  if (o.version === undefined) {
    const previous = succeededNewestFirst(deployments).find((d) => d.revision.key !== live && versionOfRevisionKey(t.appName, d.revision.key));
    if (!previous) throw new Ec2RollbackError("NO_PREVIOUS_VERSION", `no earlier successfully deployed revision of ${t.appName} than ${liveVersion ?? "the live one"}; name one: \`ec2-rollback app-rollback <version>\` (see \`ec2-rollback revisions\`)`);
    key = previous.revision.key;
  } else {
    const version = o.version.replace(/^v/, "");
    if (!isSemver(version)) throw new Ec2RollbackError("USAGE", `"${o.version}" is not a semantic version: give MAJOR.MINOR.PATCH, e.g. 1.4.0`);
    key = revisionKey(t.appName, version);
  }
  const version = versionOfRevisionKey(t.appName, key)!;
  const obj = await store.head(t.bucket, key);
  if (!obj) {
    const known = (await store.list(t.bucket, revisionPrefix(t.appName))).map((x) => versionOfRevisionKey(t.appName, x.key)).filter((v): v is string => !!v).sort(compareSemver);
    const [near] = nearestNames(version, [...known].reverse(), { max: 1 });
    const guess = near ? `did you mean ${near}? ` : "";
    throw new Ec2RollbackError("VERSION_NOT_FOUND", `revision ${version} of ${t.appName} is not in ${t.bucket}; ${guess}known: ${known.length ? known.join(", ") : "none (deploy one with `ec2-rollback deploy`)"}`);
  }
  if (key === live) {
    ui.succeed(`${version} is already live; nothing to do`);
    return { deploymentId: "", version, key, status: "no-op", live: version, from: liveVersion };
  }
  await sayAlarms(deps, t, o.ignoreAlarms);
  // Never during a machine change (deployments.ts); asked again after the question.
  let askedAt = stack.tagsAskedAt() ?? deps.clock.now();
  await refuseIfRecorded(stack);
  await confirmOrRefuse(ui, o.yes, `Redeploy ${t.appName} ${version} (live now: ${liveVersion ?? "unknown"}) to ${t.group}?`, "redeploy");
  if (!o.yes) askedAt = await refuseIfRecordedNow(deps);
  // The fix names this command (from `rollback release:<n>` too, whose machine layer is done by then).
  const then = `run \`ec2-rollback app-rollback ${version}\``;
  askedAt = await refuseIfRecordedBeforeCreate(deps, askedAt, { kept: "nothing was deployed", then });
  const location: S3Location = { bucket: t.bucket, key, eTag: obj.eTag, version: obj.versionId };
  const id = await createDeployment(
    deps,
    {
      app: t.app,
      group: t.group,
      location,
      fileExistsBehavior: o.fileExists,
      description: `app-rollback ${liveVersion ?? "?"} -> ${version} by ${(await deps.caller.identity()).arn}`,
      ignoreAlarms: o.ignoreAlarms,
    },
    { kept: "nothing was deployed", then },
  );
  await stopIfRecorded(deps, { id, version, askedAt, then });
  return { ...(await follow(deps, t, id, version, o)), from: liveVersion };
}

/**
 * Before a deployment: a firing alarm of the group makes CodeDeploy fail it at once (ALARM_ACTIVE), so
 * the fix for a broken app could never go out. Said before anything is uploaded or deployed; with
 * --ignore-alarms the deployment goes out with the group's alarms off for it alone.
 */
async function sayAlarms(deps: AppDeps, t: Target, ignoreAlarms?: boolean): Promise<void> {
  if (!deps.alarms) return;
  const names = (await deps.stack.outputs()).alarmNames ?? [];
  const firing = (await deps.alarms.states(names).catch(() => [])).filter((a) => a.state === "ALARM").map((a) => a.name);
  if (!firing.length) return;
  if (ignoreAlarms) {
    deps.ui.warn(`alarm ${firing.join(", ")} is firing; --ignore-alarms: this deployment is not stopped or rolled back on alarms (a failed hook still rolls it back)`);
    return;
  }
  throw new Ec2RollbackError(
    "ALARM_ACTIVE",
    `alarm ${firing.join(", ")} of ${t.group} is firing, so CodeDeploy would stop this deployment at once (ALARM_ACTIVE); nothing was uploaded or deployed. ` +
      "To deploy a fix while it fires, pass --ignore-alarms (this deployment alone is then not stopped or rolled back on alarms; a failed hook still rolls it back)",
  );
}

/** Waits for a deployment with progress; on failure explains the hook and follows CodeDeploy's automatic rollback. */
async function follow(deps: AppDeps, t: Target, id: string, version: string, o: WaitOptions): Promise<DeployOutcome> {
  const { deploy, ui } = deps;
  const key = revisionKey(t.appName, version);
  if (!o.wait) {
    ui.succeed(`deployment ${id} started (not waiting)`);
    return { deploymentId: id, version, key, status: "Created" };
  }
  ui.step(`deployment ${id}: ${version} to ${t.group}`);
  const d = await waitFor(deps, id, o);
  if (d.status === "Succeeded") {
    ui.succeed(`deployment ${id} succeeded: ${version} is live`);
    await recordAppOnServingRelease(deps, version);
    return { deploymentId: id, version, key, status: d.status, live: version };
  }
  const failedAt = (await deploy.lifecycle(id)).find((e) => e.status === "Failed");
  const why = failedAt
    ? `hook ${failedAt.name}${failedAt.scriptName ? ` (${failedAt.scriptName})` : ""} failed: ${failedAt.errorCode ?? ""}${failedAt.message ? ` ${failedAt.message}` : ""}${failedAt.logTail ? ` — log: ${lastLine(failedAt.logTail)}` : ""}`.trim()
    : `${d.error?.code ?? d.status}: ${d.error?.message ?? "no details from CodeDeploy"}`;
  ui.fail(`deployment ${id} ${d.status.toLowerCase()}: ${why}`);

  const rollbackId = d.rollback?.rollbackDeploymentId ?? (await waitForRollbackId(deps, id, o));
  if (rollbackId) {
    ui.step(`CodeDeploy is rolling back automatically: ${rollbackId}`);
    const r = await waitFor(deps, rollbackId, o);
    const back = r.revision ? versionOfRevisionKey(t.appName, r.revision.key) : undefined;
    if (r.status === "Succeeded") {
      if (back) await recordAppOnServingRelease(deps, back);
      throw new DeployFailedError(`deployment ${id} of ${version} ${d.status.toLowerCase()}: ${why}; CodeDeploy rolled back (${rollbackId}): ${back ?? "the previous revision"} is live`, {
        deploymentId: id,
        version,
        key,
        status: d.status,
        live: back,
        rolledBackBy: rollbackId,
      });
    }
    throw new DeployFailedError(
      `deployment ${id} of ${version} ${d.status.toLowerCase()}: ${why}; the automatic rollback ${rollbackId} ${r.status.toLowerCase()} too: nothing known good is live; ` +
        "redeploy a good version with `ec2-rollback app-rollback <version>`",
      { deploymentId: id, version, key, status: d.status, rolledBackBy: rollbackId },
    );
  }
  const liveVersion = liveVersionIn(t, await deploy.recentDeployments(t.app, t.group, HISTORY));
  throw new DeployFailedError(
    `deployment ${id} of ${version} ${d.status.toLowerCase()}: ${why}; no automatic rollback ` +
      (liveVersion ? `(the last good version, ${liveVersion}, may be partly replaced): put it back with \`ec2-rollback app-rollback ${liveVersion}\`` : "(no earlier revision was ever deployed): nothing is live"),
    { deploymentId: id, version, key, status: d.status, live: undefined },
  );
}

/** The failed deployment's outcome travels with the error, for --json. */
export class DeployFailedError extends Ec2RollbackError {
  constructor(
    message: string,
    public readonly outcome: DeployOutcome,
  ) {
    super("DEPLOY_FAILED", message);
    this.name = "DeployFailedError";
  }
}

const DONE = new Set(["Succeeded", "Failed", "Stopped"]);

async function waitFor(deps: AppDeps, id: string, o: WaitOptions): Promise<DeploymentInfo> {
  const { deploy, ui, clock } = deps;
  const seen = new Map<string, string>();
  const what = `deployment ${id}`;
  return poll({ clock, ui, what, timeoutMs: o.timeoutMs, intervalMs: o.pollMs, signal: o.signal, goesOnAt: "`ec2-rollback revisions`" }, async () => {
    const d = await deploy.getDeployment(id);
    for (const e of await deploy.lifecycle(id)) {
      if (seen.get(e.name) !== e.status && e.status !== "Pending") {
        const line = `  ${e.name}: ${e.status}`;
        if (e.status === "Failed") ui.fail(line);
        else if (e.status === "InProgress") ui.step(line);
        else ui.succeed(line);
      }
      seen.set(e.name, e.status);
    }
    return DONE.has(d.status) ? { done: true, value: d } : { done: false, progress: d.status };
  });
}

/** CodeDeploy fills rollbackInfo a moment after the failure; look a few times before concluding there is none. */
async function waitForRollbackId(deps: AppDeps, id: string, o: WaitOptions): Promise<string | undefined> {
  const what = `CodeDeploy's automatic rollback of ${id}`;
  const none = new Error("none");
  return poll({ clock: deps.clock, what, timeoutMs: 3 * o.pollMs, intervalMs: o.pollMs, signal: o.signal, goesOnAt: "`ec2-rollback revisions`", onTimeout: () => none }, async () => {
    const d = await deps.deploy.getDeployment(id);
    return d.rollback?.rollbackDeploymentId ? { done: true, value: d.rollback.rollbackDeploymentId } : { done: false, progress: "not started" };
  }).catch((e) => {
    if (e === none) return undefined;
    throw e;
  });
}

function lastLine(s: string): string {
  return s.trim().split("\n").at(-1)?.trim() ?? "";
}
