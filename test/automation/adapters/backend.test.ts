import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chooseBackend } from "../../../automation/adapters/backend";

describe("backend choice: the one the Pulumi CLI would use", function () {
  const project = () => fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-backend-"));
  const home = (current?: string) => {
    const h = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-pulumi-home-"));
    if (current !== undefined) fs.writeFileSync(path.join(h, "credentials.json"), JSON.stringify({ current }));
    return h;
  };

  it("each combination of environment and login", () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ PULUMI_BACKEND_URL: "s3://state", PULUMI_HOME: home("https://api.pulumi.com"), PULUMI_ACCESS_TOKEN: "pul-x" }, "PULUMI_BACKEND_URL"],
      [{ PULUMI_HOME: home("https://api.pulumi.com"), PULUMI_ACCESS_TOKEN: "pul-x", PROJECT_BACKEND: "s3://project-state" }, "Pulumi.yaml"],
      [{ PULUMI_HOME: home("s3://team-state"), PULUMI_ACCESS_TOKEN: "pul-x" }, "login"],
      [{ PULUMI_HOME: home("file:///x") }, "login"],
      [{ PULUMI_HOME: home(), PULUMI_ACCESS_TOKEN: "pul-x" }, "PULUMI_ACCESS_TOKEN"], // CI: a token and no login means Pulumi Cloud
      [{ PULUMI_HOME: home("") , PULUMI_ACCESS_TOKEN: "pul-x" }, "PULUMI_ACCESS_TOKEN"],
      [{ PULUMI_HOME: home() }, "project file backend"],
    ];
    for (const [env, source] of cases) {
      const dir = project();
      if (env.PROJECT_BACKEND) fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ec2-rollback\nruntime: nodejs\nbackend:\n  url: ${env.PROJECT_BACKEND}\n`);
      const b = chooseBackend(dir, env);
      expect(b.source, JSON.stringify(env)).to.equal(source);
      expect(b.env, source).to.deep.equal(source === "project file backend" ? { PULUMI_BACKEND_URL: `file://${path.join(dir, ".pulumi-state")}` } : {});
      expect(b.description, source).to.match(source === "PULUMI_ACCESS_TOKEN" ? /^Pulumi Cloud \(PULUMI_ACCESS_TOKEN, no login\)$/ : /\(.+\)$/);
    }
  });
});
