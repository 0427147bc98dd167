// Who the caller is (STS GetCallerIdentity), asked once: for the account of a backup target and the
// `uploaded-by` of a revision. STS alone, so a command that needs nothing of EC2 never loads its client.
import type { STSClient } from "@aws-sdk/client-sts";
import { Identity, IdentityPort } from "../core/ports";
import { aws, AWS_CALL_DEADLINE_MS, clientConfig, withErrorContext } from "./awsErrors";

/** Makes the STS client of a region on first use (it loads only then). */
export const stsClientFor = (region: string) => async (): Promise<STSClient> => withErrorContext(new (await import("@aws-sdk/client-sts")).STSClient(clientConfig(region)));

export class CallerIdentity implements IdentityPort {
  private asked?: Promise<Identity>;

  constructor(
    /** The client, or how to make it on the first question. */
    private readonly sts: STSClient | (() => Promise<STSClient>),
    /** The bound on the call (AWS_CALL_DEADLINE_MS; tests shorten it). */
    private readonly deadlineMs = AWS_CALL_DEADLINE_MS,
  ) {}

  /** The adapter over a client of the stack's region (made on the first question), with the settings and error context every client gets. */
  static forRegion(region: string): CallerIdentity {
    return new CallerIdentity(stsClientFor(region));
  }

  identity(): Promise<Identity> {
    this.asked ??= aws(async () => {
      const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
      const sts = typeof this.sts === "function" ? await this.sts() : this.sts;
      const r = await sts.send(new GetCallerIdentityCommand({}));
      return { account: r.Account!, arn: r.Arn! };
    }, this.deadlineMs);
    return this.asked;
  }
}
