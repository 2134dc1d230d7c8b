/**
 * Stitching alignment matrices — the Run Manager's `LFADS.MultisessionAlignmentTool`
 * (`computeAlignmentMatricesUsingTrialAveragedPCR`, run-manager.md §6.2–6.3) in plain TypeScript.
 *
 * For each dataset the result is a read-in matrix W (nChannels × nFactors) and a bias b (nChannels),
 * written to the LFADS input file as `alignment_matrix_cxf` / `alignment_bias_c`. LFADS initialises
 * its read-in to compute (x − b)·W and its read-out to Wᵀ with bias b (lfads-model.md §1.2); b is
 * the **positive** channel mean and the read-out uses the transpose, not a pseudo-inverse (the
 * Run Manager docs say otherwise; the code and LFADS do this — run-manager.md §10.4 item 12).
 *
 * Algorithm (one pass, no randomness):
 *  1. Condition-average each dataset's *training* trials (NaN-ignoring mean over each condition's
 *     trials; the conditions are the sorted unique ids over all datasets; a condition a dataset lacks
 *     gives NaN columns).
 *  2. Stack all datasets' averages along neurons: A = nNeuronsTotal × (T·nConditions), time fastest.
 *  3. m = per-neuron NaN-ignoring mean; Ac = A − m.
 *  4. PCA of Ac (observations = time×condition), k = min(nFactors, nNeuronsTotal) components,
 *     MATLAB's sign convention (largest-magnitude coefficient of each component positive).
 *  5. One dataset: W = the PCA coefficients, b = m. Several: global target Z = Cᵀ Ac; for each
 *     dataset, least squares (or cross-validated ridge) from its centred rows to Z over the columns
 *     without NaN; W_i zero-padded to nFactors columns; b_i = the dataset's neuron means.
 */
import type { Array3D } from "../core/array3d.js";
import { stackConditionAverages } from "./condition-averages.js";
import { matchConditions } from "./conditions.js";
import { markNaNColumns, toTimeCondition } from "./columns.js";
import { prepareDatasets } from "./datasets.js";
import { globalPca, globalTarget } from "./global-pcs.js";
import { resolveAlignmentOptions } from "./options.js";
import { regressDataset } from "./regression.js";
import { singleDatasetAlignment } from "./single-dataset.js";
import type { AlignmentDatasetInput, AlignmentOptions, AlignmentResult, RidgeSelection } from "./types.js";
import { validateAlignment } from "./validate.js";

export { ALIGNMENT_APPROACHES } from "./types.js";
export type { AlignmentApproach, AlignmentDatasetInput, AlignmentExtraArgs, AlignmentOptions, AlignmentResult, ConditionId, RidgeSelection } from "./types.js";
export { parseAlignmentExtraArgs } from "./options.js";
export { validateAlignment } from "./validate.js";

/**
 * Compute stitching alignment matrices and biases for a set of datasets (run-manager.md §6).
 *
 * Throws (typed, naming the datasets): ShapeError when datasets have different numbers of time bins
 * or malformed arrays; DataError when there are no condition ids, when no condition is shared by
 * every dataset, when there are too few condition-averaged time points for the requested factors,
 * or when the result holds NaNs; ParamError for bad options.
 */
export function computeAlignment(input: readonly AlignmentDatasetInput[], opts: AlignmentOptions): AlignmentResult {
  const options = resolveAlignmentOptions(input, opts);
  const { nFactors, single } = options;
  const ds = prepareDatasets(input);
  const names = ds.map((d) => d.name);
  const nChannels = ds.map((d) => d.nChannels);
  const nTime = ds[0]!.nTime;
  const { conditions, condIndex, shared } = matchConditions(ds, single);
  const nCond = conditions.length;
  const { a, ac, means, rowOffset, averages } = stackConditionAverages(ds, condIndex, nTime);
  const k = Math.min(nFactors, a.rows);
  const p = globalPca({ a, ac, k, single, names, nTime, nConditions: single ? nCond : shared.length });

  const matrices: Float64Array[] = [];
  const biases: Float64Array[] = [];
  const reconstructions: Array3D<Float64Array>[] = [];
  const ridge: (RidgeSelection | undefined)[] = [];
  let globalPCs: Array3D<Float64Array>;
  if (single) {
    const one = singleDatasetAlignment(p, means, nFactors, nTime, nCond);
    matrices.push(one.matrix);
    biases.push(one.bias);
    reconstructions.push(one.reconstruction);
    ridge.push(undefined);
    globalPCs = one.globalPCs;
  } else {
    const z = globalTarget(ac, p.coeff);
    const target = { a, z, zNaN: markNaNColumns(z, 0, k, new Uint8Array(a.cols)), nFactors, nTime, nCond };
    globalPCs = toTimeCondition(z, k, nTime, nCond);
    ds.forEach((d, di) => {
      const row0 = rowOffset[di]!;
      const fit = regressDataset({ name: d.name, nChannels: d.nChannels, row0 }, target, options);
      matrices.push(fit.matrix);
      biases.push(means.slice(row0, row0 + d.nChannels));
      reconstructions.push(fit.reconstruction);
      ridge.push(fit.ridge);
    });
  }
  validateAlignment(matrices, biases, { datasetNames: names, nChannels, nFactors });

  return {
    datasetNames: names,
    nChannels,
    nFactors,
    nComponents: k,
    nTime,
    conditions,
    sharedConditions: single ? conditions : shared,
    matrices,
    biases,
    globalPCs,
    reconstructions,
    conditionAverages: averages.map((m, i) => toTimeCondition(m, nChannels[i]!, nTime, nCond)),
    pcVariances: p.variances,
    pcaRows: p.rows,
    singleDataset: single,
    usingRidgeRegression: options.useRidge && !single,
    ridge,
  };
}
