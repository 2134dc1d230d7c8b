/**
 * LFADS input files: every file of the input folder whose name starts with the stem (default `lfads`,
 * the Run Manager's `lfads_<ds>.h5`) is one dataset, sorted by file name, named as TF names it: the
 * file name after the stem and one separator, extension kept ("dataset001.h5"); see input-files.ts.
 * Keys: train_data / valid_data [E,T,N] (int64 counts for Poisson, float for Gaussian),
 * train_ext_input / valid_ext_input [E,T,X] when c_ext_input_dim > 0, and optional
 * alignment_matrix_cxf [N,F] / alignment_bias_c [N]. Optional (recon-data.ts): train_recon_data /
 * valid_recon_data [E,T_rec,N_rec] (held-out neurons and forward bins: the read-out reconstructs them,
 * the encoders read *_data only) and test_data [E,T,N] (+ test_ext_input; encoder input for posterior
 * sampling only). Truth and index keys are not needed to train.
 */
import { LayoutError, NotSupportedError, ShapeError } from "../core/errors.js";
import { hasKey, readArray, readH5, type H5Group } from "../io/h5.js";
import type { DataDims } from "../model/config.js";
import { observationModel, type OutputDist } from "../model/observation/registry.js";
import { listInputFilesByStem, RUN_MANAGER_STEM, type InputFile } from "./input-files.js";
import { readCounts3, readRecon, readTest, type Read3 } from "./recon-data.js";

export interface SplitData {
  /** [E,T,N] row-major: what the encoders read. */
  data: Float32Array;
  numTrials: number;
  /** [E,T,X] when external inputs are used. */
  extInput?: Float32Array;
  /** [E,T_rec,N_rec]: the reconstruction target, when the file has recon data (train and valid only). */
  recon?: Float32Array;
  /** Σ lgamma(x+1) per trial of the target (`recon` where present, else `data`; Poisson). */
  lgammaSums?: Float32Array;
}

export interface DatasetData {
  name: string;
  file: string;
  /** N_in: the neurons the encoders read. */
  numNeurons: number;
  /** N_rec: the neurons the read-out reconstructs, when the file has recon data. */
  numReconNeurons?: number;
  train: SplitData;
  valid: SplitData;
  /** test_data: trials only sampled, never trained or validated on, when the file has them. */
  test?: SplitData;
  alignmentMatrix?: Float32Array;
  alignmentBias?: Float32Array;
}

export interface InputData {
  /** T_obs: the bins the encoders read. */
  numSteps: number;
  /** T_rec: the bins the read-out reconstructs, when the files have recon data. */
  reconSteps?: number;
  datasets: DatasetData[];
}

/** The reconstruction target of a split: its recon data where present, else its data. */
export function targetOf(s: SplitData): Float32Array {
  return s.recon ?? s.data;
}

/** The model's data dimensions (config.ts `DataDims`) of loaded inputs. */
export function dataDims(data: InputData): DataDims {
  return {
    numSteps: data.numSteps,
    ...(data.reconSteps !== undefined ? { reconSteps: data.reconSteps } : {}),
    datasets: data.datasets.map((d) => ({
      name: d.name,
      numNeurons: d.numNeurons,
      ...(d.numReconNeurons !== undefined ? { numReconNeurons: d.numReconNeurons } : {}),
      ...(d.alignmentMatrix ? { alignmentMatrix: d.alignmentMatrix } : {}),
      ...(d.alignmentBias ? { alignmentBias: d.alignmentBias } : {}),
    })),
  };
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

/** `${which}_ext_input` [E,T,X] of a split, checked against its data. */
function readExtInput(f: H5Group, which: string, file: string, E: number, T: number, X: number): Float32Array {
  const key = `${which}_ext_input`;
  if (!hasKey(f, key)) throw new LayoutError(`${key} is missing in ${file}, but c_ext_input_dim = ${X}`);
  const x = readArray(f, key, file);
  if (x.shape[0] !== E || x.shape[1] !== T || x.shape[2] !== X) {
    throw new ShapeError(`${key} in ${file} has shape [${x.shape.join(", ")}], expected [${E}, ${T}, ${X}] (c_ext_input_dim)`);
  }
  return Float32Array.from(x.data as ArrayLike<number>);
}

/** One split's SplitData from its checked arrays. */
function splitData(f: H5Group, which: string, file: string, d: Read3, opts: LoadOptions, recon?: Read3): SplitData {
  const [E, T] = d.shape;
  const out: SplitData = { data: d.data, numTrials: E };
  if (opts.extInputDim > 0) out.extInput = readExtInput(f, which, file, E, T, opts.extInputDim);
  if (recon) out.recon = recon.data;
  return out;
}

async function readDataset({ file, name }: InputFile, opts: LoadOptions): Promise<{ ds: DatasetData; T: number; Trec: number | undefined }> {
  const { countData } = observationModel(opts.outputDist);
  const counts = countData === true;
  return readH5(file, (f) => {
    const tr = readCounts3(f, "train_data", file, counts, opts.outputDist);
    const va = readCounts3(f, "valid_data", file, counts, opts.outputDist);
    const [, T, N] = tr.shape;
    if (T !== va.shape[1] || N !== va.shape[2]) throw new ShapeError(`train_data [${tr.shape.join(", ")}] and valid_data [${va.shape.join(", ")}] in ${file} disagree in time bins or neurons`);
    const recon = readRecon(f, file, tr, va, counts, opts.outputDist);
    const test = readTest(f, file, T, N, counts, opts.outputDist);
    const ds: DatasetData = { name, file, numNeurons: N, train: splitData(f, "train", file, tr, opts, recon?.train), valid: splitData(f, "valid", file, va, opts, recon?.valid) };
    if (recon) ds.numReconNeurons = recon.neurons;
    if (test) ds.test = splitData(f, "test", file, test, opts);
    if (hasKey(f, "alignment_matrix_cxf")) ds.alignmentMatrix = Float32Array.from(readArray(f, "alignment_matrix_cxf", file).data as ArrayLike<number>);
    if (hasKey(f, "alignment_bias_c")) ds.alignmentBias = Float32Array.from(readArray(f, "alignment_bias_c", file).data as ArrayLike<number>);
    return { ds, T, Trec: recon?.steps };
  });
}

/** Every dataset of a run has recon data with one T_rec, or none has. */
function checkReconAcrossDatasets(files: readonly InputFile[], Trecs: readonly (number | undefined)[]): number | undefined {
  const first = Trecs[0];
  Trecs.forEach((t, i) => {
    if ((t === undefined) !== (first === undefined)) {
      const [has, lacks] = t === undefined ? [files[0]!.file, files[i]!.file] : [files[i]!.file, files[0]!.file];
      throw new LayoutError(`${has} has train_recon_data / valid_recon_data but ${lacks} does not: the datasets of a run share one read-out length, so give every dataset recon data, or none`);
    }
    if (t !== first) throw new ShapeError(`train_recon_data of ${files[i]!.file} has ${t} time bins, that of ${files[0]!.file} has ${first}: all datasets of a run need the same T_rec (observed + forward bins)`);
  });
  return first;
}

export async function loadLfadsInputs(inputDir: string, opts: LoadOptions): Promise<InputData> {
  const files = listInputFilesByStem(inputDir, opts.stem ?? RUN_MANAGER_STEM);
  const datasets: DatasetData[] = [];
  const Trecs: (number | undefined)[] = [];
  let numSteps = -1;
  for (const f of files) {
    const { ds, T, Trec } = await readDataset(f, opts);
    if (numSteps >= 0 && T !== numSteps) throw new ShapeError(`${f.file} has ${T} time bins per trial, ${files[0]!.file} has ${numSteps}: all datasets of a run need the same T`);
    numSteps = T;
    datasets.push(ds);
    Trecs.push(Trec);
  }
  const reconSteps = checkReconAcrossDatasets(files, Trecs);
  const keep = opts.reduceTimestepsTo;
  if (keep !== undefined && keep < numSteps) {
    if (reconSteps !== undefined) {
      throw new NotSupportedError(
        `c_debug_reduce_timesteps_to=${keep} with recon data (train_recon_data in ${files[0]!.file}): cutting the observed bins would cut the forward bins off them; leave c_debug_reduce_timesteps_to at its default`,
      );
    }
    for (const ds of datasets) {
      for (const s of splitsOf(ds)) {
        s.data = truncate(s.data, s.numTrials, numSteps, ds.numNeurons, keep);
        if (s.extInput) s.extInput = truncate(s.extInput, s.numTrials, numSteps, opts.extInputDim, keep);
      }
    }
    numSteps = keep;
  }
  const constant = observationModel(opts.outputDist).dataConstant;
  if (constant) for (const ds of datasets) for (const s of splitsOf(ds)) s.lgammaSums = constant(targetOf(s), s.numTrials);
  return { numSteps, ...(reconSteps !== undefined ? { reconSteps } : {}), datasets };
}

/** A dataset's splits: train, valid and, where present, test. */
export function splitsOf(ds: DatasetData): SplitData[] {
  return ds.test ? [ds.train, ds.valid, ds.test] : [ds.train, ds.valid];
}

/** Gather trials `idx` of a [E,T,D] array into a new [B,T,D] array. */
export function gatherTrials(a: Float32Array, idx: Int32Array, rowLength: number): Float32Array {
  const out = new Float32Array(idx.length * rowLength);
  for (let i = 0; i < idx.length; i++) out.set(a.subarray(idx[i]! * rowLength, (idx[i]! + 1) * rowLength), i * rowLength);
  return out;
}
