/**
 * LFADS input files: every file of the input folder whose name starts with the stem (default `lfads`,
 * the Run Manager's `lfads_<ds>.h5`) is one dataset, sorted by file name, named as TF names it: the
 * file name after the stem and one separator, extension kept ("dataset001.h5"); see input-files.ts.
 * Keys: train_data / valid_data [E,T,N] (int64 counts for Poisson, float for Gaussian),
 * train_ext_input / valid_ext_input [E,T,X] when c_ext_input_dim > 0, and optional
 * alignment_matrix_cxf [N,F] / alignment_bias_c [N]. Truth and index keys are not needed to train.
 */
import { DataError, LayoutError, ShapeError } from "../core/errors.js";
import { hasKey, readArray, readH5 } from "../io/h5.js";
import { observationModel, type OutputDist } from "../model/observation/registry.js";
import { listInputFilesByStem, RUN_MANAGER_STEM, type InputFile } from "./input-files.js";

export interface SplitData {
  /** [E,T,N] row-major. */
  data: Float32Array;
  numTrials: number;
  /** [E,T,X] when external inputs are used. */
  extInput?: Float32Array;
  /** Σ lgamma(x+1) per trial (Poisson). */
  lgammaSums?: Float32Array;
}

export interface DatasetData {
  name: string;
  file: string;
  numNeurons: number;
  train: SplitData;
  valid: SplitData;
  alignmentMatrix?: Float32Array;
  alignmentBias?: Float32Array;
}

export interface InputData {
  numSteps: number;
  datasets: DatasetData[];
}

export interface LoadOptions {
  outputDist: OutputDist;
  extInputDim: number;
  /** Keep only the first n bins of every trial (c_debug_reduce_timesteps_to). */
  reduceTimestepsTo?: number | undefined;
  /** File-name stem (TF `--data_filename_stem`); default `lfads`. */
  stem?: string;
}

/** The input files of a folder under `stem` (default `lfads`), sorted. */
export function listInputFiles(inputDir: string, stem: string = RUN_MANAGER_STEM): string[] {
  return listInputFilesByStem(inputDir, stem).map((f) => f.file);
}

function truncate(a: Float32Array, E: number, T: number, D: number, keep: number): Float32Array {
  if (keep >= T) return a;
  const out = new Float32Array(E * keep * D);
  for (let e = 0; e < E; e++) out.set(a.subarray(e * T * D, (e * T + keep) * D), e * keep * D);
  return out;
}

async function readDataset({ file, name }: InputFile, opts: LoadOptions): Promise<{ ds: DatasetData; T: number }> {
  const { countData } = observationModel(opts.outputDist);
  return readH5(file, (f) => {
    const split = (which: "train" | "valid"): SplitData & { T: number; N: number } => {
      const a = readArray(f, `${which}_data`, file);
      if (a.shape.length !== 3) throw new ShapeError(`${which}_data in ${file} has shape [${a.shape.join(", ")}], expected [trials, time, neurons]`);
      const [E, T, N] = a.shape as [number, number, number];
      const data = Float32Array.from(a.data as ArrayLike<number>);
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (!Number.isFinite(v)) throw new DataError(`${which}_data in ${file} has a non-finite value at flat index ${i}`);
        if (countData && (v < 0 || !Number.isInteger(v))) {
          throw new DataError(`${which}_data in ${file} must hold non-negative integer spike counts for c_output_dist='${opts.outputDist}' (found ${v} at flat index ${i})`);
        }
      }
      const out: SplitData & { T: number; N: number } = { data, numTrials: E, T, N };
      if (opts.extInputDim > 0) {
        const key = `${which}_ext_input`;
        if (!hasKey(f, key)) throw new LayoutError(`${key} is missing in ${file}, but c_ext_input_dim = ${opts.extInputDim}`);
        const x = readArray(f, key, file);
        if (x.shape[0] !== E || x.shape[1] !== T || x.shape[2] !== opts.extInputDim) {
          throw new ShapeError(`${key} in ${file} has shape [${x.shape.join(", ")}], expected [${E}, ${T}, ${opts.extInputDim}] (c_ext_input_dim)`);
        }
        out.extInput = Float32Array.from(x.data as ArrayLike<number>);
      }
      return out;
    };
    const tr = split("train");
    const va = split("valid");
    if (tr.T !== va.T || tr.N !== va.N) throw new ShapeError(`train_data [${tr.numTrials}, ${tr.T}, ${tr.N}] and valid_data [${va.numTrials}, ${va.T}, ${va.N}] in ${file} disagree in time bins or neurons`);
    const ds: DatasetData = { name, file, numNeurons: tr.N, train: { data: tr.data, numTrials: tr.numTrials, ...(tr.extInput ? { extInput: tr.extInput } : {}) }, valid: { data: va.data, numTrials: va.numTrials, ...(va.extInput ? { extInput: va.extInput } : {}) } };
    if (hasKey(f, "alignment_matrix_cxf")) ds.alignmentMatrix = Float32Array.from(readArray(f, "alignment_matrix_cxf", file).data as ArrayLike<number>);
    if (hasKey(f, "alignment_bias_c")) ds.alignmentBias = Float32Array.from(readArray(f, "alignment_bias_c", file).data as ArrayLike<number>);
    return { ds, T: tr.T };
  });
}

export async function loadLfadsInputs(inputDir: string, opts: LoadOptions): Promise<InputData> {
  const files = listInputFilesByStem(inputDir, opts.stem ?? RUN_MANAGER_STEM);
  const datasets: DatasetData[] = [];
  let numSteps = -1;
  for (const f of files) {
    const { ds, T } = await readDataset(f, opts);
    if (numSteps >= 0 && T !== numSteps) throw new ShapeError(`${f.file} has ${T} time bins per trial, ${files[0]!.file} has ${numSteps}: all datasets of a run need the same T`);
    numSteps = T;
    datasets.push(ds);
  }
  const keep = opts.reduceTimestepsTo;
  if (keep !== undefined && keep < numSteps) {
    for (const ds of datasets) {
      for (const s of [ds.train, ds.valid]) {
        s.data = truncate(s.data, s.numTrials, numSteps, ds.numNeurons, keep);
        if (s.extInput) s.extInput = truncate(s.extInput, s.numTrials, numSteps, opts.extInputDim, keep);
      }
    }
    numSteps = keep;
  }
  const constant = observationModel(opts.outputDist).dataConstant;
  if (constant) for (const ds of datasets) for (const s of [ds.train, ds.valid]) s.lgammaSums = constant(s.data, s.numTrials);
  return { numSteps, datasets };
}

/** Gather trials `idx` of a [E,T,D] array into a new [B,T,D] array. */
export function gatherTrials(a: Float32Array, idx: Int32Array, rowLength: number): Float32Array {
  const out = new Float32Array(idx.length * rowLength);
  for (let i = 0; i < idx.length; i++) out.set(a.subarray(idx[i]! * rowLength, (idx[i]! + 1) * rowLength), i * rowLength);
  return out;
}
