/** Writing a RunCollection's LFADS input files: per-dataset input and inputInfo files, links, alignment matrices. */
export { needsAlignment, prepare, prepareRuns } from "./prepare.js";
export type { AlignmentForDataset, AlignmentProvider, PrepareOptions, PrepareProgress, PrepareResult } from "./prepare.js";
export { alignmentFromParams } from "./alignment-provider.js";
export { INPUT_INFO_FORMAT, toInt64, writeInputInfoFile, writeLfadsInputFile } from "./input-files.js";
