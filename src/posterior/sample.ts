/**
 * Posterior sampling of TF LFADS (lfads-model.md §4): the posterior-mean files, written as TF writes
 * them so that `loadPosteriorMeans` / `run.loadPosteriorMeans()` (and MATLAB/Python readers) read them
 * back. One file at a time is written by sample-split.ts. TensorFlow.js; import through `lfads-ts/tf`.
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
 *   options.onProgress  called after every group of trials and per file (see PosteriorProgress)
 *   options.reporter    a progress display (see PosteriorReporter). This function shows nothing by itself;
 *                       samplePosterior of `lfads-ts/tf` (src/facade/sample-posterior.ts) passes a progress bar
 *                       (HTML in Jupyter, a redrawn line on a terminal, a line every 10 s in a log file)
 *                       unless onProgress or quiet is given
 *   options.signal      abort between forward passes: the file in progress is not written, result.aborted = true
 *   options.quiet       no default display (read by samplePosterior of `lfads-ts/tf`)
 *   options.params / backend   params for a folder without params.json; force a tfjs backend
 * writePriorSamples(target, { numSamples?, datasetIndex?, checkpoint?, seed?, batchTrials? }) → model_runs_prior_sample (prior-sample.ts)
 * writeModelParams(target, { checkpoint? })                                                   → model_params (write-model-params.ts)
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
 * With recon data in the inputs (held-out neurons, forward bins; train/recon-data.ts) T is T_rec and N is
 * N_rec: the rates cover every recon neuron and bin, and costs are over every recon element. An input
 * with test_data gets a third file per kind, `model_runs_<ds>_test_<kind>`, with the same keys for its
 * test trials (encoded from test_data alone); there costs and bounds are over the observed held-in
 * elements only, the rest having no data.
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
import { ParamError } from "../core/errors.js";
import type { BackendInfo } from "../model/ops/backend.js";
import { MODEL_RUNS_PREFIX, modelRunsFileName } from "../runs/layout.js";
import { POSTERIOR_MEAN_KINDS } from "./posterior-means.js";
import { loadTrainedModel, type LoadModelOptions, type SampleTarget, type TrainedModel } from "./sample-model.js";
import type { PosteriorFileInfo, PosteriorProgress, PosteriorReporter, PosteriorSampleKind, PosteriorSplit } from "./sample-progress.js";
import { defaultBatchTrials, positiveInt, rampTerms } from "./sample-shared.js";
import { Aborted, splitOf, staleReason, writeSplit, type SplitContext, type SplitJob } from "./sample-split.js";

export type { SampleTarget, SampleTargetSpec, CheckpointChoice } from "./sample-model.js";
export type { PosteriorFileInfo, PosteriorFileReporter, PosteriorProgress, PosteriorReporter, PosteriorSampleInfo, PosteriorSampleKind, PosteriorSplit } from "./sample-progress.js";

export interface SamplePosteriorOptions extends LoadModelOptions {
  kind?: PosteriorSampleKind | "both";
  numSamples?: number;
  batchTrials?: number;
  maxTrials?: number;
  overwrite?: boolean;
  seed?: number;
  onProgress?: (p: PosteriorProgress) => void | Promise<void>;
  /** A progress display; none by default here (the `lfads-ts/tf` samplePosterior passes one). */
  reporter?: PosteriorReporter;
  signal?: AbortSignal;
  quiet?: boolean;
}

export interface PosteriorFileResult {
  file: string;
  kind: PosteriorSampleKind;
  datasetName: string;
  split: PosteriorSplit;
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
export function posteriorFileName(datasetName: string, split: PosteriorSplit, kind: PosteriorSampleKind): string {
  return modelRunsFileName(datasetName, split, kind);
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
    const m = n.startsWith(`.${MODEL_RUNS_PREFIX}`) ? /\.tmp-(\d+)-[a-z0-9]+$/.exec(n) : null;
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

/** The checked settings of one call. */
interface Settings {
  kinds: PosteriorSampleKind[];
  numSamples: number;
  batchTrials: number;
  maxTrials: number;
  seed: number;
}

function checkSettings(tm: TrainedModel, options: SamplePosteriorOptions): Settings {
  const p = tm.spec.params;
  const kinds = kindsOf(options.kind, p.values.posterior_mean_kind);
  const numSamples = positiveInt("numSamples", options.numSamples, p.values.num_samples_posterior);
  const maxN = Math.max(...tm.data.datasets.map((d) => d.numReconNeurons ?? d.numNeurons));
  const batchTrials = positiveInt("batchTrials", options.batchTrials, defaultBatchTrials(tm.config, maxN));
  const maxTrials = options.maxTrials === undefined ? Infinity : positiveInt("maxTrials", options.maxTrials, 1);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ParamError(`seed must be an integer; got ${seed}`);
  return { kinds, numSamples, batchTrials, maxTrials, seed };
}

/** Every file of the call, in the order written: per kind, per dataset, train then valid (then test, where the input has test_data). */
function planJobs(tm: TrainedModel, s: Settings): SplitJob[] {
  const jobs: SplitJob[] = [];
  for (const kind of s.kinds) {
    tm.data.datasets.forEach((ds, datasetIndex) => {
      for (const split of ds.test ? (["train", "valid", "test"] as const) : (["train", "valid"] as const)) {
        const E = Math.min(splitOf(ds, split).numTrials, s.maxTrials);
        jobs.push({ kind, datasetIndex, ds, split, file: path.join(tm.spec.outputDir, posteriorFileName(ds.name, split, kind)), E });
      }
    });
  }
  return jobs;
}

/** Existing files that must be re-made, with the reason (another step, sample count or trial count). */
async function staleJobs(jobs: readonly SplitJob[], step: number, s: Settings, overwrite: boolean | undefined): Promise<Map<SplitJob, string>> {
  const remake = new Map<SplitJob, string>();
  for (const j of jobs) {
    if (overwrite || !fs.existsSync(j.file)) continue;
    const why = await staleReason(j.file, step, j.kind === "posterior_sample_and_average" ? s.numSamples : undefined, s.maxTrials, splitOf(j.ds, j.split).numTrials);
    if (why) remake.set(j, why);
  }
  return remake;
}

function fileInfo(job: SplitJob): PosteriorFileInfo {
  return { kind: job.kind, datasetName: job.ds.name, datasetIndex: job.datasetIndex, split: job.split, file: job.file, trialsTotal: job.E };
}

/** What the files of one call share: the result, the overall progress, onProgress events and the reporter. */
class SampleCall {
  overallDone = 0;
  private readonly perKind = new Map<PosteriorSampleKind, { trials: number; seconds: number }>();

  constructor(readonly result: SamplePosteriorResult, private readonly overallTotal: number, private readonly t0: number, private readonly options: SamplePosteriorOptions) {}

  get reporter(): PosteriorReporter | undefined {
    return this.options.reporter;
  }

  async emit(ev: Omit<PosteriorProgress, "overallDone" | "overallTotal" | "elapsedSeconds">): Promise<void> {
    if (this.options.onProgress) await this.options.onProgress({ ...ev, overallDone: this.overallDone, overallTotal: this.overallTotal, elapsedSeconds: (performance.now() - this.t0) / 1000 });
  }

  /** A file that exists and is kept. */
  async skip(job: SplitJob): Promise<void> {
    this.result.skipped.push(job.file);
    this.result.files.push({ file: job.file, kind: job.kind, datasetName: job.ds.name, split: job.split, trials: job.E, skipped: true, seconds: 0, trialsPerSecond: NaN });
    this.reporter?.skipped(fileInfo(job));
    await this.emit({ ...fileInfo(job), event: "skipped", trialsDone: job.E, trialsPerSecond: NaN });
  }

  /** Record a written file. */
  wrote(job: SplitJob, seconds: number, replaced: string | undefined): void {
    const tps = job.E / Math.max(1e-9, seconds);
    this.result.written.push(job.file);
    this.result.files.push({ file: job.file, kind: job.kind, datasetName: job.ds.name, split: job.split, trials: job.E, skipped: false, seconds, trialsPerSecond: tps, ...(replaced ? { replaced } : {}) });
    const k = this.perKind.get(job.kind) ?? { trials: 0, seconds: 0 };
    this.perKind.set(job.kind, { trials: k.trials + job.E, seconds: k.seconds + seconds });
  }

  /** Trials per second of each kind over the files written. */
  finish(): SamplePosteriorResult {
    for (const [kind, v] of this.perKind) this.result.trialsPerSecond[kind] = v.trials / Math.max(1e-9, v.seconds);
    return this.result;
  }
}

/** Write one file, reporting its progress; false when the signal stopped it (then the file is not written). */
async function writeFile(ctx: SplitContext, job: SplitJob, replaced: string | undefined, call: SampleCall): Promise<boolean> {
  const info = fileInfo(job);
  const tFile = performance.now();
  const shown = call.reporter?.file(info, replaced);
  const rate = (done: number): number => done / Math.max(1e-9, (performance.now() - tFile) / 1000);
  const before = call.overallDone;
  try {
    await writeSplit(ctx, job, async (done) => {
      call.overallDone = before + done;
      const tps = rate(done);
      shown?.update(done, tps);
      await call.emit({ ...info, event: "chunk", trialsDone: done, trialsPerSecond: tps });
    });
  } catch (e) {
    if (!(e instanceof Aborted)) throw e;
    shown?.aborted();
    return false;
  }
  const seconds = (performance.now() - tFile) / 1000;
  call.overallDone = before + job.E;
  const tps = job.E / Math.max(1e-9, seconds);
  shown?.done(tps);
  call.wrote(job, seconds, replaced);
  await call.emit({ ...info, event: "file", trialsDone: job.E, trialsPerSecond: tps });
  return true;
}

/**
 * Sample the posterior of a trained run and write TF LFADS posterior-mean files for every dataset and
 * split (see the file header for options, files and keys).
 */
export async function samplePosterior(target: SampleTarget, options: SamplePosteriorOptions = {}): Promise<SamplePosteriorResult> {
  const t0 = performance.now();
  const tm = await loadTrainedModel(target, options);
  try {
    const s = checkSettings(tm, options);
    const out = tm.spec.outputDir;
    removeStaleTemps(out);
    const step = tm.checkpoint.state.step;
    const jobs = planJobs(tm, s);
    const remake = await staleJobs(jobs, step, s, options.overwrite);
    const todo = new Set(jobs.filter((j) => options.overwrite || !fs.existsSync(j.file) || remake.has(j)));
    const ctx: SplitContext = { tm, numSamples: s.numSamples, batchTrials: s.batchTrials, seed: s.seed, step, ...rampTerms(tm), signal: options.signal };
    const result: SamplePosteriorResult = {
      outputDir: out, checkpoint: tm.checkpointFile, step, kinds: s.kinds, numSamples: s.numSamples, batchTrials: s.batchTrials,
      files: [], written: [], skipped: [], aborted: false, trialsPerSecond: {}, backend: tm.backend,
    };
    const call = new SampleCall(result, [...todo].reduce((a, j) => a + j.E, 0), t0, options);
    options.reporter?.start({ kinds: s.kinds, checkpoint: tm.checkpointFile, step, numSamples: s.numSamples, batchTrials: s.batchTrials, backend: tm.backend });
    for (const job of jobs) {
      if (!todo.has(job)) {
        await call.skip(job);
        continue;
      }
      if (options.signal?.aborted || !(await writeFile(ctx, job, remake.get(job), call))) {
        result.aborted = true;
        break;
      }
    }
    return call.finish();
  } finally {
    tm.dispose();
  }
}
