// The stack outputs (shared/design.md "Contract"): the program exports exactly these names and the
// CLI reads them. Pure: no Pulumi, no AWS.

export const OUTPUT_NAMES = [
  "instanceId",
  "amiId",
  "amiVersion",
  "liveSlot",
  "standbyInstanceId",
  "standbyAmiId",
  "standbyAmiVersion",
  "standbyAddress",
  "publicIp",
  "elasticIpAllocationId",
  "applicationName",
  "deploymentGroupName",
  "revisionsBucket",
  "backupVaultName",
  "backupPlanId",
  "backupRoleArn",
  "healthCheckUrl",
  "alarmNames",
  "region",
] as const;

export type OutputName = (typeof OUTPUT_NAMES)[number];

/** What the CLI reads back: every output may be missing on a stack that was never (fully) updated. */
export type StackOutputs = { [K in Exclude<OutputName, "alarmNames">]?: string } & { alarmNames?: string[] };

/** Which of `names` the outputs lack, named exactly (for "run `pulumi up` first" messages). */
export function missingOutputs(outputs: StackOutputs, names: OutputName[]): OutputName[] {
  return names.filter((n) => outputs[n] === undefined || outputs[n] === "");
}
