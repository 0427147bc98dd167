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
/** An EC2/On-Premises deployment runs at most 8 hours (docs.aws.amazon.com/codedeploy/latest/userguide/limits.html). */
const MAX_DEPLOYMENT_MS = 8 * 3_600_000;
/** How long after a failure CodeDeploy may take to start its automatic rollback (seconds, in practice). */
const ROLLBACK_START_MS = 60_000;

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
    autoRollback: d.autoRollbackConfiguration?.enabled,
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
   * Deployments not ended (listed by status, then checked again: one may end between the two reads), and
   * those that ended within the last minute (of the last 8 hours' starts, a deployment's longest run) with
   * automatic rollback on and no rollback started yet.
   */
  async activeDeployments(app: string, group: string): Promise<DeploymentInfo[]> {
    const now = Date.now();
    const [active, ended] = await Promise.all([
      this.deployments(app, group, Infinity, { includeOnlyStatuses: ACTIVE_STATUSES }),
      this.deployments(app, group, Infinity, { includeOnlyStatuses: ["Failed", "Stopped"], createTimeRange: { start: new Date(now - MAX_DEPLOYMENT_MS) } }),
    ]);
    return [
      ...active.filter((d) => (ACTIVE_STATUSES as string[]).includes(d.status)).map((d) => ({ ...d, underWay: "active" as const })),
      ...ended
        .filter((d) => d.autoRollback && !d.rollback?.rollbackDeploymentId && d.completeTime && now - d.completeTime.getTime() < ROLLBACK_START_MS)
        .map((d) => ({ ...d, underWay: "rolling-back" as const })),
    ];
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
