// A named machine version: an AMI of the running instance, `<appName>-v<semver>`.
import { amiName, DATA_DEVICE, TAG } from "../../contract/naming";
import { isSemver } from "../../contract/semver";
import { confirmOrRefuse } from "./confirm";
import { refuseIfRecorded, withRecord } from "./operation";
import { Ec2RollbackError } from "./errors";
import { poll, seconds } from "./poll";
import { refuseWhileDeploying } from "./deployments";
import { Clock, CloudPort, DeployPort, Operator, StackPort, Ui } from "./ports";
import { readStack, requireOutputs } from "./stackState";

export interface CheckpointOptions {
  version: string;
  /** Reboot the instance for a consistent file system (default) or not (no downtime, crash-consistent). */
  reboot: boolean;
  yes: boolean;
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
}

export interface CheckpointResult {
  version: string;
  name: string;
  amiId: string;
  instanceId: string;
  rebooted: boolean;
  durationMs: number;
}

export async function checkpoint(
  /** `deploy`: a reboot waits for no deployment, it refuses (deployments.ts). */
  deps: { stack: StackPort; cloud: CloudPort; ui: Ui; clock: Clock; operator?: Operator; deploy?: DeployPort },
  o: CheckpointOptions,
): Promise<CheckpointResult> {
  const { stack, cloud, ui, clock } = deps;
  const t0 = clock.now();
  const version = o.version.trim().replace(/^v/, "");
  if (!isSemver(version)) {
    throw new Ec2RollbackError("USAGE", `"${o.version}" is not a semantic version: give MAJOR.MINOR.PATCH, e.g. 1.2.3 or 1.3.0-rc.1`);
  }
  const [{ settings, outputs }, identity] = await Promise.all([readStack(stack), cloud.identity()]);
  const { appName } = settings;
  const name = amiName(appName, version);
  const existing = await cloud.findOwnImageByName(name);
  if (existing) {
    throw new Ec2RollbackError("VERSION_EXISTS", `${name} already exists (${existing.id}, ${existing.createdAt.toISOString()}); versions are immutable: pick a new version`);
  }
  const { instanceId } = requireOutputs(stack.name, outputs, ["instanceId"]);

  // A reboot takes the serving machine down for a minute: never during another change.
  if (o.reboot) await refuseIfRecorded(stack);
  await confirmOrRefuse(
    ui,
    o.yes,
    `Make AMI ${name} from ${instanceId}?${o.reboot ? " The instance reboots (about a minute of downtime) for a consistent disk." : ""}`,
    "make a checkpoint",
  );

  const create = () => cloud.createImage({
    instanceId,
    name,
    description: `${appName} ${version} from ${instanceId} (stack ${stack.name})`,
    reboot: o.reboot,
    omitDevices: settings.dataVolumeSizeGiB > 0 ? [DATA_DEVICE] : undefined,
    tags: {
      [TAG.app]: appName,
      [TAG.version]: version,
      [TAG.stack]: stack.name,
      [TAG.name]: name,
      [TAG.createdBy]: identity.arn,
      [TAG.createdAt]: new Date(clock.now()).toISOString(),
    },
  });
  // The record covers the reboot (CreateImage stops and starts the machine before it answers).
  const amiId = o.reboot
    ? await withRecord(deps, { op: "checkpoint", from: instanceId, to: name }, async () => {
        await refuseWhileDeploying(deps, outputs, "nothing was changed");
        return create();
      })
    : await create();
  ui.step(`creating ${name} (${amiId}) from ${instanceId}`);
  const what = `AMI ${name} (${amiId})`;
  await poll({ clock, ui, what, timeoutMs: o.timeoutMs, intervalMs: o.pollMs, signal: o.signal, goesOnAt: "`ec2-rollback versions`" }, async () => {
    const image = await cloud.describeImage(amiId);
    if (image?.state === "available") return { done: true, value: image };
    if (image && ["failed", "error", "invalid", "deregistered"].includes(image.state)) {
      throw new Ec2RollbackError("IMAGE_FAILED", `${what} ${image.state}: ${image.stateReason ?? "no reason given"}`);
    }
    return { done: false, progress: image?.state ?? "pending" };
  });
  const durationMs = clock.now() - t0;
  ui.succeed(`${name} is available: ${amiId} (${seconds(durationMs)})`);
  return { version, name, amiId, instanceId, rebooted: o.reboot, durationMs };
}
