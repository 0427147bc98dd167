// A --stack that does not exist: the project's stacks in the backend, and the one probably meant.
import { expect } from "chai";
import { stackNotFoundMessage } from "../../../automation/cli/stacks";
import { cli, CliWorld, cliWorld } from "../../helpers/cli";
import { stubState } from "../../helpers/pulumiStub";

describe("a --stack that does not exist", function () {
  this.timeout(30000);

  describe("its message", () => {
    it("names the project's stacks, and the one probably meant", () => {
      const dir = "/home/me/app";
      expect(stackNotFoundMessage("prodd", ["dev", "prod"], dir)).to.equal(
        `stack "prodd" does not exist in this backend (the project's stacks: dev, prod): did you mean --stack prod? Or create it with \`pulumi stack init prodd\` in ${dir}`,
      );
      expect(stackNotFoundMessage("qa", ["dev", "prod"], dir)).to.equal(
        `stack "qa" does not exist in this backend (the project's stacks: dev, prod): pass --stack <one of them>, or create it with \`pulumi stack init qa\` in ${dir}`,
      );
      expect(stackNotFoundMessage("qa", [], dir)).to.equal(
        `stack "qa" does not exist in this backend, which has no stack of this project yet: create it with \`pulumi stack init qa\` in ${dir}`,
      );
      expect(stackNotFoundMessage("prodd", ["acme/app/dev", "acme/app/prod"], dir)).to.include("did you mean --stack acme/app/prod?");
      const many = Array.from({ length: 25 }, (_, i) => `s${i}`);
      expect(stackNotFoundMessage("qa", many, dir)).to.include("s18, s19, … (25 in all)").and.not.include("s20");
    });
  });

  describe("spawned, with a stub pulumi and a local AWS endpoint", function () {
    let world: CliWorld;
    beforeEach(async () => {
      world = await cliWorld();
    });
    afterEach(() => world.close());

    it("--stack prodd: the project's stacks, and did you mean prod (listed with the backend's environment)", async () => {
      const { stub, env } = world;
      stub.setState({ ...stubState(), otherStacks: { prod: { config: { "aws:region": "eu-west-1" } } } });
      const r = await cli(["status", "--stack", "prodd", "-C", stub.projectDir], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        `ec2-rollback: stack "prodd" does not exist in this backend (the project's stacks: dev, prod): did you mean --stack prod? Or create it with \`pulumi stack init prodd\` in ${stub.projectDir}\n`,
      );
      const ls = stub.calls().filter((c) => c.args[0] === "stack" && c.args[1] === "ls");
      expect(ls.map((c) => [c.args, c.backend])).to.deep.equal([[["stack", "ls", "--json", "--non-interactive"], "file:///tmp/ec2rb-state"]]);
      const json = await cli(["versions", "--json", "-s", "qa", "-C", stub.projectDir], env);
      expect(JSON.parse(json.stdout).error).to.deep.equal({
        code: "STACK_NOT_FOUND",
        message: `stack "qa" does not exist in this backend (the project's stacks: dev, prod): pass --stack <one of them>, or create it with \`pulumi stack init qa\` in ${stub.projectDir}`,
        exitCode: 1,
      });
    });

  });
});
