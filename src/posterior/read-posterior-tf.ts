/**
 * The TF LFADS posterior-means reader (lfads-model.md §4.3): `<outputDir>/model_runs_<ds>.h5_{train,valid}_<kind>`
 * (older LFADS: `…_posterior_sample`), HDF5 with `output_dist_params` `[E,T,P·N]` — the observation
 * model's reported parameters (Poisson rates in counts per bin; Gaussian means ‖ variances, written by TF
 * and by our sample.ts as `[mean, exp(clip(logvar, ±80))]`) — and `factors`, `gen_states`, `gen_ics`,
 * `controller_outputs`, `post_g0_mean/logvar`, `costs`, `nll_bound_vaes`, `nll_bound_iwaes`. TF-free.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Array3D } from "../core/array3d.js";
import { LayoutError, ShapeError } from "../core/errors.js";
import { readH5 } from "../io/h5.js";
import { DEFAULT_OUTPUT_DIST, OUTPUT_DISTS, observationModel, type OutputDist } from "../model/observation/registry.js";
import type { PosteriorMeanKind, PosteriorTestSplit } from "./posterior-means.js";
import { datasetOrUndefined, shapeOf } from "./read-h5.js";
import type { InputInfo } from "./read-input-info.js";
import { as1, as2, as3, assemble, firstExisting, pick, throwErr, withFiles, type PosteriorRead, type Split } from "./read-splits.js";
import { lfadsInputFileName, modelRunsFileName, type PosteriorSplit } from "../runs/layout.js";

/** What writes the posterior files, for "missing file" messages. */
export const POSTERIOR_WRITER =
  "posterior-mean sampling of the trained run (lfads-ts posterior sampling, `lfads posterior`; or TF LFADS `run_lfads.py --kind=<kind>` via the run's lfads_posterior_mean_sample.sh; or lfads-torch `run_posterior_sampling`)";

/** TF LFADS file names for a kind; the first one found is used. */
export function tfPosteriorFileNames(datasetName: string, split: PosteriorSplit, kind: PosteriorMeanKind): string[] {
  const name = (k: string): string => modelRunsFileName(`${datasetName}.h5`, split, k);
  return kind === "posterior_sample_and_average" ? [name(kind), name("posterior_sample")] : [name(kind)];
}

/**
 * The observation model of TF `output_dist_params` with `D` columns: `requested` (checked against the
 * neuron count N — the read-out's N_rec where the input has recon data, else the input info's counts'),
 * or with "auto" the model whose P·N is D (the default model when N is unknown).
 */
function tfOutputDist(D: number, info: InputInfo, requested: OutputDist | "auto", ds: string, file: string, reconNeurons?: number): OutputDist {
  const N = reconNeurons ?? info.counts?.shape[2];
  const where = `dataset ${ds}: 'output_dist_params' in ${file} has ${D} columns`;
  const fitting = N === undefined ? undefined : OUTPUT_DISTS.find((d) => observationModel(d).paramsPerNeuron * N === D);
  if (requested === "auto") {
    if (N === undefined) return DEFAULT_OUTPUT_DIST;
    if (fitting !== undefined) return fitting;
    const layouts = OUTPUT_DISTS.map((d) => `${observationModel(d).label} outputs have ${observationModel(d).paramsPerNeuron * N}`).join(", ");
    throw new ShapeError(`${where} but the input info's counts have ${N} neurons (${layouts} columns); the output belongs to other input data`);
  }
  const m = observationModel(requested);
  const P = m.paramsPerNeuron;
  if (D % P === 0 && (N === undefined || D === P * N)) return requested;
  const other = fitting === undefined ? undefined : observationModel(fitting);
  throw new ShapeError(
    `${where}${N !== undefined ? ` for ${N} neurons` : ""}, but outputDist is "${requested}", whose outputs have ${P} column${P === 1 ? "" : "s"} per neuron (${m.tfLayout})` +
      (other
        ? `; ${D} columns is the ${other.label} layout (${other.tfLayout}) — pass outputDist: "${other.name}" if the run has c_output_dist = '${other.name}'`
        : N !== undefined
          ? "; the output belongs to other input data"
          : ""),
  );
}

/** The per-trial fields of TF posterior files (one split or several) in the layout of `splits`' destinations. */
function tfFields(splits: Split[], n: number, file: string, dist: OutputDist, spikeBinMs: number, notTf: (k: string) => Error): PosteriorTestSplit {
  const m = observationModel(dist);
  const f3 = (k: string, scale = 1) => as3(assemble(splits, k, n, true, scale), k, file);
  const f2 = (k: string) => as2(assemble(splits, k, n, false), k, file);
  const f1 = (k: string) => as1(assemble(splits, k, n, false), k, file);
  const odp = f3("output_dist_params", m.readScale(spikeBinMs));
  if (!odp) throw notTf("output_dist_params");
  const factors = f3("factors");
  if (!factors) throw notTf("factors");
  return {
    ...m.fromTfParams(odp),
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
}

/** The test split's file of dataset `ds` (`model_runs_<ds>.h5_test_<kind>`), in test_data's order; undefined when there is none. */
async function readTfTest(outputDir: string, ds: string, kind: PosteriorMeanKind, dist: OutputDist, spikeBinMs: number): Promise<PosteriorTestSplit | undefined> {
  const file = firstExisting(outputDir, tfPosteriorFileNames(ds, "test", kind));
  if (!file) return undefined;
  return withFiles([file], ([g]) => {
    const E = shapeOf(datasetOrUndefined(g!, "output_dist_params") ?? throwErr(new LayoutError(`'output_dist_params' not found in ${file} (keys: ${g!.keys().join(", ")})`)))[0]!;
    const notTf = (k: string) => new LayoutError(`dataset '${k}' not found in ${file} (keys: ${g!.keys().join(", ")}); this is not a TF LFADS posterior-means file`);
    return tfFields([{ file, g: g!, dest: Int32Array.from({ length: E }, (_, i) => i), prefix: "" }], E, file, dist, spikeBinMs, notTf);
  });
}

/**
 * Read the train (and valid) TF posterior files of dataset `ds`, and its test file where there is one.
 * `reconNeurons`: N_rec of an input with held-out neurons (the columns the rates have).
 */
export async function readTf(
  outputDir: string,
  ds: string,
  kind: PosteriorMeanKind,
  info: InputInfo,
  spikeBinMs: number,
  trainFile: string,
  requested: OutputDist | "auto",
  reconNeurons?: number,
): Promise<PosteriorRead> {
  const validFile = firstExisting(outputDir, tfPosteriorFileNames(ds, "valid", kind));
  if (!validFile && info.validInds.length > 0) {
    throw new LayoutError(
      `validation posterior means for dataset ${ds} not found: no ${tfPosteriorFileNames(ds, "valid", kind).map((n) => path.join(outputDir, n)).join(" or ")} ` +
        `(the train file ${trainFile} exists); they are written by ${POSTERIOR_WRITER.replace("<kind>", kind)}`,
    );
  }
  const files = validFile ? [trainFile, validFile] : [trainFile];
  const read = await withFiles(files, (fs_) => {
    const splits: Split[] = [{ file: trainFile, g: fs_[0]!, dest: info.trainInds, prefix: "" }];
    if (validFile) splits.push({ file: validFile, g: fs_[1]!, dest: info.validInds, prefix: "" });
    const notTf = (k: string) => new LayoutError(`dataset '${k}' not found in ${trainFile} (keys: ${fs_[0]!.keys().join(", ")}); this is not a TF LFADS posterior-means file`);
    const odpShape = shapeOf(datasetOrUndefined(fs_[0]!, "output_dist_params") ?? throwErr(notTf("output_dist_params")));
    if (odpShape.length !== 3) throw new ShapeError(`'output_dist_params' in ${trainFile} has shape [${odpShape.join(", ")}]; expected [trials, T, columns]`);
    const dist = tfOutputDist(odpShape[2]!, info, requested, ds, trainFile, reconNeurons);
    return { outputDist: dist, ...tfFields(splits, info.nTrials, trainFile, dist, spikeBinMs, notTf) };
  });
  const test = await readTfTest(outputDir, ds, kind, read.outputDist, spikeBinMs);
  return test ? { ...read, test } : read;
}

/** N_rec of the LFADS input `lfads_<ds>.h5` (`train_recon_data`'s neurons), when it has recon data. */
export async function readInputReconNeurons(inputDir: string, ds: string): Promise<number | undefined> {
  const file = path.join(inputDir, lfadsInputFileName(ds));
  if (!fs.existsSync(file)) return undefined;
  return readH5(file, (f) => {
    const d = datasetOrUndefined(f, "train_recon_data");
    return d ? shapeOf(d)[2] : undefined;
  });
}

/** `train_truth`/`valid_truth` of the TF input `lfads_<ds>.h5` (already summed into output bins), if any. */
export async function readTfInputTruth(inputDir: string, ds: string, info: InputInfo): Promise<Array3D<Float32Array> | undefined> {
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
