// DeployPort over CodeDeploy (AWS SDK v3).
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentInfo as SdkDeployment,
  DeploymentStatus,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  ListDeploymentsCommandInput,
  ListDeploymentTargetsCommand,
  RegisterApplicationRevisionCommand,
  RevisionLocation,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { inBatches } from "../core/batches";
import { DeploymentInfo, DeployPort, FileExistsBehavior, LifecycleEvent, S3Location } from "../core/ports";
import { aws, clientConfig, withErrorContext } from "./awsErrors";

/** A deployment in one of these has not ended: a machine change waits for none of them, it refuses. */
const ACTIVE_STATUSES: DeploymentStatus[] = ["Created", "Queued", "InProgress", "Baking", "Ready"];
/**
 * Starts older than this are not read for a just-ended deployment: an EC2/On-Premises deployment runs at
 * most 8 hours, 12 with a predefined configuration (docs.aws.amazon.com/codedeploy/latest/userguide/limits.html).
 */
const MAX_DEPLOYMENT_MS = 13 * 3_600_000;
/**
 * How long after a deployment ended CodeDeploy may still start its automatic rollback of it (seconds, in
 * practice; AWS documents no figure). Compared with AWS's own end time, so clock skew counts against it.
 */
const ROLLBACK_START_MS = 2 * 60_000;

/** Whether CodeDeploy rolls an ended deployment back by itself (its group's automatic rollback events). */
function rollsBack(d: SdkDeployment): boolean {
  const c = d.autoRollbackConfiguration;
  if (!c?.enabled) return false;
  const events = c.events ?? [];
  if (d.status === "Failed") return events.includes("DEPLOYMENT_FAILURE");
  if (d.status === "Stopped") return d.errorInformation?.code === "ALARM_ACTIVE" ? events.includes("DEPLOYMENT_STOP_ON_ALARM") : events.includes("DEPLOYMENT_STOP_ON_REQUEST");
  return false;
}

/** BatchGetDeployments takes at most 25 ids. */
const BATCH = 25;
const CONCURRENT_BATCHES = 4;

function revision(l: S3Location): RevisionLocation {
  return { revisionType: "S3", s3Location: { bucket: l.bucket, key: l.key, bundleType: "zip", eTag: l.eTag, version: l.version } };
}

export function toDeploymentInfo(d: SdkDeployment): DeploymentInfo {
  const s3 = d.revision?.s3Location;
  return {
    id: d.deploymentId!,
    status: d.status ?? "Unknown",
    createTime: d.createTime,
    completeTime: d.completeTime,
    revision: s3?.bucket && s3.key ? { bucket: s3.bucket, key: s3.key, eTag: s3.eTag, version: s3.version } : undefined,
    error: d.errorInformation ? { code: d.errorInformation.code, message: d.errorInformation.message } : undefined,
    rollback: d.rollbackInfo
      ? {
          rollbackDeploymentId: d.rollbackInfo.rollbackDeploymentId,
          rollbackTriggeringDeploymentId: d.rollbackInfo.rollbackTriggeringDeploymentId,
          message: d.rollbackInfo.rollbackMessage,
        }
      : undefined,
    autoRollback: rollsBack(d),
  };
}

export class CodeDeployService implements DeployPort {
  constructor(private readonly cd: CodeDeployClient) {}

  /** The adapter over a client of the stack's region, with the settings and error context every client gets. */
  static forRegion(region: string): CodeDeployService {
    return new CodeDeployService(withErrorContext(new CodeDeployClient(clientConfig(region))));
  }

  registerRevision(app: string, location: S3Location, description: string): Promise<void> {
    return aws(async () => {
      await this.cd.send(new RegisterApplicationRevisionCommand({ applicationName: app, revision: revision(location), description }));
    });
  }

  createDeployment(o: { app: string; group: string; location: S3Location; fileExistsBehavior: FileExistsBehavior; description: string; ignoreAlarms?: boolean }): Promise<string> {
    return aws(async () => {
      const r = await this.cd.send(
        new CreateDeploymentCommand({
          applicationName: o.app,
          deploymentGroupName: o.group,
          revision: revision(o.location),
          fileExistsBehavior: o.fileExistsBehavior,
          description: o.description.slice(0, 100),
          // "enabled: false" turns the group's alarm configuration off for this deployment alone: a fix can
          // go out while the alarm it fixes is firing (CodeDeploy otherwise fails it with ALARM_ACTIVE).
          overrideAlarmConfiguration: o.ignoreAlarms ? { enabled: false } : undefined,
        }),
      );
      return r.deploymentId!;
    });
  }

  getDeployment(id: string): Promise<DeploymentInfo> {
    return aws(async () => toDeploymentInfo((await this.cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!));
  }

  lifecycle(id: string): Promise<LifecycleEvent[]> {
    return aws(async () => {
      const targets = (await this.cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }))).targetIds ?? [];
      if (!targets.length) return [];
      const t = await this.cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: targets[0] }));
      return (t.deploymentTarget?.instanceTarget?.lifecycleEvents ?? []).map((e) => ({
        name: e.lifecycleEventName ?? "?",
        status: e.status ?? "Unknown",
        scriptName: e.diagnostics?.scriptName,
        errorCode: e.diagnostics?.errorCode,
        message: e.diagnostics?.message,
        logTail: e.diagnostics?.logTail,
      }));
    });
  }

  /**
   * The group's deployments, newest first: the first `max` ids ListDeployments gives (every one when
   * `max` is Infinity), read in batches of 25 (BatchGetDeployments' limit), 4 batches at a time. Each
   * call has its own bound, so a long history takes as long as its pages do.
   */
  recentDeployments(app: string, group: string, max: number): Promise<DeploymentInfo[]> {
    return this.deployments(app, group, max);
  }

  /**
   * Deployments not ended, and those that ended moments ago (within ROLLBACK_START_MS) and that CodeDeploy
   * rolls back by itself, while that rollback has not started, or started after the first list was read.
   * Each is judged by what the batch read says (one may end between the list and the read, or between
   * the two lists, which are read side by side).
   */
  async activeDeployments(app: string, group: string): Promise<DeploymentInfo[]> {
    const now = Date.now();
    const lists = await Promise.all([
      this.deployments(app, group, Infinity, { includeOnlyStatuses: ACTIVE_STATUSES }),
      this.deployments(app, group, Infinity, { includeOnlyStatuses: ["Failed", "Stopped"], createTimeRange: { start: new Date(now - MAX_DEPLOYMENT_MS) } }),
    ]);
    const all = new Map(lists.flat().map((d) => [d.id, d]));
    const isActive = (d: DeploymentInfo) => (ACTIVE_STATUSES as string[]).includes(d.status);
    const endedJustNow = (d: DeploymentInfo) => !isActive(d) && d.autoRollback && d.completeTime && now - d.completeTime.getTime() < ROLLBACK_START_MS;
    // A rollback started after the first list was read is in neither list: read it.
    const unseen = [...all.values()].filter((d) => endedJustNow(d) && d.rollback?.rollbackDeploymentId && !all.has(d.rollback.rollbackDeploymentId));
    const rollbacks = await Promise.all(unseen.map((d) => this.getDeployment(d.rollback!.rollbackDeploymentId!)));
    for (const r of rollbacks) all.set(r.id, r);
    const out: DeploymentInfo[] = [];
    for (const d of all.values()) {
      if (isActive(d)) out.push({ ...d, underWay: "active" });
      else if (endedJustNow(d) && !d.rollback?.rollbackDeploymentId) out.push({ ...d, underWay: "rolling-back" });
    }
    return out.sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0));
  }

  stopDeployment(id: string): Promise<void> {
    return aws(async () => {
      await this.cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    });
  }

  private async deployments(app: string, group: string, max: number, filter: Pick<ListDeploymentsCommandInput, "includeOnlyStatuses" | "createTimeRange"> = {}): Promise<DeploymentInfo[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const r = await aws(() => this.cd.send(new ListDeploymentsCommand({ applicationName: app, deploymentGroupName: group, ...filter, nextToken })));
      ids.push(...(r.deployments ?? []));
      nextToken = r.nextToken;
    } while (nextToken && ids.length < max);
    const batches: string[][] = [];
    for (let i = 0; i < Math.min(ids.length, max); i += BATCH) batches.push(ids.slice(i, Math.min(i + BATCH, max)));
    const out: DeploymentInfo[] = [];
    await inBatches(batches, CONCURRENT_BATCHES, async (deploymentIds) => {
      const r = await aws(() => this.cd.send(new BatchGetDeploymentsCommand({ deploymentIds })));
      out.push(...(r.deploymentsInfo ?? []).map(toDeploymentInfo));
    });
    return out.sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0));
  }
}
