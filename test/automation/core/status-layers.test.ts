// `status` for all three layers: machine (EC2), app (CodeDeploy), data (AWS Backup), read side by side;
// a layer that cannot be read says why in its place, and the rest still shows.
import { expect } from "chai";
import { OPERATION_TAG } from "../../../contract/naming";
import { formatStatus } from "../../../automation/cli/format";
import { nextScheduledBackup } from "../../../automation/core/dataStatus";
import { encodeRecord } from "../../../automation/core/operation";
import { DeploymentInfo, RecoveryPoint } from "../../../automation/core/ports";
import { status } from "../../../automation/core/status";
import { T0, withLayers, world } from "../../helpers/fakes";

const MIN = 60_000;
const at = (ms: number) => new Date(T0 + ms);
const rev = (version: string) => ({ bucket: "myapp-revisions-4f1e2d", key: `myapp/${version}.zip` });

/** Newest first, as DeployPort gives them: 1.5.0 failed and nothing rolled it back; 1.4.0 serves. */
const FAILED_LAST: DeploymentInfo[] = [
  { id: "d-3", status: "Failed", createTime: at(-30 * MIN), completeTime: at(-25 * MIN), revision: rev("1.5.0"), error: { code: "SCRIPT_FAILED", message: "ValidateService failed: /health answered 500" } },
  { id: "d-2", status: "Succeeded", createTime: at(-120 * MIN), completeTime: at(-115 * MIN), revision: rev("1.4.0") },
  { id: "d-1", status: "Succeeded", createTime: at(-24 * 60 * MIN), completeTime: at(-24 * 60 * MIN + 5 * MIN), revision: rev("1.3.0") },
];

const rp = (ami: string, status: string, createdAt: string, expiresAt?: string): RecoveryPoint => ({
  arn: `arn:aws:ec2:eu-west-1::image/${ami}`,
  amiId: ami,
  status,
  createdAt: new Date(createdAt),
  expiresAt: expiresAt ? new Date(expiresAt) : undefined,
});
const POINTS = [
  rp("ami-0000000000000b01a", "COMPLETED", "2026-11-23T05:00:00Z", "2026-12-07T05:00:00Z"),
  rp("ami-0000000000000b03a", "CREATING", "2026-11-24T09:55:00Z"),
  rp("ami-0000000000000b02a", "COMPLETED", "2026-11-24T05:00:00Z", "2026-12-08T05:00:00Z"),
  rp("ami-0000000000000b00a", "EXPIRED", "2026-11-24T06:00:00Z"),
];

describe("status: every layer", function () {
  it("machine, app and data on one report: the live revision and the last deployment with its error, the last recovery point and the next backup", async () => {
    const w = withLayers(world(), { deployments: FAILED_LAST, points: POINTS });
    const s = await status(w);
    // Machine: what it was, plus what the address serves, named, and that it is the pin.
    expect(s).to.deep.include({ consistent: true, problems: [], operation: null });
    expect(s.live.instance).to.deep.include({ id: "i-0000000000000123a", state: "running" });
    expect(s.serving).to.deep.equal({ instanceId: "i-0000000000000123a", amiId: "ami-0000000000000123a", name: "myapp-v1.2.3", pinned: true });
    // App: the live revision is the last successful deployment's, the last deployment is the newest, failed or not.
    expect(s.app).to.deep.equal({
      application: "myapp-dev",
      deploymentGroup: "myapp-dev",
      live: { version: "1.4.0", key: "myapp/1.4.0.zip", deploymentId: "d-2", completedAt: "2026-11-24T08:05:00.000Z" },
      lastDeployment: {
        id: "d-3",
        status: "Failed",
        version: "1.5.0",
        key: "myapp/1.5.0.zip",
        createdAt: "2026-11-24T09:30:00.000Z",
        completedAt: "2026-11-24T09:35:00.000Z",
        error: "SCRIPT_FAILED: ValidateService failed: /health answered 500",
        rolledBackBy: undefined,
        rollbackOf: undefined,
      },
    });
    expect(w.deploy.reads).to.deep.equal([{ app: "myapp-dev", group: "myapp-dev", max: 100 }]);
    // Data: the newest COMPLETED point (not the one still being made, nor an expired one); the next 05:00 UTC.
    expect(s.data).to.deep.equal({
      vault: "myapp-dev",
      lastRecoveryPoint: { arn: "arn:aws:ec2:eu-west-1::image/ami-0000000000000b02a", amiId: "ami-0000000000000b02a", createdAt: "2026-11-24T05:00:00.000Z", expiresAt: "2026-12-08T05:00:00.000Z" },
      nextScheduled: { at: "2026-11-25T05:00:00.000Z", rule: "daily", schedule: "cron(0 5 ? * * *)" },
    });
    expect(w.backup.reads).to.deep.equal(["myapp-dev"]);
  });

  it("CodeDeploy's own rollback as the last deployment; no deployment and no recovery point yet are null, not errors", async () => {
    const rolledBack: DeploymentInfo[] = [
      { id: "d-4", status: "Succeeded", createTime: at(-24 * MIN), completeTime: at(-20 * MIN), revision: rev("1.4.0"), rollback: { rollbackTriggeringDeploymentId: "d-3" } },
      { ...FAILED_LAST[0], rollback: { rollbackDeploymentId: "d-4" } },
      ...FAILED_LAST.slice(1),
    ];
    const s = await status(withLayers(world(), { deployments: rolledBack }));
    expect(s.app).to.deep.include({ live: { version: "1.4.0", key: "myapp/1.4.0.zip", deploymentId: "d-4", completedAt: "2026-11-24T09:40:00.000Z" } });
    expect(s.app).to.have.nested.property("lastDeployment.rollbackOf", "d-3");
    const empty = await status(withLayers(world()));
    expect(empty.app).to.deep.include({ live: null, lastDeployment: null });
    expect(empty.data).to.deep.include({ vault: "myapp-dev", lastRecoveryPoint: null });
  });

  it("each layer that cannot be read says why, in one line, in its place; the others still show and consistency is the machine's alone", async () => {
    const denied = new Error("CodeDeploy ListDeployments: AWS refused: User is not authorized to perform: codedeploy:ListDeployments");
    const appDown = withLayers(world(), { points: POINTS });
    appDown.deploy.error = denied;
    const a = await status(appDown);
    expect(a.app).to.deep.equal({ error: denied.message });
    expect(a.data).to.have.property("vault", "myapp-dev");
    expect(a).to.deep.include({ consistent: true, problems: [] });

    const dataDown = withLayers(world(), { deployments: FAILED_LAST });
    dataDown.backup.error = new Error("Backup ListRecoveryPointsByBackupVault: the vault myapp-dev does not exist");
    const d = await status(dataDown);
    expect(d.data).to.deep.equal({ error: "Backup ListRecoveryPointsByBackupVault: the vault myapp-dev does not exist" });
    expect(d.app).to.have.nested.property("live.version", "1.4.0");
    expect(d).to.deep.include({ consistent: true, problems: [] });

    // Not deployed yet (or by an older program): the outputs the layer needs are named, nothing is asked of AWS.
    const notUp = withLayers(world());
    delete notUp.stack.outputs_.applicationName;
    delete notUp.stack.outputs_.backupVaultName;
    const n = await status(notUp);
    expect(n.app).to.deep.equal({ error: 'stack "dev" has no applicationName output; run `pulumi up --stack dev` first' });
    expect(n.data).to.deep.equal({ error: 'stack "dev" has no backupVaultName output; run `pulumi up --stack dev` first' });
    expect(notUp.deploy.reads).to.deep.equal([]);
    expect(notUp.backup.reads).to.deep.equal([]);
    expect(n).to.deep.include({ consistent: true });

    // The machine layer unreadable: its problem, exit 3 as before; app and data still show.
    const ec2Down = withLayers(world(), { deployments: FAILED_LAST, points: POINTS });
    ec2Down.cloud.describeAddress = async () => {
      throw new Error("EC2 DescribeAddresses: AWS did not answer within 30s");
    };
    const m = await status(ec2Down);
    expect(m.consistent).to.equal(false);
    expect(m.problems).to.deep.equal(["could not read what the address serves: EC2 DescribeAddresses: AWS did not answer within 30s"]);
    expect(m.serving).to.equal(null);
    expect(m.app).to.have.nested.property("live.version", "1.4.0");
    expect(m.data).to.have.nested.property("lastRecoveryPoint.amiId", "ami-0000000000000b02a");
  });

  it("reads EC2, CodeDeploy and AWS Backup side by side: each has begun before any has answered", async () => {
    const w = withLayers(world(), { deployments: FAILED_LAST, points: POINTS });
    const events: string[] = [];
    const held = (name: string) => async () => {
      events.push(`${name} asked`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`${name} answered`);
    };
    w.deploy.onRead = held("CodeDeploy");
    w.backup.onRead = held("Backup");
    const describeAddress = w.cloud.describeAddress.bind(w.cloud);
    w.cloud.describeAddress = async () => {
      await held("EC2")();
      return describeAddress();
    };
    await status(w);
    const firstAnswer = events.findIndex((e) => e.endsWith("answered"));
    expect(events.slice(0, firstAnswer).sort()).to.deep.equal(["Backup asked", "CodeDeploy asked", "EC2 asked"]);
  });

  it("when the address serves another version than the pin, names it", async () => {
    const w = withLayers(world());
    w.stack.config_["ec2-rollback:amiVersion"] = "myapp-v1.2.2"; // set, never applied
    const s = await status(w);
    expect(s.serving).to.deep.equal({ instanceId: "i-0000000000000123a", amiId: "ami-0000000000000123a", name: "myapp-v1.2.3", pinned: false });
    expect(s.consistent).to.equal(false);
  });
});

describe("status: the next scheduled backup", function () {
  const now = new Date("2026-11-28T06:00:00Z"); // a Saturday, after the day's 05:00

  it("is the earliest next run of the plan's rules: the daily schedule from config, and the weekly rule (Sundays 05:00) when it is on", () => {
    expect(nextScheduledBackup({ backupSchedule: "cron(0 5 ? * * *)", weeklyBackupRetentionDays: 0 }, now)).to.deep.equal({
      at: "2026-11-29T05:00:00.000Z",
      rule: "daily",
      schedule: "cron(0 5 ? * * *)",
    });
    // Weekdays only: Monday's run would be next, but the weekly rule runs on Sunday.
    expect(nextScheduledBackup({ backupSchedule: "cron(30 2 ? * MON-FRI *)", weeklyBackupRetentionDays: 0 }, now)).to.deep.include({ at: "2026-11-30T02:30:00.000Z", rule: "daily" });
    expect(nextScheduledBackup({ backupSchedule: "cron(30 2 ? * MON-FRI *)", weeklyBackupRetentionDays: 90 }, now)).to.deep.equal({
      at: "2026-11-29T05:00:00.000Z",
      rule: "weekly",
      schedule: "cron(0 5 ? * SUN *)",
    });
  });

  it("is unknown, saying why, for a schedule it does not compute, or one with no run to come", () => {
    expect(nextScheduledBackup({ backupSchedule: "cron(0 5 L * ? *)", weeklyBackupRetentionDays: 0 }, now)).to.deep.equal({
      unknown: 'the daily rule\'s schedule cron(0 5 L * ? *): its day-of-month field "L" uses L, W or #, which ec2-rollback does not compute',
    });
    expect(nextScheduledBackup({ backupSchedule: "cron(0 5 1 1 ? 2025)", weeklyBackupRetentionDays: 0 }, now)).to.deep.equal({
      unknown: "no rule's schedule names a time after 2026-11-28T06:00:00.000Z",
    });
  });

  it("follows the stack's config (backupSchedule, weeklyBackupRetentionDays)", async () => {
    const w = withLayers(world());
    w.stack.config_["ec2-rollback:backupSchedule"] = "cron(0 23 ? * * *)";
    const s = await status(w);
    expect(s.data).to.have.deep.property("nextScheduled", { at: "2026-11-24T23:00:00.000Z", rule: "daily", schedule: "cron(0 23 ? * * *)" });
  });
});

describe("status: on screen", function () {
  it("one screen grouped by layer: the pin and what serves in plain words, times with how long ago or until", async () => {
    const s = await status(withLayers(world(), { deployments: FAILED_LAST, points: POINTS }));
    const out = formatStatus(s, T0);
    expect(out).to.include("\nmachine\n  live         myapp-v1.2.3 (ami-0000000000000123a) on blue: i-0000000000000123a running at 203.0.113.10, started 2026-11-24 09:00Z (1 h ago)\n");
    expect(out).to.include("\n  pin          myapp-v1.2.3 = serving myapp-v1.2.3 ✔\n");
    expect(out).to.include(
      "\napp          CodeDeploy myapp-dev, group myapp-dev\n" +
        "  live         1.4.0 since 2026-11-24 08:05Z (2 h ago), deployment d-2\n" +
        "  last deploy  d-3 Failed 1.5.0 2026-11-24 09:35Z (25 min ago): SCRIPT_FAILED: ValidateService failed: /health answered 500\n",
    );
    expect(out).to.include(
      "\ndata         AWS Backup vault myapp-dev\n" +
        "  last backup  2026-11-24 05:00Z (5 h ago): ami-0000000000000b02a, kept until 2026-12-08 05:00Z\n" +
        "  next backup  2026-11-25 05:00Z (in 19 h): daily rule, cron(0 5 ? * * *)\n",
    );
    expect(out).to.include("\noperation    none\nconsistent   yes: config, outputs and the address agree; no operation recorded");
  });

  it("says a disagreement plainly, and a layer it could not read in one line", async () => {
    const w = withLayers(world());
    w.stack.config_["ec2-rollback:amiVersion"] = "myapp-v1.2.2";
    w.deploy.error = new Error("CodeDeploy ListDeployments: AWS refused: not authorized");
    delete w.stack.outputs_.backupVaultName;
    const out = formatStatus(await status(w), T0);
    expect(out).to.include("\n  pin          myapp-v1.2.2 ≠ serving myapp-v1.2.3 (ami-0000000000000123a) on i-0000000000000123a ✘\n");
    expect(out).to.include("\napp          could not read: CodeDeploy ListDeployments: AWS refused: not authorized\n");
    expect(out).to.include('\ndata         could not read: stack "dev" has no backupVaultName output; run `pulumi up --stack dev` first\n');
    expect(out).to.match(/\nconsistent {3}NO\n {2}- the config pins myapp-v1.2.2 but the last update ran myapp-v1.2.3\n/);
  });

  it("an unfinished operation: its own line with the fix, said once", async () => {
    const w = withLayers(world());
    w.stack.tags_[OPERATION_TAG] = encodeRecord({ op: "rollback", from: "myapp-v1.2.3", to: "myapp-v1.2.2", phase: "flip", host: "laptop", pid: 1, startedAt: "2026-11-24T09:00:00Z" });
    const out = formatStatus(await status(w), T0);
    expect(out).to.match(
      /\noperation {4}unfinished: rollback myapp-v1\.2\.3 -> myapp-v1\.2\.2 started 2026-11-24T09:00:00Z on laptop \(pid 1\), phase flip; finish it with `ec2-rollback recover`\nconsistent {3}NO: the operation above is unfinished$/,
    );
  });
});
