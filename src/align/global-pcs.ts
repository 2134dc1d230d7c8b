/**
 * Steps 4–5a of the alignment: the PCA of the centred, stacked condition averages, whose top k
 * components are the global PCs every dataset is regressed onto.
 */
import { DataError } from "../core/errors.js";
import { type Mat, type PcaResult, mat, pca } from "../core/linalg.js";
import { markNaNColumns } from "./columns.js";
import { nameList } from "./describe.js";

export interface GlobalPcaInput {
  /** A, the stacked condition averages (NaN marks unusable columns). */
  readonly a: Mat;
  /** A − m. */
  readonly ac: Mat;
  /** Components to keep: min(nFactors, nNeuronsTotal). */
  readonly k: number;
  readonly single: boolean;
  readonly names: readonly string[];
  readonly nTime: number;
  /** Conditions for the message: all of them (one dataset) or the shared ones. */
  readonly nConditions: number;
}

/**
 * PCA of Ac with observations = the time × condition columns (MATLAB's sign convention). Scores are
 * computed only for one dataset; several use `globalTarget` instead. Throws DataError when there are
 * too few usable columns for k components, or when the PCA gives NaNs.
 */
export function globalPca(x: GlobalPcaInput): PcaResult {
  const { a, k, single, names } = x;
  const nanCols = markNaNColumns(a, 0, a.rows, new Uint8Array(a.cols));
  let usable = 0;
  for (let j = 0; j < a.cols; j++) if (!nanCols[j]) usable++;
  if (usable < k + 1) {
    const nc = x.nConditions;
    throw new DataError(
      `alignment: too few conditions for the requested factors: finding ${k} factor(s) needs at least ${k + 1} condition-averaged time points ` +
        `(${single ? "conditions" : "conditions shared by every dataset"} × time bins), but ${single ? "dataset" : "datasets"} ${nameList(names)} ` +
        `${single ? "has" : "have"} ${usable} (${nc} condition(s) × ${x.nTime} bin(s)${usable < nc * x.nTime ? ", less those with NaN counts" : ""}); ` +
        `lower c_factors_dim or add conditions`,
    );
  }
  const p = pca(x.ac, k, { scores: single });
  for (let i = 0; i < p.coeff.data.length; i++) {
    if (!Number.isFinite(p.coeff.data[i]!)) {
      throw new DataError(`alignment: the PCA of ${nameList(names)} produced NaNs (condition averages too large or degenerate)`);
    }
  }
  return p;
}

/** The global target Z = Cᵀ Ac (k × T·nConditions); NaN wherever any neuron is NaN. */
export function globalTarget(ac: Mat, coeff: Mat): Mat {
  const k = coeff.cols;
  const nCols = ac.cols;
  const z = mat(k, nCols);
  for (let r = 0; r < ac.rows; r++) {
    const arow = ac.data.subarray(r * nCols, (r + 1) * nCols);
    for (let f = 0; f < k; f++) {
      const c = coeff.data[r * k + f]!;
      const zrow = z.data.subarray(f * nCols, (f + 1) * nCols);
      for (let j = 0; j < nCols; j++) zrow[j] += c * arow[j]!; // NaN propagates from any missing neuron
    }
  }
  return z;
}
