import { expect } from "chai";
import { Ec2RollbackError, ErrorCode } from "../../automation/core/errors";

/** The error a promise rejects with; fails the test if it resolves, or if `code` is given and differs. */
export async function failure(p: Promise<unknown>, code?: ErrorCode): Promise<Ec2RollbackError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error("expected a failure");
  if (code !== undefined) {
    expect(error, String(error)).to.be.instanceOf(Ec2RollbackError);
    expect((error as Ec2RollbackError).code, (error as Error).message).to.equal(code);
  }
  return error as Ec2RollbackError;
}
