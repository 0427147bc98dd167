// A local stand-in for the AWS calls `ec2-rollback deploy --no-wait` makes (STS, S3, CodeDeploy),
// reached through AWS_ENDPOINT_URL. S3 bodies are counted and thrown away: it measures the client,
// not storage. Only for the bench, on 127.0.0.1.
import * as http from "http";
import { AddressInfo } from "net";

export interface FakeDeployAws {
  url: string;
  /** "PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "CreateDeployment" … in order. */
  calls: string[];
  /** Bytes of object data received (single puts and parts). */
  bytesReceived: number;
  /** The body of the last single PutObject of at most 64 MiB, to read the zip back. */
  lastPutBody?: Buffer;
  close(): Promise<void>;
}

function s3Operation(req: http.IncomingMessage, url: URL): string {
  const q = url.searchParams;
  if (req.method === "HEAD") return "HeadObject";
  if (req.method === "GET") return "ListObjectsV2";
  if (req.method === "DELETE") return "AbortMultipartUpload";
  if (req.method === "POST" && q.has("uploads")) return "CreateMultipartUpload";
  if (req.method === "POST" && q.has("uploadId")) return "CompleteMultipartUpload";
  if (req.method === "PUT" && q.has("partNumber")) return "UploadPart";
  return "PutObject";
}

function s3(op: string, url: URL, res: http.ServerResponse): void {
  const xml = (body: string) => void res.writeHead(200, { "content-type": "application/xml", "x-amz-version-id": "v-bench" }).end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  const [, bucket, ...key] = url.pathname.split("/");
  switch (op) {
    case "HeadObject":
      res.writeHead(404).end();
      return;
    case "ListObjectsV2":
      return xml(`<ListBucketResult><Name>${bucket}</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`);
    case "AbortMultipartUpload":
      res.writeHead(204).end();
      return;
    case "CreateMultipartUpload":
      return xml(`<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key.join("/")}</Key><UploadId>u-bench</UploadId></InitiateMultipartUploadResult>`);
    case "CompleteMultipartUpload":
      return xml(`<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key.join("/")}</Key><ETag>"etag-bench-mpu"</ETag></CompleteMultipartUploadResult>`);
    case "UploadPart":
      res.writeHead(200, { etag: `"part-${url.searchParams.get("partNumber")}"` }).end();
      return;
    default:
      res.writeHead(200, { etag: '"etag-bench"', "x-amz-version-id": "v-bench" }).end();
  }
}

function codeDeploy(action: string): unknown {
  if (action === "CreateDeployment") return { deploymentId: "d-BENCH" };
  if (action === "ListDeployments") return { deployments: [] };
  if (action === "BatchGetDeployments") return { deploymentsInfo: [] };
  return {};
}

export async function startFakeDeployAws(): Promise<FakeDeployAws> {
  const fake: FakeDeployAws = { url: "", calls: [], bytesReceived: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const target = req.headers["x-amz-target"];
    const form = String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
    const keep = typeof target === "string" || form; // small JSON / query bodies; S3 data is only counted
    const small = req.method === "PUT" && !url.searchParams.has("partNumber") && Number(req.headers["content-length"]) <= 64 * 1024 ** 2;
    let body = "";
    const put: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      if (keep) body += c;
      else fake.bytesReceived += c.length;
      if (small) put.push(c);
    });
    req.on("end", () => {
      if (typeof target === "string") {
        const action = target.split(".").pop() ?? "?";
        fake.calls.push(action);
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(codeDeploy(action)));
      } else if (form) {
        const action = new URLSearchParams(body).get("Action") ?? "?";
        fake.calls.push(action);
        if (action !== "GetCallerIdentity") {
          res.writeHead(400, { "content-type": "text/xml" }).end(`<ErrorResponse><Error><Code>Unknown</Code><Message>not faked: ${action}</Message></Error></ErrorResponse>`);
          return;
        }
        res.writeHead(200, { "content-type": "text/xml" }).end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/bench</Arn>` +
            `<UserId>AIDA</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
      } else {
        const op = s3Operation(req, url);
        fake.calls.push(op);
        if (small) fake.lastPutBody = Buffer.concat(put);
        s3(op, url, res);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}
