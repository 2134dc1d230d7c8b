/**
 * One training step and one evaluation pass of TF LFADS: batch assembly (gather, jitter, lgamma
 * constants, the coordinated-dropout and sample-validation masks of augmentation.ts), forward, cost with the step's KL/L2 ramp weights, gradients of all trainable variables,
 * global-norm clipping, TF1 Adam. All tensors live inside tf.tidy; a step leaves no tensors behind.
 */
import * as tf from "@tensorflow/tfjs";
import { ParamError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { lfadsCost, type RampWeights } from "../model/cost.js";
import type { LfadsBatch, LfadsModel } from "../model/lfads.js";
import { RngNoise } from "../model/noise.js";
import type { ParamInfo } from "../model/params.js";
import { AdamTf1, globalNormScale } from "./adam.js";
import { augmentBatch, drawCoordinatedDropout, SampleValidationMasks, type AugmentedBatch } from "./augmentation.js";
import type { BatchRef } from "./batching.js";
import type { Checkpoint, TrainerState } from "./checkpoint.js";
import { upgradeDiagnosticsLine } from "./diagnostics.js";
import type { DivergenceState } from "./divergence.js";
import { gatherTrials, type InputData, type SplitData } from "./input-data.js";
import { jitterObservedAndForward, jitterSpikes } from "./jitter.js";
import { heldInBlock } from "./recon-data.js";
import { LearningRateSchedule, rampWeight } from "./schedule.js";
import type { TrainConfig } from "./train-config.js";

/** TF's restricted training modes: `do_train_io_only` ("io") and `do_train_encoder_only` ("encoder"). */
export type TrainSubset = "io" | "encoder";

/**
 * The variables a training step updates: all trainable ones, or TF's subsets — "io": the
 * `IO_transformations` collection (read-ins when trainable, read-outs); "encoder": the scopes
 * `LFADS/ic_enc_*` and `LFADS/z/ic_enc_*` (IC encoder and g0 posterior), lfads.py:912-955.
 */
function trainedParams(model: LfadsModel, subset?: TrainSubset): ParamInfo[] {
  const all = model.store.trainable();
  if (subset === undefined) return all;
  const picked = all.filter((p) => (subset === "io" ? p.io === true : /^LFADS\/(z\/)?ic_enc_/.test(p.name)));
  if (picked.length === 0) {
    throw new ParamError(
      subset === "io"
        ? "do_train_io_only: the model has no read-in or read-out variables to train (a single dataset with an identity read-in and F = N read-out); train the whole model instead"
        : "do_train_encoder_only: the model has no IC encoder (c_ic_dim = 0); train the whole model instead",
    );
  }
  return picked;
}

export interface StepStats {
  cost: number;
  recon: number;
  /** Un-ramped KL (kl_*_weight applied). */
  kl: number;
  /** KL of the g0 posterior and of the controller-output posterior (unweighted), for the diagnostics. */
  klIc: number;
  klCo: number;
  l2: number;
  corr: number;
  /** Sample validation's score: the reconstruction cost of the held-out elements (NaN when SV is off). */
  reconSv: number;
  /** Global gradient norm before clipping (training steps only). */
  gradNorm: number;
  weights: RampWeights;
}

/** Plain arrays of one batch, before they become tensors. */
interface BatchArrays {
  datasetIndex: number;
  data: Float32Array;
  ext: Float32Array | undefined;
  lgamma: Float32Array | undefined;
  shape: [number, number, number];
  /** The reconstruction target [B,T_rec,N_rec] with held-out neurons and forward bins (recon data). */
  recon: { data: Float32Array; shape: [number, number, number] } | undefined;
  /** The encoders' input, likelihood weights and held-out lgamma sums under CD / SV. */
  augmented: AugmentedBatch | undefined;
}

export class Trainer {
  readonly adam: AdamTf1;
  readonly schedule: LearningRateSchedule;
  readonly rng: Rng;
  readonly noise: RngNoise;
  step = 0;
  epochsDone = 0;
  lowestValidCost = Infinity;
  validCount = 0;
  fitlog: string[] = [];
  /** fitlog_diagnostics.csv lines (without the header) up to now. */
  diagnostics: string[] = [];
  /** The divergence watch's state (undefined until the session has one). */
  divergence: DivergenceState | undefined;
  private readonly varNames = new Map<string, string>();

  private readonly trained: ParamInfo[];
  /** Sample validation's fixed masks (undefined when c_cv_keep_ratio is 1). */
  private readonly svMasks: SampleValidationMasks | undefined;

  constructor(readonly model: LfadsModel, readonly data: InputData, readonly cfg: TrainConfig, readonly seed: number, subset?: TrainSubset) {
    const trainable = trainedParams(model, subset);
    this.trained = trainable;
    this.adam = new AdamTf1(new Map(trainable.map((p) => [p.name, p.variable])));
    for (const p of trainable) this.varNames.set(p.variable.name, p.name);
    this.schedule = new LearningRateSchedule(cfg.learningRateInit, cfg.learningRateDecayFactor, cfg.learningRateNToCompare, cfg.learningRateStop);
    this.rng = new Rng(seed + 1);
    this.noise = new RngNoise(this.rng);
    const aug = cfg.augmentation;
    if (aug.cvKeepRatio < 1) this.svMasks = SampleValidationMasks.draw(data, aug.cvKeepRatio, aug.cvRandSeed);
  }

  /** KL and L2 ramp weights used in the cost of `step`. */
  rampWeights(step: number): RampWeights {
    return { kl: rampWeight(step, this.cfg.klStartStep, this.cfg.klIncreaseSteps), l2: rampWeight(step, this.cfg.l2StartStep, this.cfg.l2IncreaseSteps) };
  }

  /** The batch's arrays; `training`: a training step's (coordinated dropout applies, drawn from the trainer's stream). */
  private arrays(ref: BatchRef, split: "train" | "valid", training = false): BatchArrays {
    const ds = this.data.datasets[ref.datasetIndex]!;
    const s: SplitData = ds[split];
    const T = this.data.numSteps;
    const N = ds.numNeurons;
    const B = ref.indices.length;
    const [Trec, Nrec] = [this.data.reconSteps ?? T, ds.numReconNeurons ?? N];
    let data: Float32Array = gatherTrials(s.data, ref.indices, T * N);
    let target: Float32Array | undefined = s.recon ? gatherTrials(s.recon, ref.indices, Trec * Nrec) : undefined;
    let lgamma: Float32Array | undefined = s.lgammaSums ? Float32Array.from(ref.indices, (i) => s.lgammaSums![i]!) : undefined;
    const w = this.cfg.temporalSpikeJitterWidth;
    const obs = this.model.observation;
    if (w > 0 && obs.countData) {
      // With recon data the target is jittered (observed and forward bins apart, so no forward spike reaches
      // the encoders) and the encoders read its held-in observed block.
      if (target) {
        target = jitterObservedAndForward(target, B, Trec, Nrec, T, w, this.rng);
        data = heldInBlock(target, B, T, N, Trec, Nrec);
      } else data = jitterSpikes(data, B, T, N, w, this.rng);
      lgamma = obs.dataConstant?.(target ?? data, B);
    }
    const X = this.model.config.extInputDim;
    const ext = s.extInput && X > 0 ? gatherTrials(s.extInput, ref.indices, T * X) : undefined;
    const aug = this.cfg.augmentation;
    const cd = training && aug.keepRatio < 1 ? drawCoordinatedDropout(this.noise, data.length, aug.keepRatio, aug.cdGradPassthruProb) : undefined;
    const sv = this.svMasks ? { rows: this.svMasks.rows(ref.datasetIndex, split, ref.indices), keepRatio: this.svMasks.keepRatio } : undefined;
    const layout = target ? { target, T, N, Trec, Nrec } : undefined;
    const augmented = cd || sv ? augmentBatch(data, B, { ...(sv ? { sv } : {}), ...(cd ? { cd } : {}) }, obs.dataConstant, layout) : undefined;
    const recon = target ? { data: target, shape: [B, Trec, Nrec] as [number, number, number] } : undefined;
    return { datasetIndex: ref.datasetIndex, data, ext, lgamma: augmented?.lgammaSum ?? lgamma, shape: [B, T, N], recon, augmented };
  }

  private tensors(a: BatchArrays): LfadsBatch {
    const [B, T] = a.shape;
    const b: LfadsBatch = { datasetIndex: a.datasetIndex, data: tf.tensor3d(a.data, a.shape) };
    if (a.recon) b.recon = tf.tensor3d(a.recon.data, a.recon.shape);
    if (a.ext) b.extInput = tf.tensor3d(a.ext, [B, T, this.model.config.extInputDim]);
    if (a.lgamma) b.lgammaSum = a.lgamma;
    const aug = a.augmented;
    if (aug) {
      b.encoderData = tf.tensor3d(aug.encoderData, a.shape);
      b.weights = aug.weights;
      if (aug.lgammaHeldOut) b.lgammaHeldOut = aug.lgammaHeldOut;
    }
    return b;
  }

  /**
   * One Adam step on a training batch. Returns the batch's costs (evaluated before the update).
   * `onNonFinite` is called (and must throw) when the cost or the gradient norm is not finite; the
   * update is then not applied.
   */
  trainStep(ref: BatchRef, onNonFinite: (stats: StepStats) => never): StepStats {
    const w = this.rampWeights(this.step);
    const arrays = this.arrays(ref, "train", true);
    const vars = this.trained.map((p) => p.variable);
    let stats: StepStats | undefined;
    tf.tidy(() => {
      const batch = this.tensors(arrays);
      let side: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const fwd = this.model.forward(batch, { keepProb: this.model.config.keepProb, latents: "sample", noise: this.noise });
        const c = lfadsCost(this.model, fwd, w);
        side = tf.keep(tf.stack([c.recon, c.kl, c.l2, c.corr, c.klIc, c.klCo, c.reconHeldOut ?? tf.scalar(NaN)]));
        return c.cost;
      }, vars);
      const normSq = tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))));
      const v = tf.concat([tf.reshape(value, [1]), side!, tf.reshape(normSq, [1])]).dataSync();
      side!.dispose();
      const s: StepStats = { cost: v[0]!, recon: v[1]!, kl: v[2]!, l2: v[3]!, corr: v[4]!, klIc: v[5]!, klCo: v[6]!, reconSv: v[7]!, gradNorm: Math.sqrt(v[8]!), weights: w };
      if (!Number.isFinite(s.cost) || !Number.isFinite(s.gradNorm)) onNonFinite(s);
      const byName = new Map<string, tf.Tensor>();
      for (const [k, g] of Object.entries(grads)) byName.set(this.varNames.get(k)!, g);
      this.adam.apply(byName, this.schedule.learningRate, globalNormScale(s.gradNorm, this.cfg.maxGradNorm));
      stats = s;
    });
    this.step += 1;
    return stats!;
  }

  /**
   * Cost of a batch without dropout (nor coordinated dropout), latents still sampled (TF eval_cost_epoch),
   * with the current ramp weights; under sample validation the recon is the used elements' and
   * `reconSv` the held-out elements'.
   */
  evalBatch(ref: BatchRef, split: "train" | "valid"): StepStats {
    const w = this.rampWeights(this.step);
    const arrays = this.arrays(ref, split);
    let v: ArrayLike<number> = [];
    tf.tidy(() => {
      const fwd = this.model.forward(this.tensors(arrays), { keepProb: 1, latents: "sample", noise: this.noise });
      const c = lfadsCost(this.model, fwd, w);
      v = tf.stack([c.cost, c.recon, c.kl, c.l2, c.corr, c.klIc, c.klCo, c.reconHeldOut ?? tf.scalar(NaN)]).dataSync();
    });
    return { cost: v[0]!, recon: v[1]!, kl: v[2]!, l2: v[3]!, corr: v[4]!, klIc: v[5]!, klCo: v[6]!, reconSv: v[7]!, gradNorm: NaN, weights: w };
  }

  state(backend: string): TrainerState {
    return {
      step: this.step,
      epochsDone: this.epochsDone,
      lr: this.schedule.state(),
      rngState: this.rng.getState(),
      adamT: this.adam.t,
      lowestValidCost: this.lowestValidCost,
      validCount: this.validCount,
      fitlog: [...this.fitlog],
      diagnostics: [...this.diagnostics],
      ...(this.divergence ? { divergence: this.divergence } : {}),
      seed: this.seed,
      backend,
    };
  }

  snapshot(backend: string): Checkpoint {
    const a = this.adam.state();
    return { state: this.state(backend), weights: this.model.exportWeights(), adamM: a.m, adamV: a.v };
  }

  restore(ckpt: Checkpoint): void {
    const s = ckpt.state;
    this.model.importWeights(ckpt.weights);
    this.adam.restore({ t: s.adamT, m: ckpt.adamM, v: ckpt.adamV });
    this.schedule.restore(s.lr);
    this.rng.setState(s.rngState);
    this.step = s.step;
    this.epochsDone = s.epochsDone;
    this.lowestValidCost = s.lowestValidCost;
    this.validCount = s.validCount;
    this.fitlog = [...s.fitlog];
    this.diagnostics = (s.diagnostics ?? []).map(upgradeDiagnosticsLine); // absent in checkpoints written before the diagnostics
    this.divergence = s.divergence;
  }

  /**
   * Go back to `ckpt`'s weights and Adam moments (a divergence recovery). The step, the Adam step
   * count, the RNG stream, the schedule and the logs keep moving forward.
   */
  rewindTo(ckpt: Checkpoint): void {
    this.model.importWeights(ckpt.weights);
    this.adam.restore({ t: this.adam.t, m: ckpt.adamM, v: ckpt.adamV });
  }

  dispose(): void {
    this.adam.dispose();
  }
}
