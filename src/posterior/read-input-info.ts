/**
 * The run's input sidecar `inputInfo_<ds>.h5` — lfads-ts's HDF5 version of the Run Manager's
 * `inputInfo_<ds>.mat` (run-manager.md §3.5), with the same fields. Layout as h5py sees it (all keys at the root):
 *
 * | key | shape, dtype | content |
 * |---|---|---|
 * | `trainInds` | `(nTrain,)` float64 (any integer or float type is read) | **1-based** training trial indices |
 * | `validInds` | `(nValid,)` | **1-based** validation trial indices |
 * | `paramInputDataHash` | scalar string (or a root attribute) | data hash, with or without the `data_` prefix |
 * | `seq_timeVector` | `(T_orig,)` float64 | ms; start of every original (input) bin |
 * | `seq_binSizeMs` | scalar float64 | original (input) bin width, ms |
 * | `conditionId` | `(nTrials,)` numeric or strings | condition label per trial (original order); optional |
 * | `counts` | `(nTrials, T_orig, nNeurons)` integer or float | spike counts per **original** bin, original trial order; optional |
 * | `truth` | `(nTrials, T_orig, nNeurons)` float64 | true rates as expected counts per **original** bin; optional |
 * | `externalInputs` | `(nTrials, T_orig, nExt)` float64 | optional |
 * | `reconCounts` | `(nTrials, nNeurons + nHeldout, T_orig + nForward)` integer | what the model reconstructs (held-out neurons, forward bins), lfads-ts only; optional |
 * | `behavior` | `(nTrials, nBehaviorChannels, T_orig)` float | behaviour to decode (velocity R²), NaN where unusable; never in the LFADS input; lfads-ts only; optional |
 *
 * `nTrials = nTrain + nValid`. `counts` stored as `(nTrials, nNeurons, T_orig)` (the Run Manager's channel-major
 * order) is accepted too and transposed, recognised by its last axis matching `seq_timeVector`.
 */
import { array3d, swapLastAxes, type Array3D } from "../core/array3d.js";
import { DataError, LayoutError, ShapeError } from "../core/errors.js";
import { readH5, type H5Group } from "../io/h5.js";
import { inputInfoFileName } from "../runs/layout.js";
import * as fs from "node:fs";
import { datasetOrUndefined, readFloat64, readStringList, readText, toFloat64 } from "./read-h5.js";

/** Condition labels, one per trial: numbers or strings. */
export type ConditionIds = readonly number[] | readonly string[];

/** What `inputInfo_<ds>.h5` holds, with indices converted to 0-based. */
export interface InputInfo {
  /** The file read. */
  readonly file: string;
  /** Trials in the original order: `nTrain + nValid`. */
  readonly nTrials: number;
  /** 0-based original-trial index of every training trial, in LFADS file order. */
  readonly trainInds: Int32Array;
  /** 0-based original-trial index of every validation trial, in LFADS file order. */
  readonly validInds: Int32Array;
  /** The data hash the input was prepared for, without the `data_` prefix. */
  readonly paramInputDataHash?: string;
  /** ms, one per original bin (trial 1's, as in the Run Manager). */
  readonly seqTimeVector?: Float64Array;
  /** Original (input) bin width, ms. */
  readonly seqBinSizeMs?: number;
  readonly conditionIds?: ConditionIds;
  /** `[trials, T_orig, neurons]`, counts per original bin. */
  readonly counts?: Array3D;
  /** `[trials, T_orig, neurons]`, true rates as expected counts per original bin. */
  readonly truth?: Array3D<Float32Array>;
  /** `[trials, T_orig, nExt]`. */
  readonly externalInputs?: Array3D<Float32Array>;
  /**
   * `[trials, T_orig + forward bins, neurons + held-out neurons]`, the counts the model reconstructs per original
   * bin (stored channel-major, as `counts`), when the dataset gave them: `counts` is their leading block.
   */
  readonly reconCounts?: Array3D;
  /** `[trials, T_orig, channels]`, behaviour per original bin (stored channel-major, as `counts`), NaN where unusable. */
  readonly behavior?: Array3D<Float32Array>;
}

/** File name of the sidecar for dataset `ds` (e.g. `dataset001` → `inputInfo_dataset001.h5`). */
export { inputInfoFileName };

/** Where the sidecar comes from, for "missing file" messages. */
const INPUT_INFO_WRITER = "the prepare step (prepareForLFADS / `lfads prepare`), which writes lfads_<ds>.h5 and inputInfo_<ds>.h5";

/** `data_4MaTKO` → `4MaTKO`. */
export function bareDataHash(h: string): string {
  return h.startsWith("data_") ? h.slice(5) : h;
}

function indices1(g: H5Group, key: string, file: string): Int32Array {
  const a = readFloat64(g, key, file);
  if (!a) throw new LayoutError(`dataset '${key}' not found in ${file} (keys: ${g.keys().join(", ")}); re-create the file with ${INPUT_INFO_WRITER}`);
  if (a.shape.length > 2 || (a.shape.length === 2 && Math.min(a.shape[0]!, a.shape[1]!) !== 1)) {
    throw new ShapeError(`'${key}' in ${file} has shape [${a.shape.join(", ")}]; expected a vector of 1-based trial indices`);
  }
  const out = new Int32Array(a.data.length);
  for (let i = 0; i < a.data.length; i++) {
    const v = a.data[i]!;
    if (!Number.isInteger(v) || v < 1) {
      throw new DataError(`'${key}' in ${file} must hold 1-based integer trial indices; entry ${i} is ${v}`);
    }
    out[i] = v - 1;
  }
  return out;
}

function read3d(g: H5Group, key: string, file: string, nTrials: number, tOrig: number | undefined): Array3D | undefined {
  const ds = datasetOrUndefined(g, key);
  if (!ds) return undefined;
  const shape = ds.shape ?? [];
  if (shape.length !== 3) throw new ShapeError(`'${key}' in ${file} has shape [${shape.join(", ")}]; expected (nTrials, T_orig, dim)`);
  if (shape[0] !== nTrials) {
    throw new ShapeError(`'${key}' in ${file} has ${shape[0]} trials (first axis) but trainInds + validInds list ${nTrials}`);
  }
  const v = ds.value;
  const data =
    v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint16Array
      ? v
      : toFloat64(v, `'${key}' in ${file}`);
  let a: Array3D = array3d(data, [shape[0]!, shape[1]!, shape[2]!], `'${key}' in ${file}`);
  if (tOrig !== undefined && shape[1] !== tOrig && shape[2] === tOrig) a = swapLastAxes(a);
  else if (tOrig !== undefined && shape[1] !== tOrig) {
    throw new ShapeError(`'${key}' in ${file} has ${shape[1]} time bins but seq_timeVector has ${tOrig}`);
  }
  return a;
}

/** reconCounts: written only by lfads-ts, always (nTrials, channels, time); its time axis is longer than seq_timeVector. */
function readReconCounts(g: H5Group, file: string, nTrials: number): Array3D | undefined {
  const a = read3d(g, "reconCounts", file, nTrials, undefined);
  return a && swapLastAxes(a);
}

/** behavior: written only by lfads-ts, always (nTrials, channels, T_orig). */
function readBehavior(g: H5Group, file: string, nTrials: number, tOrig: number | undefined): Array3D | undefined {
  const a = read3d(g, "behavior", file, nTrials, undefined);
  if (a && tOrig !== undefined && a.shape[2] !== tOrig) {
    throw new ShapeError(`'behavior' in ${file} has ${a.shape[2]} time bins (last axis) but seq_timeVector has ${tOrig}; re-run the prepare step`);
  }
  return a && swapLastAxes(a);
}

function asFloat32(a: Array3D | undefined): Array3D<Float32Array> | undefined {
  if (!a) return undefined;
  return { data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data), shape: a.shape };
}

/**
 * Read `inputInfo_<ds>.h5`. Missing file → LayoutError naming it and the prepare step that writes it.
 * Checks: indices are 1-based integers, distinct, within `1..nTrain+nValid`; per-trial arrays have that many trials.
 */
export async function readInputInfo(file: string): Promise<InputInfo> {
  if (!fs.existsSync(file)) {
    throw new LayoutError(`input info file not found: ${file}; it is written by ${INPUT_INFO_WRITER} — prepare the run's input first`);
  }
  return readH5(file, (f) => {
    const trainInds = indices1(f, "trainInds", file);
    const validInds = indices1(f, "validInds", file);
    const nTrials = trainInds.length + validInds.length;
    const seen = new Uint8Array(nTrials);
    for (const [name, inds] of [["trainInds", trainInds], ["validInds", validInds]] as const) {
      for (const i of inds) {
        if (i >= nTrials) throw new DataError(`${name} in ${file} holds trial ${i + 1}, beyond the ${nTrials} trials that trainInds + validInds count`);
        if (seen[i]) throw new DataError(`trial ${i + 1} appears twice in trainInds/validInds of ${file}`);
        seen[i] = 1;
      }
    }
    const hash = readText(f, "paramInputDataHash", file);
    const tv = readFloat64(f, "seq_timeVector", file);
    const bin = readFloat64(f, "seq_binSizeMs", file);
    if (bin && (bin.data.length !== 1 || !(bin.data[0]! > 0))) {
      throw new DataError(`seq_binSizeMs in ${file} must be one positive number (ms); got [${Array.from(bin.data).join(", ")}]`);
    }
    let conditionIds: ConditionIds | undefined;
    const cds = datasetOrUndefined(f, "conditionId");
    if (cds) {
      const strs = readStringList(cds);
      conditionIds = strs ?? Array.from(toFloat64(cds.value, `conditionId in ${file}`));
      if (conditionIds.length !== nTrials) {
        throw new ShapeError(`conditionId in ${file} has ${conditionIds.length} entries but trainInds + validInds list ${nTrials} trials`);
      }
    }
    const tOrig = tv?.data.length;
    return {
      file,
      nTrials,
      trainInds,
      validInds,
      ...(hash !== undefined ? { paramInputDataHash: bareDataHash(hash) } : {}),
      ...(tv ? { seqTimeVector: tv.data } : {}),
      ...(bin ? { seqBinSizeMs: bin.data[0]! } : {}),
      ...(conditionIds ? { conditionIds } : {}),
      ...optional("counts", read3d(f, "counts", file, nTrials, tOrig)),
      ...optional("truth", asFloat32(read3d(f, "truth", file, nTrials, tOrig))),
      ...optional("externalInputs", asFloat32(read3d(f, "externalInputs", file, nTrials, tOrig))),
      ...optional("reconCounts", readReconCounts(f, file, nTrials)),
      ...optional("behavior", asFloat32(readBehavior(f, file, nTrials, tOrig))),
    };
  });
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}
