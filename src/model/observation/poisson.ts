/**
 * Poisson observations: spike counts x ~ Poisson(exp(logr)) per bin and neuron. The read-out gives
 * log-rates (TF `fac_2_logrates`); the files hold rates in counts per bin, a PosteriorMeans in spikes/s.
 */
import type * as tf from "@tensorflow/tfjs";
import { ParamError } from "../../core/errors.js";
import { logFactorial } from "../../core/special.js";
import { EXP_CLIP, type ObservationModel } from "./observation-model.js";

/**
 * Σ_{t,n} lgamma(x+1) for each of `trials` rows of `x` (row length T·N), each term times `weights[i]`
 * where given: the constant term of the Poisson log-likelihood, computed once in double precision in
 * JavaScript (tfjs has no lgamma).
 */
export function lgammaRowSums(x: ArrayLike<number>, trials: number, weights?: ArrayLike<number>): Float32Array {
  const len = x.length / trials;
  const out = new Float32Array(trials);
  for (let b = 0; b < trials; b++) {
    let s = 0;
    for (let i = b * len; i < (b + 1) * len; i++) {
      const v = x[i]!;
      if (v > 1) s += weights ? weights[i]! * logFactorial(v) : logFactorial(v);
    }
    out[b] = s;
  }
  return out;
}

/** Σ_{t,n} x·logr − exp(logr) per trial [B], less `lgammaSum` [B] (from `lgammaRowSums`) where given. */
export function poissonLogLik(logrates: tf.Tensor3D, x: tf.Tensor3D, lgammaSum?: tf.Tensor1D): tf.Tensor1D {
  const ll = x.mul(logrates).sub(logrates.exp()).sum([1, 2]);
  return (lgammaSum ? ll.sub(lgammaSum) : ll) as tf.Tensor1D;
}

export const poisson: ObservationModel = {
  name: "poisson",
  label: "Poisson",
  paramsPerNeuron: 1,
  readoutHeads: [{ scope: "fac_2_logrates" }],
  identityReadout: true,
  fusedPoissonReadout: true,
  countData: true,
  dataConstant: lgammaRowSums,
  logLikelihood: poissonLogLik,
  elementLogLikelihood: (logrates, x) => x.mul(logrates).sub(logrates.exp()),
  /** Rates exp(clip(logr, ±80)) in counts per bin. */
  outputParams: <R extends tf.Rank>(raw: tf.Tensor<R>) => (raw.clipByValue(-EXP_CLIP, EXP_CLIP) as tf.Tensor<R>).exp(),
  feedback: (raw, clip) => (clip ? (raw.clipByValue(-EXP_CLIP, EXP_CLIP) as tf.Tensor2D) : raw).exp(),

  tfLayout: "rates",
  outputFields: ["rates"],
  meanField: "rates",
  readScale: (spikeBinMs) => 1000 / spikeBinMs,
  fromTfParams: (params) => ({ rates: params }),
  meansPerBin(outputs, spikeBinMs) {
    const rates = outputs.rates!;
    const s = spikeBinMs / 1000;
    return { data: rates.data.map((v) => v * s), shape: rates.shape };
  },
  checkPosteriorOutputs(d) {
    if (!d.rates) throw new ParamError('PosteriorMeans: Poisson outputs need rates (spikes/s); for a Gaussian-output model set outputDist: "gaussian" and pass means (and variances)');
    if (d.means || d.variances) throw new ParamError('PosteriorMeans: means / variances are for Gaussian outputs, but outputDist is "poisson"; set outputDist: "gaussian" (and drop rates) or drop them');
  },
};
