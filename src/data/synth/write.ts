/**
 * Write the synthetic datasets as LFADS input HDF5 files, `<dir>/<stem>_<dataset name>` without an
 * extension (what `run_lfads.py --data_dir=<dir> --data_filename_stem=<stem>` loads), each atomically.
 * Keys and h5py-visible dtypes:
 *
 *   train_data, valid_data            [E,T,S] int64 (Poisson) or float64 (Gaussian)
 *   train_truth, valid_truth          [E,T,S] float32, normalised rates in [0,1]
 *   conversion_factor                 ()      float64, 1/(maxFiringRate·dt)
 *   train_inds, valid_inds            [E]     float64, 1-based trial indices in generation order (Run Manager bookkeeping)
 *   condition_labels_train/valid      [E]     int64, 0-based condition
 *   P_sxn                             [S,N]   float64
 *   dt, train_percentage              ()      float64;  nreplications () int64
 * chaotic sets:
 *   input_train_truth, input_valid_truth  [E,T,1] float64;  input_times_train/valid [E] int64 (empty without pulses)
 *   input_magnitude                   ()      float64
 * multi-session: alignment_matrix_cxf [S,npcs] float64, alignment_bias_c [S] float64
 * labelled: train_ext_input, valid_ext_input [E,T,1] float64 (0/1);  nspikifications () int64
 * ITB: train_inputs_u, valid_inputs_u [E,T,1] float64; train_outputs_u, valid_outputs_u [E,T] float64;
 *      u_std, max_firing_rate () float64
 */
import * as os from "node:os";
import * as path from "node:path";
import { writeArray, writeH5Atomic, type H5Array, type H5Group } from "../../io/h5.js";
import { generateSynthDataset, type SynthSession, type SynthSplit } from "./generate.js";
import type { SynthOptions, SynthPreset, SynthPresetName } from "./params.js";

export interface SynthWriteOptions extends SynthOptions {
  /** gzip level of the 3-D arrays (0 = none). Default 1. */
  gzip?: number;
  /** Called before each file is written. */
  onProgress?: (done: number, total: number, message: string) => void;
}

/** What was written for one session. */
export interface SynthFileSummary {
  file: string;
  name: string;
  numTrainTrials: number;
  numValidTrials: number;
  numSteps: number;
  numChannels: number;
}

/** Counts as int64 without a BigInt per element on little-endian hosts. */
function int64(x: Int32Array): BigInt64Array {
  if (os.endianness() !== "LE") return BigInt64Array.from(x, (v) => BigInt(v));
  const words = new Int32Array(x.length * 2);
  for (let i = 0; i < x.length; i++) {
    words[2 * i] = x[i]!;
    words[2 * i + 1] = x[i]! < 0 ? -1 : 0;
  }
  return new BigInt64Array(words.buffer);
}

function ints(x: Int32Array, shape: number[]): H5Array {
  return { data: int64(x), shape, dtype: "<q" };
}

function writeSplit(f: H5Group, which: "train" | "valid", s: SynthSplit, T: number, S: number, gzip: number): void {
  const shape3 = [s.numTrials, T, S];
  if (s.data instanceof Int32Array) writeArray(f, `${which}_data`, ints(s.data, shape3), { gzip });
  else writeArray(f, `${which}_data`, { data: s.data, shape: shape3 }, { gzip });
  writeArray(f, `${which}_truth`, { data: s.truth, shape: shape3 }, { gzip });
  writeArray(f, `${which}_inds`, { data: Float64Array.from(s.inds, (i) => i + 1), shape: [s.numTrials] });
  writeArray(f, `condition_labels_${which}`, ints(s.conditionLabels, [s.numTrials]));
  if (s.inputTruth) writeArray(f, `input_${which}_truth`, { data: s.inputTruth, shape: [s.numTrials, T, 1] }, { gzip });
  if (s.inputTimes) writeArray(f, `input_times_${which}`, ints(s.inputTimes, [s.inputTimes.length]));
  if (s.extInput) writeArray(f, `${which}_ext_input`, { data: s.extInput, shape: [s.numTrials, T, 1] }, { gzip });
  if (s.inputsU) writeArray(f, `${which}_inputs_u`, { data: s.inputsU, shape: [s.numTrials, T, 1] });
  if (s.outputsU) writeArray(f, `${which}_outputs_u`, { data: s.outputsU, shape: [s.numTrials, T] });
}

/** Write one session's file (atomically) at `file`. */
export async function writeSynthSessionFile(file: string, s: SynthSession, opts: { gzip?: number } = {}): Promise<void> {
  const gzip = opts.gzip ?? 1;
  const T = s.numSteps;
  const S = s.numChannels;
  await writeH5Atomic(file, (f) => {
    writeSplit(f, "train", s.train, T, S, gzip);
    writeSplit(f, "valid", s.valid, T, S, gzip);
    writeArray(f, "conversion_factor", { data: Float64Array.of(s.conversionFactor), shape: [] });
    writeArray(f, "P_sxn", { data: s.P, shape: [S, s.P.length / S] });
    if (s.alignmentMatrix && s.alignmentBias) {
      writeArray(f, "alignment_matrix_cxf", { data: s.alignmentMatrix, shape: [S, s.alignmentMatrix.length / S] });
      writeArray(f, "alignment_bias_c", { data: s.alignmentBias, shape: [S] });
    }
    for (const [key, { value, int }] of Object.entries(s.scalars)) {
      if (int) writeArray(f, key, { data: BigInt64Array.of(BigInt(value)), shape: [], dtype: "<q" });
      else writeArray(f, key, { data: Float64Array.of(value), shape: [] });
    }
  });
}

/**
 * Generate a preset (see {@link generateSynthDataset}) and write its files into `dir` (created if
 * missing): `<stem>_dataset_N50_S50`, `<stem>_dataset_N100_S20_n1` … Returns one summary per file.
 */
export async function writeSynthDataset(dir: string, preset: SynthPresetName | string | SynthPreset, opts: SynthWriteOptions = {}): Promise<SynthFileSummary[]> {
  const { gzip, onProgress, ...genOpts } = opts;
  const ds = generateSynthDataset(preset, genOpts);
  const out: SynthFileSummary[] = [];
  const n = ds.sessions.length;
  for (const [i, s] of ds.sessions.entries()) {
    const file = path.join(dir, s.fileName);
    onProgress?.(i, n, `writing ${file}`);
    await writeSynthSessionFile(file, s, gzip === undefined ? {} : { gzip });
    out.push({ file, name: s.name, numTrainTrials: s.train.numTrials, numValidTrials: s.valid.numTrials, numSteps: s.numSteps, numChannels: s.numChannels });
  }
  onProgress?.(n, n, "done");
  return out;
}
