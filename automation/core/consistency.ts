// Is the stack consistent (shared/design.md "A change is a transaction")? `amiVersion` resolves to the
// AMI of the machine the Elastic IP is on; that machine runs and passes its checks; `standbyAmiVersion`
// is "" or the AMI of the other slot's machine; the stack outputs say the same; no operation is recorded.
import { isAmiId } from "../../contract/naming";
import { messageOf } from "./errors";
import { OperationRecord, describeRecord, readRecord } from "./operation";
import { AddressInfo, CloudPort, InstanceHealth, StackPort } from "./ports";
import { StackState, readStack } from "./stackState";

export interface Consistency {
  consistent: boolean;
  /** Each disagreement in one line; empty when consistent. */
  problems: string[];
  operation: OperationRecord | null;
  /** The Elastic IP, and the machine it is on, as EC2 sees them now. */
  address?: AddressInfo;
  serving?: InstanceHealth;
  /** The standby machine from the last update's outputs, as EC2 sees it now. */
  standby?: InstanceHealth;
  /** The AMI `amiVersion` names; undefined when it is no AMI of this account, or it could not be read. */
  pinAmi?: string;
}

/** A pin (AMI name or id) → its AMI id; undefined when no such AMI of ours exists. */
export async function amiOfPin(cloud: CloudPort, pin: string): Promise<string | undefined> {
  if (isAmiId(pin)) return pin;
  return (await cloud.findOwnImageByName(pin))?.id;
}

/** `ignoreOperation`: judge config, outputs and what serves only (an operation about to end its own record). */
/** A stack whose program has not run (or an older program's outputs): `pulumi up` is the fix, not `recover`. */
export const NOT_DEPLOYED = "the stack has no elasticIpAllocationId output (never deployed, or by an older program): run `pulumi up` first";

export async function checkConsistency(deps: { stack: StackPort; cloud: CloudPort }, state?: StackState, o: { ignoreOperation?: boolean } = {}): Promise<Consistency> {
  const { stack, cloud } = deps;
  const [{ settings, outputs }, operation] = await Promise.all([state ?? readStack(stack), o.ignoreOperation ? undefined : readRecord(stack)]);
  const problems: string[] = [];
  if (operation) problems.push(`an operation is unfinished: ${describeRecord(operation)}`);
  const pin = settings.amiVersion;
  const standbyPin = settings.standbyAmiVersion ?? "";

  // Config and the last update's outputs.
  if (outputs.amiVersion !== undefined && outputs.amiVersion !== pin) problems.push(`the config pins ${pin} but the last update ran ${outputs.amiVersion}`);
  if (outputs.liveSlot && outputs.liveSlot !== settings.liveSlot) problems.push(`the config says ${settings.liveSlot} serves but the last update made ${outputs.liveSlot} live`);
  if (outputs.standbyAmiVersion !== undefined && outputs.standbyAmiVersion !== standbyPin) {
    problems.push(`the config puts ${standbyPin || "no machine"} on the standby but the last update put ${outputs.standbyAmiVersion || "none"} there`);
  }

  // What the address serves.
  let serving: InstanceHealth | undefined;
  let standby: InstanceHealth | undefined;
  let addressNow: AddressInfo | undefined;
  let pinAmiNow: string | undefined;
  try {
    const [pinAmi, standbyAmi, address, standbyNow, liveNow] = await Promise.all([
      amiOfPin(cloud, pin),
      standbyPin ? amiOfPin(cloud, standbyPin) : undefined,
      outputs.elasticIpAllocationId ? cloud.describeAddress(outputs.elasticIpAllocationId) : undefined,
      outputs.standbyInstanceId ? cloud.describeInstance(outputs.standbyInstanceId) : undefined,
      // The live machine, asked beside the address (it is almost always the one on it): one round fewer.
      // Asked again below if the address is elsewhere, or if this failed.
      outputs.instanceId ? cloud.describeInstance(outputs.instanceId).catch(() => undefined) : undefined,
    ]);
    standby = standbyNow;
    addressNow = address;
    pinAmiNow = pinAmi;
    if (!pinAmi) problems.push(`the pinned version ${pin} is no AMI of this account`);
    if (!outputs.elasticIpAllocationId) problems.push(NOT_DEPLOYED);
    else if (!address) problems.push(`the stack's Elastic IP ${outputs.elasticIpAllocationId} does not exist`);
    else if (!address.instanceId) problems.push(`the Elastic IP ${address.publicIp} is on no machine`);
    else {
      if (outputs.instanceId && address.instanceId !== outputs.instanceId) {
        problems.push(`the Elastic IP ${address.publicIp} is on ${address.instanceId}, not on the live machine ${outputs.instanceId}`);
      }
      serving = liveNow && liveNow.id === address.instanceId ? liveNow : await cloud.describeInstance(address.instanceId);
      if (!serving) problems.push(`the Elastic IP is on ${address.instanceId}, which does not exist`);
      else {
        if (pinAmi && serving.imageId !== pinAmi) problems.push(`the address serves ${serving.imageId} (${serving.id}) but the stack pins ${pin} (${pinAmi})`);
        if (serving.state !== "running") problems.push(`the machine on the address (${serving.id}) is ${serving.state}`);
        else if (serving.systemStatus === "impaired" || serving.instanceStatus === "impaired") problems.push(`the machine on the address (${serving.id}) fails its status checks`);
      }
    }
    if (standbyPin) {
      if (!outputs.standbyInstanceId) problems.push(`the config puts ${standbyPin} on the standby but there is no standby machine`);
      else if (!standby) problems.push(`the standby machine ${outputs.standbyInstanceId} does not exist`);
      else if (standbyAmi && standby.imageId !== standbyAmi) problems.push(`the standby machine ${standby.id} runs ${standby.imageId}, not ${standbyPin} (${standbyAmi})`);
    }
  } catch (e) {
    problems.push(`could not read what the address serves: ${messageOf(e)}`);
  }
  return { consistent: problems.length === 0, problems, operation: operation ?? null, address: addressNow, serving, standby, pinAmi: pinAmiNow };
}
