// Rollback points of the machine: this app's checkpoint AMIs, newest first.
import { compareSemver, versionOfAmiName } from "../../components/naming";
import { CloudPort, CONFIG, StackPort } from "./ports";

export interface RollbackPoint {
  version: string;
  name: string;
  amiId: string;
  createdAt: string;
  state: string;
  source: "checkpoint" | "backup";
  /** Pinned now. */
  current: boolean;
  sizeGiB: number;
}

export async function listVersions(deps: { stack: StackPort; cloud: CloudPort }): Promise<RollbackPoint[]> {
  const [config, outputs] = await Promise.all([deps.stack.config(), deps.stack.outputs()]);
  const appName = config[CONFIG.appName] || "myapp";
  const pin = config[CONFIG.amiVersion];
  const images = await deps.cloud.listOwnImages(`${appName}-v`);
  const points: RollbackPoint[] = [];
  for (const i of images) {
    const version = versionOfAmiName(appName, i.name);
    if (!version) continue; // `myapp-vnext`, `myapp-v1.2` …: not ours to offer
    points.push({
      version,
      name: i.name,
      amiId: i.id,
      createdAt: i.createdAt.toISOString(),
      state: i.state,
      source: "checkpoint",
      current: i.name === pin || i.id === pin || i.id === outputs.amiId,
      sizeGiB: i.snapshots.reduce((n, s) => n + s.sizeGiB, 0),
    });
  }
  return points.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || compareSemver(b.version, a.version));
}
