// The engine's steps in words a person reads: "launching the machine (green)", "moving the address".
// `--verbose` shows the raw step (`create aws:ec2/instance:Instance server-green`) as well.
import { SLOTS } from "../../contract/naming";

export interface EngineStep {
  /** Pulumi's step op: create, update, delete, replace, create-replacement, delete-replaced, same, read, … */
  op: string;
  /** The resource type token: aws:ec2/instance:Instance. */
  type: string;
  /** The resource's name (the URN's last part). */
  name: string;
  /** For a power state resource, the state it is set to (running | stopped). */
  state?: string;
}

const slotOf = (name: string) => SLOTS.find((s) => new RegExp(`(^|-)${s}(-|$)`).test(name));

const GENERIC: Record<string, string> = {
  create: "creating",
  update: "updating",
  delete: "deleting",
  "create-replacement": "replacing",
  "delete-replaced": "deleting the replaced",
  import: "importing",
  refresh: "refreshing",
};

/** The step in plain words; undefined for steps that change nothing a person waits for. */
export function describeStep(s: EngineStep): string | undefined {
  if (s.op === "same" || s.op === "read" || s.op === "replace" || s.op.startsWith("discard") || s.op === "remove-pending-replace") return undefined;
  const slot = slotOf(s.name);
  const machine = slot ? `the machine (${slot})` : "the machine";
  switch (s.type) {
    case "aws:ec2/instance:Instance":
      return { create: `launching ${machine}`, "create-replacement": `launching a new ${machine.slice(4)}`, "delete-replaced": `removing the old ${machine.slice(4)}`, delete: `removing ${machine}`, update: `updating ${machine}` }[s.op];
    case "aws:ec2transitgateway/instanceState:InstanceState":
      if (s.op === "delete" || s.op === "delete-replaced") return undefined; // the machine's own step says it
      return s.state === "stopped" ? `stopping ${machine}` : s.state === "running" ? `starting ${machine}` : `setting the power state of ${machine}`;
    case "aws:ec2/eipAssociation:EipAssociation":
      return s.op === "delete" || s.op === "delete-replaced" ? undefined : "moving the address";
    case "aws:ec2/volumeAttachment:VolumeAttachment":
      return s.op === "delete" || s.op === "delete-replaced" ? "detaching the data volume (its machine stops first)" : "attaching the data volume";
  }
  const [, module, kind] = /^[^:]+:([^/]+)\/[^:]*:(.+)$/.exec(s.type) ?? [];
  const what = module ? `${module} ${kind}` : s.type;
  return `${GENERIC[s.op] ?? s.op} ${what} ${s.name}`;
}
