import { expect } from "chai";
import * as crypto from "crypto";
import { unzip } from "../../helpers/zip";
import { failure } from "../../helpers/failure";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateAppspec, validateAppspec } from "../../../automation/core/appspec";
import { buildBundle, listFolder } from "../../../automation/core/bundle";

const SCRIPTS = new Set(["app.py", "scripts/start.sh", "scripts/stop.sh", "scripts/validate.sh"]);

describe("appspec.yml validation", function () {
  const ok = `version: 0.0
os: linux
files:
  - source: /
    destination: /opt/myapp/current
hooks:
  ApplicationStart:
    - location: scripts/start.sh
      timeout: 300
      runas: root
`;
  it("accepts a correct appspec", () => {
    expect(validateAppspec(ok, SCRIPTS)).to.deep.equal([]);
  });

  const cases: [string, string, string[]][] = [
    ["wrong version", ok.replace("version: 0.0", "version: 1.0"), ["line 1: version must be 0.0"]],
    ["version written as 0", ok.replace("version: 0.0", "version: 0"), ["line 1: version must be 0.0"]],
    ["windows", ok.replace("os: linux", "os: windows"), ['line 2: os must be linux (this instance runs Linux), not "windows"']],
    ["no os", ok.replace("os: linux\n", ""), ['line 1: missing "os: linux"']],
    ["relative destination", ok.replace("destination: /opt/myapp/current", "destination: opt/app"), ['line 5: files[0]: destination "opt/app" must be an absolute path']],
    ["no source", ok.replace("  - source: /\n    destination", "  - destination"), ["line 4: files[0]: source is missing"]],
    ["unknown hook", ok.replace("ApplicationStart:", "AfterStart:"), ['line 7: unknown hook "AfterStart" (known: ApplicationStop, BeforeInstall, AfterInstall, ApplicationStart, ValidateService)']],
    ["timeout too long", ok.replace("timeout: 300", "timeout: 3601"), ["line 9: ApplicationStart[0]: timeout 3601 must be whole seconds from 1 to 3600"]],
    ["timeout not a number", ok.replace("timeout: 300", "timeout: five"), ['line 9: ApplicationStart[0]: timeout "five" must be whole seconds from 1 to 3600']],
    ["missing location", ok.replace("    - location: scripts/start.sh\n      timeout", "    - timeout"), ["line 8: ApplicationStart[0]: location is missing"]],
    ["script not in folder", ok.replace("scripts/start.sh", "scripts/run.sh"), ["line 8: ApplicationStart[0]: script scripts/run.sh is not in the folder"]],
    ["unknown hook key", ok.replace("runas: root", "run_as: root"), ['line 10: ApplicationStart[0]: unknown key "run_as" (known: location, timeout, runas)']],
    ["bad file_exists_behavior", ok + "file_exists_behavior: REPLACE\n", ["line 11: file_exists_behavior must be DISALLOW, OVERWRITE or RETAIN"]],
    ["unknown top-level key", "resources: []\n" + ok, ['line 1: unknown key "resources" (known: version, os, files, permissions, hooks, file_exists_behavior)']],
    ["several problems", ok.replace("os: linux", "os: windows").replace("timeout: 300", "timeout: 0"), [
      'line 2: os must be linux (this instance runs Linux), not "windows"',
      "line 9: ApplicationStart[0]: timeout 0 must be whole seconds from 1 to 3600",
    ]],
    ["not YAML", "version: 0.0\nos: [linux\n", ["line 3: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"]],
    ["not a mapping", "- a\n- b\n", ["line 1: appspec.yml must be a mapping with version, os, files and hooks"]],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => {
      expect(validateAppspec(text, SCRIPTS).map((p) => `line ${p.line}: ${p.message}`)).to.deep.equal(expected);
    });
  }

  it("generates a valid appspec with hooks for the conventional scripts present", () => {
    const text = generateAppspec(SCRIPTS, "/opt/myapp/current");
    expect(validateAppspec(text, SCRIPTS)).to.deep.equal([]);
    expect(text).to.match(/^version: 0\.0$/m);
    expect(text).to.include("destination: /opt/myapp/current");
    expect(text).to.include("ApplicationStop:\n    - location: scripts/stop.sh");
    expect(text).to.include("ValidateService:\n    - location: scripts/validate.sh\n      timeout: 300");
    expect(text).not.to.include("BeforeInstall");
    expect(text).not.to.include("file_exists_behavior"); // it would override --file-exists
  });

  it("generates no hooks and no permissions for a folder without scripts", () => {
    const text = generateAppspec(new Set(["index.html"]), "/srv/site");
    expect(text).not.to.include("hooks");
    expect(text).not.to.include("permissions");
    expect(validateAppspec(text, new Set(["index.html"]))).to.deep.equal([]);
  });
});

describe("appspec files: sources as strict as hook locations", function () {
  const spec = (source: string) => `version: 0.0\nos: linux\nfiles:\n  - source: ${source}\n    destination: /opt/myapp/current\n`;
  it("refuses a source with .. or an absolute path (other than / for the whole revision), and one not in the folder", () => {
    const files = new Set(["app/index.html", "run.sh"]);
    expect(validateAppspec(spec("/"), files)).to.deep.equal([]);
    expect(validateAppspec(spec("app"), files)).to.deep.equal([]);
    expect(validateAppspec(spec("run.sh"), files)).to.deep.equal([]);
    expect(validateAppspec(spec("../secrets"), files)[0].message).to.equal('files[0]: source "../secrets" must be "/" or a relative path inside the bundle (no "..", not absolute)');
    expect(validateAppspec(spec("app/../../x"), files)[0].message).to.match(/must be "\/" or a relative path inside the bundle/);
    expect(validateAppspec(spec("/etc"), files)[0].message).to.match(/^files\[0\]: source "\/etc" must be/);
    expect(validateAppspec(spec("missing"), files)[0].message).to.equal("files[0]: source missing is not in the folder");
  });
});

describe("revision bundle", function () {
  function folder(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-app-"));
    for (const [f, body, mode] of [
      ["app.py", "print('hi')\n", 0o644],
      ["scripts/start.sh", "#!/bin/bash\n", 0o644],
      ["static/b.css", "b{}", 0o644],
      ["static/a.css", "a{}", 0o644],
      ["bin/tool", "#!/bin/sh\n", 0o755],
      [".git/HEAD", "ref: main", 0o644],
      ["node_modules/x/index.js", "module.exports=1", 0o644],
      ["notes.txt~", "backup", 0o644],
    ] as const) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), body, { mode });
    }
    return dir;
  }

  it("holds the files and the appspec, scripts executable, and leaves out .git, node_modules and backups", async () => {
    const dir = folder();
    const listing = listFolder(dir, { includeNodeModules: false });
    expect(listing.skipped).to.deep.equal([".git", "node_modules (pass --include-node-modules to ship it)", "notes.txt~"]);
    const b = await buildBundle(dir, listing, generateAppspec(new Set(listing.files), "/opt/myapp/current"));
    const entries = await unzip(fs.readFileSync(b.path));
    await b.remove();
    expect([...entries.keys()]).to.deep.equal(["app.py", "appspec.yml", "bin/tool", "scripts/start.sh", "static/a.css", "static/b.css"]);
    expect(b.fileCount).to.equal(6);
    expect(entries.get("appspec.yml")!.data).to.include("ApplicationStart:\n    - location: scripts/start.sh");
    expect(entries.get("app.py")!.data).to.equal("print('hi')\n");
    expect(entries.get("scripts/start.sh")!.mode).to.equal(0o755);
    expect(entries.get("bin/tool")!.mode).to.equal(0o755);
    expect(entries.get("app.py")!.mode).to.equal(0o644);
  });

  it("is byte-identical for the same files, whenever and wherever they were written", async () => {
    const a = folder();
    const b = folder();
    fs.utimesSync(path.join(b, "app.py"), new Date("2030-01-01"), new Date("2030-01-01"));
    const spec = "version: 0.0\nos: linux\n";
    const za = await buildBundle(a, listFolder(a, { includeNodeModules: false }), spec);
    const zb = await buildBundle(b, listFolder(b, { includeNodeModules: false }), spec);
    const bytes = fs.readFileSync(za.path);
    expect(bytes.equals(fs.readFileSync(zb.path))).to.equal(true);
    expect(za.sha256Hex).to.equal(zb.sha256Hex);
    // The hash taken while the zip was written is the file's, and so is the size.
    expect(za.sha256Hex).to.equal(crypto.createHash("sha256").update(bytes).digest("hex"));
    expect(za.sha256Base64).to.equal(crypto.createHash("sha256").update(bytes).digest("base64"));
    expect(za.size).to.equal(bytes.length);
    fs.writeFileSync(path.join(b, "app.py"), "print('changed')\n");
    const zc = await buildBundle(b, listFolder(b, { includeNodeModules: false }), spec);
    expect(zc.sha256Hex).to.not.equal(za.sha256Hex);
    await Promise.all([za.remove(), zb.remove(), zc.remove()]);
  });

  it("is written to a private temporary file (0600 in a 0700 folder) that remove() deletes", async () => {
    const dir = folder();
    const b = await buildBundle(dir, listFolder(dir, { includeNodeModules: false }), "version: 0.0\nos: linux\n");
    expect(fs.statSync(b.path).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(path.dirname(b.path)).mode & 0o777).to.equal(0o700);
    expect(fs.readdirSync(path.dirname(b.path))).to.deep.equal([path.basename(b.path)]);
    await b.remove();
    expect(fs.existsSync(path.dirname(b.path))).to.equal(false);
    await b.remove(); // again: nothing to do, no error
  });

  it("streams each file from disk: a file many read buffers long comes back byte for byte, and the given appspec replaces the folder's", async () => {
    const dir = folder();
    const big = crypto.randomBytes(3 * 1024 * 1024 + 17);
    fs.writeFileSync(path.join(dir, "static/big.bin"), big);
    fs.writeFileSync(path.join(dir, "appspec.yml"), "the folder's own\n");
    const listing = listFolder(dir, { includeNodeModules: false });
    const b = await buildBundle(dir, listing, "version: 0.0\nos: linux\n");
    const entries = await unzip(fs.readFileSync(b.path));
    await b.remove();
    expect(entries.get("static/big.bin")!.bytes.equals(big)).to.equal(true);
    expect(entries.get("appspec.yml")!.data).to.equal("version: 0.0\nos: linux\n");
    expect(b.fileCount).to.equal(7);
    expect([...entries.keys()].filter((n) => n === "appspec.yml")).to.have.length(1);
  });

  it("a file that vanishes before it is zipped: one line saying nothing was uploaded, and no temporary file left", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-tmpdir-"));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // os.tmpdir() reads it on each call
    try {
      const dir = folder();
      const listing = listFolder(dir, { includeNodeModules: false });
      fs.rmSync(path.join(dir, "static/a.css"));
      const e = await failure(buildBundle(dir, listing, "version: 0.0\nos: linux\n"), "BUNDLE_FAILED");
      expect(e.message).to.equal("could not read static/a.css while bundling (ENOENT); nothing was uploaded: check the file and deploy again");
      expect(fs.readdirSync(tmp).filter((n) => n.startsWith("ec2rb-bundle-"))).to.deep.equal([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it("nowhere to write the bundle: one line naming the temporary folder and the fix", async () => {
    const dir = folder();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = path.join(dir, "no-such-folder");
    try {
      const e = await failure(buildBundle(dir, listFolder(dir, { includeNodeModules: false }), "version: 0.0\nos: linux\n"), "BUNDLE_FAILED");
      expect(e.message).to.match(/^could not write the bundle to .*no-such-folder\/ec2rb-bundle-\w+ \(ENOENT\); nothing was uploaded: make room in .*no-such-folder \(or point TMPDIR elsewhere\) and deploy again$/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it("ships node_modules when asked", async () => {
    const dir = folder();
    const listing = listFolder(dir, { includeNodeModules: true });
    expect(listing.files).to.include("node_modules/x/index.js");
  });
});
