import { expect } from "chai";
import { nearestNames } from "../../../automation/core/nearest";
import { suggestVersions } from "../../../automation/core/target";

describe("nearest names (did you mean)", () => {
  it("finds names a typo away, nearest first, at most 3", () => {
    expect(nearestNames("prodd", ["dev", "prod", "staging"])).to.deep.equal(["prod"]);
    expect(nearestNames("stagin", ["dev", "prod", "staging"])).to.deep.equal(["staging"]);
    expect(nearestNames("rollbak", ["status", "rollback", "releases", "release"])).to.deep.equal(["rollback"]);
    expect(nearestNames("1.2.22", ["1.2.6", "1.2.5", "1.2.4", "1.2.3", "1.2.2"])).to.deep.equal(["1.2.2", "1.2.6", "1.2.5"]);
    expect(nearestNames("abcdef", ["abcdeg", "abcdgh", "abcxyz"])).to.deep.equal(["abcdeg", "abcdgh"]);
  });

  it("ties keep the candidates' order; case is ignored; duplicates count once", () => {
    expect(nearestNames("1.2.9", ["1.2.3", "1.2.2", "1.2.3"])).to.deep.equal(["1.2.3", "1.2.2"]);
    expect(nearestNames("PROD", ["prod"])).to.deep.equal(["prod"]);
  });

  it("a short name allows one edit only, so it does not match every other short name", () => {
    expect(nearestNames("qa", ["dev", "ab", "prod"])).to.deep.equal([]);
    expect(nearestNames("de", ["dev", "ab"])).to.deep.equal(["dev"]);
    expect(nearestNames("dve", ["dev"])).to.deep.equal([]); // a swap is two edits
    expect(nearestNames("prdo", ["prod"])).to.deep.equal(["prod"]);
  });

  it("nothing near, nothing to compare: none", () => {
    expect(nearestNames("frobnicate", ["status", "rollback"])).to.deep.equal([]);
    expect(nearestNames("prod", [])).to.deep.equal([]);
  });

  it("takes max, maxDistance and the part of a name to compare", () => {
    expect(nearestNames("1.2.22", ["1.2.2", "1.2.3", "1.2.4"], { max: 1 })).to.deep.equal(["1.2.2"]);
    expect(nearestNames("1.2.22", ["1.2.2", "1.2.3"], { maxDistance: 1 })).to.deep.equal(["1.2.2"]);
    expect(nearestNames("prodd", ["acme/app/prod", "acme/app/dev"], { key: (n) => n.split("/").at(-1)! })).to.deep.equal(["acme/app/prod"]);
  });
});

describe("versions to suggest for one that does not exist", () => {
  it("names the existing version a typo away (1.2.22 → 1.2.2), not only the neighbours by order", () => {
    expect(suggestVersions("1.2.22", ["1.2.2", "1.2.3", "1.2.4", "1.2.5", "1.2.6"])).to.deep.equal(["1.2.2", "1.2.5", "1.2.6"]);
    expect(suggestVersions("1.2.9", ["1.2.2", "1.2.3"])).to.deep.equal(["1.2.2", "1.2.3"]);
  });

  it("with nothing a typo away, the ones just below and above it; with no versions, none", () => {
    expect(suggestVersions("10.0.0", ["1.2.1", "2.4.7", "3.5.6", "11.4.5"])).to.deep.equal(["1.2.1", "2.4.7", "3.5.6", "11.4.5"]);
    expect(suggestVersions("3.0.0", [])).to.deep.equal([]);
  });
});
