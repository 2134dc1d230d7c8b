/**
 * Training-loop settings from RunParams (the model's own slice is model/config.ts). Step counts of the
 * KL/L2 ramps are multiplied by the number of datasets when scaleIncreaseStepsWithDatasets /
 * scaleStartStepWithDatasets say so (RunParams.scaledWithDatasets), as the Run Manager passes them to LFADS.
 */
import { ParamError, warn } from "../core/errors.js";
import type { RunParams } from "../params/run-params.js";
import { checkOutputDist, observationModel } from "../model/observation/registry.js";
import { checkAugmentation, type AugmentationConfig } from "./augmentation.js";

export interface TrainConfig {
  batchSize: number;
  learningRateInit: number;
  learningRateDecayFactor: number;
  learningRateNToCompare: number;
  learningRateStop: number;
  maxGradNorm: number;
  klStartStep: number;
  klIncreaseSteps: number;
  l2StartStep: number;
  l2IncreaseSteps: number;
  /** Spike jitter half-width w in bins (Poisson only; 0 = off). */
  temporalSpikeJitterWidth: number;
  maxCkptToKeep: number;
  maxCkptToKeepLve: number;
  /** c_debug_reduce_timesteps_to: truncate every trial to this many bins. */
  reduceTimestepsTo: number | undefined;
  printEachStep: boolean;
  verbose: boolean;
  /** Coordinated dropout and sample validation (c_keep_ratio, c_cd_grad_passthru_prob, c_cv_keep_ratio, c_cv_rand_seed). */
  augmentation: AugmentationConfig;
}

export function trainConfigFromRunParams(p: RunParams, numDatasets: number): TrainConfig {
  const v = p.values;
  const scaled = new Set<string>(p.scaledWithDatasets());
  const scale = (name: "c_kl_start_step" | "c_kl_increase_steps" | "c_l2_start_step" | "c_l2_increase_steps"): number => v[name] * (scaled.has(name) ? numDatasets : 1);
  const reduce = v.c_debug_reduce_timesteps_to;
  if (reduce.length > 1 || (reduce.length === 1 && !(Number.isInteger(reduce[0]) && reduce[0]! > 0))) {
    throw new ParamError(`c_debug_reduce_timesteps_to must be empty or one positive integer, got [${reduce.join(", ")}]`);
  }
  if (v.c_temporal_spike_jitter_width > 0 && !observationModel(checkOutputDist(v.c_output_dist, "c_output_dist")).countData) {
    warn(`c_temporal_spike_jitter_width=${v.c_temporal_spike_jitter_width} has no effect with c_output_dist='${v.c_output_dist}': spike jitter applies to Poisson counts only, as in TF LFADS`);
  }
  if (v.c_batch_size < 1) throw new ParamError(`c_batch_size must be >= 1, got ${v.c_batch_size}`);
  const augmentation = { keepRatio: v.c_keep_ratio, cdGradPassthruProb: v.c_cd_grad_passthru_prob, cvKeepRatio: v.c_cv_keep_ratio, cvRandSeed: v.c_cv_rand_seed };
  checkAugmentation(augmentation);
  return {
    batchSize: v.c_batch_size,
    learningRateInit: v.c_learning_rate_init,
    learningRateDecayFactor: v.c_learning_rate_decay_factor,
    learningRateNToCompare: v.c_learning_rate_n_to_compare,
    learningRateStop: v.c_learning_rate_stop,
    maxGradNorm: v.c_max_grad_norm,
    klStartStep: scale("c_kl_start_step"),
    klIncreaseSteps: scale("c_kl_increase_steps"),
    l2StartStep: scale("c_l2_start_step"),
    l2IncreaseSteps: scale("c_l2_increase_steps"),
    temporalSpikeJitterWidth: v.c_temporal_spike_jitter_width,
    maxCkptToKeep: v.c_max_ckpt_to_keep,
    maxCkptToKeepLve: v.c_max_ckpt_to_keep_lve,
    reduceTimestepsTo: reduce[0],
    printEachStep: v.c_debug_print_each_step,
    verbose: v.c_debug_verbose,
    augmentation,
  };
}
