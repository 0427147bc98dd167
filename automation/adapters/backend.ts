// Which Pulumi state backend to use: the one the Pulumi CLI itself would use, else a file backend in
// the project (design.md "Backend choice"): PULUMI_BACKEND_URL, then Pulumi.yaml's `backend.url`, then
// the current login (pkg/workspace/creds.go GetCurrentCloudURL), then PULUMI_ACCESS_TOKEN (which means
// Pulumi Cloud, as `pulumi` does with no login, e.g. in CI); the project-local file backend only when
// none of these applies.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const LOCAL_STATE_DIR = ".pulumi-state";

export type BackendSource = "PULUMI_BACKEND_URL" | "Pulumi.yaml" | "login" | "PULUMI_ACCESS_TOKEN" | "project file backend";

/** The environment for the Pulumi CLI, and why that backend. */
export function chooseBackend(
  projectDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { env: Record<string, string>; source: BackendSource; /** For people: where, and why. */ description: string } {
  if (env.PULUMI_BACKEND_URL) return { env: {}, source: "PULUMI_BACKEND_URL", description: `${env.PULUMI_BACKEND_URL} (PULUMI_BACKEND_URL)` };
  const projectUrl = projectBackendUrl(projectDir);
  if (projectUrl) return { env: {}, source: "Pulumi.yaml", description: `${projectUrl} (Pulumi.yaml backend.url)` };
  const home = env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
  try {
    const creds = JSON.parse(fs.readFileSync(path.join(home, "credentials.json"), "utf8"));
    if (typeof creds.current === "string" && creds.current) return { env: {}, source: "login", description: `${creds.current} (pulumi login)` };
  } catch {
    // not logged in
  }
  if (env.PULUMI_ACCESS_TOKEN) return { env: {}, source: "PULUMI_ACCESS_TOKEN", description: "Pulumi Cloud (PULUMI_ACCESS_TOKEN, no login)" };
  const dir = path.join(projectDir, LOCAL_STATE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  return { env: { PULUMI_BACKEND_URL: `file://${dir}` }, source: "project file backend", description: `file://${dir} (no backend chosen: the project's own)` };
}

/** The project's Pulumi.yaml (or .yml, .json) in `projectDir`, if there is one. */
export function projectFile(projectDir: string): string | undefined {
  // The names Pulumi accepts (its encoding.Exts): JSON is YAML too.
  return ["Pulumi.yaml", "Pulumi.yml", "Pulumi.json"].map((f) => path.join(projectDir, f)).find((f) => fs.existsSync(f));
}

/** The nearest folder from `start` upwards that holds a Pulumi.yaml (or .yml, .json), as Pulumi searches. */
export function findProjectDir(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (projectFile(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `backend.url` of the project's Pulumi.yaml, if it names one. */
function projectBackendUrl(projectDir: string): string | undefined {
  const file = projectFile(projectDir);
  if (!file) return undefined;
  const text = fs.readFileSync(file, "utf8");
  // Most projects name no backend: the YAML parser (about 20 ms to load) is needed only when one might.
  if (!/\bbackend["']?\s*:/.test(text)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse } = require("yaml") as typeof import("yaml");
    const url = (parse(text) as { backend?: { url?: unknown } } | null)?.backend?.url;
    return typeof url === "string" && url ? url : undefined;
  } catch {
    // not YAML: Pulumi itself will say so
    return undefined;
  }
}

/** The environment for the Pulumi CLI (see chooseBackend). */
export function backendEnv(projectDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return chooseBackend(projectDir, env).env;
}
