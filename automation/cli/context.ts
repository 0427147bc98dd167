// Opens what a command works on: the project folder, its stack (Automation API) and the AWS account.
import * as fs from "fs";
import * as path from "path";
import { REGION_KEY } from "../../contract/config";
import { clientConfig, withErrorContext } from "../adapters/awsErrors";
import { Ec2RollbackError } from "../core/errors";
import { AlarmPort, BackupPort, CloudPort, ProjectPort, DeployPort, RevisionStorePort, StackPort } from "../core/ports";

export interface GlobalOptions {
  stack: string;
  cwd: string;
  json: boolean;
  yes: boolean;
}

export interface CommandContext {
  stack: StackPort;
  /** The project's other stacks in the same backend (read only). */
  project: ProjectPort;
  cloud: CloudPort;
  region: string;
  projectDir: string;
  /** Which backend, and why: as the Pulumi CLI would choose it. */
  backend: string;
}

export async function openContext(g: GlobalOptions): Promise<CommandContext> {
  const projectDir = path.resolve(g.cwd);
  if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new Ec2RollbackError("NO_PROJECT", `no Pulumi.yaml in ${projectDir}: run ec2-rollback from the project folder or pass --cwd <dir>`);
  }
  // Loaded here, not at start-up, so `--help` stays instant.
  const { chooseBackend } = await import("../adapters/backend");
  const { PulumiStack } = await import("../adapters/pulumiStack");
  const { Ec2Cloud } = await import("../adapters/ec2Cloud");

  const backend = chooseBackend(projectDir);
  const stack = await PulumiStack.open({ workDir: projectDir, stackName: g.stack, env: backend.env });
  const [config, outputs] = await Promise.all([stack.config(), stack.outputs()]);
  const region = config[REGION_KEY];
  if (!region) {
    throw new Ec2RollbackError("CONFIG_INVALID", `stack "${g.stack}" has no ${REGION_KEY}: set it with \`pulumi config set ${REGION_KEY} <region> --stack ${g.stack}\``);
  }
  if (outputs.region && outputs.region !== region) {
    throw new Ec2RollbackError(
      "REGION_MISMATCH",
      `region mismatch: stack config ${REGION_KEY} is ${region} but the stack's resources are in ${outputs.region}; ` +
        `set it back with \`pulumi config set ${REGION_KEY} ${outputs.region} --stack ${g.stack}\``,
    );
  }
  const cloud = Ec2Cloud.forRegion(region);
  await cloud.identity(); // fail now, with the fix, when there are no credentials
  return { stack, project: stack.project(), cloud, region, projectDir, backend: backend.description };
}

/** S3 and CodeDeploy adapters for the app-layer commands, in the stack's region. */
export async function openAppServices(ctx: CommandContext): Promise<{ store: RevisionStorePort; deploy: DeployPort }> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  const { CodeDeployClient } = await import("@aws-sdk/client-codedeploy");
  const { S3Revisions } = await import("../adapters/s3Revisions");
  const { CodeDeployService } = await import("../adapters/codeDeploy");
  return {
    store: new S3Revisions(withErrorContext(new S3Client(clientConfig(ctx.region)))),
    deploy: new CodeDeployService(withErrorContext(new CodeDeployClient(clientConfig(ctx.region)))),
  };
}

/** The CloudWatch alarms adapter, in the stack's region. */
export async function openAlarms(ctx: CommandContext): Promise<AlarmPort> {
  const { CloudWatchClient } = await import("@aws-sdk/client-cloudwatch");
  const { CloudWatchAlarms } = await import("../adapters/cloudWatchAlarms");
  return new CloudWatchAlarms(withErrorContext(new CloudWatchClient(clientConfig(ctx.region))));
}

/** The AWS Backup adapter, in the stack's region. */
export async function openBackup(ctx: CommandContext): Promise<BackupPort> {
  const { BackupClient } = await import("@aws-sdk/client-backup");
  const { AwsBackup } = await import("../adapters/awsBackup");
  return new AwsBackup(withErrorContext(new BackupClient(clientConfig(ctx.region))));
}
