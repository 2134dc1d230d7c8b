/**
 * Every file and folder name of a RunCollection, its runs and their LFADS outputs, as constants and pure
 * path functions (reference §1.6, §3.1). Nothing here touches the disk; the rooms that write or read a
 * file take its name from here, so a name changes in one place.
 *
 *   <rootPath>/<rc.name>/                       rc.path
 *     summary.txt  launch_tensorboard.sh
 *     slurm/{lfads_array_<k>.sh, tasks_<k>.txt, logs/}  slurm_jobs.json        the queue's Slurm submissions
 *     pbt/ledger.json  pbt/members/member_<k>/  population-based training: its ledger and one run folder per member
 *                                               (lfadsInput/ links to the starting run's inputs, params.json, lfadsOutput/, markers)
 *     data_<dataHash>/<runName>/                run.pathCommonData (version >= 20171107)
 *       lfads_<ds>.h5, inputInfo_<ds>.h5
 *     data_<dataHash>/                          run.pathCommonData (version < 20171107, shared by specs)
 *     param_<paramHash>/<runName>/              run.path
 *       lfadsInput/{lfads_<ds>.h5, inputInfo_<ds>.h5} -> ../../../data_<dataHash>/[<runName>/]<file>
 *       params.json  lfads_train.sh  lfads_posterior_mean_sample.sh
 *       lfads.out  lfads.running  lfads.done.train  lfads.done  lfads.failed
 *       lfadsOutput/                            run.pathLFADSOutput (also a run_lfads.py save folder)
 *         fitlog.csv  fitlog_diagnostics.csv  model_params  hyperparameters-<step>.txt
 *         lfads_vae.ckpt-<step>.h5 + checkpoint, lfads_vae_lve.ckpt-<step>.h5 + checkpoint_lve
 *         model_runs_<ds>.h5_{train,valid}_<kind>  model_runs_prior_sample   (lfads-torch: lfads_output_<ds>.h5)
 */
import * as path from "node:path";
import { NotSupportedError, ParamError } from "../core/errors.js";

/** Default RunCollection version; from this version on data folders are per run spec. */
export const DEFAULT_RC_VERSION = 20171107;
export const VERSION_PER_SPEC_DATA = 20171107;

/** Check a RunCollection version: a positive integer, and a layout lfads-ts writes (>= 3). */
export function checkVersion(version: unknown): number {
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1 || version > 4294967295) {
    throw new ParamError(`RunCollection version must be a positive integer date such as 20171107 (YYYYMMDD), got ${JSON.stringify(version)}`);
  }
  if (version < 3) {
    throw new NotSupportedError(`RunCollection version ${version} (< 3) uses the pre-2017 single-params layout, which lfads-ts does not write; use 20171107 or the date you first ran the script (YYYYMMDD)`);
  }
  return version;
}

// ---------------------------------------------------------------------------------------------------
// The collection folder

export const SUMMARY_FILE = "summary.txt";
export const TENSORBOARD_SCRIPT = "launch_tensorboard.sh";
/** MATLAB's queue launchers (named by `RunCollection`, not written by lfads-ts). */
export const RUN_QUEUE_SCRIPT = "run_lfadsqueue.py";
export const RUN_QUEUE_POSTERIOR_MEAN_ONLY_SCRIPT = "run_lfadsqueue_posteriorMeanOnly.py";

/** The queue's Slurm submissions: `<rc.path>/slurm/` (sbatch scripts, task lists, `logs/`) and the job record. */
export const SLURM_DIR = "slurm";
export const SLURM_LOGS_DIR = "logs";
export const SLURM_JOBS_FILE = "slurm_jobs.json";
/** The sbatch script of submission `k`. */
export const slurmArrayScriptName = (k: number): string => `lfads_array_${k}.sh`;
/** The run folders of submission `k`, one per array task. */
export const slurmTasksFileName = (k: number): string => `tasks_${k}.txt`;

/** Population-based training of a collection: `<rc.path>/pbt/` with its ledger and the members' run folders. */
export const PBT_DIR = "pbt";
export const PBT_LEDGER_FILE = "ledger.json";
export const PBT_MEMBERS_DIR = "members";
/** `member_03`: the run folder name of PBT member k (two digits, more when the population needs them). */
export const pbtMemberName = (k: number, population: number): string => `member_${String(k).padStart(Math.max(2, String(population - 1).length), "0")}`;
export const pbtDir = (rcPath: string): string => path.join(rcPath, PBT_DIR);
export const pbtLedgerPath = (rcPath: string): string => path.join(rcPath, PBT_DIR, PBT_LEDGER_FILE);
export const pbtMembersDir = (rcPath: string): string => path.join(rcPath, PBT_DIR, PBT_MEMBERS_DIR);

export function runPath(rcPath: string, paramHashString: string, runName: string): string {
  return path.join(rcPath, paramHashString, runName);
}

export function commonDataPath(rcPath: string, dataHashString: string, runName: string, version: number): string {
  return version >= VERSION_PER_SPEC_DATA ? path.join(rcPath, dataHashString, runName) : path.join(rcPath, dataHashString);
}

/** Link target as `ln -sfn` gets it, relative to `<run.path>/lfadsInput/`. */
export function relativeLinkTarget(dataHashString: string, runName: string, fileName: string, version: number): string {
  return version >= VERSION_PER_SPEC_DATA ? path.join("..", "..", "..", dataHashString, runName, fileName) : path.join("..", "..", "..", dataHashString, fileName);
}

// ---------------------------------------------------------------------------------------------------
// Input files (in the data folder, linked from the run's lfadsInput/)

/** The stem of the LFADS input files (TF `--data_filename_stem`): `lfads_<ds>.h5`. */
export const LFADS_INPUT_STEM = "lfads";
export const lfadsInputFileName = (ds: string): string => `${LFADS_INPUT_STEM}_${ds}.h5`;
/** Our sidecar is HDF5 (MATLAB wrote a v5 `.mat`, which we cannot write). */
export const inputInfoFileName = (ds: string): string => `inputInfo_${ds}.h5`;
export const sequenceFileName = (ds: string): string => `seq_${ds}.mat`;
/** Whether a file name is an LFADS input file (`lfads_<ds>.h5`). */
export const isLfadsInputFileName = (name: string): boolean => /^lfads_.+\.h5$/.test(name);
/** Whether a file name is an input-info sidecar (`inputInfo_<ds>.h5`). */
export const isInputInfoFileName = (name: string): boolean => /^inputInfo_.+\.h5$/.test(name);
/** Folder of the sequence files in the data folder. */
export const SEQUENCE_DIR = "seq";

// ---------------------------------------------------------------------------------------------------
// The run folder

export const LFADS_INPUT_DIR = "lfadsInput";
export const LFADS_OUTPUT_DIR = "lfadsOutput";
export const EXPORT_DIR = "export";
/** The run's RunParams, written at prepare time (see run-params-file.ts). */
export const RUN_PARAMS_FILE = "params.json";

/** `<runDir>/lfadsInput`: links to the input files, what training reads. */
export const runInputDir = (runDir: string): string => path.join(runDir, LFADS_INPUT_DIR);
/** `<runDir>/lfadsOutput`: checkpoints, fit log, model_params, posterior files. */
export const runOutputDir = (runDir: string): string => path.join(runDir, LFADS_OUTPUT_DIR);

/** The run's shell scripts (MATLAB `Run.fileShellScript…`). */
export const RUN_SCRIPTS = {
  train: "lfads_train.sh",
  posteriorMeanSample: "lfads_posterior_mean_sample.sh",
  writeModelParams: "lfads_write_model_params.sh",
} as const;

/** stdout + stderr of every stage, appended (MATLAB: the tee'd output of training). */
export const RUN_LOG = "lfads.out";
/** MATLAB's log and marker of a posterior-mean-only queue. */
export const RUN_LOG_POSTERIOR_MEAN_ONLY = "lfads.out.posteriorMeanOnly";
export const RUN_DONE_POSTERIOR_MEAN_ONLY = "lfads.done.posteriorMeanOnly";

/**
 * Marker files in a run folder, shared by the trainer, the queue, the demo and the displays:
 * `lfads.done.train` = training finished; `lfads.done` = trained and posterior sampled (as the MATLAB
 * queue's donefile); `lfads.failed` = why the last attempt failed; `lfads.running` = a worker holds it.
 */
export const RUN_MARKERS = {
  trainDone: "lfads.done.train",
  done: "lfads.done",
  failed: "lfads.failed",
  running: "lfads.running",
} as const;

// ---------------------------------------------------------------------------------------------------
// The output folder (a run's lfadsOutput/, or a run_lfads.py save folder)

/** The per-epoch training log, in TF LFADS's format. */
export const FITLOG_FILE = "fitlog.csv";
/**
 * lfads-ts's per-epoch diagnostics beside the fit log (gradient norms, clipping rate, each posterior's KL,
 * learning rate, divergence events): a CSV with a header row, so fitlog.csv keeps TF's 19 columns.
 */
export const FITLOG_DIAGNOSTICS_FILE = "fitlog_diagnostics.csv";
/** Every trained variable under its TF name (TF `--kind=write_model_params`). */
export const MODEL_PARAMS_FILE = "model_params";
/** The hyperparameters TF saves with a checkpoint at `step`. */
export const hyperparametersFileName = (step: number): string => `hyperparameters-${step}.txt`;
/** Whether a file name is a hyperparameters file (`hyperparameters-<step>.txt`). */
export const isHyperparametersFileName = (name: string): boolean => /^hyperparameters-\d+\.txt$/.test(name);

export type CheckpointKind = "rolling" | "lve";
/**
 * Checkpoints, named like TF's: `lfads_vae.ckpt-<step>.h5` (rolling) and `lfads_vae_lve.ckpt-<step>.h5`
 * (lowest validation error), each kind listed in its TF-style index file.
 */
export const CHECKPOINTS: Readonly<Record<CheckpointKind, { prefix: string; index: string }>> = {
  rolling: { prefix: "lfads_vae.ckpt-", index: "checkpoint" },
  lve: { prefix: "lfads_vae_lve.ckpt-", index: "checkpoint_lve" },
};
export const checkpointFileName = (kind: CheckpointKind, step: number): string => `${CHECKPOINTS[kind].prefix}${step}.h5`;
/**
 * The step in a checkpoint file's name — ours, or TF's `….ckpt-<step>.index/.meta/.data-…` — or
 * undefined for any other file.
 */
export function checkpointFileStep(name: string): number | undefined {
  const m = /\.ckpt-(\d+)/.exec(name);
  return m ? Number(m[1]) : undefined;
}
/** Whether a file name is a checkpoint index (`checkpoint`, `checkpoint_lve`). */
export const isCheckpointIndexName = (name: string): boolean => name === CHECKPOINTS.rolling.index || name === CHECKPOINTS.lve.index;

/** Prefix of TF LFADS's sampling outputs (`run_lfads.py --output_filename_stem` replaces it). */
export const MODEL_RUNS_PREFIX = "model_runs_";
/** The splits of posterior outputs: TF's train and valid, and the test trials of an input's test_data. */
export type PosteriorSplit = "train" | "valid" | "test";
/**
 * TF LFADS posterior file of a dataset, split and kind: `model_runs_<dataset>_<split>_<kind>`, where
 * `<dataset>` is TF's dataset name (the input file's name after the stem: `dataset001.h5`).
 */
export const modelRunsFileName = (dataset: string, split: PosteriorSplit, kind: string): string => `${MODEL_RUNS_PREFIX}${dataset}_${split}_${kind}`;
/** `--kind=prior_sample`'s output. */
export const MODEL_RUNS_PRIOR_SAMPLE = `${MODEL_RUNS_PREFIX}prior_sample`;
/** Prefix of lfads-torch's posterior outputs, `lfads_output_<input file stem>.h5`. */
export const LFADS_TORCH_OUTPUT_PREFIX = "lfads_output_";
export const lfadsTorchOutputFileName = (inputStem: string): string => `${LFADS_TORCH_OUTPUT_PREFIX}${inputStem}.h5`;
