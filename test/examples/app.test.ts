import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { listFolder } from "../../automation/core/bundle";
import { conventionalHooks } from "../../automation/core/appspec";

const EXAMPLE = path.resolve(__dirname, "../../../examples/app");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function get(url: string): Promise<{ status: number; body: string }> {
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(url);
      return { status: r.status, body: await r.text() };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`no answer from ${url}`);
}

describe("example app (examples/app)", function () {
  this.timeout(20000);
  let proc: ChildProcess | undefined;
  afterEach(() => proc?.kill());

  async function serve(dir: string) {
    const port = await freePort();
    proc = spawn("python3", [path.join(dir, "app.py")], { env: { ...process.env, PORT: String(port) }, stdio: "ignore" });
    return `http://127.0.0.1:${port}`;
  }

  it("has the stop, start and validate hooks a generated appspec runs", () => {
    const files = new Set(listFolder(EXAMPLE, { includeNodeModules: false }).files);
    expect(conventionalHooks(files)).to.deep.equal(["ApplicationStop", "ApplicationStart", "ValidateService"]);
  });

  it("answers / with its revision and /health with 200", async () => {
    const url = await serve(EXAMPLE);
    expect(await get(`${url}/health`)).to.deep.equal({ status: 200, body: "ok\n" });
    expect((await get(`${url}/`)).body).to.equal("hello from the ec2-rollback example app, revision 1.0.0\n");
  });

  it("fails its health check when shipped with BROKEN (to try a rollback)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-example-"));
    fs.cpSync(EXAMPLE, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "BROKEN"), "");
    const url = await serve(dir);
    expect((await get(`${url}/health`)).status).to.equal(500);
  });
});
