/**
 * fitlog_diagnostics.csv: per epoch, what fitlog.csv cannot hold without breaking TF's 19 columns (the
 * MATLAB Run Manager reads those by position): the global gradient norm before clipping (mean and max
 * over the epoch's steps), the fraction of steps clipped to c_max_grad_norm, the KL of each posterior
 * (g0 and u, without kl_*_weight) on the training steps and on the validation pass, the learning rate
 * the epoch's steps used, an event (divergence notes), and under sample validation the reconstruction
 * cost of the held-out elements (recon_sv_train over the training steps, recon_sv_valid over the
 * validation pass; empty when it is off). A header row names the columns.
 * Like fitlog.csv it is rewritten atomically from lines kept in memory and in every checkpoint, so a
 * resumed run's file holds exactly the epochs of the checkpoint it resumed from. TF-free.
 */
import * as path from "node:path";
import { splitCsvLine } from "../core/csv.js";
import { writeFileAtomic } from "../io/atomic.js";
import { FITLOG_DIAGNOSTICS_FILE } from "../runs/layout.js";

/** The columns, in file order (the header row). */
export const DIAGNOSTICS_COLUMNS = [
  "epoch", "step", "learning_rate", "grad_norm_mean", "grad_norm_max", "clip_fraction", "max_grad_norm",
  "kl_ic_train", "kl_ic_valid", "kl_co_train", "kl_co_valid", "event", "recon_sv_train", "recon_sv_valid",
] as const;
export type DiagnosticsColumn = (typeof DIAGNOSTICS_COLUMNS)[number];

export interface EpochDiagnostics {
  epoch: number;
  /** Global step after the epoch (as in fitlog.csv). */
  step: number;
  /** Learning rate of the epoch's steps (before the epoch-end decay or a divergence recovery). */
  learningRate: number;
  gradNormMean: number;
  gradNormMax: number;
  /** Fraction of the epoch's steps whose gradient norm exceeded maxGradNorm (they were scaled down to it). */
  clipFraction: number;
  maxGradNorm: number;
  klIcTrain: number;
  klIcValid: number;
  klCoTrain: number;
  klCoValid: number;
  /** What happened at the end of this epoch (a divergence and what was done about it); "" for nothing. */
  event: string;
  /** Sample validation: mean held-out reconstruction cost (nats per trial) of the training steps and of the validation pass; absent when SV is off. */
  reconSvTrain?: number;
  reconSvValid?: number;
}

/** Per-step numbers the summary needs (a StepStats has them). */
export interface StepDiagnostics {
  gradNorm: number;
  klIc: number;
  klCo: number;
  /** The held-out elements' reconstruction cost (sample validation); NaN or absent when it is off. */
  reconSv?: number;
}

const meanOf = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, x) => a + x, 0) / xs.length);

/** The epoch's row from its training steps and validation batches (their gradNorm is unused). */
export function epochDiagnostics(
  at: { epoch: number; step: number; learningRate: number; maxGradNorm: number },
  steps: readonly StepDiagnostics[],
  valid: readonly Omit<StepDiagnostics, "gradNorm">[],
  event = "",
): EpochDiagnostics {
  const norms = steps.map((s) => s.gradNorm);
  const sv = (xs: readonly Pick<StepDiagnostics, "reconSv">[]): number | undefined => {
    const v = xs.map((s) => s.reconSv ?? NaN);
    return v.length > 0 && v.every((x) => Number.isNaN(x)) ? undefined : meanOf(v);
  };
  const svTrain = sv(steps);
  const svValid = sv(valid);
  return {
    ...at,
    gradNormMean: meanOf(norms),
    gradNormMax: norms.length === 0 ? NaN : Math.max(...norms),
    clipFraction: norms.length === 0 ? NaN : norms.filter((g) => g > at.maxGradNorm).length / norms.length,
    klIcTrain: meanOf(steps.map((s) => s.klIc)),
    klIcValid: meanOf(valid.map((s) => s.klIc)),
    klCoTrain: meanOf(steps.map((s) => s.klCo)),
    klCoValid: meanOf(valid.map((s) => s.klCo)),
    event,
    ...(svTrain !== undefined ? { reconSvTrain: svTrain } : {}),
    ...(svValid !== undefined ? { reconSvValid: svValid } : {}),
  };
}

/** 7 significant digits (float32 costs carry no more); nan/inf spelled as in fitlog.csv. */
function number(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return String(Number(x.toPrecision(7)));
}

/** A CSV field on one line: line breaks become spaces; quoted (quotes doubled) when it holds a comma or a quote. */
export function csvField(s: string): string {
  const one = s.replace(/[\r\n]+/g, " ");
  return /[",]/.test(one) ? `"${one.replaceAll('"', '""')}"` : one;
}

export const diagnosticsHeader = (): string => DIAGNOSTICS_COLUMNS.join(",");

export function diagnosticsLine(d: EpochDiagnostics): string {
  const nums = [d.learningRate, d.gradNormMean, d.gradNormMax, d.clipFraction, d.maxGradNorm, d.klIcTrain, d.klIcValid, d.klCoTrain, d.klCoValid].map(number);
  const optional = (x: number | undefined): string => (x === undefined ? "" : number(x));
  return [String(d.epoch), String(d.step), ...nums, csvField(d.event), optional(d.reconSvTrain), optional(d.reconSvValid)].join(",");
}

/**
 * A line written before the recon_sv_* columns existed (a checkpoint of an older lfads-ts), with those
 * columns added empty, so that a resumed run's file has one layout; other lines unchanged.
 */
export function upgradeDiagnosticsLine(line: string): string {
  const missing = DIAGNOSTICS_COLUMNS.length - splitCsvLine(line).length;
  return missing === 2 ? line + ",," : line;
}

/** Rewrite the file (the header, then one line per epoch) atomically. */
export function writeDiagnostics(outDir: string, lines: readonly string[]): void {
  writeFileAtomic(path.join(outDir, FITLOG_DIAGNOSTICS_FILE), [diagnosticsHeader(), ...lines].map((l) => `${l}\n`).join(""));
}
