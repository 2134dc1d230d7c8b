/**
 * Per-element weights of the log-likelihood, the model side of coordinated dropout (CD) and sample
 * validation (SV) (Keshtkaran & Pandarinath 2019; AutoLFADS, Keshtkaran et al. 2022). The training
 * loop (src/train/augmentation.ts) draws the masks; the model only weighs each (trial, bin, neuron) term:
 *   value   Σ value·ℓ                 the log-likelihood itself (SV: s/keep; absent: 1)
 *   grad    ∂ Σ grad·ℓ                what its gradient sees (CD: only elements the encoders did not see)
 *   heldOut Σ heldOut·ℓ               a second sum, a score with no gradient (SV: (1 − s)/(1 − keep))
 * The composite path here and the fused Poisson read-out (ops/poisson-readout.ts) compute the same.
 */
import * as tf from "@tensorflow/tfjs";
import type { ElementWeightArrays } from "./ops/poisson-readout.js";

/** Weights [B,T,N] over the likelihood's elements, row-major like the batch's data. */
export type LikelihoodWeights = ElementWeightArrays;

/** The identity in the forward pass, a zero gradient in the backward one (TF `stop_gradient`). */
export const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
})) as unknown as <T extends tf.Tensor>(x: T) => T;

/**
 * The weighted per-trial sums [B] of element log-likelihoods `terms` [B,T,N]: the value weights'
 * sum, whose gradient comes only through the gradient weights (the rest of the value passes a
 * stop-gradient), and the held-out sum.
 */
export function weightedLogLik(terms: tf.Tensor3D, w: LikelihoodWeights): { logLik: tf.Tensor1D; heldOut?: tf.Tensor1D } {
  const shape = terms.shape;
  const t = (a: Float32Array): tf.Tensor3D => tf.tensor3d(a, shape);
  const value = w.value ? t(w.value) : undefined;
  let logLik: tf.Tensor1D;
  if (!w.grad) logLik = tf.sum(value ? tf.mul(terms, value) : terms, [1, 2]) as tf.Tensor1D;
  else {
    const grad = t(w.grad);
    // value·ℓ = grad·ℓ + (value − grad)·stop_gradient(ℓ): the same value, the gradient of grad·ℓ only.
    const rest = tf.sub(value ?? tf.onesLike(grad), grad);
    logLik = tf.sum(tf.add(tf.mul(terms, grad), tf.mul(stopGradient(terms), rest)), [1, 2]) as tf.Tensor1D;
  }
  if (!w.heldOut) return { logLik };
  return { logLik, heldOut: tf.sum(tf.mul(stopGradient(terms), t(w.heldOut)), [1, 2]) as tf.Tensor1D };
}

/** The weights of rows `rows` (each row T·N values of the encoding's), for decoding rows other than the encoding's. */
export function pickWeightRows(w: LikelihoodWeights, rows: Int32Array, rowLength: number): LikelihoodWeights {
  const pick = (a: Float32Array): Float32Array => {
    const out = new Float32Array(rows.length * rowLength);
    rows.forEach((r, i) => out.set(a.subarray(r * rowLength, (r + 1) * rowLength), i * rowLength));
    return out;
  };
  return { ...(w.value ? { value: pick(w.value) } : {}), ...(w.grad ? { grad: pick(w.grad) } : {}), ...(w.heldOut ? { heldOut: pick(w.heldOut) } : {}) };
}
