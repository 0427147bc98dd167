import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");

describe("program: loads as `pulumi up` loads it", function () {
  this.timeout(90000);
  it("type-checks and runs index.ts through Pulumi's ts-node with the project's tsconfig", () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, "pulumiLoad.js")], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr, r.stderr).to.equal("");
    expect(r.status).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.outputs).to.include.members(["instanceId", "publicIp", "amiId", "revisionsBucket", "backupVaultName", "region"]);
  });
});
