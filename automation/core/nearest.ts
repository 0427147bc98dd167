// "Did you mean …": the names nearest to a mistyped one by edit distance (Levenshtein), for versions,
// stacks and anything else a person types from memory.
import { distance } from "fastest-levenshtein";

/**
 * Up to `max` (3) of `candidates` within `maxDistance` edits of `input`, nearest first (ties keep the
 * candidates' order). Case is ignored. The default distance is 2, 1 for inputs under 4 characters, so a
 * short name does not "match" every other short name. `key`: the part of a candidate to compare (e.g. a
 * stack's own name in `org/project/stack`).
 */
export function nearestNames(
  input: string,
  candidates: readonly string[],
  o: { max?: number; maxDistance?: number; key?: (candidate: string) => string } = {},
): string[] {
  const max = o.max ?? 3;
  const within = o.maxDistance ?? Math.min(2, Math.max(1, Math.floor(input.length / 2)));
  const typed = input.toLowerCase();
  return [...new Set(candidates)]
    .map((name, i) => ({ name, i, d: distance(typed, (o.key ? o.key(name) : name).toLowerCase()) }))
    .filter((c) => c.d <= within)
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, max)
    .map((c) => c.name);
}
