// A local stand-in for the AWS APIs the CLI calls (STS and EC2 query, CodeDeploy's reads in JSON 1.1;
// AWS Backup refuses), reached through AWS_ENDPOINT_URL. Only for spawned-CLI tests on 127.0.0.1; it
// answers a fixed account with a few AMIs.
import * as http from "http";
import { AddressInfo } from "net";

export interface FakeAws {
  url: string;
  actions: string[];
  /** More checkpoint AMIs of the app (myapp-v0.0.<n>), for outputs of any size. */
  extraImages: number;
  /** The CodeDeploy group's deployments, newest first, as CodeDeploy's JSON gives them (times in epoch seconds). */
  deployments: Record<string, unknown>[];
  /** The vault's recovery points as AWS Backup's JSON gives them; undefined = AWS Backup refuses (403). */
  recoveryPoints?: Record<string, unknown>[];
  close(): Promise<void>;
}

const IMAGES = [
  { id: "ami-0000000000000122a", name: "myapp-v1.2.2", created: "2026-11-10T00:00:00.000Z" },
  { id: "ami-0000000000000123a", name: "myapp-v1.2.3", created: "2026-11-20T00:00:00.000Z" },
  { id: "ami-0000000000000900a", name: "otherapp-v9.0.0", created: "2026-11-21T00:00:00.000Z" },
];

function imageXml(i: (typeof IMAGES)[number]): string {
  return `<item><imageId>${i.id}</imageId><name>${i.name}</name><imageState>available</imageState><imageOwnerId>111122223333</imageOwnerId>
<architecture>x86_64</architecture><creationDate>${i.created}</creationDate><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName>
<ebs><snapshotId>snap-${i.id.slice(4)}</snapshotId><volumeSize>20</volumeSize></ebs></item></blockDeviceMapping></item>`;
}

/** What the endpoint knows of the machines: read from the stub stack's state on each call. */
export interface FakeMachine {
  /** Instance id → the AMI name or id it runs. */
  instances: Record<string, string>;
  /** The instance the Elastic IP is on. */
  instanceId: string;
  publicIp: string;
  /** AMI ids whose instances fail their status checks. */
  impaired: Set<string>;
  /** Instances that are stopped (the rest run). */
  stopped?: Set<string>;
}

const EC2_NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';

const stateXml = (m: FakeMachine, id: string | null) =>
  m.stopped?.has(id ?? "") ? "<instanceState><code>80</code><name>stopped</name></instanceState>" : "<instanceState><code>16</code><name>running</name></instanceState>";

function imageIdOf(pin: string): string {
  return pin.startsWith("ami-") ? pin : (IMAGES.find((i) => i.name === pin)?.id ?? "ami-unknown");
}

function answer(params: URLSearchParams, machine?: () => FakeMachine, extraImages = 0): string {
  const action = params.get("Action");
  const m = machine?.();
  if (m && action === "DescribeInstances") {
    return `<DescribeInstancesResponse ${EC2_NS}><requestId>1</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>
<instanceId>${params.get("InstanceId.1")}</instanceId><imageId>${imageIdOf(m.instances[params.get("InstanceId.1") ?? ""] ?? "")}</imageId>${stateXml(m, params.get("InstanceId.1"))}
<instanceType>t3.micro</instanceType><ipAddress>127.0.0.1</ipAddress></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`;
  }
  if (m && action === "DescribeInstanceStatus") {
    const status = m.impaired.has(imageIdOf(m.instances[params.get("InstanceId.1") ?? ""] ?? "")) ? "impaired" : "ok";
    return `<DescribeInstanceStatusResponse ${EC2_NS}><requestId>1</requestId><instanceStatusSet><item><instanceId>${params.get("InstanceId.1")}</instanceId>
${stateXml(m, params.get("InstanceId.1"))}<systemStatus><status>${status}</status></systemStatus><instanceStatus><status>${status}</status></instanceStatus>
</item></instanceStatusSet></DescribeInstanceStatusResponse>`;
  }
  if (m && action === "DescribeAddresses") {
    return `<DescribeAddressesResponse ${EC2_NS}><requestId>1</requestId><addressesSet><item><publicIp>${m.publicIp}</publicIp>
<allocationId>${params.get("AllocationId.1")}</allocationId><domain>vpc</domain><instanceId>${m.instanceId}</instanceId></item></addressesSet></DescribeAddressesResponse>`;
  }
  if (action === "GetCallerIdentity") {
    return `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>arn:aws:iam::111122223333:user/alice</Arn><UserId>AIDA</UserId><Account>111122223333</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  }
  if (action === "DescribeImages") {
    const pattern = params.get("Filter.1.Value.1") ?? "*";
    const re = new RegExp(`^${pattern.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`);
    const extra = Array.from({ length: extraImages }, (_, n) => ({ id: `ami-${String(n).padStart(17, "0")}`, name: `myapp-v0.0.${n}`, created: "2026-01-01T00:00:00.000Z" }));
    const items = [...IMAGES, ...extra].filter((i) => re.test(i.name)).map(imageXml).join("");
    return `<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><imagesSet>${items}</imagesSet></DescribeImagesResponse>`;
  }
  if (action === "DescribeInstanceTypes") {
    return `<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><instanceTypeSet><item>
<instanceType>t3.micro</instanceType><processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures></processorInfo></item></instanceTypeSet></DescribeInstanceTypesResponse>`;
  }
  throw new Error(`fake AWS does not know ${action}`);
}

/** CodeDeploy's reads (JSON 1.1: the action in `x-amz-target`): ListDeployments, BatchGetDeployments, GetDeployment. */
function codeDeployAnswer(action: string, input: Record<string, unknown>, deployments: Record<string, unknown>[]): unknown {
  const byId = (id: unknown) => deployments.find((d) => d.deploymentId === id);
  if (action === "ListDeployments") {
    const only = input.includeOnlyStatuses as string[] | undefined;
    return { deployments: deployments.filter((d) => !only || only.includes(d.status as string)).map((d) => d.deploymentId) };
  }
  if (action === "BatchGetDeployments") return { deploymentsInfo: ((input.deploymentIds as string[]) ?? []).map(byId).filter(Boolean) };
  if (action === "GetDeployment") return { deploymentInfo: byId(input.deploymentId) };
  throw new Error(`fake AWS does not know CodeDeploy ${action}`);
}

export async function startFakeAws(machine?: () => FakeMachine): Promise<FakeAws> {
  const actions: string[] = [];
  const fake: FakeAws = { url: "", actions, extraImages: 0, deployments: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const target = /^CodeDeploy_20141006\.(\w+)$/.exec(String(req.headers["x-amz-target"] ?? ""));
    if (target) {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        actions.push(target[1]);
        try {
          res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(codeDeployAnswer(target[1], JSON.parse(body || "{}"), fake.deployments)));
        } catch (e) {
          res
            .writeHead(400, { "content-type": "application/x-amz-json-1.1" })
            .end(JSON.stringify({ __type: "InvalidOperationException", message: (e as Error).message }));
        }
      });
      return;
    }
    if (req.url?.startsWith("/backup-vaults/")) {
      // AWS Backup (REST-JSON): the vault's recovery points, or (by default) this caller may not read the vault.
      actions.push("ListRecoveryPointsByBackupVault");
      if (fake.recoveryPoints) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ RecoveryPoints: fake.recoveryPoints }));
      res
        .writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "AccessDeniedException" })
        .end(JSON.stringify({ Message: "User is not authorized to perform: backup:ListRecoveryPointsByBackupVault" }));
      return;
    }
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const params = new URLSearchParams(body);
      actions.push(params.get("Action") ?? "?");
      try {
        res.writeHead(200, { "content-type": "text/xml" }).end(answer(params, machine, fake.extraImages));
      } catch (e) {
        res.writeHead(400, { "content-type": "text/xml" }).end(`<Response><Errors><Error><Code>Unknown</Code><Message>${(e as Error).message}</Message></Error></Errors></Response>`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}
