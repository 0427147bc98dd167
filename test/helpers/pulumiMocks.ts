// Runs the Pulumi program (index.ts) under pulumi.runtime.setMocks and records every resource.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, any>;
  id: string;
  /** Resource options as the engine receives them. */
  protect: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  /** URNs of the resources it depends on (dependsOn and its inputs'). */
  dependencies: string[];
  /** Its aliases: `name@parentUrn` for a spec, the URN for a full one. */
  aliases: string[];
}

type RequestOptions = Pick<RecordedResource, "protect" | "deleteBeforeReplace" | "ignoreChanges" | "dependencies" | "aliases">;
const NO_OPTIONS: RequestOptions = { protect: false, deleteBeforeReplace: false, ignoreChanges: [], dependencies: [], aliases: [] };

export interface ProgramRun {
  resources: RecordedResource[];
  outputs: Record<string, any>;
  invokes: { token: string; args: Record<string, any> }[];
}

export const REGION = "eu-west-1";
export const ACCOUNT = "111122223333";
export const PUBLIC_IP = "203.0.113.10";

/** The partition getPartition answers (`aws`; `aws-cn` for China regions, `aws-us-gov` for GovCloud). */
let mockPartition = "aws";
export function setMockPartition(p: string): void {
  mockPartition = p;
}

/** AMI names the mocked account owns → their ids, newest first. */
export const OWNED_AMIS: Record<string, string[]> = {
  "myapp-v1.2.3": ["ami-0123456789abcdef1"],
  "myapp-v1.2.2": ["ami-0123456789abcdef0"],
};

function shortHash(v: unknown): string {
  return crypto.createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 17);
}

function state(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
  const arn = `arn:aws:${type.split(":")[1].split("/")[0]}:${REGION}:${ACCOUNT}:${name}`;
  switch (type) {
    case "aws:ec2/instance:Instance":
      // A new AMI means a new machine: the id follows the inputs, as a replacement would.
      return { id: `i-${shortHash([name, inputs.ami])}`, state: { ...inputs, arn, availabilityZone: `${REGION}a`, publicIp: `198.51.100.${name.endsWith("green") ? 2 : 1}` } };
    case "aws:ec2/eip:Eip":
      return { id: "eipalloc-0a1b2c3d4e5f60718", state: { ...inputs, allocationId: "eipalloc-0a1b2c3d4e5f60718", publicIp: PUBLIC_IP } };
    case "aws:s3/bucket:Bucket":
      return { id: `${name}-4f1e2d`, state: { ...inputs, bucket: `${name}-4f1e2d`, arn: `arn:aws:s3:::${name}-4f1e2d` } };
    case "awsx:ec2:Vpc":
      return { id: "", state: { vpcId: "vpc-0fedcba9876543210", publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1"] } };
    case "aws:backup/plan:Plan":
      return { id: "plan-1234", state: { ...inputs, arn } };
    default:
      return { id: `${name}-id`, state: { ...inputs, arn, name: inputs.name ?? `${name}-x1y2z3` } };
  }
}

function call(token: string, args: Record<string, any>): Record<string, any> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { region: REGION, name: REGION, id: REGION };
    case "aws:index/getPartition:getPartition":
      return { partition: mockPartition, dnsSuffix: mockPartition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com", id: mockPartition };
    case "aws:ec2/getAmiIds:getAmiIds": {
      const name = args.filters?.[0]?.values?.[0];
      return { ids: OWNED_AMIS[name] ?? [], owners: args.owners };
    }
    case "aws:ec2/getSubnet:getSubnet":
      return { id: args.id, vpcId: args.id === "subnet-0aaaaaaaaaaaaaaa1" ? "vpc-0fedcba9876543210" : "vpc-0existing000000000", availabilityZone: `${REGION}a` };
    default:
      throw new Error(`unmocked invoke ${token}`);
  }
}

/** Runs the program once with this stack config (keys without namespace are ec2-rollback:). */
export async function runProgram(config: Record<string, unknown>, stack = "dev"): Promise<ProgramRun> {
  return record(config, stack, async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main: () => Promise<Record<string, pulumi.Input<any>>> = require("../../index");
    return main();
  });
}

/** Declares whatever `body` declares, on its own (one component, as pulumi-awsx's tests do), and records it. */
export async function runComponent(body: () => Record<string, pulumi.Input<any>>, stack = "dev"): Promise<ProgramRun> {
  return record({}, stack, async () => body());
}

async function record(config: Record<string, unknown>, stack: string, body: () => Promise<Record<string, pulumi.Input<any>>>): Promise<ProgramRun> {
  const full: Record<string, string> = { "aws:region": REGION };
  for (const [k, v] of Object.entries(config)) {
    full[k.includes(":") ? k : `ec2-rollback:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  pulumi.runtime.setAllConfig(full);
  const run: ProgramRun = { resources: [], outputs: {}, invokes: [] };
  const requestOptions = new Map<string, RequestOptions>();
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        const s = state(a.type, a.name, a.inputs);
        const o = requestOptions.get(`${a.type}::${a.name}`) ?? NO_OPTIONS;
        run.resources.push({ type: a.type, name: a.name, custom: a.custom ?? true, inputs: a.inputs, id: s.id, ...o });
        return s;
      },
      call: (a) => {
        run.invokes.push({ token: a.token, args: a.inputs });
        return call(a.token, a.inputs);
      },
    },
    "ec2-rollback",
    stack,
    false,
  );
  // Mocks see only inputs; options (protect, deleteBeforeReplace) travel on the request to the monitor.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, cb: any) => {
    requestOptions.set(`${req.getType()}::${req.getName()}`, {
      protect: req.getProtect() === true,
      deleteBeforeReplace: req.getDeletebeforereplace() === true,
      ignoreChanges: req.getIgnorechangesList(),
      dependencies: req.getDependenciesList(),
      aliases: req.getAliasesList().map((a: any) => (a.hasSpec() ? `${a.getSpec().getName()}@${a.getSpec().getParenturn()}` : a.getUrn())),
    });
    return register(req, cb);
  };
  const outputs = await body();
  for (const [k, o] of Object.entries(outputs)) run.outputs[k] = await valueOf(pulumi.output(o));
  // Let every registration finish before the caller looks at the record.
  await pulumi.runtime.disconnect?.();
  return run;
}

export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

export function byType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string): RecordedResource {
  const found = byType(run, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}
