// A stack as the core reads it: its settings (parsed by the program's own rules), region and outputs.
import { ConfigError, REGION_KEY, Settings, settingsFromStackConfig } from "../../contract/config";
import { missingOutputs, OutputName, StackOutputs } from "../../contract/outputs";
import { Ec2RollbackError } from "./errors";
import { StackPort } from "./ports";

export interface StackState {
  settings: Settings;
  region: string;
  outputs: StackOutputs;
}

export async function readStack(stack: StackPort): Promise<StackState> {
  const [config, outputs] = await Promise.all([stack.config(), stack.outputs()]);
  try {
    return { settings: settingsFromStackConfig(config), region: config[REGION_KEY], outputs };
  } catch (e) {
    if (e instanceof ConfigError) throw new Ec2RollbackError("CONFIG_INVALID", `stack "${stack.name}": ${e.message}`, { cause: e });
    throw e;
  }
}

/** The outputs a command needs, or one line naming exactly those missing. */
export function requireOutputs<K extends OutputName>(stackName: string, outputs: StackOutputs, names: K[]): Required<Pick<StackOutputs, K>> {
  const missing = missingOutputs(outputs, names);
  if (missing.length) {
    throw new Ec2RollbackError(
      "STACK_NOT_READY",
      `stack "${stackName}" has no ${andList(missing)} output${missing.length > 1 ? "s" : ""}; run \`pulumi up --stack ${stackName}\` first`,
    );
  }
  return outputs as Required<Pick<StackOutputs, K>>;
}

/** "a", "a and b", "a, b and c". */
const andList = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}` : xs.join(""));
