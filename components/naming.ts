// Names other code and users rely on (shared/design.md "Contracts"). Pure: no Pulumi, no AWS.

/** Semantic version without build metadata ('+' is not allowed in AMI names). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
const AMI_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const APP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export const TAG_APP = "App";
export const TAG_VERSION = "Version";
export const TAG_STACK = "Stack";
/** The deployment group targets the instance by this tag. */
export const TAG_DEPLOY_TARGET = "CodeDeployTarget";
/** The backup selection picks the instance by this tag. */
export const TAG_BACKUP_TARGET = "BackupTarget";

export function isSemver(v: string): boolean {
  return SEMVER.test(v);
}

export function isAmiId(v: string): boolean {
  return AMI_ID.test(v);
}

export function isAppName(v: string): boolean {
  return APP_NAME.test(v);
}

/** `myapp` + `1.2.3` → `myapp-v1.2.3` */
export function amiName(appName: string, version: string): string {
  return `${appName}-v${version}`;
}

/** `myapp-v1.2.3` → `1.2.3`; undefined for another app's name or a malformed one. */
export function versionOfAmiName(appName: string, name: string): string | undefined {
  const prefix = `${appName}-v`;
  if (!name.startsWith(prefix)) return undefined;
  const v = name.slice(prefix.length);
  return isSemver(v) ? v : undefined;
}

/** One value for the tags that tie the instance, the deployment group and the backup selection. */
export function targetTagValue(appName: string, stack: string): string {
  return `${appName}-${stack}`;
}

/** The S3 key of an app revision: `<appName>/<version>.zip`. */
export function revisionKey(appName: string, version: string): string {
  return `${appName}/${version}.zip`;
}

/** `myapp/1.4.0.zip` → `1.4.0`; undefined for another app's key or a malformed one. */
export function versionOfRevisionKey(appName: string, key: string): string | undefined {
  const prefix = `${appName}/`;
  if (!key.startsWith(prefix) || !key.endsWith(".zip")) return undefined;
  const v = key.slice(prefix.length, -".zip".length);
  return isSemver(v) ? v : undefined;
}

export interface ParsedSemver {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

export function parseSemver(v: string): ParsedSemver | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  return { major: +m[1], minor: +m[2], patch: +m[3], pre: m[4] ? m[4].split(".") : [] };
}

/** semver precedence: negative when a < b. Both must be valid. */
export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a)!;
  const y = parseSemver(b)!;
  for (const k of ["major", "minor", "patch"] as const) {
    if (x[k] !== y[k]) return x[k] - y[k];
  }
  if (!x.pre.length || !y.pre.length) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return +p - +q;
    if (pn) return -1;
    if (qn) return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
