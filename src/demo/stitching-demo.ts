/**
 * The multi-session (stitching) walkthrough of the Run Manager docs (`docs/multisession.md`, reference
 * §6), as functions the CLI (`lfads demo --stitching`) and the notebooks share: the three Lorenz
 * datasets, the docs' "first_attempt_stitching" params (c_factors_dim 8 + `useAlignmentMatrix`,
 * `param_Qr2PeG data_RE1kuL` at the docs' batch size of 150), a RunSpec "all" over datasets 1–3 next to
 * one single-dataset RunSpec per dataset, `prepare`, the alignment reconstruction figure of the
 * stitched run (MATLAB `run.multisessionAlignmentTool.plotAlignmentReconstruction`), then training
 * and posterior sampling of the stitched and single-dataset runs with an R² table per dataset.
 *
 * The docs' drive script sets `rc.version = 201801`, a typo for a 2018 date that selects the legacy
 * layout (< 20171107), where every run spec of one data hash shares a single flat `data_RE1kuL/`
 * folder. With the single-dataset specs beside "all", that folder holds one `lfads_dataset001.h5` for
 * two different inputs (with and without an alignment matrix), which `prepare` refuses (naming the
 * runs and the fix). The demo therefore uses
 * the per-spec layout of version 20180131: `data_RE1kuL/all/lfads_dataset00k.h5` and
 * `param_Qr2PeG/all/lfadsInput/*` (reference §3.1). The legacy layout is available with `singles: false`.
 */
import * as path from "node:path";
import { computeAlignment, type AlignmentResult } from "../align/alignment.js";
import { ParamError, warn } from "../core/errors.js";
import { Dataset } from "../data/dataset.js";
import { DatasetCollection } from "../data/dataset-collection.js";
import type { CheckedDatasetData } from "../data/dataset-data.js";
import type { LorenzOptions } from "../data/lorenz.js";
import { maxBatchSizeForTrials, rebin, splitTrainValid } from "../data/rebin-split.js";
import { plotAlignmentReconstruction, type AlignmentPlotOptions } from "../display/plots/alignment.js";
import type { Figure } from "../display/plots/figure.js";
import { writeReport } from "../display/report/report.js";
import { RunParams, type RunParamsInit } from "../params/run-params.js";
import { VERSION_PER_SPEC_DATA } from "../runs/layout.js";
import { prepare, type AlignmentProvider, type PrepareResult } from "../prepare/prepare.js";
import type { Run as RunData } from "../runs/run.js";
import { RunSpec } from "../runs/run-spec.js";
import type { Run } from "../facade/runs.js";
import { RunCollection } from "../facade/runs.js";
import { DOC_PARAMS, ensureLorenzDatasets } from "./lorenz-demo.js";

/** The docs' stitching params ("first_attempt_stitching"): `param_Qr2PeG data_RE1kuL`. */
const STITCHING_PARAMS: RunParamsInit = {
  ...DOC_PARAMS,
  name: "first_attempt_stitching",
  c_factors_dim: 8,
  useAlignmentMatrix: true,
};

/** The docs' hashes of STITCHING_PARAMS (reference §2.4). */
export const STITCHING_HASHES = { param: "param_Qr2PeG", data: "data_RE1kuL" } as const;

/** Small datasets for a quick look (`lfads demo --quick`'s sizes): 20 conditions × 10–12 trials, 200–240 trials each. */
const QUICK_LORENZ: LorenzOptions = { nConditions: 20, minTrialsPerCondition: 10, maxTrialsPerCondition: 12 };

/**
 * c_batch_size of the quick variant: the largest that QUICK_LORENZ's smallest dataset (200 trials) allows with
 * the docs' trainToTestRatio of 4 — 39, since a batch must be smaller than the 40 validation trials.
 */
const QUICK_BATCH_SIZE = maxBatchSizeForTrials(QUICK_LORENZ.nConditions! * QUICK_LORENZ.minTrialsPerCondition!, new RunParams(STITCHING_PARAMS).trainToTestRatio);

/** Run collection layout of the demo (see the module comment for why not the docs' 201801). */
const STITCHING_RC_VERSION = 20180131;

export interface StitchingDemoOptions {
  /** Root folder: datasets in `<out>/datasets` (reused when present), runs in `<out>/runs/<name>`. */
  out: string;
  /** Run collection name. Default "exampleStitching". */
  name?: string;
  /** Generator options for the three datasets (default: the docs' sizes). Existing files are reused as they are. */
  lorenz?: LorenzOptions;
  /**
   * Values applied on top of STITCHING_PARAMS, e.g. `{ c_batch_size: 40 }` for small datasets (this
   * changes the param hash, not the data hash). Default: none when every dataset has enough trials for
   * the docs' batch of 150, otherwise the largest batch size that fits (with a warning).
   */
  params?: RunParamsInit;
  /** Also add one single-dataset RunSpec per dataset (the comparison runs). Default true. */
  singles?: boolean;
  /** RunCollection layout version. Default 20180131 (per-spec data folders). */
  version?: number;
  log?: (line: string) => void;
}

export interface StitchingDemo {
  dc: DatasetCollection;
  rc: RunCollection;
  /** The params of the collection (STITCHING_PARAMS with `options.params` or the batch size fix). */
  params: RunParams;
  /** The docs' params exactly (batch 150): `param_Qr2PeG data_RE1kuL`. */
  docParams: RunParams;
  /** The stitched run: RunSpec "all" over datasets 1–3. */
  stitched: Run;
  /** The single-dataset runs (empty with `singles: false`). */
  singles: Run[];
}

/** Build the docs' stitching collection (datasets generated or reused; nothing prepared yet). */
export async function buildStitchingDemo(opts: StitchingDemoOptions): Promise<StitchingDemo> {
  const log = opts.log;
  const version = opts.version ?? STITCHING_RC_VERSION;
  const singles = opts.singles ?? true;
  if (singles && version < VERSION_PER_SPEC_DATA) {
    throw new ParamError(
      `stitching demo: version ${version} (< ${VERSION_PER_SPEC_DATA}) shares one data folder across run specs, so the single-dataset runs and "all" ` +
        `would share input files although only "all" carries alignment matrices; use version ${STITCHING_RC_VERSION} or singles: false`,
    );
  }
  const lorenz = opts.lorenz ?? {};
  if ((lorenz.nDatasets ?? 3) < 2) throw new ParamError(`stitching demo: stitching needs at least 2 datasets, got nDatasets=${lorenz.nDatasets}`);
  const dsFolder = path.join(opts.out, "datasets");
  const files = await ensureLorenzDatasets(dsFolder, lorenz, log);
  const dc = new DatasetCollection(dsFolder, "lorenz_example");
  for (const f of files) new Dataset(dc, path.basename(f));
  await dc.loadInfo();

  const docParams = new RunParams(STITCHING_PARAMS);
  let params = opts.params ? docParams.with(opts.params) : docParams;
  if (!opts.params) {
    const { maxBatchSize, minTrials } = await dc.computeMaxBatchSizeForTrainToRatio(docParams.trainToTestRatio);
    if (maxBatchSize < docParams.c_batch_size) {
      if (maxBatchSize < 1) throw new ParamError(`stitching demo: the smallest dataset has ${minTrials} trials, too few for any batch with trainToTestRatio ${docParams.trainToTestRatio}`);
      warn(
        `stitching demo: the smallest dataset has ${minTrials} trials, too few for the docs' c_batch_size of ${docParams.c_batch_size}; ` +
          `using c_batch_size ${maxBatchSize} (params ${docParams.with({ c_batch_size: maxBatchSize }).paramHashString} instead of ${STITCHING_HASHES.param}; the data hash stays ${docParams.dataHashString})`,
      );
      params = docParams.with({ c_batch_size: maxBatchSize });
    }
  }

  const rc = new RunCollection(path.join(opts.out, "runs"), opts.name ?? "exampleStitching", dc, { version });
  rc.addParams(params);
  const all = dc.datasets.map((_, i) => i + 1);
  rc.addRunSpec(new RunSpec("all", dc, all));
  if (singles) for (const ds of dc.datasets) rc.addRunSpec(new RunSpec(ds.getSingleRunName(), dc, ds.name));
  const stitched = rc.findRun("all", 1);
  const singleRuns = singles ? dc.datasets.map((ds) => rc.findRun(ds.getSingleRunName(), 1)) : [];
  return { dc, rc, params, docParams, stitched, singles: singleRuns };
}

/**
 * The alignment of a stitched run as `prepare` computes it (re-binned training trials, condition
 * averages, global PCs, per-dataset regression), with everything the reconstruction plot needs.
 * Its `matrices`/`biases` are the `alignment_matrix_cxf`/`alignment_bias_c` that `prepare` writes.
 */
export async function computeRunAlignment(run: RunData): Promise<AlignmentResult> {
  const data: CheckedDatasetData[] = [];
  for (const ds of run.datasets) data.push(ds.loadedData ?? (await ds.loadData({ keep: false })));
  return alignmentOfData(run, data);
}

/** The alignment of `run` from its datasets' loaded data (what `prepare`'s default provider computes). */
function alignmentOfData(run: RunData, data: readonly CheckedDatasetData[]): AlignmentResult {
  const p = run.params;
  const input = data.map((d, i) => {
    const name = run.datasets[i]!.name;
    if (!d.conditionId) throw new ParamError(`Run ${run.name}, dataset ${name}: the alignment averages trials by condition, but the loader returned no conditionId`);
    return {
      name,
      counts: rebin(d.counts, d.binWidthMs, p.spikeBinMs, "counts"),
      conditionIds: d.conditionId,
      trainInds: splitTrainValid(d.nTrials, p.trainToTestRatio).trainInds,
    };
  });
  return computeAlignment(input, {
    nFactors: p.c_factors_dim,
    approach: p.alignmentApproach,
    extraArgs: p.alignmentExtraArgs,
    singleDataset: run.nDatasets === 1,
  });
}

/**
 * An alignment provider for `prepare` that computes what the default one does and keeps the full
 * results (for the reconstruction plot) in `results`, so that the data are not loaded twice.
 */
function recordingAlignmentProvider(): { provider: AlignmentProvider; results: Map<RunData, AlignmentResult> } {
  const results = new Map<RunData, AlignmentResult>();
  const provider: AlignmentProvider = (run, data) => {
    const r = alignmentOfData(run, data);
    results.set(run, r);
    return r.matrices.map((matrix, i) => ({ matrix, nFactors: r.nFactors, bias: r.biases[i]! }));
  };
  return { provider, results };
}

/** The docs' figure shows conditions 1, 20 and 40; with fewer conditions, the first, middle and last. */
function defaultAlignmentConditions(result: AlignmentResult): AlignmentResult["conditions"] {
  const c = result.sharedConditions;
  if ([1, 20, 40].every((id) => c.includes(id))) return [1, 20, 40];
  if (c.length <= 3) return [...c];
  return [c[0]!, c[Math.floor((c.length - 1) / 2)]!, c[c.length - 1]!];
}

/**
 * The alignment reconstruction figure of a stitched run (default: 3 factors × the docs' conditions,
 * time in ms). Pass `alignment` to reuse a `computeRunAlignment` result.
 */
export async function plotRunAlignment(run: RunData, opts: AlignmentPlotOptions & { alignment?: AlignmentResult } = {}): Promise<Figure> {
  const { alignment, ...plotOpts } = opts;
  const result = alignment ?? (await computeRunAlignment(run));
  return plotAlignmentReconstruction(result, {
    factors: Math.min(3, result.nComponents),
    conditionIds: defaultAlignmentConditions(result),
    binMs: run.params.spikeBinMs,
    title: `Alignment reconstruction: ${run.name} (${run.paramsString})`,
    ...plotOpts,
  });
}

export interface AlignmentFigureFiles {
  html: string;
  /** Undefined when the SVG could not be rendered (no Chromium); the reason is in `svgError`. */
  svg: string | undefined;
  svgError?: string;
}

/**
 * Write the alignment reconstruction figure of `run` as `<folder>/alignment_reconstruction.html`
 * (self-contained, works offline) and `.svg` (through headless Chromium, when available).
 */
export async function writeAlignmentFigure(run: RunData, folder: string, alignment?: AlignmentResult): Promise<AlignmentFigureFiles> {
  const result = alignment ?? (await computeRunAlignment(run));
  const fig = await plotRunAlignment(run, { alignment: result });
  const base = path.join(folder, "alignment_reconstruction");
  const html = writeReport(`${base}.html`, {
    title: `Alignment reconstruction — ${run.name}`,
    subtitle: `${run.paramsString}, ${result.datasetNames.length} datasets, ${result.nFactors} factors (${result.nComponents} global PCs)`,
    sections: [
      {
        text:
          "Black: the global principal components of the condition-averaged, re-binned training trials of every dataset stacked together. " +
          "Coloured: each dataset's least-squares reconstruction of them through its alignment matrix (the read-in initialisation written to its LFADS input file).",
        figure: fig,
      },
    ],
  });
  try {
    const svg = await fig.save(`${base}.svg`);
    return { html, svg };
  } catch (err) {
    return { html, svg: undefined, svgError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Settings of the quick training (`lfads demo --stitching --quick`, notebook 02): 10-ms bins, 32-unit
 * networks, 16 initial-condition dimensions, batches of 20 and KL/L2 ramps of 100 steps (× the number
 * of datasets for the stitched run), applied on top of the collection's params as a second setting.
 */
export const QUICK_TRAIN_PARAMS: RunParamsInit = {
  name: "quick_stitching",
  spikeBinMs: 10,
  c_gen_dim: 32,
  c_ic_enc_dim: 32,
  c_ic_dim: 16,
  c_batch_size: 20,
  c_kl_increase_steps: 100,
  c_l2_increase_steps: 100,
};
/** Training steps of every run in the quick training. */
const QUICK_TRAIN_STEPS = 1000;
/** Posterior samples per trial in the quick training (the docs' default is 512). */
const QUICK_POSTERIOR_SAMPLES = 16;

export interface StitchingTrainOptions {
  /** The quick settings (QUICK_TRAIN_PARAMS, QUICK_TRAIN_STEPS); default false: the collection's params, trained until c_learning_rate_stop. */
  quick?: boolean;
  /** Training steps per run (default: QUICK_TRAIN_STEPS when quick, else until the learning rate stops). */
  steps?: number;
  log?: (line: string) => void;
}

/**
 * The runs the demo trains: the stitched run and the single-dataset runs, of the collection's params or,
 * with `quick`, of the quick params (added to the collection and prepared).
 */
async function stitchingTrainRuns(demo: StitchingDemo, quick: boolean): Promise<Run[]> {
  if (!quick) return [demo.stitched, ...demo.singles];
  const p = demo.params.with(QUICK_TRAIN_PARAMS);
  if (!demo.rc.params.some((q) => q.paramHash === p.paramHash)) demo.rc.addParams(p);
  await prepare(demo.rc);
  return demo.rc.findRuns(undefined, p);
}

/** Train the demo's runs one after the other (each resumes from its checkpoint when called again). */
export async function trainStitchingDemo(demo: StitchingDemo, opts: StitchingTrainOptions = {}): Promise<Run[]> {
  const { trainRun } = await import("../train/train-run.js");
  const { formatProgress } = await import("../train/progress.js");
  const log = opts.log ?? (() => undefined);
  const quick = opts.quick ?? false;
  const maxSteps = opts.steps ?? (quick ? QUICK_TRAIN_STEPS : undefined);
  const runs = await stitchingTrainRuns(demo, quick);
  for (const run of runs) {
    log(`[train] ${run.name} (${run.paramsString})${maxSteps !== undefined ? `, ${maxSteps} steps` : ", until the learning rate reaches c_learning_rate_stop"}`);
    const r = await trainRun(run, { quiet: true, ...(maxSteps !== undefined ? { maxSteps } : {}), onProgress: (p) => (p.kind === "epoch" ? log(`  ${formatProgress(p)}`) : undefined) });
    log(`  ${run.name}: ${r.stopReason}, ${r.steps} steps, ${r.epochs} epochs, ${r.secondsPerStep.toFixed(3)} s per step`);
  }
  return runs;
}

/** One row of the demo's R² table: a dataset, the stitched run's R² and its single-dataset run's. */
export interface StitchingScoreRow {
  dataset: string;
  stitched: number | undefined;
  single: number | undefined;
}

/**
 * Sample the posterior of the trained runs (`samplePosterior`; QUICK_POSTERIOR_SAMPLES per trial when
 * quick, else the params' num_samples_posterior) and score the rates against the true rates on the
 * validation trials, per dataset: stitched vs single-dataset.
 */
export async function posteriorStitchingDemo(runs: readonly Run[], opts: { quick?: boolean; numSamples?: number; log?: (line: string) => void } = {}): Promise<StitchingScoreRow[]> {
  const { samplePosterior } = await import("../posterior/sample.js");
  const { scoreRun } = await import("../posterior/run-results.js");
  const log = opts.log ?? (() => undefined);
  const numSamples = opts.numSamples ?? (opts.quick ? QUICK_POSTERIOR_SAMPLES : undefined);
  const r2 = new Map<string, Map<string, number | undefined>>();
  for (const run of runs) {
    log(`[posterior] ${run.name} (${run.paramsString})`);
    await samplePosterior(run, { quiet: true, ...(numSamples !== undefined ? { numSamples } : {}) });
    r2.set(run.name, new Map((await scoreRun(run)).map((s) => [s.dataset, s.r2])));
  }
  const stitched = runs.find((r) => r.nDatasets > 1);
  const datasets = stitched ? stitched.datasetNames : runs.flatMap((r) => r.datasetNames);
  const rows = datasets.map((ds) => ({
    dataset: ds,
    stitched: stitched ? r2.get(stitched.name)?.get(ds) : undefined,
    single: runs.filter((r) => r.nDatasets === 1 && r.datasetNames[0] === ds).map((r) => r2.get(r.name)?.get(ds))[0],
  }));
  const f = (x: number | undefined): string => (x === undefined ? "-" : x.toFixed(3));
  log("valid R² of the inferred rates against the true rates:");
  log(`  ${"dataset".padEnd(12)} ${"stitched".padStart(9)} ${"single".padStart(9)}`);
  for (const r of rows) log(`  ${r.dataset.padEnd(12)} ${f(r.stitched).padStart(9)} ${f(r.single).padStart(9)}`);
  return rows;
}

export interface StitchingCliOptions {
  out: string;
  quick: boolean;
  /** The CLI's stages (`lfads demo`'s list): of generate, prepare, train and posterior, those not in it are skipped. */
  stages: readonly string[];
  /** Stop after this stage (the CLI's `--until`). */
  until: string;
  log: (line: string) => void;
}

/**
 * The CLI's stitching demo: generate (reuse) → prepare + alignment figure → train → posterior, running
 * the stages the CLI lists and stopping after `until`. Prints the datasets, the summary and the R² table.
 */
export async function runStitchingDemoCli(o: StitchingCliOptions): Promise<{ demo: StitchingDemo; prepared?: PrepareResult; figure?: AlignmentFigureFiles; scores?: StitchingScoreRow[] }> {
  const { log } = o;
  const runs = (s: string): boolean => o.stages.includes(s);
  const stopAfter = (s: string): boolean => s === o.until;
  log(`[generate] Lorenz datasets in ${path.join(o.out, "datasets")}`);
  const demo = await buildStitchingDemo({ out: o.out, log, ...(o.quick ? { lorenz: QUICK_LORENZ, params: { c_batch_size: QUICK_BATCH_SIZE } } : {}) });
  log((await demo.dc.infoTable()).text);
  const p = demo.params;
  log(`params ${p.paramHashString} ${p.dataHashString} "${p.name}"${p.paramHash === demo.docParams.paramHash ? " (the docs' hashes)" : ` (docs: ${STITCHING_HASHES.param} ${STITCHING_HASHES.data} at c_batch_size ${demo.docParams.c_batch_size}; here c_batch_size ${p.c_batch_size})`}`);
  if (stopAfter("generate") || !runs("prepare")) return { demo };

  log(`[prepare] ${demo.rc.path}`);
  const recorded = recordingAlignmentProvider();
  const prepared = await prepare(demo.rc, { alignment: recorded.provider, onProgress: (e) => log(`  ${e.done}/${e.total} ${e.message}`) });
  log(`  ${prepared.written.length} input files written, ${prepared.kept.length} kept, ${prepared.linked.length} links`);
  const alignment = recorded.results.get(demo.stitched) ?? (await computeRunAlignment(demo.stitched));
  const figure = await writeAlignmentFigure(demo.stitched, demo.rc.path, alignment);
  log(`  alignment: ${alignment.nComponents} global PCs over ${alignment.sharedConditions.length} shared conditions × ${alignment.nTime} bins; ` + `matrices ${alignment.nChannels.map((n) => `[${n}, ${alignment.nFactors}]`).join(", ")}`);
  log(`  figure: ${figure.html}`);
  log(figure.svg ? `  figure: ${figure.svg}` : `  (no SVG: ${figure.svgError ?? "not rendered"})`);
  log("");
  log(demo.rc.summary());
  if (stopAfter("prepare") || !runs("train")) return { demo, prepared, figure };

  const trained = await trainStitchingDemo(demo, { quick: o.quick, log });
  if (stopAfter("train") || !runs("posterior")) return { demo, prepared, figure };
  const scores = await posteriorStitchingDemo(trained, { quick: o.quick, log });
  return { demo, prepared, figure, scores };
}
