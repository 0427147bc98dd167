import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
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

  it("after `npm ci --omit=dev` too: the TypeScript Pulumi loads is the project's own (a dependency), never its bundled 3.8", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.dependencies.typescript, "installed by `npm ci --omit=dev`").to.match(/^~5\.9/);
    expect(pkg.devDependencies?.typescript).to.equal(undefined);
    // What Pulumi's loader picks: `typescript` resolved from the project, and it is that version.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { typescriptRequire } = require("@pulumi/pulumi/tsutils").typeScriptRequireStrings();
    expect(require.resolve(typescriptRequire, { paths: [ROOT] })).to.equal(require.resolve("typescript", { paths: [ROOT] }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require(require.resolve("typescript", { paths: [ROOT] })).version).to.match(/^5\.9\./);
  });
});
