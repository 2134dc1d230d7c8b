/**
 * Step 5, one dataset: its alignment matrix is its PCA coefficients and its bias the channel means.
 * Unlike MATLAB, the matrix is zero-padded with columns up to nFactors (run-manager.md §10.4 item 6:
 * unpadded, LFADS rejects the nNeurons × nNeurons matrix when nNeurons < c_factors_dim). The global
 * PCs are the PCA scores, so the reconstruction plot also works for one dataset (MATLAB leaves them
 * empty).
 */
import type { Array3D } from "../core/array3d.js";
import { type PcaResult, mat } from "../core/linalg.js";
import { padFactors, toTimeCondition } from "./columns.js";

export interface SingleDatasetAlignment {
  readonly matrix: Float64Array;
  readonly bias: Float64Array;
  readonly globalPCs: Array3D<Float64Array>;
  readonly reconstruction: Array3D<Float64Array>;
}

/** The alignment of a lone dataset from its PCA (with scores) and channel means. */
export function singleDatasetAlignment(p: PcaResult, means: Float64Array, nFactors: number, nTime: number, nCond: number): SingleDatasetAlignment {
  const k = p.coeff.cols;
  const nCols = nTime * nCond;
  const scoresT = mat(k, nCols);
  for (let j = 0; j < nCols; j++) for (let f = 0; f < k; f++) scoresT.data[f * nCols + j] = p.scores.data[j * k + f]!;
  const recon = mat(nFactors, nCols);
  recon.data.set(scoresT.data); // rows k..nFactors−1 stay 0, as the padded matrix columns
  return {
    matrix: padFactors(p.coeff, nFactors),
    bias: Float64Array.from(means),
    globalPCs: toTimeCondition(scoresT, k, nTime, nCond),
    reconstruction: toTimeCondition(recon, nFactors, nTime, nCond),
  };
}
