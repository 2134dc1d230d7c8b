/**
 * Files TF LFADS writes besides checkpoints: `model_params` (HDF5, every variable under its TF name
 * with '/' → '_' and ':0' appended, as `write_model_params` does, Adam slots, global_step and
 * learning_rate included) and `hyperparameters-<step>.txt` (JSON of the flags, booleans as the
 * strings "true"/"false", the KL/L2 ramp steps as scaled for training, plus the data dimensions).
 */
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { writeArray, writeH5Atomic } from "../io/h5.js";
import { PARAM_TABLE } from "../params/table.js";
import type { RunParams } from "../params/run-params.js";
import { hyperparametersFileName } from "../runs/layout.js";
import { ADAM_BETA1, ADAM_BETA2 } from "./adam.js";
import type { Checkpoint } from "./checkpoint.js";
import type { TrainConfig } from "./train-config.js";

/** TF variable name → model_params key ("LFADS/gen/g0_2_gen_ic/W" → "LFADS_gen_g0_2_gen_ic_W:0"). */
export function modelParamsKey(tfName: string): string {
  return `${tfName.replaceAll("/", "_")}:0`;
}

export async function writeModelParams(file: string, ckpt: Checkpoint): Promise<void> {
  const { state } = ckpt;
  await writeH5Atomic(file, (f) => {
    for (const [name, w] of ckpt.weights) writeArray(f, modelParamsKey(name), { data: w.data, shape: w.shape });
    for (const [name, w] of ckpt.adamM) writeArray(f, modelParamsKey(`${name}/Adam`), { data: w.data, shape: w.shape });
    for (const [name, w] of ckpt.adamV) writeArray(f, modelParamsKey(`${name}/Adam_1`), { data: w.data, shape: w.shape });
    // TF keeps β^(t+1) in beta{1,2}_power after t updates.
    writeArray(f, modelParamsKey("LFADS/beta1_power"), { data: Float32Array.of(ADAM_BETA1 ** (state.adamT + 1)), shape: [] });
    writeArray(f, modelParamsKey("LFADS/beta2_power"), { data: Float32Array.of(ADAM_BETA2 ** (state.adamT + 1)), shape: [] });
    writeArray(f, modelParamsKey("LFADS/global_step"), { data: BigInt64Array.of(BigInt(state.step)), shape: [] });
    writeArray(f, modelParamsKey("LFADS/learning_rate"), { data: Float32Array.of(state.lr.learningRate), shape: [] });
  });
}

export interface DataSummary {
  numSteps: number;
  datasets: { name: string; numNeurons: number }[];
}

/** The KL/L2 ramp step counts training uses (TrainConfig, after scaling with the number of datasets). */
export type RampSteps = Pick<TrainConfig, "klStartStep" | "klIncreaseSteps" | "l2StartStep" | "l2IncreaseSteps">;

/**
 * JSON of every c_* flag (name without the prefix) and the data dimensions, TF style. The ramp step
 * counts (kl/l2_start_step, kl/l2_increase_steps) are the ones training uses, `ramps`: the Run Manager
 * multiplies them by the number of datasets (scaleIncreaseStepsWithDatasets, scaleStartStepWithDatasets)
 * before passing them to run_lfads.py, which records the flags it was given; so does this file.
 */
export function hyperparametersJson(params: RunParams, data: DataSummary, dirs: { dataDir: string; saveDir: string; stem?: string }, ramps: RampSteps): string {
  const hps: Record<string, unknown> = {};
  for (const spec of PARAM_TABLE) {
    if (!spec.name.startsWith("c_")) continue;
    const v = params.values[spec.name];
    hps[spec.name.slice(2)] = typeof v === "boolean" ? (v ? "true" : "false") : v;
  }
  hps["kl_start_step"] = ramps.klStartStep;
  hps["kl_increase_steps"] = ramps.klIncreaseSteps;
  hps["l2_start_step"] = ramps.l2StartStep;
  hps["l2_increase_steps"] = ramps.l2IncreaseSteps;
  hps["num_steps"] = data.numSteps;
  hps["dataset_names"] = data.datasets.map((d) => d.name);
  hps["dataset_dims"] = Object.fromEntries(data.datasets.map((d) => [d.name, d.numNeurons]));
  hps["ndatasets"] = data.datasets.length;
  hps["data_dir"] = dirs.dataDir;
  hps["data_filename_stem"] = dirs.stem ?? "lfads";
  hps["lfads_save_dir"] = dirs.saveDir;
  hps["kind"] = "train";
  return JSON.stringify(hps, null, 2);
}

export function writeHyperparameters(outDir: string, step: number, json: string): void {
  writeFileAtomic(path.join(outDir, hyperparametersFileName(step)), json + "\n");
}
