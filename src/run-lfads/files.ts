/**
 * TensorFlow-free file helpers of `lfads run-lfads`: the data dimensions of a stem's input files, the
 * flags run_lfads.py records in `hyperparameters-<step>.txt` (written by train/hyperparameters.ts),
 * checkpoint steps from TF-style checkpoint names, and `readModelRuns`, a reader for the HDF5 files
 * run_lfads.py writes (`model_runs_*`, `model_params`, input files) that returns every numeric dataset
 * as float64.
 */
import * as path from "node:path";
import { LayoutError, ShapeError } from "../core/errors.js";
import { readH5, type H5Dataset, type H5Group } from "../io/h5.js";
import type { HyperparametersData } from "../train/hyperparameters.js";
import { listInputFilesByStem, type InputFile } from "../train/input-files.js";
import { RUN_LFADS_FLAGS, type FlagValue } from "./flags.js";

/** Names and sizes of the datasets of a stem, as run_lfads.py records them. */
export interface InputSummary extends HyperparametersData {
  files: InputFile[];
  /** T (T_obs) of the first dataset (TF takes it from the first file). */
  numSteps: number;
  /** T_rec (`train_recon_data.shape[1]`) of the first dataset, when it has recon data. */
  reconSteps?: number;
  datasetNames: string[];
  /**
   * Name and neurons (`train_data.shape[2]`, N_in) of each dataset, in file order, and N_rec
   * (`train_recon_data.shape[2]`) where it has recon data.
   */
  datasets: { name: string; numNeurons: number; numReconNeurons?: number }[];
}

function shapeOf(f: H5Group, key: string, file: string): number[] {
  const d = f.get(key) as H5Dataset | null;
  if (!d || !d.shape) throw new LayoutError(`${file} has no '${key}' (keys: ${f.keys().join(", ")}); an LFADS input file holds train_data and valid_data [trials, time, neurons]`);
  return d.shape;
}

/** Read only the shapes of `train_data` (and `train_recon_data` where present) in every input file of the stem. */
export async function inputSummary(dataDir: string, stem: string): Promise<InputSummary> {
  const files = listInputFilesByStem(dataDir, stem);
  const datasets: InputSummary["datasets"] = [];
  let numSteps = -1;
  let reconSteps: number | undefined;
  for (const f of files) {
    const [shape, recon] = await readH5(f.file, (h) => [shapeOf(h, "train_data", f.file), h.keys().includes("train_recon_data") ? shapeOf(h, "train_recon_data", f.file) : undefined] as const);
    for (const [key, s] of [["train_data", shape], ["train_recon_data", recon]] as const) {
      if (s && s.length !== 3) throw new ShapeError(`${key} in ${f.file} has shape [${s.join(", ")}], expected [trials, time, neurons]`);
    }
    if (numSteps < 0) numSteps = shape[1]!;
    if (recon && reconSteps === undefined) reconSteps = recon[1]!;
    datasets.push({ name: f.name, numNeurons: shape[2]!, ...(recon ? { numReconNeurons: recon[2]! } : {}) });
  }
  return { files, numSteps, ...(reconSteps !== undefined ? { reconSteps } : {}), datasetNames: files.map((f) => f.name), datasets };
}

/**
 * "T = 35" (as run_lfads.py's log says it), or with recon data "T_obs = 35, T_rec = 45, N_in/N_rec =
 * 137/182 (dataset001.h5)", for messages.
 */
export function describeDims(s: Pick<InputSummary, "numSteps" | "reconSteps" | "datasets">): string {
  if (s.reconSteps === undefined) return `T = ${s.numSteps}`;
  const N = s.datasets.map((d) => `${d.numNeurons}/${d.numReconNeurons ?? d.numNeurons} (${d.name})`);
  return `T_obs = ${s.numSteps}, T_rec = ${s.reconSteps}, N_in/N_rec = ${N.join(", ")}`;
}

/**
 * The flags run_lfads.py's `build_hyperparameter_dict` records in hyperparameters-<step>.txt: its own
 * (not the Run Manager's or lfads-ts's additions), without allow_gpu_growth, which it leaves out.
 */
export function recordedFlags(values: Readonly<Record<string, FlagValue>>): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = {};
  for (const f of RUN_LFADS_FLAGS) if (f.source === "run_lfads.py" && f.name !== "allow_gpu_growth") out[f.name] = values[f.name]!;
  // lfadslite / AutoLFADS flags when set away from their defaults (the defaults keep TF LFADS's file).
  for (const f of RUN_LFADS_FLAGS) if (f.source === "autolfads" && values[f.name] !== f.default) out[f.name] = values[f.name]!;
  return out;
}

/** Global step in a TF-style checkpoint name (`lfads_vae.ckpt-1200.h5` → 1200), 0 when absent. */
export function checkpointStep(file: string | undefined): number {
  if (!file) return 0;
  const m = /-(\d+)(\.h5)?$/.exec(path.basename(file));
  return m ? Number(m[1]) : 0;
}


/** One dataset of an HDF5 file, as float64, with its shape (`[]` for a scalar). */
export interface H5Values {
  data: Float64Array;
  shape: number[];
}

function collect(g: H5Group, prefix: string, out: Record<string, H5Values>, only: ReadonlySet<string> | undefined): void {
  for (const key of g.keys()) {
    const name = prefix ? `${prefix}/${key}` : key;
    const e = g.get(key);
    if (e && typeof (e as H5Group).keys === "function" && !("value" in (e as object))) {
      collect(e as H5Group, name, out, only);
      continue;
    }
    if (only && !only.has(name)) continue;
    const d = e as H5Dataset;
    const v = d.value;
    let data: Float64Array;
    if (v instanceof Float64Array) data = v;
    else if (v instanceof BigInt64Array || v instanceof BigUint64Array) data = Float64Array.from(v, (x) => Number(x));
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) data = Float64Array.from(v as unknown as ArrayLike<number>);
    else if (typeof v === "number" || typeof v === "bigint") data = Float64Array.of(Number(v));
    else if (typeof v === "boolean") data = Float64Array.of(v ? 1 : 0);
    else continue; // strings and references are not numeric results
    out[name] = { data, shape: d.shape ?? [] };
  }
}

/**
 * Every numeric dataset of an HDF5 file that run_lfads.py (or lfads run-lfads) writes or reads —
 * `model_runs_<ds>_<split>_<kind>`, `model_runs_prior_sample`, `model_params`, an input file — keyed by
 * name (nested groups as `a/b`), as float64 row-major arrays with their shapes. `keys` limits what is
 * read (large files: read only what you need).
 *
 * ```ts
 * const r = await readModelRuns("lfads_save/model_runs_dataset_N50_S50_valid_posterior_sample_and_average");
 * r.output_dist_params.shape // [E, T, N], rates in counts per bin
 * ```
 */
export async function readModelRuns(file: string, keys?: readonly string[]): Promise<Record<string, H5Values>> {
  const out: Record<string, H5Values> = {};
  await readH5(file, (f) => collect(f, "", out, keys ? new Set(keys) : undefined));
  if (keys) {
    const missing = keys.filter((k) => !(k in out));
    if (missing.length) throw new LayoutError(`${file} has no numeric dataset ${missing.map((k) => `'${k}'`).join(", ")}`);
  }
  return out;
}
