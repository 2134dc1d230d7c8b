/** RunSpec × RunParams grids, their on-disk layout, summaries and prepare(). */
export { RunSpec, checkFolderName } from "./run-spec.js";
export type { DatasetSelection } from "./run-spec.js";
export { Run } from "./run.js";
export { RunCollection } from "./run-collection.js";
export type { ParamSearch, RunCollectionOptions, RunSpecSearch } from "./run-collection.js";
export { needsAlignment, prepare, prepareRuns } from "../prepare/prepare.js";
export { alignmentFromParams } from "../prepare/alignment-provider.js";
export type { AlignmentForDataset, AlignmentProvider, PrepareOptions, PrepareProgress, PrepareResult } from "../prepare/prepare.js";
export { INPUT_INFO_FORMAT, toInt64, writeInputInfoFile, writeLfadsInputFile } from "../prepare/input-files.js";
export {
  DEFAULT_RC_VERSION,
  VERSION_PER_SPEC_DATA,
  commonDataPath,
  inputInfoFileName,
  lfadsInputFileName,
  relativeLinkTarget,
  runPath,
  sequenceFileName,
} from "./layout.js";
export {
  RUN_PARAMS_CLASS,
  runCollectionDisplay,
  runCollectionSummaryText,
  runDisplay,
  runParamsLine,
  runParamsSummaryText,
  runSpecDisplay,
  runSpecSummaryText,
} from "./summary.js";
export { RUN_PARAMS_FILE, readRunParamsFile, writeRunParamsFile } from "./run-params-file.js";
export type { RunParamsFile } from "./run-params-file.js";
