import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mockClient } from "aws-sdk-client-mock";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  RegisterApplicationRevisionCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { CodeDeployService } from "../../../automation/adapters/codeDeploy";
import { S3Revisions } from "../../../automation/adapters/s3Revisions";
import { appRollback, DeployFailedError, deployFolder, FILE_EXISTS, listRevisions } from "../../../automation/core/appDeploy";
import { OPERATION_TAG } from "../../../contract/naming";
import { encodeRecord } from "../../../automation/core/operation";
import { FakeUi, world } from "../../helpers/fakes";
import { unzip } from "../../helpers/zip";
import { failure } from "../../helpers/failure";

const BUCKET = "myapp-revisions-4f1e2d";
const EXAMPLE = path.resolve(__dirname, "../../../../examples/app");
const notFound = () => Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
const s3loc = (version: string) => ({ revisionType: "S3" as const, s3Location: { bucket: BUCKET, key: `myapp/${version}.zip`, bundleType: "zip" as const } });

describe("app revisions through CodeDeploy", function () {
  const s3 = mockClient(S3Client);
  const cd = mockClient(CodeDeployClient);
  const deps = (ui = new FakeUi()) => {
    const w = world();
    return { ...w, ui, caller: w.cloud, store: new S3Revisions(new S3Client({ region: "eu-west-1" })), deploy: new CodeDeployService(new CodeDeployClient({ region: "eu-west-1" })) };
  };
  const wait = { wait: true, timeoutMs: 60 * 60_000, pollMs: 5000 };
  const deployOpts = { dir: EXAMPLE, version: "1.1.0", fileExists: FILE_EXISTS.fail, includeNodeModules: false, yes: true, ...wait };
  const noUploadNoDeploy = () => {
    expect(s3.commandCalls(PutObjectCommand), "nothing uploaded").to.have.length(0);
    expect(cd.commandCalls(CreateDeploymentCommand), "nothing deployed").to.have.length(0);
  };

  beforeEach(() => {
    s3.reset();
    cd.reset();
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({ ETag: '"etag-110"', VersionId: "v-110" });
    cd.on(RegisterApplicationRevisionCommand).resolves({});
    cd.on(CreateDeploymentCommand).resolves({ deploymentId: "d-110" });
    cd.on(ListDeploymentTargetsCommand).resolves({ targetIds: ["i-0000000000000123a"] });
    cd.on(GetDeploymentTargetCommand).resolves({
      deploymentTarget: {
        instanceTarget: {
          lifecycleEvents: [
            { lifecycleEventName: "BeforeInstall", status: "Succeeded" },
            { lifecycleEventName: "ApplicationStart", status: "Succeeded" },
            { lifecycleEventName: "ValidateService", status: "Succeeded" },
          ],
        },
      },
    });
    cd.on(GetDeploymentCommand, { deploymentId: "d-110" })
      .resolvesOnce({ deploymentInfo: { deploymentId: "d-110", status: "InProgress" } })
      .resolves({ deploymentInfo: { deploymentId: "d-110", status: "Succeeded", revision: s3loc("1.1.0") } });
    cd.on(ListDeploymentsCommand).resolves({ deployments: [] });
  });

  describe("deploy", function () {
    it("uploads <appName>/<version>.zip once with its sha256, registers it, deploys and follows it", async () => {
      const d = deps();
      const r = await deployFolder(d, deployOpts);

      const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
      expect(put).to.deep.include({ Bucket: BUCKET, Key: "myapp/1.1.0.zip", ContentType: "application/zip", IfNoneMatch: "*" });
      const body = put.Body as Buffer;
      expect(put.ChecksumSHA256).to.equal(crypto.createHash("sha256").update(body).digest("base64"));
      expect(put.Metadata).to.deep.include({ version: "1.1.0", sha256: r.sha256, "uploaded-by": "arn:aws:iam::111122223333:user/alice" });

      const reg = cd.commandCalls(RegisterApplicationRevisionCommand)[0].args[0].input;
      expect(reg.applicationName).to.equal("myapp-dev");
      expect(reg.revision).to.deep.equal({
        revisionType: "S3",
        s3Location: { bucket: BUCKET, key: "myapp/1.1.0.zip", bundleType: "zip", eTag: '"etag-110"', version: "v-110" },
      });
      expect(reg.description).to.match(/^myapp 1\.1\.0, uploaded 2026-11-24T10:00:00\.000Z by arn:aws:iam::111122223333:user\/alice$/);

      const create = cd.commandCalls(CreateDeploymentCommand)[0].args[0].input;
      expect(create).to.deep.include({ applicationName: "myapp-dev", deploymentGroupName: "myapp-dev", fileExistsBehavior: "DISALLOW" });
      expect(create.revision).to.deep.equal(reg.revision);
      expect(r).to.deep.include({ deploymentId: "d-110", status: "Succeeded", live: "1.1.0", key: "myapp/1.1.0.zip", generatedAppspec: true, fileCount: 6 });
      expect(d.ui.lines).to.include("ok   ValidateService: Succeeded");
      expect(d.ui.lines).to.include("progress deployment d-110: InProgress (0s)");
      expect(d.ui.lines.some((l) => /^ok bundled 6 files, [\d.]+ KiB, sha256 [0-9a-f]{12}…$/.test(l))).to.equal(true);
    });

    it("maps --file-exists fail/overwrite/retain to DISALLOW/OVERWRITE/RETAIN", async () => {
      for (const [flag, api] of [["fail", "DISALLOW"], ["overwrite", "OVERWRITE"], ["retain", "RETAIN"]]) {
        cd.resetHistory();
        await deployFolder(deps(), { ...deployOpts, fileExists: FILE_EXISTS[flag] });
        expect(cd.commandCalls(CreateDeploymentCommand)[0].args[0].input.fileExistsBehavior, flag).to.equal(api);
      }
    });

    it("with --no-wait, prints the deployment and does not follow it", async () => {
      const r = await deployFolder(deps(), { ...deployOpts, wait: false });
      expect(r).to.deep.include({ deploymentId: "d-110", status: "Created" });
      expect(cd.commandCalls(GetDeploymentCommand)).to.have.length(0);
    });

    it("takes no record (a machine change is kept out by its own record and CodeDeploy's one deployment at a time), and refuses while one is on", async () => {
      const d = deps();
      await deployFolder(d, { ...deployOpts, wait: false });
      expect(d.stack.calls.filter((c) => c.includes(OPERATION_TAG)), "no record written or removed").to.deep.equal([]);

      const busy = deps();
      busy.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "flip", host: "h", pid: 1, startedAt: "2026-11-24T09:59:00Z" });
      s3.resetHistory();
      cd.resetHistory();
      const e = await failure(deployFolder(busy, { ...deployOpts, version: "1.1.1" }), "OPERATION_IN_PROGRESS");
      expect(e.message).to.include("unfinished operation: rollback myapp-v1.2.3 -> myapp-v1.2.2");
      expect(busy.ui.lines.some((l) => l.startsWith("ok bundled")), "refused before bundling").to.equal(false);
      noUploadNoDeploy();
    });

    it("a machine change begun while the question waited: refused after the answer, nothing uploaded", async () => {
      const ui = new FakeUi(true, true);
      const d = deps(ui);
      d.stack.snapshot(); // the tags as read at start-up, as the Pulumi adapter keeps them
      ui.confirm = async () => {
        d.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "release", from: "myapp-v1.2.3", to: "myapp-v1.2.4", phase: "standby", host: "h", pid: 1, startedAt: "2026-11-24T10:00:00Z" });
        return true;
      };
      await failure(deployFolder(d, { ...deployOpts, yes: false }), "OPERATION_IN_PROGRESS");
      noUploadNoDeploy();
    });

    const rollbackRecord = () => encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "standby", host: "ops", pid: 7, startedAt: "2026-11-24T10:00:02Z" });

    it("a machine change whose record went on during a long upload: the tags are read again before creating, and nothing is deployed", async () => {
      const d = deps();
      d.stack.snapshot(); // the tags as read at start-up
      s3.on(PutObjectCommand).callsFake(async () => {
        // The upload takes 5 s; meanwhile an operator's rollback puts its record on (and finds no deployment).
        d.clock.t += 5000;
        d.stack.tags_[OPERATION_TAG] = rollbackRecord();
        return { ETag: '"etag-110"', VersionId: "v-110" };
      });
      const e = await failure(deployFolder(d, deployOpts), "OPERATION_IN_PROGRESS");
      expect(e.message).to.equal(
        'an operation began on stack "dev" meanwhile (rollback myapp-v1.2.3 -> myapp-v1.2.2 started 2026-11-24T10:00:02Z on ops (pid 7), phase standby); ' +
          "1.1.0 is uploaded but not deployed: once it has ended, deploy it with `ec2-rollback app-rollback 1.1.0`",
      );
      expect(cd.commandCalls(CreateDeploymentCommand), "nothing created").to.have.length(0);
    });

    it("CreateDeployment answering over a second after the tags were read, a machine change begun meanwhile: the deployment is stopped and rolled back, and it says so", async () => {
      const d = deps();
      cd.on(StopDeploymentCommand).resolves({});
      cd.on(CreateDeploymentCommand).callsFake(async () => {
        d.clock.t += 3000; // a slow answer; meanwhile the change's record goes on, and it asks CodeDeploy before this deployment exists
        d.stack.tags_[OPERATION_TAG] = rollbackRecord();
        return { deploymentId: "d-110" };
      });
      const e = await failure(deployFolder(d, { ...deployOpts, wait: false }), "OPERATION_IN_PROGRESS");
      expect(e.message).to.equal(
        "deployment d-110 was created after rollback myapp-v1.2.3 -> myapp-v1.2.2 started 2026-11-24T10:00:02Z on ops (pid 7), phase standby had begun, unseen by it: " +
          "a stop was asked for: CodeDeploy rolls back what it had changed with a deployment of its own (`ec2-rollback status` shows it), so 1.1.0 is not live; " +
          "once both have ended, deploy it with `ec2-rollback app-rollback 1.1.0` (the upload is kept)",
      );
      expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).to.deep.equal([{ deploymentId: "d-110", autoRollbackEnabled: true }]);

      // A record of a change that moves no machine (prune) stops nothing.
      cd.resetHistory();
      cd.on(CreateDeploymentCommand).callsFake(async () => {
        p.clock.t += 3000;
        p.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "prune", from: "3 checkpoints", to: "removed", phase: "prune", host: "ops", pid: 7, startedAt: "2026-11-24T10:00:02Z" });
        return { deploymentId: "d-111" };
      });
      const p = deps();
      expect((await deployFolder(p, { ...deployOpts, version: "1.1.1", wait: false })).deploymentId).to.equal("d-111");
      expect(cd.commandCalls(StopDeploymentCommand)).to.have.length(0);
    });

    it("the tags judged by were asked for over a second before creating (read at start-up, then a slow bundle): read again first", async () => {
      const d = deps();
      d.stack.snapshot();
      d.clock.t += 1500; // between the read at start-up and the deploy's checks
      await deployFolder(d, { ...deployOpts, wait: false });
      expect(d.stack.calls.filter((c) => c === "refresh tags"), "read again before creating").to.have.length(1);

      // Within a second: judged by the read at start-up alone (no machine change could have missed this deployment).
      const quick = deps();
      quick.stack.snapshot();
      await deployFolder(quick, { ...deployOpts, version: "1.1.1", wait: false });
      expect(quick.stack.calls.filter((c) => c === "refresh tags")).to.have.length(0);
      expect(cd.commandCalls(StopDeploymentCommand)).to.have.length(0);
    });

    it("CodeDeploy refusing a second deployment at once: says which runs, that the upload is kept, and how to deploy it", async () => {
      const limit = Object.assign(new Error("The Deployment Group 'myapp-dev' already has an active Deployment 'd-OTHER'"), {
        name: "DeploymentLimitExceededException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
      cd.on(CreateDeploymentCommand).rejects(limit);
      cd.on(ListDeploymentsCommand).resolves({ deployments: ["d-OTHER"] });
      cd.on(BatchGetDeploymentsCommand).resolves({ deploymentsInfo: [{ deploymentId: "d-OTHER", status: "InProgress", createTime: new Date() }] });
      const e = await failure(deployFolder(deps(), deployOpts), "DEPLOYMENT_IN_PROGRESS");
      expect(e.message).to.equal(
        "deployment d-OTHER is under way on myapp-dev (InProgress) and CodeDeploy runs one at a time; 1.1.0 is uploaded but not deployed: " +
          "when that one ends, deploy it with `ec2-rollback app-rollback 1.1.0` (`ec2-rollback status` shows it)",
      );
      expect(cd.commandCalls(ListDeploymentsCommand)[0].args[0].input.includeOnlyStatuses).to.deep.equal(["Created", "Queued", "InProgress", "Baking", "Ready"]);

      // No deployment of this group under way: another of CodeDeploy's limits (per account); AWS's words say which.
      cd.on(ListDeploymentsCommand).resolves({ deployments: [] });
      const other = await failure(deployFolder(deps(), { ...deployOpts, version: "1.1.1" }), "DEPLOYMENT_IN_PROGRESS");
      expect(other.message).to.equal(
        "CodeDeploy refused to start the deployment now (The Deployment Group 'myapp-dev' already has an active Deployment 'd-OTHER'); " +
          "1.1.1 is uploaded but not deployed: deploy it with `ec2-rollback app-rollback 1.1.1` once the deployments under way end",
      );
    });

    it("refuses, uploading and deploying nothing: an existing version, a bad version, a missing folder, a broken appspec, no --yes", async () => {
      const broken = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-broken-"));
      fs.writeFileSync(path.join(broken, "appspec.yml"), "version: 0.0\nos: windows\nhooks:\n  AfterStart:\n    - location: x.sh\n");
      const cases: [Partial<typeof deployOpts>, string, (() => void)?][] = [
        [{}, "myapp/1.1.0.zip is already in myapp-revisions-4f1e2d (a version is uploaded once and never replaced): to deploy that upload again, `ec2-rollback app-rollback 1.1.0`; to ship these files, bump the version (e.g. 1.1.1)", () =>
          s3.on(HeadObjectCommand).resolves({ ContentLength: 10, LastModified: new Date() })],
        [{ version: "1.1" }, '--version "1.1" is not a semantic version'],
        [{ dir: "/nonexistent/app" }, "/nonexistent/app is not a folder"],
        [{ dir: broken }, 'appspec.yml has 2 problems; fix and deploy again: line 2: os must be linux (this instance runs Linux), not "windows"; line 4: unknown hook "AfterStart"'],
        [{ yes: false }, "refusing to deploy without confirmation: no terminal to ask; pass --yes"],
      ];
      for (const [opts, message, arrange] of cases) {
        s3.resetHistory();
        cd.resetHistory();
        arrange?.();
        const e = await failure(deployFolder(deps(), { ...deployOpts, ...opts }));
        expect(e.message, message).to.include(message);
        noUploadNoDeploy();
        s3.on(HeadObjectCommand).rejects(notFound());
      }
    });

    it("when S3 finds the key already written (a race), says so and deploys nothing", async () => {
      s3.on(PutObjectCommand).rejects(Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } }));
      const e = await failure(deployFolder(deps(), deployOpts));
      expect(e.message).to.equal("myapp/1.1.0.zip appeared in myapp-revisions-4f1e2d while bundling (another deploy?); bump the version");
      expect(cd.commandCalls(CreateDeploymentCommand)).to.have.length(0);
    });

    it("on failure names the hook and CodeDeploy's message, follows the automatic rollback and says what is live", async () => {
      cd.on(GetDeploymentCommand, { deploymentId: "d-110" }).resolves({
        deploymentInfo: {
          deploymentId: "d-110",
          status: "Failed",
          revision: s3loc("1.1.0"),
          errorInformation: { code: "HEALTH_CONSTRAINTS", message: "Script at specified location: scripts/validate.sh run as user root failed with exit code 1" },
          rollbackInfo: { rollbackDeploymentId: "d-ROLLBACK" },
        },
      });
      cd.on(GetDeploymentCommand, { deploymentId: "d-ROLLBACK" })
        .resolvesOnce({ deploymentInfo: { deploymentId: "d-ROLLBACK", status: "InProgress" } })
        .resolves({ deploymentInfo: { deploymentId: "d-ROLLBACK", status: "Succeeded", revision: s3loc("1.0.0") } });
      cd.on(GetDeploymentTargetCommand).resolves({
        deploymentTarget: {
          instanceTarget: {
            lifecycleEvents: [
              { lifecycleEventName: "ApplicationStart", status: "Succeeded" },
              {
                lifecycleEventName: "ValidateService",
                status: "Failed",
                diagnostics: { errorCode: "ScriptFailed", scriptName: "scripts/validate.sh", message: "Script at specified location: scripts/validate.sh run as user root failed with exit code 1", logTail: "[stderr]the app did not answer /health with 2xx within 60 s\n" },
              },
            ],
          },
        },
      });
      const ui = new FakeUi();
      const e = (await failure(deployFolder(deps(ui), deployOpts))) as DeployFailedError;
      expect(ui.lines).to.include("fail   ValidateService: Failed");
      expect(e).to.be.instanceOf(DeployFailedError);
      expect(e.message).to.equal(
        "deployment d-110 of 1.1.0 failed: hook ValidateService (scripts/validate.sh) failed: ScriptFailed Script at specified location: scripts/validate.sh run as user root failed with exit code 1 " +
          "— log: [stderr]the app did not answer /health with 2xx within 60 s; CodeDeploy rolled back (d-ROLLBACK): 1.0.0 is live",
      );
      expect(e.outcome).to.deep.include({ deploymentId: "d-110", status: "Failed", live: "1.0.0", rolledBackBy: "d-ROLLBACK" });
      expect(cd.commandCalls(GetDeploymentCommand).filter((c) => c.args[0].input.deploymentId === "d-ROLLBACK")).to.have.length(2);
    });

    it("when the automatic rollback fails too, says nothing known good is live and how to fix it", async () => {
      cd.on(GetDeploymentCommand, { deploymentId: "d-110" }).resolves({
        deploymentInfo: { deploymentId: "d-110", status: "Failed", errorInformation: { code: "ALARM_ACTIVE", message: "alarm myapp-dev-app-health" }, rollbackInfo: { rollbackDeploymentId: "d-RB" } },
      });
      cd.on(GetDeploymentCommand, { deploymentId: "d-RB" }).resolves({ deploymentInfo: { deploymentId: "d-RB", status: "Failed" } });
      cd.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { instanceTarget: { lifecycleEvents: [] } } });
      const e = await failure(deployFolder(deps(), deployOpts));
      expect(e.message).to.equal(
        "deployment d-110 of 1.1.0 failed: ALARM_ACTIVE: alarm myapp-dev-app-health; the automatic rollback d-RB failed too: nothing known good is live; redeploy a good version with `ec2-rollback app-rollback <version>`",
      );
    });

    it("a first deployment that fails with nothing to roll back to says nothing is live", async () => {
      cd.on(GetDeploymentCommand, { deploymentId: "d-110" }).resolves({ deploymentInfo: { deploymentId: "d-110", status: "Failed", errorInformation: { code: "HEALTH_CONSTRAINTS", message: "too few healthy instances" } } });
      cd.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { instanceTarget: { lifecycleEvents: [] } } });
      const e = await failure(deployFolder(deps(), deployOpts));
      expect(e.message).to.include("no automatic rollback (no earlier revision was ever deployed): nothing is live");
    });
  });

  describe("deploy: edge cases", function () {
    const folder = (files: Record<string, string | { data: string; mode: number }>) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-app-"));
      for (const [name, f] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        if (typeof f === "string") fs.writeFileSync(path.join(dir, name), f);
        else fs.writeFileSync(path.join(dir, name), f.data, { mode: f.mode });
      }
      return dir;
    };
    const uploaded = async () => unzip(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as Buffer);

    it("an appspec.yml that is a folder is refused before anything is uploaded", async () => {
      const dir = folder({ "index.html": "hi", "appspec.yml/x": "y" });
      const e = await failure(deployFolder(deps(), { ...deployOpts, dir }), "APPSPEC_INVALID");
      expect(e.message).to.match(/appspec\.yml is not a file: make it the appspec file, or remove it to have one generated; nothing was uploaded$/);
      noUploadNoDeploy();
    });

    it("an empty folder is refused (it would replace the app with nothing) unless --allow-empty", async () => {
      const dir = folder({});
      const e = await failure(deployFolder(deps(), { ...deployOpts, dir }), "USAGE");
      expect(e.message).to.include("has nothing to deploy besides an appspec: deploying it would replace the app with nothing; pass --allow-empty");
      noUploadNoDeploy();
      await deployFolder(deps(), { ...deployOpts, dir, allowEmpty: true });
      expect(s3.commandCalls(PutObjectCommand)).to.have.length(1);
    });

    it("a file name that starts with a byte-order mark is shipped under its own name (not another file's)", async () => {
      const dir = folder({ "index.html": "hi", "\uFEFFnotes.txt": "bom" });
      await deployFolder(deps(), { ...deployOpts, dir });
      expect([...(await uploaded()).keys()]).to.include("\uFEFFnotes.txt");
    });

    it("a file name that is not UTF-8 is one clear line, not 'unexpected error: ENOENT'", async () => {
      const dir = folder({ "index.html": "hi" });
      fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from(".txt")]), "x");
      const e = await failure(deployFolder(deps(), { ...deployOpts, dir }), "USAGE");
      expect(e.message).to.match(/^a file name in .* is not valid UTF-8 \("bad-.*\.txt"\): rename it .*; nothing was uploaded$/);
      noUploadNoDeploy();
    });

    it("keeps file modes: a 0600 secret ships as 0600, a 0755 tool as 0755, and hook scripts become executable", async () => {
      const dir = folder({ "index.html": "hi", "config/secret.json": { data: "{}", mode: 0o600 }, "bin/tool": { data: "#!/bin/sh", mode: 0o755 }, "scripts/start.sh": { data: "#!/bin/sh", mode: 0o644 } });
      await deployFolder(deps(), { ...deployOpts, dir });
      const zip = await uploaded();
      expect(zip.get("config/secret.json")!.mode).to.equal(0o600);
      expect(zip.get("bin/tool")!.mode).to.equal(0o755);
      expect(zip.get("index.html")!.mode).to.equal(fs.statSync(path.join(dir, "index.html")).mode & 0o777);
      expect(zip.get("scripts/start.sh")!.mode).to.equal(0o755);
    });

    it("leaves out files that usually hold secrets, with a warning; --include ships one", async () => {
      const dir = folder({ "index.html": "hi", ".env": "KEY=1", ".env.production": "KEY=2", ".envrc": "x", ".env-prod": "x", "certs/server.key": "k", id_rsa: "k", id_rsa_deploy: "k", ".npmrc": "t" });
      const ui = new FakeUi();
      await deployFolder(deps(ui), { ...deployOpts, dir });
      const zip = await uploaded();
      expect([...zip.keys()].sort()).to.deep.equal(["appspec.yml", "index.html"]);
      expect(ui.lines).to.include("warn left out .env (may hold secrets: pass --include .env to ship it)");
      expect(ui.lines).to.include("warn left out certs/server.key (may hold secrets: pass --include certs/server.key to ship it)");
      s3.resetHistory();
      await deployFolder(deps(), { ...deployOpts, dir, include: [".env.production"] });
      expect([...(await uploaded()).keys()]).to.include(".env.production").and.not.include(".env");
    });

    /** Runs `f` with os.tmpdir() a fresh folder; returns what is left in it named ec2rb-bundle-*. */
    const bundlesLeftBy = async (f: () => Promise<unknown>): Promise<string[]> => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-tmpdir-"));
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = tmp;
      try {
        await f();
      } finally {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
      }
      return fs.readdirSync(tmp).filter((n) => n.startsWith("ec2rb-bundle-"));
    };

    it("bundles into a temporary file that is gone afterwards: after a deploy, a refused upload, a failed upload and a failed deployment", async () => {
      expect(await bundlesLeftBy(() => deployFolder(deps(), deployOpts))).to.deep.equal([]);
      expect(s3.commandCalls(PutObjectCommand)).to.have.length(1);

      s3.on(PutObjectCommand).rejects(Object.assign(new Error("pre-conditions"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } }));
      expect(await bundlesLeftBy(() => failure(deployFolder(deps(), deployOpts), "VERSION_EXISTS"))).to.deep.equal([]);

      s3.on(PutObjectCommand).rejects(Object.assign(new Error("We encountered an internal error. Please try again."), { name: "InternalError", $metadata: { httpStatusCode: 500 } }));
      expect(await bundlesLeftBy(() => failure(deployFolder(deps(), deployOpts)))).to.deep.equal([]);

      s3.on(PutObjectCommand).resolves({ ETag: '"etag-110"' });
      cd.on(GetDeploymentCommand, { deploymentId: "d-110" }).resolves({ deploymentInfo: { deploymentId: "d-110", status: "Failed", errorInformation: { code: "HEALTH_CONSTRAINTS", message: "x" } } });
      cd.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { instanceTarget: { lifecycleEvents: [] } } });
      expect(await bundlesLeftBy(() => failure(deployFolder(deps(), deployOpts), "DEPLOY_FAILED"))).to.deep.equal([]);
    });

    it("a bundle over 16 MiB goes up in parts, showing bytes sent of the total, and is deployed like any other", async () => {
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u-1" });
      s3.on(UploadPartCommand).callsFake((input) => Promise.resolve({ ETag: `"part-${input.PartNumber}"` }));
      s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"etag-mpu"', VersionId: "v-mpu" });
      const dir = folder({ "index.html": "hi" });
      fs.writeFileSync(path.join(dir, "media.bin"), crypto.randomBytes(20 * 1024 ** 2)); // incompressible: the zip is over 16 MiB
      const ui = new FakeUi();
      const r = await deployFolder(deps(ui), { ...deployOpts, dir });
      expect(s3.commandCalls(PutObjectCommand)).to.have.length(0);
      expect(s3.commandCalls(CreateMultipartUploadCommand)[0].args[0].input.Metadata).to.deep.include({ version: "1.1.0", sha256: r.sha256 });
      expect(ui.lines).to.include(`step uploading s3://${BUCKET}/myapp/1.1.0.zip (${(r.size / 1024 ** 2).toFixed(1)} MiB)`);
      expect(ui.lines.filter((l) => l.startsWith("progress uploading"))).to.deep.equal([
        `progress uploading s3://${BUCKET}/myapp/1.1.0.zip: 16.0 MiB of ${(r.size / 1024 ** 2).toFixed(1)} MiB (${Math.floor((100 * 16 * 1024 ** 2) / r.size)}%)`,
        `progress uploading s3://${BUCKET}/myapp/1.1.0.zip: ${(r.size / 1024 ** 2).toFixed(1)} MiB of ${(r.size / 1024 ** 2).toFixed(1)} MiB (100%)`,
      ]);
      expect(cd.commandCalls(CreateDeploymentCommand)[0].args[0].input.revision!.s3Location).to.deep.include({ eTag: '"etag-mpu"', version: "v-mpu" });
    });

    it("Ctrl-C during the upload: the upload stops, nothing is deployed, and the message says so (also when it had just completed)", async () => {
      const ctrl = new AbortController();
      s3.on(PutObjectCommand).callsFake(async () => {
        ctrl.abort("SIGINT");
        throw Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
      });
      const e = await failure(deployFolder(deps(), { ...deployOpts, signal: ctrl.signal }), "INTERRUPTED");
      expect(e.message).to.equal(
        "stopped uploading myapp/1.1.0.zip (interrupted): the upload was abandoned and nothing was deployed; deploy again to ship it " +
          "(if `ec2-rollback revisions` lists 1.1.0, the upload had just completed: `ec2-rollback app-rollback 1.1.0` deploys it)",
      );
      expect(cd.commandCalls(RegisterApplicationRevisionCommand)).to.have.length(0);
      expect(cd.commandCalls(CreateDeploymentCommand)).to.have.length(0);

      // The upload had just completed when Ctrl-C came: still nothing deployed, and the way to deploy it.
      const late = new AbortController();
      s3.on(PutObjectCommand).callsFake(async () => {
        late.abort("SIGINT");
        return { ETag: '"etag-110"' };
      });
      const after = await failure(deployFolder(deps(), { ...deployOpts, signal: late.signal }), "INTERRUPTED");
      expect(after.message).to.equal("interrupted after uploading myapp/1.1.0.zip: nothing was deployed; deploy that upload with `ec2-rollback app-rollback 1.1.0`");
      expect(cd.commandCalls(CreateDeploymentCommand)).to.have.length(0);
    });

    it("an alarm of the group firing: refused before anything is uploaded, saying what --ignore-alarms does; with it, CodeDeploy's alarm check is off for this deployment", async () => {
      const firing = { states: async (names: string[]) => names.map((name) => ({ name, state: name.endsWith("app-health") ? "ALARM" : "OK" })) };
      const e = await failure(deployFolder({ ...deps(), alarms: firing }, deployOpts), "ALARM_ACTIVE");
      expect(e.message).to.equal(
        "alarm myapp-dev-app-health of myapp-dev is firing, so CodeDeploy would stop this deployment at once (ALARM_ACTIVE); nothing was uploaded or deployed. " +
          "To deploy a fix while it fires, pass --ignore-alarms (this deployment alone is then not stopped or rolled back on alarms; a failed hook still rolls it back)",
      );
      noUploadNoDeploy();
      const ui = new FakeUi();
      await deployFolder({ ...deps(ui), alarms: firing }, { ...deployOpts, ignoreAlarms: true });
      expect(cd.commandCalls(CreateDeploymentCommand)[0].args[0].input.overrideAlarmConfiguration).to.deep.equal({ enabled: false });
      expect(ui.lines.some((l) => l.startsWith("warn alarm myapp-dev-app-health is firing; --ignore-alarms"))).to.equal(true);
      await deployFolder(deps(), { ...deployOpts, version: "1.1.1" });
      expect(cd.commandCalls(CreateDeploymentCommand)[1].args[0].input.overrideAlarmConfiguration).to.equal(undefined);
    });
  });

  describe("deployments under way (what a machine change refuses)", function () {
    it("the ones not ended, checked again after the batch read, and one that failed moments ago whose automatic rollback has not started", async () => {
      const now = Date.now();
      const ago = (ms: number) => new Date(now - ms);
      cd.on(ListDeploymentsCommand, { includeOnlyStatuses: ["Created", "Queued", "InProgress", "Baking", "Ready"] }).resolves({ deployments: ["d-A", "d-B", "d-H"] });
      cd.on(ListDeploymentsCommand, { includeOnlyStatuses: ["Failed", "Stopped"] }).resolves({ deployments: ["d-C", "d-D", "d-E", "d-F", "d-G", "d-I"] });
      const onFailure = { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] };
      const info = {
        "d-A": { status: "InProgress", createTime: ago(60_000) },
        "d-B": { status: "Succeeded", createTime: ago(70_000), completeTime: ago(1000) }, // ended between the list and the batch read
        "d-H": { status: "Failed", createTime: ago(80_000), completeTime: ago(500), autoRollbackConfiguration: onFailure }, // failed between the two: its rollback comes
        "d-C": { status: "Failed", createTime: ago(90_000), completeTime: ago(10_000), autoRollbackConfiguration: onFailure },
        "d-D": { status: "Failed", completeTime: ago(10 * 60_000), autoRollbackConfiguration: onFailure }, // long ago
        "d-E": { status: "Failed", completeTime: ago(10_000), autoRollbackConfiguration: onFailure, rollbackInfo: { rollbackDeploymentId: "d-A" } }, // its rollback is d-A
        "d-F": { status: "Stopped", completeTime: ago(10_000), autoRollbackConfiguration: { enabled: false } }, // no automatic rollback
        "d-G": { status: "Failed", completeTime: ago(5000), autoRollbackConfiguration: onFailure, rollbackInfo: { rollbackDeploymentId: "d-R" } }, // rollback started after the lists
        "d-I": { status: "Stopped", completeTime: ago(5000), autoRollbackConfiguration: onFailure, errorInformation: { code: "MANUAL_STOP" } }, // a requested stop: not rolled back by these events
        "d-R": { status: "Created", createTime: ago(2000) },
      } as Record<string, object>;
      cd.on(BatchGetDeploymentsCommand).callsFake(async (input: { deploymentIds: string[] }) => ({
        deploymentsInfo: input.deploymentIds.map((deploymentId) => ({ deploymentId, ...info[deploymentId] })),
      }));
      cd.on(GetDeploymentCommand, { deploymentId: "d-R" }).resolves({ deploymentInfo: { deploymentId: "d-R", ...info["d-R"] } });
      const d = await new CodeDeployService(new CodeDeployClient({ region: "eu-west-1" })).activeDeployments("myapp-dev", "myapp-dev");
      expect(d.map((x) => [x.id, x.underWay])).to.deep.equal([
        ["d-R", "active"],
        ["d-A", "active"],
        ["d-H", "rolling-back"],
        ["d-C", "rolling-back"],
      ]);
      const ended = cd.commandCalls(ListDeploymentsCommand).find((c) => c.args[0].input.includeOnlyStatuses?.includes("Failed"))!;
      expect(ended.args[0].input.createTimeRange!.start!.getTime()).to.be.closeTo(now - 13 * 3_600_000, 5000);
    });
  });

  describe("revisions and app-rollback", function () {
    const at = (m: number) => new Date(Date.UTC(2026, 10, 20, 0, m));
    beforeEach(() => {
      s3.on(ListObjectsV2Command).resolves({
        Contents: [
          { Key: "myapp/1.0.0.zip", Size: 2048, LastModified: at(1) },
          { Key: "myapp/1.1.0.zip", Size: 4096, LastModified: at(2) },
          { Key: "myapp/1.2.0.zip", Size: 4096, LastModified: at(3) },
          { Key: "myapp/notes.txt", Size: 1, LastModified: at(4) },
        ],
      });
      cd.on(ListDeploymentsCommand).resolves({ deployments: ["d-1", "d-2", "d-3", "d-4"] });
      cd.on(BatchGetDeploymentsCommand).resolves({
        deploymentsInfo: [
          { deploymentId: "d-1", status: "Succeeded", revision: s3loc("1.0.0"), createTime: at(10), completeTime: at(11) },
          { deploymentId: "d-2", status: "Succeeded", revision: s3loc("1.1.0"), createTime: at(20), completeTime: at(21) },
          { deploymentId: "d-3", status: "Failed", revision: s3loc("1.2.0"), createTime: at(30), completeTime: at(31), rollbackInfo: { rollbackDeploymentId: "d-4" } },
          { deploymentId: "d-4", status: "Succeeded", revision: s3loc("1.1.0"), createTime: at(32), completeTime: at(33) },
        ],
      });
      s3.on(HeadObjectCommand).callsFake((input) =>
        input.Key === "myapp/9.9.9.zip" || input.Key === "myapp/1.1.1.zip" ? Promise.reject(notFound()) : Promise.resolve({ ContentLength: 1, ETag: `"e-${input.Key}"`, VersionId: `v-${input.Key}` }),
      );
    });

    it("revisions: newest first, with size, last deployment status, and the live one", async () => {
      const r = await listRevisions(deps());
      expect(r.map((x) => [x.version, x.status, x.live, x.size])).to.deep.equal([
        ["1.2.0", "Failed", false, 4096],
        ["1.1.0", "Succeeded", true, 4096],
        ["1.0.0", "Succeeded", false, 2048],
      ]);
      expect(r[1]).to.deep.include({ key: "myapp/1.1.0.zip", uploadedAt: "2026-11-20T00:02:00.000Z" });
    });

    it("revisions reads every deployment: with 250, one last deployed before the newest 100 is not 'never deployed'", async () => {
      // d-0 deployed 1.0.0 (failed), d-1 1.1.0, then 248 deployments of 1.2.0; ListDeployments pages of 100, newest first.
      const ids = Array.from({ length: 250 }, (_, n) => `d-${249 - n}`);
      const version = (n: number) => (n === 0 ? "1.0.0" : n === 1 ? "1.1.0" : "1.2.0");
      cd.on(ListDeploymentsCommand).callsFake(async (input) => {
        const from = Number(input.nextToken ?? 0);
        return { deployments: ids.slice(from, from + 100), nextToken: from + 100 < ids.length ? String(from + 100) : undefined };
      });
      cd.on(BatchGetDeploymentsCommand).callsFake(async (input) => ({
        deploymentsInfo: input.deploymentIds!.map((id: string) => {
          const n = Number(id.slice(2));
          return { deploymentId: id, status: n === 0 ? "Failed" : "Succeeded", revision: s3loc(version(n)), createTime: at(10 + n), completeTime: at(11 + n) };
        }),
      }));
      const r = await listRevisions(deps());
      expect(r.map((x) => [x.version, x.status, x.live])).to.deep.equal([
        ["1.2.0", "Succeeded", true],
        ["1.1.0", "Succeeded", false],
        ["1.0.0", "Failed", false],
      ]);
      expect(cd.commandCalls(ListDeploymentsCommand)).to.have.length(3);
    });

    it("app-rollback with no version redeploys the most recent successful revision that is not live", async () => {
      cd.on(CreateDeploymentCommand).resolves({ deploymentId: "d-5" });
      cd.on(GetDeploymentCommand, { deploymentId: "d-5" }).resolves({ deploymentInfo: { deploymentId: "d-5", status: "Succeeded", revision: s3loc("1.0.0") } });
      const r = await appRollback(deps(), { yes: true, fileExists: "DISALLOW", ...wait });
      const create = cd.commandCalls(CreateDeploymentCommand)[0].args[0].input;
      expect(create.revision!.s3Location).to.deep.include({ key: "myapp/1.0.0.zip", eTag: '"e-myapp/1.0.0.zip"', version: "v-myapp/1.0.0.zip" });
      expect(create.description).to.match(/^app-rollback 1\.1\.0 -> 1\.0\.0 by arn:aws:iam::111122223333:user\/alice/);
      expect(r).to.deep.include({ version: "1.0.0", from: "1.1.0", live: "1.0.0", status: "Succeeded" });
    });

    it("app-rollback to a named version; unknown version deploys nothing; the live one is a no-op", async () => {
      cd.on(CreateDeploymentCommand).resolves({ deploymentId: "d-6" });
      cd.on(GetDeploymentCommand, { deploymentId: "d-6" }).resolves({ deploymentInfo: { deploymentId: "d-6", status: "Succeeded" } });
      await appRollback(deps(), { version: "1.2.0", yes: true, fileExists: "OVERWRITE", ...wait });
      expect(cd.commandCalls(CreateDeploymentCommand)[0].args[0].input).to.deep.include({ fileExistsBehavior: "OVERWRITE" });

      cd.resetHistory();
      const e = await failure(appRollback(deps(), { version: "9.9.9", yes: true, fileExists: "DISALLOW", ...wait }));
      expect(e.message).to.equal("revision 9.9.9 of myapp is not in myapp-revisions-4f1e2d; known: 1.0.0, 1.1.0, 1.2.0");
      expect(cd.commandCalls(CreateDeploymentCommand)).to.have.length(0);
      const typo = await failure(appRollback(deps(), { version: "1.1.1", yes: true, fileExists: "DISALLOW", ...wait }), "VERSION_NOT_FOUND");
      expect(typo.message).to.equal("revision 1.1.1 of myapp is not in myapp-revisions-4f1e2d; did you mean 1.1.0? known: 1.0.0, 1.1.0, 1.2.0");
      expect(cd.commandCalls(CreateDeploymentCommand)).to.have.length(0);

      const noop = await appRollback(deps(), { version: "1.1.0", yes: true, fileExists: "DISALLOW", ...wait });
      expect(noop.status).to.equal("no-op");
      expect(cd.commandCalls(CreateDeploymentCommand)).to.have.length(0);
    });

    it("app-rollback refuses without a terminal unless --yes", async () => {
      const e = await failure(appRollback(deps(), { yes: false, fileExists: "DISALLOW", ...wait }));
      expect(e.message).to.equal("refusing to redeploy without confirmation: no terminal to ask; pass --yes");
      expect(cd.commandCalls(CreateDeploymentCommand)).to.have.length(0);
    });
  });
});
