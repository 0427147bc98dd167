import * as aws from "@pulumi/aws";
import { ConfigKey, configKey } from "../contract/config";
import { isAmiId } from "../contract/naming";
import { SettingsError } from "./settings";

/**
 * The AMI id for a configured version (`amiVersion`, `standbyAmiVersion`): an id is used as is; a name (`myapp-v1.2.3`) is looked
 * up among AMIs owned by this account only (never `amazon`'s or anyone else's), newest match.
 * Runs before any resource is declared, so an unknown version stops `up` with a clear line.
 */
export async function resolveMachineImage(key: ConfigKey, amiVersion: string, region: string): Promise<string> {
  if (isAmiId(amiVersion)) return amiVersion;
  // getAmiIds returns an empty list (getAmi would fail with "Your query returned no results").
  const found = await aws.ec2.getAmiIds({
    owners: ["self"],
    filters: [{ name: "name", values: [amiVersion] }],
    sortAscending: false,
  });
  if (found.ids.length === 0) {
    throw new SettingsError(
      `${configKey(key)} "${amiVersion}": no AMI of that name is owned by this account in ${region}; ` +
        "list the versions with `ec2-rollback versions` (or make one with `ec2-rollback checkpoint <version>`)",
    );
  }
  return found.ids[0];
}
