/**
 * `loadPosteriorMeans`: read posterior-mean output files (TF LFADS `model_runs_*`, read-posterior-tf.ts, or
 * lfads-torch `lfads_output_*.h5`, read-posterior-torch.ts) plus the run's input sidecar into one
 * `PosteriorMeans` per dataset, trials re-assembled into the original order (run-manager.md §8.1). TF-free.
 *
 * The observation model (model/observation/) says what the files hold: Poisson outputs become `rates`
 * (× 1000 / spikeBinMs, spikes/s); Gaussian outputs become `means` and `variances` in data units, not
 * converted. Which one a file holds: `outputDist` when given (the run's `c_output_dist`), else from the
 * column count against the input info's neurons (2N → Gaussian; lfads-torch `[n,T,N,2]` → Gaussian;
 * otherwise Poisson).
 *
 * With held-out neurons and forward bins (the LFADS input has train_recon_data) the outputs are
 * [trials, T_rec, N_rec] and the time vector continues over the forward bins; test trials (test_data)
 * sampled into their own file (TF layout) or `test_*` keys (lfads-torch) are `PosteriorMeans.test`.
 */
import * as path from "node:path";
import type { Array3D } from "../core/array3d.js";
import { didYouMean, LayoutError, ParamError, warn } from "../core/errors.js";
import { OUTPUT_DISTS, isOutputDist, observationModel, type OutputDist } from "../model/observation/registry.js";
import { POSTERIOR_MEAN_KINDS, PosteriorMeans, rebinSum, type PosteriorFormat, type PosteriorMeanKind, type PosteriorMeansData } from "./posterior-means.js";
import { bareDataHash, inputInfoFileName, readInputInfo, type InputInfo } from "./read-input-info.js";
import { POSTERIOR_WRITER, readTf, readInputReconNeurons, readTfInputTruth, tfPosteriorFileNames } from "./read-posterior-tf.js";
import { readTorch, torchPosteriorFileNames } from "./read-posterior-torch.js";
import { firstExisting } from "./read-splits.js";
import { wholeRebinFactor } from "../data/rebin-split.js";

export { tfPosteriorFileNames, torchPosteriorFileNames };

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

function checkKind(kind: string | undefined): PosteriorMeanKind {
  const k = kind ?? "posterior_sample_and_average";
  if (!(POSTERIOR_MEAN_KINDS as readonly string[]).includes(k)) {
    throw new ParamError(`posterior mean kind "${k}" is unknown; choose one of ${POSTERIOR_MEAN_KINDS.join(", ")}.${didYouMean(k, POSTERIOR_MEAN_KINDS)}`);
  }
  return k as PosteriorMeanKind;
}

/** Load the posterior means of every dataset named in `opts`, one PosteriorMeans each, in the same order. */
export async function loadPosteriorMeans(opts: LoadPosteriorMeansOptions): Promise<PosteriorMeans[]> {
  const kind = checkKind(opts.kind);
  if (!(opts.spikeBinMs > 0)) throw new ParamError(`loadPosteriorMeans: spikeBinMs must be a positive number of ms; got ${opts.spikeBinMs}`);
  const format = opts.format ?? "auto";
  if (!["auto", "tf", "lfads-torch"].includes(format)) throw new ParamError(`loadPosteriorMeans: format "${format}" is not one of auto, tf, lfads-torch`);
  if (opts.datasetNames.length === 0) throw new ParamError("loadPosteriorMeans: datasetNames is empty; name at least one dataset, e.g. ['dataset001']");
  const dist = opts.outputDist ?? "auto";
  if (dist !== "auto" && !isOutputDist(dist)) {
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
  const reconNeurons = await readInputReconNeurons(opts.inputDir, ds);
  const read = useTf ? await readTf(opts.outputDir, ds, kind, info, spikeBinMs, tfTrain!, dist, reconNeurons) : await readTorch(torchFile!, info, spikeBinMs, dist, ds, reconNeurons);
  const T = read[observationModel(read.outputDist).meanField]!.shape[1];
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
    ...(info.reconCounts ? { rawReconCounts: info.reconCounts } : {}),
    ...(info.externalInputs ? { externalInputs: info.externalInputs } : {}),
    ...(info.behavior ? { behavior: info.behavior } : {}),
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
