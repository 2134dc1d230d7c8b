/**
 * The lfads-torch posterior reader (lfads-model.md §8.3): `<outputDir>/lfads_output_<ds>.h5` (or
 * `lfads_output_lfads_<ds>.h5`, named after the input file's stem), with `{train,valid}_{output_params,
 * factors, gen_states, gen_init, co_means, co_stds, ic_mean, ic_std, gen_inputs, con_states}`.
 * `output_params` holds the means of the output distribution (`recon.compute_means`), `[n,T,N]`: rates per
 * bin for Poisson, Gaussian means (no variances); raw parameters `[n,T,N,P]` (`reshape_output_params`, e.g.
 * Gaussian means and log-variances) are read too, for the observation models that can. With held-out
 * neurons and forward bins the outputs are `[n, T_rec, N_rec]`; `test_*` keys (test trials, lfads-torch's
 * `test_encod_data`) become the PosteriorMeans' `test` split, in the file's order. TF-free.
 */
import type { Array3D } from "../core/array3d.js";
import { LayoutError, ShapeError } from "../core/errors.js";
import { readH5 } from "../io/h5.js";
import { DEFAULT_OUTPUT_DIST, OUTPUT_DISTS, observationModel, type OutputDist } from "../model/observation/registry.js";
import { datasetOrUndefined, readFloat64, shapeOf } from "./read-h5.js";
import type { InputInfo } from "./read-input-info.js";
import { as2, as3, assemble, pick, throwErr, type PosteriorRead, type Split } from "./read-splits.js";
import { LFADS_INPUT_STEM, lfadsTorchOutputFileName } from "../runs/layout.js";

/** lfads-torch output file names tried for a dataset. */
export function torchPosteriorFileNames(datasetName: string): string[] {
  return [lfadsTorchOutputFileName(datasetName), lfadsTorchOutputFileName(`${LFADS_INPUT_STEM}_${datasetName}`)];
}

/**
 * The observation model of lfads-torch `output_params` of shape `shape`: `[n,T,N,P]` raw parameters name
 * theirs; `[n,T,N]` means cannot tell models apart, so they are `requested` (the default model for "auto").
 */
function torchOutputDist(shape: readonly number[], info: InputInfo, requested: OutputDist | "auto", ds: string, file: string, reconNeurons?: number): OutputDist {
  const key = `dataset ${ds}: 'train_output_params' in ${file}`;
  const N = reconNeurons ?? info.counts?.shape[2];
  const rawModels = OUTPUT_DISTS.filter((d) => observationModel(d).fromTorchParams !== undefined);
  const raw = shape.length === 4 ? rawModels.find((d) => observationModel(d).paramsPerNeuron === shape[3]) : undefined;
  if (shape.length !== 3 && raw === undefined) {
    const rawShapes = rawModels.map((d) => ` or [trials, T, neurons, ${observationModel(d).paramsPerNeuron}] (${observationModel(d).label} parameters)`).join("");
    throw new ShapeError(`${key} has shape [${shape.join(", ")}]; expected [trials, T, neurons] (means of the output distribution)${rawShapes}`);
  }
  if (raw !== undefined && requested !== "auto" && requested !== raw) {
    throw new ShapeError(`${key} has shape [${shape.join(", ")}], lfads-torch's raw ${observationModel(raw).label} parameters, but outputDist is "${requested}"; pass outputDist: "${raw}"`);
  }
  if (N !== undefined && shape[2] !== N) {
    throw new ShapeError(`${key} has ${shape[2]} neurons but the ${reconNeurons !== undefined ? "input's recon data has" : "input info's counts have"} ${N}; the output belongs to other input data`);
  }
  return raw ?? (requested === "auto" ? DEFAULT_OUTPUT_DIST : requested);
}

/** The per-trial fields of lfads-torch keys `<prefix>…` of `splits`, in the layout of their destinations. */
function torchFields(splits: Split[], n: number, file: string, dist: OutputDist, rank: number, spikeBinMs: number, notTorch: (k: string) => Error) {
  const m = observationModel(dist);
  const f3 = (k: string, scale = 1) => as3(assemble(splits, k, n, true, scale), k, file);
  const f2 = (k: string) => as2(assemble(splits, k, n, false), k, file);
  let outputs;
  if (rank === 3) {
    outputs = { [m.meanField]: f3("output_params", m.readScale(spikeBinMs))! };
  } else {
    const raw = assemble(splits, "output_params", n, true)!;
    outputs = m.fromTorchParams!({ data: raw.data, shape: raw.shape as [number, number, number, number] });
  }
  const factors = f3("factors");
  if (!factors) throw notTorch(`${splits[0]!.prefix}factors`);
  const icStd = f2("ic_std");
  const postG0Logvar = icStd ? { data: icStd.data.map((s) => 2 * Math.log(s)), shape: icStd.shape } : undefined;
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
  };
}

/**
 * Read dataset `ds`'s lfads-torch output file (both splits, the test split where the file has
 * `test_output_params`, and the truth when it holds one). `reconNeurons`: N_rec of an input with
 * held-out neurons (the neurons the outputs have).
 */
export async function readTorch(
  file: string,
  info: InputInfo,
  spikeBinMs: number,
  requested: OutputDist | "auto",
  ds: string,
  reconNeurons?: number,
): Promise<PosteriorRead & { truth?: Array3D<Float32Array> }> {
  return readH5(file, (f) => {
    const splits: Split[] = [
      { file, g: f, dest: info.trainInds, prefix: "train_" },
      { file, g: f, dest: info.validInds, prefix: "valid_" },
    ];
    const n = info.nTrials;
    const notTorch = (k: string) => new LayoutError(`dataset '${k}' not found in ${file} (keys: ${f.keys().join(", ")}); this is not an lfads-torch posterior output file`);
    const opShape = shapeOf(datasetOrUndefined(f, "train_output_params") ?? throwErr(notTorch("train_output_params")));
    const dist = torchOutputDist(opShape, info, requested, ds, file, reconNeurons);
    let truth = as3(assemble(splits, "truth", n, true), "truth", file);
    const cf = readFloat64(f, "conversion_factor", file);
    if (truth && cf) {
      const c = cf.data[0]!;
      truth = { data: truth.data.map((v) => v / c), shape: truth.shape };
    }
    const testOp = datasetOrUndefined(f, "test_output_params");
    const nTest = testOp ? shapeOf(testOp)[0]! : 0;
    const testSplit: Split = { file, g: f, dest: Int32Array.from({ length: nTest }, (_, i) => i), prefix: "test_" };
    return {
      outputDist: dist,
      ...torchFields(splits, n, file, dist, opShape.length, spikeBinMs, notTorch),
      ...pick("truth", truth),
      ...(testOp ? { test: torchFields([testSplit], nTest, file, dist, opShape.length, spikeBinMs, notTorch) } : {}),
    };
  });
}
