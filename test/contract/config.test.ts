import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_TABLE, ConfigError, parseSettings } from "../../contract/config";

const PROJECT = parse(fs.readFileSync(path.resolve(__dirname, "../../../Pulumi.yaml"), "utf8"));

describe("contract: configuration", function () {
  it("Pulumi.yaml declares exactly the keys of the table, with the same types and defaults", () => {
    const declared = PROJECT.config as Record<string, { type: string; items?: { type: string }; default?: unknown }>;
    expect(Object.keys(declared).sort()).to.deep.equal(Object.keys(CONFIG_TABLE).sort());
    for (const [key, spec] of Object.entries(CONFIG_TABLE)) {
      const d = declared[key];
      const type = d.type === "array" ? `array<${d.items?.type}>` : d.type;
      expect(type, key).to.equal(spec.type);
      expect(d.default, key).to.deep.equal("default" in spec ? spec.default : undefined);
    }
  });

  it("every default passes the parser, and an empty config gets the table's defaults", () => {
    const s = parseSettings((k) => (k === "amiVersion" ? "myapp-v1.0.0" : undefined));
    expect(s).to.deep.include({
      appName: CONFIG_TABLE.appName.default,
      instanceType: CONFIG_TABLE.instanceType.default,
      rootVolumeSizeGiB: CONFIG_TABLE.rootVolumeSizeGiB.default,
      appPorts: CONFIG_TABLE.appPorts.default,
      healthCheckPath: CONFIG_TABLE.healthCheckPath.default,
      backupSchedule: CONFIG_TABLE.backupSchedule.default,
      backupRetentionDays: CONFIG_TABLE.backupRetentionDays.default,
      appDestination: "/opt/myapp/current",
    });
  });

  it("is pure: a bad value is a ConfigError naming the full key, not a Pulumi error", () => {
    let e: unknown;
    try {
      parseSettings((k) => (k === "amiVersion" ? "myapp-v1.0.0" : k === "backupRetentionDays" ? "0" : undefined));
    } catch (x) {
      e = x;
    }
    expect(e).to.be.instanceOf(ConfigError);
    expect((e as ConfigError).key).to.equal("ec2-rollback:backupRetentionDays");
  });
});
