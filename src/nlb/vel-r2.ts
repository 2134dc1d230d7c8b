/**
 * Velocity decoding R² (NLB): samples are trials × bins flattened, inputs the rates (held-in ‖
 * held-out, no history), targets the lagged behaviour; samples whose first behaviour channel is NaN are
 * dropped; a ridge decoder with cross-validated α is fitted on the train trials and scored on the eval
 * trials (uniform R² over channels). With decode masks, the score is the mean over masks.
 */
import { DataError } from "../core/errors.js";
import { r2Uniform, ridgeGridCv, predict, type Rows } from "./ridge.js";
import type { NlbTensor } from "./tensor.js";

/** Flatten trials × bins into rows, keeping the trials `keep` allows and the bins with finite behaviour. */
function samples(rates: NlbTensor, behavior: NlbTensor, keep: readonly boolean[] | undefined, what: string): { x: Rows; y: Rows } {
  const [nT, nB, p] = rates.shape;
  const q = behavior.shape[2];
  if (behavior.shape[0] !== nT || behavior.shape[1] !== nB) {
    throw new DataError(`velocity R²: ${what} rates have [${rates.shape.join(", ")}] but the behaviour has [${behavior.shape.join(", ")}]; trials and bins must match`);
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = 0; t < nT; t++) {
    if (keep && !keep[t]) continue;
    for (let b = 0; b < nB; b++) {
      const r = t * nB + b;
      if (Number.isNaN(behavior.data[r * q]!)) continue;
      for (let i = 0; i < p; i++) xs.push(rates.data[r * p + i]!);
      for (let j = 0; j < q; j++) ys.push(behavior.data[r * q + j]!);
    }
  }
  return { x: { data: Float64Array.from(xs), n: ys.length / q, p }, y: { data: Float64Array.from(ys), n: ys.length / q, p: q } };
}

export interface VelocityR2Input {
  trainRates: NlbTensor;
  trainBehavior: NlbTensor;
  evalRates: NlbTensor;
  evalBehavior: NlbTensor;
  /** Area2_Bump's decode masks: one score per mask pair, averaged. */
  masks?: readonly { train: readonly boolean[]; eval: readonly boolean[] }[];
}

export function velocityR2(input: VelocityR2Input): number {
  const masks = input.masks && input.masks.length > 0 ? input.masks : [undefined];
  let sum = 0;
  for (const m of masks) {
    const tr = samples(input.trainRates, input.trainBehavior, m?.train, "train");
    const ev = samples(input.evalRates, input.evalBehavior, m?.eval, "eval");
    const fit = ridgeGridCv(tr.x, tr.y);
    sum += r2Uniform(ev.y.data, predict(fit, ev.x, ev.y.p), ev.y.p);
  }
  return sum / masks.length;
}
