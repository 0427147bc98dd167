// Roll a release back as a whole: the machine version and the app revision that were live together,
// with one confirmation. The machine first (the same machine change as any rollback), then the app
// (the same redeploy as `app-rollback`) onto the machine that now serves.
import { appRollback, DeployOutcome, FILE_EXISTS, liveAppVersion } from "./appDeploy";
import { confirmOrRefuse } from "./confirm";
import { Ec2RollbackError } from "./errors";
import { DeployPort, IdentityPort, RevisionStorePort } from "./ports";
import { Release, releasesOf, servingRelease } from "./releases";
import { rollback, RollbackDeps, RollbackOptions, RollbackResult } from "./rollback";

export const RELEASE_PREFIX = "release:";

export interface ReleaseRollbackResult {
  release: Release;
  machine: RollbackResult;
  /** The app layer: redeployed, unchanged (already live, or the release recorded no app version), or what a preview would deploy. */
  app: DeployOutcome | { status: "unchanged" | "preview"; version?: string };
}

/** `release:12` → 12; undefined when it is not a release target. */
export function parseReleaseTarget(raw: string | undefined): number | undefined {
  if (!raw?.startsWith(RELEASE_PREFIX)) return undefined;
  const n = raw.slice(RELEASE_PREFIX.length);
  if (!/^\d+$/.test(n)) throw new Ec2RollbackError("USAGE", `"${raw}" is not a release: give release:<number>, as \`ec2-rollback releases\` lists them`);
  return Number(n);
}

export async function rollbackRelease(
  deps: RollbackDeps & { store: RevisionStorePort; deploy: DeployPort; caller: IdentityPort },
  o: RollbackOptions & { release: number; appTimeoutMs: number },
): Promise<ReleaseRollbackResult> {
  const { stack, ui } = deps;
  const releases = releasesOf(await stack.tags());
  const release = releases.find((r) => r.seq === o.release);
  if (!release) {
    throw new Ec2RollbackError("VERSION_NOT_FOUND", `stack "${stack.name}" has no release #${o.release}; list them with \`ec2-rollback releases\``);
  }
  if (!release.good) {
    throw new Ec2RollbackError(
      "VERSION_UNUSABLE",
      `release #${o.release} (${release.version}) was not good (${release.outcome}); roll back to a good one (\`ec2-rollback releases\`)`,
    );
  }
  const serving = servingRelease(releases);
  const liveApp = await liveAppVersion(deps).catch(() => undefined);
  const appChanges = !!release.app && release.app !== liveApp;
  if (o.preview) {
    // Show, change nothing: the machine layer's preview, and which app version would be redeployed.
    const machine = await rollback(deps, { ...o, target: release.version });
    return { release, machine, app: appChanges ? { status: "preview", version: release.app } : { status: "unchanged", version: liveApp } };
  }
  await confirmOrRefuse(
    ui,
    o.yes,
    `Roll ${stack.name} back to release #${release.seq}? machine: ${serving?.version ?? "now"} -> ${release.version} (on the standby, checked, then the address moves); ` +
      `app: ${appChanges ? `${liveApp ?? "?"} -> ${release.app} (CodeDeploy)` : `unchanged (${release.app ? `${release.app} is live` : "the release recorded no app version"})`}.`,
    "roll back a release",
  );
  ui.step(`release #${release.seq}, machine layer: ${release.version}`);
  // Planned from what was read before the question; checked against the stack as it is after it.
  const machine = await rollback(deps, { ...o, target: release.version, yes: true, asked: true });
  if (!appChanges) {
    ui.succeed(`release #${release.seq}, app layer: unchanged`);
    return { release, machine, app: { status: "unchanged", version: liveApp } };
  }
  ui.step(`release #${release.seq}, app layer: ${release.app}`);
  const app = await appRollback(deps, {
    version: release.app,
    yes: true,
    fileExists: FILE_EXISTS.fail,
    wait: true,
    timeoutMs: o.appTimeoutMs,
    pollMs: 5000,
    signal: o.signal,
  });
  return { release, machine, app };
}
