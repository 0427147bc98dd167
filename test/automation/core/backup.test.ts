import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { BackupClient, DescribeBackupJobCommand, ListRecoveryPointsByBackupVaultCommand, StartBackupJobCommand } from "@aws-sdk/client-backup";
import { AwsBackup } from "../../../automation/adapters/awsBackup";
import { backupTagValue } from "../../../contract/naming";
import { backupNow } from "../../../automation/core/backup";
import { parseBackupWhen, pickRecoveryPoint, recoveryPointTarget } from "../../../automation/core/recoveryPoints";
import { rollback } from "../../../automation/core/rollback";
import { listVersions } from "../../../automation/core/versions";
import { FakeUi, image, world } from "../../helpers/fakes";
import { failure } from "../../helpers/failure";

const VAULT = "myapp-dev";
const rpArn = (ami: string) => `arn:aws:ec2:eu-west-1::image/${ami}`;
const at = (s: string) => new Date(s);

describe("backups as rollback points", function () {
  const bk = mockClient(BackupClient);
  const backup = () => new AwsBackup(new BackupClient({ region: "eu-west-1" }));
  /** Recovery points of two instances (the first was replaced by a rollback since). */
  const POINTS = [
    { RecoveryPointArn: rpArn("ami-0000000000000b01a"), Status: "COMPLETED" as const, CreationDate: at("2026-11-20T05:00:00Z"), ResourceArn: "arn:aws:ec2:eu-west-1:111122223333:instance/i-old", BackupSizeInBytes: 21474836480, CalculatedLifecycle: { DeleteAt: at("2026-12-04T05:00:00Z") } },
    { RecoveryPointArn: rpArn("ami-0000000000000b02a"), Status: "COMPLETED" as const, CreationDate: at("2026-11-21T05:00:00Z"), ResourceArn: "arn:aws:ec2:eu-west-1:111122223333:instance/i-0000000000000123a" },
    { RecoveryPointArn: rpArn("ami-0000000000000b03a"), Status: "CREATING" as const, CreationDate: at("2026-11-22T05:00:00Z"), ResourceArn: "arn:aws:ec2:eu-west-1:111122223333:instance/i-0000000000000123a" },
  ];
  const withBackupImages = () => {
    const w = world();
    for (const p of POINTS) {
      const ami = p.RecoveryPointArn.split("/")[1];
      w.cloud.images.push(image(`AwsBackup_${ami}`, ami, { createdAt: p.CreationDate, tags: { "aws:backup:source-resource": "i-old" }, state: p.Status === "COMPLETED" ? "available" : "pending" }));
    }
    return { ...w, backup: backup() };
  };
  beforeEach(() => {
    bk.reset();
    bk.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: POINTS });
  });

  describe("backup", function () {
    it("starts a job for the instance with the stack's vault, role and retention, tagged, and waits for its AMI", async () => {
      bk.on(StartBackupJobCommand).resolves({ BackupJobId: "job-1" });
      bk.on(DescribeBackupJobCommand)
        .resolvesOnce({ State: "RUNNING", PercentDone: "40.0" })
        .resolves({ State: "COMPLETED", RecoveryPointArn: rpArn("ami-0000000000000b09a") });
      const w = { ...world(), backup: backup() };
      w.stack.config_["ec2-rollback:backupRetentionDays"] = "30";
      const r = await backupNow(w, { note: "before the OS upgrade", wait: true, timeoutMs: 3 * 3600_000, pollMs: 15_000 });
      const input = bk.commandCalls(StartBackupJobCommand)[0].args[0].input;
      expect(input).to.deep.include({
        BackupVaultName: VAULT,
        ResourceArn: "arn:aws:ec2:eu-west-1:111122223333:instance/i-0000000000000123a",
        IamRoleArn: "arn:aws:iam::111122223333:role/myapp-backup-role",
        Lifecycle: { DeleteAfterDays: 30 },
      });
      expect(input.RecoveryPointTags).to.deep.equal({ App: "myapp", Stack: "dev", CreatedBy: "arn:aws:iam::111122223333:user/alice", Reason: "before the OS upgrade" });
      // Only AWS Backup's documented tag characters: a note's others become "-"; the default reason has none.
      expect(backupTagValue("fix (urgent) #1, really?")).to.equal("fix -urgent- -1- really-");
      expect(backupTagValue("on demand by ec2-rollback backup")).to.equal("on demand by ec2-rollback backup");
      expect(r).to.deep.include({ jobId: "job-1", state: "COMPLETED", amiId: "ami-0000000000000b09a", durationMs: 15_000 });
      expect(w.ui.lines).to.include("progress backup job job-1: RUNNING 40.0% (0s)");
    });

    it("fails with AWS's reason when the job fails or expires", async () => {
      for (const [state, message] of [["FAILED", "Insufficient privileges to perform this action."], ["EXPIRED", undefined]] as const) {
        bk.on(StartBackupJobCommand).resolves({ BackupJobId: "job-2" });
        bk.on(DescribeBackupJobCommand).resolves({ State: state, StatusMessage: message });
        const e = await failure(backupNow({ ...world(), backup: backup() }, { wait: true, timeoutMs: 60_000, pollMs: 1000 }));
        expect(e.message).to.equal(`backup job job-2 ${state.toLowerCase()}: ${message ?? "AWS Backup gave no reason"}`);
      }
    });

    it("with --no-wait returns the job id at once", async () => {
      bk.on(StartBackupJobCommand).resolves({ BackupJobId: "job-3" });
      const r = await backupNow({ ...world(), backup: backup() }, { wait: false, timeoutMs: 1, pollMs: 1 });
      expect(r).to.deep.include({ jobId: "job-3", state: "CREATED" });
      expect(bk.commandCalls(DescribeBackupJobCommand)).to.have.length(0);
    });
  });

  describe("versions", function () {
    it("lists the vault's EC2 recovery points across replaced instances, beside the checkpoints", async () => {
      const v = await listVersions({ ...world(), backup: backup(), ui: new FakeUi() });
      expect(bk.commandCalls(ListRecoveryPointsByBackupVaultCommand)[0].args[0].input).to.deep.include({ BackupVaultName: VAULT, ByResourceType: "EC2" });
      const backups = v.filter((p) => p.source === "backup");
      expect(backups.map((p) => [p.version, p.amiId, p.state])).to.deep.equal([
        ["backup:2026-11-22T05:00:00Z", "ami-0000000000000b03a", "CREATING"],
        ["backup:2026-11-21T05:00:00Z", "ami-0000000000000b02a", "COMPLETED"],
        ["backup:2026-11-20T05:00:00Z", "ami-0000000000000b01a", "COMPLETED"],
      ]);
      expect(backups[2]).to.deep.include({ expiresAt: "2026-12-04T05:00:00.000Z", sizeGiB: 20, recoveryPointArn: rpArn("ami-0000000000000b01a") });
      expect(v[0].source).to.equal("backup"); // newest first across both sources
      expect(v.filter((p) => p.source === "checkpoint")).to.have.length(5);
    });

    it("still lists the checkpoints, and says what it could not read, when AWS Backup refuses", async () => {
      bk.on(ListRecoveryPointsByBackupVaultCommand).rejects(Object.assign(new Error("User is not authorized to perform: backup:ListRecoveryPointsByBackupVault"), { name: "AccessDeniedException" }));
      const ui = new FakeUi();
      const v = await listVersions({ ...world(), backup: backup(), ui });
      expect(v.map((p) => p.source)).to.deep.equal(Array(5).fill("checkpoint"));
      expect(ui.lines).to.include(
        "warn could not read AWS Backup vault myapp-dev: AWS refused: User is not authorized to perform: backup:ListRecoveryPointsByBackupVault — the caller needs that permission; its recovery points are not listed (that does not mean there are none)",
      );
    });
  });

  describe("rollback to a recovery point", function () {
    const OPTS = { yes: true, revert: true, preview: false, healthCheck: true, verifyTimeoutMs: 120_000, pollMs: 2000, bakeMinutes: 0 };

    it("parses backup:latest, a date (end of that UTC day) and a date-time", () => {
      expect(parseBackupWhen("backup:latest")).to.equal("latest");
      expect((parseBackupWhen("backup:2026-11-21") as Date).toISOString()).to.equal("2026-11-21T23:59:59.999Z");
      // A time means the whole of its last unit, so a point listed to the second is that point.
      expect((parseBackupWhen("backup:2026-11-21T05:00") as Date).toISOString()).to.equal("2026-11-21T05:00:59.999Z");
      expect((parseBackupWhen("backup:2026-11-21T05:00:07Z") as Date).toISOString()).to.equal("2026-11-21T05:00:07.999Z");
      expect((parseBackupWhen("backup:2026-11-21T05:00:07.250Z") as Date).toISOString()).to.equal("2026-11-21T05:00:07.250Z");
      expect(parseBackupWhen("backup:yesterday")).to.equal(undefined);
      expect(parseBackupWhen("backup:2026-13-45")).to.equal(undefined);
    });

    it("picks the newest completed point at or before the time: exact time, between, none before, only pending", () => {
      const pts = POINTS.map((p) => ({ arn: p.RecoveryPointArn, amiId: p.RecoveryPointArn.split("/")[1], status: p.Status, createdAt: p.CreationDate }));
      expect(pickRecoveryPoint(pts, at("2026-11-21T05:00:00Z"))!.amiId).to.equal("ami-0000000000000b02a"); // exact
      expect(pickRecoveryPoint(pts, at("2026-11-21T04:59:59Z"))!.amiId).to.equal("ami-0000000000000b01a"); // just before
      expect(pickRecoveryPoint(pts, "latest")!.amiId).to.equal("ami-0000000000000b02a"); // CREATING is skipped
      expect(pickRecoveryPoint(pts, at("2026-11-19T00:00:00Z"))).to.equal(undefined); // none before
      expect(pickRecoveryPoint([{ ...pts[2] }], "latest")).to.equal(undefined); // only non-completed
      // As `versions` names a point (to the second) while AWS keeps a fraction: that very point.
      const fractional = [{ ...pts[0], createdAt: new Date("2026-11-24T04:07:15.734Z") }, { ...pts[1], createdAt: new Date("2026-11-21T04:07:15.000Z") }];
      const listed = recoveryPointTarget(fractional[0]);
      expect(listed).to.equal("backup:2026-11-24T04:07:15Z");
      expect(pickRecoveryPoint(fractional, parseBackupWhen(listed) as Date)).to.equal(fractional[0]);
    });

    it("pins the recovery point's AMI id through the same machine change (the standby first, then the flip)", async () => {
      const w = withBackupImages();
      const r = await rollback(w, { ...OPTS, target: "backup:2026-11-20" });
      expect(r.to).to.deep.equal({ pin: "ami-0000000000000b01a", amiId: "ami-0000000000000b01a" });
      expect(w.stack.calls.filter((c) => c.startsWith("set"))[0]).to.equal(
        "set liveSlot=blue amiVersion=myapp-v1.2.3 standbyAmiVersion=ami-0000000000000b01a standbyState=running",
      );
      expect(w.stack.upMessages[0]).to.equal("ec2-rollback: launching backup:2026-11-20 (2026-11-20T05:00:00.000Z) on the standby machine (green)");
      expect(w.stack.pin).to.equal("ami-0000000000000b01a");
    });

    it("backup:latest skips points that are not completed; a failed update restores the standby as for any version", async () => {
      const w = withBackupImages();
      w.stack.upOutcomes = ["fail"];
      const e = await failure(rollback(w, { ...OPTS, target: "backup:latest" }), "CHANGE_FAILED");
      expect(e.message).to.match(/^backup:latest \(2026-11-21T05:00:00\.000Z\) could not be put on the standby machine \(green\): .*; it never served anyone/);
      expect(w.stack.pin).to.equal("myapp-v1.2.3");
    });

    it("backup:latest with a vault that cannot be read says 'could not read' with AWS's reason, never 'none', and changes nothing", async () => {
      const w = withBackupImages();
      bk.on(ListRecoveryPointsByBackupVaultCommand).rejects(Object.assign(new Error("User is not authorized to perform: backup:ListRecoveryPointsByBackupVault"), { name: "AccessDeniedException" }));
      const e = await failure(rollback(w, { ...OPTS, target: "backup:latest" }), "BACKUP_UNREADABLE");
      expect(e.message).to.equal(
        "could not read AWS Backup vault myapp-dev: AWS refused: User is not authorized to perform: backup:ListRecoveryPointsByBackupVault — the caller needs that permission; " +
          "nothing was changed. Its recovery points may well exist: fix the access and try again, or name a checkpoint version",
      );
      expect(e.message).to.not.include("no completed recovery point");
      expect(w.stack.calls.some((c) => c.startsWith("set") || c.startsWith("up"))).to.equal(false);
    });

    it("a date with no completed point at or before it: says so, changes nothing", async () => {
      const w = withBackupImages();
      const e = await failure(rollback(w, { ...OPTS, target: "backup:2026-11-19" }));
      expect(e.message).to.equal(
        "no completed recovery point in vault myapp-dev at or before 2026-11-19T23:59:59.999Z (1 not completed); list them with `ec2-rollback versions`, or make one with `ec2-rollback backup`",
      );
      expect(w.stack.calls.some((c) => c.startsWith("set") || c.startsWith("up"))).to.equal(false);
    });

    it("a recovery point's AMI id works as a target too", async () => {
      const w = withBackupImages();
      const r = await rollback(w, { ...OPTS, target: "ami-0000000000000b02a" });
      expect(r.status).to.equal("changed");
      expect(w.stack.pin).to.equal("ami-0000000000000b02a");
    });
  });
});
