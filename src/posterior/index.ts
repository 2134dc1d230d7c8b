/** TF-free posterior results: loaders for LFADS output files, the fit log, trained params, scores. */
export { PosteriorMeans, rebinSum, POSTERIOR_MEAN_KINDS } from "./posterior-means.js";
export { concatenateOverTrials, concatenateField } from "./concatenate.js";
export type { PosteriorMeanKind, PosteriorFormat, PosteriorMeansData, TrialField, ConditionAverage, OutputDist } from "./posterior-means.js";
export { loadPosteriorMeans, tfPosteriorFileNames, torchPosteriorFileNames, timeVector } from "./read-posterior.js";
export type { LoadPosteriorMeansOptions } from "./read-posterior.js";
export { readInputInfo } from "./read-input-info.js";
export type { InputInfo } from "./read-input-info.js";
export { FitLog, loadFitLog, parseFitLogLine, FIT_LOG_COLUMNS, DANFO_INSTALL } from "./fit-log.js";
export type { FitLogRow, FitLogColumn, FitLogDataFrame, LoadFitLogOptions } from "./fit-log.js";
export { parseFitDiagnostics, readFitDiagnostics, FIT_DIAGNOSTICS_COLUMNS } from "./fit-diagnostics.js";
export type { FitDiagnosticsRow, FitDiagnosticsColumn } from "./fit-diagnostics.js";
export { ModelTrainedParams, loadModelTrainedParams } from "./trained-params.js";
export type { LoadModelTrainedParamsOptions } from "./trained-params.js";
export { r2Score, poissonNll, bitsPerSpike, posteriorRateR2, posteriorBitsPerSpike, posteriorReconBitsPerSpike, splitTrials } from "./scores.js";
export { PSTH_TARGET_SD_MS, posteriorPsthR2, posteriorPsthTarget, posteriorVelocityR2 } from "./nlb-scores.js";
export type { ReconBitsPerSpike } from "./scores.js";
export type { R2Result, ScoreOptions, TrialSplit, PosteriorScoreOptions } from "./scores.js";
// Run-level loaders and scores (the facade's run.loadPosteriorMeans() & co. call these).
export { loadRunPosteriorMeans, loadRunFitLog, loadRunTrainedParams, scoreRun, runPosteriorSource } from "./run-results.js";
export { readPosteriorSource, posteriorSourceOf, POSTERIOR_ATTRS } from "./posterior-source.js";
export type { PosteriorSource } from "./posterior-source.js";
export type { RunPosteriorOptions, RunScore, ScoreRunOptions } from "./run-results.js";
