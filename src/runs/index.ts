/** RunSpec × RunParams grids, their on-disk layout and summaries (the plain data classes; see src/facade for the methods users call). */
export { RunSpec, checkFolderName } from "./run-spec.js";
export type { DatasetSelection } from "./run-spec.js";
export { Run } from "./run.js";
export { RunCollection } from "./run-collection.js";
export type { ParamSearch, RunCollectionOptions, RunSpecSearch } from "./run-collection.js";
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
