import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
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

  it("after `npm ci --omit=dev` too: prepare and Pulumi's loader need nothing a production install leaves out", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
    const runtime = new Set(Object.keys(pkg.dependencies));
    // The TypeScript Pulumi loads is the project's own (not its bundled 3.8), installed with the app.
    expect(runtime.has("typescript")).to.equal(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { typescriptRequire } = require("@pulumi/pulumi/tsutils").typeScriptRequireStrings();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require(require.resolve(typescriptRequire, { paths: [ROOT] })).version).to.match(/^5\.9\./);
    // `prepare` (npm runs it on --omit=dev too) and the loader compile the production sources only.
    expect(pkg.scripts.prepare).to.equal("tsc -p tsconfig.json");
    expect(tsconfig.include.some((g: string) => g.startsWith("test"))).to.equal(false);
    for (const t of tsconfig.compilerOptions.types) expect(runtime.has(`@types/${t}`), `@types/${t}`).to.equal(true);
    // Every package the production sources import is a runtime dependency, with its types at hand.
    const sources = ["index.ts", ...["contract", "components", "automation"].flatMap((d) => walk(path.join(ROOT, d)))];
    const imported = new Set<string>();
    for (const f of sources) {
      for (const m of fs.readFileSync(path.isAbsolute(f) ? f : path.join(ROOT, f), "utf8").matchAll(/from "([^".][^"]*)"/g)) {
        const name = m[1].startsWith("@") ? m[1].split("/").slice(0, 2).join("/") : m[1].split("/")[0];
        if (!builtinModules.includes(name)) imported.add(name);
      }
    }
    expect(imported.size).to.be.above(5);
    for (const name of imported) {
      expect(runtime.has(name), `${name} is a runtime dependency`).to.equal(true);
      const own = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8"));
      const typed = !!(own.types || own.typings || own.exports?.["."]?.types || own.exports?.["."]?.require?.types || fs.existsSync(path.join(ROOT, "node_modules", name, "index.d.ts")));
      expect(typed || runtime.has(`@types/${name.replace(/^@(.*)\//, "$1__")}`), `${name} has types in a production install`).to.equal(true);
    }
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}
