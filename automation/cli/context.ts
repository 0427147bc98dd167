// Opens what a command works on: the project folder, its stack and the AWS clients of its region.
import * as path from "path";
import { REGION_KEY } from "../../contract/config";
import { Ec2RollbackError } from "../core/errors";
import { AlarmPort, BackupPort, CloudPort, DeployPort, IdentityPort, ProjectPort, RevisionStorePort, StackPort } from "../core/ports";

export interface GlobalOptions {
  stack: string;
  cwd: string;
  json: boolean;
  yes: boolean;
  /** False with --no-color. */
  color?: boolean;
  verbose?: boolean;
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

/** The AWS services a command uses: their SDK clients load while the stack is read. */
export type Service = "ec2" | "sts" | "s3" | "codedeploy" | "cloudwatch" | "backup";

/** Each service's adapter module; each adapter makes itself for a region (`forRegion`). */
const ADAPTERS = {
  ec2: () => import("../adapters/ec2Cloud"),
  // The adapter loads STS's client only when asked; loading the service loads it too.
  sts: async () => (await import("@aws-sdk/client-sts"), import("../adapters/callerIdentity")),
  s3: () => import("../adapters/s3Revisions"),
  codedeploy: () => import("../adapters/codeDeploy"),
  cloudwatch: () => import("../adapters/cloudWatchAlarms"),
  backup: () => import("../adapters/awsBackup"),
} satisfies Record<Service, () => Promise<unknown>>;

/** A port whose adapter is made on its first call (each of its methods returns a promise). */
function onFirstCall<T extends object>(make: () => Promise<T>): T {
  let made: Promise<T> | undefined;
  return new Proxy({} as T, {
    // Not a promise (`then`), nor anything but the port's methods.
    get: (_, method) =>
      method === "then" || typeof method === "symbol"
        ? undefined
        : async (...args: unknown[]) => {
            made ??= make();
            const port = (await made) as Record<PropertyKey, (...a: unknown[]) => unknown>;
            return port[method](...args);
          },
  });
}

/**
 * Opens the project's stack (its config, outputs and tags asked for side by side: one `pulumi` call in
 * a row; the tags unless `o.tags` is false) and loads the SDK clients of `o.services` meanwhile.
 */
export async function openContext(g: GlobalOptions, o: { services?: Service[]; tags?: boolean } = {}): Promise<CommandContext> {
  // Loaded here, not at start-up, so `--help` stays instant.
  const { chooseBackend, findProjectDir } = await import("../adapters/backend");
  // As Pulumi does: the nearest folder upwards with a Pulumi.yaml.
  const start = path.resolve(g.cwd);
  const projectDir = findProjectDir(start);
  if (!projectDir) {
    throw new Ec2RollbackError("NO_PROJECT", `no Pulumi.yaml in ${start} or any folder above it: run ec2-rollback inside the project folder or pass --cwd <dir>`);
  }
  const { PulumiStack } = await import("../adapters/pulumiStack");
  const backend = chooseBackend(projectDir);
  const opening = PulumiStack.open({ workDir: projectDir, stackName: g.stack, env: backend.env, tags: o.tags });
  opening.catch(() => undefined); // said below
  for (const service of o.services ?? ["ec2"]) await ADAPTERS[service]();
  const stack = await opening;
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
  // No STS call first: a command that needs the account asks for it beside its first AWS call, and
  // missing credentials are said by whichever call comes first (awsErrors.ts).
  const cloud = onFirstCall(async () => (await ADAPTERS.ec2()).Ec2Cloud.forRegion(region));
  return { stack, project: stack.project(), cloud, region, projectDir, backend: backend.description };
}

/**
 * S3 and CodeDeploy adapters for the app-layer commands, and who calls (STS alone: a deploy never loads
 * EC2's client), in the stack's region; each SDK client is made on first use.
 */
export async function openAppServices(ctx: CommandContext): Promise<{ store: RevisionStorePort; deploy: DeployPort; caller: IdentityPort }> {
  return {
    store: onFirstCall(async () => (await ADAPTERS.s3()).S3Revisions.forRegion(ctx.region)),
    deploy: onFirstCall(async () => (await ADAPTERS.codedeploy()).CodeDeployService.forRegion(ctx.region)),
    caller: onFirstCall(async () => (await ADAPTERS.sts()).CallerIdentity.forRegion(ctx.region)),
  };
}

/** The CloudWatch alarms adapter, in the stack's region, made on first use. */
export async function openAlarms(ctx: CommandContext): Promise<AlarmPort> {
  return onFirstCall(async () => (await ADAPTERS.cloudwatch()).CloudWatchAlarms.forRegion(ctx.region));
}

/** The AWS Backup adapter, in the stack's region, made on first use. */
export async function openBackup(ctx: CommandContext): Promise<BackupPort> {
  return onFirstCall(async () => (await ADAPTERS.backup()).AwsBackup.forRegion(ctx.region));
}
