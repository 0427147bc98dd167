import { expect } from "chai";
import * as http from "http";
import * as os from "os";
import { AddressInfo } from "net";
import { cli, CliWorld, cliWorld } from "../../helpers/cli";

/** Every failure is one line on stderr; with --json, `{"error": {message, code, exitCode}}` on stdout too. */
function expectFailure(r: { code: number | null; stdout: string; stderr: string }, code: string, exitCode: number): string {
  expect(r.code, r.stderr).to.equal(exitCode);
  expect(r.stderr.split("\n").filter(Boolean), r.stderr).to.have.length(1);
  const message = r.stderr.replace(/^ec2-rollback: /, "").trimEnd();
  expect(JSON.parse(r.stdout)).to.deep.equal({ error: { message, code, exitCode } });
  return message;
}

describe("ec2-rollback CLI failures (spawned)", function () {
  this.timeout(30000);

  describe("usage errors under --json: the error object on stdout, exit 2", () => {
    const cases: [string, string[], string][] = [
      ["an unknown command", ["frobnicate", "--json"], "unknown command 'frobnicate' (run with --help for usage)"],
      ["an unknown option", ["status", "--frobnicate", "--json"], "unknown option '--frobnicate' (run with --help for usage)"],
      ["a missing argument", ["--json", "checkpoint"], "missing required argument 'version' (run with --help for usage)"],
      [
        "a value outside the choices",
        ["deploy", "app", "--version", "1.0.0", "--file-exists", "maybe", "--json"],
        "option '--file-exists <what>' argument 'maybe' is invalid. Allowed choices are fail, overwrite, retain. (run with --help for usage)",
      ],
      ["a bad value the command checks", ["rollback", "1.2.2", "--verify-timeout", "soon", "--json", "-C", os.tmpdir()], '--verify-timeout "soon" is not a positive number of minutes'],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        expect(expectFailure(await cli(args), "USAGE", 2)).to.equal(message);
      });
    }

    it("no command: the help on stderr, then one line; the error object on stdout", async () => {
      const r = await cli(["--json"]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/^Usage: ec2-rollback /);
      expect(r.stderr).to.match(/\nec2-rollback: no command given \(the commands are listed above\)\n$/);
      expect(JSON.parse(r.stdout)).to.deep.equal({ error: { message: "no command given (the commands are listed above)", code: "USAGE", exitCode: 2 } });
    });

    it("without --json, stdout stays empty", async () => {
      const r = await cli(["frobnicate"]);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.equal("ec2-rollback: unknown command 'frobnicate' (run with --help for usage)\n");
    });
  });

  describe("an AWS endpoint that is not AWS, or not there", () => {
    let world: CliWorld;
    let page: http.Server;
    let pageUrl: string;
    before(async () => {
      // What a proxy or a wrong AWS_ENDPOINT_URL answers: a web page.
      page = http.createServer((req, res) => {
        req.resume();
        req.on("end", () =>
          res.writeHead(502, { "content-type": "text/html" }).end("<!DOCTYPE html><html><head><meta charset=utf-8><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"),
        );
      });
      await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
      pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    });
    after(() => new Promise((r) => page.close(r)));
    beforeEach(async () => {
      world = await cliWorld();
    });
    afterEach(() => world.close());

    it("versions --json against an endpoint that answers HTML: one line naming the operation, the endpoint and AWS_ENDPOINT_URL", async () => {
      const r = await cli(["versions", "--json", "-C", world.stub.projectDir], { ...world.env, AWS_ENDPOINT_URL: pageUrl });
      const message = expectFailure(r, "AWS_UNEXPECTED_ANSWER", 1);
      // The first AWS call says it: STS GetCallerIdentity, or EC2 DescribeImages where no STS call comes first.
      expect(message).to.match(
        new RegExp(
          `^(STS GetCallerIdentity|EC2 DescribeImages): the endpoint did not answer like AWS: ${pageUrl} \\(set by AWS_ENDPOINT_URL\\) answered HTTP 502, text/html; nothing was changed\\. ` +
            "Point AWS_ENDPOINT_URL at an AWS-compatible endpoint, or unset it, and try again$",
        ),
      );
      expect(r.stderr).not.to.match(/unexpected error|Deserialization|Unexpected token/);
    });

    it("a refused connection (AWS_ENDPOINT_URL=http://127.0.0.1:9) names the endpoint and AWS_ENDPOINT_URL", async () => {
      const r = await cli(["versions", "--json", "-C", world.stub.projectDir], { ...world.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
      const message = expectFailure(r, "AWS_UNREACHABLE", 1);
      expect(message).to.match(
        /^(STS GetCallerIdentity|EC2 DescribeImages): could not reach http:\/\/127\.0\.0\.1:9 \(set by AWS_ENDPOINT_URL\): connection refused; nothing was sent to AWS\. Start what should answer there, or fix or unset AWS_ENDPOINT_URL, and try again$/,
      );
    });

    it("only EC2 pointed elsewhere (AWS_ENDPOINT_URL_EC2): that variable is named, not AWS_ENDPOINT_URL", async () => {
      const r = await cli(["versions", "-C", world.stub.projectDir], { ...world.env, AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:9" });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.match(/^ec2-rollback: EC2 DescribeImages: could not reach http:\/\/127\.0\.0\.1:9 \(set by AWS_ENDPOINT_URL_EC2\): connection refused;.* fix or unset AWS_ENDPOINT_URL_EC2, and try again\n$/);
    });
  });
});
