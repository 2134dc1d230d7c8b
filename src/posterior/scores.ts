/**
 * Scores of inferred rates (TF-free): R² against true rates, Poisson NLL and bits per spike.
 *
 * All arrays are `[trials, time, neurons]` in the **same units per bin**: expected counts per LFADS bin for
 * rates and truth (use `PosteriorMeans.ratesPerBin()`, not `rates` in spikes/s), counts per bin for spikes.
 * `trials` options are 0-based trial indices (first axis); the default is every trial.
 */
import type { Array3D } from "../core/array3d.js";
import { sliceBlock } from "../core/array3d-concat.js";
import { DataError, LfadsError, ParamError, ShapeError, warn } from "../core/errors.js";
import { lgamma, logFactorial } from "../core/special.js";
import { observationModel } from "../model/observation/registry.js";
import type { PosteriorMeans } from "./posterior-means.js";

export interface ScoreOptions {
  /** 0-based indices of the trials to score (first axis); default all. */
  trials?: ArrayLike<number>;
}

export interface R2Result {
  /**
   * `1 − Σ(r − t)² / Σ(t − t̄_n)²`, pooled over the scored trials, bins and neurons, with `t̄_n` the mean of
   * neuron n's truth over those trials and bins (lorenz-baselines.md).
   */
  readonly pooled: number;
  /** The same ratio per neuron (NaN for a neuron whose truth is constant). */
  readonly perNeuron: Float64Array;
  /** Number of (trial, bin, neuron) values that entered (pairs with a NaN are skipped). */
  readonly nValues: number;
}

function checkSame(a: Array3D, b: Array3D, fn: string, an: string, bn: string): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2]) {
    throw new ShapeError(`${fn}: ${an} has shape [${a.shape.join(", ")}] but ${bn} has [${b.shape.join(", ")}]; both must be [trials, time, neurons] in the same bins`);
  }
}

function trialList(n: number, trials: ArrayLike<number> | undefined, fn: string): ArrayLike<number> {
  if (trials === undefined) return Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= n) throw new ParamError(`${fn}: trials[${i}] = ${t} is not a 0-based trial index below ${n}`);
  }
  return trials;
}

/**
 * Per-neuron sums and counts of `x` over the chosen trials and every bin, skipping NaN entries of `x`
 * (and entries where `alsoSkipNaNIn` is NaN): the per-neuron means of R² and of the bits-per-spike null model.
 */
function neuronSums(x: Array3D, trials: ArrayLike<number>, alsoSkipNaNIn?: Array3D): { sum: Float64Array; cnt: Float64Array } {
  const [, t, d] = x.shape;
  const sum = new Float64Array(d);
  const cnt = new Float64Array(d);
  const other = alsoSkipNaNIn?.data;
  for (let a = 0; a < trials.length; a++) {
    const base = trials[a]! * t * d;
    for (let j = 0; j < t * d; j++) {
      const v = x.data[base + j]!;
      if (Number.isNaN(v) || (other !== undefined && Number.isNaN(other[base + j]!))) continue;
      sum[j % d]! += v;
      cnt[j % d]!++;
    }
  }
  return { sum, cnt };
}

/** R² of `predicted` against `truth` (same units per bin), pooled and per neuron. */
export function r2Score(predicted: Array3D, truth: Array3D, opts: ScoreOptions = {}): R2Result {
  checkSame(predicted, truth, "r2Score", "predicted", "truth");
  const [n, t, d] = truth.shape;
  const trials = trialList(n, opts.trials, "r2Score");
  const p = predicted.data;
  const y = truth.data;
  const { sum, cnt } = neuronSums(truth, trials, predicted);
  const mean = sum.map((s, k) => (cnt[k]! > 0 ? s / cnt[k]! : NaN));
  const res = new Float64Array(d);
  const tot = new Float64Array(d);
  for (let a = 0; a < trials.length; a++) {
    const base = trials[a]! * t * d;
    for (let j = 0; j < t * d; j++) {
      const yv = y[base + j]!;
      const pv = p[base + j]!;
      if (Number.isNaN(yv) || Number.isNaN(pv)) continue;
      const k = j % d;
      res[k]! += (pv - yv) ** 2;
      tot[k]! += (yv - mean[k]!) ** 2;
    }
  }
  let resAll = 0;
  let totAll = 0;
  let nValues = 0;
  const perNeuron = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    perNeuron[k] = tot[k]! > 0 ? 1 - res[k]! / tot[k]! : NaN;
    resAll += res[k]!;
    totAll += tot[k]!;
    nValues += cnt[k]!;
  }
  if (nValues === 0) throw new DataError("r2Score: no (trial, bin, neuron) value is free of NaN in the scored trials");
  return { pooled: totAll > 0 ? 1 - resAll / totAll : NaN, perNeuron, nValues };
}

function logFact(x: number): number {
  return Number.isInteger(x) ? logFactorial(x) : lgamma(x + 1);
}

/**
 * Poisson negative log-likelihood `Σ [r − x·log r + lgamma(x + 1)]` (nats) over the scored trials, bins and
 * neurons, the NLB definition (lfads-model.md §2.8): entries with NaN counts are skipped, zero rates are
 * replaced by 1e-9, and negative or NaN rates (where counts are not NaN) are an error.
 */
export function poissonNll(ratesPerBin: Array3D, counts: Array3D, opts: ScoreOptions = {}): number {
  checkSame(ratesPerBin, counts, "poissonNll", "rates", "counts");
  const [n, t, d] = counts.shape;
  const trials = trialList(n, opts.trials, "poissonNll");
  let nll = 0;
  for (let a = 0; a < trials.length; a++) {
    const base = trials[a]! * t * d;
    for (let j = 0; j < t * d; j++) {
      const x = counts.data[base + j]!;
      if (Number.isNaN(x)) continue;
      let r = ratesPerBin.data[base + j]!;
      if (!(r >= 0)) {
        throw new DataError(`poissonNll: rate ${r} at [trial ${trials[a]}, bin ${Math.floor(j / d)}, neuron ${j % d}]; rates must be non-negative numbers (counts per bin)`);
      }
      if (r === 0) r = 1e-9;
      nll += r - x * Math.log(r) + logFact(x);
    }
  }
  return nll;
}

/**
 * Bits per spike (NLB, lfads-model.md §2.8): `(NLL(r_null) − NLL(r)) / Σx / ln 2`, with `r_null[n]` the
 * mean count of neuron n over the scored trials and bins (NaN counts skipped). Rates in counts per bin.
 */
export function bitsPerSpike(ratesPerBin: Array3D, counts: Array3D, opts: ScoreOptions = {}): number {
  checkSame(ratesPerBin, counts, "bitsPerSpike", "rates", "counts");
  const [n, t, d] = counts.shape;
  const trials = trialList(n, opts.trials, "bitsPerSpike");
  const { sum, cnt } = neuronSums(counts, trials);
  const total = sum.reduce((s, v) => s + v, 0);
  if (!(total > 0)) throw new DataError("bitsPerSpike: the scored trials hold no spikes, so bits per spike is undefined; score more trials");
  const nullRate = sum.map((s, k) => (cnt[k]! > 0 ? s / cnt[k]! : 0));
  const nullRates = new Float64Array(counts.data.length);
  for (let a = 0; a < trials.length; a++) {
    const base = trials[a]! * t * d;
    for (let j = 0; j < t * d; j++) nullRates[base + j] = nullRate[j % d]!;
  }
  const nullNll = poissonNll({ data: nullRates, shape: counts.shape }, counts, { trials });
  const modelNll = poissonNll(ratesPerBin, counts, { trials });
  return (nullNll - modelNll) / total / Math.LN2;
}

/** Which trials of a PosteriorMeans to score. */
export type TrialSplit = "train" | "valid" | "all";

export interface PosteriorScoreOptions {
  /** Default `"valid"` (held-out trials). */
  split?: TrialSplit;
}

/** Trials of `split` that have outputs (trials missing from the output files are left out, with a warning). */
export function splitTrials(pm: PosteriorMeans, split: TrialSplit = "valid"): Int32Array {
  let base: Int32Array;
  if (split === "train") base = pm.trainInds;
  else if (split === "valid") base = pm.validInds;
  else if (split === "all") base = Int32Array.from({ length: pm.nTrials }, (_, i) => i);
  else throw new ParamError(`split must be "train", "valid" or "all"; got "${String(split)}"`);
  const has = pm.trialHasOutput;
  const kept = base.filter((i) => has[i] === 1);
  if (kept.length < base.length) warn(`${pm.datasetName}: ${base.length - kept.length} ${split} trials have no posterior outputs and are not scored`);
  if (kept.length === 0) throw new DataError(`${pm.datasetName}: no ${split} trial has posterior outputs to score`);
  return kept.sort();
}

/**
 * R² of a PosteriorMeans' rates against its `truth`, both as expected counts per LFADS bin, on `split`
 * (default the validation trials). For Gaussian outputs, R² of the Gaussian means against the truth
 * (`outputMeansPerBin()`, data units).
 */
export function posteriorRateR2(pm: PosteriorMeans, opts: PosteriorScoreOptions = {}): R2Result {
  if (!pm.truth) {
    throw new DataError(`posteriorRateR2: ${pm.datasetName} has no true rates (no 'truth' in the input info, nor train_truth/valid_truth in the LFADS input); pass truth to r2Score yourself`);
  }
  return r2Score(pm.outputMeansPerBin(), pm.truth, { trials: splitTrials(pm, opts.split) });
}

/**
 * Bits per spike of a PosteriorMeans' rates on its own counts (re-binned raw counts), on `split` (default
 * valid). Poisson outputs only: a Gaussian PosteriorMeans is an error pointing at posteriorRateR2.
 */
export function posteriorBitsPerSpike(pm: PosteriorMeans, opts: PosteriorScoreOptions = {}): number {
  if (!observationModel(pm.outputDist).countData) {
    throw new LfadsError(
      `posteriorBitsPerSpike: ${pm.datasetName} has ${pm.outputDist} outputs (outputDist "${pm.outputDist}"); bits per spike is a Poisson score of rates on spike counts — ` +
        "score Gaussian means with posteriorRateR2 (R² against the truth) instead",
    );
  }
  const counts = pm.countsPerBin();
  const rates = pm.ratesPerBin();
  if (counts.shape[1] !== rates.shape[1]) {
    throw new ShapeError(`posteriorBitsPerSpike: re-binned counts have ${counts.shape[1]} bins but the rates have ${rates.shape[1]}`);
  }
  return bitsPerSpike(rates, counts, { trials: splitTrials(pm, opts.split) });
}

/** Number of observed LFADS bins, T_obs: the input's bins (counts, or behaviour) re-binned, a remainder dropped. */
export function observedBins(pm: PosteriorMeans): number {
  const tOrig = pm.rawCounts?.shape[1] ?? pm.behavior?.shape[1];
  if (tOrig === undefined) throw new LfadsError(`PosteriorMeans(${pm.datasetName}): no counts or behaviour in the input info, so the observed bins are unknown; re-run the prepare step`);
  return Math.floor(tOrig / pm.rebin);
}

/** Bits per spike of the blocks of a run that reconstructs held-out neurons or forward bins (NLB's co-bps, fp-bps). */
export interface ReconBitsPerSpike {
  /** Held-in neurons over the observed bins (what the encoders read). */
  heldin: number;
  /** co-bps: held-out neurons over the observed bins; undefined without held-out neurons. */
  coBps?: number;
  /** fp-bps: every neuron over the forward bins; undefined without forward bins. */
  fpBps?: number;
}

/**
 * NLB's co-bps and fp-bps of a PosteriorMeans whose rates reconstruct more than the encoders read
 * (`rawReconCounts`): rates and re-binned counts cut at the observed bins and the held-in neurons, each
 * block scored with bitsPerSpike on `split` (default valid).
 */
export function posteriorReconBitsPerSpike(pm: PosteriorMeans, opts: PosteriorScoreOptions = {}): ReconBitsPerSpike {
  const recon = pm.reconCountsPerBin();
  const rates = pm.ratesPerBin();
  if (recon.shape[1] !== rates.shape[1] || recon.shape[2] !== rates.shape[2]) {
    throw new ShapeError(`posteriorReconBitsPerSpike: re-binned reconCounts are [${recon.shape.join(", ")}] but the rates are [${rates.shape.join(", ")}]; the posterior was sampled from other inputs than these — sample it again`);
  }
  if (!pm.rawCounts) throw new LfadsError(`posteriorReconBitsPerSpike: PosteriorMeans(${pm.datasetName}) has no raw counts, so the held-in neurons are unknown; re-run the prepare step`);
  const tObs = observedBins(pm);
  const nIn = pm.rawCounts.shape[2];
  const [, tRec, nRec] = rates.shape;
  const trials = splitTrials(pm, opts.split);
  const block = (t: readonly [number, number], k: readonly [number, number]): number => bitsPerSpike(sliceBlock(rates, t, k), sliceBlock(recon, t, k), { trials });
  return {
    heldin: block([0, tObs], [0, nIn]),
    ...(nRec > nIn ? { coBps: block([0, tObs], [nIn, nRec]) } : {}),
    ...(tRec > tObs ? { fpBps: block([tObs, tRec], [0, nRec]) } : {}),
  };
}
