/**
 * Posterior sampling and the other post-training outputs of TF LFADS (lfads-model.md §4), written as
 * TF writes them so that `loadPosteriorMeans` / `run.loadPosteriorMeans()` (and MATLAB/Python readers)
 * read them back. TensorFlow.js; import through `lfads-ts/tf`.
 *
 * ## API
 *
 * ```ts
 * samplePosterior(target, options?): Promise<SamplePosteriorResult>
 *   target: a run folder (params from <dir>/params.json, or options.params), a Run, or { inputDir, outputDir, params }
 *   options.kind        "posterior_sample_and_average" | "posterior_push_mean" | "both"  (default params.posterior_mean_kind)
 *   options.numSamples  posterior samples per trial for sample-and-average (default params.num_samples_posterior)
 *   options.checkpoint  "lve" (default; the latest checkpoint with a warning when there is no LVE one) | "latest"
 *   options.checkpointFile  an explicit checkpoint .h5 (overrides checkpoint)
 *   options.batchTrials rows (trial × sample copies) per decoder pass — the memory bound (default: from the model's size, ~256 MB of tensors)
 *   options.maxTrials   only the first n trials of each split (TF ps_nexamples_to_process; default all)
 *   options.overwrite   re-make files that exist (default false: existing files are kept, so a killed call resumes;
 *                       a file from another checkpoint step, sample count or trial count is re-made anyway)
 *   options.seed        seed of the posterior samples (default 0); results do not depend on batchTrials
 *   options.onProgress  called after every group of trials (see PosteriorProgress); default: a progress bar
 *                       (HTML in Jupyter, a redrawn line on a terminal, a line every 10 s in a log file)
 *   options.signal      abort between forward passes: the file in progress is not written, result.aborted = true
 *   options.quiet       no display when there is no onProgress
 *   options.params / backend   params for a folder without params.json; force a tfjs backend
 * writePriorSamples(target, { numSamples?, datasetIndex?, checkpoint?, seed?, batchTrials? }) → model_runs_prior_sample
 * writeModelParams(target, { checkpoint? })                                                   → model_params
 * ```
 *
 * ## Files (lfads-model.md §4.3, run-manager.md §3.6)
 * `<outputDir>/model_runs_<ds>_{train,valid}_<kind>` per dataset `<ds>` (the input file name after
 * `lfads_`, e.g. `dataset001.h5`) and split: HDF5, float64, gzip, written to a temp name and renamed.
 * Keys: output_dist_params [E,T,N] (Poisson rates in counts per bin; Gaussian means ‖ variances [E,T,2N]),
 * factors [E,T,F], gen_states [E,T,G], gen_ics [E,G], controller_outputs [E,T,U] (co_dim > 0),
 * prior_g0_mean / prior_g0_logvar / post_g0_mean / post_g0_logvar [E,I] (ic_dim > 0), costs,
 * nll_bound_vaes, nll_bound_iwaes, train_steps [E].
 *
 * - posterior_sample_and_average: every trial is pushed through numSamples times with g0 and u_t
 *   sampled from their posteriors (no dropout) and the outputs are averaged (rates after exp). Without
 *   dropout the encoders (IC encoder → g0 posterior, CI encoder → controller inputs) are a function of the
 *   data, so each trial is encoded once and only the decoder (g0 draw, controller, generator, read-out)
 *   runs per sample, on the trial's encoding repeated — the same numbers as a full forward pass per sample;
 *   `costs` is the mean training cost of the copies (ramp weights of the restored step), `nll_bound_vaes`
 *   −mean(lb), `nll_bound_iwaes` log S − logsumexp(lb) over the S samples.
 * - posterior_push_mean: the posterior means of g0 and u_t are pushed through once. Deviation from TF:
 *   costs and bounds are per trial (TF copied one batch-mean value to every trial of a batch, so its values
 *   depended on the batching); with one "sample", nll_bound_iwaes = nll_bound_vaes = −lb.
 * Noise is drawn per (trial, sample) from the seed (sample-noise.ts), so the memory bound changes nothing.
 *
 * ## Passes
 * A group of trials is encoded in one pass (`LfadsModel.encode`, one row per trial), then decoded in
 * passes of at most batchTrials rows, rows trial-major (`LfadsModel.decode` with `rows`): with S samples
 * and S ≤ batchTrials, ⌊batchTrials / S⌋ trials per group and one decoder pass; else one trial per group
 * and ⌈S / batchTrials⌉ decoder passes of (nearly) equal size. Groups are also capped so that an encoder
 * pass takes no more memory than a decoder pass.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { LayoutError, ParamError } from "../core/errors.js";
import { progress as progressDisplay, type Progress } from "../display/progress.js";
import { show } from "../display/show.js";
import { readH5, writeH5Atomic, type H5Dataset, type H5File } from "../io/h5.js";
import type { BackendInfo } from "../model/ops/backend.js";
import type { LfadsConfig } from "../model/config.js";
import type { LfadsBatch, LfadsEncoding } from "../model/lfads.js";
import { l2Cost } from "../model/l2.js";
import { loadCheckpoint } from "../train/checkpoint.js";
import { gatherTrials, type DatasetData, type SplitData } from "../train/input-data.js";
import { writeModelParams as writeModelParamsFile } from "../train/outputs.js";
import { rampWeight } from "../train/schedule.js";
import { POSTERIOR_MEAN_KINDS, type PosteriorMeanKind } from "./posterior-means.js";
import { loadTrainedModel, resolveCheckpoint, type CheckpointChoice, type LoadModelOptions, type SampleTarget, type TrainedModel } from "./sample-model.js";
import { RowNoise, streamId, type NoiseRequest } from "./sample-noise.js";
import { TrialSliceDataset, writeFloat64 } from "./sample-write.js";

export type { SampleTarget, SampleTargetSpec, CheckpointChoice } from "./sample-model.js";

/** The TF `--kind`s that write posterior means. */
export type PosteriorSampleKind = PosteriorMeanKind;

/** Progress of `samplePosterior`, after each group of trials and per file. */
export interface PosteriorProgress {
  /** "chunk": a group of trials is done; "file": a file was written; "skipped": a file existed. */
  event: "chunk" | "file" | "skipped";
  kind: PosteriorSampleKind;
  /** Dataset name as in the file names, e.g. "dataset001.h5". */
  datasetName: string;
  /** 0-based dataset index in the run. */
  datasetIndex: number;
  split: "train" | "valid";
  /** The output file. */
  file: string;
  /** Trials of this file done, and its total. */
  trialsDone: number;
  trialsTotal: number;
  /** Trials done over every file this call writes, and their total. */
  overallDone: number;
  overallTotal: number;
  /** This file's trials per second so far. */
  trialsPerSecond: number;
  /** Seconds since the call started. */
  elapsedSeconds: number;
}

export interface SamplePosteriorOptions extends LoadModelOptions {
  kind?: PosteriorSampleKind | "both";
  numSamples?: number;
  batchTrials?: number;
  maxTrials?: number;
  overwrite?: boolean;
  seed?: number;
  onProgress?: (p: PosteriorProgress) => void | Promise<void>;
  signal?: AbortSignal;
  quiet?: boolean;
}

export interface PosteriorFileResult {
  file: string;
  kind: PosteriorSampleKind;
  datasetName: string;
  split: "train" | "valid";
  trials: number;
  /** True when the file existed and was left alone. */
  skipped: boolean;
  /** Why an existing file was re-made (another checkpoint step, sample or trial count), when it was. */
  replaced?: string;
  seconds: number;
  trialsPerSecond: number;
}

export interface SamplePosteriorResult {
  outputDir: string;
  checkpoint: string;
  /** Global step of the checkpoint (`train_steps`). */
  step: number;
  kinds: PosteriorSampleKind[];
  numSamples: number;
  batchTrials: number;
  files: PosteriorFileResult[];
  /** Files written / skipped by this call. */
  written: string[];
  skipped: string[];
  /** True when `signal` stopped the call; files written before it are complete, the rest are missing. */
  aborted: boolean;
  /** Trials per second of each kind over the files written by this call. */
  trialsPerSecond: Partial<Record<PosteriorSampleKind, number>>;
  backend: BackendInfo;
}

/** TF file name of a posterior output. */
export function posteriorFileName(datasetName: string, split: "train" | "valid", kind: PosteriorSampleKind): string {
  return `model_runs_${datasetName}_${split}_${kind}`;
}

/** Bytes of tensors budgeted for one pass (decoder rows, or trials of an encoder pass) when `batchTrials` is not given. */
const DEFAULT_PASS_BYTES = 256 * 2 ** 20;

/**
 * Rough bytes of live tensors per row of a decoder pass with outputs (every intermediate stays alive
 * until the pass's tf.tidy ends): per time step, the GRU gates and states of the controller and the
 * generator, the row's copy of the lagged controller inputs, factors, rates, controller outputs and the
 * row's copy of the data.
 */
export function bytesPerRow(c: LfadsConfig, numNeurons: number): number {
  const ci = c.coDim > 0 ? 2 * c.ciEncDim + 10 * c.conDim : 0;
  const perStep = ci + 10 * c.genDim + 6 * (numNeurons + c.factorsDim + c.coDim) + 4 * (c.extInputDim + numNeurons);
  return 4 * c.numSteps * perStep + 4096;
}

/** Rough bytes of live tensors per trial of an encoder pass: the gates and states of both encoders. */
export function encoderBytesPerRow(c: LfadsConfig, numNeurons: number): number {
  const enc = c.icDim > 0 ? 2 * c.icEncDim : 0;
  const ci = c.coDim > 0 ? 2 * c.ciEncDim : 0;
  const perStep = 10 * (enc + ci) + 2 * ci + 4 * (c.extInputDim + numNeurons);
  return 4 * c.numSteps * perStep + 4096;
}

/** Default rows per decoder pass: ~256 MB of tensors, at least 1, at most 4096. */
export function defaultBatchTrials(c: LfadsConfig, maxNeurons: number): number {
  return Math.max(1, Math.min(4096, Math.floor(DEFAULT_PASS_BYTES / bytesPerRow(c, maxNeurons))));
}

/**
 * Trials per group (one encoder pass, then the decoder passes of their samples): ⌊batchTrials / S⌋ when
 * S ≤ batchTrials, else 1; and no more than the trials whose encoder pass plus one decoder row each fit
 * in the memory of batchTrials decoder rows.
 */
export function trialsPerGroup(c: LfadsConfig, numNeurons: number, batchTrials: number, numSamples: number): number {
  const k = numSamples <= batchTrials ? Math.floor(batchTrials / numSamples) : 1;
  const dec = bytesPerRow(c, numNeurons);
  const cap = Math.floor((batchTrials * dec) / (dec + encoderBytesPerRow(c, numNeurons)));
  return Math.max(1, Math.min(k, cap));
}

class Aborted extends Error {}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new ParamError(`${name} must be a positive integer; got ${x}`);
  return x;
}

function kindsOf(kind: string | undefined, fallback: string): PosteriorSampleKind[] {
  const k = kind ?? fallback;
  if (k === "both") return ["posterior_push_mean", "posterior_sample_and_average"];
  if (!(POSTERIOR_MEAN_KINDS as readonly string[]).includes(k)) throw new ParamError(`kind must be one of ${[...POSTERIOR_MEAN_KINDS, "both"].join(", ")}; got "${k}"`);
  return [k as PosteriorSampleKind];
}

/** Remove temp files of posterior outputs left by processes that are gone (a kill mid-write). */
function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.model_runs_.*\.tmp-(\d+)-[a-z0-9]+$/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === "EPERM";
      }
    }
    if (!alive) fs.rmSync(path.join(dir, n), { force: true });
  }
}

interface SplitJob {
  kind: PosteriorSampleKind;
  datasetIndex: number;
  ds: DatasetData;
  split: "train" | "valid";
  file: string;
  /** Trials to process (first E of the split). */
  E: number;
}

/** Everything a split writer needs. */
interface Ctx {
  tm: TrainedModel;
  numSamples: number;
  batchTrials: number;
  seed: number;
  step: number;
  /** l2_weight·l2 at the restored step, and the KL ramp weight. */
  l2Term: number;
  klWeight: number;
  signal: AbortSignal | undefined;
}

/** Float64 running sums of one group of trials. */
class GroupSums {
  readonly odp: Float64Array;
  readonly factors: Float64Array;
  readonly genStates: Float64Array;
  readonly co: Float64Array | undefined;
  readonly genIcs: Float64Array;
  /** Per trial, from the encoding (not sums). */
  readonly postMean: Float64Array;
  readonly postLogvar: Float64Array;
  readonly logLik: Float64Array;
  readonly kl: Float64Array;
  readonly corr: Float64Array;
  readonly lbMax: Float64Array;
  readonly lbSum: Float64Array;
  priorMean: Float32Array | undefined;
  priorLogvar: Float32Array | undefined;

  constructor(readonly k: number, c: LfadsConfig, dOut: number) {
    const T = c.numSteps;
    this.odp = new Float64Array(k * T * dOut);
    this.factors = new Float64Array(k * T * c.factorsDim);
    this.genStates = new Float64Array(k * T * c.genDim);
    this.co = c.coDim > 0 ? new Float64Array(k * T * c.coDim) : undefined;
    this.genIcs = new Float64Array(k * c.genDim);
    this.postMean = new Float64Array(k * c.icDim);
    this.postLogvar = new Float64Array(k * c.icDim);
    this.logLik = new Float64Array(k);
    this.kl = new Float64Array(k);
    this.corr = new Float64Array(k);
    this.lbMax = new Float64Array(k).fill(-Infinity);
    this.lbSum = new Float64Array(k);
  }

  /** Online log-sum-exp of trial j's lower bounds. */
  addLb(j: number, lb: number): void {
    const m = this.lbMax[j]!;
    if (Number.isNaN(lb)) this.lbSum[j] = NaN;
    else if (lb > m) {
      this.lbSum[j] = this.lbSum[j]! * Math.exp(m - lb) + 1;
      this.lbMax[j] = lb;
    } else this.lbSum[j]! += Math.exp(lb - m);
  }
}

function addInto(dst: Float64Array, src: ArrayLike<number>): void {
  for (let i = 0; i < src.length; i++) dst[i]! += src[i]!;
}

/** Per-row TF co_mean_corr cost (the batch cost is the mean of these): mean over pairs i<j of 0.5·(Σ_t μ_i μ_j)². */
function coMeanCorrPerRow(mean: tf.Tensor3D): tf.Tensor1D {
  const U = mean.shape[2];
  const S = tf.matMul(tf.transpose(mean, [0, 2, 1]), mean);
  const mask = new Float32Array(U * U);
  for (let i = 0; i < U; i++) for (let j = i + 1; j < U; j++) mask[i * U + j] = 1;
  return tf.div(tf.sum(tf.mul(tf.mul(0.5, tf.square(S)), tf.tensor2d(mask, [U, U])), [1, 2]), (U * (U - 1)) / 2) as tf.Tensor1D;
}

function makeBatch(c: LfadsConfig, datasetIndex: number, ds: DatasetData, s: SplitData, idx: Int32Array): LfadsBatch {
  const T = c.numSteps;
  const N = ds.numNeurons;
  const B = idx.length;
  const b: LfadsBatch = { datasetIndex, data: tf.tensor3d(gatherTrials(s.data, idx, T * N), [B, T, N]) };
  if (s.lgammaSums) b.lgammaSum = Float32Array.from(idx, (i) => s.lgammaSums![i]!);
  if (c.extInputDim > 0 && s.extInput) b.extInput = tf.tensor3d(gatherTrials(s.extInput, idx, T * c.extInputDim), [B, T, c.extInputDim]);
  return b;
}

/** The tensors of an encoding that belong to it (not the model's variables). */
function ownTensors(enc: LfadsEncoding): tf.Tensor[] {
  const all: (tf.Tensor | undefined)[] = [enc.data, enc.extGen, enc.post?.mean, enc.post?.logvar, enc.prior?.mean, enc.prior?.logvar, enc.cf, enc.cb];
  return all.filter((x): x is tf.Tensor => x !== undefined && !(x instanceof tf.Variable));
}

/**
 * Encode trials `e0 … e0+kk−1` once (keep_prob 1: no noise is drawn), record their g0 posterior and
 * prior in `acc`. The caller disposes the returned encoding's tensors (`ownTensors`).
 */
function encodeGroup(ctx: Ctx, job: SplitJob, acc: GroupSums, e0: number, kk: number): LfadsEncoding {
  const { model, config: c } = ctx.tm;
  const noise = new RowNoise(ctx.seed, streamId(job.datasetIndex, job.split, 0), [], []);
  let enc: LfadsEncoding | undefined;
  tf.tidy(() => {
    const idx = Int32Array.from({ length: kk }, (_, j) => e0 + j);
    enc = model.encode(makeBatch(c, job.datasetIndex, job.ds, job.ds[job.split], idx), { keepProb: 1, noise });
    noise.finish();
    if (enc.post && enc.prior) {
      acc.postMean.set(enc.post.mean.dataSync());
      acc.postLogvar.set(enc.post.logvar.dataSync());
      acc.priorMean = enc.prior.mean.dataSync() as Float32Array;
      acc.priorLogvar = enc.prior.logvar.dataSync() as Float32Array;
    }
    for (const t of ownTensors(enc)) tf.keep(t);
  });
  return enc!;
}

/**
 * One decoder pass over the `kk` trials of `enc` × `cc` samples (rows trial-major), adding the sums over
 * samples into `acc`. Samples `s0 … s0+cc−1` of trials `e0 … e0+kk−1`: row (trial, sample) draws its g0
 * and controller noise from its own Rng, as a full forward pass over the repeated trials would.
 */
function runPass(ctx: Ctx, job: SplitJob, enc: LfadsEncoding, acc: GroupSums, e0: number, kk: number, s0: number, cc: number): void {
  const { model, config: c } = ctx.tm;
  const T = c.numSteps;
  const sample = job.kind === "posterior_sample_and_average";
  const rows: [number, number][] = [];
  for (let j = 0; j < kk; j++) for (let s = 0; s < cc; s++) rows.push([e0 + j, s0 + s]);
  const plan: NoiseRequest[] = [];
  if (sample && c.icDim > 0) plan.push({ what: "g0 noise [B, ic_dim]", perRow: c.icDim, layout: "row" });
  if (sample && c.coDim > 0) plan.push({ what: "controller noise [T, B, co_dim]", perRow: T * c.coDim, layout: "time", steps: T });
  const noise = new RowNoise(ctx.seed, streamId(job.datasetIndex, job.split, 0), rows, plan);
  tf.tidy(() => {
    const encRows = cc === 1 ? undefined : Int32Array.from(rows, (r) => r[0] - e0);
    const fwd = model.decode(enc, { keepProb: 1, latents: sample ? "sample" : "mean", noise, outputs: true, ...(encRows ? { rows: encRows } : {}) });
    noise.finish();
    const o = fwd.outputs!;
    const red3 = (x: tf.Tensor3D): Float32Array => (cc === 1 ? x : tf.sum(tf.reshape(x, [kk, cc, T, x.shape[2]]), 1)).dataSync() as Float32Array;
    const red2 = (x: tf.Tensor2D): Float32Array => (cc === 1 ? x : tf.sum(tf.reshape(x, [kk, cc, x.shape[1]]), 1)).dataSync() as Float32Array;
    addInto(acc.odp, red3(o.outputDistParams));
    addInto(acc.factors, red3(o.factors));
    addInto(acc.genStates, red3(o.genStates));
    if (acc.co && o.controllerOutputs) addInto(acc.co, red3(o.controllerOutputs));
    addInto(acc.genIcs, red2(o.genIcs));
    const logLik = fwd.logLik.dataSync();
    const klIc = fwd.klIc.dataSync();
    const klCo = fwd.klCo.dataSync();
    const corr = c.coMeanCorrScale > 0 && c.coDim >= 2 && o.coMeans ? coMeanCorrPerRow(o.coMeans).dataSync() : undefined;
    for (let r = 0; r < rows.length; r++) {
      const j = Math.floor(r / cc);
      const kl = c.klIcWeight * klIc[r]! + c.klCoWeight * klCo[r]!;
      acc.logLik[j]! += logLik[r]!;
      acc.kl[j]! += kl;
      if (corr) acc.corr[j]! += corr[r]!;
      acc.addLb(j, logLik[r]! - kl);
    }
  });
}

/** Write one split's file, a group of trials at a time. `report(done)` after every group. */
async function writeSplit(ctx: Ctx, job: SplitJob, report: (done: number) => Promise<void>): Promise<void> {
  const c = ctx.tm.config;
  const T = c.numSteps;
  const N = job.ds.numNeurons;
  const dOut = ctx.tm.model.observation.paramsPerNeuron * N;
  const G = c.genDim;
  const I = c.icDim;
  const E = job.E;
  const S = job.kind === "posterior_sample_and_average" ? ctx.numSamples : 1;
  const M = ctx.batchTrials;
  const k = trialsPerGroup(c, N, M, S);
  // Samples per decoder pass: all S when they fit, else ⌈S / M⌉ passes of (nearly) equal size.
  const chunk = S <= M ? S : Math.ceil(S / Math.ceil(S / M));

  await writeH5Atomic(job.file, async (f: H5File) => {
    const odp = new TrialSliceDataset(f, "output_dist_params", E, [T, dOut]);
    const factors = new TrialSliceDataset(f, "factors", E, [T, c.factorsDim]);
    const genStates = new TrialSliceDataset(f, "gen_states", E, [T, G]);
    const co = c.coDim > 0 ? new TrialSliceDataset(f, "controller_outputs", E, [T, c.coDim]) : undefined;
    const genIcs = new Float64Array(E * G);
    const postMean = new Float64Array(E * I);
    const postLogvar = new Float64Array(E * I);
    const priorMean = new Float64Array(E * I);
    const priorLogvar = new Float64Array(E * I);
    const costs = new Float64Array(E);
    const vaes = new Float64Array(E);
    const iwaes = new Float64Array(E);

    for (let e0 = 0; e0 < E; e0 += k) {
      const kk = Math.min(k, E - e0);
      const acc = new GroupSums(kk, c, dOut);
      if (ctx.signal?.aborted) throw new Aborted();
      const enc = encodeGroup(ctx, job, acc, e0, kk);
      try {
        for (let s0 = 0; s0 < S; s0 += chunk) {
          if (ctx.signal?.aborted) throw new Aborted();
          runPass(ctx, job, enc, acc, e0, kk, s0, Math.min(chunk, S - s0));
          await yieldToEventLoop();
        }
      } finally {
        tf.dispose(ownTensors(enc));
      }
      const scale = (a: Float64Array): Float64Array => a.map((x) => x / S);
      odp.write(e0, scale(acc.odp));
      factors.write(e0, scale(acc.factors));
      genStates.write(e0, scale(acc.genStates));
      if (co && acc.co) co.write(e0, scale(acc.co));
      genIcs.set(scale(acc.genIcs), e0 * G);
      if (I > 0) {
        postMean.set(acc.postMean, e0 * I);
        postLogvar.set(acc.postLogvar, e0 * I);
        for (let j = 0; j < kk; j++) {
          priorMean.set(acc.priorMean!, (e0 + j) * I);
          priorLogvar.set(acc.priorLogvar!, (e0 + j) * I);
        }
      }
      for (let j = 0; j < kk; j++) {
        const recon = -acc.logLik[j]! / S;
        const kl = acc.kl[j]! / S;
        costs[e0 + j] = recon + ctx.klWeight * kl + ctx.l2Term + c.coMeanCorrScale * (acc.corr[j]! / S);
        vaes[e0 + j] = -(acc.logLik[j]! - acc.kl[j]!) / S;
        iwaes[e0 + j] = Math.log(S) - (acc.lbMax[j]! + Math.log(acc.lbSum[j]!));
      }
      await report(e0 + kk);
    }

    if (I > 0) {
      writeFloat64(f, "prior_g0_mean", priorMean, [E, I]);
      writeFloat64(f, "prior_g0_logvar", priorLogvar, [E, I]);
      writeFloat64(f, "post_g0_mean", postMean, [E, I]);
      writeFloat64(f, "post_g0_logvar", postLogvar, [E, I]);
    }
    writeFloat64(f, "gen_ics", genIcs, [E, G]);
    writeFloat64(f, "costs", costs, [E]);
    writeFloat64(f, "nll_bound_vaes", vaes, [E]);
    writeFloat64(f, "nll_bound_iwaes", iwaes, [E]);
    writeFloat64(f, "train_steps", new Float64Array(E).fill(ctx.step), [E]);
    f.create_attribute(ATTR_STEP, ctx.step);
    f.create_attribute(ATTR_SAMPLES, S);
    f.create_attribute(ATTR_SEED, ctx.seed);
    f.create_attribute(ATTR_CHECKPOINT, path.basename(ctx.tm.checkpointFile));
  });
}

/** Root attributes lfads-ts adds to its posterior files (TF wrote none; readers ignore them). */
const ATTR_STEP = "lfads_ts_train_step";
const ATTR_SAMPLES = "lfads_ts_num_samples";
const ATTR_SEED = "lfads_ts_seed";
const ATTR_CHECKPOINT = "lfads_ts_checkpoint";

/**
 * Why an existing output file cannot be kept ("" when it can): it comes from another checkpoint step
 * (`train_steps`), or was averaged over another number of samples (our attribute; TF files have none),
 * or cannot be read.
 */
async function staleReason(file: string, step: number, numSamples: number | undefined, maxTrials: number, nTrials: number): Promise<string> {
  try {
    return await readH5(file, (f) => {
      const attrs = f.attrs as Record<string, { value: unknown } | undefined>;
      const ts = f.keys().includes("train_steps") ? (f.get("train_steps") as H5Dataset) : undefined;
      const E = ts?.shape?.[0] ?? 0;
      const first = E > 0 ? Number((ts!.slice([[0, 1]]) as ArrayLike<number>)[0]) : Number(attrs[ATTR_STEP]?.value ?? NaN);
      if (!Number.isNaN(first) && first !== step) return `it is from step ${first}, the checkpoint is at step ${step}`;
      const s = attrs[ATTR_SAMPLES]?.value;
      if (numSamples !== undefined && typeof s === "number" && s !== numSamples) return `it averages ${s} samples per trial, ${numSamples} were asked for`;
      const want = Math.min(nTrials, maxTrials);
      if (E !== want) return `it holds ${E} trials, ${want} were asked for`;
      return "";
    });
  } catch (e) {
    return `it cannot be read (${(e as Error).message})`;
  }
}

/** l2_weight · l2_cost and kl_weight at the checkpoint's step (TF evaluates the training cost there). */
function rampTerms(tm: TrainedModel): { l2Term: number; klWeight: number } {
  const step = tm.checkpoint.state.step;
  const t = tm.train;
  const c = tm.config;
  const l2 = tf.tidy(() => l2Cost(tm.model.store, c.l2GenScale, c.l2ConScale).dataSync()[0]!);
  return { l2Term: rampWeight(step, t.l2StartStep, t.l2IncreaseSteps) * l2, klWeight: rampWeight(step, t.klStartStep, t.klIncreaseSteps) };
}

/**
 * Sample the posterior of a trained run and write TF LFADS posterior-mean files for every dataset and
 * split (see the file header for options, files and keys).
 */
export async function samplePosterior(target: SampleTarget, options: SamplePosteriorOptions = {}): Promise<SamplePosteriorResult> {
  const t0 = performance.now();
  const tm = await loadTrainedModel(target, options);
  try {
    const p = tm.spec.params;
    const kinds = kindsOf(options.kind, p.values.posterior_mean_kind);
    const numSamples = positiveInt("numSamples", options.numSamples, p.values.num_samples_posterior);
    const maxN = Math.max(...tm.data.datasets.map((d) => d.numNeurons));
    const batchTrials = positiveInt("batchTrials", options.batchTrials, defaultBatchTrials(tm.config, maxN));
    const maxTrials = options.maxTrials === undefined ? Infinity : positiveInt("maxTrials", options.maxTrials, 1);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) throw new ParamError(`seed must be an integer; got ${seed}`);
    const out = tm.spec.outputDir;
    removeStaleTemps(out);

    const jobs: SplitJob[] = [];
    for (const kind of kinds) {
      tm.data.datasets.forEach((ds, datasetIndex) => {
        for (const split of ["train", "valid"] as const) {
          const E = Math.min(ds[split].numTrials, maxTrials);
          jobs.push({ kind, datasetIndex, ds, split, file: path.join(out, posteriorFileName(ds.name, split, kind)), E });
        }
      });
    }
    const remake = new Map<SplitJob, string>();
    for (const j of jobs) {
      if (options.overwrite || !fs.existsSync(j.file)) continue;
      const why = await staleReason(j.file, tm.checkpoint.state.step, j.kind === "posterior_sample_and_average" ? numSamples : undefined, maxTrials, j.ds[j.split].numTrials);
      if (why) remake.set(j, why);
    }
    const todo = jobs.filter((j) => options.overwrite || !fs.existsSync(j.file) || remake.has(j));
    const overallTotal = todo.reduce((a, j) => a + j.E, 0);
    const ctx: Ctx = { tm, numSamples, batchTrials, seed, step: tm.checkpoint.state.step, ...rampTerms(tm), signal: options.signal };
    const result: SamplePosteriorResult = {
      outputDir: out, checkpoint: tm.checkpointFile, step: ctx.step, kinds, numSamples, batchTrials,
      files: [], written: [], skipped: [], aborted: false, trialsPerSecond: {}, backend: tm.backend,
    };
    const showDefault = !options.onProgress && !options.quiet;
    if (showDefault) {
      show(`lfads posterior: ${kinds.join(" + ")} from ${path.basename(tm.checkpointFile)} (step ${ctx.step})` +
        `${kinds.includes("posterior_sample_and_average") ? `, ${numSamples} samples per trial` : ""}, ${batchTrials} rows per pass, ${tm.backend.description}`);
    }
    let overallDone = 0;
    const perKind = new Map<PosteriorSampleKind, { trials: number; seconds: number }>();
    const emit = async (ev: Omit<PosteriorProgress, "overallDone" | "overallTotal" | "elapsedSeconds">): Promise<void> => {
      if (options.onProgress) await options.onProgress({ ...ev, overallDone, overallTotal, elapsedSeconds: (performance.now() - t0) / 1000 });
    };

    for (const job of jobs) {
      const base = { kind: job.kind, datasetName: job.ds.name, datasetIndex: job.datasetIndex, split: job.split, file: job.file, trialsTotal: job.E };
      if (!todo.includes(job)) {
        result.skipped.push(job.file);
        result.files.push({ file: job.file, kind: job.kind, datasetName: job.ds.name, split: job.split, trials: job.E, skipped: true, seconds: 0, trialsPerSecond: NaN });
        if (showDefault) show(`  ${path.basename(job.file)} exists; skipped (overwrite: true re-makes it)`);
        await emit({ ...base, event: "skipped", trialsDone: job.E, trialsPerSecond: NaN });
        continue;
      }
      if (options.signal?.aborted) {
        result.aborted = true;
        break;
      }
      if (showDefault && remake.has(job)) show(`  ${path.basename(job.file)} exists but ${remake.get(job)}; re-making it`);
      const tFile = performance.now();
      const bar: Progress | undefined = showDefault ? progressDisplay({ total: job.E, label: `${job.kind === "posterior_push_mean" ? "push-mean" : "sample+average"} ${job.ds.name} ${job.split}` }) : undefined;
      const rate = (done: number): number => done / Math.max(1e-9, (performance.now() - tFile) / 1000);
      const before = overallDone;
      try {
        await writeSplit(ctx, job, async (done) => {
          overallDone = before + done;
          bar?.update(done, { "trials/s": rate(done) });
          await emit({ ...base, event: "chunk", trialsDone: done, trialsPerSecond: rate(done) });
        });
      } catch (e) {
        if (!(e instanceof Aborted)) throw e;
        bar?.finish({ message: "aborted; this file was not written" });
        result.aborted = true;
        break;
      }
      const seconds = (performance.now() - tFile) / 1000;
      overallDone = before + job.E;
      const tps = job.E / Math.max(1e-9, seconds);
      bar?.finish({ done: job.E, info: { "trials/s": tps }, message: `→ ${path.basename(job.file)}` });
      result.written.push(job.file);
      result.files.push({ file: job.file, kind: job.kind, datasetName: job.ds.name, split: job.split, trials: job.E, skipped: false, seconds, trialsPerSecond: tps, ...(remake.has(job) ? { replaced: remake.get(job)! } : {}) });
      const k = perKind.get(job.kind) ?? { trials: 0, seconds: 0 };
      perKind.set(job.kind, { trials: k.trials + job.E, seconds: k.seconds + seconds });
      await emit({ ...base, event: "file", trialsDone: job.E, trialsPerSecond: tps });
    }
    for (const [kind, v] of perKind) result.trialsPerSecond[kind] = v.trials / Math.max(1e-9, v.seconds);
    return result;
  } finally {
    tm.dispose();
  }
}

export interface PriorSampleOptions extends LoadModelOptions {
  /** Trials to generate (default c_batch_size, as TF generates one batch). */
  numSamples?: number;
  /** 0-based dataset whose read-out maps factors to rates (default 0, TF's first dataset). */
  datasetIndex?: number;
  seed?: number;
  /** Rows per forward pass (memory bound); results do not depend on it. */
  batchTrials?: number;
}

export interface PriorSampleResult {
  file: string;
  numSamples: number;
  datasetName: string;
  checkpoint: string;
  step: number;
}

/**
 * TF `--kind=prior_sample`: generate trials de novo (g0 from the learned prior, u_t from the AR(1)
 * prior, no data) and write `<outputDir>/model_runs_prior_sample` with gen_ics [B,G], gen_states,
 * factors, output_dist_params [B,T,·], costs [1], prior_g0_mean / prior_g0_logvar [B,I] (ic_dim > 0) and
 * prior_zs_ar_con [B,T,U] (co_dim > 0). `costs` is TF's training cost without data: l2_weight·l2 at the
 * restored step (reconstruction and KL are 0 in TF's prior_sample graph).
 */
export async function writePriorSamples(target: SampleTarget, options: PriorSampleOptions = {}): Promise<PriorSampleResult> {
  const tm = await loadTrainedModel(target, options);
  try {
    const c = tm.config;
    const B = positiveInt("numSamples", options.numSamples, tm.train.batchSize);
    const di = options.datasetIndex ?? 0;
    const ds = tm.data.datasets[di];
    if (!Number.isInteger(di) || !ds) throw new ParamError(`datasetIndex must be a 0-based index below ${tm.data.datasets.length}; got ${di}`);
    const M = positiveInt("batchTrials", options.batchTrials, defaultBatchTrials(c, ds.numNeurons));
    const seed = options.seed ?? 0;
    const T = c.numSteps;
    const N = ds.numNeurons;
    const dOut = tm.model.observation.paramsPerNeuron * N;
    const file = path.join(tm.spec.outputDir, "model_runs_prior_sample");
    const { l2Term } = rampTerms(tm);
    const plan: NoiseRequest[] = [];
    if (c.icDim > 0) plan.push({ what: "g0 noise [B, ic_dim]", perRow: c.icDim, layout: "row" });
    if (c.coDim > 0) plan.push({ what: "AR(1) prior noise [B, T, co_dim]", perRow: T * c.coDim, layout: "row" });
    await writeH5Atomic(file, (f) => {
      const genStates = new TrialSliceDataset(f, "gen_states", B, [T, c.genDim]);
      const factors = new TrialSliceDataset(f, "factors", B, [T, c.factorsDim]);
      const odp = new TrialSliceDataset(f, "output_dist_params", B, [T, dOut]);
      const zs = c.coDim > 0 ? new TrialSliceDataset(f, "prior_zs_ar_con", B, [T, c.coDim]) : undefined;
      const genIcs = new Float64Array(B * c.genDim);
      const priorMean = new Float64Array(B * c.icDim);
      const priorLogvar = new Float64Array(B * c.icDim);
      for (let b0 = 0; b0 < B; b0 += M) {
        const bb = Math.min(M, B - b0);
        const rows = Array.from({ length: bb }, (_, r): [number, number] => [b0 + r, 0]);
        const noise = new RowNoise(seed, streamId(di, "prior", 0), rows, plan);
        tf.tidy(() => {
          const o = tm.model.samplePrior(bb, di, noise);
          noise.finish();
          genStates.write(b0, Float64Array.from(o.genStates.dataSync()));
          factors.write(b0, Float64Array.from(o.factors.dataSync()));
          odp.write(b0, Float64Array.from(o.outputDistParams.dataSync()));
          if (zs && o.controllerOutputs) zs.write(b0, Float64Array.from(o.controllerOutputs.dataSync()));
          genIcs.set(o.genIcs.dataSync(), b0 * c.genDim);
          if (c.icDim > 0) {
            const m = o.priorG0Mean!.dataSync();
            const lv = o.priorG0Logvar!.dataSync();
            for (let r = 0; r < bb; r++) {
              priorMean.set(m, (b0 + r) * c.icDim);
              priorLogvar.set(lv, (b0 + r) * c.icDim);
            }
          }
        });
      }
      writeFloat64(f, "gen_ics", genIcs, [B, c.genDim]);
      writeFloat64(f, "costs", Float64Array.of(l2Term), [1]);
      if (c.icDim > 0) {
        writeFloat64(f, "prior_g0_mean", priorMean, [B, c.icDim]);
        writeFloat64(f, "prior_g0_logvar", priorLogvar, [B, c.icDim]);
      }
    });
    return { file, numSamples: B, datasetName: ds.name, checkpoint: tm.checkpointFile, step: tm.checkpoint.state.step };
  } finally {
    tm.dispose();
  }
}

export interface WriteModelParamsOptions {
  /** Default "lve" (falling back to the latest checkpoint with a warning). */
  checkpoint?: CheckpointChoice;
  checkpointFile?: string;
}

/**
 * TF `--kind=write_model_params`: write `<outputDir>/model_params` (every variable under its TF name
 * with '/' → '_' and ':0', Adam slots, global_step, learning_rate; uncompressed) from a checkpoint.
 * Training already writes it from the LVE checkpoint; this re-makes it, e.g. from another checkpoint.
 * Needs no params: a run folder, a Run or `{ outputDir }` will do.
 */
export async function writeModelParams(target: string | { path: string } | { outputDir: string }, options: WriteModelParamsOptions = {}): Promise<{ file: string; checkpoint: string; step: number }> {
  const outputDir = typeof target === "string" ? path.join(path.resolve(target), "lfadsOutput") : "path" in target ? path.join(target.path, "lfadsOutput") : path.resolve(target.outputDir);
  if (typeof target === "string" && !fs.existsSync(target)) throw new LayoutError(`run folder not found: ${path.resolve(target)}`);
  const ckptFile = resolveCheckpoint(outputDir, options.checkpoint ?? "lve", options.checkpointFile);
  const ckpt = await loadCheckpoint(ckptFile);
  const file = path.join(outputDir, "model_params");
  await writeModelParamsFile(file, ckpt);
  return { file, checkpoint: ckptFile, step: ckpt.state.step };
}
