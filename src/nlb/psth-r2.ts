/**
 * PSTH R² (NLB): for each condition with at least one eval trial, the mean of its eval trials' rates
 * (held-in ‖ held-out) against the target PSTH, keeping the bins where the target's first neuron is
 * not NaN; the conditions are stacked along time and R² is computed per neuron, then averaged.
 * (DMFC's jitter shift is not applied: only unjittered targets are scored.)
 */
import { DataError } from "../core/errors.js";
import { r2Uniform } from "./ridge.js";
import type { NlbTensor } from "./tensor.js";

/** `psth` [condition, bin, neuron]; `condIdx[c]` the eval-trial positions of condition c. */
export function psthR2(psth: NlbTensor, evalRates: NlbTensor, condIdx: readonly (readonly number[])[]): number {
  const [nC, nB, n] = psth.shape;
  const [nT, rB, rn] = evalRates.shape;
  if (rn !== n) throw new DataError(`PSTH R²: the target PSTH has ${n} neurons but the eval rates have ${rn}; pass held-in ‖ held-out rates`);
  if (condIdx.length !== nC) throw new DataError(`PSTH R²: ${condIdx.length} condition index lists for ${nC} PSTH conditions`);
  const truth: number[] = [];
  const pred: number[] = [];
  condIdx.forEach((idx, c) => {
    if (idx.length === 0) return;
    for (const t of idx) if (!(t >= 0 && t < nT)) throw new DataError(`PSTH R²: condition ${c} names eval trial ${t}, but there are ${nT}`);
    for (let b = 0; b < nB; b++) {
      if (Number.isNaN(psth.data[(c * nB + b) * n]!)) continue;
      if (b >= rB) throw new DataError(`PSTH R²: the target PSTH has data at bin ${b} but the eval rates have ${rB} bins`);
      for (let k = 0; k < n; k++) {
        let s = 0;
        for (const t of idx) s += evalRates.data[(t * rB + b) * n + k]!;
        truth.push(psth.data[(c * nB + b) * n + k]!);
        pred.push(s / idx.length);
      }
    }
  });
  if (truth.length === 0) throw new DataError("PSTH R²: no condition has an eval trial and a non-NaN target bin");
  return r2Uniform(truth, pred, n);
}
