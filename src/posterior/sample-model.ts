/**
 * Shared set-up of the post-training commands (posterior sampling, prior samples, model_params):
 * resolve the target (a run folder, a Run, or explicit folders + params), pick the checkpoint
 * (lowest-validation-error by default, else the latest rolling one, with a warning), load the
 * inputs, and build the model with the checkpoint's weights.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError, ParamError, warn } from "../core/errors.js";
import { selectBackend, type BackendInfo, type BackendName } from "../model/ops/backend.js";
import { modelConfigFromRunParams, type LfadsConfig } from "../model/config.js";
import { LfadsModel } from "../model/lfads.js";
import { checkOutputDist } from "../model/observation/registry.js";
import type { RunParams } from "../params/run-params.js";
import { runInputDir, runOutputDir } from "../runs/layout.js";
import { readRunParamsFile } from "../runs/run-params-file.js";
import { latestCheckpoint, loadCheckpoint, type Checkpoint } from "../train/checkpoint.js";
import { dataDims, listInputFiles, loadLfadsInputs, type InputData } from "../train/input-data.js";
import { trainConfigFromRunParams, type TrainConfig } from "../train/train-config.js";
import type { RunLike } from "../train/train-run.js";

/** Explicit folders, for runs outside the Run Manager layout. */
export interface SampleTargetSpec {
  /** Folder with `lfads_<ds>.h5` input files. */
  inputDir: string;
  /** Folder with the checkpoints; output files are written here. */
  outputDir: string;
  params: RunParams;
}

/**
 * What to sample: a run folder (its params from `<dir>/params.json` unless `options.params` is given),
 * a Run (or anything with `path` and `params`), or explicit folders.
 */
export type SampleTarget = string | RunLike | SampleTargetSpec;

/** Which checkpoint to restore: "lve" (lowest validation error, TF `checkpoint_lve`) or "latest" (TF `checkpoint`). */
export type CheckpointChoice = "lve" | "latest";

export interface LoadModelOptions {
  /** Params when `target` is a folder without params.json (or to override it). */
  params?: RunParams;
  /** Default "lve", falling back to "latest" with a warning when no LVE checkpoint exists. */
  checkpoint?: CheckpointChoice;
  /** An explicit checkpoint file (overrides `checkpoint`). */
  checkpointFile?: string;
  /** Force a tfjs backend (else LFADS_BACKEND or the fastest available). */
  backend?: BackendName;
}

function resolveSampleTarget(target: SampleTarget, params?: RunParams): SampleTargetSpec {
  if (typeof target === "string" || "path" in target) {
    const dir = path.resolve(typeof target === "string" ? target : target.path);
    if (!fs.existsSync(dir)) throw new LayoutError(`run folder not found: ${dir}`);
    const p = params ?? (typeof target === "string" ? readRunParamsFile(dir).params : target.params);
    return { inputDir: runInputDir(dir), outputDir: runOutputDir(dir), params: p };
  }
  if (!target.inputDir || !target.outputDir || !target.params) throw new ParamError("give the target as a run folder, a Run, or { inputDir, outputDir, params }");
  return { inputDir: path.resolve(target.inputDir), outputDir: path.resolve(target.outputDir), params: params ?? target.params };
}

/** The checkpoint file to restore. */
export function resolveCheckpoint(outputDir: string, choice: CheckpointChoice = "lve", explicit?: string): string {
  if (explicit !== undefined) {
    if (!fs.existsSync(explicit)) throw new LayoutError(`checkpoint file not found: ${explicit}`);
    return explicit;
  }
  if (choice !== "lve" && choice !== "latest") throw new ParamError(`checkpoint must be "lve" or "latest"; got ${JSON.stringify(choice)}`);
  if (!fs.existsSync(outputDir)) throw new LayoutError(`LFADS output folder not found: ${outputDir}; train the run first (trainRun / lfads train <runDir>)`);
  const latest = latestCheckpoint(outputDir, "rolling");
  if (choice === "lve") {
    const lve = latestCheckpoint(outputDir, "lve");
    if (lve) return lve;
    if (latest) {
      warn(`${outputDir} has no lowest-validation-error checkpoint (one is saved once the KL/L2 ramps are complete); using the latest checkpoint ${path.basename(latest)}`);
      return latest;
    }
  } else if (latest) return latest;
  throw new LayoutError(`no ${choice === "lve" ? "" : "rolling "}checkpoint in ${outputDir} (no 'checkpoint${choice === "lve" ? "_lve" : ""}' index naming an existing file); train the run first (trainRun / lfads train <runDir>)`);
}

/** A model restored from a checkpoint, with its inputs. Call `dispose()` when done. */
export interface TrainedModel {
  spec: SampleTargetSpec;
  model: LfadsModel;
  config: LfadsConfig;
  train: TrainConfig;
  data: InputData;
  checkpoint: Checkpoint;
  checkpointFile: string;
  backend: BackendInfo;
  dispose(): void;
}

export async function loadTrainedModel(target: SampleTarget, opts: LoadModelOptions = {}): Promise<TrainedModel> {
  const spec = resolveSampleTarget(target, opts.params);
  const file = resolveCheckpoint(spec.outputDir, opts.checkpoint ?? "lve", opts.checkpointFile);
  const backend = await selectBackend(opts.backend);
  const nd = listInputFiles(spec.inputDir).length;
  const train = trainConfigFromRunParams(spec.params, nd);
  const v = spec.params.values;
  const data = await loadLfadsInputs(spec.inputDir, { outputDist: checkOutputDist(v.c_output_dist, "c_output_dist"), extInputDim: v.c_ext_input_dim, reduceTimestepsTo: train.reduceTimestepsTo });
  const config = modelConfigFromRunParams(spec.params, dataDims(data));
  const checkpoint = await loadCheckpoint(file);
  const model = new LfadsModel(config, { seed: 0 });
  try {
    model.importWeights(checkpoint.weights);
  } catch (e) {
    model.dispose();
    throw new LayoutError(`${file} does not fit the model of these params and inputs (${(e as Error).message}); was it trained with other params or data?`, { cause: e });
  }
  return { spec, model, config, train, data, checkpoint, checkpointFile: file, backend, dispose: () => model.dispose() };
}
