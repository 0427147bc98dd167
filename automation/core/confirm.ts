// Every change asks first: --yes, or the person at the terminal. Without either it refuses.
import { Ec2RollbackError } from "./errors";
import { Ui } from "./ports";

/** Resolves when the change may go ahead; `verb` completes "refusing to … without confirmation". */
export async function confirmOrRefuse(ui: Ui, yes: boolean, question: string, verb: string): Promise<void> {
  if (yes) return;
  if (!ui.interactive) throw new Ec2RollbackError("CONFIRMATION_REQUIRED", `refusing to ${verb} without confirmation: no terminal to ask; pass --yes`);
  if (!(await ui.confirm(question))) throw new Ec2RollbackError("NOT_CONFIRMED", "not confirmed; nothing changed");
}
