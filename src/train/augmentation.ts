/**
 * Coordinated dropout (CD) and sample validation (SV), the masks and what a batch makes of them
 * (Keshtkaran & Pandarinath 2019; AutoLFADS, Keshtkaran et al. 2022; lfadslite's flags keep_ratio,
 * cd_grad_passthru_prob, cv_keep_ratio, cv_rand_seed). Both stop the model from copying spikes from
 * its input to its output, which a held-out-trial validation cost cannot see:
 *
 * - SV: a fixed mask s ~ Bernoulli(cv_keep_ratio) over every element (trial, bin, neuron) of the training
 *   and validation data, drawn once from cv_rand_seed. The encoders read x ⊙ s / cv_keep_ratio; the
 *   log-likelihood weighs each element by s / cv_keep_ratio (held-out elements give neither value nor
 *   gradient); the held-out elements are scored with weight (1 − s) / (1 − cv_keep_ratio), an estimate of
 *   the same per-trial reconstruction cost from elements the model never saw (recon_sv_*).
 * - CD (training steps only): a fresh mask m ~ Bernoulli(keep_ratio) each step. The encoders read
 *   x ⊙ m / keep_ratio; the log-likelihood keeps its value over every element, but its gradient comes
 *   only from elements with m = 0 (and, with probability cd_grad_passthru_prob, from the others).
 *
 * With held-out neurons and forward bins (recon data) the masks cover the encoders' elements only; the
 * weights of the other elements of the target are padded: value 1, gradient 1 (always trained), held-out 0
 * (reference nlb-nwb-autolfads.md §6).
 *
 * Masks are drawn with the dropout-mask generator (model/noise.ts: the xoshiro128** stream of
 * core/rng.ts, in the kernels where installed), so they are reproducible and resume with the RNG state.
 */
import { ParamError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { LikelihoodWeights } from "../model/likelihood-weights.js";
import { RngNoise, type NoiseSource } from "../model/noise.js";
import type { InputData } from "./input-data.js";
import { padToTarget } from "./recon-data.js";

export interface AugmentationConfig {
  /** CD keep ratio, 1 − p_cd (1: off). */
  keepRatio: number;
  /** CD: probability that a seen element still passes its gradient. */
  cdGradPassthruProb: number;
  /** SV keep ratio, 1 − p_sv (1: off). */
  cvKeepRatio: number;
  /** SV mask seed. */
  cvRandSeed: number;
}

export const AUGMENTATION_OFF: AugmentationConfig = { keepRatio: 1, cdGradPassthruProb: 0, cvKeepRatio: 1, cvRandSeed: 0 };

/** Checks the ranges (RunParams checks them too; a config built by hand gets the same message). */
export function checkAugmentation(a: AugmentationConfig): void {
  const bad = (name: string, v: number, range: string): never => {
    throw new ParamError(`${name} must be in ${range}, got ${v}`);
  };
  if (!(a.keepRatio > 0 && a.keepRatio <= 1)) bad("c_keep_ratio", a.keepRatio, "(0, 1] (1 − the coordinated-dropout probability; 1 = off)");
  if (!(a.cdGradPassthruProb >= 0 && a.cdGradPassthruProb <= 1)) bad("c_cd_grad_passthru_prob", a.cdGradPassthruProb, "[0, 1]");
  if (!(a.cvKeepRatio > 0 && a.cvKeepRatio <= 1)) bad("c_cv_keep_ratio", a.cvKeepRatio, "(0, 1] (1 − the sample-validation fraction; 1 = off)");
  if (!(Number.isInteger(a.cvRandSeed) && a.cvRandSeed >= 0)) bad("c_cv_rand_seed", a.cvRandSeed, "the integers ≥ 0");
}

export type Split = "train" | "valid";

/** SV's fixed masks: per dataset and split, 1 where an element is used, 0 where it is held out. */
export class SampleValidationMasks {
  private constructor(
    readonly keepRatio: number,
    private readonly masks: readonly Record<Split, Uint8Array>[],
    private readonly rowLengths: readonly number[],
  ) {}

  /** Draws every mask once from `seed`: datasets in order, each its training then its validation trials. */
  static draw(data: InputData, keepRatio: number, seed: number): SampleValidationMasks {
    const noise = new RngNoise(new Rng(seed));
    const T = data.numSteps;
    const draw = (trials: number, N: number): Uint8Array => Uint8Array.from(noise.dropoutMask(trials * T * N, keepRatio), (v) => (v > 0 ? 1 : 0));
    const masks = data.datasets.map((d) => ({ train: draw(d.train.numTrials, d.numNeurons), valid: draw(d.valid.numTrials, d.numNeurons) }));
    return new SampleValidationMasks(keepRatio, masks, data.datasets.map((d) => T * d.numNeurons));
  }

  /** The mask rows of trials `indices` of a split, [B·T·N]. */
  rows(datasetIndex: number, split: Split, indices: Int32Array): Uint8Array {
    const all = this.masks[datasetIndex]![split];
    const L = this.rowLengths[datasetIndex]!;
    const out = new Uint8Array(indices.length * L);
    indices.forEach((i, b) => out.set(all.subarray(i * L, (i + 1) * L), b * L));
    return out;
  }
}

/** CD's mask of one training step: multipliers m / keep_ratio (0 where dropped) and the pass-through draws. */
export interface CoordinatedDropoutMask {
  keep: Float32Array;
  /** Nonzero where a seen element still passes its gradient; absent without pass-through. */
  pass?: Float32Array;
}

/** Draws a step's CD mask over n elements from `noise` (the keep mask first, then the pass-through). */
export function drawCoordinatedDropout(noise: NoiseSource, n: number, keepRatio: number, passProb: number): CoordinatedDropoutMask {
  const keep = noise.dropoutMask(n, keepRatio);
  return passProb > 0 ? { keep, pass: noise.dropoutMask(n, passProb) } : { keep };
}

/** What a batch gets from the masks: the encoders' input, the likelihood weights and their lgamma sums. */
export interface AugmentedBatch {
  encoderData: Float32Array;
  weights: LikelihoodWeights;
  /** Σ weights.value·lgamma(x+1) per trial, with SV (absent: the plain sums stand). */
  lgammaSum?: Float32Array;
  /** Σ weights.heldOut·lgamma(x+1) per trial, with SV. */
  lgammaHeldOut?: Float32Array;
}

/** The likelihood's target when it is larger than the encoders' input: its values [B, T_rec, N_rec] and sizes. */
export interface TargetLayout {
  target: Float32Array;
  T: number;
  N: number;
  Trec: number;
  Nrec: number;
}

/**
 * The batch x [B·T·N] seen through an SV mask (`sv`: its rows and keep ratio) and/or a CD mask;
 * `dataConstant` is the observation model's (Poisson: Σ lgamma(x+1)), to be weighted as the elements are.
 * With `recon`, the weights are over its target (padded outside x's elements) and so are the lgamma sums.
 */
export function augmentBatch(
  x: Float32Array,
  B: number,
  masks: { sv?: { rows: Uint8Array; keepRatio: number }; cd?: CoordinatedDropoutMask },
  dataConstant?: (x: ArrayLike<number>, trials: number, weights?: ArrayLike<number>) => Float32Array,
  recon?: TargetLayout,
): AugmentedBatch {
  const { sv, cd } = masks;
  const n = x.length;
  const encoderData = new Float32Array(n);
  const value = sv ? new Float32Array(n) : undefined;
  const heldOut = sv ? new Float32Array(n) : undefined;
  const grad = cd ? new Float32Array(n) : undefined;
  const inScale = sv ? 1 / sv.keepRatio : 1;
  const outScale = sv && sv.keepRatio < 1 ? 1 / (1 - sv.keepRatio) : 0;
  for (let i = 0; i < n; i++) {
    const used = sv ? sv.rows[i]! : 1;
    const v = used * inScale;
    if (value) value[i] = v;
    if (heldOut) heldOut[i] = (1 - used) * outScale;
    const m = cd ? cd.keep[i]! : 1;
    encoderData[i] = x[i]! * v * m;
    // CD: the gradient only where the encoders did not see the element (or it passes through).
    if (grad) grad[i] = m === 0 || (cd!.pass !== undefined && cd!.pass[i]! > 0) ? v : 0;
  }
  // Held-out neurons and forward bins: always in the value and the gradient, never in the SV score.
  const pad = (a: Float32Array | undefined, fill: number): Float32Array | undefined => (a && recon ? padToTarget(a, fill, B, recon.T, recon.N, recon.Trec, recon.Nrec) : a);
  const [pv, pg, ph] = [pad(value, 1), pad(grad, 1), pad(heldOut, 0)];
  const weights: LikelihoodWeights = { ...(pv ? { value: pv } : {}), ...(pg ? { grad: pg } : {}), ...(ph ? { heldOut: ph } : {}) };
  const out: AugmentedBatch = { encoderData, weights };
  if (sv && dataConstant) {
    const target = recon?.target ?? x;
    out.lgammaSum = dataConstant(target, B, pv);
    out.lgammaHeldOut = dataConstant(target, B, ph);
  }
  return out;
}
