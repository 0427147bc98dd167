// The four config keys that say which machine runs what, set together in every machine change, and
// the one update that writes them.
import { configKey, Settings, StandbyState } from "../../contract/config";
import { Slot } from "../../contract/naming";
import { StackOutputs } from "../../contract/outputs";
import { describeStep } from "./engineSteps";
import { Clock, StackPort, Ui, UpProgress } from "./ports";

export interface MachinesConfig {
  liveSlot: Slot;
  amiVersion: string;
  standbyAmiVersion: string;
  standbyState: StandbyState;
}

export const machinesOf = (s: Settings): MachinesConfig => ({
  liveSlot: s.liveSlot,
  amiVersion: s.amiVersion,
  standbyAmiVersion: s.standbyAmiVersion ?? "",
  standbyState: s.standbyState,
});

/** As stack config (`ec2-rollback:key` → value), for one `config set-all`. */
export const asConfig = (m: MachinesConfig): Record<string, string> => ({
  [configKey("liveSlot")]: m.liveSlot,
  [configKey("amiVersion")]: m.amiVersion,
  [configKey("standbyAmiVersion")]: m.standbyAmiVersion,
  [configKey("standbyState")]: m.standbyState,
});

/**
 * Engine steps in words a person reads (engineSteps.ts); with --verbose, the raw step beside them.
 * `plan`: where the words are kept too (a dry run's result lists them).
 */
export function progressReporter(ui: Ui, plan?: string[]): (p: UpProgress) => void {
  return (p) => {
    if (p.kind !== "resource") return;
    const words = describeStep(p);
    if (words) plan?.push(words);
    const raw = `${p.op} ${p.type} ${p.name}`;
    // Indented: the engine's steps are part of the step that started the update.
    if (words) ui.step(`  ${ui.verbose ? `${words} [${raw}]` : words}`);
    else if (ui.verbose && p.op !== "same") ui.step(`  ${raw}`);
  };
}

/** Writes the four keys and runs one `up` with `message` (said first, and kept as the update's message). */
export async function applyMachines(
  deps: { stack: StackPort; ui: Ui; clock: Clock },
  m: MachinesConfig,
  message: string,
  signal?: AbortSignal,
): Promise<StackOutputs> {
  const { stack, ui } = deps;
  await stack.setConfig(asConfig(m));
  ui.step(message);
  return stack.up({ message: `ec2-rollback: ${message}`, onProgress: progressReporter(ui), signal });
}
