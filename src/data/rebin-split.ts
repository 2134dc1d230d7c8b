/**
 * Pure train/valid split and time re-binning, exactly as the Run Manager does them (§4 of the
 * reference): valid trials are every (r+1)-th trial starting at the first; re-binning truncates the
 * trailing partial bin and sums each window of input bins (counts, truth and external inputs alike).
 */
import type { Array3D } from "../core/array3d.js";
import { DataError, ParamError, ShapeError } from "../core/errors.js";

/** 0-based trial indices of a split, both ascending. */
export interface TrainValidSplit {
  trainInds: number[];
  validInds: number[];
}

/**
 * MATLAB `validInds = 1:(r+1):N`, `trainInds` = the rest, returned 0-based.
 * E.g. N = 1560, r = 4 → 312 valid (trials 0, 5, 10, …), 1248 train.
 */
export function splitTrainValid(nTrials: number, trainToTestRatio: number): TrainValidSplit {
  if (!Number.isInteger(nTrials) || nTrials < 0) {
    throw new ParamError(`splitTrainValid: nTrials must be a non-negative integer, got ${nTrials}`);
  }
  if (!Number.isInteger(trainToTestRatio) || trainToTestRatio < 0) {
    throw new ParamError(`splitTrainValid: trainToTestRatio must be a non-negative integer (train trials per valid trial), got ${trainToTestRatio}`);
  }
  const step = trainToTestRatio + 1;
  const trainInds: number[] = [];
  const validInds: number[] = [];
  for (let i = 0; i < nTrials; i++) (i % step === 0 ? validInds : trainInds).push(i);
  if (trainInds.length === 0 || validInds.length === 0) {
    throw new DataError(
      `splitTrainValid: ${nTrials} trials with trainToTestRatio=${trainToTestRatio} leave ${trainInds.length} training and ${validInds.length} validation trials; ` +
        `both must be non-empty — use trainToTestRatio >= 1 and at least 2 trials`,
    );
  }
  return { trainInds, validInds };
}

/** The sizes of `splitTrainValid`'s two parts, without building them (every (ratio+1)-th trial, from the first, validates). */
export function splitSizes(nTrials: number, trainToTestRatio: number): { nTrain: number; nValid: number } {
  const nValid = Math.ceil(nTrials / (trainToTestRatio + 1));
  return { nTrain: nTrials - nValid, nValid };
}

/**
 * The largest batch size that training takes for `nTrials` trials: LFADS fills every batch with distinct
 * trials of one split, so the batch must be smaller than both the training and the validation split (0: none fits).
 */
export function maxBatchSizeForTrials(nTrials: number, trainToTestRatio: number): number {
  const { nTrain, nValid } = splitSizes(nTrials, trainToTestRatio);
  return Math.max(0, Math.min(nTrain, nValid) - 1);
}

/** The fewest trials for which `batchSize` fits both splits, or undefined when none does (ratio 0 leaves no training trials). */
export function minTrialsForBatchSize(batchSize: number, trainToTestRatio: number): number | undefined {
  if (!(trainToTestRatio >= 1)) return undefined;
  // Both splits must hold batchSize + 1 trials; the validation split is the smaller one for ratio >= 1.
  for (let n = 2 * (batchSize + 1); ; n++) if (maxBatchSizeForTrials(n, trainToTestRatio) >= batchSize) return n;
}

/**
 * The whole number of input bins per output bin, `spikeBinMs / inputBinMs`, or undefined when the ratio
 * is not a positive whole number. Float noise such as 0.3 / 0.1 = 2.9999999999999996 is tolerated. The
 * one place the re-bin factor is derived: preparing the inputs and reading the outputs back use it.
 */
export function wholeRebinFactor(inputBinMs: number, spikeBinMs: number): number | undefined {
  const ratio = spikeBinMs / inputBinMs;
  const r = Math.round(ratio);
  return r >= 1 && Math.abs(ratio - r) <= 1e-9 * Math.max(1, ratio) ? r : undefined;
}

/**
 * The integer number of input bins per output bin, `spikeBinMs / inputBinMs`.
 * Throws if it is not a positive integer (MATLAB: "output binsize is not divisible by input binsize").
 */
export function rebinFactor(inputBinMs: number, spikeBinMs: number): number {
  if (!(inputBinMs > 0) || !Number.isFinite(inputBinMs)) {
    throw new ParamError(`rebin: the input bin width must be a positive number of ms, got inputBinMs=${inputBinMs}; check the dataset's timeVecMs`);
  }
  if (!(spikeBinMs > 0) || !Number.isFinite(spikeBinMs)) {
    throw new ParamError(`rebin: spikeBinMs must be a positive number of ms, got ${spikeBinMs}; set it to a multiple of the input bin width ${inputBinMs} ms`);
  }
  const r = wholeRebinFactor(inputBinMs, spikeBinMs);
  if (r === undefined) {
    throw new ParamError(
      `rebin: output binsize is not divisible by input binsize: spikeBinMs=${spikeBinMs} is not an integer multiple of the input bin width ${inputBinMs} ms ` +
        `(ratio ${spikeBinMs / inputBinMs}); choose spikeBinMs from ${[1, 2, 3, 4, 5].map((k) => k * inputBinMs).join(", ")}, …`,
    );
  }
  return r;
}

/** Number of output bins: the trailing partial window is dropped. Throws if there would be none. */
export function rebinnedLength(nTime: number, factor: number, field = "counts"): number {
  const T = Math.floor(nTime / factor);
  if (T < 1) {
    throw new ShapeError(`rebin ${field}: a trial of ${nTime} input bins is shorter than one output bin of ${factor} input bins; use a smaller spikeBinMs`);
  }
  return T;
}

/**
 * Re-bin along time: `x` is [a, b, nTime] (trials × channels × time, or trials × inputs × time); the
 * result is [a, b, T] with T = floor(nTime / factor) and each output bin the sum of `factor` input bins.
 * `field` names the data in errors ("counts", "truth", "externalInputs").
 */
export function rebin(x: Array3D, inputBinMs: number, spikeBinMs: number, field = "counts"): Array3D<Float64Array> {
  const factor = rebinFactor(inputBinMs, spikeBinMs);
  const [a, b, n] = x.shape;
  const T = rebinnedLength(n, factor, field);
  const out = new Float64Array(a * b * T);
  const src = x.data;
  for (let row = 0; row < a * b; row++) {
    const s0 = row * n;
    const o0 = row * T;
    for (let t = 0; t < T; t++) {
      let sum = 0;
      const s = s0 + t * factor;
      for (let k = 0; k < factor; k++) sum += src[s + k]!;
      out[o0 + t] = sum;
    }
  }
  assertNoNaN(out, field);
  return { data: out, shape: [a, b, T] };
}

/**
 * Re-bin the selected trials straight into the LFADS layout [rows.length, T, b] (trials × time ×
 * channels), the form the input HDF5 stores, without an intermediate copy. `rows` are 0-based trials.
 */
export function rebinToLfadsLayout(x: Array3D, rows: readonly number[], factor: number, field = "counts"): Array3D<Float64Array> {
  const [a, b, n] = x.shape;
  const T = rebinnedLength(n, factor, field);
  const out = new Float64Array(rows.length * T * b);
  const src = x.data;
  let o = 0;
  for (let r = 0; r < rows.length; r++) {
    const trial = rows[r]!;
    if (!(trial >= 0 && trial < a)) throw new ShapeError(`rebin ${field}: trial index ${trial} is outside 0..${a - 1}`);
    const base = trial * b * n;
    // Output in order (sequential writes); the b channel rows are read as b parallel streams.
    for (let t = 0; t < T; t++) {
      let s = base + t * factor;
      for (let c = 0; c < b; c++, s += n) {
        let sum = 0;
        for (let k = 0; k < factor; k++) sum += src[s + k]!;
        out[o++] = sum;
      }
    }
  }
  assertNoNaN(out, field);
  return { data: out, shape: [rows.length, T, b] };
}

function assertNoNaN(a: Float64Array, field: string): void {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!)) throw new DataError(`rebin: NaNs found in ${field} data after re-binning (flat index ${i}); remove NaNs from the dataset's ${field}`);
  }
}
