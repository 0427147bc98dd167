// The program's side of the stack configuration: the shared parser (contract/config.ts), its errors
// turned into Pulumi RunErrors so `up` stops with their one line and no stack trace.
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, ConfigError, parseSettings, Settings } from "../contract/config";

/** A configuration problem. A RunError: Pulumi stops `up` with its one line, no stack trace. */
export class SettingsError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** The stack's settings, read before any resource is declared. */
export function readSettings(config = new pulumi.Config(CONFIG_NAMESPACE)): Settings {
  try {
    return parseSettings((key) => config.get(key));
  } catch (e) {
    if (e instanceof ConfigError) throw new SettingsError(e.message);
    throw e;
  }
}
