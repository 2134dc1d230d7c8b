/** TF `--kind=write_model_params`: a trained run's `lfadsOutput/model_params` re-made from a checkpoint. */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError } from "../core/errors.js";
import { loadCheckpoint } from "../train/checkpoint.js";
import { writeModelParams as writeModelParamsFile } from "../train/outputs.js";
import { resolveCheckpoint, type CheckpointChoice } from "./sample-model.js";
import { MODEL_PARAMS_FILE, runOutputDir } from "../runs/layout.js";

export interface WriteModelParamsOptions {
  /** Default "lve" (falling back to the latest checkpoint with a warning). */
  checkpoint?: CheckpointChoice;
  checkpointFile?: string;
}

/**
 * TF `--kind=write_model_params`: write `<outputDir>/model_params` (every variable under its TF name
 * with '/' → '_' and ':0', Adam slots, global_step, learning_rate; uncompressed) from a checkpoint.
 * Training already writes it from the LVE checkpoint; this re-makes it, e.g. from another checkpoint.
 * Needs no params: a run folder, a Run or `{ outputDir }` will do.
 */
export async function writeModelParams(target: string | { path: string } | { outputDir: string }, options: WriteModelParamsOptions = {}): Promise<{ file: string; checkpoint: string; step: number }> {
  const outputDir = typeof target === "string" ? runOutputDir(path.resolve(target)) : "path" in target ? runOutputDir(target.path) : path.resolve(target.outputDir);
  if (typeof target === "string" && !fs.existsSync(target)) throw new LayoutError(`run folder not found: ${path.resolve(target)}`);
  const ckptFile = resolveCheckpoint(outputDir, options.checkpoint ?? "lve", options.checkpointFile);
  const ckpt = await loadCheckpoint(ckptFile);
  const file = path.join(outputDir, MODEL_PARAMS_FILE);
  await writeModelParamsFile(file, ckpt);
  return { file, checkpoint: ckptFile, step: ckpt.state.step };
}
