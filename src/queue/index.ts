/** Running sweeps: per-run scripts, the local worker pool, Slurm job arrays, and sweep status. */
export { SlurmError } from "./errors.js";
export { writeRunScripts, runScriptText, lfadsLauncher, TRAIN_SCRIPT, POSTERIOR_SCRIPT } from "./scripts.js";
export type { RunScriptOptions, RunScripts } from "./scripts.js";
export { discoverRuns, sweepOf, sweepRcDir, checkRunInputs, checkRunFolder, checkSweepInputs } from "./sweep-runs.js";
export type { Sweep, SweepRun, SweepSource } from "./sweep-runs.js";
export { executeRun } from "./execute.js";
export type { ExecuteOptions, RunOutcome } from "./execute.js";
export { runLocal } from "./local.js";
export type { LocalRunOptions, LocalRunResult, SweepFailure } from "./local.js";
export { progressLine, progressHtml, formatDuration } from "./progress.js";
export type { SweepProgress, SweepRunProgress, SweepRunState } from "./progress.js";
export { submitSlurm, cancelSlurm, readSlurmJobs, squeueTasks, slurmPartitions, slurmInstalled, checkPartition, SLURM_JOBS_FILE } from "./slurm.js";
export type { SlurmOptions, SlurmSubmission, SlurmJobRecord, SlurmTask, SlurmCancel, SlurmPartition } from "./slurm.js";
export { sweepStatus, formatStatus, statusSummary, RUN_STATES } from "./status.js";
export type { RunState, RunStatus, SweepStatus } from "./status.js";
export { readFailure, readRunning, trainProgress, RUN_DONE, RUN_FAILED, RUN_LOG, RUN_RUNNING, RUN_TRAIN_DONE } from "./run-files.js";
export type { FailureInfo, RunningInfo, TrainProgress } from "./run-files.js";
