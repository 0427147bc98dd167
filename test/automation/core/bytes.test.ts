import { expect } from "chai";
import { formatBytes } from "../../../automation/core/bytes";

describe("formatBytes", function () {
  it("writes sizes in B, KiB, MiB", () => {
    expect([512, 3482, 12 * 1024 ** 2].map(formatBytes)).to.deep.equal(["512 B", "3.4 KiB", "12.0 MiB"]);
  });
});
