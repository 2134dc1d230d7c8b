/**
 * lfads-ts public entry (TensorFlow-free). Training and sampling live in `lfads-ts/tf`.
 * Named re-exports, grouped by pipeline stage: params + data → runs → prepare → train → posterior → display.
 */

// core
export { LfadsError, ParamError, ShapeError, LayoutError, DataError, NotSupportedError, warn, setWarningSink } from "./core/errors.js";
export { Rng } from "./core/rng.js";
export { array3d, array3dFromNested } from "./core/array3d.js";
export type { Array3D, NumericArray, Nested3D } from "./core/array3d.js";

// params
export { RunParams, validateParam, displayValue, cliValue } from "./params/run-params.js";
export type { RunParamsInit } from "./params/run-params.js";
export { generateSweep, assertDistinctHashes } from "./params/sweep.js";
export type { SweepAxes } from "./params/sweep.js";
export { PARAM_TABLE, PARAM_SPECS, GROUP_TITLES } from "./params/table.js";
export type { ParamSpec, ParamName, ParamGroup, RunParamsValues, MatlabClass, ParamValue } from "./params/table.js";
export { dataHashBytes, matlabHash6 } from "./params/hash.js";
export type { MatlabValue } from "./params/hash.js";

// display (importing it also gives RunParams, Dataset(Collection), RunSpec, RunCollection and Run
// toText()/toHtml() and their rich notebook displays)
export {
  show, showBundle, bundleOf, saveHtml, newDisplay, progress, asTable, TableView, renderTableHtml, renderTableText, formatCell,
  richInspect, attachRichDisplay, inKernel, useTslab, setTextOutput,
  paramsHeader, paramsToText, paramsToHtml, paramsSummaryLine, paramsSummaryText, matlabShort, matlabDisplay,
  datasetCollectionToHtml, datasetToHtml, runCollectionToHtml, runSpecToHtml, runToHtml, runDiskStatus,
} from "./display/index.js";
export type {
  MimeBundle, TslabLike, TextTarget, Displayable, DisplayHandle, RichRenderers, TableData, TableOptions, ColumnSpec, Align,
  Progress, ProgressOptions, ProgressInfo, ParamsHtmlOptions, RunDiskState, RunDiskStatus,
} from "./display/index.js";

// live training display (a trainRun onProgress callback)
export { trainingDisplay } from "./display/index.js";
export type { TrainingDisplayOptions } from "./display/index.js";

// Jupyter kernel spec
export { installKernelSpec, kernelSpec } from "./jupyter/index.js";
export type { KernelJson, InstallTarget, KernelSpecOptions } from "./jupyter/index.js";

// multi-session alignment (stitching)
export { computeAlignment, validateAlignment, parseAlignmentExtraArgs, alignmentReconstructionData, ALIGNMENT_APPROACHES } from "./align/index.js";
export type {
  AlignmentApproach, AlignmentDatasetInput, AlignmentExtraArgs, AlignmentOptions, AlignmentResult, ConditionId, RidgeSelection,
  AlignmentReconstructionData, AlignmentReconstructionOptions, ReconstructionPanel, ReconstructionTrace,
} from "./align/index.js";

// data
export {
  Dataset, DatasetCollection, checkDatasetData, readDatasetFile, readDatasetFileInfo, rebin, rebinFactor, splitTrainValid,
  generateLorenzDatasets, forEachLorenzDataset, simulateLorenz, lorenzTrajectories,
} from "./data/index.js";
export type {
  DatasetData, DatasetArrays, CheckedDatasetData, DatasetInfo, DatasetLoader, DatasetOptions, DatasetInfoRow, DatasetInfoTable, TrainValidSplit,
  LorenzOptions, LorenzDatasetSummary,
} from "./data/index.js";

// the TF LFADS README's synthetic datasets (synth_data/), written as run_lfads.py input files
export { NwbDataset, binNwbTrials, readNwb, writeNwbFile } from "./data/index.js";
export type { NwbBinOptions, NwbContent, NwbDatasetOptions, NwbFileInput, NwbTimeSeries, NwbTrialColumn, NwbTrials, NwbTrialsTable, NwbUnits } from "./data/index.js";
export { NLB_MAZE_FILE, generateNlbMaze, writeNlbMazeNwb } from "./data/synth/index.js";
export type { NlbMazeFixture, NlbMazeOptions } from "./data/synth/index.js";
export {
  evaluateNlb, glmHeldoutRates, nlbInputs, nlbTarget, psthR2, readNlbSubmission, readNlbTarget, ridgeGridCv, smoothSpikes,
  smoothingBaseline, takeTrials, velocityR2, writeNlbLfadsInput, writeNlbSubmission, writeNlbTarget,
  writeNlbLfadsReconInput, nlbRatesFromLfads,
} from "./nlb/index.js";
export type { NlbLfadsLayout, NlbInputs, NlbRates, NlbScores, NlbTarget, NlbTensor, SmoothingBaselineOptions, VelocityR2Input } from "./nlb/index.js";
export { writeSynthDataset, generateSynthDataset, SYNTH_PRESETS, SYNTH_PRESET_NAMES, resolveSynth } from "./data/synth/index.js";
export type { SynthDataset, SynthSession, SynthSplit, SynthOptions, SynthPreset, SynthPresetName, SynthFileSummary, SynthWriteOptions } from "./data/synth/index.js";

// runs and the on-disk tree; Run and RunCollection are the facade's, with prepare(), loadPosteriorMeans(), score(), …
export { Run, RunCollection } from "./facade/index.js";
export { RunSpec } from "./runs/index.js";
export type { DatasetSelection, ParamSearch, RunSpecSearch, RunCollectionOptions } from "./runs/index.js";
export { prepare, prepareRuns, needsAlignment, alignmentFromParams } from "./prepare/index.js";
export type { PrepareOptions, PrepareProgress, PrepareResult, AlignmentProvider } from "./prepare/index.js";

// display: figures, static export, reports
export {
  Figure, figure, showPlotlyJs, plotSingleTrialRates, plotConditionAveragedFactors, plotFactorTrajectories3d, plotTrainingCurves,
  plotAlignmentReconstruction, runDashboard, RunDashboard, conditionMeans, categoricalColors, plotlyBundlePath, plotlyVersion,
} from "./display/plots/index.js";
export type {
  FigureSpec, FigureStyle, FigureHtmlOptions, PlotlyTrace, PlotlyLayout, PlotlyConfig, SingleTrialRatesOptions,
  ConditionAverageOptions, ConditionFactorsOptions, FactorTrajectoryOptions, ConditionMeans, TrialSubset, TrainingCurveOptions,
  AlignmentPlotOptions, RunDashboardRow, RunDashboardOptions,
} from "./display/plots/index.js";
export {
  saveFigure, renderFigure, savePanels, renderPanels, countDrawnPlots, formatFromPath, findChromium, chromiumPath,
  ChromiumNotFoundError, closeExporter, setExportIdleTimeout,
} from "./display/export/index.js";
export type { ImageFormat, SaveOptions, PanelOptions, FigureLike, DrawnPlots } from "./display/export/index.js";
export { writeReport, reportHtml } from "./display/report/index.js";
export type { ReportOptions, ReportSection, HtmlRenderable } from "./display/report/index.js";

// posterior results (TF-free readers and scores)
export { PosteriorMeans, concatenateOverTrials, loadPosteriorMeans, FitLog, loadFitLog, ModelTrainedParams, loadModelTrainedParams } from "./posterior/index.js";
export { r2Score, bitsPerSpike, poissonNll, posteriorRateR2, posteriorBitsPerSpike, posteriorReconBitsPerSpike } from "./posterior/index.js";
export { posteriorPsthR2, posteriorPsthTarget, posteriorVelocityR2 } from "./posterior/index.js";
export type { ReconBitsPerSpike } from "./posterior/index.js";
export type { LoadPosteriorMeansOptions, PosteriorMeanKind, FitLogRow, FitDiagnosticsRow, R2Result, TrialSplit } from "./posterior/index.js";

// TF LFADS's run_lfads.py: its flags, the files it writes (`runLfads` itself is in "lfads-ts/tf")
export { RUN_LFADS_FLAGS, RUN_LFADS_KINDS, parseRunLfadsArgv, runParamsFromFlags, readModelRuns } from "./run-lfads/index.js";
export type { RunLfadsFlag, RunLfadsKind, RunLfadsArgs, FlagValue, H5Values } from "./run-lfads/index.js";
export { loadRunPosteriorMeans, loadRunFitLog, loadRunTrainedParams, scoreRun } from "./posterior/index.js";
export type { RunPosteriorOptions, RunScore, ScoreRunOptions } from "./posterior/index.js";
export { RUN_PARAMS_FILE, readRunParamsFile, writeRunParamsFile } from "./runs/index.js";
export type { RunParamsFile } from "./runs/index.js";

// running sweeps: local worker pool, Slurm job arrays, status
export * as queue from "./queue/index.js";

// population-based training (AutoLFADS) over a prepared collection, on the local pool or Slurm
export { pbt, defaultSearchSpace, resolveSearchSpace, checkSearchSpace, readMemberFitness, smoothCosts, shouldStop, tournament, truncation, pbtStatus, formatPbtStatus, PbtError } from "./pbt/index.js";
export type { PbtOptions, PbtResult, PbtStatus, SearchDimension, SearchSpace, SearchSpaceOverrides, MemberFitness, StopRule } from "./pbt/index.js";
export { readPbtLedger } from "./runs/pbt-ledger.js";
export { validationFitnessSeries } from "./train/fitness.js";
export type { FitnessPoint } from "./train/fitness.js";
export type { PbtLedger, PbtLedgerGeneration, PbtLedgerMember, PbtBest } from "./runs/pbt-ledger.js";
export { pbtProgressHtml, pbtLedgerRows } from "./display/pbt-view.js";
export { plotPbt } from "./display/plots/pbt.js";
export type { PbtPlotOptions } from "./display/plots/pbt.js";
export { pbtReportSection } from "./display/report/pbt-section.js";
export type { PbtProgress, PbtMemberRow } from "./display/pbt-view.js";
