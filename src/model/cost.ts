/**
 * The TF LFADS training cost and bounds from one forward pass:
 *   recon = −mean_b log p(x|z)                        (nats per trial; weighted elements where the batch has weights)
 *   reconHeldOut = −mean_b held-out log p(x|z)        (sample validation's score, where the forward has it)
 *   kl    = mean_b (kl_ic_weight·KL_g0 + kl_co_weight·KL_co)
 *   cost  = recon + kl_weight·kl + l2_weight·l2 + co_mean_corr_scale·corr
 *   kl_ic = mean_b KL_g0,  kl_co = mean_b KL_co     (each posterior's KL, unweighted: diagnostics only)
 *   nll_bound_vae = −mean_b lb,  nll_bound_iwae = log B − logsumexp_b lb,  lb = log p(x|z) − weighted KLs
 * kl_weight and l2_weight are the ramp weights of the current step (train/schedule.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { l2Cost } from "./l2.js";
import type { LfadsForward, LfadsModel } from "./lfads.js";

export interface RampWeights {
  kl: number;
  l2: number;
}

export interface CostTerms {
  cost: tf.Scalar;
  recon: tf.Scalar;
  /** Un-ramped KL (with kl_ic_weight / kl_co_weight). */
  kl: tf.Scalar;
  /** KL of the initial-condition posterior g0, mean over trials, without kl_ic_weight (0 without an IC encoder). */
  klIc: tf.Scalar;
  /** KL of the controller-output posterior u, mean over trials, without kl_co_weight (0 without a controller). */
  klCo: tf.Scalar;
  l2: tf.Scalar;
  corr: tf.Scalar;
  nllBoundVae: tf.Scalar;
  nllBoundIwae: tf.Scalar;
  /** −mean_b of the held-out elements' log-likelihood (sample validation's score; no gradient), where the forward has one. */
  reconHeldOut?: tf.Scalar;
}

export function lfadsCost(model: LfadsModel, fwd: LfadsForward, w: RampWeights): CostTerms {
  const c = model.config;
  const B = fwd.logLik.shape[0];
  const klB = tf.add(tf.mul(c.klIcWeight, fwd.klIc), tf.mul(c.klCoWeight, fwd.klCo));
  const recon = tf.neg(tf.mean(fwd.logLik)) as tf.Scalar;
  const kl = tf.mean(klB) as tf.Scalar;
  const lb = tf.sub(fwd.logLik, klB);
  const l2 = l2Cost(model.store, c.l2GenScale, c.l2ConScale);
  const cost = tf.addN([recon, tf.mul(w.kl, kl), tf.mul(w.l2, l2), tf.mul(c.coMeanCorrScale, fwd.corr)]) as tf.Scalar;
  return {
    cost,
    recon,
    kl,
    klIc: tf.mean(fwd.klIc) as tf.Scalar,
    klCo: tf.mean(fwd.klCo) as tf.Scalar,
    l2,
    corr: fwd.corr,
    nllBoundVae: tf.neg(tf.mean(lb)) as tf.Scalar,
    nllBoundIwae: tf.sub(Math.log(B), tf.logSumExp(lb)) as tf.Scalar,
    ...(fwd.logLikHeldOut ? { reconHeldOut: tf.neg(tf.mean(fwd.logLikHeldOut)) as tf.Scalar } : {}),
  };
}
