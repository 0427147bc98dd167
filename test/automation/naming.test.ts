import { expect } from "chai";
import { formatBytes } from "../../automation/core/bytes";
import { revisionKey, versionOfRevisionKey } from "../../components/naming";

describe("revision keys and sizes", function () {
  it("reads the version back from <appName>/<version>.zip, and nothing from other keys", () => {
    expect(versionOfRevisionKey("myapp", revisionKey("myapp", "1.4.0-rc.1"))).to.equal("1.4.0-rc.1");
    for (const key of ["myapp/notes.txt", "myapp/1.4.zip", "otherapp/1.4.0.zip", "myapp/sub/1.4.0.zip", "myapp1.4.0.zip"]) {
      expect(versionOfRevisionKey("myapp", key), key).to.equal(undefined);
    }
  });

  it("writes sizes in B, KiB, MiB", () => {
    expect([512, 3482, 12 * 1024 ** 2].map(formatBytes)).to.deep.equal(["512 B", "3.4 KiB", "12.0 MiB"]);
  });
});
