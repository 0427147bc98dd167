// The first-boot script never runs configuration as code: hostile values are refused, and what is
// accepted reaches the health probe as data (a systemd EnvironmentFile), never as shell source.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderUserData } from "../../components/userData";
import { ConfigError, parseSettings } from "../../contract/config";

const base = { appName: "myapp", stack: "dev", region: "eu-west-1", healthPort: 80, appDestination: "/opt/myapp/current", metricNamespace: "ec2-rollback/myapp", address: "203.0.113.10", dataMountPath: "/data" };

/** The text between `<<'MARK'` and `MARK`. */
function block(script: string, mark: string): string {
  const start = script.indexOf(`<<'${mark}'\n`) + `<<'${mark}'\n`.length;
  return script.slice(start, script.indexOf(`\n${mark}\n`, start));
}

describe("user data: configuration is data, never code", function () {
  it("refuses health paths that a shell or a systemd file would read as something else", () => {
    for (const bad of ["/health'$(touch${IFS}/tmp/pwned)'", "/it's", '/a"b', "/a`id`", "/a\\b", "/a b", "/a\nExecStart=/bin/sh", "health"]) {
      let e: unknown;
      try {
        parseSettings((k) => (k === "amiVersion" ? "myapp-v1.0.0" : k === "healthCheckPath" ? bad : undefined));
      } catch (x) {
        e = x;
      }
      expect(e, JSON.stringify(bad)).to.be.instanceOf(ConfigError);
      expect((e as Error).message).to.match(/^ec2-rollback:healthCheckPath /);
    }
    for (const ok of ["/", "/health", "/api/v1/health?full=1&x=%20", "/h$(x)"]) {
      expect(parseSettings((k) => (k === "amiVersion" ? "myapp-v1.0.0" : k === "healthCheckPath" ? ok : undefined)).healthCheckPath).to.equal(ok);
    }
  });

  it("the probe gets even an odd-looking accepted path as a literal URL: nothing in it runs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ec2rb-probe-"));
    const pwned = path.join(dir, "pwned");
    const healthPath = `/h$(touch$IFS${pwned})`; // every character is allowed; as code it would create the file
    const script = renderUserData({ ...base, healthPath });
    // Each setting appears once, in the EnvironmentFile block, and not in any script line.
    const env = block(script, "ENV");
    expect(env.split("\n")).to.include(`HEALTH_URL=http://127.0.0.1:80${healthPath}`);
    expect(script.split(healthPath)).to.have.length(2);
    const probe = block(script, "PROBE");
    expect(probe).to.not.include(healthPath).and.not.include("203.0.113.10").and.not.include("eu-west-1");

    // Run the probe as systemd would: the EnvironmentFile's KEY=value lines as the environment, and
    // stand-ins for curl and aws that record what they were given.
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls");
    for (const tool of ["curl", "aws"]) {
      const answer = tool === "curl" ? 'case "$*" in *public-ipv4*) echo 203.0.113.10;; esac' : "";
      fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${log}'\n${answer}\nexit 0\n`, { mode: 0o755 });
    }
    fs.mkdirSync(path.join(dir, "app"));
    const vars = Object.fromEntries(env.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    fs.writeFileSync(path.join(dir, "probe"), probe, { mode: 0o755 });
    execFileSync("bash", [path.join(dir, "probe")], { env: { ...vars, APP_DESTINATION: path.join(dir, "app"), PATH: `${bin}:/usr/bin:/bin` } });
    const calls = fs.readFileSync(log, "utf8");
    expect(fs.existsSync(pwned), "nothing of the path ran").to.equal(false);
    expect(calls).to.include(`curl -fsS -o /dev/null --max-time 5 http://127.0.0.1:80${healthPath}`);
    expect(calls).to.include("aws cloudwatch put-metric-data --region eu-west-1 --namespace ec2-rollback/myapp --metric-name HealthCheckFailed --dimensions App=myapp,Stack=dev,Role=live --unit Count --value 0");
  });
});
