/**
 * run-lfads: TF LFADS's `run_lfads.py` in lfads-ts — its flags (flags.ts), the files it reads and writes
 * (files.ts) and the driver of every `--kind` (run.ts, which loads TensorFlow.js only when it runs).
 */
export { RUN_LFADS_FLAGS, RUN_LFADS_KINDS, parseRunLfadsArgv, runParamsFromFlags } from "./flags.js";
export type { RunLfadsFlag, RunLfadsKind, RunLfadsArgs, FlagValue } from "./flags.js";
export { readModelRuns } from "./files.js";
export type { H5Values } from "./files.js";
export { runLfads, flagsToArgv } from "./run.js";
export type { RunLfadsOptions, RunLfadsResult, RunLfadsTrainResult } from "./run.js";
