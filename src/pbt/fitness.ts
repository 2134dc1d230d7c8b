/**
 * A PBT member's fitness: its smoothed validation reconstruction cost, S_e = 0.3·S_{e−1} + 0.7·v_e with
 * S_0 = v_0, at its last epoch (reference §6, valid/recon_smth; lower is better). v_e is the sample-validation
 * cost `recon_sv_valid` of fitlog_diagnostics.csv when that column is present and filled for every epoch
 * (sample validation on: only it is blind to spikes copied through), else fitlog.csv's validation recon cost.
 * TF-free: reads the files the trainer writes (train/fitness.ts).
 */
import { validationFitnessSeries } from "../train/fitness.js";

/** Weight of the newest epoch in the smoothed cost (lfads-torch and TF2 AutoLFADS: 0.7). */
export const FITNESS_SMOOTHING = 0.7;

export interface MemberFitness {
  /** Smoothed cost at the last epoch; NaN when there is no epoch yet or a cost was not finite. */
  fitness: number;
  /** Per-epoch costs used. */
  values: number[];
  /** Which cost they are. */
  source: "recon_valid" | "recon_sv_valid";
  /** Global step of the last epoch (0 when none). */
  step: number;
}

/** S_e = (1 − α)·S_{e−1} + α·v_e, S_0 = v_0, for every epoch. */
export function smoothCosts(values: readonly number[], alpha = FITNESS_SMOOTHING): number[] {
  const out: number[] = [];
  for (const v of values) out.push(out.length === 0 ? v : (1 - alpha) * out[out.length - 1]! + alpha * v);
  return out;
}

/** The fitness of the run whose outputs are in `outputDir` (module comment). */
export function readMemberFitness(outputDir: string, alpha = FITNESS_SMOOTHING): MemberFitness {
  const series = validationFitnessSeries(outputDir);
  const sv = series.length > 0 && series.every((p) => p.validReconSv !== undefined);
  const values = series.map((p) => (sv ? p.validReconSv! : p.validRecon));
  const last = smoothCosts(values, alpha).at(-1);
  return { fitness: last !== undefined && Number.isFinite(last) ? last : NaN, values, source: sv ? "recon_sv_valid" : "recon_valid", step: series.at(-1)?.step ?? 0 };
}
