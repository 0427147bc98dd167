import { expect } from "chai";
import { alarmName, amiName, revisionKey, stackResourceName, versionOfAmiName, versionOfRevisionKey } from "../../contract/naming";
import { compareSemver, isSemver } from "../../contract/semver";

describe("contract: names", function () {
  it("reads the version back from <appName>/<version>.zip, and nothing from other keys", () => {
    expect(versionOfRevisionKey("myapp", revisionKey("myapp", "1.4.0-rc.1"))).to.equal("1.4.0-rc.1");
    for (const key of ["myapp/notes.txt", "myapp/1.4.zip", "otherapp/1.4.0.zip", "myapp/sub/1.4.0.zip", "myapp1.4.0.zip"]) {
      expect(versionOfRevisionKey("myapp", key), key).to.equal(undefined);
    }
  });

  it("reads the version back from <appName>-v<semver>, and nothing from other names", () => {
    expect(versionOfAmiName("myapp", amiName("myapp", "1.2.3"))).to.equal("1.2.3");
    for (const name of ["myapp-vnext", "myapp-v1.2", "otherapp-v1.2.3", "myapp-v1.2.3+build"]) expect(versionOfAmiName("myapp", name), name).to.equal(undefined);
  });

  it("names a stack's resources and alarms <appName>-<stack>[-kind]", () => {
    expect(stackResourceName("myapp", "prod")).to.equal("myapp-prod");
    expect(alarmName("myapp", "prod", "app-health")).to.equal("myapp-prod-app-health");
  });

  it("orders versions by semver precedence and refuses build metadata (not allowed in AMI names)", () => {
    const sorted = ["1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0-alpha", "0.9.9"].sort(compareSemver);
    expect(sorted).to.deep.equal(["0.9.9", "1.2.0-alpha", "1.2.0-rc.1", "1.2.0", "1.10.0"]);
    expect(isSemver("1.2.3+build.1")).to.equal(false);
    expect(isSemver("01.2.3")).to.equal(false);
  });
});
