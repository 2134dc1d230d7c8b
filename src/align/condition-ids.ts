/** Condition ids: which exclude a trial, their sort order (MATLAB's) and how messages show them. */
import type { ConditionId } from "./types.js";

/** NaN (numbers) or "" (strings): the trial takes no part in alignment. */
export function isExcluded(id: ConditionId): boolean {
  return typeof id === "number" ? Number.isNaN(id) : id === "";
}

export function compareIds(a: ConditionId, b: ConditionId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0; // code-unit order = MATLAB's sort of char arrays
}

/** "{1, 2, 3, … (12 in all)}": the first `max` ids, strings quoted. */
export function showIds(ids: readonly ConditionId[], max = 6): string {
  const shown = ids.slice(0, max).map((c) => (typeof c === "string" ? JSON.stringify(c) : String(c)));
  return `{${shown.join(", ")}${ids.length > max ? `, … (${ids.length} in all)` : ""}}`;
}
