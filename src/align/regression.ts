/**
 * Step 5, several datasets: each dataset's centred condition averages are regressed onto the global
 * target Z over the columns where neither holds a NaN, by least squares or by ridge regression with a
 * cross-validated penalty. W_i is zero-padded to nFactors columns; b_i is the dataset's neuron means.
 */
import type { Array3D } from "../core/array3d.js";
import { warn } from "../core/errors.js";
import { type Mat, lstsq, mat, ridgeCv } from "../core/linalg.js";
import { markNaNColumns, padFactors, toTimeCondition } from "./columns.js";
import type { ResolvedAlignmentOptions } from "./options.js";
import type { RidgeSelection } from "./types.js";

/** One dataset's rows of A and where it sits among the stacked datasets. */
export interface DatasetRows {
  readonly name: string;
  readonly nChannels: number;
  /** Its first row in A. */
  readonly row0: number;
}

/** What every dataset's regression shares. */
export interface RegressionTarget {
  /** A, the stacked condition averages. */
  readonly a: Mat;
  /** Z = Cᵀ Ac, k × T·nConditions. */
  readonly z: Mat;
  /** The columns where Z is NaN. */
  readonly zNaN: Uint8Array;
  readonly nFactors: number;
  readonly nTime: number;
  readonly nCond: number;
}

export interface DatasetRegression {
  /** nChannels × nFactors, zero-padded beyond k columns. */
  readonly matrix: Float64Array;
  /** Wᵀ Xc on the kept columns, [nFactors, T, nConditions]; NaN on the others. */
  readonly reconstruction: Array3D<Float64Array>;
  /** The cross-validated penalty (ridge regression only). */
  readonly ridge: RidgeSelection | undefined;
}

/** Regress one dataset onto the global target; see the module comment. */
export function regressDataset(d: DatasetRows, target: RegressionTarget, opts: Pick<ResolvedAlignmentOptions, "useRidge" | "ridge">): DatasetRegression {
  const { xT, zT, mask } = centredObservations(d, target);
  let wk: Mat;
  let ridge: RidgeSelection | undefined;
  if (opts.useRidge) {
    const fit = ridgeCv(zT, xT, opts.ridge);
    wk = fit.w;
    ridge = { lambda: fit.lambda, lambdas: fit.lambdas, cvMse: fit.cvMse };
  } else {
    const sol = lstsq(xT, zT);
    wk = sol.x;
    if (sol.rank < d.nChannels) {
      warn(
        `alignment: dataset '${d.name}': its ${d.nChannels} channels are linearly dependent over the ${mask.length} condition-averaged time points used (rank ${sol.rank}); ` +
          `using the minimum-norm least-squares alignment matrix (consider 'ridgeRegressGlobalPCs')`,
      );
    }
  }
  return { matrix: padFactors(wk, target.nFactors), reconstruction: reconstruct(wk, xT, mask, target), ridge };
}

/**
 * The columns without NaN in this dataset's rows or in Z, and both sides on them, each centred on
 * those columns: rows = observations (time × condition), columns = channels (X) or factors (Z).
 */
function centredObservations(d: DatasetRows, target: RegressionTarget): { xT: Mat; zT: Mat; mask: number[] } {
  const { a, z } = target;
  const nCols = a.cols;
  const nCh = d.nChannels;
  const k = z.rows;
  const r0 = d.row0;
  const bad = markNaNColumns(a, r0, r0 + nCh, Uint8Array.from(target.zNaN));
  const mask: number[] = [];
  for (let j = 0; j < nCols; j++) if (!bad[j]) mask.push(j);
  const nm = mask.length; // ≥ k + 1 ≥ 2: every usable column qualifies
  const xT = mat(nm, nCh);
  const zT = mat(nm, k);
  for (let ch = 0; ch < nCh; ch++) {
    let s = 0;
    for (const j of mask) s += a.data[(r0 + ch) * nCols + j]!;
    const mu = s / nm;
    for (let o = 0; o < nm; o++) xT.data[o * nCh + ch] = a.data[(r0 + ch) * nCols + mask[o]!]! - mu;
  }
  for (let f = 0; f < k; f++) {
    let s = 0;
    for (const j of mask) s += z.data[f * nCols + j]!;
    const mu = s / nm;
    for (let o = 0; o < nm; o++) zT.data[o * k + f] = z.data[f * nCols + mask[o]!]! - mu;
  }
  return { xT, zT, mask };
}

/** The reconstruction Wᵀ Xc on the kept columns, NaN elsewhere; padded factors reconstruct to 0. */
function reconstruct(wk: Mat, xT: Mat, mask: readonly number[], target: RegressionTarget): Array3D<Float64Array> {
  const { nFactors, nTime, nCond } = target;
  const nCols = nTime * nCond;
  const { rows: nCh, cols: k } = wk;
  const recon = mat(nFactors, nCols);
  recon.data.fill(NaN);
  for (let o = 0; o < mask.length; o++) {
    const j = mask[o]!;
    const xrow = xT.data.subarray(o * nCh, (o + 1) * nCh);
    for (let f = 0; f < nFactors; f++) {
      let acc = 0;
      if (f < k) for (let ch = 0; ch < nCh; ch++) acc += wk.data[ch * k + f]! * xrow[ch]!;
      recon.data[f * nCols + j] = acc;
    }
  }
  return toTimeCondition(recon, nFactors, nTime, nCond);
}
