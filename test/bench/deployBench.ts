// Deploy figures for `npm run bench`: wall time and peak memory of `ec2-rollback deploy` as users run
// it (the real CLI in its own process, a stub `pulumi` on PATH, a local fake of STS, S3 and
// CodeDeploy), for folders of 10 MiB, 200 MiB and 1 GiB of incompressible files (random bytes: the
// worst case for the zip's deflate, and what media, archives and jars are). `--no-wait`: the figures
// are bundling and upload, not CodeDeploy. Peak memory is the CLI process's maxrss (test/bench/maxRss.ts).
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
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
  } finally {
    stub.restorePath();
    await aws.close();
    fs.rmSync(path.dirname(stub.binDir), { recursive: true, force: true });
  }
  lines.push("  before (issue 12): peak ≈ 200 MiB + 4.5 × the folder (≈ 1.1 GiB at 200 MiB, ≈ 4.8 GiB at 1 GiB); a file of 1 GiB or more failed (\"buffer too large\")");
  return lines;
}
