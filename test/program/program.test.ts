import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { byType, one, OWNED_AMIS, ProgramRun, PUBLIC_IP, RecordedResource, REGION, runProgram, setMockPartition } from "../helpers/pulumiMocks";

const BASE = { amiVersion: "myapp-v1.2.3" };


function policyOf(r: { inputs: Record<string, any> }, key = "policy"): any {
  return JSON.parse(r.inputs[key]);
}

describe("program: server and address", function () {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(BASE);
  });

  it("looks the AMI name up among the account's own AMIs only, newest first", () => {
    const lookup = run.invokes.find((i) => i.token === "aws:ec2/getAmiIds:getAmiIds")!;
    expect(lookup.args.owners).to.deep.equal(["self"]);
    expect(lookup.args.filters).to.deep.equal([{ name: "name", values: ["myapp-v1.2.3"] }]);
    expect(lookup.args.sortAscending).to.equal(false);
    expect(one(run, "aws:ec2/instance:Instance").inputs.ami).to.equal(OWNED_AMIS["myapp-v1.2.3"][0]);
  });

  it("requires IMDSv2 and an encrypted gp3 root volume sized from config", () => {
    const i = one(run, "aws:ec2/instance:Instance").inputs;
    expect(i.metadataOptions.httpTokens).to.equal("required");
    expect(i.rootBlockDevice).to.include({ volumeType: "gp3", encrypted: true, volumeSize: 20 });
    expect(i.instanceType).to.equal("t3.micro");
  });

  it("tags the instance with Name, App and the tags the deployment group and backup match on", () => {
    const tags = one(run, "aws:ec2/instance:Instance").inputs.tags;
    expect(tags).to.include({ Name: "myapp-dev-blue", Slot: "blue", Role: "live", App: "myapp", CodeDeployTarget: "myapp-dev", BackupTarget: "myapp-dev" });
  });

  it("installs and starts the CodeDeploy agent idempotently, with nothing of the AMI version in user data", () => {
    const ud: string = one(run, "aws:ec2/instance:Instance").inputs.userData;
    expect(ud).to.match(/^#!\/bin\/bash/);
    expect(ud).to.include("if ! [ -x /opt/codedeploy-agent/bin/codedeploy-agent ]; then");
    expect(ud).to.include(`https://aws-codedeploy-\${REGION}.s3.\${REGION}.amazonaws.com/latest/install`);
    expect(ud).to.include(`REGION='${REGION}'`);
    expect(ud).to.include("systemctl enable --now codedeploy-agent");
    expect(ud).not.to.include("1.2.3");
    expect(ud).not.to.include("ami-");
  });

  it("opens only the app ports; SSH stays closed without sshCidr", () => {
    const sg = one(run, "aws:ec2/securityGroup:SecurityGroup").inputs;
    expect(sg.ingress.map((r: any) => [r.fromPort, r.toPort])).to.deep.equal([[80, 80]]);
    expect(sg.ingress.some((r: any) => r.fromPort <= 22 && r.toPort >= 22)).to.equal(false);
  });

  it("opens SSH to the configured CIDR only", async () => {
    const r = await runProgram({ ...BASE, sshCidr: "198.51.100.7/32", appPorts: [80, 443] });
    const ingress = one(r, "aws:ec2/securityGroup:SecurityGroup").inputs.ingress;
    expect(ingress.map((x: any) => x.fromPort)).to.deep.equal([80, 443, 22]);
    expect(ingress.find((x: any) => x.fromPort === 22).cidrBlocks).to.deep.equal(["198.51.100.7/32"]);
  });

  it("gives the instance SSM, its revisions, the regional agent bucket, and nothing else on *", () => {
    const roles = byType(run, "aws:iam/role:Role");
    const instanceRole = roles.find((r) => policyOf(r, "assumeRolePolicy").Statement[0].Principal.Service === "ec2.amazonaws.com")!;
    expect(instanceRole).to.exist;
    const attachments = byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
    expect(attachments).to.include("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");

    const bucketArn = `arn:aws:s3:::${one(run, "aws:s3/bucket:Bucket").id}`;
    const statements = policyOf(one(run, "aws:iam/rolePolicy:RolePolicy")).Statement;
    const resources = statements.flatMap((s: any) => [s.Resource].flat());
    expect(resources).to.include(`${bucketArn}/*`);
    expect(resources).to.include(bucketArn);
    expect(resources).to.include(`arn:aws:s3:::aws-codedeploy-${REGION}/*`);
    const onStar = statements.filter((s: any) => [s.Resource].flat().includes("*"));
    expect(onStar).to.have.length(1);
    expect(onStar[0].Action).to.deep.equal(["cloudwatch:PutMetricData"]);
    expect(onStar[0].Condition).to.deep.equal({ StringEquals: { "cloudwatch:namespace": "ec2-rollback/myapp" } });
    for (const s of statements) expect(s.Action.some((a: string) => a.endsWith("*"))).to.equal(false);
  });

  it("binds a separately allocated Elastic IP to the instance, allowing re-association", () => {
    const eip = one(run, "aws:ec2/eip:Eip");
    expect(eip.inputs.domain).to.equal("vpc");
    const assoc = one(run, "aws:ec2/eipAssociation:EipAssociation").inputs;
    expect(assoc.allocationId).to.equal("eipalloc-0a1b2c3d4e5f60718");
    expect(assoc.instanceId).to.equal(one(run, "aws:ec2/instance:Instance").id);
    expect(assoc.allowReassociation).to.equal(true);
    expect(run.outputs.publicIp).to.equal(PUBLIC_IP);
  });

  it("has no data volume by default", () => {
    expect(byType(run, "aws:ebs/volume:Volume")).to.have.length(0);
    expect(byType(run, "aws:ec2/volumeAttachment:VolumeAttachment")).to.have.length(0);
  });

  it("makes an encrypted, protected data volume in the subnet's AZ, re-attached delete-before-replace", async () => {
    const r = await runProgram({ ...BASE, dataVolumeSizeGiB: 50 });
    const vol = one(r, "aws:ebs/volume:Volume");
    expect(vol.inputs).to.include({ size: 50, type: "gp3", encrypted: true, availabilityZone: `${REGION}a` });
    expect(vol.protect).to.equal(true);
    const att = one(r, "aws:ec2/volumeAttachment:VolumeAttachment");
    expect(att.inputs).to.include({ volumeId: vol.id, instanceId: one(r, "aws:ec2/instance:Instance").id, stopInstanceBeforeDetaching: true });
    expect(att.deleteBeforeReplace).to.equal(true);
    expect(one(r, "aws:ec2/eipAssociation:EipAssociation").deleteBeforeReplace).to.equal(false);
    const ud: string = one(r, "aws:ec2/instance:Instance").inputs.userData;
    expect(ud).to.include(`nvme-Amazon_Elastic_Block_Store_${vol.id.replace("-", "")}`);
    expect(ud).to.include('blkid "$dev" >/dev/null || mkfs.xfs "$dev"');
  });

  it("uses an AMI id as is, without a lookup", async () => {
    const r = await runProgram({ amiVersion: "ami-0fedcba9876543210" });
    expect(r.invokes.some((i) => i.token === "aws:ec2/getAmiIds:getAmiIds")).to.equal(false);
    expect(one(r, "aws:ec2/instance:Instance").inputs.ami).to.equal("ami-0fedcba9876543210");
    expect(r.outputs.amiId).to.equal("ami-0fedcba9876543210");
  });
});

describe("program: network", function () {
  it("creates a small VPC with public subnets and no NAT gateway by default", async () => {
    const r = await runProgram(BASE);
    const vpc = one(r, "awsx:ec2:Vpc").inputs;
    expect(vpc.natGateways).to.deep.equal({ strategy: "None" });
    expect(vpc.subnetSpecs).to.deep.equal([{ type: "Public", cidrMask: 24 }]);
    expect(one(r, "aws:ec2/instance:Instance").inputs.subnetId).to.equal("subnet-0aaaaaaaaaaaaaaa1");
    expect(one(r, "aws:ec2/securityGroup:SecurityGroup").inputs.vpcId).to.equal("vpc-0fedcba9876543210");
  });

  it("uses an existing subnet (and its VPC) when subnetId is set", async () => {
    const r = await runProgram({ ...BASE, subnetId: "subnet-0bbbbbbbbbbbbbbb2" });
    expect(byType(r, "awsx:ec2:Vpc")).to.have.length(0);
    expect(one(r, "aws:ec2/instance:Instance").inputs.subnetId).to.equal("subnet-0bbbbbbbbbbbbbbb2");
    expect(one(r, "aws:ec2/securityGroup:SecurityGroup").inputs.vpcId).to.equal("vpc-0existing000000000");
  });
});

describe("program: alarms, deployment, revisions, backup", function () {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram({ ...BASE, alarmEmail: "ops@example.com", weeklyBackupRetentionDays: 90 });
  });

  it("alarms on the instance's status check and on the app's health metric, to the e-mail topic", () => {
    const alarms = byType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
    const status = alarms.find((a) => a.metricName === "StatusCheckFailed")!;
    expect(status.dimensions).to.deep.equal({ InstanceId: one(run, "aws:ec2/instance:Instance").id });
    const app = alarms.find((a) => a.metricName === "HealthCheckFailed")!;
    expect(app).to.include({ namespace: "ec2-rollback/myapp", treatMissingData: "notBreaching" });
    expect(app.dimensions).to.deep.equal({ App: "myapp", Stack: "dev", Role: "live" });
    const topic = one(run, "aws:sns/topic:Topic");
    const sub = one(run, "aws:sns/topicSubscription:TopicSubscription").inputs;
    expect(sub).to.include({ protocol: "email", endpoint: "ops@example.com" });
    for (const a of alarms) expect(a.alarmActions).to.deep.equal([`arn:aws:sns:${REGION}:111122223333:${topic.name}`]);
  });

  it("has no SNS topic without alarmEmail", async () => {
    const r = await runProgram(BASE);
    expect(byType(r, "aws:sns/topic:Topic")).to.have.length(0);
  });

  it("keeps revisions in a versioned, encrypted, private, TLS-only bucket that expires old versions", () => {
    const bucket = one(run, "aws:s3/bucket:Bucket");
    const arn = `arn:aws:s3:::${bucket.id}`;
    expect(one(run, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration.status).to.equal("Enabled");
    const sse = one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs;
    expect(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("AES256");
    expect(one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).to.include({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = policyOf(one(run, "aws:s3/bucketPolicy:BucketPolicy")).Statement[0];
    expect(policy).to.deep.include({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(policy.Resource).to.deep.equal([arn, `${arn}/*`]);
    const rules = one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;
    expect(rules[0].noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 90 });
    expect(bucket.inputs.forceDestroy).to.not.equal(true);
  });

  it("deploys in place to the tagged instance with a one-instance config and rolls back on failure and alarm", () => {
    expect(one(run, "aws:codedeploy/application:Application").inputs).to.include({ computePlatform: "Server", name: "myapp-dev" });
    const role = byType(run, "aws:iam/role:Role").find(
      (r) => policyOf(r, "assumeRolePolicy").Statement[0].Principal.Service === "codedeploy.amazonaws.com",
    )!;
    expect(role).to.exist;
    const attachment = byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").find(
      (a) => a.inputs.policyArn === "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole",
    )!;
    expect(attachment.inputs.role).to.equal(role.inputs.name ?? `${role.name}-x1y2z3`);

    const g = one(run, "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs;
    expect(g.deploymentConfigName).to.equal("CodeDeployDefault.AllAtOnce");
    expect(g.deploymentStyle).to.deep.equal({ deploymentType: "IN_PLACE", deploymentOption: "WITHOUT_TRAFFIC_CONTROL" });
    expect(g.autoRollbackConfiguration).to.deep.equal({ enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] });
    expect(g.alarmConfiguration.enabled).to.equal(true);

    // The links: the tag filter matches a tag the instance carries; the watched alarms exist.
    const instanceTags = one(run, "aws:ec2/instance:Instance").inputs.tags;
    const [filter] = g.ec2TagSets[0].ec2TagFilters;
    expect(filter.type).to.equal("KEY_AND_VALUE");
    expect(instanceTags[filter.key]).to.equal(filter.value);
    const alarmNames = byType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
    expect(g.alarmConfiguration.alarms).to.have.length(2);
    for (const name of g.alarmConfiguration.alarms) expect(alarmNames).to.include(name);
  });

  it("backs the instance up by tag into a KMS-encrypted vault, daily and weekly, with no cold storage", () => {
    const key = one(run, "aws:kms/key:Key");
    expect(key.inputs.enableKeyRotation).to.equal(true);
    const vault = one(run, "aws:backup/vault:Vault").inputs;
    expect(vault.kmsKeyArn).to.equal(`arn:aws:kms:${REGION}:111122223333:${key.name}`);
    const rules = one(run, "aws:backup/plan:Plan").inputs.rules;
    expect(rules.map((r: any) => r.ruleName)).to.deep.equal(["daily", "weekly"]);
    expect(rules[0]).to.include({ schedule: "cron(0 5 ? * * *)", targetVaultName: "myapp-dev" });
    expect(rules[0].lifecycle).to.deep.equal({ deleteAfter: 14 });
    expect(rules[1].lifecycle).to.deep.equal({ deleteAfter: 90 });
    for (const r of rules) {
      expect(r.lifecycle.coldStorageAfter).to.equal(undefined);
      expect(r.recoveryPointTags).to.include({ App: "myapp", Stack: "dev" });
    }

    const sel = one(run, "aws:backup/selection:Selection").inputs;
    const instanceTags = one(run, "aws:ec2/instance:Instance").inputs.tags;
    const [tag] = sel.selectionTags;
    expect(tag.type).to.equal("STRINGEQUALS");
    expect(instanceTags[tag.key]).to.equal(tag.value);
    const role = byType(run, "aws:iam/role:Role").find((r) => policyOf(r, "assumeRolePolicy").Statement[0].Principal.Service === "backup.amazonaws.com")!;
    expect(sel.iamRoleArn).to.equal(`arn:aws:iam:${REGION}:111122223333:${role.name}`);
    const arns = byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
    expect(arns).to.include("arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup");
    expect(arns.some((a: string) => a.includes("Restores")), "nothing restores through AWS Backup").to.equal(false);
  });

  it("has only the daily rule without weeklyBackupRetentionDays", async () => {
    const r = await runProgram({ ...BASE, backupSchedule: "cron(30 2 ? * MON-FRI *)", backupRetentionDays: 7 });
    const rules = one(r, "aws:backup/plan:Plan").inputs.rules;
    expect(rules).to.have.length(1);
    expect(rules[0]).to.include({ schedule: "cron(30 2 ? * MON-FRI *)" });
    expect(rules[0].lifecycle).to.deep.equal({ deleteAfter: 7 });
  });

  it("exports the stack outputs named in the design", () => {
    expect(run.outputs).to.include.all.keys(
      "instanceId",
      "publicIp",
      "elasticIpAllocationId",
      "amiId",
      "amiVersion",
      "applicationName",
      "deploymentGroupName",
      "revisionsBucket",
      "backupVaultName",
      "backupPlanId",
      "region",
    );
    expect(run.outputs).to.include({
      publicIp: PUBLIC_IP,
      amiVersion: "myapp-v1.2.3",
      amiId: OWNED_AMIS["myapp-v1.2.3"][0],
      applicationName: "myapp-dev",
      deploymentGroupName: "myapp-dev",
      backupVaultName: "myapp-dev",
      region: REGION,
    });
    expect(run.outputs.healthCheckUrl).to.equal(`http://${PUBLIC_IP}:80/`);
  });
});

describe("program: two machines, one address", function () {
  const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
  /** What differs between two runs: added, removed, and changed inputs, by type (alarms by metric). */
  function diff(a: ProgramRun, b: ProgramRun) {
    const label = (r: RecordedResource) => `${r.type}${r.type.includes("MetricAlarm") ? `:${r.inputs.metricName}` : ""}:${r.name}`;
    const inB = new Map(b.resources.map((r) => [key(r), r]));
    const inA = new Map(a.resources.map((r) => [key(r), r]));
    return {
      added: b.resources.filter((r) => !inA.has(key(r))).map(label).sort(),
      removed: a.resources.filter((r) => !inB.has(key(r))).map(label).sort(),
      changed: a.resources.filter((r) => inB.has(key(r)) && JSON.stringify(r.inputs) !== JSON.stringify(inB.get(key(r))!.inputs)).map(label).sort(),
      replacedInstances: a.resources
        .filter((r) => r.type === "aws:ec2/instance:Instance" && inB.has(key(r)) && r.inputs.ami !== inB.get(key(r))!.inputs.ami)
        .map((r) => r.name),
    };
  }
  const both = { amiVersion: "myapp-v1.2.3", standbyAmiVersion: "myapp-v1.2.2", dataVolumeSizeGiB: 10 };

  it("one machine by default: blue is live and holds the address; no standby, empty standby outputs", async () => {
    const run = await runProgram(BASE);
    const instances = byType(run, "aws:ec2/instance:Instance");
    expect(instances.map((i) => i.name)).to.deep.equal(["myapp-blue"]);
    expect(run.outputs).to.include({ liveSlot: "blue", standbyInstanceId: "", standbyAmiId: "", standbyAmiVersion: "", standbyAddress: "" });
    expect(one(run, "aws:ec2transitgateway/instanceState:InstanceState").inputs).to.deep.equal({ instanceId: instances[0].id, state: "running" });
  });

  it("two machines: the live slot runs amiVersion with the address and the live-only tags; the standby its own version, stopped", async () => {
    const run = await runProgram({ ...both, liveSlot: "green" });
    const [blue, green] = ["myapp-blue", "myapp-green"].map((n) => run.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name === n)!);
    expect(green.inputs.ami).to.equal(OWNED_AMIS["myapp-v1.2.3"][0]);
    expect(blue.inputs.ami).to.equal(OWNED_AMIS["myapp-v1.2.2"][0]);
    expect(green.inputs.tags).to.include({ Role: "live", CodeDeployTarget: "myapp-dev", BackupTarget: "myapp-dev" });
    expect(blue.inputs.tags).to.include({ Role: "standby", Slot: "blue" });
    expect(blue.inputs.tags).to.not.have.any.keys("CodeDeployTarget", "BackupTarget");
    expect(one(run, "aws:ec2/eipAssociation:EipAssociation").inputs.instanceId).to.equal(green.id);
    expect(one(run, "aws:ec2/volumeAttachment:VolumeAttachment").inputs.instanceId).to.equal(green.id);
    const states = byType(run, "aws:ec2transitgateway/instanceState:InstanceState").map((r) => [r.inputs.instanceId, r.inputs.state]);
    expect(states).to.have.deep.members([
      [green.id, "running"],
      [blue.id, "stopped"],
    ]);
    expect(run.outputs).to.include({ instanceId: green.id, liveSlot: "green", standbyInstanceId: blue.id, standbyAmiVersion: "myapp-v1.2.2", standbyAddress: "" });
    expect(run.outputs.standbyAmiId).to.equal(OWNED_AMIS["myapp-v1.2.2"][0]);
    const running = await runProgram({ ...both, liveSlot: "green", standbyState: "running" });
    expect(running.outputs.standbyAddress).to.equal("198.51.100.1");
  });

  it("orders a flip: the live machine running, then the data volume, then the address, then the standby's power state", async () => {
    const run = await runProgram({ ...both, liveSlot: "green" });
    const dependsOn = (r: RecordedResource, other: RecordedResource) => r.dependencies.some((u) => u.endsWith(`::${other.name}`));
    const association = one(run, "aws:ec2/eipAssociation:EipAssociation");
    const attachment = one(run, "aws:ec2/volumeAttachment:VolumeAttachment");
    const power = (n: string) => run.resources.find((r) => r.name === n)!;
    expect(dependsOn(association, power("myapp-green-power")), "address after the live machine runs").to.equal(true);
    expect(dependsOn(association, attachment), "address after the volume moved").to.equal(true);
    expect(dependsOn(attachment, power("myapp-green-power")), "volume after the live machine runs").to.equal(true);
    expect(dependsOn(power("myapp-blue-power"), association), "standby stops after the address moved").to.equal(true);
    expect(dependsOn(power("myapp-green-power"), association), "the live machine never waits for the address").to.equal(false);
  });

  it("a flip (liveSlot, amiVersion, standbyAmiVersion swapped) replaces nothing: only the association, tags, the status alarm, power states and the volume's machine", async () => {
    const a = await runProgram({ ...both, alarmEmail: "ops@example.com" });
    const b = await runProgram({ ...both, alarmEmail: "ops@example.com", liveSlot: "green", amiVersion: "myapp-v1.2.2", standbyAmiVersion: "myapp-v1.2.3" });
    const d = diff(a, b);
    expect(d.added).to.deep.equal([]);
    expect(d.removed).to.deep.equal([]);
    expect(d.replacedInstances).to.deep.equal([]);
    expect(d.changed).to.deep.equal([
      "aws:cloudwatch/metricAlarm:MetricAlarm:StatusCheckFailed:myapp-status-check",
      "aws:ec2/eipAssociation:EipAssociation:myapp-eip-association",
      "aws:ec2/instance:Instance:myapp-blue", // tags only
      "aws:ec2/instance:Instance:myapp-green", // tags only
      "aws:ec2/volumeAttachment:VolumeAttachment:myapp-data-attachment",
      "aws:ec2transitgateway/instanceState:InstanceState:myapp-blue-power",
      "aws:ec2transitgateway/instanceState:InstanceState:myapp-green-power",
    ]);
    for (const name of ["myapp-blue", "myapp-green"]) {
      const [x, y] = [a, b].map((r) => r.resources.find((i) => i.type === "aws:ec2/instance:Instance" && i.name === name)!.inputs);
      expect({ ...x, tags: undefined }, name).to.deep.equal({ ...y, tags: undefined });
    }
    expect(a.outputs.publicIp).to.equal(b.outputs.publicIp);
    expect(b.outputs.instanceId).to.equal(a.outputs.standbyInstanceId);
  });

  it("a new standby version replaces only the standby machine and what hangs on it", async () => {
    const a = await runProgram(both);
    const b = await runProgram({ ...both, standbyAmiVersion: "ami-0fedcba9876543210" });
    const d = diff(a, b);
    expect(d.replacedInstances).to.deep.equal(["myapp-green"]);
    expect(d.changed).to.deep.equal(["aws:ec2/instance:Instance:myapp-green", "aws:ec2transitgateway/instanceState:InstanceState:myapp-green-power"]);
    expect(a.outputs.instanceId).to.equal(b.outputs.instanceId);
  });

  it("removing the standby (standbyAmiVersion \"\") removes only its machine and power state", async () => {
    const a = await runProgram(both);
    const b = await runProgram({ ...both, standbyAmiVersion: "" });
    const d = diff(a, b);
    expect(d.removed).to.deep.equal(["aws:ec2/instance:Instance:myapp-green", "aws:ec2transitgateway/instanceState:InstanceState:myapp-green-power"]);
    expect(d.changed).to.deep.equal([]);
  });

  it("a single-machine stack moves over in place: blue adopts the old <name>-instance (an alias), and launch-only settings never replace it", async () => {
    const run = await runProgram(BASE);
    const blue = run.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name === "myapp-blue")!;
    expect(blue.aliases).to.have.length(1);
    expect(blue.aliases[0]).to.match(/^myapp-instance@urn:pulumi:dev::ec2-rollback::ec2-rollback:index:Server::myapp$/);
    expect(blue.ignoreChanges).to.have.members(["userData", "ephemeralBlockDevices"]);
    const green = (await runProgram(both)).resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name === "myapp-green")!;
    expect(green.aliases).to.deep.equal([]);
  });

  it("with a data volume, no machine gets the volume's device from an AMI (noDevice); without one, nothing is suppressed", async () => {
    const run = await runProgram(both);
    for (const i of byType(run, "aws:ec2/instance:Instance")) expect(i.inputs.ephemeralBlockDevices, i.name).to.deep.equal([{ deviceName: "/dev/sdf", noDevice: true }]);
    expect(one(await runProgram(BASE), "aws:ec2/instance:Instance").inputs.ephemeralBlockDevices).to.equal(undefined);
  });

  it("only the machine holding the Elastic IP publishes the app's health", async () => {
    const ud: string = one(await runProgram(BASE), "aws:ec2/instance:Instance").inputs.userData;
    expect(ud).to.include(`\nADDRESS=${PUBLIC_IP}\n`);
    expect(ud).to.include('/latest/meta-data/public-ipv4)" = "$ADDRESS" ] || exit 0');
  });

  it("refuses a bad liveSlot, standbyState, keepPrevious or standbyAmiVersion with one line", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ liveSlot: "red" }, /^ec2-rollback:liveSlot is "red", not blue or green/],
      [{ standbyState: "paused" }, /^ec2-rollback:standbyState is "paused", not running or stopped/],
      [{ keepPrevious: "forever" }, /^ec2-rollback:keepPrevious is "forever", not stopped, running or none/],
      [{ standbyAmiVersion: "1.2.2" }, /^ec2-rollback:standbyAmiVersion "1\.2\.2" is neither .*write it as myapp-v1\.2\.2/],
      [{ standbyAmiVersion: "myapp-v9.9.9" }, /^ec2-rollback:standbyAmiVersion "myapp-v9\.9\.9": no AMI of that name/],
    ];
    for (const [config, message] of cases) {
      const e = await runProgram({ ...BASE, ...config }).then(
        () => undefined,
        (x: Error) => x,
      );
      expect(e, JSON.stringify(config)).to.be.instanceOf(pulumi.RunError);
      expect(e!.message).to.match(message);
    }
  });
});

describe("program: names and ARNs AWS accepts", function () {
  afterEach(() => setMockPartition("aws"));

  it("a stack name with dots still gives valid vault, plan, selection and topic names; a long one is cut with a hash, never two alike", async () => {
    const r = await runProgram({ ...BASE, alarmEmail: "ops@example.com" }, "team.prod.eu");
    expect(one(r, "aws:backup/vault:Vault").inputs.name).to.match(/^myapp-team-prod-eu-[0-9a-f]{6}$/);
    expect(one(r, "aws:backup/plan:Plan").inputs.name).to.equal("myapp-team.prod.eu");
    expect(one(r, "aws:backup/selection:Selection").inputs.name).to.equal("myapp-team.prod.eu");
    expect(one(r, "aws:sns/topic:Topic").inputs.name).to.match(/^myapp-team-prod-eu-alarms-[0-9a-f]{6}$/);
    // A stack named with a dash keeps its name, and never meets the dotted one.
    const dashed = await runProgram(BASE, "team-prod-eu");
    expect(one(dashed, "aws:backup/vault:Vault").inputs.name).to.equal("myapp-team-prod-eu");
    const a = await runProgram(BASE, `${"x".repeat(60)}-a`);
    const b = await runProgram(BASE, `${"x".repeat(60)}-b`);
    const [va, vb] = [a, b].map((x) => one(x, "aws:backup/vault:Vault").inputs.name as string);
    for (const v of [va, vb]) expect(v).to.match(/^[a-zA-Z0-9_-]{2,50}$/);
    expect(va).to.not.equal(vb);
    const long = await runProgram(BASE, "s".repeat(100));
    expect(one(long, "aws:codedeploy/application:Application").inputs.name.length).to.be.at.most(100);
    expect(one(long, "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs.deploymentGroupName.length).to.be.at.most(100);
  });

  it("ARNs use the stack's partition (China, GovCloud), not a hard-coded aws", async () => {
    setMockPartition("aws-cn");
    const r = await runProgram(BASE);
    const arns = byType(r, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((x) => x.inputs.policyArn as string);
    expect(arns).to.have.length.above(2);
    for (const arn of arns) expect(arn, arn).to.match(/^arn:aws-cn:iam::aws:policy\//);
    const statements = policyOf(one(r, "aws:iam/rolePolicy:RolePolicy")).Statement;
    expect(statements.find((x: any) => x.Sid === "ReadCodeDeployAgent").Resource).to.equal(`arn:aws-cn:s3:::aws-codedeploy-${REGION}/*`);
    // The agent is downloaded from the partition's own endpoint (amazonaws.com.cn in China).
    expect(one(r, "aws:ec2/instance:Instance").inputs.userData).to.include(`https://aws-codedeploy-\${REGION}.s3.\${REGION}.amazonaws.com.cn/latest/install`);
  });
});

describe("program: bad configuration stops before any resource", function () {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing amiVersion", {}, /^ec2-rollback:amiVersion is missing .*pulumi config set ec2-rollback:amiVersion myapp-v1\.0\.0/],
    ["malformed amiVersion", { amiVersion: "latest" }, /^ec2-rollback:amiVersion "latest" is neither an AMI id nor a version name myapp-v<semver>/],
    ["bare version", { amiVersion: "1.2.3" }, /\(write it as myapp-v1\.2\.3\)/],
    ["unknown version", { amiVersion: "myapp-v9.9.9" }, /^ec2-rollback:amiVersion "myapp-v9\.9\.9": no AMI of that name is owned by this account in eu-west-1; list the versions with `ec2-rollback versions`/],
    ["malformed schedule", { ...BASE, backupSchedule: "daily at 5" }, /^ec2-rollback:backupSchedule "daily at 5" is not an AWS cron expression.*cron\(0 5 \? \* \* \*\)/],
    ["schedule with both day fields", { ...BASE, backupSchedule: "cron(0 5 * * * *)" }, /^ec2-rollback:backupSchedule/],
    ["retention < 1", { ...BASE, backupRetentionDays: 0 }, /^ec2-rollback:backupRetentionDays is 0, outside 1–36500/],
    ["retention not a number", { ...BASE, backupRetentionDays: "two weeks" }, /^ec2-rollback:backupRetentionDays is "two weeks", not a whole number/],
    ["port outside 1-65535", { ...BASE, appPorts: [80, 70000] }, /^ec2-rollback:appPorts has port 70000, outside 1–65535/],
    ["port list malformed", { ...BASE, appPorts: "eighty" }, /^ec2-rollback:appPorts is "eighty", not a list of ports/],
    ["ssh cidr", { ...BASE, sshCidr: "0.0.0.0" }, /^ec2-rollback:sshCidr "0\.0\.0\.0" is not an IPv4 CIDR/],
    ["root volume too small", { ...BASE, rootVolumeSizeGiB: 4 }, /^ec2-rollback:rootVolumeSizeGiB is 4, outside 8–16384/],
    ["negative data volume", { ...BASE, dataVolumeSizeGiB: -1 }, /^ec2-rollback:dataVolumeSizeGiB is -1, outside 0–16384/],
    ["app name", { ...BASE, appName: "My App" }, /^ec2-rollback:appName "My App" must be/],
    ["instance type", { ...BASE, instanceType: "big" }, /^ec2-rollback:instanceType "big" is not an EC2 instance type/],
    ["subnet", { ...BASE, subnetId: "my-subnet" }, /^ec2-rollback:subnetId "my-subnet" is not a subnet id/],
    ["e-mail", { ...BASE, alarmEmail: "ops" }, /^ec2-rollback:alarmEmail "ops" is not an e-mail address/],
    ["health path", { ...BASE, healthCheckPath: "health" }, /^ec2-rollback:healthCheckPath "health" must be a URL path/],
  ];
  for (const [what, config, message] of cases) {
    it(what, async () => {
      let caught: unknown;
      let run: ProgramRun | undefined;
      try {
        run = await runProgram(config);
      } catch (e) {
        caught = e;
      }
      expect(run, "the program should have failed").to.equal(undefined);
      expect(caught).to.be.instanceOf(pulumi.RunError);
      const msg = (caught as Error).message;
      expect(msg).to.match(message);
      expect(msg.split("\n")).to.have.length(1);
    });
  }
});
