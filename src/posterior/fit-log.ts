/**
 * `FitLog`: the per-epoch training log `fitlog.csv` that TF LFADS appends to (lfads-model.md §3.5,
 * run-manager.md §8.5). Two line layouts exist, both label-value pairs separated by commas, with runs of
 * spaces left by Python line continuations:
 *
 * ```
 * epoch,<i>, step,<s>, total,<tr>,<va>,       recon,<tr>,<va>, kl,<tr>,<va>, l2,<l2>,       klweight,<w>, l2weight,<w>
 * epoch,<i>, step,<s>, total,<tr>, recon,<tr>, kl,<tr>,       l2,<l2>, klweight,<w>, l2weight,<w>      (no validation set)
 * ```
 * Parsing is driven by the labels, so either layout (and a file mixing both) reads; values that are not
 * numbers become NaN (`inf`/`nan` as Python prints them are understood).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, LayoutError } from "../core/errors.js";

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

/** The parsed fit log of one run. Rows are in file order (one per epoch). */
export class FitLog {
  readonly rows: readonly Readonly<FitLogRow>[];
  /** The file it came from, when read from disk. */
  readonly source?: string;

  constructor(rows: readonly FitLogRow[], source?: string) {
    this.rows = rows.map((r) => Object.freeze({ ...r }));
    if (source !== undefined) this.source = source;
  }

  /** Parse the text of a `fitlog.csv` (blank lines skipped). */
  static parse(text: string, source?: string): FitLog {
    const rows: FitLogRow[] = [];
    text.split(/\r?\n/).forEach((line, k) => {
      if (line.trim() === "") return;
      rows.push(parseFitLogLine(line, `${source ?? "fitlog"} line ${k + 1}`));
    });
    return new FitLog(rows, source);
  }

  /** Number of logged epochs (rows). */
  get nEpochs(): number {
    return this.rows.length;
  }

  /** True when any row carries validation costs. */
  get hasValid(): boolean {
    return this.rows.some((r) => !Number.isNaN(r.total_valid));
  }

  /** One column as a Float64Array (e.g. `column("total_valid")` for a plot). */
  column(name: FitLogColumn): Float64Array {
    if (!FIT_LOG_COLUMNS.includes(name)) throw new DataError(`FitLog has no column '${name}'; columns: ${FIT_LOG_COLUMNS.join(", ")}`);
    return Float64Array.from(this.rows, (r) => r[name]);
  }

  /**
   * 0-based row of the lowest validation total cost among rows after both ramps (`kl_weight == 1 &&
   * l2_weight == 1`), the Run Manager's rule; the first such row on ties. Undefined when no row qualifies
   * (ramps unfinished, or no validation costs).
   */
  get lveIndex(): number | undefined {
    let best: number | undefined;
    this.rows.forEach((r, i) => {
      if (r.kl_weight === 1 && r.l2_weight === 1 && !Number.isNaN(r.total_valid) && (best === undefined || r.total_valid < this.rows[best]!.total_valid)) best = i;
    });
    return best;
  }

  /** The row at `lveIndex`, or undefined. */
  get lveRow(): Readonly<FitLogRow> | undefined {
    const i = this.lveIndex;
    return i === undefined ? undefined : this.rows[i];
  }

  private lve(k: FitLogColumn): number {
    return this.lveRow?.[k] ?? NaN;
  }
  /** Values at the lowest-validation-error row (NaN when `lveIndex` is undefined). */
  get total_train_lve(): number {
    return this.lve("total_train");
  }
  get total_valid_lve(): number {
    return this.lve("total_valid");
  }
  get recon_train_lve(): number {
    return this.lve("recon_train");
  }
  get recon_valid_lve(): number {
    return this.lve("recon_valid");
  }
  get kl_train_lve(): number {
    return this.lve("kl_train");
  }
  get kl_valid_lve(): number {
    return this.lve("kl_valid");
  }
  get l2_lve(): number {
    return this.lve("l2");
  }

  /** Tidy rows (fresh copies), one per epoch. */
  toRows(): FitLogRow[] {
    return this.rows.map((r) => ({ ...r }));
  }
}

/**
 * Read `fitlog.csv` from a run's LFADS output folder (or from the file path itself). Missing file → a
 * LayoutError saying the model has not been trained (training writes it, one line per epoch).
 */
export function loadFitLog(outputDirOrFile: string): FitLog {
  const file = fs.existsSync(outputDirOrFile) && fs.statSync(outputDirOrFile).isDirectory() ? path.join(outputDirOrFile, "fitlog.csv") : outputDirOrFile;
  if (!fs.existsSync(file)) {
    throw new LayoutError(`fitlog.csv not found: ${file}; training writes it (one line per epoch) — train the run first (lfads train / run_lfads.py --kind=train)`);
  }
  return FitLog.parse(fs.readFileSync(file, "utf8"), file);
}
