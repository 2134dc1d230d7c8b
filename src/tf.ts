/**
 * `lfads-ts/tf`: the TensorFlow.js half of lfads-ts (model, training). Importing it loads TensorFlow.js;
 * the main entry (`lfads-ts`) stays TF-free. Named re-exports, grouped by block.
 */

// backend
export { selectBackend, currentBackend } from "./model/ops/backend.js";
export type { BackendInfo, BackendName } from "./model/ops/backend.js";

// model
export { LfadsModel, coMeanCorrCost } from "./model/lfads.js";
export type { LfadsBatch, ForwardOptions, LfadsForward, LfadsOutputs, LfadsModelOptions } from "./model/lfads.js";
export { modelConfigFromRunParams, validateConfig } from "./model/config.js";
export type { LfadsConfig, DatasetSpec, DataDims, OutputDist } from "./model/config.js";
export type { WeightMap, WeightValue, ParamInfo, L2Group } from "./model/params.js";
export { lfadsCost } from "./model/cost.js";
export type { CostTerms, RampWeights } from "./model/cost.js";
export { lgammaRowSums } from "./model/observation/poisson.js";
export { outputParams } from "./model/observation/registry.js";
export { RngNoise } from "./model/noise.js";
export type { NoiseSource } from "./model/noise.js";

// the GRU recurrence op and its fused-kernel switch point
export { gruRecurrence, setGruImplementation, activeGruImplementation } from "./model/ops/gru-recurrence.js";
export type { GruRecurrenceImpl, GruDims, GruForwardOutput, GruBackwardInput, GruGradients, GruRecurrenceOptions } from "./model/ops/gru-recurrence.js";
export { jsGruImplementation } from "./model/ops/gru-js.js";

// training
export { trainRun } from "./train/train-run.js";
export type { TrainRunSpec, TrainRunOptions, TrainRunResult, RunLike, StopReason } from "./train/train-run.js";
export type { TrainProgress, ProgressCallback } from "./train/progress.js";
export { DEFAULT_DIVERGENCE_RULE } from "./train/divergence.js";
export type { DivergenceRule, DivergenceEvent, DivergenceAction } from "./train/divergence.js";
export type { EpochDiagnostics } from "./train/diagnostics.js";
export { formatProgress } from "./train/progress.js";
export { TrainingDivergedError } from "./train/errors.js";
export { trainConfigFromRunParams } from "./train/train-config.js";
export type { TrainConfig } from "./train/train-config.js";
export { loadCheckpoint, latestCheckpoint } from "./train/checkpoint.js";
export type { Checkpoint, TrainerState, CheckpointKind } from "./train/checkpoint.js";
export { modelParamsKey } from "./train/outputs.js";

// posterior sampling (with the default progress display), prior samples and model_params from a trained run
export { samplePosterior } from "./facade/sample-posterior.js";
export { posteriorFileName } from "./posterior/sample.js";
export type {
  SamplePosteriorOptions, SamplePosteriorResult, PosteriorProgress, PosteriorFileResult, PosteriorSampleKind, SampleTarget, SampleTargetSpec, CheckpointChoice,
  PosteriorReporter, PosteriorFileReporter, PosteriorFileInfo, PosteriorSampleInfo,
} from "./posterior/sample.js";
export { defaultBatchTrials } from "./posterior/sample-shared.js";
export { writePriorSamples } from "./posterior/prior-sample.js";
export type { PriorSampleOptions, PriorSampleResult } from "./posterior/prior-sample.js";
export { writeModelParams } from "./posterior/write-model-params.js";
export type { WriteModelParamsOptions } from "./posterior/write-model-params.js";

// TF LFADS's run_lfads.py (every --kind), for notebooks; the CLI is `lfads run-lfads`
export { runLfads, flagsToArgv } from "./run-lfads/index.js";
export type { RunLfadsOptions, RunLfadsResult, RunLfadsTrainResult } from "./run-lfads/index.js";
