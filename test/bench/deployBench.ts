// Deploy figures for `npm run bench`: wall time and peak memory of `ec2-rollback deploy` as users run
// it (the real CLI in its own process, a stub `pulumi` on PATH, a local fake of STS, S3 and
// CodeDeploy), for folders of 10 MiB, 200 MiB and 1 GiB of incompressible files (random bytes: the
// worst case for the zip's deflate, and what media, archives and jars are), and for one file of
// 2.25 GiB. `--no-wait`: the figures are bundling and upload, not CodeDeploy. Peak memory is the CLI
// process's maxrss (test/bench/maxRss.ts).
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yauzl from "yauzl";
import { installStubPulumi, stubState } from "../helpers/pulumiStub";
import { FakeDeployAws, startFakeDeployAws } from "./fakeDeployAws";

const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "bin/ec2-rollback.js");
const PRELOAD = path.join(__dirname, "maxRss.js");
const MiB = 1024 ** 2;
const FILE_SIZE = 8 * MiB;

/** A folder of `bytes` in files of 8 MiB of random bytes, and an index.html. */
function makeFolder(bytes: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-bench-app-"));
  fs.writeFileSync(path.join(dir, "index.html"), "<h1>bench</h1>\n");
  fs.mkdirSync(path.join(dir, "data"));
  const chunk = Buffer.alloc(FILE_SIZE);
  for (let n = 0, left = bytes; left > 0; n++, left -= FILE_SIZE) {
    const size = Math.min(FILE_SIZE, left);
    crypto.randomFillSync(chunk, 0, size);
    fs.writeFileSync(path.join(dir, "data", `blob-${String(n).padStart(4, "0")}.bin`), chunk.subarray(0, size));
  }
  return dir;
}

interface Run {
  ms: number;
  maxRssKiB: number;
  calls: string[];
}

function deployOnce(dir: string, version: string, projectDir: string, aws: FakeDeployAws): Promise<Run> {
  const rssFile = path.join(os.tmpdir(), `ec2rb-bench-rss-${process.pid}-${version}`);
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: "file:///tmp/ec2rb-bench-state",
    AWS_ENDPOINT_URL: aws.url,
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_PROFILE: "",
    AWS_EC2_METADATA_DISABLED: "true",
    EC2RB_MAXRSS_FILE: rssFile,
  };
  const args = ["-r", PRELOAD, BIN, "deploy", dir, "--version", version, "--yes", "--no-wait", "-C", projectDir];
  aws.calls.length = 0;
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      try {
        if (code !== 0) throw new Error(`deploy ${version} exited ${code}: ${stderr.trim()}`);
        resolve({ ms, maxRssKiB: Number(fs.readFileSync(rssFile, "utf8")), calls: [...aws.calls] });
      } catch (e) {
        reject(e);
      } finally {
        fs.rmSync(rssFile, { force: true });
      }
    });
  });
}

/**
 * A folder with one 2.25 GiB file (sparse: zeros that cost no disk), through the same CLI: past the 2 GiB
 * a Buffer or a signed 32-bit size holds. Zeros compress to almost nothing, so the zip goes up in one
 * PutObject, and the fake keeps it to read back the entry's size. Not a unit test: zipping it takes
 * about 20 s on two cores (yazl's CRC-32 is plain JavaScript, ~4 s a GiB; deflating zeros ~2 s a GiB).
 */
async function oneLargeFile(projectDir: string, aws: FakeDeployAws): Promise<string> {
  const size = 2.25 * 1024 * MiB;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-bench-app-"));
  try {
    fs.writeFileSync(path.join(dir, "index.html"), "<h1>bench</h1>\n");
    const fd = fs.openSync(path.join(dir, "big.bin"), "w");
    fs.ftruncateSync(fd, size);
    fs.closeSync(fd);
    aws.lastPutBody = undefined;
    const r = await deployOnce(dir, "1.0.9", projectDir, aws);
    const zip = aws.lastPutBody as Buffer | undefined; // set by the fake while the CLI ran
    const entry = zip ? (await entrySizes(zip)).get("big.bin") : undefined;
    if (entry !== size) throw new Error(`the 2.25 GiB file came back as ${entry} bytes`);
    return `  2.25 GiB (one sparse file) ${secs(r.ms).padStart(7)}   peak RSS ${mib(r.maxRssKiB).padStart(8)}   one PutObject of ${(zip!.length / MiB).toFixed(1)} MiB; its entry reads back as ${entry} bytes`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Each entry's uncompressed size, from the zip's central directory. */
function entrySizes(zip: Buffer): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      const out = new Map<string, number>();
      z.on("entry", (e: yauzl.Entry) => {
        out.set(e.fileName, e.uncompressedSize);
        z.readEntry();
      });
      z.on("end", () => resolve(out));
      z.on("error", reject);
      z.readEntry();
    });
  });
}

const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Printable lines: per folder size, the deploy's wall time, peak memory and how it was uploaded. */
export async function deployFigures(): Promise<string[]> {
  const sizes: [string, number][] = [
    ["10 MiB", 10 * MiB],
    ["200 MiB", 200 * MiB],
    ["1 GiB", 1024 * MiB],
  ];
  const state = stubState();
  state.outputs = { ...state.outputs, revisionsBucket: "myapp-revisions-bench", applicationName: "myapp-dev", deploymentGroupName: "myapp-dev" };
  const stub = installStubPulumi(state);
  const aws = await startFakeDeployAws();
  const lines = ["deploy (real CLI, --no-wait; local fake S3/CodeDeploy; folders of incompressible 8 MiB files):"];
  try {
    for (const [i, [label, bytes]] of sizes.entries()) {
      const dir = makeFolder(bytes);
      try {
        const r = await deployOnce(dir, `1.0.${i}`, stub.projectDir, aws);
        const parts = r.calls.filter((c) => c === "UploadPart").length;
        const how = parts ? `multipart, ${parts} parts` : r.calls.includes("PutObject") ? "one PutObject" : "no upload?";
        lines.push(`  ${label.padEnd(8)} ${secs(r.ms).padStart(7)}   peak RSS ${mib(r.maxRssKiB).padStart(8)}   ${how}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    lines.push(await oneLargeFile(stub.projectDir, aws));
  } finally {
    stub.restorePath();
    await aws.close();
    fs.rmSync(path.dirname(stub.binDir), { recursive: true, force: true });
  }
  lines.push(
    "  before (in-memory bundle, measured the same way at 3431220 on a 2-core machine): 10 MiB 2.7 s / 208 MiB, 200 MiB 8.2 s / 1115 MiB, " +
      '1 GiB 38.5 s / 4434 MiB (≈ 200 MiB + 4.5 × the folder, issue 12); a file of 1 GiB or more failed ("buffer too large")',
  );
  return lines;
}
