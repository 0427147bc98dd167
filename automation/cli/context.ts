// Opens what a command works on: the project folder, its stack (Automation API) and the AWS account.
import * as fs from "fs";
import * as path from "path";
import { UserError } from "../core/errors";
import { BackupPort, CONFIG, CloudPort, DeployPort, RevisionStorePort, StackPort } from "../core/ports";

export interface GlobalOptions {
  stack: string;
  cwd: string;
  json: boolean;
  yes: boolean;
}

export interface CommandContext {
  stack: StackPort;
  cloud: CloudPort;
  region: string;
  projectDir: string;
}

export async function openContext(g: GlobalOptions): Promise<CommandContext> {
  const projectDir = path.resolve(g.cwd);
  if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new UserError(`no Pulumi.yaml in ${projectDir}: run ec2-rollback from the project folder or pass --cwd <dir>`);
  }
  // Loaded here, not at start-up, so `--help` stays instant.
  const { backendEnv } = await import("../adapters/backend");
  const { PulumiStack } = await import("../adapters/pulumiStack");
  const { Ec2Cloud } = await import("../adapters/ec2Cloud");

  const onTerminal = !!(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
  const stack = await PulumiStack.open({ workDir: projectDir, stackName: g.stack, env: backendEnv(projectDir), forwardInterrupt: !onTerminal });
  const [config, outputs] = await Promise.all([stack.config(), stack.outputs()]);
  const region = config[CONFIG.region];
  if (!region) {
    throw new UserError(`stack "${g.stack}" has no aws:region: set it with \`pulumi config set aws:region <region> --stack ${g.stack}\``);
  }
  if (outputs.region && outputs.region !== region) {
    throw new UserError(
      `region mismatch: stack config aws:region is ${region} but the stack's resources are in ${outputs.region}; ` +
        `set it back with \`pulumi config set aws:region ${outputs.region} --stack ${g.stack}\``,
    );
  }
  const cloud = Ec2Cloud.forRegion(region);
  await cloud.identity(); // fail now, with the fix, when there are no credentials
  return { stack, cloud, region, projectDir };
}

/** S3 and CodeDeploy adapters for the app-layer commands, in the stack's region. */
export async function openAppServices(ctx: CommandContext): Promise<{ store: RevisionStorePort; deploy: DeployPort }> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  const { CodeDeployClient } = await import("@aws-sdk/client-codedeploy");
  const { S3Revisions } = await import("../adapters/s3Revisions");
  const { CodeDeployService } = await import("../adapters/codeDeploy");
  return {
    store: new S3Revisions(new S3Client({ region: ctx.region })),
    deploy: new CodeDeployService(new CodeDeployClient({ region: ctx.region })),
  };
}

/** The AWS Backup adapter, in the stack's region. */
export async function openBackup(ctx: CommandContext): Promise<BackupPort> {
  const { BackupClient } = await import("@aws-sdk/client-backup");
  const { AwsBackup } = await import("../adapters/awsBackup");
  return new AwsBackup(new BackupClient({ region: ctx.region }));
}
