/**
 * `trainRun`: train LFADS on a run's inputs (`<run>/lfadsInput/lfads_*.h5`) and write TF-style outputs
 * to `<run>/lfadsOutput/`: rolling and lowest-validation-error checkpoints, fitlog.csv (plus lfads-ts's
 * fitlog_diagnostics.csv), hyperparameters-<step>.txt, model_params, and the `lfads.done` marker in the
 * run folder on success. After the KL/L2 ramps a divergence watch checks every epoch and, by default,
 * rewinds to the LVE checkpoint with a lower learning rate when it fires (divergence.ts, recovery.ts).
 *
 * Checkpointing: a rolling checkpoint after every epoch (`checkpointEveryEpochs`, default 1; TF used 10),
 * keeping c_max_ckpt_to_keep; an LVE checkpoint when both ramps are complete and the validation cost
 * is the lowest so far, keeping c_max_ckpt_to_keep_lve. A run that is killed (or aborted through
 * `signal`) and started again resumes from the newest rolling checkpoint, with fitlog.csv rewritten
 * to that checkpoint's epochs; because the checkpoint holds the RNG state, the resumed run follows the
 * same path as an uninterrupted one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LfadsError, ParamError } from "../core/errors.js";
import type { RunParams } from "../params/run-params.js";
import { selectBackend, type BackendInfo, type BackendName } from "../model/ops/backend.js";
import { modelConfigFromRunParams } from "../model/config.js";
import { checkOutputDist } from "../model/observation/registry.js";
import { activeGruImplementation } from "../model/ops/gru-recurrence.js";
import { describeKernels, FUSED_KERNELS_NAME } from "../kernels/describe.js";
import { LfadsModel } from "../model/lfads.js";
import type { LfadsConfig } from "../model/config.js";
import { checkBatchSize, epochBatches, type SplitSize } from "./batching.js";
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { TrainingDivergedError } from "./errors.js";
import { diagnosticsLine, epochDiagnostics, writeDiagnostics } from "./diagnostics.js";
import { divergenceRule, DivergenceWatch, type DivergenceEvent, type DivergenceRule } from "./divergence.js";
import { fitlogLine, writeFitlog, type EpochCosts } from "./fitlog.js";
import { runManagerFlags, tfHyperparameters, writeHyperparameters, type HyperparameterFlags } from "./hyperparameters.js";
import { dataDims, loadLfadsInputs, type InputData } from "./input-data.js";
import { listInputFilesByStem, RUN_MANAGER_STEM } from "./input-files.js";
import { writeModelParams } from "./outputs.js";
import { formatProgress, type ProgressCallback, type TrainProgress } from "./progress.js";
import { actOnDivergence } from "./recovery.js";
import { trainConfigFromRunParams, type TrainConfig } from "./train-config.js";
import { Trainer, type StepStats, type TrainSubset } from "./trainer.js";
import { MODEL_PARAMS_FILE, RUN_MARKERS, runInputDir, runOutputDir } from "../runs/layout.js";

/** Explicit folders, for runs outside the Run Manager layout. */
export interface TrainRunSpec {
  inputDir: string;
  outputDir: string;
  params: RunParams;
  /** Success marker; default `<dirname(outputDir)>/lfads.done`. */
  doneFile?: string;
  /** Input files are those of inputDir whose names start with this stem (TF `--data_filename_stem`); default `lfads`. */
  dataFilenameStem?: string;
}

/**
 * Marker of a finished training, in the run folder. `lfads.done` itself means "trained and posterior
 * sampled" (the queue writes it after both stages, as the Run Manager's queue did).
 */
const TRAIN_DONE_FILE = RUN_MARKERS.trainDone;

/** Anything with a run folder and its params (e.g. a Run of src/runs). */
export interface RunLike {
  path: string;
  params: RunParams;
}

export interface TrainRunOptions {
  /** Params when `target` is a run folder path. */
  params?: RunParams;
  onProgress?: ProgressCallback;
  /** Stop (successfully) once this many epochs are complete in total. */
  maxEpochs?: number;
  /** Stop (successfully) once this many training steps are done in total; the last epoch is cut short. */
  maxSteps?: number;
  /** Abort like a kill: stop before the next step, write nothing more. */
  signal?: AbortSignal;
  /** Seed of initialisation, batching, sampling and dropout (default 0). Resumed runs keep their checkpoint's stream. */
  seed?: number;
  /** Force a backend (else LFADS_BACKEND or the fastest available). */
  backend?: BackendName;
  checkpointEveryEpochs?: number;
  /** TF do_reset_learning_rate: restart the learning rate at c_learning_rate_init after resuming. */
  resetLearningRate?: boolean;
  /** No terminal output. */
  quiet?: boolean;
  /**
   * Train only a subset of the variables, as TF's flags do: "io" = the read-ins (when trainable) and
   * read-outs (`do_train_io_only`), "encoder" = the IC encoder and the g0 posterior (`do_train_encoder_only`).
   */
  trainOnly?: TrainSubset;
  /**
   * When the divergence watch fires (validation cost well above its lowest for several epochs, or the KL
   * jumping or collapsing tenfold, after the ramps): true (default) restores the lowest-validation-error
   * checkpoint's weights and Adam moments and halves the learning rate, then goes on; false only reports.
   * Either way the log, the progress events and fitlog_diagnostics.csv say so.
   */
  recoverDivergence?: boolean;
  /** The watch's thresholds (default DEFAULT_DIVERGENCE_RULE). */
  divergenceRule?: Partial<DivergenceRule>;
  /**
   * The run_lfads.py flags that hyperparameters-<step>.txt records (`lfads run-lfads` passes those it
   * was given). Default: the flags the Run Manager passes for the params (runManagerFlags).
   */
  flags?: HyperparameterFlags;
}

export type StopReason = "learning_rate" | "max_epochs" | "max_steps" | "aborted";

export interface TrainRunResult {
  outputDir: string;
  stopReason: StopReason;
  epochs: number;
  steps: number;
  resumedFromStep: number | undefined;
  checkpoint: string | undefined;
  lveCheckpoint: string | undefined;
  modelParams: string | undefined;
  backend: BackendInfo;
  /** Mean seconds per training step in this call. */
  secondsPerStep: number;
}

function resolveTarget(target: string | RunLike | TrainRunSpec, opts: TrainRunOptions): Required<TrainRunSpec> {
  if (typeof target === "string" || "path" in target) {
    const dir = typeof target === "string" ? target : target.path;
    const params = typeof target === "string" ? opts.params : target.params;
    if (!params) throw new ParamError(`trainRun('${dir}'): pass the run's params as options.params (or call trainRun(run) with a Run)`);
    return { inputDir: runInputDir(dir), outputDir: runOutputDir(dir), params, doneFile: path.join(dir, TRAIN_DONE_FILE), dataFilenameStem: RUN_MANAGER_STEM };
  }
  return { ...target, doneFile: target.doneFile ?? path.join(path.dirname(target.outputDir), TRAIN_DONE_FILE), dataFilenameStem: target.dataFilenameStem ?? RUN_MANAGER_STEM };
}

/** What training needs, read and checked before a model is built. */
interface TrainingSetup {
  spec: Required<TrainRunSpec>;
  backend: BackendInfo;
  /** Backend and GRU implementation, for progress lines. */
  backendLabel: string;
  tcfg: TrainConfig;
  mcfg: LfadsConfig;
  data: InputData;
  trainSizes: SplitSize[];
  validSizes: SplitSize[];
}

/** Pick the backend, load the inputs and derive the configs; fails on c_batch_size before any file is written. */
async function prepareTraining(spec: Required<TrainRunSpec>, options: TrainRunOptions): Promise<TrainingSetup> {
  const backend = await selectBackend(options.backend);
  const nd = listInputFilesByStem(spec.inputDir, spec.dataFilenameStem).length;
  const tcfg = trainConfigFromRunParams(spec.params, Math.max(1, nd));
  const v = spec.params.values;
  const data = await loadLfadsInputs(spec.inputDir, { outputDist: checkOutputDist(v.c_output_dist, "c_output_dist"), extInputDim: v.c_ext_input_dim, reduceTimestepsTo: tcfg.reduceTimestepsTo, stem: spec.dataFilenameStem });
  const mcfg = modelConfigFromRunParams(spec.params, dataDims(data));
  const trainSizes = data.datasets.map((d) => ({ name: d.name, numTrials: d.train.numTrials }));
  const validSizes = data.datasets.map((d) => ({ name: d.name, numTrials: d.valid.numTrials }));
  checkBatchSize(tcfg.batchSize, trainSizes, "train");
  checkBatchSize(tcfg.batchSize, validSizes, "valid");
  fs.mkdirSync(spec.outputDir, { recursive: true });
  return { spec, backend, backendLabel: backendLabel(backend), tcfg, mcfg, data, trainSizes, validSizes };
}

/** "TF.js wasm (SIMD, 1 thread); recurrences in native avx2 (256-bit vectors), 2 threads": the fused kernels' name alone does not say native or wasm. */
function backendLabel(backend: BackendInfo): string {
  const impl = activeGruImplementation();
  const kernels = impl === FUSED_KERNELS_NAME ? describeKernels() : `${impl} (op by op)`;
  return `TF.js ${backend.description}; recurrences in ${kernels}`;
}

function mean(xs: StepStats[], key: "cost" | "recon" | "kl"): number {
  return xs.reduce((a, s) => a + s[key], 0) / Math.max(1, xs.length);
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * One trainRun call: the model and trainer, the checkpoints written so far, and the timing of this
 * call's steps. Steps: resume, writeStartFiles, then runEpoch until stopReason says why to stop, then finish.
 */
class TrainingSession {
  readonly model: LfadsModel;
  readonly trainer: Trainer;
  private watch: DivergenceWatch;
  private lastCkpt: string | undefined;
  private lastCkptStep = 0;
  private lveCkpt: string | undefined;
  private resumedFrom: number | undefined;
  /** When training started (after resuming and writing the start files), for elapsedSeconds. */
  private t0 = 0;
  private stepSeconds = 0;
  private stepsThisCall = 0;

  constructor(
    private readonly setup: TrainingSetup,
    private readonly options: TrainRunOptions,
  ) {
    const seed = options.seed ?? 0;
    this.model = new LfadsModel(setup.mcfg, { seed });
    this.trainer = new Trainer(this.model, setup.data, setup.tcfg, seed, options.trainOnly);
    this.watch = new DivergenceWatch(options.divergenceRule);
  }

  private log(line: string): void {
    if (!this.options.quiet) process.stdout.write(line + "\n");
  }

  /** Continue from the newest rolling checkpoint, if any (the LVE one is only remembered). */
  async resume(): Promise<void> {
    const { outputDir } = this.setup.spec;
    this.lastCkpt = latestCheckpoint(outputDir, "rolling");
    this.lveCkpt = latestCheckpoint(outputDir, "lve");
    if (!this.lastCkpt) return;
    const trainer = this.trainer;
    trainer.restore(await loadCheckpoint(this.lastCkpt));
    // A checkpoint from before the watch existed: start its windows afresh from the run's lowest cost.
    this.watch = new DivergenceWatch(this.options.divergenceRule, trainer.divergence ?? { lowest: trainer.lowestValidCost, valid: [], kl: [] });
    this.resumedFrom = this.lastCkptStep = trainer.step;
    if (this.options.resetLearningRate) trainer.schedule.learningRate = this.setup.tcfg.learningRateInit;
    this.log(`lfads: resuming from ${path.basename(this.lastCkpt)} (step ${trainer.step}, ${trainer.epochsDone} epochs done)`);
  }

  /** fitlog.csv as of the checkpoint, hyperparameters-<step>.txt, no done marker; the variables when verbose. */
  writeStartFiles(): void {
    const { spec, data, mcfg, tcfg } = this.setup;
    writeFitlog(spec.outputDir, this.trainer.fitlog);
    writeDiagnostics(spec.outputDir, this.trainer.diagnostics);
    const flags = this.options.flags ?? runManagerFlags(spec.params, { dataDir: spec.inputDir, saveDir: spec.outputDir, stem: spec.dataFilenameStem }, tcfg);
    writeHyperparameters(spec.outputDir, this.trainer.step, tfHyperparameters(flags, "train", { numSteps: data.numSteps, ...(data.reconSteps !== undefined ? { reconSteps: data.reconSteps } : {}), datasets: mcfg.datasets }));
    fs.rmSync(spec.doneFile, { force: true });
    if (tcfg.verbose) {
      for (const p of this.model.variables()) this.log(`    ${p.name} [${p.shape.join(", ")}]${p.trainable ? "" : " (fixed)"}`);
      this.log(`Total model parameters: ${this.model.parameterCount()}`);
    }
    this.log(`lfads: training on ${this.setup.backendLabel}`);
    this.t0 = performance.now();
  }

  /** Why to stop before the next epoch, if at all. */
  stopReason(): StopReason | undefined {
    const { maxEpochs, maxSteps } = this.options;
    if (maxEpochs !== undefined && this.trainer.epochsDone >= maxEpochs) return "max_epochs";
    if (maxSteps !== undefined && this.trainer.step >= maxSteps) return "max_steps";
    if (this.trainer.schedule.shouldStop()) return "learning_rate";
    return undefined;
  }

  /** Train one epoch (cut short at maxSteps), then validate and checkpoint. False when aborted. */
  async runEpoch(): Promise<boolean> {
    const { tcfg, trainSizes } = this.setup;
    const { maxSteps, signal } = this.options;
    const trainer = this.trainer;
    const epoch = trainer.epochsDone;
    const batches = epochBatches(tcfg.batchSize, trainSizes, trainer.rng, "train");
    const steps: StepStats[] = [];
    const tEpoch = performance.now();
    for (const ref of batches) {
      if (signal?.aborted) return false;
      if (maxSteps !== undefined && trainer.step >= maxSteps) break;
      const ts = performance.now();
      const s = trainer.trainStep(ref, (bad) => this.diverged(bad, epoch));
      this.stepSeconds += (performance.now() - ts) / 1000;
      this.stepsThisCall += 1;
      steps.push(s);
      await this.emit(this.progress("step", epoch, steps.length, batches.length, s, undefined, tEpoch));
      await yieldToEventLoop();
    }
    await this.endEpoch(epoch, steps, batches.length, tEpoch);
    return true;
  }

  /**
   * Validation costs, the fit-log and diagnostics lines, the learning-rate schedule, the LVE checkpoint,
   * the divergence watch (and recovery), the rolling checkpoint and the epoch report.
   */
  private async endEpoch(epoch: number, steps: StepStats[], stepsPerEpoch: number, tEpoch: number): Promise<void> {
    const { spec, tcfg, validSizes, backend } = this.setup;
    const trainer = this.trainer;
    const last = steps[steps.length - 1];
    if (!last) throw new LfadsError("trainRun: an epoch ran no training step"); // unreachable: stopReason checks maxSteps
    const learningRate = trainer.schedule.learningRate;
    const va = epochBatches(tcfg.batchSize, validSizes, trainer.rng, "valid").map((ref) => trainer.evalBatch(ref, "valid"));
    const trainMeans: EpochCosts = { total: mean(steps, "cost"), recon: mean(steps, "recon"), kl: mean(steps, "kl") };
    const validMeans: EpochCosts = { total: mean(va, "cost"), recon: mean(va, "recon"), kl: mean(va, "kl") };
    trainer.fitlog.push(fitlogLine({ epoch, step: trainer.step, train: trainMeans, valid: validMeans, l2: last.l2, klWeight: last.weights.kl, l2Weight: last.weights.l2 }));
    trainer.schedule.afterEpoch(trainMeans.total);
    trainer.validCount += 1;
    trainer.epochsDone += 1;
    const v = spec.params.values;
    const rampsDone = last.weights.kl >= 1 && (last.weights.l2 >= 1 || (v.c_l2_gen_scale === 0 && v.c_l2_con_scale === 0));
    if (rampsDone && trainer.validCount >= 2 && validMeans.total < trainer.lowestValidCost) {
      trainer.lowestValidCost = validMeans.total;
      this.lveCkpt = await saveCheckpoint(spec.outputDir, "lve", trainer.snapshot(backend.name), tcfg.maxCkptToKeepLve);
    }
    const divergence = await this.watchDivergence(epoch, validMeans, rampsDone);
    const diagnostics = epochDiagnostics({ epoch, step: trainer.step, learningRate, maxGradNorm: tcfg.maxGradNorm }, steps, va, divergence?.message ?? "");
    trainer.diagnostics.push(diagnosticsLine(diagnostics));
    writeFitlog(spec.outputDir, trainer.fitlog);
    writeDiagnostics(spec.outputDir, trainer.diagnostics);
    if (trainer.epochsDone % Math.max(1, this.options.checkpointEveryEpochs ?? 1) === 0) await this.saveRolling();
    const epochStats = { ...last, cost: trainMeans.total, recon: trainMeans.recon, kl: trainMeans.kl };
    const report = this.progress("epoch", epoch, steps.length, stepsPerEpoch, epochStats, validMeans, tEpoch);
    report.diagnostics = diagnostics;
    if (divergence) report.divergence = divergence;
    await this.emit(report); // formatProgress adds the divergence line to the epoch's line
  }

  /** Feed the epoch to the divergence watch; on a verdict, recover (or report) and say what was done. */
  private async watchDivergence(epoch: number, valid: EpochCosts, rampsDone: boolean): Promise<DivergenceEvent | undefined> {
    const verdict = this.watch.observe({ validTotal: valid.total, validKl: valid.kl, rampsDone });
    const event = verdict ? await actOnDivergence(this.trainer, verdict, epoch, this.lveCkpt, this.options.recoverDivergence ?? true) : undefined;
    this.trainer.divergence = this.watch.state();
    return event;
  }

  private async saveRolling(): Promise<string> {
    const { spec, tcfg, backend } = this.setup;
    this.lastCkpt = await saveCheckpoint(spec.outputDir, "rolling", this.trainer.snapshot(backend.name), tcfg.maxCkptToKeep);
    this.lastCkptStep = this.trainer.step;
    return this.lastCkpt;
  }

  /** A rolling checkpoint of the last step, model_params from the LVE checkpoint (else that one), the done marker. */
  async finish(reason: StopReason): Promise<TrainRunResult> {
    const { spec } = this.setup;
    const rolling = this.lastCkpt && this.lastCkptStep === this.trainer.step ? this.lastCkpt : await this.saveRolling();
    const modelParams = path.join(spec.outputDir, MODEL_PARAMS_FILE);
    await writeModelParams(modelParams, await loadCheckpoint(this.lveCkpt ?? rolling));
    fs.writeFileSync(spec.doneFile, "");
    this.log(`lfads: done (${reason}) after ${this.trainer.epochsDone} epochs, ${this.trainer.step} steps`);
    return this.result(reason, modelParams);
  }

  result(reason: StopReason, modelParamsPath?: string): TrainRunResult {
    return {
      outputDir: this.setup.spec.outputDir, stopReason: reason, epochs: this.trainer.epochsDone, steps: this.trainer.step, resumedFromStep: this.resumedFrom,
      checkpoint: this.lastCkpt, lveCheckpoint: this.lveCkpt, modelParams: modelParamsPath, backend: this.setup.backend,
      secondsPerStep: this.stepSeconds / Math.max(1, this.stepsThisCall),
    };
  }

  private diverged(s: StepStats, epoch: number): never {
    const step = this.trainer.step;
    const where = this.lastCkpt ? `${this.lastCkpt} (step ${this.lastCkptStep})` : "none (no checkpoint written yet)";
    throw new TrainingDivergedError(
      `training stopped: non-finite ${Number.isFinite(s.cost) ? "gradient norm" : "cost"} (cost ${s.cost}, gradient norm ${s.gradNorm}) at step ${step} (epoch ${epoch}); last good checkpoint: ${where}. ` +
        `Restarting resumes from that checkpoint; lowering c_learning_rate_init or c_cell_clip_value usually helps.`,
      step,
      this.lastCkpt,
    );
  }

  private async emit(p: TrainProgress): Promise<void> {
    if (this.options.onProgress) await this.options.onProgress(p);
    else if (p.kind === "epoch" || this.setup.tcfg.printEachStep) this.log(formatProgress(p));
  }

  private progress(kind: "step" | "epoch", epoch: number, k: number, n: number, s: StepStats, valid: EpochCosts | undefined, tEpoch: number): TrainProgress {
    const p: TrainProgress = {
      kind, step: this.trainer.step, epoch, stepInEpoch: k, stepsPerEpoch: n,
      trainCost: s.cost, trainRecon: s.recon, trainKl: s.kl,
      l2Cost: s.l2, klWeight: s.weights.kl, l2Weight: s.weights.l2, learningRate: this.trainer.schedule.learningRate,
      stepsPerSecond: k / Math.max(1e-9, (performance.now() - tEpoch) / 1000), elapsedSeconds: (performance.now() - this.t0) / 1000, backend: this.setup.backendLabel,
    };
    if (kind === "step") p.gradNorm = s.gradNorm;
    if (valid) Object.assign(p, { validCost: valid.total, validRecon: valid.recon, validKl: valid.kl });
    return p;
  }

  dispose(): void {
    this.trainer.dispose();
    this.model.dispose();
  }
}

/**
 * Train a run folder (params in `options.params`), a Run, or explicit folders until a stop reason holds;
 * the file header lists what it writes.
 */
export async function trainRun(target: string | RunLike | TrainRunSpec, options: TrainRunOptions = {}): Promise<TrainRunResult> {
  divergenceRule(options.divergenceRule); // a bad threshold fails before anything is read or written
  const setup = await prepareTraining(resolveTarget(target, options), options);
  const session = new TrainingSession(setup, options);
  try {
    await session.resume();
    session.writeStartFiles();
    for (;;) {
      const reason = session.stopReason();
      if (reason) return await session.finish(reason);
      if (!(await session.runEpoch())) return session.result("aborted");
    }
  } finally {
    session.dispose();
  }
}
