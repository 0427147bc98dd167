// A named machine version: an AMI of the running instance, `<appName>-v<semver>`.
import { amiName, isSemver, TAG_APP, TAG_STACK, TAG_VERSION } from "../../components/naming";
import { UserError } from "./errors";
import { appNameOf, Clock, CloudPort, StackPort, Ui } from "./ports";
import { confirmOrRefuse } from "./rollback";

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
  seconds: number;
}

export async function checkpoint(
  deps: { stack: StackPort; cloud: CloudPort; ui: Ui; clock: Clock },
  o: CheckpointOptions,
): Promise<CheckpointResult> {
  const { stack, cloud, ui, clock } = deps;
  const t0 = clock.now();
  const version = o.version.trim().replace(/^v/, "");
  if (!isSemver(version)) {
    throw new UserError(`"${o.version}" is not a semantic version: give MAJOR.MINOR.PATCH, e.g. 1.2.3 or 1.3.0-rc.1`, 2);
  }
  const [config, outputs, identity] = await Promise.all([stack.config(), stack.outputs(), cloud.identity()]);
  const appName = appNameOf(config);
  const name = amiName(appName, version);
  const existing = await cloud.findOwnImageByName(name);
  if (existing) {
    throw new UserError(`${name} already exists (${existing.id}, ${existing.createdAt.toISOString()}); versions are immutable: pick a new version`);
  }
  const instanceId = outputs.instanceId;
  if (!instanceId) throw new UserError(`stack "${stack.name}" has no instanceId output; run \`pulumi up\` first`);

  await confirmOrRefuse(
    ui,
    o.yes,
    `Make AMI ${name} from ${instanceId}?${o.reboot ? " The instance reboots (about a minute of downtime) for a consistent disk." : ""}`,
    "make a checkpoint",
  );

  const amiId = await cloud.createImage({
    instanceId,
    name,
    description: `${appName} ${version} from ${instanceId} (stack ${stack.name})`,
    reboot: o.reboot,
    tags: {
      [TAG_APP]: appName,
      [TAG_VERSION]: version,
      [TAG_STACK]: stack.name,
      Name: name,
      CreatedBy: identity.arn,
      CreatedAt: new Date(clock.now()).toISOString(),
    },
  });
  ui.step(`creating ${name} (${amiId}) from ${instanceId}`);
  for (;;) {
    const image = await cloud.describeImage(amiId);
    const elapsed = Math.round((clock.now() - t0) / 1000);
    if (image?.state === "available") break;
    if (image && ["failed", "error", "invalid", "deregistered"].includes(image.state)) {
      throw new UserError(`AMI ${name} (${amiId}) ${image.state}: ${image.stateReason ?? "no reason given"}`);
    }
    if (clock.now() - t0 >= o.timeoutMs) {
      throw new UserError(`AMI ${name} (${amiId}) still ${image?.state ?? "not visible"} after ${elapsed}s; it may yet finish: see \`ec2-rollback versions\``);
    }
    ui.progress(`${name} (${amiId}): ${image?.state ?? "pending"} (${elapsed}s)`);
    await clock.sleep(o.pollMs, o.signal);
  }
  const seconds = Math.round((clock.now() - t0) / 1000);
  ui.succeed(`${name} is available: ${amiId} (${seconds}s)`);
  return { version, name, amiId, instanceId, rebooted: o.reboot, seconds };
}
