/**
 * Observation models: the per-trial log-likelihood log p(x|z) summed over time and neurons, and the
 * reported output parameters (exp clipped at ±80, as TF does for outputs only, never inside the loss).
 */
import * as tf from "@tensorflow/tfjs";
import { logFactorial } from "../core/special.js";
import type { OutputDist } from "./config.js";

const LOG_2PI = Math.log(2 * Math.PI);
export const EXP_CLIP = 80;

/**
 * Σ_{t,n} lgamma(x+1) for each of `trials` rows of `x` (row length T·N): the constant term of the Poisson
 * log-likelihood, computed once in double precision in JavaScript (tfjs has no lgamma).
 */
export function lgammaRowSums(x: ArrayLike<number>, trials: number): Float32Array {
  const len = x.length / trials;
  const out = new Float32Array(trials);
  for (let b = 0; b < trials; b++) {
    let s = 0;
    for (let i = b * len; i < (b + 1) * len; i++) {
      const v = x[i]!;
      if (v > 1) s += logFactorial(v);
    }
    out[b] = s;
  }
  return out;
}

/** Poisson: Σ x·logr − exp(logr) − lgamma(x+1) → [B]. `lgammaSum` [B] from `lgammaRowSums`. */
export function poissonLogLik(logrates: tf.Tensor3D, x: tf.Tensor3D, lgammaSum: tf.Tensor1D): tf.Tensor1D {
  return tf.sub(tf.sum(tf.sub(tf.mul(x, logrates), tf.exp(logrates)), [1, 2]), lgammaSum) as tf.Tensor1D;
}

/** Gaussian: Σ −0.5·(logvar + log 2π + (x−mean)²/exp(logvar)) → [B]. `params` = means ‖ logvars [B,T,2N]. */
export function gaussianLogLik(params: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor1D {
  const [B, T, N2] = params.shape;
  const N = N2 / 2;
  const mean = tf.slice(params, [0, 0, 0], [B, T, N]);
  const logvar = tf.slice(params, [0, 0, N], [B, T, N]);
  const terms = tf.add(tf.add(logvar, LOG_2PI), tf.mul(tf.square(tf.sub(x, mean)), tf.exp(tf.neg(logvar))));
  return tf.mul(-0.5, tf.sum(terms, [1, 2])) as tf.Tensor1D;
}

export function logLikelihood(dist: OutputDist, raw: tf.Tensor3D, x: tf.Tensor3D, lgammaSum: tf.Tensor1D | undefined): tf.Tensor1D {
  if (dist === "gaussian") return gaussianLogLik(raw, x);
  return poissonLogLik(raw, x, lgammaSum ?? tf.zeros([x.shape[0]]));
}

/**
 * Reported `output_dist_params`: Poisson rates exp(clip(logr, ±80)) [.., N] in counts per bin;
 * Gaussian means ‖ exp(clip(logvar, ±80)) [.., 2N].
 */
export function outputParams<R extends tf.Rank>(dist: OutputDist, raw: tf.Tensor<R>): tf.Tensor<R> {
  if (dist === "poisson") return tf.exp(tf.clipByValue(raw, -EXP_CLIP, EXP_CLIP));
  const last = raw.shape.length - 1;
  const N = raw.shape[last]! / 2;
  const [mean, logvar] = tf.split(raw, [N, N], last);
  return tf.concat([mean!, tf.exp(tf.clipByValue(logvar!, -EXP_CLIP, EXP_CLIP))], last) as tf.Tensor<R>;
}

/** The signal fed back to the controller as "rates": Poisson rates (clipped exp), Gaussian means. */
export function feedbackRates(dist: OutputDist, raw: tf.Tensor2D, clip: boolean): tf.Tensor2D {
  if (dist === "poisson") return tf.exp(clip ? tf.clipByValue(raw, -EXP_CLIP, EXP_CLIP) : raw);
  return tf.slice(raw, [0, 0], [raw.shape[0], raw.shape[1] / 2]);
}
