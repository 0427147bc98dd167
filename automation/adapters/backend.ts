// Which Pulumi state backend to use: the user's own if they chose one, else a file backend in the project.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const LOCAL_STATE_DIR = ".pulumi-state";

/**
 * Environment for the Pulumi CLI. `PULUMI_BACKEND_URL` set, or logged in (`pulumi login` wrote a
 * current backend to credentials.json): used as is. Otherwise `file://<project>/.pulumi-state`,
 * so no account is needed.
 */
export function backendEnv(projectDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.PULUMI_BACKEND_URL) return {};
  const home = env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
  try {
    const creds = JSON.parse(fs.readFileSync(path.join(home, "credentials.json"), "utf8"));
    if (typeof creds.current === "string" && creds.current) return {};
  } catch {
    // not logged in
  }
  const dir = path.join(projectDir, LOCAL_STATE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  return { PULUMI_BACKEND_URL: `file://${dir}` };
}
