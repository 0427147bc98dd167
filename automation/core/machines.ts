// The four config keys that say which machine runs what, set together in every machine change.
import { configKey, Settings, StandbyState } from "../../contract/config";
import { Slot } from "../../contract/naming";

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
