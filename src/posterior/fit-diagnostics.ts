/**
 * Reading `fitlog_diagnostics.csv`, the per-epoch diagnostics lfads-ts writes beside `fitlog.csv`
 * (src/train/diagnostics.ts): a header row, then one row per epoch with the gradient norm (mean, max),
 * the clipping rate and threshold, each posterior's KL (g0, u; train, valid), the learning rate, an
 * event (divergence notes) and sample validation's held-out reconstruction cost (recon_sv_*; empty when off). Columns are found by their header names, so a file with more columns still
 * reads; numbers as fitlog.csv writes them (`nan`, `inf` understood); the event is a CSV field.
 */
import * as fs from "node:fs";
import { parseCsvNumber, splitCsvLine } from "../core/csv.js";
import { DataError } from "../core/errors.js";
import { DIAGNOSTICS_COLUMNS } from "../train/diagnostics.js";

/** One epoch's diagnostics; NaN where the file has no such column. */
export interface FitDiagnosticsRow {
  epoch: number;
  step: number;
  learning_rate: number;
  grad_norm_mean: number;
  grad_norm_max: number;
  clip_fraction: number;
  max_grad_norm: number;
  kl_ic_train: number;
  kl_ic_valid: number;
  kl_co_train: number;
  kl_co_valid: number;
  /** "" when nothing happened. */
  event: string;
  /** Sample validation's held-out reconstruction cost (nats per trial); NaN when it was off or the file predates it. */
  recon_sv_train: number;
  recon_sv_valid: number;
}

export type FitDiagnosticsColumn = Exclude<keyof FitDiagnosticsRow, "event">;
export const FIT_DIAGNOSTICS_COLUMNS: readonly FitDiagnosticsColumn[] = DIAGNOSTICS_COLUMNS.filter((c): c is FitDiagnosticsColumn => c !== "event");

export { splitCsvLine } from "../core/csv.js";

/** Parse the text of a diagnostics file; `source` names it in errors. */
export function parseFitDiagnostics(text: string, source = "fitlog_diagnostics.csv"): FitDiagnosticsRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const header = splitCsvLine(lines[0]!).map((h) => h.trim());
  if (!header.includes("epoch")) throw new DataError(`${source}: the header row has no 'epoch' column (header: ${lines[0]}); expected the columns ${DIAGNOSTICS_COLUMNS.join(",")}`);
  const at = new Map(header.map((h, i) => [h, i]));
  return lines.slice(1).map((line, k) => {
    const f = splitCsvLine(line);
    if (f.length !== header.length) throw new DataError(`${source} line ${k + 2}: ${f.length} fields for ${header.length} columns (line: ${line})`);
    const row = { event: at.has("event") ? f[at.get("event")!]! : "" } as FitDiagnosticsRow;
    for (const c of FIT_DIAGNOSTICS_COLUMNS) {
      const i = at.get(c);
      const v = i === undefined ? NaN : parseCsvNumber(f[i]!);
      if (Number.isNaN(v) && i !== undefined && !/^\s*(nan)?\s*$/i.test(f[i]!)) throw new DataError(`${source} line ${k + 2}: column '${c}' holds '${f[i]}', not a number`);
      row[c] = v;
    }
    return row;
  });
}

/** The rows of a diagnostics file, or undefined when it does not exist. */
export function readFitDiagnostics(file: string): FitDiagnosticsRow[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  return parseFitDiagnostics(fs.readFileSync(file, "utf8"), file);
}
