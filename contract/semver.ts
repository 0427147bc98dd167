// Versions of machines and app revisions. Validation is stricter than semver's own: no build metadata,
// because '+' is not allowed in AMI names. Ordering is the `semver` package's (its two functions only:
// the whole package costs every command start-up about 14 ms).
import compare from "semver/functions/compare";
import inc from "semver/functions/inc";

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

export function isSemver(v: string): boolean {
  return SEMVER.test(v);
}

/** semver precedence: negative when a < b. Both must be valid. */
export function compareSemver(a: string, b: string): number {
  return compare(a, b);
}

/** `1.2.3` → `1.2.4` (a pre-release drops its tag: `1.3.0-rc.1` → `1.3.0`). */
export function nextPatch(v: string): string {
  return inc(v, "patch") ?? v;
}
