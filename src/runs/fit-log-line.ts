/**
 * One line of `fitlog.csv`, the per-epoch training log TF LFADS appends to (lfads-model.md §3.5): label-value
 * pairs separated by commas, in either of TF's two layouts (with and without a validation set). Parsing is
 * driven by the labels; values that are not numbers become NaN (`inf`/`nan` as Python prints them are
 * understood). Here in runs/ so that training (a PBT member's fitness) and the posterior readers share it.
 */
import { DataError } from "../core/errors.js";

/** One epoch of the log. Costs are nats per trial; `*_valid` are NaN when the run had no validation set. */
export interface FitLogRow {
  epoch: number;
  step: number;
  total_train: number;
  total_valid: number;
  recon_train: number;
  recon_valid: number;
  kl_train: number;
  kl_valid: number;
  l2: number;
  kl_weight: number;
  l2_weight: number;
}

export type FitLogColumn = keyof FitLogRow;
export const FIT_LOG_COLUMNS: readonly FitLogColumn[] = [
  "epoch", "step", "total_train", "total_valid", "recon_train", "recon_valid", "kl_train", "kl_valid", "l2", "kl_weight", "l2_weight",
];

/** label → (fields for a train-only value list, fields for a train+valid list). */
const LABELS: Record<string, { one: FitLogColumn[]; two?: FitLogColumn[] }> = {
  epoch: { one: ["epoch"] },
  step: { one: ["step"] },
  total: { one: ["total_train"], two: ["total_train", "total_valid"] },
  recon: { one: ["recon_train"], two: ["recon_train", "recon_valid"] },
  kl: { one: ["kl_train"], two: ["kl_train", "kl_valid"] },
  l2: { one: ["l2"] },
  klweight: { one: ["kl_weight"] },
  l2weight: { one: ["l2_weight"] },
};

/** A value token: `inf`/`infinity` with signs and `nan` as Python prints them; anything else not a number is NaN. */
function parseNumber(s: string): number {
  const t = s.toLowerCase();
  if (t === "inf" || t === "+inf" || t === "infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  if (t === "" || t === "nan") return NaN;
  const v = Number(s);
  return Number.isNaN(v) ? NaN : v;
}

/** A token that names a field (a word that is not `nan`/`inf`); anything else is a value. */
function isLabel(t: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(t) && !/^(nan|inf|infinity)$/i.test(t);
}

/** Parse one fitlog line into a row (throws naming the line when its labels are not LFADS's). */
export function parseFitLogLine(line: string, where = "fitlog line"): FitLogRow {
  const row: FitLogRow = {
    epoch: NaN, step: NaN, total_train: NaN, total_valid: NaN, recon_train: NaN, recon_valid: NaN,
    kl_train: NaN, kl_valid: NaN, l2: NaN, kl_weight: NaN, l2_weight: NaN,
  };
  const tokens = line.split(",").map((t) => t.trim());
  while (tokens.length > 0 && tokens[tokens.length - 1] === "") tokens.pop();
  let i = 0;
  const seen = new Set<string>();
  while (i < tokens.length) {
    const label = tokens[i]!;
    const spec = LABELS[label];
    if (!spec) {
      throw new DataError(`${where}: expected one of the labels ${Object.keys(LABELS).join(", ")} at column ${i + 1}, found '${label}' (line: ${line.trim()})`);
    }
    if (seen.has(label)) throw new DataError(`${where}: label '${label}' appears twice (line: ${line.trim()})`);
    seen.add(label);
    let j = i + 1;
    while (j < tokens.length && !isLabel(tokens[j]!)) j++;
    const values = tokens.slice(i + 1, j);
    const fields = values.length === 1 ? spec.one : values.length === 2 ? spec.two : undefined;
    if (!fields) {
      throw new DataError(`${where}: label '${label}' is followed by ${values.length} values; expected ${spec.two ? "1 (train) or 2 (train, valid)" : "1"} (line: ${line.trim()})`);
    }
    fields.forEach((f, k) => (row[f] = parseNumber(values[k]!)));
    i = j;
  }
  for (const need of ["epoch", "step", "total"]) {
    if (!seen.has(need)) throw new DataError(`${where}: no '${need}' entry (line: ${line.trim()})`);
  }
  return row;
}
