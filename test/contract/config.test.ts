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

  it("every fix a message suggests is a command that passes Pulumi's type check of Pulumi.yaml's config block", () => {
    const bad: Record<string, string> = {
      appName: "My App",
      amiVersion: "latest",
      standbyAmiVersion: "latest",
      liveSlot: "red",
      standbyState: "paused",
      keepPrevious: "forever",
      bakeMinutes: "soon",
      instanceType: "big",
      rootVolumeSizeGiB: "4",
      dataVolumeSizeGiB: "-1",
      appPorts: "[70000]",
      healthCheckPath: "health",
      sshCidr: "0.0.0.0",
      subnetId: "x",
      alarmEmail: "ops",
      appDestination: "relative",
      revisionsNoncurrentDays: "0",
      backupSchedule: "daily",
      backupRetentionDays: "0",
      weeklyBackupRetentionDays: "-1",
    };
    expect(Object.keys(bad).sort()).to.deep.equal(Object.keys(CONFIG_TABLE).sort());
    const declared = PROJECT.config as Record<string, { type: string; items?: { type: string } }>;
    for (const [key, value] of Object.entries(bad)) {
      let message = "";
      try {
        parseSettings((k) => (k === key ? value : k === "amiVersion" ? "myapp-v1.0.0" : undefined));
      } catch (e) {
        message = (e as Error).message;
      }
      const m = /`pulumi config set (--path )?'?ec2-rollback:(\w+)(\[0\])?'? ([^`]*?)(\s+#.*)?`$/.exec(message);
      expect(m, `${key}: ${message}`).to.not.equal(null);
      const [, pathFlag, hintKey, index, hintValue] = m!;
      expect(hintKey, key).to.equal(key);
      const type = declared[key].type;
      if (type === "array") {
        // A list is set item by item: `--path 'key[0]' 80` stores the integer 80 at index 0.
        expect(pathFlag && index, `${key} needs --path 'key[0]'`).to.be.ok;
        expect(hintValue, key).to.match(/^\d+$/);
      } else {
        expect(pathFlag, key).to.equal(undefined);
        if (type === "integer") expect(hintValue.trim(), key).to.match(/^-?\d+$/);
        else expect(hintValue.trim().length, key).to.be.above(0);
      }
    }
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
