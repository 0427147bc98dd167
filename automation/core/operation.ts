// The operation record (shared/design.md "A change is a transaction"): before a command changes a stack
// it writes the stack tag `ec2-rollback:operation` (compact JSON ≤ 256 characters), updates its phase
// as it goes, and removes it when the stack is consistent again. Stack tags live in the backend, so
// every operator sees a record, and a record that outlived its process (a killed laptop) is found by
// `status` and finished by `recover`. One at a time: a change refuses while a record exists.
import { OPERATION_TAG } from "../../contract/naming";
import { Ec2RollbackError, messageOf } from "./errors";
import { Clock, Operator, StackPort, Ui } from "./ports";
import { isoSeconds } from "./time";

export interface OperationRecord {
  /** rollback, release, recover, prune, checkpoint (deploy and app-rollback: recorded by earlier versions of this tool) */
  op: string;
  from: string;
  to: string;
  phase: string;
  host: string;
  pid: number;
  startedAt: string;
}

/** The operations that change machines (and write releases); the others (prune, checkpoint) change no machine's role. */
export const MACHINE_OPS = new Set(["rollback", "release", "recover"]);

export const MAX_RECORD_LENGTH = 256;
/** How long `begin` waits between writing its record and reading it back. */
export const SETTLE_MS = 1000;

/** Compact JSON of at most 256 characters: the host, then from/to, are shortened if need be. */
export function encodeRecord(r: OperationRecord): string {
  // ASCII only: Pulumi checks the 256 limit in bytes.
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);
  let text = JSON.stringify(r);
  for (const n of [40, 16]) {
    if (text.length <= MAX_RECORD_LENGTH) break;
    text = JSON.stringify({ ...r, host: cut(r.host, n), from: cut(r.from, n * 2), to: cut(r.to, n * 2) });
  }
  return text.slice(0, MAX_RECORD_LENGTH);
}

/** A record as read from the tag; one this tool cannot parse is still a record (never ignored). */
export function decodeRecord(text: string): OperationRecord {
  try {
    const r = JSON.parse(text) as Partial<OperationRecord>;
    if (r && typeof r === "object" && typeof r.op === "string") {
      return { op: r.op, from: String(r.from ?? "?"), to: String(r.to ?? "?"), phase: String(r.phase ?? "?"), host: String(r.host ?? "?"), pid: Number(r.pid ?? 0), startedAt: String(r.startedAt ?? "?") };
    }
  } catch {
    // fall through
  }
  return { op: "unknown", from: "?", to: "?", phase: text.slice(0, 60), host: "?", pid: 0, startedAt: "?" };
}

export async function readRecord(stack: StackPort): Promise<OperationRecord | undefined> {
  const text = (await stack.tags())[OPERATION_TAG];
  return text ? decodeRecord(text) : undefined;
}

/** One line describing a record. */
export function describeRecord(r: OperationRecord): string {
  return `${r.op} ${r.from} -> ${r.to} started ${r.startedAt} on ${r.host} (pid ${r.pid}), phase ${r.phase}`;
}

/** The refusal while a record exists: exit 1, naming it and `recover`. */
export function inProgress(stack: string, r: OperationRecord): Ec2RollbackError {
  return new Ec2RollbackError(
    "OPERATION_IN_PROGRESS",
    `stack "${stack}" has an unfinished operation: ${describeRecord(r)}; nothing was changed. ` +
      "If it is still running, wait for it; if its process is gone, finish it with `ec2-rollback recover`",
  );
}

/** Refuses (exit 1, nothing changed) while a record exists. */
export async function refuseIfRecorded(stack: StackPort): Promise<void> {
  const r = await readRecord(stack);
  if (r) throw inProgress(stack.name, r);
}

/**
 * Runs `f` under a record, for changes that leave no machine half-changed (prune, checkpoint):
 * one at a time with machine changes, and the record goes whatever happens.
 */
export async function withRecord<T>(
  deps: { stack: StackPort; ui: Ui; clock: Clock; operator?: Operator },
  o: { op: string; from: string; to: string },
  f: () => Promise<T>,
): Promise<T> {
  const op = await Operation.begin(deps, { ...o, phase: o.op });
  try {
    return await f();
  } finally {
    await op.end().catch((e) => deps.ui.warn(`could not remove the ${o.op} record: ${messageOf(e)}; \`ec2-rollback recover\` removes it`));
  }
}

/** Phases that change the stack next: the record is read back to be sure it is still ours. */
const CHANGING_PHASES = /^(flip|keep|restore|flip-back)$/;

/** A running operation, holding the stack's record. */
export class Operation {
  private constructor(
    private readonly stack: StackPort,
    private record: OperationRecord,
    /** False when the backend does not keep stack tags: nothing to update or remove. */
    public readonly recorded: boolean,
  ) {}

  /**
   * Writes the record before anything changes, and reads it back: another operator's record seen
   * first or written in between means this one does not go ahead. A backend that does not keep stack
   * tags (a DIY backend before Pulumi CLI 3.211) is told apart by the read-back, and said so.
   * `takeOver`: the record to replace (recover finishing an earlier operation).
   */
  static async begin(
    deps: { stack: StackPort; ui: Ui; clock: Clock; operator?: Operator },
    o: {
      op: string;
      from: string;
      to: string;
      phase: string;
      takeOver?: OperationRecord;
      /** What to read again first (default all): "tags" when what the change planned from was read moments ago. */
      reread?: "all" | "tags";
    },
  ): Promise<Operation> {
    const { stack, ui, clock } = deps;
    stack.refresh(o.reread ?? "all");
    const existing = await readRecord(stack);
    if (existing && !(o.takeOver && encodeRecord(existing) === encodeRecord(o.takeOver))) throw inProgress(stack.name, existing);
    const who = deps.operator ?? { host: "unknown", pid: 0 };
    const record: OperationRecord = {
      op: o.op,
      from: o.from,
      to: o.to,
      phase: o.phase,
      host: who.host,
      pid: who.pid,
      startedAt: isoSeconds(clock.now()),
    };
    const text = encodeRecord(record);
    await stack.setTag(OPERATION_TAG, text);
    // Two operators starting together both write; whichever wrote last holds the tag. A short wait
    // before reading back lets the other's write land first, so only one of them goes ahead.
    await clock.sleep(SETTLE_MS);
    const back = (await stack.tags())[OPERATION_TAG];
    if (back === undefined) {
      ui.warn(
        `this stack's backend keeps no stack tags (a DIY backend needs Pulumi CLI ≥ 3.211): this ${o.op} is not recorded, ` +
          "so an interruption would be seen by `ec2-rollback status` only by what disagrees",
      );
      return new Operation(stack, record, false);
    }
    if (back !== text) throw inProgress(stack.name, decodeRecord(back));
    return new Operation(stack, record, true);
  }

  get current(): OperationRecord {
    return { ...this.record };
  }

  /**
   * Moves the record to the next phase. Before a phase that changes the stack, the record must still be
   * this operation's: if another operator replaced it (e.g. `recover --force`), this one stops at once
   * (OPERATION_TAKEN_OVER) and changes nothing more. A failure to read or write the tag does not stop the change.
   */
  async phase(phase: string, ui?: Ui): Promise<void> {
    if (!this.recorded) {
      this.record = { ...this.record, phase };
      return;
    }
    // Read back first only before a step that changes the stack (each read is a `pulumi` call).
    if (CHANGING_PHASES.test(phase)) await this.assertOurs(ui);
    this.record = { ...this.record, phase };
    try {
      await this.stack.setTag(OPERATION_TAG, encodeRecord(this.record));
    } catch (e) {
      ui?.warn(`could not update the operation record (phase ${phase}): ${messageOf(e)}`);
    }
  }

  /** The stack is consistent again: the record goes (only if it is still this operation's). */
  async end(): Promise<void> {
    if (!this.recorded) return;
    const now = (await this.stack.tags())[OPERATION_TAG];
    if (now === encodeRecord(this.record)) await this.stack.removeTag(OPERATION_TAG);
  }

  private async assertOurs(ui?: Ui): Promise<void> {
    let now: string | undefined;
    try {
      now = (await this.stack.tags())[OPERATION_TAG];
    } catch (e) {
      ui?.warn(`could not read the operation record: ${messageOf(e)}`);
      return;
    }
    if (now !== encodeRecord(this.record)) {
      throw new Ec2RollbackError(
        "OPERATION_TAKEN_OVER",
        `the record of this ${this.record.op} was ${now ? `replaced: ${describeRecord(decodeRecord(now))}` : "removed"} by another operator; ` +
          "stopping here without changing anything more: see `ec2-rollback status`",
      );
    }
  }
}
