/**
 * `loadPosteriorMeans`: read posterior-mean output files (TF LFADS `model_runs_*` or lfads-torch
 * `lfads_output_*.h5`) plus the run's input sidecar into one `PosteriorMeans` per dataset, trials
 * re-assembled into the original order (run-manager.md §8.1). TF-free.
 *
 * TF LFADS (lfads-model.md §4.3): `<outputDir>/model_runs_<ds>.h5_{train,valid}_<kind>` (older LFADS:
 * `…_posterior_sample`), HDF5 with `output_dist_params` — `[E,T,N]` Poisson rates in counts per bin, or
 * `[E,T,2N]` for Gaussian outputs, means ‖ variances (TF writes `[mean, exp(clip(logvar, ±80))]`, and so
 * does our writer, sample.ts) — and `factors`, `gen_states`, `gen_ics`, `controller_outputs`,
 * `post_g0_mean/logvar`, `costs`, `nll_bound_vaes`, `nll_bound_iwaes`.
 *
 * lfads-torch (lfads-model.md §8.3): `<outputDir>/lfads_output_<ds>.h5` (or `lfads_output_lfads_<ds>.h5`,
 * named after the input file's stem), with `{train,valid}_{output_params, factors, gen_states, gen_init,
 * co_means, co_stds, ic_mean, ic_std, gen_inputs, con_states}`. `output_params` holds the means of the
 * output distribution (`recon.compute_means`): rates per bin for Poisson, `[n,T,N]` Gaussian means (no
 * variances) for Gaussian; raw Gaussian parameters `[n,T,N,2]` (means, log-variances stacked on the last
 * axis, `reshape_output_params`) are read too.
 *
 * Poisson outputs become `rates` (× 1000 / spikeBinMs, spikes/s); Gaussian outputs become `means` and
 * `variances` in data units, not converted. Which one a file holds: `outputDist` when given (the run's
 * `c_output_dist`), else from the column count against the input info's neurons (2N → Gaussian; lfads-torch
 * `[n,T,N,2]` → Gaussian; otherwise Poisson).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Array3D } from "../core/array3d.js";
import { didYouMean, LayoutError, ParamError, ShapeError, warn } from "../core/errors.js";
import { wholeRebinFactor } from "../data/rebin-split.js";
import { readH5, type H5File, type H5Group } from "../io/h5.js";
import { LFADS_INPUT_STEM, lfadsInputFileName, lfadsTorchOutputFileName, modelRunsFileName } from "../runs/layout.js";
import {
  OUTPUT_DISTS,
  POSTERIOR_MEAN_KINDS,
  PosteriorMeans,
  rebinSum,
  type OutputDist,
  type PosteriorFormat,
  type PosteriorMeanKind,
  type PosteriorMeansData,
} from "./posterior-means.js";
import { datasetOrUndefined, readFloat64, scatterRows, shapeOf, type Array2D } from "./read-h5.js";
import { bareDataHash, inputInfoFileName, readInputInfo, type InputInfo } from "./read-input-info.js";

/** Options of `loadPosteriorMeans`. */
export interface LoadPosteriorMeansOptions {
  /** The run's LFADS output folder (`<run>/lfadsOutput`), where the output files are. */
  outputDir: string;
  /** The run's LFADS input folder (`<run>/lfadsInput`), holding `inputInfo_<ds>.h5` and `lfads_<ds>.h5`. */
  inputDir: string;
  /** Dataset names as in the file names, e.g. `["dataset001"]` (a trailing `.h5` is dropped). */
  datasetNames: readonly string[];
  /** LFADS bin width in ms (`RunParams.spikeBinMs`): rates = counts-per-bin × 1000 / spikeBinMs. */
  spikeBinMs: number;
  /** `posterior_sample_and_average` (default; falls back to the older `…_posterior_sample` files) or `posterior_push_mean`. */
  kind?: string;
  /** The run's data hash (`data_XXXXXX` or `XXXXXX`); a different `paramInputDataHash` in the input info is warned about. */
  dataHash?: string;
  /** Which output format to read; `auto` (default) takes TF files when present, else lfads-torch. */
  format?: PosteriorFormat | "auto";
  /**
   * The model's output distribution (`RunParams.c_output_dist`; `run.loadPosteriorMeans()` passes it).
   * `auto` (default): Gaussian when the TF outputs have twice as many columns as the input info's
   * neurons (or lfads-torch's hold `[…, 2]` raw parameters), else Poisson. lfads-torch Gaussian means
   * `[n,T,N]` look like Poisson rates, so name `"gaussian"` for them.
   */
  outputDist?: OutputDist | "auto";
}

/** What writes the posterior files, for "missing file" messages. */
const POSTERIOR_WRITER =
  "posterior-mean sampling of the trained run (lfads-ts posterior sampling, `lfads posterior`; or TF LFADS `run_lfads.py --kind=<kind>` via the run's lfads_posterior_mean_sample.sh; or lfads-torch `run_posterior_sampling`)";

/** TF LFADS file names for a kind; the first one found is used. */
export function tfPosteriorFileNames(datasetName: string, split: "train" | "valid", kind: PosteriorMeanKind): string[] {
  const name = (k: string): string => modelRunsFileName(`${datasetName}.h5`, split, k);
  return kind === "posterior_sample_and_average" ? [name(kind), name("posterior_sample")] : [name(kind)];
}

/** lfads-torch output file names tried for a dataset. */
export function torchPosteriorFileNames(datasetName: string): string[] {
  return [lfadsTorchOutputFileName(datasetName), lfadsTorchOutputFileName(`${LFADS_INPUT_STEM}_${datasetName}`)];
}

function checkKind(kind: string | undefined): PosteriorMeanKind {
  const k = kind ?? "posterior_sample_and_average";
  if (!(POSTERIOR_MEAN_KINDS as readonly string[]).includes(k)) {
    throw new ParamError(`posterior mean kind "${k}" is unknown; choose one of ${POSTERIOR_MEAN_KINDS.join(", ")}.${didYouMean(k, POSTERIOR_MEAN_KINDS)}`);
  }
  return k as PosteriorMeanKind;
}

function firstExisting(dir: string, names: string[]): string | undefined {
  for (const n of names) {
    const p = path.join(dir, n);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Load the posterior means of every dataset named in `opts`, one PosteriorMeans each, in the same order. */
export async function loadPosteriorMeans(opts: LoadPosteriorMeansOptions): Promise<PosteriorMeans[]> {
  const kind = checkKind(opts.kind);
  if (!(opts.spikeBinMs > 0)) throw new ParamError(`loadPosteriorMeans: spikeBinMs must be a positive number of ms; got ${opts.spikeBinMs}`);
  const format = opts.format ?? "auto";
  if (!["auto", "tf", "lfads-torch"].includes(format)) throw new ParamError(`loadPosteriorMeans: format "${format}" is not one of auto, tf, lfads-torch`);
  if (opts.datasetNames.length === 0) throw new ParamError("loadPosteriorMeans: datasetNames is empty; name at least one dataset, e.g. ['dataset001']");
  const dist = opts.outputDist ?? "auto";
  if (dist !== "auto" && !OUTPUT_DISTS.includes(dist)) {
    throw new ParamError(`loadPosteriorMeans: outputDist "${String(dist)}" is not one of auto, ${OUTPUT_DISTS.join(", ")} (the run's c_output_dist)`);
  }
  const out: PosteriorMeans[] = [];
  for (let i = 0; i < opts.datasetNames.length; i++) {
    out.push(await loadOne(opts, opts.datasetNames[i]!.replace(/\.h5$/, ""), i, kind, format));
  }
  return out;
}

async function loadOne(
  opts: LoadPosteriorMeansOptions,
  ds: string,
  datasetIndex: number,
  kind: PosteriorMeanKind,
  format: PosteriorFormat | "auto",
): Promise<PosteriorMeans> {
  const tfTrain = firstExisting(opts.outputDir, tfPosteriorFileNames(ds, "train", kind));
  const torchFile = firstExisting(opts.outputDir, torchPosteriorFileNames(ds));
  const useTf = format === "tf" || (format === "auto" && (tfTrain !== undefined || torchFile === undefined));
  if (useTf && !tfTrain) {
    const tried = tfPosteriorFileNames(ds, "train", kind).map((n) => path.join(opts.outputDir, n));
    const torchNote = format === "auto" ? ` (nor an lfads-torch ${torchPosteriorFileNames(ds).join(" / ")})` : "";
    throw new LayoutError(`posterior means for dataset ${ds} not found: no ${tried.join(" or ")}${torchNote}; these files are written by ${POSTERIOR_WRITER.replace("<kind>", kind)}`);
  }
  if (!useTf && !torchFile) {
    throw new LayoutError(`lfads-torch output for dataset ${ds} not found: no ${torchPosteriorFileNames(ds).map((n) => path.join(opts.outputDir, n)).join(" or ")}; it is written by lfads-torch's run_posterior_sampling`);
  }

  const info = await readInputInfo(path.join(opts.inputDir, inputInfoFileName(ds)));
  if (opts.dataHash !== undefined) {
    const want = bareDataHash(opts.dataHash);
    if (info.paramInputDataHash === undefined) {
      warn(`${info.file} records no paramInputDataHash, so it cannot be checked against this run's data hash ${want}; re-run the prepare step to record it`);
    } else if (info.paramInputDataHash !== want) {
      warn(
        `input data hash saved in ${info.file} (${info.paramInputDataHash}) does not match this run's data hash (${want}): ` +
          `the LFADS input was prepared for other data or data parameters; re-run the prepare step (and training) if the data changed`,
      );
    }
  }

  const spikeBinMs = opts.spikeBinMs;
  if (!useTf && kind === "posterior_push_mean") {
    warn(`dataset ${ds}: only lfads-torch output (${torchFile}) was found; its values are posterior-sample averages, not posterior_push_mean`);
  }
  const dist = opts.outputDist ?? "auto";
  const read = useTf ? await readTf(opts.outputDir, ds, kind, info, spikeBinMs, tfTrain!, dist) : await readTorch(torchFile!, info, spikeBinMs, dist, ds);
  const T = (read.rates ?? read.means)!.shape[1];
  const time = timeVector(info, spikeBinMs, T);

  let truth: Array3D<Float32Array> | undefined;
  if (info.truth) truth = rebinSum(info.truth, rebinFactor(info, spikeBinMs));
  else truth = read.truth ?? (useTf ? await readTfInputTruth(opts.inputDir, ds, info) : undefined);

  const data: PosteriorMeansData = {
    ...read,
    datasetName: ds,
    kind: useTf ? kind : "posterior_sample_and_average",
    format: useTf ? "tf" : "lfads-torch",
    spikeBinMs,
    ...(inputBinMsOf(info) !== undefined ? { inputBinMs: inputBinMsOf(info)! } : {}),
    time,
    trainInds: info.trainInds,
    validInds: info.validInds,
    datasetIndexByTrial: new Int32Array(info.nTrials).fill(datasetIndex),
    ...(info.conditionIds ? { conditionIds: info.conditionIds } : {}),
    ...(info.counts ? { rawCounts: info.counts } : {}),
    ...(info.externalInputs ? { externalInputs: info.externalInputs } : {}),
    ...(truth ? { truth } : {}),
  };
  return new PosteriorMeans(data);
}

/**
 * The original (input) bin width in ms: `seq_binSizeMs`, else the spacing of `seq_timeVector`, else
 * undefined (then the input is taken to be in LFADS bins already).
 */
function inputBinMsOf(info: Pick<InputInfo, "seqTimeVector" | "seqBinSizeMs">): number | undefined {
  if (info.seqBinSizeMs !== undefined) return info.seqBinSizeMs;
  const tv = info.seqTimeVector;
  return tv && tv.length > 1 && tv[1]! > tv[0]! ? tv[1]! - tv[0]! : undefined;
}

/** `spikeBinMs / inputBinMs`, which must be a whole number (1 when the input bin width is unknown). */
function rebinFactor(info: Pick<InputInfo, "seqTimeVector" | "seqBinSizeMs" | "file">, spikeBinMs: number): number {
  const inputBinMs = inputBinMsOf(info);
  if (inputBinMs === undefined) return 1;
  const r = wholeRebinFactor(inputBinMs, spikeBinMs);
  if (r === undefined) {
    throw new ParamError(`spikeBinMs ${spikeBinMs} is not a whole multiple of the input bin width ${inputBinMs} ms (seq_binSizeMs / seq_timeVector of ${info.file}); pass the run's spikeBinMs`);
  }
  return r;
}

/**
 * The output time vector (ms, length T): `seq_timeVector(1:rebin:end)` truncated to T; when it is
 * shorter than T (forward-prediction bins) it is continued in steps of spikeBinMs; `(1:T)·spikeBinMs`
 * when the input info has no time vector (run-manager.md §4.4).
 */
export function timeVector(info: Pick<InputInfo, "seqTimeVector" | "seqBinSizeMs" | "file">, spikeBinMs: number, T: number): Float64Array {
  const out = new Float64Array(T);
  const tv = info.seqTimeVector;
  if (!tv || tv.length === 0) {
    for (let i = 0; i < T; i++) out[i] = (i + 1) * spikeBinMs;
    return out;
  }
  const rebin = rebinFactor(info, spikeBinMs);
  let n = 0;
  for (let i = 0; i < tv.length && n < T; i += rebin) out[n++] = tv[i]!;
  for (; n < T; n++) out[n] = out[n - 1]! + spikeBinMs;
  return out;
}

type Read = Omit<PosteriorMeansData, "datasetName" | "kind" | "format" | "spikeBinMs" | "inputBinMs" | "time" | "trainInds" | "validInds" | "datasetIndexByTrial" | "conditionIds" | "rawCounts" | "externalInputs">;

interface Split {
  file: string;
  g: H5Group;
  dest: Int32Array;
  prefix: string;
}

/**
 * Re-assemble one key from both splits into `[N, …rest]` (NaN where no trial was written).
 * `present` decides presence: the key must then exist in every split (else an error naming the file).
 */
function assemble(splits: Split[], key: string, nTrials: number, float32: boolean, scale = 1): { data: Float32Array | Float64Array; shape: number[] } | undefined {
  const found = splits.map((s) => datasetOrUndefined(s.g, s.prefix + key));
  if (found.every((d) => d === undefined)) return undefined;
  const missing = splits.findIndex((s, i) => found[i] === undefined && s.dest.length > 0);
  if (missing >= 0) {
    const other = splits.find((_, i) => found[i] !== undefined)!;
    throw new LayoutError(
      `'${splits[missing]!.prefix + key}' is in ${other.file} but not in ${splits[missing]!.file}: training and validation outputs come from different runs; re-run posterior sampling`,
    );
  }
  let rest: number[] | undefined;
  splits.forEach((s, i) => {
    const d = found[i];
    if (!d) return;
    const r = shapeOf(d).slice(1);
    if (rest === undefined) rest = r;
    else if (r.length !== rest.length || r.some((x, j) => x !== rest![j])) {
      throw new ShapeError(`'${key}' has per-trial shape [${r.join(", ")}] in ${s.file} but [${rest.join(", ")}] in the other split`);
    }
  });
  const rowLen = rest!.reduce((a, b) => a * b, 1);
  const data = float32 ? new Float32Array(nTrials * rowLen) : new Float64Array(nTrials * rowLen);
  data.fill(NaN);
  splits.forEach((s, i) => {
    const d = found[i];
    if (d) scatterRows(d, s.dest, data, rowLen, `'${s.prefix + key}' in ${s.file}`, scale);
  });
  return { data, shape: [nTrials, ...rest!] };
}

function as3(a: { data: Float32Array | Float64Array; shape: number[] } | undefined, key: string, file: string): Array3D<Float32Array> | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 3) throw new ShapeError(`'${key}' in ${file} has per-trial shape [${a.shape.slice(1).join(", ")}]; expected [T, dim]`);
  return { data: a.data as Float32Array, shape: [a.shape[0]!, a.shape[1]!, a.shape[2]!] };
}
function as2(a: { data: Float32Array | Float64Array; shape: number[] } | undefined, key: string, file: string): Array2D | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 2) throw new ShapeError(`'${key}' in ${file} has per-trial shape [${a.shape.slice(1).join(", ")}]; expected [dim]`);
  return { data: a.data as Float64Array, shape: [a.shape[0]!, a.shape[1]!] };
}
function as1(a: { data: Float32Array | Float64Array; shape: number[] } | undefined, key: string, file: string): Float64Array | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 1) throw new ShapeError(`'${key}' in ${file} has per-trial shape [${a.shape.slice(1).join(", ")}]; expected one value per trial`);
  return a.data as Float64Array;
}
function pick<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

async function withFiles<T>(files: string[], body: (gs: H5File[]) => T): Promise<T> {
  const open = async (i: number, acc: H5File[]): Promise<T> => (i === files.length ? body(acc) : readH5(files[i]!, (f) => open(i + 1, [...acc, f])));
  return open(0, []);
}

/**
 * Poisson or Gaussian, for TF `output_dist_params` with `D` columns: Poisson has one rate per neuron,
 * Gaussian `2N` (means ‖ variances). Checked against the input info's neuron count when it has counts.
 */
function tfOutputDist(D: number, info: InputInfo, requested: OutputDist | "auto", ds: string, file: string): OutputDist {
  const N = info.counts?.shape[2];
  const where = `dataset ${ds}: 'output_dist_params' in ${file} has ${D} columns`;
  if (requested === "auto") {
    if (N === undefined || D === N) return "poisson";
    if (D === 2 * N) return "gaussian";
    throw new ShapeError(`${where} but the input info's counts have ${N} neurons (Poisson outputs have ${N} columns, Gaussian ${2 * N}); the output belongs to other input data`);
  }
  if (requested === "poisson") {
    if (N !== undefined && D !== N) {
      throw new ShapeError(
        `${where} for ${N} neurons, but outputDist is "poisson" (one rate per neuron)` +
          (D === 2 * N ? `; ${D} = 2 × ${N} is the Gaussian layout (means ‖ variances) — pass outputDist: "gaussian" if the run has c_output_dist = 'gaussian'` : "; the output belongs to other input data"),
      );
    }
    return "poisson";
  }
  if (D % 2 !== 0 || (N !== undefined && D !== 2 * N)) {
    throw new ShapeError(
      `${where}${N !== undefined ? ` for ${N} neurons` : ""}, but outputDist is "gaussian", whose outputs have 2 columns per neuron (means ‖ variances)` +
        (N !== undefined && D === N ? `; ${D} columns is the Poisson layout — pass outputDist: "poisson" if the run has c_output_dist = 'poisson'` : ""),
    );
  }
  return "gaussian";
}

/** Split `[n, T, 2N]` (means ‖ variances along the last axis) into two `[n, T, N]` arrays. */
function splitMeansVariances(a: Array3D<Float32Array>): { means: Array3D<Float32Array>; variances: Array3D<Float32Array> } {
  const [n, T, D] = a.shape;
  const N = D / 2;
  const means = new Float32Array(n * T * N);
  const variances = new Float32Array(n * T * N);
  for (let r = 0; r < n * T; r++) {
    means.set(a.data.subarray(r * D, r * D + N), r * N);
    variances.set(a.data.subarray(r * D + N, (r + 1) * D), r * N);
  }
  return { means: { data: means, shape: [n, T, N] }, variances: { data: variances, shape: [n, T, N] } };
}

async function readTf(
  outputDir: string,
  ds: string,
  kind: PosteriorMeanKind,
  info: InputInfo,
  spikeBinMs: number,
  trainFile: string,
  requested: OutputDist | "auto",
): Promise<Read> {
  const validFile = firstExisting(outputDir, tfPosteriorFileNames(ds, "valid", kind));
  if (!validFile && info.validInds.length > 0) {
    throw new LayoutError(
      `validation posterior means for dataset ${ds} not found: no ${tfPosteriorFileNames(ds, "valid", kind).map((n) => path.join(outputDir, n)).join(" or ")} ` +
        `(the train file ${trainFile} exists); they are written by ${POSTERIOR_WRITER.replace("<kind>", kind)}`,
    );
  }
  const files = validFile ? [trainFile, validFile] : [trainFile];
  return withFiles(files, (fs_) => {
    const splits: Split[] = [{ file: trainFile, g: fs_[0]!, dest: info.trainInds, prefix: "" }];
    if (validFile) splits.push({ file: validFile, g: fs_[1]!, dest: info.validInds, prefix: "" });
    const n = info.nTrials;
    const f3 = (k: string, scale = 1) => as3(assemble(splits, k, n, true, scale), k, trainFile);
    const f2 = (k: string) => as2(assemble(splits, k, n, false), k, trainFile);
    const f1 = (k: string) => as1(assemble(splits, k, n, false), k, trainFile);
    const notTf = (k: string) => new LayoutError(`dataset '${k}' not found in ${trainFile} (keys: ${fs_[0]!.keys().join(", ")}); this is not a TF LFADS posterior-means file`);
    const odpShape = shapeOf(datasetOrUndefined(fs_[0]!, "output_dist_params") ?? throwErr(notTf("output_dist_params")));
    if (odpShape.length !== 3) throw new ShapeError(`'output_dist_params' in ${trainFile} has shape [${odpShape.join(", ")}]; expected [trials, T, columns]`);
    const dist = tfOutputDist(odpShape[2]!, info, requested, ds, trainFile);
    // Poisson rates: counts per bin → spikes/s. Gaussian means and variances stay in data units.
    const odp = f3("output_dist_params", dist === "poisson" ? 1000 / spikeBinMs : 1)!;
    const factors = f3("factors");
    if (!factors) throw notTf("factors");
    return {
      ...(dist === "poisson" ? { outputDist: dist, rates: odp } : { outputDist: dist, ...splitMeansVariances(odp) }),
      factors,
      ...pick("generatorStates", f3("gen_states")),
      ...pick("generatorIcs", f2("gen_ics")),
      ...pick("controllerOutputs", f3("controller_outputs")),
      ...pick("postG0Mean", f2("post_g0_mean")),
      ...pick("postG0Logvar", f2("post_g0_logvar")),
      ...pick("costs", f1("costs")),
      ...pick("nllBoundVaes", f1("nll_bound_vaes")),
      ...pick("nllBoundIwaes", f1("nll_bound_iwaes")),
    };
  });
}

/** `train_truth`/`valid_truth` of the TF input `lfads_<ds>.h5` (already summed into output bins), if any. */
async function readTfInputTruth(inputDir: string, ds: string, info: InputInfo): Promise<Array3D<Float32Array> | undefined> {
  const file = path.join(inputDir, lfadsInputFileName(ds));
  if (!fs.existsSync(file)) return undefined;
  return readH5(file, (f) => {
    const splits: Split[] = [
      { file, g: f, dest: info.trainInds, prefix: "train_" },
      { file, g: f, dest: info.validInds, prefix: "valid_" },
    ];
    return as3(assemble(splits, "truth", info.nTrials, true), "truth", file);
  });
}

function throwErr(e: Error): never {
  throw e;
}

/**
 * Poisson or Gaussian for lfads-torch `output_params` of shape `shape` (`[n,T,N]` means of the output
 * distribution, or `[n,T,N,2]` raw Gaussian parameters). `[n,T,N]` cannot tell the two apart: Poisson
 * unless `requested` says Gaussian.
 */
function torchOutputDist(shape: readonly number[], info: InputInfo, requested: OutputDist | "auto", ds: string, file: string): OutputDist {
  const key = `dataset ${ds}: 'train_output_params' in ${file}`;
  const N = info.counts?.shape[2];
  if (shape.length === 4 && shape[3] === 2) {
    if (requested === "poisson") {
      throw new ShapeError(`${key} has shape [${shape.join(", ")}], lfads-torch's raw Gaussian parameters (means, log-variances), but outputDist is "poisson"; pass outputDist: "gaussian"`);
    }
  } else if (shape.length !== 3) {
    throw new ShapeError(`${key} has shape [${shape.join(", ")}]; expected [trials, T, neurons] (means of the output distribution) or [trials, T, neurons, 2] (Gaussian means, log-variances)`);
  }
  if (N !== undefined && shape[2] !== N) {
    throw new ShapeError(`${key} has ${shape[2]} neurons but the input info's counts have ${N}; the output belongs to other input data`);
  }
  return shape.length === 4 || requested === "gaussian" ? "gaussian" : "poisson";
}

async function readTorch(file: string, info: InputInfo, spikeBinMs: number, requested: OutputDist | "auto", ds: string): Promise<Read & { truth?: Array3D<Float32Array> }> {
  return readH5(file, (f) => {
    const splits: Split[] = [
      { file, g: f, dest: info.trainInds, prefix: "train_" },
      { file, g: f, dest: info.validInds, prefix: "valid_" },
    ];
    const n = info.nTrials;
    const f3 = (k: string, scale = 1) => as3(assemble(splits, k, n, true, scale), k, file);
    const f2 = (k: string) => as2(assemble(splits, k, n, false), k, file);
    const notTorch = (k: string) => new LayoutError(`dataset '${k}' not found in ${file} (keys: ${f.keys().join(", ")}); this is not an lfads-torch posterior output file`);
    const opShape = shapeOf(datasetOrUndefined(f, "train_output_params") ?? throwErr(notTorch("train_output_params")));
    const dist = torchOutputDist(opShape, info, requested, ds, file);
    let outputs: Pick<PosteriorMeansData, "outputDist" | "rates" | "means" | "variances">;
    if (dist === "poisson") {
      outputs = { outputDist: dist, rates: f3("output_params", 1000 / spikeBinMs)! };
    } else if (opShape.length === 3) {
      outputs = { outputDist: dist, means: f3("output_params")! };
    } else {
      // [n, T, N, 2]: means and log-variances interleaved on the last axis (lfads-torch Gaussian.reshape_output_params).
      const raw = assemble(splits, "output_params", n, true)!;
      const [, T, N] = raw.shape as [number, number, number, number];
      const means = new Float32Array(n * T * N);
      const variances = new Float32Array(n * T * N);
      for (let i = 0; i < means.length; i++) {
        means[i] = raw.data[2 * i]!;
        variances[i] = Math.exp(raw.data[2 * i + 1]!);
      }
      outputs = { outputDist: dist, means: { data: means, shape: [n, T, N] }, variances: { data: variances, shape: [n, T, N] } };
    }
    const factors = f3("factors");
    if (!factors) throw notTorch("train_factors");
    const icStd = f2("ic_std");
    const postG0Logvar = icStd ? { data: icStd.data.map((s) => 2 * Math.log(s)), shape: icStd.shape } : undefined;
    let truth = f3("truth");
    const cf = readFloat64(f, "conversion_factor", file);
    if (truth && cf) {
      const c = cf.data[0]!;
      truth = { data: truth.data.map((v) => v / c), shape: truth.shape };
    }
    return {
      ...outputs,
      factors,
      ...pick("generatorStates", f3("gen_states")),
      ...pick("generatorIcs", f2("gen_init")),
      ...pick("controllerOutputs", f3("co_means")),
      ...pick("controllerOutputStds", f3("co_stds")),
      ...pick("controllerStates", f3("con_states")),
      ...pick("generatorInputs", f3("gen_inputs")),
      ...pick("postG0Mean", f2("ic_mean")),
      ...pick("postG0Logvar", postG0Logvar),
      ...pick("truth", truth),
    };
  });
}
