/**
 * `trainRun`: train LFADS on a run's inputs (`<run>/lfadsInput/lfads_*.h5`) and write TF-style outputs
 * to `<run>/lfadsOutput/`: rolling and lowest-validation-error checkpoints, fitlog.csv,
 * hyperparameters-<step>.txt, model_params, and the `lfads.done` marker in the run folder on success.
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
import { Rng } from "../core/rng.js";
import type { RunParams } from "../params/run-params.js";
import { selectBackend, type BackendInfo, type BackendName } from "../model/ops/backend.js";
import { modelConfigFromRunParams } from "../model/config.js";
import { checkOutputDist } from "../model/observation/registry.js";
import { activeGruImplementation } from "../model/ops/gru-recurrence.js";
import { LfadsModel } from "../model/lfads.js";
import { epochBatches } from "./batching.js";
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { TrainingDivergedError } from "./errors.js";
import { fitlogLine, writeFitlog, type EpochCosts } from "./fitlog.js";
import { loadLfadsInputs } from "./input-data.js";
import { listInputFilesByStem, RUN_MANAGER_STEM } from "./input-files.js";
import { hyperparametersJson, writeHyperparameters, writeModelParams } from "./outputs.js";
import { formatProgress, type ProgressCallback, type TrainProgress } from "./progress.js";
import { trainConfigFromRunParams } from "./train-config.js";
import { Trainer, type StepStats, type TrainSubset } from "./trainer.js";
import { RUN_MARKERS } from "../runs/layout.js";

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

/** Anything with a run folder and its params (e.g. a Run of src/runs). */
/**
 * Marker of a finished training, in the run folder. `lfads.done` itself means "trained and posterior
 * sampled" (the queue writes it after both stages, as the Run Manager's queue did).
 */
export const TRAIN_DONE_FILE = RUN_MARKERS.trainDone;

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
    return { inputDir: path.join(dir, "lfadsInput"), outputDir: path.join(dir, "lfadsOutput"), params, doneFile: path.join(dir, TRAIN_DONE_FILE), dataFilenameStem: RUN_MANAGER_STEM };
  }
  return { ...target, doneFile: target.doneFile ?? path.join(path.dirname(target.outputDir), TRAIN_DONE_FILE), dataFilenameStem: target.dataFilenameStem ?? RUN_MANAGER_STEM };
}

function mean(xs: StepStats[], key: "cost" | "recon" | "kl"): number {
  return xs.reduce((a, s) => a + s[key], 0) / Math.max(1, xs.length);
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function trainRun(target: string | RunLike | TrainRunSpec, options: TrainRunOptions = {}): Promise<TrainRunResult> {
  const spec = resolveTarget(target, options);
  const backend = await selectBackend(options.backend);
  const backendLabel = `${backend.description} / ${activeGruImplementation()}`;
  const nd = listInputFilesByStem(spec.inputDir, spec.dataFilenameStem).length;
  const tcfg = trainConfigFromRunParams(spec.params, Math.max(1, nd));
  const v = spec.params.values;
  const data = await loadLfadsInputs(spec.inputDir, { outputDist: checkOutputDist(v.c_output_dist, "c_output_dist"), extInputDim: v.c_ext_input_dim, reduceTimestepsTo: tcfg.reduceTimestepsTo, stem: spec.dataFilenameStem });
  const mcfg = modelConfigFromRunParams(spec.params, {
    numSteps: data.numSteps,
    datasets: data.datasets.map((d) => ({ name: d.name, numNeurons: d.numNeurons, ...(d.alignmentMatrix ? { alignmentMatrix: d.alignmentMatrix } : {}), ...(d.alignmentBias ? { alignmentBias: d.alignmentBias } : {}) })),
  });
  const trainSizes = data.datasets.map((d) => ({ name: d.name, numTrials: d.train.numTrials }));
  const validSizes = data.datasets.map((d) => ({ name: d.name, numTrials: d.valid.numTrials }));
  epochBatches(tcfg.batchSize, trainSizes, new Rng(0), "train"); // fail fast on c_batch_size
  epochBatches(tcfg.batchSize, validSizes, new Rng(0), "valid");
  fs.mkdirSync(spec.outputDir, { recursive: true });

  const seed = options.seed ?? 0;
  const model = new LfadsModel(mcfg, { seed });
  const trainer = new Trainer(model, data, tcfg, seed, options.trainOnly);
  const log = (line: string): void => {
    if (!options.quiet) process.stdout.write(line + "\n");
  };
  try {
    let lastCkpt = latestCheckpoint(spec.outputDir, "rolling");
    let lastCkptStep = 0;
    let lveCkpt = latestCheckpoint(spec.outputDir, "lve");
    let resumedFrom: number | undefined;
    if (lastCkpt) {
      trainer.restore(await loadCheckpoint(lastCkpt));
      resumedFrom = lastCkptStep = trainer.step;
      if (options.resetLearningRate) trainer.schedule.learningRate = tcfg.learningRateInit;
      log(`lfads: resuming from ${path.basename(lastCkpt)} (step ${trainer.step}, ${trainer.epochsDone} epochs done)`);
    }
    writeFitlog(spec.outputDir, trainer.fitlog);
    writeHyperparameters(spec.outputDir, trainer.step, hyperparametersJson(spec.params, { numSteps: data.numSteps, datasets: mcfg.datasets }, { dataDir: spec.inputDir, saveDir: spec.outputDir, stem: spec.dataFilenameStem }, tcfg));
    fs.rmSync(spec.doneFile, { force: true });
    if (tcfg.verbose) {
      for (const p of model.variables()) log(`    ${p.name} [${p.shape.join(", ")}]${p.trainable ? "" : " (fixed)"}`);
      log(`Total model parameters: ${model.parameterCount()}`);
    }
    log(`lfads: training on ${backendLabel}`);

    const t0 = performance.now();
    let stepSeconds = 0;
    let stepsThisCall = 0;
    let stopReason: StopReason | undefined;
    const divergence = (epoch: number) => (s: StepStats): never => {
      const where = lastCkpt ? `${lastCkpt} (step ${lastCkptStep})` : "none (no checkpoint written yet)";
      throw new TrainingDivergedError(
        `training stopped: non-finite ${Number.isFinite(s.cost) ? "gradient norm" : "cost"} (cost ${s.cost}, gradient norm ${s.gradNorm}) at step ${trainer.step} (epoch ${epoch}); last good checkpoint: ${where}. ` +
          `Restarting resumes from that checkpoint; lowering c_learning_rate_init or c_cell_clip_value usually helps.`,
        trainer.step,
        lastCkpt,
      );
    };
    const emit = async (p: TrainProgress): Promise<void> => {
      if (options.onProgress) await options.onProgress(p);
      else if (p.kind === "epoch" || tcfg.printEachStep) log(formatProgress(p));
    };

    for (;;) {
      if (options.maxEpochs !== undefined && trainer.epochsDone >= options.maxEpochs) stopReason = "max_epochs";
      else if (options.maxSteps !== undefined && trainer.step >= options.maxSteps) stopReason = "max_steps";
      else if (trainer.schedule.shouldStop()) stopReason = "learning_rate";
      if (stopReason) break;
      const epoch = trainer.epochsDone;
      const batches = epochBatches(tcfg.batchSize, trainSizes, trainer.rng, "train");
      const tr: StepStats[] = [];
      const tEpoch = performance.now();
      for (const ref of batches) {
        if (options.signal?.aborted) return result("aborted");
        if (options.maxSteps !== undefined && trainer.step >= options.maxSteps) break;
        const ts = performance.now();
        const s = trainer.trainStep(ref, divergence(epoch));
        stepSeconds += (performance.now() - ts) / 1000;
        stepsThisCall += 1;
        tr.push(s);
        await emit(progress("step", epoch, tr.length, batches.length, s, undefined, tEpoch));
        await yieldToEventLoop();
      }
      const last = tr[tr.length - 1];
      if (!last) throw new LfadsError("trainRun: an epoch ran no training step"); // unreachable: the loop head checks maxSteps
      const va = epochBatches(tcfg.batchSize, validSizes, trainer.rng, "valid").map((ref) => trainer.evalBatch(ref, "valid"));
      const trainMeans: EpochCosts = { total: mean(tr, "cost"), recon: mean(tr, "recon"), kl: mean(tr, "kl") };
      const validMeans: EpochCosts = { total: mean(va, "cost"), recon: mean(va, "recon"), kl: mean(va, "kl") };
      trainer.fitlog.push(fitlogLine({ epoch, step: trainer.step, train: trainMeans, valid: validMeans, l2: last.l2, klWeight: last.weights.kl, l2Weight: last.weights.l2 }));
      writeFitlog(spec.outputDir, trainer.fitlog);
      trainer.schedule.afterEpoch(trainMeans.total);
      trainer.validCount += 1;
      trainer.epochsDone += 1;
      const rampsDone = last.weights.kl >= 1 && (last.weights.l2 >= 1 || (v.c_l2_gen_scale === 0 && v.c_l2_con_scale === 0));
      if (rampsDone && trainer.validCount >= 2 && validMeans.total < trainer.lowestValidCost) {
        trainer.lowestValidCost = validMeans.total;
        lveCkpt = await saveCheckpoint(spec.outputDir, "lve", trainer.snapshot(backend.name), tcfg.maxCkptToKeepLve);
      }
      if (trainer.epochsDone % Math.max(1, options.checkpointEveryEpochs ?? 1) === 0) {
        lastCkpt = await saveCheckpoint(spec.outputDir, "rolling", trainer.snapshot(backend.name), tcfg.maxCkptToKeep);
        lastCkptStep = trainer.step;
      }
      const ep = progress("epoch", epoch, tr.length, batches.length, { ...last, cost: trainMeans.total, recon: trainMeans.recon, kl: trainMeans.kl }, validMeans, tEpoch);
      await emit(ep);
    }

    if (!lastCkpt || lastCkptStep !== trainer.step) {
      lastCkpt = await saveCheckpoint(spec.outputDir, "rolling", trainer.snapshot(backend.name), tcfg.maxCkptToKeep);
      lastCkptStep = trainer.step;
    }
    const modelParams = path.join(spec.outputDir, "model_params");
    await writeModelParams(modelParams, await loadCheckpoint(lveCkpt ?? lastCkpt));
    fs.writeFileSync(spec.doneFile, "");
    log(`lfads: done (${stopReason}) after ${trainer.epochsDone} epochs, ${trainer.step} steps`);
    return result(stopReason, modelParams);

    function progress(kind: "step" | "epoch", epoch: number, k: number, n: number, s: StepStats, valid: EpochCosts | undefined, tEpoch: number): TrainProgress {
      const elapsed = (performance.now() - t0) / 1000;
      const p: TrainProgress = {
        kind, step: trainer.step, epoch, stepInEpoch: k, stepsPerEpoch: n,
        trainCost: s.cost, trainRecon: s.recon, trainKl: s.kl,
        l2Cost: s.l2, klWeight: s.weights.kl, l2Weight: s.weights.l2, learningRate: trainer.schedule.learningRate,
        stepsPerSecond: k / Math.max(1e-9, (performance.now() - tEpoch) / 1000), elapsedSeconds: elapsed, backend: backendLabel,
      };
      if (kind === "step") p.gradNorm = s.gradNorm;
      if (valid) Object.assign(p, { validCost: valid.total, validRecon: valid.recon, validKl: valid.kl });
      return p;
    }

    function result(reason: StopReason, modelParamsPath?: string): TrainRunResult {
      return {
        outputDir: spec.outputDir, stopReason: reason, epochs: trainer.epochsDone, steps: trainer.step, resumedFromStep: resumedFrom,
        checkpoint: lastCkpt, lveCheckpoint: lveCkpt, modelParams: modelParamsPath, backend, secondsPerStep: stepSeconds / Math.max(1, stepsThisCall),
      };
    }
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
