/**
 * Writing one posterior-mean file (one kind, dataset and split) of `samplePosterior`: each group of
 * trials is encoded once, then decoded in passes of at most batchTrials rows (see the header of
 * sample.ts), and the averages are streamed to the file a group at a time.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { readH5, writeH5Atomic, type H5Dataset, type H5File } from "../io/h5.js";
import { reconNeuronsOf, reconStepsOf, type LfadsConfig } from "../model/config.js";
import type { LfadsBatch, LfadsEncoding } from "../model/lfads.js";
import { LayoutError } from "../core/errors.js";
import { gatherTrials, type DatasetData, type SplitData } from "../train/input-data.js";
import { padToTarget } from "../train/recon-data.js";
import type { TrainedModel } from "./sample-model.js";
import { POSTERIOR_ATTRS } from "./posterior-source.js";
import { RowNoise, streamId, type NoiseRequest } from "./sample-noise.js";
import type { PosteriorSampleKind, PosteriorSplit } from "./sample-progress.js";
import { trialsPerGroup } from "./sample-shared.js";
import { TrialSliceDataset, writeFloat64 } from "./sample-write.js";

/** One file to write. */
export interface SplitJob {
  kind: PosteriorSampleKind;
  datasetIndex: number;
  ds: DatasetData;
  split: PosteriorSplit;
  file: string;
  /** Trials to process (first E of the split). */
  E: number;
}

/** Everything a split writer needs. */
export interface SplitContext {
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

/** Thrown between forward passes when the signal is aborted; the file in progress is not written. */
export class Aborted extends Error {}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

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
    const T = reconStepsOf(c);
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

/** The split of a job's dataset (test: the input's test_data, which a test job implies). */
export function splitOf(ds: DatasetData, split: PosteriorSplit): SplitData {
  const s = split === "test" ? ds.test : ds[split];
  if (!s) throw new LayoutError(`dataset '${ds.name}' (${ds.file}) has no test_data, so it has no test split to sample`);
  return s;
}

/**
 * The target of trials without recon data (test_data) in a model with held-out neurons or forward
 * bins: the data zero-padded to [B, T_rec, N_rec] and likelihood weights 1 on the observed held-in
 * elements, 0 elsewhere, so that costs and bounds are those of the observed elements.
 */
function observedOnlyTarget(x: Float32Array, B: number, T: number, N: number, Tr: number, Nr: number): Pick<LfadsBatch, "recon" | "weights"> {
  const value = padToTarget(new Float32Array(x.length).fill(1), 0, B, T, N, Tr, Nr);
  return { recon: tf.tensor3d(padToTarget(x, 0, B, T, N, Tr, Nr), [B, Tr, Nr]), weights: { value } };
}

function makeBatch(c: LfadsConfig, datasetIndex: number, ds: DatasetData, s: SplitData, idx: Int32Array): LfadsBatch {
  const T = c.numSteps;
  const N = ds.numNeurons;
  const [Tr, Nr] = [reconStepsOf(c), reconNeuronsOf(ds)];
  const B = idx.length;
  const data = gatherTrials(s.data, idx, T * N);
  const b: LfadsBatch = { datasetIndex, data: tf.tensor3d(data, [B, T, N]) };
  if (s.recon) b.recon = tf.tensor3d(gatherTrials(s.recon, idx, Tr * Nr), [B, Tr, Nr]);
  else if (Tr !== T || Nr !== N) Object.assign(b, observedOnlyTarget(data, B, T, N, Tr, Nr));
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
function encodeGroup(ctx: SplitContext, job: SplitJob, acc: GroupSums, e0: number, kk: number): LfadsEncoding {
  const { model, config: c } = ctx.tm;
  const noise = new RowNoise(ctx.seed, streamId(job.datasetIndex, job.split, 0), [], []);
  let enc: LfadsEncoding | undefined;
  tf.tidy(() => {
    const idx = Int32Array.from({ length: kk }, (_, j) => e0 + j);
    enc = model.encode(makeBatch(c, job.datasetIndex, job.ds, splitOf(job.ds, job.split), idx), { keepProb: 1, noise });
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
function runPass(ctx: SplitContext, job: SplitJob, enc: LfadsEncoding, acc: GroupSums, e0: number, kk: number, s0: number, cc: number): void {
  const { model, config: c } = ctx.tm;
  const T = reconStepsOf(c);
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

/** Encode one group of trials, then add the sums of its S samples into `acc`, `chunk` samples per decoder pass. */
async function sampleGroup(ctx: SplitContext, job: SplitJob, acc: GroupSums, e0: number, S: number, chunk: number): Promise<void> {
  const enc = encodeGroup(ctx, job, acc, e0, acc.k);
  try {
    for (let s0 = 0; s0 < S; s0 += chunk) {
      if (ctx.signal?.aborted) throw new Aborted();
      runPass(ctx, job, enc, acc, e0, acc.k, s0, Math.min(chunk, S - s0));
      await yieldToEventLoop();
    }
  } finally {
    tf.dispose(ownTensors(enc));
  }
}

/** Root attributes lfads-ts adds to its posterior files (TF wrote none; readers ignore them). */
const { step: ATTR_STEP, samples: ATTR_SAMPLES, seed: ATTR_SEED, checkpoint: ATTR_CHECKPOINT } = POSTERIOR_ATTRS;

/**
 * The outputs of one file: per-time arrays streamed to it a group at a time, per-trial vectors kept
 * until `finish` writes them with the root attributes.
 */
class SplitOutputs {
  private readonly c: LfadsConfig;
  private readonly odp: TrialSliceDataset;
  private readonly factors: TrialSliceDataset;
  private readonly genStates: TrialSliceDataset;
  private readonly co: TrialSliceDataset | undefined;
  private readonly genIcs: Float64Array;
  private readonly postMean: Float64Array;
  private readonly postLogvar: Float64Array;
  private readonly priorMean: Float64Array;
  private readonly priorLogvar: Float64Array;
  private readonly costs: Float64Array;
  private readonly vaes: Float64Array;
  private readonly iwaes: Float64Array;

  constructor(private readonly f: H5File, private readonly ctx: SplitContext, private readonly E: number, dOut: number) {
    const c = (this.c = ctx.tm.config);
    const T = reconStepsOf(c);
    const I = c.icDim;
    this.odp = new TrialSliceDataset(f, "output_dist_params", E, [T, dOut]);
    this.factors = new TrialSliceDataset(f, "factors", E, [T, c.factorsDim]);
    this.genStates = new TrialSliceDataset(f, "gen_states", E, [T, c.genDim]);
    this.co = c.coDim > 0 ? new TrialSliceDataset(f, "controller_outputs", E, [T, c.coDim]) : undefined;
    this.genIcs = new Float64Array(E * c.genDim);
    this.postMean = new Float64Array(E * I);
    this.postLogvar = new Float64Array(E * I);
    this.priorMean = new Float64Array(E * I);
    this.priorLogvar = new Float64Array(E * I);
    this.costs = new Float64Array(E);
    this.vaes = new Float64Array(E);
    this.iwaes = new Float64Array(E);
  }

  /** Store the averages over S samples of the group of trials starting at `e0`, with their costs and bounds. */
  addGroup(acc: GroupSums, e0: number, S: number): void {
    const { c, ctx } = this;
    const G = c.genDim;
    const I = c.icDim;
    const kk = acc.k;
    const scale = (a: Float64Array): Float64Array => a.map((x) => x / S);
    this.odp.write(e0, scale(acc.odp));
    this.factors.write(e0, scale(acc.factors));
    this.genStates.write(e0, scale(acc.genStates));
    if (this.co && acc.co) this.co.write(e0, scale(acc.co));
    this.genIcs.set(scale(acc.genIcs), e0 * G);
    if (I > 0) {
      this.postMean.set(acc.postMean, e0 * I);
      this.postLogvar.set(acc.postLogvar, e0 * I);
      for (let j = 0; j < kk; j++) {
        this.priorMean.set(acc.priorMean!, (e0 + j) * I);
        this.priorLogvar.set(acc.priorLogvar!, (e0 + j) * I);
      }
    }
    for (let j = 0; j < kk; j++) {
      const recon = -acc.logLik[j]! / S;
      const kl = acc.kl[j]! / S;
      this.costs[e0 + j] = recon + ctx.klWeight * kl + ctx.l2Term + c.coMeanCorrScale * (acc.corr[j]! / S);
      this.vaes[e0 + j] = -(acc.logLik[j]! - acc.kl[j]!) / S;
      this.iwaes[e0 + j] = Math.log(S) - (acc.lbMax[j]! + Math.log(acc.lbSum[j]!));
    }
  }

  /** Write the per-trial vectors and the root attributes (sample count `S`). */
  finish(S: number): void {
    const { f, ctx, E } = this;
    const G = this.c.genDim;
    const I = this.c.icDim;
    if (I > 0) {
      writeFloat64(f, "prior_g0_mean", this.priorMean, [E, I]);
      writeFloat64(f, "prior_g0_logvar", this.priorLogvar, [E, I]);
      writeFloat64(f, "post_g0_mean", this.postMean, [E, I]);
      writeFloat64(f, "post_g0_logvar", this.postLogvar, [E, I]);
    }
    writeFloat64(f, "gen_ics", this.genIcs, [E, G]);
    writeFloat64(f, "costs", this.costs, [E]);
    writeFloat64(f, "nll_bound_vaes", this.vaes, [E]);
    writeFloat64(f, "nll_bound_iwaes", this.iwaes, [E]);
    writeFloat64(f, "train_steps", new Float64Array(E).fill(ctx.step), [E]);
    f.create_attribute(ATTR_STEP, ctx.step);
    f.create_attribute(ATTR_SAMPLES, S);
    f.create_attribute(ATTR_SEED, ctx.seed);
    f.create_attribute(ATTR_CHECKPOINT, path.basename(ctx.tm.checkpointFile));
  }
}

/** Write one split's file, a group of trials at a time. `report(done)` after every group. */
export async function writeSplit(ctx: SplitContext, job: SplitJob, report: (done: number) => Promise<void>): Promise<void> {
  const c = ctx.tm.config;
  const N = reconNeuronsOf(job.ds);
  const dOut = ctx.tm.model.observation.paramsPerNeuron * N;
  const E = job.E;
  const S = job.kind === "posterior_sample_and_average" ? ctx.numSamples : 1;
  const M = ctx.batchTrials;
  const k = trialsPerGroup(c, N, M, S);
  // Samples per decoder pass: all S when they fit, else ⌈S / M⌉ passes of (nearly) equal size.
  const chunk = S <= M ? S : Math.ceil(S / Math.ceil(S / M));

  await writeH5Atomic(job.file, async (f: H5File) => {
    const out = new SplitOutputs(f, ctx, E, dOut);
    for (let e0 = 0; e0 < E; e0 += k) {
      const acc = new GroupSums(Math.min(k, E - e0), c, dOut);
      if (ctx.signal?.aborted) throw new Aborted();
      await sampleGroup(ctx, job, acc, e0, S, chunk);
      out.addGroup(acc, e0, S);
      await report(e0 + acc.k);
    }
    out.finish(S);
  });
}

/**
 * Why an existing output file cannot be kept ("" when it can): it comes from another checkpoint step
 * (`train_steps`), or was averaged over another number of samples (our attribute; TF files have none),
 * or cannot be read.
 */
export async function staleReason(file: string, step: number, numSamples: number | undefined, maxTrials: number, nTrials: number): Promise<string> {
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
