/**
 * A run's results from its folder, by Run: posterior means, fit log, trained parameters and scores,
 * with the paths, dataset names, bin width and data hash taken from the Run (run-manager.md §8.1).
 * TF-free. The facade's Run (src/facade/runs.ts) calls these as `run.loadPosteriorMeans()`,
 * `run.loadFitLog()`, `run.loadModelTrainedParams()` and `run.score()`.
 */
import * as fs from "node:fs";
import { ParamError, warn } from "../core/errors.js";
import { LFADS_TORCH_OUTPUT_PREFIX, MODEL_RUNS_PREFIX } from "../runs/layout.js";
import type { Run } from "../runs/run.js";
import { loadFitLog, type FitLog, type FitLogDataFrame, type LoadFitLogOptions } from "./fit-log.js";
import { checkOutputDist, observationModel, type OutputDist } from "../model/observation/registry.js";
import type { PosteriorFormat, PosteriorMeans } from "./posterior-means.js";
import { posteriorSourceOf, type PosteriorSource } from "./posterior-source.js";
import { loadPosteriorMeans } from "./read-posterior.js";
import { posteriorBitsPerSpike, posteriorRateR2, posteriorReconBitsPerSpike, splitTrials, type TrialSplit } from "./scores.js";
import { posteriorPsthR2, posteriorVelocityR2, PSTH_TARGET_SD_MS } from "./nlb-scores.js";
import { loadModelTrainedParams, type ModelTrainedParams } from "./trained-params.js";

/** Options of `loadRunPosteriorMeans` / `run.loadPosteriorMeans`. */
export interface RunPosteriorOptions {
  /** `posterior_sample_and_average` or `posterior_push_mean`; default the run's `params.posterior_mean_kind`. */
  kind?: string;
  /** 0-based datasets of the run to load (default all, in the run's order). */
  datasetIndices?: readonly number[];
  /** Which output format to read (default "auto": TF files when present, else lfads-torch). */
  format?: PosteriorFormat | "auto";
  /** Read the files again even when they have not changed since the last call (default false). */
  reload?: boolean;
}

interface CacheEntry {
  stamp: string;
  value: PosteriorMeans[];
}
const cache = new WeakMap<Run, Map<string, CacheEntry>>();

/** Names, sizes and mtimes of the output files a load could read: changes when any is re-written. */
function outputStamp(dir: string): string {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(MODEL_RUNS_PREFIX) || n.startsWith(LFADS_TORCH_OUTPUT_PREFIX)).sort();
  } catch {
    return "";
  }
  return names
    .map((n) => {
      try {
        const s = fs.statSync(`${dir}/${n}`);
        return `${n}:${s.size}:${s.mtimeMs}`;
      } catch {
        return n;
      }
    })
    .join("|");
}

/**
 * Load a run's posterior means (one PosteriorMeans per dataset, trials in the original order, rates in
 * spikes/s — or, for a run with `c_output_dist = 'gaussian'`, Gaussian `means` and `variances` in data
 * units and no rates), as MATLAB's `run.loadPosteriorMeans`. Results are cached per run and kind until an
 * output file changes (or `reload`).
 */
export async function loadRunPosteriorMeans(run: Run, options: RunPosteriorOptions = {}): Promise<PosteriorMeans[]> {
  const names = run.datasetNames;
  const idx = options.datasetIndices ?? names.map((_, i) => i);
  for (const i of idx) {
    if (!Number.isInteger(i) || i < 0 || i >= names.length) throw new ParamError(`datasetIndices: ${i} is not a 0-based dataset index of run ${run.name} (it has ${names.length}: ${names.join(", ")})`);
  }
  const kind = options.kind ?? run.params.posterior_mean_kind;
  const format = options.format ?? "auto";
  const key = `${kind}|${format}|${idx.join(",")}`;
  const stamp = outputStamp(run.pathLFADSOutput);
  const entries = cache.get(run) ?? new Map<string, CacheEntry>();
  const hit = entries.get(key);
  if (hit && hit.stamp === stamp && !options.reload) return hit.value;
  const value = await loadPosteriorMeans({
    outputDir: run.pathLFADSOutput,
    inputDir: run.pathLFADSInput,
    datasetNames: idx.map((i) => names[i]!),
    spikeBinMs: run.params.spikeBinMs,
    dataHash: run.params.dataHash,
    kind,
    format,
    outputDist: runOutputDist(run),
  });
  entries.set(key, { stamp, value });
  cache.set(run, entries);
  return value;
}

/** The run's `c_output_dist` (checked: the posterior files are read accordingly). */
function runOutputDist(run: Run): OutputDist {
  return checkOutputDist(String(run.params.c_output_dist), `c_output_dist of run ${run.name}`);
}

/** The run's `lfadsOutput/fitlog.csv`: a FitLog, or with `{ dataFrame: true }` a danfojs-node DataFrame of its tidy rows. */
export function loadRunFitLog(run: Run, options?: LoadFitLogOptions & { dataFrame?: false }): FitLog;
export function loadRunFitLog(run: Run, options: LoadFitLogOptions & { dataFrame: true }): FitLogDataFrame;
export function loadRunFitLog(run: Run, options?: LoadFitLogOptions): FitLog | FitLogDataFrame;
export function loadRunFitLog(run: Run, options?: LoadFitLogOptions): FitLog | FitLogDataFrame {
  return loadFitLog(run.pathLFADSOutput, options);
}

/**
 * The checkpoint the run's posterior files of `kind` (default the run's posterior_mean_kind) were sampled
 * from, as lfads-ts records it in them; undefined before sampling or for TF LFADS's files.
 */
export function runPosteriorSource(run: Run, kind: string = run.params.posterior_mean_kind): Promise<PosteriorSource | undefined> {
  return posteriorSourceOf(run.pathLFADSOutput, run.datasetNames, kind);
}

/** The run's `lfadsOutput/model_params`, with its dataset names. */
export function loadRunTrainedParams(run: Run): Promise<ModelTrainedParams> {
  return loadModelTrainedParams({ outputDir: run.pathLFADSOutput, datasetNames: run.datasetNames });
}

/** One dataset's scores; a field is undefined when the data for it (truth, counts) is missing. */
export interface RunScore {
  dataset: string;
  kind: string;
  split: TrialSplit;
  /** Trials scored (those of the split that have outputs). */
  trials: number;
  /** Pooled R² of the inferred rates (Gaussian outputs: the means) against the truth (both per LFADS bin). */
  r2?: number;
  /** Mean over neurons of the per-neuron R² (NaN neurons skipped). */
  r2MeanPerNeuron?: number;
  /**
   * Bits per spike of the inferred rates on the run's own counts (NLB definition); Poisson outputs only.
   * With held-out neurons or forward bins: on the held-in neurons over the observed bins.
   */
  bitsPerSpike?: number;
  /** NLB co-bps: bits per spike of the held-out neurons over the observed bins (runs that reconstruct them). */
  coBps?: number;
  /** NLB fp-bps: bits per spike of every neuron over the forward bins (runs that reconstruct them). */
  fpBps?: number;
  /**
   * NLB velocity R²: a ridge decoder (cross-validated penalty) from the rates of every reconstructed neuron
   * over the observed bins to the dataset's behaviour (averaged per LFADS bin), fitted on the train trials
   * and scored on `split`; datasets with behaviour, Poisson outputs.
   */
  velR2?: number;
  /**
   * NLB PSTH R² of `split`'s per-condition mean rates against a target from the dataset's own counts: per
   * condition, the mean over all its trials of the reconstructed counts per LFADS bin smoothed with a
   * 50-ms Gaussian (NLB smooths 1-ms spikes before binning instead); datasets with conditionIds and
   * reconstructed counts, Poisson outputs.
   */
  psthR2?: number;
}

export interface ScoreRunOptions extends RunPosteriorOptions {
  /** Trials to score (default "valid": the held-out trials). */
  split?: TrialSplit;
  /** Score these instead of loading the run's posterior means. */
  posteriorMeans?: readonly PosteriorMeans[];
}

/**
 * Score a run's posterior means per dataset: R² against the true rates (when the input has truth, as
 * the Lorenz and synthetic data do) and bits per spike (when the input info has the counts), on the
 * validation trials by default; with held-out neurons or forward bins (a dataset's reconCounts), NLB's
 * co-bps and fp-bps too; with behaviour, NLB's velocity R², and with condition ids and reconCounts, a PSTH R²
 * (see RunScore). An array of plain records: `show(await scoreRun(run))` is a table.
 * Gaussian-output runs get R² of their means and no bits per spike (a Poisson score).
 */
export async function scoreRun(run: Run, options: ScoreRunOptions = {}): Promise<RunScore[]> {
  const pms = options.posteriorMeans ?? (await loadRunPosteriorMeans(run, options));
  const split = options.split ?? "valid";
  return pms.map((pm) => {
    const s: RunScore = { dataset: pm.datasetName, kind: pm.kind, split, trials: splitTrials(pm, split).length };
    if (pm.truth) {
      const r = posteriorRateR2(pm, { split });
      s.r2 = r.pooled;
      const finite = Array.from(r.perNeuron).filter((x) => Number.isFinite(x));
      s.r2MeanPerNeuron = finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
    }
    const poissonTf = observationModel(pm.outputDist).countData && pm.rawCounts && pm.format === "tf";
    if (poissonTf && pm.rawReconCounts) {
      const b = posteriorReconBitsPerSpike(pm, { split });
      s.bitsPerSpike = b.heldin;
      if (b.coBps !== undefined) s.coBps = b.coBps;
      if (b.fpBps !== undefined) s.fpBps = b.fpBps;
    } else if (poissonTf && pm.nNeurons === pm.rawCounts!.shape[2]) s.bitsPerSpike = posteriorBitsPerSpike(pm, { split });
    if (observationModel(pm.outputDist).countData) Object.assign(s, nlbDecodingScores(pm, split));
    return s;
  });
}

/** velR2 and psthR2 of one dataset, each when its data are there (see RunScore). */
function nlbDecodingScores(pm: PosteriorMeans, split: TrialSplit): Pick<RunScore, "velR2" | "psthR2"> {
  const out: Pick<RunScore, "velR2" | "psthR2"> = {};
  if (pm.behavior) {
    // the decoder is fitted on the train trials: without their posterior (only valid sampled) there is none
    const has = pm.trialHasOutput;
    if (pm.trainInds.some((i) => has[i] === 1)) out.velR2 = posteriorVelocityR2(pm, { split });
    else warn(`${pm.datasetName}: no train trial has posterior outputs, so there is no velocity decoder to fit and no velR2; sample the train split too`);
  }
  // a Gaussian of SD 50 ms needs bins of at most 100 ms (a window of ⌊6·round(50 / bin)⌋ ≥ 1 bins)
  if (pm.conditionIds && pm.rawReconCounts && Math.round(PSTH_TARGET_SD_MS / pm.spikeBinMs) >= 1) out.psthR2 = posteriorPsthR2(pm, { split });
  return out;
}
