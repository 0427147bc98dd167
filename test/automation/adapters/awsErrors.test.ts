import { expect } from "chai";
import * as http from "http";
import { AddressInfo } from "net";
import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from "@aws-sdk/client-backup";
import { CreateImageCommand, DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { aws, AwsCall, clientConfig, explainAwsError, withErrorContext } from "../../../automation/adapters/awsErrors";
import { endpointOrigin } from "../../../automation/adapters/awsEndpoints";
import { Ec2RollbackError } from "../../../automation/core/errors";

const DESCRIBE: AwsCall = { service: "EC2", operation: "DescribeImages", endpoint: "http://127.0.0.1:9/" };
const AWS_EC2: AwsCall = { ...DESCRIBE, endpoint: "https://ec2.eu-west-1.amazonaws.com/" };

/** Node's error for a refused connection, as the SDK passes it on. */
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED", syscall: "connect", address: "127.0.0.1", port: 9, $metadata: { attempts: 3 } });

function explained(e: unknown, call: AwsCall | undefined, env: NodeJS.ProcessEnv = {}): Ec2RollbackError {
  const x = explainAwsError(e, call, env);
  expect(x, String(x)).to.be.instanceOf(Ec2RollbackError);
  expect((x as Error).message).not.to.include("\n");
  return x as Ec2RollbackError;
}

describe("AWS errors: one line naming the operation, what it means, and the fix", () => {
  describe("an endpoint that cannot be reached names itself and where it came from", () => {
    it("AWS_ENDPOINT_URL", () => {
      const e = explained(refused(), DESCRIBE, { AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
      expect(e.code).to.equal("AWS_UNREACHABLE");
      expect(e.message).to.equal(
        "EC2 DescribeImages: could not reach http://127.0.0.1:9 (set by AWS_ENDPOINT_URL): connection refused; nothing was sent to AWS. " +
          "Start what should answer there, or fix or unset AWS_ENDPOINT_URL, and try again",
      );
      expect(e.cause).to.be.an("error");
    });

    it("AWS_ENDPOINT_URL_EC2, which the SDK prefers to AWS_ENDPOINT_URL", () => {
      const e = explained(refused(), DESCRIBE, { AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:9", AWS_ENDPOINT_URL: "http://127.0.0.1:4566" });
      expect(e.message).to.match(/^EC2 DescribeImages: could not reach http:\/\/127\.0\.0\.1:9 \(set by AWS_ENDPOINT_URL_EC2\): connection refused;/);
      expect(e.message).to.include("fix or unset AWS_ENDPOINT_URL_EC2");
    });

    it("neither: AWS's default endpoint, and the variables that would change it", () => {
      const e = explained(
        Object.assign(new Error("getaddrinfo ENOTFOUND ec2.eu-west-1.amazonaws.com"), { code: "ENOTFOUND", syscall: "getaddrinfo", $metadata: {} }),
        AWS_EC2,
        {},
      );
      expect(e.message).to.equal(
        "EC2 DescribeImages: could not reach https://ec2.eu-west-1.amazonaws.com/ (AWS's default endpoint: none of AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL or a profile's endpoint_url is set): " +
          "no such host (ENOTFOUND); nothing was sent to AWS. Check this machine's network and DNS, and try again",
      );
    });

    it("a profile's endpoint_url (AWS_PROFILE, the config file)", () => {
      const e = explained(refused(), { ...DESCRIBE, endpoint: "http://localhost:4566/" }, { AWS_PROFILE: "local", AWS_CONFIG_FILE: "/home/me/.aws/config" });
      expect(e.message).to.include('could not reach http://localhost:4566/ (set by endpoint_url in AWS profile "local" (/home/me/.aws/config))');
    });

    it("a variable the SDK was told to ignore is not blamed", () => {
      const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" };
      expect(endpointOrigin("EC2", AWS_EC2.endpoint, env).source).to.match(/^AWS's default endpoint/);
      // S3 puts the bucket in front of a configured host: still that variable's endpoint.
      expect(endpointOrigin("S3", "http://bucket.localhost:4566/", { AWS_ENDPOINT_URL: "http://localhost:4566" }).source).to.equal("set by AWS_ENDPOINT_URL");
    });

    it("DNS that fails for now, and a connection that is not made in time, are unreachable too; a slow answer is a timeout", () => {
      const again = explained(Object.assign(new Error("getaddrinfo EAI_AGAIN x"), { code: "EAI_AGAIN", syscall: "getaddrinfo", $metadata: {} }), AWS_EC2);
      expect(again.code).to.equal("AWS_UNREACHABLE");
      expect(again.message).to.include("its name could not be looked up now (DNS, EAI_AGAIN)");
      const connect = explained(
        Object.assign(new Error("@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 3000 ms."), {
          name: "TimeoutError",
          $metadata: {},
        }),
        DESCRIBE,
        { AWS_ENDPOINT_URL: "http://127.0.0.1:9" },
      );
      expect(connect.code).to.equal("AWS_UNREACHABLE");
      expect(connect.message).to.include("(set by AWS_ENDPOINT_URL): no connection within 3000 ms; nothing was sent to AWS");
      const slow = explained(
        Object.assign(new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 9000 ms requestTimeout."), { name: "TimeoutError", code: "ETIMEDOUT", $metadata: {} }),
        { service: "EC2", operation: "CreateImage" },
      );
      expect(slow.code).to.equal("AWS_TIMEOUT");
      expect(slow.message).to.equal(
        "EC2 CreateImage: AWS did not answer in time (a request has exceeded the configured 9000 ms requestTimeout.); a change it was asked for may still happen; try again",
      );
    });
  });

  describe("an answer that is not AWS's says so, with the endpoint and its source", () => {
    it("an HTML page where JSON was expected: one line, not the SDK's two", () => {
      const sdk = Object.assign(
        new SyntaxError(`Unexpected token '<', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`),
        { $metadata: { httpStatusCode: 200 }, $response: { statusCode: 200, headers: { "content-type": "text/html; charset=utf-8" } } },
      );
      const e = explained(sdk, { service: "Backup", operation: "ListRecoveryPointsByBackupVault", endpoint: "http://127.0.0.1:8080/" }, { AWS_ENDPOINT_URL: "http://127.0.0.1:8080" });
      expect(e.code).to.equal("AWS_UNEXPECTED_ANSWER");
      expect(e.message).to.equal(
        "Backup ListRecoveryPointsByBackupVault: the endpoint did not answer like AWS: http://127.0.0.1:8080 (set by AWS_ENDPOINT_URL) answered HTTP 200, text/html; charset=utf-8; " +
          "nothing was changed. Point AWS_ENDPOINT_URL at an AWS-compatible endpoint, or unset it, and try again",
      );
    });

    it("an unreadable body from AWS's own endpoint: something answered in its place; a change may or may not have happened", () => {
      const sdk = Object.assign(new Error("@aws-sdk XML parse error: unexpected content.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object."), {
        $metadata: { httpStatusCode: 200 },
        $response: { statusCode: 200, headers: { "content-type": "application/json" } },
      });
      const e = explained(sdk, { ...AWS_EC2, operation: "CreateImage" });
      expect(e.message).to.equal(
        "EC2 CreateImage: the endpoint did not answer like AWS: https://ec2.eu-west-1.amazonaws.com/ (AWS's default endpoint: none of AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL or a profile's endpoint_url is set) " +
          "answered HTTP 200, application/json, that the SDK could not read (XML parse error: unexpected content.); whether it took effect is unknown. " +
          "Something between this machine and AWS answered in its place (a proxy, a captive portal?): check the network and try again",
      );
    });

    it("an HTML error page the SDK took for an AWS error (NotFound: Unknown)", () => {
      const sdk = Object.assign(new Error("Unknown"), { name: "NotFound", $fault: "client", $metadata: { httpStatusCode: 404 }, $response: { statusCode: 404, headers: { "content-type": "text/html" } } });
      expect(explained(sdk, DESCRIBE, { AWS_ENDPOINT_URL: "http://127.0.0.1:9" }).message).to.include("the endpoint did not answer like AWS: http://127.0.0.1:9 (set by AWS_ENDPOINT_URL) answered HTTP 404, text/html");
    });
  });

  describe("the known meanings name the operation too", () => {
    const cases: [string, object, string, string][] = [
      [
        "no credentials",
        Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
        "AWS_CREDENTIALS",
        "STS GetCallerIdentity: no AWS credentials found, so nothing was sent: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and try again",
      ],
      [
        "an expired session",
        Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredToken", $metadata: { httpStatusCode: 400 } }),
        "AWS_CREDENTIALS",
        "STS GetCallerIdentity: your AWS session has expired, so AWS did nothing: log in again (`aws sso login` or new keys) and try again",
      ],
      [
        "a refusal",
        Object.assign(new Error("User: arn:aws:iam::1:user/a is not authorized to perform: sts:GetCallerIdentity"), { name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } }),
        "AWS_DENIED",
        "STS GetCallerIdentity: AWS refused: User: arn:aws:iam::1:user/a is not authorized to perform: sts:GetCallerIdentity — the caller needs that permission",
      ],
      [
        "rejected keys",
        Object.assign(new Error("The security token included in the request is invalid."), { name: "InvalidClientTokenId", $fault: "client", $metadata: { httpStatusCode: 403 } }),
        "AWS_CREDENTIALS",
        "STS GetCallerIdentity: AWS rejected the credentials (InvalidClientTokenId), so it did nothing: check AWS_PROFILE / the access keys, and try again",
      ],
      [
        "throttling past the retries",
        Object.assign(new Error("Rate exceeded"), { name: "Throttling", $fault: "client", $metadata: { httpStatusCode: 400, attempts: 3 } }),
        "AWS_THROTTLED",
        "STS GetCallerIdentity: AWS throttled the request (Throttling, 3 attempts), so it did nothing: wait a minute and try again",
      ],
      [
        "any other AWS error",
        Object.assign(new Error("Invalid id: \"x\""), { name: "ValidationError", $fault: "client", $metadata: { httpStatusCode: 400 } }),
        "AWS_FAILED",
        'STS GetCallerIdentity: AWS refused the request (ValidationError: Invalid id: "x"); nothing was done',
      ],
    ];
    it("no credentials with AWS_PROFILE set: that profile is named, not 'set AWS_PROFILE'", () => {
      const sdk = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
      expect(explained(sdk, { service: "STS", operation: "GetCallerIdentity" }, { AWS_PROFILE: "nosuch" }).message).to.equal(
        'STS GetCallerIdentity: AWS profile "nosuch" (AWS_PROFILE) gave no credentials, so nothing was sent: check it exists in ~/.aws/config or ~/.aws/credentials (for SSO: `aws sso login --profile nosuch`), and try again',
      );
    });

    for (const [what, sdk, code, message] of cases) {
      it(what, () => {
        const e = explained(sdk, { service: "STS", operation: "GetCallerIdentity" });
        expect(e.code).to.equal(code);
        expect(e.message).to.equal(message);
        expect(e.cause).to.equal(sdk);
      });
    }

    it("a connection that breaks mid-request, and whatever else an SDK call throws, are named too", () => {
      const reset = explained(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read", $metadata: {} }), { ...DESCRIBE, operation: "CreateImage" }, { AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
      expect(reset.message).to.equal(
        "EC2 CreateImage: the connection to http://127.0.0.1:9 (set by AWS_ENDPOINT_URL) broke during the request (read ECONNRESET); whether it took effect is unknown: try again",
      );
      const other = explained(new Error("Region is missing"), DESCRIBE, {});
      expect(other.code).to.equal("AWS_FAILED");
      expect(other.message).to.equal("EC2 DescribeImages: failed: Region is missing; nothing was changed (DEBUG=1 shows the SDK's error)");
    });

    it("without a call (a client without the middleware) the meaning stays, unnamed; what is no AWS error passes as it is", () => {
      const e = explained(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }), undefined);
      expect(e.message).to.match(/^no AWS credentials found/);
      // A bug outside the SDK's calls has no call: it stays itself ("unexpected error" in main).
      const bug = new TypeError("x is undefined");
      expect(explainAwsError(bug)).to.equal(bug);
      const own = new Ec2RollbackError("TIMED_OUT", "t");
      expect(explainAwsError(own, DESCRIBE, {})).to.equal(own);
    });
  });

  describe("through real SDK clients with withErrorContext (a local endpoint set by AWS_ENDPOINT_URL_<SERVICE>)", function () {
    this.timeout(10_000);
    let server: http.Server;
    let url: string;
    let answer: (res: http.ServerResponse) => void;
    const saved = { ...process.env };
    before(async () => {
      server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => answer(res));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_ENDPOINT_URL_EC2: url, AWS_ENDPOINT_URL_STS: url, AWS_ENDPOINT_URL_BACKUP: url });
      delete process.env.AWS_ENDPOINT_URL;
      delete process.env.AWS_PROFILE;
    });
    after(async () => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const failureOf = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as Ec2RollbackError;
      }
      throw new Error("it did not fail");
    };
    const html = (status: number, body: string) => (res: http.ServerResponse) => res.writeHead(status, { "content-type": "text/html" }).end(body);

    it("an HTML page to EC2 (XML) and to AWS Backup (JSON): the operation, 'did not answer like AWS', the endpoint and its variable", async () => {
      answer = html(502, "<!DOCTYPE html><html><head><meta charset=utf-8><title>Bad Gateway</title></head><body>502</body></html>");
      const ec2 = withErrorContext(new EC2Client(clientConfig("eu-west-1")));
      const e = await failureOf(aws(() => ec2.send(new DescribeImagesCommand({ Owners: ["self"] }))));
      expect(e.code).to.equal("AWS_UNEXPECTED_ANSWER");
      expect(e.message).to.equal(
        `EC2 DescribeImages: the endpoint did not answer like AWS: ${url} (set by AWS_ENDPOINT_URL_EC2) answered HTTP 502, text/html; nothing was changed. ` +
          "Point AWS_ENDPOINT_URL_EC2 at an AWS-compatible endpoint, or unset it, and try again",
      );
      const backup = withErrorContext(new BackupClient(clientConfig("eu-west-1")));
      const b = await failureOf(aws(() => backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: "v" }))));
      expect(b.message).to.match(/^Backup ListRecoveryPointsByBackupVault: the endpoint did not answer like AWS: http:\/\/127\.0\.0\.1:\d+ \(set by AWS_ENDPOINT_URL_BACKUP\) answered HTTP 502, text\/html;/);
    });

    it("a web page that happens to parse as XML is refused too (STS would otherwise answer with no account)", async () => {
      answer = html(200, "<!doctype html><html><body>Welcome</body></html>");
      const sts = withErrorContext(new STSClient(clientConfig("eu-west-1")));
      const e = await failureOf(aws(() => sts.send(new GetCallerIdentityCommand({}))));
      expect(e.message).to.match(/^STS GetCallerIdentity: the endpoint did not answer like AWS: .* answered HTTP 200, text\/html; nothing was changed\./);
    });

    it("a refused connection names the operation, the endpoint and AWS_ENDPOINT_URL_EC2", async () => {
      process.env.AWS_ENDPOINT_URL_EC2 = "http://127.0.0.1:9";
      const ec2 = withErrorContext(new EC2Client(clientConfig("eu-west-1")));
      const e = await failureOf(aws(() => ec2.send(new CreateImageCommand({ InstanceId: "i-1", Name: "myapp-v1.0.0" }))));
      process.env.AWS_ENDPOINT_URL_EC2 = url;
      expect(e.code).to.equal("AWS_UNREACHABLE");
      expect(e.message).to.match(/^EC2 CreateImage: could not reach http:\/\/127\.0\.0\.1:9 \(set by AWS_ENDPOINT_URL_EC2\): connection refused; nothing was sent to AWS\./);
    });

    it("a call that outlives its bound names the operation in flight", async () => {
      answer = () => undefined; // never answers
      const ec2 = withErrorContext(new EC2Client(clientConfig("eu-west-1")));
      const e = await failureOf(aws(() => ec2.send(new DescribeImagesCommand({})), 1000));
      expect(e.code).to.equal("AWS_TIMEOUT");
      expect(e.message).to.equal("EC2 DescribeImages: AWS did not answer within 1 s; try again");
    });
  });
});
