// What the stack ran before: its update history, read for "the previous version".
import { UpdateRecord } from "./ports";

/** The value pinned before the current one: the newest successful update that ran another amiVersion. */
export function previousPin(history: UpdateRecord[], current: string): string | undefined {
  return history.find((h) => h.kind === "update" && h.result === "succeeded" && h.amiVersion && h.amiVersion !== current)?.amiVersion;
}
