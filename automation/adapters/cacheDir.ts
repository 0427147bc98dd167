// Where ec2-rollback keeps what it learns once and reuses (the Pulumi CLI's version, compiled code):
// the user's cache folder, as the XDG convention names it.
import * as os from "os";
import * as path from "path";

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "ec2-rollback");
}
