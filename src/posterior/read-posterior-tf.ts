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
import type { PosteriorMeanKind } from "./posterior-means.js";
import { datasetOrUndefined, shapeOf } from "./read-h5.js";
import type { InputInfo } from "./read-input-info.js";
import { as1, as2, as3, assemble, firstExisting, pick, throwErr, withFiles, type PosteriorRead, type Split } from "./read-splits.js";
import { lfadsInputFileName, modelRunsFileName } from "../runs/layout.js";

/** What writes the posterior files, for "missing file" messages. */
export const POSTERIOR_WRITER =
  "posterior-mean sampling of the trained run (lfads-ts posterior sampling, `lfads posterior`; or TF LFADS `run_lfads.py --kind=<kind>` via the run's lfads_posterior_mean_sample.sh; or lfads-torch `run_posterior_sampling`)";

/** TF LFADS file names for a kind; the first one found is used. */
export function tfPosteriorFileNames(datasetName: string, split: "train" | "valid", kind: PosteriorMeanKind): string[] {
  const name = (k: string): string => modelRunsFileName(`${datasetName}.h5`, split, k);
  return kind === "posterior_sample_and_average" ? [name(kind), name("posterior_sample")] : [name(kind)];
}

/**
 * The observation model of TF `output_dist_params` with `D` columns: `requested` (checked against the
 * input info's neuron count N when it has counts), or with "auto" the model whose P·N is D (the default
 * model when N is unknown).
 */
function tfOutputDist(D: number, info: InputInfo, requested: OutputDist | "auto", ds: string, file: string): OutputDist {
  const N = info.counts?.shape[2];
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

/** Read the train (and valid) TF posterior files of dataset `ds`. */
export async function readTf(
  outputDir: string,
  ds: string,
  kind: PosteriorMeanKind,
  info: InputInfo,
  spikeBinMs: number,
  trainFile: string,
  requested: OutputDist | "auto",
): Promise<PosteriorRead> {
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
    const m = observationModel(dist);
    const odp = f3("output_dist_params", m.readScale(spikeBinMs))!;
    const factors = f3("factors");
    if (!factors) throw notTf("factors");
    return {
      outputDist: dist,
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
