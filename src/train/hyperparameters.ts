/**
 * `hyperparameters-<step>.txt`, the one writer for `trainRun` and `lfads run-lfads`: the dict run_lfads.py
 * saves at every model build (lfads-model.md §3) — its flags, booleans as "true"/"false",
 * num_steps_for_gen_ic clamped to T, then kind and the data dimensions — as JSON laid out as Python's
 * `json.dump` writes it. `trainRun` records the flags the Run Manager passes for a run's params; run-lfads
 * passes the flags it was given. TensorFlow-free.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { RunParams } from "../params/run-params.js";
import { PARAM_TABLE, type ParamSpec, type ParamValue } from "../params/table.js";
import type { TrainConfig } from "./train-config.js";
import { hyperparametersFileName, isHyperparametersFileName } from "../runs/layout.js";

/** Python's sys.maxsize, run_lfads.py's "all" (default of num_steps_for_gen_ic and ps_nexamples_to_process). */
export const MAX_INT = 2 ** 63 - 1;

/** A number as Python prints it: sys.maxsize exactly, not as the nearest double (9223372036854776000). */
export function pythonNumberText(n: number): string {
  return n === MAX_INT ? "9223372036854775807" : String(n);
}

/** Flag name → value, as run_lfads.py holds its flags. */
export type HyperparameterFlags = Readonly<Record<string, ParamValue>>;

/** The data dimensions the file records, datasets in input-file order. */
export interface HyperparametersData {
  /** T of the first dataset. */
  numSteps: number;
  /** T_rec with recon data (held-out neurons, forward bins); recorded as recon_seq_len. */
  reconSteps?: number;
  /** N_rec of a dataset with recon data is recorded in dataset_recon_dims. */
  datasets: readonly { name: string; numNeurons: number; numReconNeurons?: number }[];
}

/** The KL/L2 ramp step counts training uses (TrainConfig, after scaling with the number of datasets). */
export type RampSteps = Pick<TrainConfig, "klStartStep" | "klIncreaseSteps" | "l2StartStep" | "l2IncreaseSteps">;

/**
 * The flags the Run Manager passes to run_lfads.py for `params`: every property the trainer takes
 * (`c_<flag>`, the RunParams table's `cli`; the lfadslite / AutoLFADS ones when changed), named without
 * its prefix, and the folders. The ramp step
 * counts are the ones training uses, `ramps`: the Run Manager multiplies them by the number of datasets
 * (scaleIncreaseStepsWithDatasets, scaleStartStepWithDatasets) before passing them, and run_lfads.py
 * records the flags it was given.
 */
export function runManagerFlags(params: RunParams, dirs: { dataDir: string; saveDir: string; stem: string }, ramps: RampSteps): Record<string, ParamValue> {
  const flags: Record<string, ParamValue> = {};
  for (const spec of PARAM_TABLE) {
    // lfadslite / AutoLFADS additions only when changed, as the command line passes them.
    if (!spec.cli || ((spec as ParamSpec).cliWhenChanged === true && params.isDefault(spec.name))) continue;
    flags[spec.name.slice("c_".length)] = params.values[spec.name];
  }
  flags["kl_start_step"] = ramps.klStartStep;
  flags["kl_increase_steps"] = ramps.klIncreaseSteps;
  flags["l2_start_step"] = ramps.l2StartStep;
  flags["l2_increase_steps"] = ramps.l2IncreaseSteps;
  flags["data_dir"] = dirs.dataDir;
  flags["data_filename_stem"] = dirs.stem;
  flags["lfads_save_dir"] = dirs.saveDir;
  return flags;
}

/**
 * The dict run_lfads.py saves: the flags (booleans as "true"/"false", num_steps_for_gen_ic clamped to
 * T as run_lfads.py clamps it before saving), then kind, dataset_names, dataset_dims, num_steps and
 * ndatasets; with recon data also recon_seq_len (T_rec) and dataset_recon_dims (N_rec per dataset).
 */
export function tfHyperparameters(flags: HyperparameterFlags, kind: string, data: HyperparametersData): Record<string, unknown> {
  const hps: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flags)) {
    if (name === "kind") continue;
    const v = name === "num_steps_for_gen_ic" ? Math.min(value as number, data.numSteps) : value;
    hps[name] = typeof v === "boolean" ? (v ? "true" : "false") : v;
  }
  hps["kind"] = kind;
  hps["dataset_names"] = data.datasets.map((d) => d.name);
  hps["dataset_dims"] = Object.fromEntries(data.datasets.map((d) => [d.name, d.numNeurons]));
  hps["num_steps"] = data.numSteps;
  hps["ndatasets"] = data.datasets.length;
  // lfads-ts additions, only with recon data (TF LFADS has no read-out beyond its inputs).
  if (data.reconSteps !== undefined) hps["recon_seq_len"] = data.reconSteps;
  if (data.datasets.some((d) => d.numReconNeurons !== undefined)) hps["dataset_recon_dims"] = Object.fromEntries(data.datasets.map((d) => [d.name, d.numReconNeurons ?? d.numNeurons]));
  return hps;
}

/** `<saveDir>/hyperparameters-<step>.txt`. */
export function hyperparametersPath(saveDir: string, step: number): string {
  return path.join(saveDir, hyperparametersFileName(step));
}

/** JSON as Python's json.dump lays it out (`{"a": 1, "b": [1, 2]}`), numbers as Python prints them. */
function pythonJson(v: unknown): string {
  if (typeof v === "number") return pythonNumberText(v);
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(", ")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonJson(x)}`).join(", ")}}`;
  return JSON.stringify(v);
}

/** Write `<saveDir>/hyperparameters-<step>.txt` (a tfHyperparameters dict). Returns its path. */
export function writeHyperparameters(saveDir: string, step: number, hps: Readonly<Record<string, unknown>>): string {
  const file = hyperparametersPath(saveDir, step);
  writeFileAtomic(file, pythonJson(hps) + "\n");
  return file;
}

/** The newest readable hyperparameters-<step>.txt in `dir` (highest step), if any. */
export function readNewestHyperparameters(dir: string): { file: string; values: Record<string, unknown> } | undefined {
  const stepOf = (name: string): number => Number(/(\d+)\.txt$/.exec(name)![1]);
  const names = fs.readdirSync(dir).filter(isHyperparametersFileName);
  for (const name of names.sort((a, b) => stepOf(b) - stepOf(a))) {
    const file = path.join(dir, name);
    try {
      return { file, values: JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown> };
    } catch {
      continue; // half-written or foreign: try the next newest
    }
  }
  return undefined;
}
