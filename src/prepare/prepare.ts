/**
 * prepare(): write the LFADS input tree of a RunCollection (MATLAB `prepareForLFADS`, reference §3):
 * per data hash and run spec, `data_HASH/<spec>/lfads_<ds>.h5` + `inputInfo_<ds>.h5` written once and
 * shared; per params, `param_HASH/<spec>/lfadsInput/` relative symlinks to them; then `summary.txt`.
 *
 * Differences from MATLAB, all deliberate:
 * - each dataset is written under its own file name when only some need regenerating (MATLAB passed
 *   the unmasked name list with masked data, §10.4 item 3);
 * - a shared data folder is written at most once per call, even with `regenerate` and many params;
 * - datasets are loaded once per call (one at a time for single-dataset runs, a run spec's together
 *   for multi-dataset runs), not once per run;
 * - datasets of a multi-dataset run must re-bin to one length (LFADS has one num_steps); this is
 *   checked before anything is written;
 * - runs that would share one input file but need different contents in it are refused before anything
 *   is written (MATLAB let the last run written win). In the legacy layout (version < 20171107) every
 *   run spec of a data hash shares `data_HASH/lfads_<ds>.h5`, so a single-dataset spec and a stitched
 *   spec with `useAlignmentMatrix` (alignment matrix in the file vs none) cannot both use a dataset;
 *   nor can two stitched specs over different dataset sets, nor (any layout) params whose data hash
 *   leaves out a differing `c_factors_dim` (RunParams version < 20171107). See `checkSharedInputFiles`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError, LfadsError, ParamError, ShapeError, warn } from "../core/errors.js";
import type { Dataset } from "../data/dataset.js";
import type { CheckedDatasetData } from "../data/dataset-data.js";
import { maxBatchSizeForTrials, minTrialsForBatchSize, rebinFactor, splitSizes, splitTrainValid } from "../data/rebin-split.js";
import { symlinkRelative } from "../io/atomic.js";
import { alignmentFromParams } from "./alignment-provider.js";
import { checkReconRebin, writeInputInfoFile, writeLfadsInputFile, type AlignmentForDataset } from "./input-files.js";
import { VERSION_PER_SPEC_DATA } from "../runs/layout.js";
import type { Run } from "../runs/run.js";
import { writeRunParamsFile } from "../runs/run-params-file.js";
import type { RunCollection } from "../runs/run-collection.js";
import type { RunSpec } from "../runs/run-spec.js";

export interface PrepareProgress {
  done: number;
  total: number;
  message: string;
}

/**
 * Computes the stitching read-in initialisation of a run (one entry per dataset of the run), for
 * params with `useAlignmentMatrix` (several datasets) or `useSingleDatasetAlignmentMatrix` (one).
 */
export type AlignmentProvider = (run: Run, data: readonly CheckedDatasetData[]) => Promise<readonly AlignmentForDataset[]> | readonly AlignmentForDataset[];

export interface PrepareOptions {
  /** Rewrite every input file and link even if present. Default false: existing files are left untouched. */
  regenerate?: boolean;
  /** Called before each file pair is written and once at the end. */
  onProgress?: (event: PrepareProgress) => void;
  /** Stitching alignment for params that ask for it. Default: `alignmentFromParams` (src/align's global-PC regression). */
  alignment?: AlignmentProvider;
}

export interface PrepareResult {
  /** Input files written by this call (shared copies in data_HASH folders). */
  written: string[];
  /** Input files that existed and were left untouched. */
  kept: string[];
  /** Links (re)created in lfadsInput folders. */
  linked: string[];
  /** `summary.txt`, when a RunCollection was prepared. */
  summaryFile?: string;
}

export type { AlignmentForDataset };

/** Whether a run's input files carry alignment matrices (MATLAB makeLFADSInput's rule). */
export function needsAlignment(run: Run): boolean {
  const p = run.params;
  return (run.nDatasets > 1 && p.useAlignmentMatrix) || (run.version >= VERSION_PER_SPEC_DATA && run.nDatasets === 1 && p.useSingleDatasetAlignmentMatrix);
}

/** Prepare every run of a collection, then write `summary.txt`. */
export async function prepare(rc: RunCollection, options: PrepareOptions = {}): Promise<PrepareResult> {
  if (rc.nRunsTotal === 0) {
    if (rc.nParams === 0) throw new ParamError(`RunCollection "${rc.name}": No RunParams have been added. Use rc.addParams(new RunParams({ … }))`);
    throw new ParamError(`RunCollection "${rc.name}": No RunSpecs have been added. Use rc.addRunSpec(new RunSpec(name, dc, datasets))`);
  }
  const result = await prepareRuns(rc.runList, options);
  result.summaryFile = rc.writeSummaryText();
  return result;
}

interface Job {
  run: Run;
  /** 0-based dataset position within the run. */
  dsIdx: number;
  lfadsFile: string;
  infoFile: string;
}

/** Prepare the given runs (no summary.txt). */
export async function prepareRuns(runs: readonly Run[], options: PrepareOptions = {}): Promise<PrepareResult> {
  const regenerate = options.regenerate ?? false;
  const result: PrepareResult = { written: [], kept: [], linked: [] };
  checkSharedInputFiles(runs);
  const plan = planWrites(runs, regenerate, result.kept);

  const total = [...plan.byDataset.values()].reduce((n, j) => n + j.length, 0) + [...plan.bySpec.values()].flat().reduce((n, r) => n + r.jobs.length, 0);
  let done = 0;
  const progress = (message: string): void => options.onProgress?.({ done, total, message });
  const trials = new Map<Dataset, number>();
  const load = async (ds: Dataset): Promise<CheckedDatasetData> => {
    const data = ds.loadedData ?? (await ds.loadData({ keep: false }));
    trials.set(ds, data.nTrials);
    return data;
  };
  const write = async (job: Job, data: CheckedDatasetData, alignment?: AlignmentForDataset): Promise<void> => {
    progress(`Writing ${path.relative(job.run.runCollection.path, job.lfadsFile)}`);
    await writeJob(job, data, alignment);
    result.written.push(job.lfadsFile, job.infoFile);
    done++;
  };

  for (const [ds, jobs] of plan.byDataset) {
    const data = await load(ds);
    for (const job of jobs) await write(job, data);
  }
  for (const [spec, group] of plan.bySpec) {
    const data: CheckedDatasetData[] = [];
    for (const ds of spec.datasets) data.push(await load(ds));
    for (const { run, jobs } of group) {
      checkCommonLength(run, data);
      let alignment: readonly AlignmentForDataset[] | undefined;
      if (needsAlignment(run)) {
        alignment = await (options.alignment ?? alignmentFromParams)(run, data);
        checkAlignment(run, data, alignment);
      }
      for (const job of jobs) await write(job, data[job.dsIdx]!, alignment?.[job.dsIdx]);
    }
  }

  // Every run whose trial counts are known (loaded now, or dataset info loaded): runs sharing a data
  // folder can still differ in c_batch_size, which is not part of the data hash.
  for (const run of runs) batchSizeWarning(run, trials);
  for (const run of runs) linkRun(run, regenerate, result.linked);
  options.onProgress?.({ done, total, message: "done" });
  return result;
}

/** The shared input files to write, grouped so that each dataset is loaded once. */
interface WritePlan {
  /** Single-dataset runs, by dataset. */
  readonly byDataset: Map<Dataset, Job[]>;
  /** Multi-dataset (and alignment) runs, by run spec: its datasets are loaded together. */
  readonly bySpec: Map<RunSpec, { run: Run; jobs: Job[] }[]>;
}

/** Which shared files must be written (each once); files already there (unless `regenerate`) go to `kept`. */
function planWrites(runs: readonly Run[], regenerate: boolean, kept: string[]): WritePlan {
  const byDataset = new Map<Dataset, Job[]>();
  const bySpec = new Map<RunSpec, { run: Run; jobs: Job[] }[]>();
  const planned = new Set<string>();
  for (const run of runs) {
    const jobs: Job[] = [];
    run.datasets.forEach((_, i) => {
      const lfadsFile = run.lfadsInputFiles[i]!;
      const infoFile = run.lfadsInputInfoFiles[i]!;
      if (planned.has(lfadsFile)) return;
      planned.add(lfadsFile);
      if (!regenerate && fs.existsSync(lfadsFile) && fs.existsSync(infoFile)) kept.push(lfadsFile, infoFile);
      else jobs.push({ run, dsIdx: i, lfadsFile, infoFile });
    });
    if (jobs.length === 0) continue;
    if (run.nDatasets > 1 || needsAlignment(run)) {
      bySpec.set(run.runSpec, [...(bySpec.get(run.runSpec) ?? []), { run, jobs }]);
    } else {
      const ds = run.datasets[0]!;
      byDataset.set(ds, [...(byDataset.get(ds) ?? []), ...jobs]);
    }
  }
  return { byDataset, bySpec };
}

/** The run's lfadsInput links to the shared files (new ones into `linked`), and its params file. */
function linkRun(run: Run, regenerate: boolean, linked: string[]): void {
  run.datasets.forEach((_, i) => {
    for (const [target, link] of [
      [run.lfadsInputFiles[i]!, run.lfadsInputLinks[i]!],
      [run.lfadsInputInfoFiles[i]!, run.lfadsInputInfoLinks[i]!],
    ] as const) {
      if (ensureLink(target, link, regenerate)) linked.push(link);
    }
  });
  // The run folder carries its params, so `lfads train <runDir>` and the queue need nothing else.
  writeRunParamsFile(run, { force: regenerate });
}

/**
 * What a run needs in each of its input files: the same for all of its datasets. The default alignment
 * is a function of the run's datasets, c_factors_dim and data-hash params (spikeBinMs, trainToTestRatio,
 * alignmentApproach, alignmentExtraArgs), so runs agreeing on datasets and c_factors_dim agree on it.
 */
function inputFileContent(run: Run): { key: string; what: string } {
  if (!needsAlignment(run)) return { key: "plain", what: "no alignment matrix" };
  const F = run.params.c_factors_dim;
  return { key: JSON.stringify(["aligned", run.datasetNames, F]), what: `the alignment matrix of datasets [${run.datasetNames.join(", ")}] with ${F} factors` };
}

/**
 * Refuse, before anything is written, runs that share an input file (same path) but need different
 * contents in it. Checked over the given runs and every other run of their collections that uses the
 * same files, so preparing one run at a time is refused too. One file path has one content: whichever
 * run is written first, another would read a file meant for someone else (e.g. a stitched run without
 * its alignment matrix, or a single-dataset run whose read-in is initialised from one).
 */
function checkSharedInputFiles(runs: readonly Run[]): void {
  const files = new Set(runs.flatMap((r) => r.lfadsInputFiles));
  const byFile = new Map<string, Map<string, { what: string; runs: Run[] }>>();
  const seen = new Set<string>();
  const collections = [...new Set(runs.map((r) => r.runCollection))];
  for (const run of [...runs, ...collections.flatMap((rc) => rc.runList)]) {
    if (seen.has(run.path)) continue;
    seen.add(run.path);
    const content = inputFileContent(run);
    for (const file of run.lfadsInputFiles) {
      if (!files.has(file)) continue;
      const contents = byFile.get(file) ?? new Map<string, { what: string; runs: Run[] }>();
      byFile.set(file, contents);
      const entry = contents.get(content.key) ?? { what: content.what, runs: [] };
      contents.set(content.key, entry);
      entry.runs.push(run);
    }
  }
  for (const [file, contents] of byFile) {
    if (contents.size < 2) continue;
    const groups = [...contents.values()];
    const all = groups.flatMap((g) => g.runs);
    const rc = all[0]!.runCollection;
    const version = all[0]!.version;
    const where = path.relative(rc.path, file);
    const lines = groups.flatMap((g) => g.runs.map((r) => `  ${r.name} (${r.paramsString}): ${g.what}`));
    const specs = [...new Set(all.map((r) => r.name))];
    const params = [...new Set(all.map((r) => r.paramsString))];
    // Within one run spec the contents can only differ by c_factors_dim, which the data hash of RunParams
    // with version < 20171107 leaves out; otherwise the legacy layout put several specs in one folder.
    const fix =
      specs.length === 1
        ? `c_factors_dim enters the data hash only for RunParams with version >= 20171107: leave RunParams.version at its default (20171107) for ${params.join(", ")}, ` +
          `so that each c_factors_dim gets its own data_ folder, or put these RunParams in separate RunCollections`
        : `set the RunCollection version to 20171107 or later (e.g. { version: 20180131 }; version >= 20171107 gives each run spec its own data_HASH/<spec>/ folder), ` +
          `or put the run specs [${specs.join(", ")}] in separate RunCollections (for ${params.join(", ")})`;
    throw new LayoutError(
      `RunCollection "${rc.name}" (version ${version}): runs ${specs.join(" and ")} with ${params.join(", ")} share the input file ${where}` +
        `${version < VERSION_PER_SPEC_DATA ? ` (with version < ${VERSION_PER_SPEC_DATA} every run spec of a data hash shares one data folder)` : ""}, ` +
        `but need different contents in it:\n${lines.join("\n")}\n` +
        `One file cannot be both, so nothing was written. Fix: ${fix}.`,
    );
  }
}

/** Prefix an lfads error with the run and dataset, keeping its class. */
function inContext<T>(prefix: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof LfadsError) {
      const Ctor = err.constructor as new (m: string, o?: { cause?: unknown }) => LfadsError;
      throw new Ctor(`${prefix}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

async function writeJob(job: Job, data: CheckedDatasetData, alignment?: AlignmentForDataset): Promise<void> {
  const { run } = job;
  const p = run.params;
  const ds = run.datasets[job.dsIdx]!;
  const where = `Run ${run.name} (${run.paramsString}), dataset ${ds.name}`;
  const nExt = data.externalInputs?.shape[1] ?? 0;
  if (nExt !== p.c_ext_input_dim) {
    throw new ParamError(
      `${where}: size(externalInputs, 2) must match params.c_ext_input_dim: the data has ${nExt} external inputs but c_ext_input_dim=${p.c_ext_input_dim}; ` +
        `set c_ext_input_dim to ${nExt}${nExt === 0 ? " or return externalInputs from the loader" : ""}`,
    );
  }
  const split = inContext(where, () => splitTrainValid(data.nTrials, p.trainToTestRatio));
  const factor = inContext(where, () => rebinFactor(data.binWidthMs, p.spikeBinMs));
  inContext(where, () => checkReconRebin(data, factor));
  await writeLfadsInputFile(job.lfadsFile, data, split, factor, alignment);
  await writeInputInfoFile(job.infoFile, data, split, p.dataHash);
}

function checkAlignment(run: Run, data: readonly CheckedDatasetData[], alignment: readonly AlignmentForDataset[]): void {
  if (!Array.isArray(alignment) || alignment.length !== data.length) {
    throw new ShapeError(`Run ${run.name}: the alignment provider returned ${Array.isArray(alignment) ? alignment.length : "no"} entries for ${data.length} datasets; return one per dataset`);
  }
  alignment.forEach((a, i) => {
    const ds = run.datasets[i]!.name;
    const nCh = data[i]!.nChannels;
    if (a.matrix.length !== nCh * a.nFactors || a.bias.length !== nCh) {
      throw new ShapeError(
        `Run ${run.name}, dataset ${ds}: alignment matrix has ${a.matrix.length} values and bias ${a.bias.length} for ${nCh} channels × ${a.nFactors} factors; expected [${nCh}, ${a.nFactors}] and [${nCh}]`,
      );
    }
    if (a.matrix.some(Number.isNaN) || a.bias.some(Number.isNaN)) throw new ShapeError(`Run ${run.name}: NaNs found in alignmentMatrices or alignmentBiases for dataset ${ds}`);
  });
}

/**
 * MATLAB's assertParamsOkayForSequenceData, as a warning (prepare still writes the files), with the rule
 * training applies: every dataset needs more training and more validation trials than c_batch_size.
 */
function batchSizeWarning(run: Run, trials: ReadonlyMap<Dataset, number>): void {
  const { c_batch_size: b, trainToTestRatio: r } = run.params;
  const sizes = run.datasets.map((d) => ({ d, n: trials.get(d) ?? (d.infoLoaded ? d.nTrials : Infinity) }));
  const low = sizes.filter((x) => Number.isFinite(x.n) && maxBatchSizeForTrials(x.n, r) < b);
  if (low.length === 0) return;
  const counts = low.map(({ d, n }) => {
    const { nTrain, nValid } = splitSizes(n, r);
    return `${d.name}: ${n} trials → ${nTrain} train / ${nValid} valid`;
  });
  const maxB = Math.min(...low.map((x) => maxBatchSizeForTrials(x.n, r)));
  const need = minTrialsForBatchSize(b, r);
  const fixes = [
    maxB >= 1 ? `use c_batch_size <= ${maxB}` : undefined,
    need !== undefined ? `give ${low.length === 1 ? "the dataset" : "each dataset"} at least ${need} trials` : undefined,
    r !== 1 && low.every((x) => maxBatchSizeForTrials(x.n, 1) > maxB) ? `set trainToTestRatio = 1 (half the trials validate; c_batch_size <= ${Math.min(...low.map((x) => maxBatchSizeForTrials(x.n, 1)))})` : undefined,
    low.length < sizes.length ? `leave ${low.map((x) => x.d.name).join(", ")} out of this run's RunSpec` : undefined,
  ].filter((f) => f !== undefined);
  warn(
    `Issue with Run ${run.name} (${run.paramsString}): training needs more than c_batch_size=${b} training trials and more than ${b} validation trials in every dataset ` +
      `(each batch holds distinct trials of one dataset; trainToTestRatio=${r} puts 1 trial in ${r + 1} into validation), and stops with an error otherwise. ` +
      `Too few: ${counts.join("; ")}${maxB < 1 ? " — too few for any batch" : ""}. To fix: ${fixes.join(", or ")}.`,
  );
}

/** LFADS takes one number of time steps per run: every dataset must re-bin to the same length. Checked before writing. */
function checkCommonLength(run: Run, data: readonly CheckedDatasetData[]): void {
  const lengths = run.datasets.map((d, i) => {
    const x = data[i]!;
    const factor = inContext(`Run ${run.name} (${run.paramsString}), dataset ${d.name}`, () => rebinFactor(x.binWidthMs, run.params.spikeBinMs));
    return { name: d.name, T: Math.floor(x.nTime / factor) };
  });
  if (new Set(lengths.map((x) => x.T)).size > 1) {
    throw new ShapeError(
      `Run ${run.name}: datasets re-bin to different numbers of time bins (${lengths.map((x) => `${x.name}: ${x.T}`).join(", ")}); ` +
        `LFADS needs one length per run — crop every dataset to the same time window in its loader`,
    );
  }
}

/** Create `link` → `target` (relative) unless the right link is already there. Returns whether it was (re)made. */
function ensureLink(target: string, link: string, regenerate: boolean): boolean {
  const rel = path.relative(path.dirname(link), target);
  if (!regenerate) {
    try {
      if (fs.lstatSync(link).isSymbolicLink() && fs.readlinkSync(link) === rel) return false;
    } catch {
      // missing: create it below
    }
  }
  symlinkRelative(target, link);
  return true;
}
