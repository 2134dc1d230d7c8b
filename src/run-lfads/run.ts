/**
 * `runLfads`: TF LFADS's `run_lfads.py` in lfads-ts — the same flags (run-lfads-flags.ts), the same
 * input files (every file of --data_dir whose name starts with --data_filename_stem) and the same
 * files in --lfads_save_dir, for every `--kind`:
 *
 * | kind | writes |
 * |---|---|
 * | train | `lfads_vae.ckpt-<step>.h5` + `checkpoint`, `lfads_vae_lve.ckpt-<step>.h5` + `checkpoint_lve`, `fitlog.csv`, `hyperparameters-<step>.txt`; also `model_params` and `lfads.done` |
 * | posterior_sample_and_average | `model_runs_<ds>_{train,valid}_posterior_sample_and_average` (`--batch_size` samples per trial) |
 * | posterior_push_mean | `model_runs_<ds>_{train,valid}_posterior_push_mean` |
 * | prior_sample | `model_runs_prior_sample` (`--batch_size` trials) |
 * | write_model_params | `model_params` |
 *
 * `--output_filename_stem=<p>` replaces the `model_runs_` prefix by `<p>` and writes `<p>_model_params`,
 * as TF does; for prior_sample TF passes it as the dataset whose read-out is used (its quirk, kept).
 * The sampling kinds restore `--checkpoint_pb_load_name` (`checkpoint`: latest; `checkpoint_lve`: lowest
 * validation error, falling back to the latest with a warning when there is none yet; any other name is
 * read as a checkpoint index file in lfads_save_dir).
 *
 * TensorFlow.js is loaded here with `await import()`, so importing this module stays light.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, LayoutError, LfadsError, NotSupportedError, ParamError, ShapeError, UsageError, warn, type CliIO } from "../core/errors.js";
import type { RunParams } from "../params/run-params.js";
import { CHECKPOINTS, MODEL_PARAMS_FILE, MODEL_RUNS_PREFIX, RUN_MARKERS } from "../runs/layout.js";
import type { TrainProgress } from "../train/progress.js";
import { hyperparametersPath, readNewestHyperparameters, tfHyperparameters, writeHyperparameters } from "../train/hyperparameters.js";
import { RUN_MANAGER_STEM } from "../train/input-files.js";
import { newestListedCheckpoint } from "../runs/checkpoint-index.js";
import { checkpointStep, describeDims, inputSummary, recordedFlags, type InputSummary } from "./files.js";
import { formatFlagValue, MAX_INT, parseRunLfadsArgv, runLfadsFlag, runParamsFromFlags, type FlagValue, type RunLfadsArgs, type RunLfadsKind } from "./flags.js";

export interface RunLfadsOptions {
  /** Where messages go (default: the process's stdout / stderr). */
  io?: CliIO;
  /** Training progress (kind=train). Default: one line per epoch on `io.out`. */
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  /** Stop training or sampling early (as a kill would). */
  signal?: AbortSignal;
}

export interface RunLfadsTrainResult {
  stopReason: string;
  epochs: number;
  steps: number;
  resumedFromStep: number | undefined;
  secondsPerStep: number;
  lveCheckpoint: string | undefined;
}

export interface RunLfadsResult {
  kind: RunLfadsKind;
  saveDir: string;
  dataDir: string;
  datasetNames: string[];
  /** Output files written (posterior / prior samples, model_params, the hyperparameters file); not checkpoints. */
  files: string[];
  /** The checkpoint restored (sampling kinds) or the last one written (train). */
  checkpoint: string | undefined;
  /** Global step of that checkpoint. */
  step: number;
  /** The RunParams the flags map to. */
  params: RunParams;
  train?: RunLfadsTrainResult;
}

const processIO: CliIO = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/** `{co_dim: 1, do_causal_controller: false}` → `["--co_dim=1", "--do_causal_controller=false"]`. */
export function flagsToArgv(flags: Readonly<Record<string, FlagValue>>): string[] {
  return Object.entries(flags).map(([k, v]) => `--${k}=${Array.isArray(v) ? v.join(",") : formatFlagValue(v as FlagValue)}`);
}

/**
 * Run one `--kind` of run_lfads.py. `flags` is argv (`["--kind=train", "--data_dir=…", …]`) or an
 * object of flag values (`{ kind: "train", data_dir: "…", co_dim: 1 }`).
 */
export async function runLfads(flags: readonly string[] | Readonly<Record<string, FlagValue>>, options: RunLfadsOptions = {}): Promise<RunLfadsResult> {
  const argv = Array.isArray(flags) ? (flags as readonly string[]) : flagsToArgv(flags as Readonly<Record<string, FlagValue>>);
  return runParsed(parseRunLfadsArgv(argv), options);
}

function nonNegativeInt(args: RunLfadsArgs, name: string, min = 0): number {
  const v = args.values[name] as number;
  if (!Number.isSafeInteger(v) && v !== MAX_INT) throw new UsageError(`invalid value for --${name}: ${formatFlagValue(v)} (expected an integer)`);
  if (v < min) throw new UsageError(`invalid value for --${name}: ${formatFlagValue(v)} (expected an integer >= ${min})`);
  return v;
}

/** Our errors speak of RunParams (`c_batch_size`); a run_lfads.py user knows the flag (`--batch_size`). */
function inFlagTerms(e: unknown): unknown {
  if (!(e instanceof LfadsError)) return e;
  const msg = e.message.replace(/\bc_([a-z0-9_]+)\b/g, (m, name: string) => (runLfadsFlag(name) ? `--${name}` : m));
  if (msg === e.message) return e;
  for (const C of [ParamError, ShapeError, LayoutError, DataError, NotSupportedError]) if (e.constructor === C) return new C(msg, { cause: e });
  return e;
}

export async function runParsed(args: RunLfadsArgs, options: RunLfadsOptions = {}): Promise<RunLfadsResult> {
  try {
    return await runChecked(args, options);
  } catch (e) {
    throw inFlagTerms(e);
  }
}

/** Flags that are not RunParams: supported values, or NotSupportedError naming the flag. */
function checkNonParamFlags(args: RunLfadsArgs, kind: RunLfadsKind, io: CliIO): void {
  const v = args.values;
  if (v.checkpoint_name !== "lfads_vae") {
    throw new NotSupportedError(`not supported: --checkpoint_name=${String(v.checkpoint_name)}; lfads-ts names its checkpoints lfads_vae.ckpt-<step>.h5 and lfads_vae_lve.ckpt-<step>.h5 (only the default 'lfads_vae' is supported)`);
  }
  if (v.csv_log !== "fitlog") {
    throw new NotSupportedError(`not supported: --csv_log=${String(v.csv_log)}; lfads-ts writes its fit log as fitlog.csv (only the default 'fitlog' is supported)`);
  }
  if (v.do_train_io_only === true && v.do_train_encoder_only === true) {
    throw new UsageError("--do_train_io_only and --do_train_encoder_only both restrict the trained variables; choose one");
  }
  const load = String(v.checkpoint_pb_load_name);
  if (kind === "train" && load !== CHECKPOINTS.rolling.index && load !== "") {
    throw new NotSupportedError(`not supported: --checkpoint_pb_load_name=${load} with --kind=train; training resumes from the newest rolling checkpoint ('checkpoint')`);
  }
  for (const name of ["device", "allow_gpu_growth"] as const) {
    if (args.given.has(name)) {
      io.err(`note: --${name}=${formatFlagValue(v[name]!)} has no effect in lfads-ts: TensorFlow.js picks its backend at run time (LFADS_BACKEND=cpu|wasm|tensorflow chooses one) and manages its own memory\n`);
    }
  }
}

async function runChecked(args: RunLfadsArgs, options: RunLfadsOptions): Promise<RunLfadsResult> {
  const io = options.io ?? processIO;
  const v = args.values;
  const kind = v.kind as RunLfadsKind;
  checkNonParamFlags(args, kind, io);
  const seed = nonNegativeInt(args, "seed");
  const maxEpochs = nonNegativeInt(args, "max_epochs");
  const maxSteps = nonNegativeInt(args, "max_steps");
  const psN = nonNegativeInt(args, "ps_nexamples_to_process", 1);
  const params = runParamsFromFlags(args);
  const dataDir = path.resolve(String(v.data_dir));
  const stem = String(v.data_filename_stem);
  const saveDir = path.resolve(String(v.lfads_save_dir));
  const summary = await inputSummary(dataDir, stem);
  const flags = recordedFlags(v);
  fs.mkdirSync(saveDir, { recursive: true });
  io.out(`lfads run-lfads --kind=${kind}: ${summary.files.length} dataset(s) from ${dataDir} with stem '${stem}' (${summary.datasetNames.join(", ")}), ${describeDims(summary)}; saving in ${saveDir}\n`);
  const base = { kind, saveDir, dataDir, datasetNames: summary.datasetNames, params };

  if (kind === "train") return { ...base, ...(await train(args, params, { dataDir, stem, saveDir, flags, seed, maxEpochs, maxSteps }, io, options)) };

  const load = String(v.checkpoint_pb_load_name) || CHECKPOINTS.rolling.index;
  const ckptFile = resolveCheckpointFile(saveDir, load);
  const step = checkpointStep(ckptFile);
  io.out(`  restoring ${path.basename(ckptFile)} (step ${step}, --checkpoint_pb_load_name=${load})\n`);
  const prefix = String(v.output_filename_stem);
  const hps = tfHyperparameters(flags, kind, summary);
  const files: string[] = [];
  const stage = new Staging(saveDir);
  try {
    const inputDir = stem === RUN_MANAGER_STEM ? dataDir : stage.inputs(summary);
    const batch = v.batch_size as number;
    await withArchitectureHint(saveDir, hps, async () => {
      if (kind === "posterior_sample_and_average" || kind === "posterior_push_mean") {
        const { samplePosterior } = await import("../posterior/sample.js");
        const outDir = prefix === "" ? saveDir : stage.outputs();
        const r = await samplePosterior(
          { inputDir, outputDir: outDir, params },
          {
            kind, numSamples: batch, checkpointFile: ckptFile, overwrite: true, seed, quiet: true,
            ...(psN < MAX_INT ? { maxTrials: psN } : {}), ...(options.signal ? { signal: options.signal } : {}),
            onProgress: (p) => {
              if (p.event === "file") io.out(`  ${p.datasetName} ${p.split}: ${p.trialsTotal} trials${kind === "posterior_sample_and_average" ? ` × ${batch} samples` : ""} (${p.trialsPerSecond.toFixed(1)} trials/s)\n`);
            },
          },
        );
        if (r.aborted) throw new LfadsError("posterior sampling was aborted; the files of the splits not finished were not written");
        for (const f of r.written) files.push(prefix === "" ? f : stage.publish(f, prefix + path.basename(f).replace(MODEL_RUNS_PREFIX, "")));
      } else if (kind === "prior_sample") {
        const { writePriorSamples } = await import("../posterior/prior-sample.js");
        let datasetIndex = 0;
        if (prefix !== "") {
          // run_lfads.py passes output_filename_stem as write_model_samples's dataset_name.
          const names = stem === RUN_MANAGER_STEM ? summary.datasetNames : stage.stagedOrder;
          datasetIndex = names.indexOf(prefix);
          if (datasetIndex < 0) {
            throw new ParamError(
              `--output_filename_stem='${prefix}' with --kind=prior_sample: run_lfads.py uses it as the name of the dataset whose read-out maps factors to rates, and there is no dataset '${prefix}' (datasets: ${summary.datasetNames.join(", ")}); leave it empty for the first dataset`,
            );
          }
        }
        const r = await writePriorSamples({ inputDir, outputDir: saveDir, params }, { numSamples: batch, datasetIndex, checkpointFile: ckptFile, seed });
        io.out(`  ${r.numSamples} trials from the prior, read out through ${r.datasetName}\n`);
        files.push(r.file);
      } else {
        const { writeModelParams } = await import("../posterior/write-model-params.js");
        const outDir = prefix === "" ? saveDir : stage.outputs();
        const r = await writeModelParams({ outputDir: outDir }, { checkpointFile: ckptFile });
        files.push(prefix === "" ? r.file : stage.publish(r.file, `${prefix}_${MODEL_PARAMS_FILE}`));
      }
    });
  } finally {
    stage.dispose();
  }
  files.push(writeHyperparameters(saveDir, step, hps));
  for (const f of files) io.out(`  wrote ${f}\n`);
  return { ...base, files, checkpoint: ckptFile, step };
}

interface TrainSetup {
  dataDir: string;
  stem: string;
  saveDir: string;
  /** The flags hyperparameters-<step>.txt records (trainRun writes it). */
  flags: Record<string, FlagValue>;
  seed: number;
  maxEpochs: number;
  maxSteps: number;
}

async function train(args: RunLfadsArgs, params: RunParams, s: TrainSetup, io: CliIO, options: RunLfadsOptions): Promise<Pick<RunLfadsResult, "files" | "checkpoint" | "step" | "train">> {
  const v = args.values;
  const { trainRun } = await import("../train/train-run.js");
  const { formatProgress } = await import("../train/progress.js");
  const trainOnly = v.do_train_io_only === true ? "io" : v.do_train_encoder_only === true ? "encoder" : undefined;
  if (trainOnly) io.out(`  training only the ${trainOnly === "io" ? "read-in and read-out maps (--do_train_io_only)" : "IC encoder and g0 posterior (--do_train_encoder_only)"}\n`);
  const r = await trainRun(
    { inputDir: s.dataDir, outputDir: s.saveDir, params, doneFile: path.join(s.saveDir, RUN_MARKERS.done), dataFilenameStem: s.stem },
    {
      quiet: true, seed: s.seed, flags: s.flags,
      ...(s.maxEpochs > 0 ? { maxEpochs: s.maxEpochs } : {}), ...(s.maxSteps > 0 ? { maxSteps: s.maxSteps } : {}),
      ...(v.do_reset_learning_rate === true ? { resetLearningRate: true } : {}), ...(trainOnly ? { trainOnly } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: async (p) => {
        if (options.onProgress) await options.onProgress(p);
        else if (p.kind === "epoch" || params.values.c_debug_print_each_step) io.out(`${formatProgress(p)}\n`);
      },
    },
  );
  // trainRun wrote hyperparameters-<step>.txt at the step it started from.
  const files = [hyperparametersPath(s.saveDir, r.resumedFromStep ?? 0), ...(r.modelParams ? [r.modelParams] : [])];
  if (r.resumedFromStep !== undefined) io.out(`  resumed from step ${r.resumedFromStep}\n`);
  io.out(`  ${r.stopReason === "aborted" ? "aborted" : `done (${r.stopReason})`} after ${r.epochs} epochs, ${r.steps} steps (${r.secondsPerStep.toFixed(3)} s/step, ${r.backend.description})\n`);
  for (const f of [r.checkpoint, r.lveCheckpoint, ...files]) if (f) io.out(`  wrote ${f}\n`);
  return {
    files, checkpoint: r.checkpoint, step: r.steps,
    train: { stopReason: r.stopReason, epochs: r.epochs, steps: r.steps, resumedFromStep: r.resumedFromStep, secondsPerStep: r.secondsPerStep, lveCheckpoint: r.lveCheckpoint },
  };
}

/** The checkpoint file that `--checkpoint_pb_load_name` names in `saveDir`. */
function resolveCheckpointFile(saveDir: string, load: string): string {
  const found = newestListedCheckpoint(saveDir, load);
  if (found) return found;
  if (load === CHECKPOINTS.lve.index) {
    const latest = newestListedCheckpoint(saveDir, CHECKPOINTS.rolling.index);
    if (latest) {
      warn(`${saveDir} has no lowest-validation-error checkpoint yet (one is saved once the KL and L2 ramps are complete and the validation cost improves); using the latest checkpoint ${path.basename(latest)}`);
      return latest;
    }
  }
  const what = load === CHECKPOINTS.rolling.index ? "no rolling checkpoint ('checkpoint' index)" : load === CHECKPOINTS.lve.index ? "no checkpoint ('checkpoint_lve' / 'checkpoint' index)" : `no checkpoint index '${load}'`;
  throw new LayoutError(`${what} in ${saveDir}; train first (lfads run-lfads --kind=train with the same --lfads_save_dir)`);
}

/**
 * A hidden scratch folder in lfads_save_dir: the inputs under the Run Manager's `lfads_<name>` names
 * (symlinks), so that the samplers see the stem's dataset names; and an output folder for files that
 * get TF's `--output_filename_stem` names when published.
 */
class Staging {
  private dir: string | undefined;
  stagedOrder: string[] = [];

  constructor(private readonly saveDir: string) {}

  private root(): string {
    this.dir ??= fs.mkdtempSync(path.join(this.saveDir, ".run-lfads-"));
    return this.dir;
  }

  inputs(summary: InputSummary): string {
    const dir = path.join(this.root(), "inputs");
    fs.mkdirSync(dir);
    for (const f of summary.files) fs.symlinkSync(path.resolve(f.file), path.join(dir, `${RUN_MANAGER_STEM}_${f.name}`));
    this.stagedOrder = summary.files.map((f) => f.name).sort((a, b) => (`${RUN_MANAGER_STEM}_${a}` < `${RUN_MANAGER_STEM}_${b}` ? -1 : 1));
    return dir;
  }

  outputs(): string {
    const dir = path.join(this.root(), "outputs");
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Move a staged output to `<saveDir>/<name>`. */
  publish(file: string, name: string): string {
    const dest = path.join(this.saveDir, name);
    fs.renameSync(file, dest);
    return dest;
  }

  dispose(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Keys of hyperparameters-<step>.txt that do not shape the model (so may differ between kinds). */
const NOT_ARCHITECTURE = new Set([
  "kind", "batch_size", "checkpoint_pb_load_name", "output_filename_stem", "ps_nexamples_to_process", "lfads_save_dir", "data_dir", "device", "csv_log",
  "learning_rate_init", "learning_rate_decay_factor", "learning_rate_stop", "learning_rate_n_to_compare", "max_grad_norm", "keep_prob", "temporal_spike_jitter_width",
  "kl_start_step", "kl_increase_steps", "l2_start_step", "l2_increase_steps", "do_train_io_only", "do_train_encoder_only", "do_reset_learning_rate",
  "max_ckpt_to_keep", "max_ckpt_to_keep_lve", "checkpoint_name",
]);

/**
 * Run `fn`; when the checkpoint does not fit the model these flags build, add which flags differ from
 * the newest hyperparameters-<step>.txt in saveDir (TF: "All other flags should be the same as used in
 * training, so that the same model architecture is built").
 */
async function withArchitectureHint(saveDir: string, hps: Record<string, unknown>, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof LayoutError) || !/does not fit the model/.test(e.message)) throw e;
    const saved = readNewestHyperparameters(saveDir);
    if (!saved) throw e;
    const diffs = Object.keys(hps)
      .filter((k) => !NOT_ARCHITECTURE.has(k) && k in saved.values && JSON.stringify(saved.values[k]) !== JSON.stringify(hps[k]))
      .map((k) => `--${k}=${String(saved.values[k])} (given: ${String(hps[k])})`);
    if (diffs.length === 0) throw e;
    throw new LayoutError(`${e.message} Use the flags of the training run: ${path.basename(saved.file)} has ${diffs.slice(0, 8).join(", ")}${diffs.length > 8 ? ", …" : ""}`, { cause: e });
  }
}
