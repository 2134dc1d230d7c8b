/**
 * `loadPosteriorMeans`: read posterior-mean output files (TF LFADS `model_runs_*` or lfads-torch
 * `lfads_output_*.h5`) plus the run's input sidecar into one `PosteriorMeans` per dataset, trials
 * re-assembled into the original order (run-manager.md §8.1). TF-free.
 *
 * TF LFADS (lfads-model.md §4.3): `<outputDir>/model_runs_<ds>.h5_{train,valid}_<kind>` (older LFADS:
 * `…_posterior_sample`), HDF5 with `output_dist_params [E,T,N]` (Poisson rates, counts per bin),
 * `factors`, `gen_states`, `gen_ics`, `controller_outputs`, `post_g0_mean/logvar`, `costs`,
 * `nll_bound_vaes`, `nll_bound_iwaes`.
 *
 * lfads-torch (lfads-model.md §8.3): `<outputDir>/lfads_output_<ds>.h5` (or `lfads_output_lfads_<ds>.h5`,
 * named after the input file's stem), with `{train,valid}_{output_params, factors, gen_states, gen_init,
 * co_means, co_stds, ic_mean, ic_std, gen_inputs, con_states}`; `output_params` are rates per bin too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Array3D } from "../core/array3d.js";
import { didYouMean, LayoutError, NotSupportedError, ParamError, ShapeError, warn } from "../core/errors.js";
import { readH5, type H5File, type H5Group } from "../io/h5.js";
import { POSTERIOR_MEAN_KINDS, PosteriorMeans, rebinSum, type PosteriorFormat, type PosteriorMeanKind, type PosteriorMeansData } from "./posterior-means.js";
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
}

/** What writes the posterior files, for "missing file" messages. */
const POSTERIOR_WRITER =
  "posterior-mean sampling of the trained run (lfads-ts posterior sampling, `lfads posterior`; or TF LFADS `run_lfads.py --kind=<kind>` via the run's lfads_posterior_mean_sample.sh; or lfads-torch `run_posterior_sampling`)";

/** TF LFADS file names for a kind; the first one found is used. */
export function tfPosteriorFileNames(datasetName: string, split: "train" | "valid", kind: PosteriorMeanKind): string[] {
  const base = `model_runs_${datasetName}.h5_${split}_`;
  return kind === "posterior_sample_and_average" ? [`${base}posterior_sample_and_average`, `${base}posterior_sample`] : [`${base}${kind}`];
}

/** lfads-torch output file names tried for a dataset. */
export function torchPosteriorFileNames(datasetName: string): string[] {
  return [`lfads_output_${datasetName}.h5`, `lfads_output_lfads_${datasetName}.h5`];
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
  const read = useTf ? await readTf(opts.outputDir, ds, kind, info, spikeBinMs, tfTrain!) : await readTorch(torchFile!, info, spikeBinMs);
  const T = read.rates.shape[1];
  const time = timeVector(info, spikeBinMs, T);

  let truth: Array3D<Float32Array> | undefined;
  if (info.truth) truth = rebinSum(info.truth, rebinFactor(info, spikeBinMs));
  else truth = read.truth ?? (useTf ? await readTfInputTruth(opts.inputDir, ds, info) : undefined);

  const rates = read.rates;
  if (info.counts && rates.shape[2] !== info.counts.shape[2]) {
    if (rates.shape[2] === 2 * info.counts.shape[2]) {
      throw new NotSupportedError(
        `dataset ${ds}: the outputs have ${rates.shape[2]} columns for ${info.counts.shape[2]} neurons — a Gaussian-output model (c_output_dist = 'gaussian', means ‖ variances); only Poisson rates are read`,
      );
    }
    throw new ShapeError(`dataset ${ds}: the outputs have ${rates.shape[2]} neurons but the input info's counts have ${info.counts.shape[2]}; the output belongs to other input data`);
  }
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
  const r = spikeBinMs / inputBinMs;
  if (Math.abs(r - Math.round(r)) > 1e-6 || Math.round(r) < 1) {
    throw new ParamError(`spikeBinMs ${spikeBinMs} is not a whole multiple of the input bin width ${inputBinMs} ms (seq_binSizeMs / seq_timeVector of ${info.file}); pass the run's spikeBinMs`);
  }
  return Math.round(r);
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

async function readTf(outputDir: string, ds: string, kind: PosteriorMeanKind, info: InputInfo, spikeBinMs: number, trainFile: string): Promise<Read> {
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
    const rates = f3("output_dist_params", 1000 / spikeBinMs);
    const factors = f3("factors");
    for (const [k, v] of [["output_dist_params", rates], ["factors", factors]] as const) {
      if (!v) throw new LayoutError(`dataset '${k}' not found in ${trainFile} (keys: ${fs_[0]!.keys().join(", ")}); this is not a TF LFADS posterior-means file`);
    }
    return {
      rates: rates!,
      factors: factors!,
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
  const file = path.join(inputDir, `lfads_${ds}.h5`);
  if (!fs.existsSync(file)) return undefined;
  return readH5(file, (f) => {
    const splits: Split[] = [
      { file, g: f, dest: info.trainInds, prefix: "train_" },
      { file, g: f, dest: info.validInds, prefix: "valid_" },
    ];
    return as3(assemble(splits, "truth", info.nTrials, true), "truth", file);
  });
}

async function readTorch(file: string, info: InputInfo, spikeBinMs: number): Promise<Read & { truth?: Array3D<Float32Array> }> {
  return readH5(file, (f) => {
    const splits: Split[] = [
      { file, g: f, dest: info.trainInds, prefix: "train_" },
      { file, g: f, dest: info.validInds, prefix: "valid_" },
    ];
    const n = info.nTrials;
    const f3 = (k: string, scale = 1) => as3(assemble(splits, k, n, true, scale), k, file);
    const f2 = (k: string) => as2(assemble(splits, k, n, false), k, file);
    const rates = f3("output_params", 1000 / spikeBinMs);
    const factors = f3("factors");
    for (const [k, v] of [["train_output_params", rates], ["train_factors", factors]] as const) {
      if (!v) throw new LayoutError(`dataset '${k}' not found in ${file} (keys: ${f.keys().join(", ")}); this is not an lfads-torch posterior output file`);
    }
    const icStd = f2("ic_std");
    const postG0Logvar = icStd ? { data: icStd.data.map((s) => 2 * Math.log(s)), shape: icStd.shape } : undefined;
    let truth = f3("truth");
    const cf = readFloat64(f, "conversion_factor", file);
    if (truth && cf) {
      const c = cf.data[0]!;
      truth = { data: truth.data.map((v) => v / c), shape: truth.shape };
    }
    return {
      rates: rates!,
      factors: factors!,
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
