// Loads index.ts the way `pulumi up` does (see @pulumi/pulumi cmd/run: its vendored ts-node, the
// project's TypeScript and tsconfig.json, type-checking on), then runs it under mocks. Spawned by
// loads.test.ts so the TypeScript hook stays out of the test process.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tsutils = require("@pulumi/pulumi/tsutils");
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  project: "tsconfig.json",
  skipProject: false,
  compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});

async function main() {
  pulumi.runtime.setAllConfig({ "aws:region": "eu-west-1", "ec2-rollback:amiVersion": "ami-0123456789abcdef0" });
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => ({
        id: `${a.name}-id`,
        state: { ...a.inputs, publicIp: "203.0.113.10", allocationId: "eipalloc-1", publicSubnetIds: ["subnet-1"], vpcId: "vpc-1", arn: `arn:aws:x:::${a.name}`, name: a.inputs.name ?? a.name, bucket: a.name },
      }),
      call: (a) => (a.token.includes("getRegion") ? { region: "eu-west-1" } : { id: "subnet-1", vpcId: "vpc-1", availabilityZone: "eu-west-1a" }),
    },
    "ec2-rollback",
    "dev",
    false,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program: () => Promise<Record<string, unknown>> = require(path.resolve("index.ts"));
  const outputs = await program();
  process.stdout.write(JSON.stringify({ loader: tsnodeRequire.includes("vendor") ? "vendored ts-node" : "ts-node", outputs: Object.keys(outputs) }));
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
});
