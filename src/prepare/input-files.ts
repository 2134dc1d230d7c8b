/**
 * Writers of the two per-dataset files `prepare` produces:
 *
 * `lfads_<ds>.h5` — the LFADS input (reference §3.3), readable by h5py and the Python LFADS:
 *   train_data, valid_data       (n, T, N) int64      re-binned counts, trials in train_inds/valid_inds order
 *   train_truth, valid_truth     (n, T, N) float64    only with truth; summed over each re-bin window
 *   train_ext_input, valid_ext_input (n, T, nExt) float64  only with external inputs; summed likewise
 *   train_recon_data, valid_recon_data (n, T + T_fwd, N + N_out) int64  only with reconCounts (held-out
 *                                channels and forward bins the model reconstructs but does not read)
 *   conversion_factor            (1,) float64         1 / rebin; only with truth or external inputs
 *   alignment_matrix_cxf         (N, F) float64       only with stitching alignment
 *   alignment_bias_c             (N,) float64         only with stitching alignment
 *   train_inds, valid_inds       (n,) float64         1-based trial indices
 *
 * `inputInfo_<ds>.h5` — our HDF5 form of MATLAB's `inputInfo_<ds>.mat` (§3.5), with the same fields:
 *   trainInds, validInds (n,) float64 1-based; paramInputDataHash (string, 6 chars);
 *   seq_timeVector (nTime,) float64 ms; seq_binSizeMs () float64; conditionId (nTrials,) float64 or
 *   strings (when given); counts (nTrials, nChannels, nTime) un-rebinned, smallest unsigned/int type;
 *   truth (nTrials, nChannels, nTime) all trials (MATLAB kept trial 1 only); externalInputs
 *   (nTrials, nExt, nTime); reconCounts (nTrials, nChannels + nHeldout, nTime + nForward) when the dataset
 *   gives them, un-rebinned, smallest integer type; behavior (nTrials, nBehaviorChannels, nTime) float,
 *   un-rebinned, NaN where unusable, when the dataset gives it — here only, never in the LFADS input: the
 *   model must not see what its rates are scored on. Root attribute `format` = "lfads-ts inputInfo 1".
 */
import * as os from "node:os";
import type { Array3D } from "../core/array3d.js";
import type { CheckedDatasetData } from "../data/dataset-data.js";
import { rebinToLfadsLayout, type TrainValidSplit } from "../data/rebin-split.js";
import { ShapeError } from "../core/errors.js";
import { writeArray, writeH5Atomic, type H5Array, type H5Group } from "../io/h5.js";

export const INPUT_INFO_FORMAT = "lfads-ts inputInfo 1";

/** Stitching read-in initialisation for one dataset: [nChannels, nFactors] row-major, and [nChannels]. */
export interface AlignmentForDataset {
  matrix: Float64Array;
  nFactors: number;
  bias: Float64Array;
}

/** Non-negative integer values (< 2^31) as int64, without a BigInt per element on little-endian hosts. */
export function toInt64(x: Float64Array): BigInt64Array {
  if (os.endianness() !== "LE") return BigInt64Array.from(x, (v) => BigInt(v));
  const words = new Int32Array(x.length * 2);
  for (let i = 0; i < x.length; i++) words[2 * i] = x[i]!;
  return new BigInt64Array(words.buffer);
}

function write3(f: H5Group, name: string, a: Array3D<Float64Array>, asInt64: boolean): void {
  const shape = [...a.shape];
  if (asInt64) writeArray(f, name, { data: toInt64(a.data), shape, dtype: "<q" }, { gzip: 1 });
  // Truth and inputs are large (one float per bin and neuron): gzip them too; h5py and TF LFADS read it transparently.
  else writeArray(f, name, { data: a.data, shape }, { gzip: 1 });
}

function oneBased(inds: readonly number[]): H5Array {
  return { data: Float64Array.from(inds, (i) => i + 1), shape: [inds.length] };
}

/** With reconCounts, an output bin may not mix observed and forward input bins: the observed bins must re-bin exactly. */
export function checkReconRebin(data: CheckedDatasetData, factor: number): void {
  if (data.reconCounts && data.nTime % factor !== 0) {
    throw new ShapeError(`prepare: the dataset has reconCounts (forward bins after its ${data.nTime} input bins), so its bins must re-bin exactly: ${data.nTime} bins of ${data.binWidthMs} ms do not divide into bins of ${factor} input bins; choose spikeBinMs so that ${data.nTime} is a multiple of spikeBinMs / ${data.binWidthMs}`);
  }
}

function rebinRecon(data: CheckedDatasetData, rows: readonly number[], factor: number): Array3D<Float64Array> {
  checkReconRebin(data, factor);
  return rebinToLfadsLayout(data.reconCounts!, rows, factor, "reconCounts");
}

/** Write `lfads_<ds>.h5` atomically. `factor` = input bins per output bin. */
export async function writeLfadsInputFile(file: string, data: CheckedDatasetData, split: TrainValidSplit, factor: number, alignment?: AlignmentForDataset): Promise<void> {
  await writeH5Atomic(file, (f) => {
    for (const [prefix, rows] of [["train", split.trainInds], ["valid", split.validInds]] as const) {
      write3(f, `${prefix}_data`, rebinToLfadsLayout(data.counts, rows, factor, "counts"), true);
      if (data.truth) write3(f, `${prefix}_truth`, rebinToLfadsLayout(data.truth, rows, factor, "truth"), false);
      if (data.externalInputs) write3(f, `${prefix}_ext_input`, rebinToLfadsLayout(data.externalInputs, rows, factor, "externalInputs"), false);
      if (data.reconCounts) write3(f, `${prefix}_recon_data`, rebinRecon(data, rows, factor), true);
    }
    if (data.truth || data.externalInputs) writeArray(f, "conversion_factor", { data: Float64Array.of(1 / factor), shape: [1] });
    if (alignment) {
      writeArray(f, "alignment_matrix_cxf", { data: alignment.matrix, shape: [data.nChannels, alignment.nFactors] });
      writeArray(f, "alignment_bias_c", { data: alignment.bias, shape: [data.nChannels] });
    }
    writeArray(f, "train_inds", oneBased(split.trainInds));
    writeArray(f, "valid_inds", oneBased(split.validInds));
  });
}

/** The smallest integer array type that holds the counts (they are non-negative integers). */
function compactCounts(a: Array3D): H5Array {
  const d = a.data;
  if (d instanceof Uint8Array || d instanceof Uint16Array) return { data: d, shape: [...a.shape] };
  let max = 0;
  for (let i = 0; i < d.length; i++) if (d[i]! > max) max = d[i]!;
  const data = max <= 255 ? Uint8Array.from(d) : max <= 65535 ? Uint16Array.from(d) : Int32Array.from(d);
  return { data, shape: [...a.shape] };
}

/** Write `inputInfo_<ds>.h5` atomically. */
export async function writeInputInfoFile(file: string, data: CheckedDatasetData, split: TrainValidSplit, dataHash: string): Promise<void> {
  await writeH5Atomic(file, (f) => {
    f.create_attribute("format", INPUT_INFO_FORMAT);
    writeArray(f, "trainInds", oneBased(split.trainInds));
    writeArray(f, "validInds", oneBased(split.validInds));
    f.create_dataset({ name: "paramInputDataHash", data: dataHash });
    writeArray(f, "seq_timeVector", { data: data.timeVecMs, shape: [data.nTime] });
    writeArray(f, "seq_binSizeMs", { data: Float64Array.of(data.binWidthMs), shape: [] });
    if (data.conditionId instanceof Float64Array) writeArray(f, "conditionId", { data: data.conditionId, shape: [data.nTrials] });
    else if (data.conditionId) f.create_dataset({ name: "conditionId", data: [...data.conditionId] });
    writeArray(f, "counts", compactCounts(data.counts), { gzip: 1 });
    if (data.truth) writeArray(f, "truth", asFloat(data.truth), { gzip: 1 });
    if (data.externalInputs) writeArray(f, "externalInputs", asFloat(data.externalInputs), { gzip: 1 });
    if (data.reconCounts) writeArray(f, "reconCounts", compactCounts(data.reconCounts), { gzip: 1 });
    if (data.behavior) writeArray(f, "behavior", asFloat(data.behavior), { gzip: 1 });
  });
}

function asFloat(a: Array3D): H5Array {
  const d = a.data;
  return { data: d instanceof Float32Array || d instanceof Float64Array ? d : Float64Array.from(d), shape: [...a.shape] };
}
