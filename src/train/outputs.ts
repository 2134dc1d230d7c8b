/**
 * `model_params`, the file TF LFADS writes besides checkpoints (HDF5, every variable under its TF name
 * with '/' → '_' and ':0' appended, as `write_model_params` does, Adam slots, global_step and
 * learning_rate included). hyperparameters-<step>.txt has its own module, hyperparameters.ts.
 */
import { writeArray, writeH5Atomic } from "../io/h5.js";
import { ADAM_BETA1, ADAM_BETA2 } from "./adam.js";
import type { Checkpoint } from "./checkpoint.js";

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
