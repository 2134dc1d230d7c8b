/** PCA with MATLAB `pca`'s conventions (sign, 'Rows' handling of NaNs). */
import { SingularValueDecomposition } from "ml-matrix";
import { assertFinite, qrReduce, symEig, toMl } from "./decompositions.js";
import { type Mat, mat } from "./matrix.js";

/** Flip each column so that its largest-magnitude entry (first one on ties) is positive — MATLAB `pca`'s convention. */
export function matlabSignConvention(coeff: Mat, alsoFlip?: Mat): void {
  for (let j = 0; j < coeff.cols; j++) {
    let best = 0;
    let bestAbs = -1;
    for (let i = 0; i < coeff.rows; i++) {
      const a = Math.abs(coeff.data[i * coeff.cols + j]!);
      if (a > bestAbs) {
        bestAbs = a;
        best = i;
      }
    }
    if (coeff.data[best * coeff.cols + j]! < 0) {
      for (let i = 0; i < coeff.rows; i++) coeff.data[i * coeff.cols + j] = -coeff.data[i * coeff.cols + j]!;
      if (alsoFlip) for (let i = 0; i < alsoFlip.rows; i++) alsoFlip.data[i * alsoFlip.cols + j] = -alsoFlip.data[i * alsoFlip.cols + j]!;
    }
  }
}

export interface PcaResult {
  /** Coefficients, variables × k (unit-norm columns, MATLAB sign convention). */
  readonly coeff: Mat;
  /** Component variances (eigenvalues of the covariance), length k, descending. */
  readonly variances: Float64Array;
  /** Scores, observations × k; NaN on observations that hold a NaN (empty 0 × k when not requested). */
  readonly scores: Mat;
  /**
   * Which observations were used: "all" (no NaNs), "pairwise" (NaNs handled per pair of variables) or
   * "complete" (observations with any NaN dropped) — MATLAB `pca`'s 'Rows' option.
   */
  readonly rows: "all" | "complete" | "pairwise";
}

/**
 * PCA of `x` (variables × observations, row-major — i.e. MATLAB's `pca(x')`), keeping `k` components.
 *
 * * No NaNs: SVD of the centred data (what MATLAB does) — computed as a Householder QR of the
 *   observations × variables matrix followed by the SVD of its small triangular factor.
 * * NaNs: 'pairwise' covariance — each pair of variables over the observations where both are
 *   present, divided by (count − 1), after centring each variable by its NaN-ignoring mean — then a
 *   symmetric eigendecomposition. If some pair shares fewer than two observations the covariance is
 *   undefined (MATLAB's `eig` errors there and the caller retries), so we fall back to 'complete':
 *   drop every observation with a NaN, re-centre, SVD.
 *
 * The caller guarantees at least k+1 complete observations.
 */
export function pca(x: Mat, k: number, opts: { readonly scores?: boolean } = {}): PcaResult {
  const wantScores = opts.scores ?? true;
  const nv = x.rows;
  const no = x.cols;
  let anyNaN = false;
  for (let i = 0; i < x.data.length; i++) if (Number.isNaN(x.data[i]!)) { anyNaN = true; break; }

  if (anyNaN) {
    const pair = pairwisePca(x, k, wantScores);
    if (pair) return pair;
  }
  // complete rows: observations with no NaN in any variable
  const keep: number[] = [];
  for (let o = 0; o < no; o++) {
    let ok = true;
    for (let v = 0; v < nv && ok; v++) if (Number.isNaN(x.data[v * no + o]!)) ok = false;
    if (ok) keep.push(o);
  }
  const m = keep.length;
  const mu = new Float64Array(nv);
  const cols = Array.from({ length: nv }, (_, v) => {
    const c = new Float64Array(m);
    let s = 0;
    for (let j = 0; j < m; j++) s += (c[j] = x.data[v * no + keep[j]!]!);
    mu[v] = s / m;
    for (let j = 0; j < m; j++) c[j]! -= mu[v]!;
    return c;
  });
  const { r } = qrReduce(cols, m);
  assertFinite(r, "the PCA input");
  const svd = new SingularValueDecomposition(toMl(r), { autoTranspose: true, computeLeftSingularVectors: false });
  const vRight = svd.rightSingularVectors; // nv × min(r, nv), singular values descending
  const s = svd.diagonal;
  const coeff = mat(nv, k);
  const variances = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    variances[j] = (s[j] ?? 0) ** 2 / Math.max(1, m - 1);
    for (let v = 0; v < nv; v++) coeff.data[v * k + j] = vRight.get(v, j);
  }
  matlabSignConvention(coeff);
  if (!wantScores) return { coeff, variances, scores: mat(0, k), rows: anyNaN ? "complete" : "all" };
  const scoresT = mat(k, m); // k × complete observations, filled row-contiguously
  for (let v = 0; v < nv; v++) {
    const col = cols[v]!; // overwritten by the QR: recompute the centred values from x
    for (let j = 0; j < m; j++) col[j] = x.data[v * no + keep[j]!]! - mu[v]!;
    for (let j = 0; j < k; j++) {
      const c = coeff.data[v * k + j]!;
      const srow = scoresT.data.subarray(j * m, (j + 1) * m);
      for (let o = 0; o < m; o++) srow[o] += col[o]! * c;
    }
  }
  const scores = mat(no, k);
  scores.data.fill(NaN);
  for (let o = 0; o < m; o++) for (let j = 0; j < k; j++) scores.data[keep[o]! * k + j] = scoresT.data[j * m + o]!;
  return { coeff, variances, scores, rows: anyNaN ? "complete" : "all" };
}

function pairwisePca(x: Mat, k: number, wantScores: boolean): PcaResult | undefined {
  const nv = x.rows;
  const no = x.cols;
  const xc = mat(nv, no);
  for (let v = 0; v < nv; v++) {
    let s = 0;
    let n = 0;
    for (let o = 0; o < no; o++) {
      const a = x.data[v * no + o]!;
      if (!Number.isNaN(a)) { s += a; n++; }
    }
    const m = n > 0 ? s / n : NaN;
    for (let o = 0; o < no; o++) xc.data[v * no + o] = x.data[v * no + o]! - m;
  }
  const cov = mat(nv, nv);
  for (let i = 0; i < nv; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      let n = 0;
      for (let o = 0; o < no; o++) {
        const a = xc.data[i * no + o]!;
        const b = xc.data[j * no + o]!;
        if (!Number.isNaN(a) && !Number.isNaN(b)) { s += a * b; n++; }
      }
      if (n < 2) return undefined;
      cov.data[i * nv + j] = cov.data[j * nv + i] = s / (n - 1);
    }
  }
  const { values, vectors } = symEig(cov, "the pairwise covariance of the condition averages");
  const coeff = mat(nv, k);
  const variances = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    variances[j] = values[j]!;
    for (let v = 0; v < nv; v++) coeff.data[v * k + j] = vectors.data[v * nv + j]!;
  }
  matlabSignConvention(coeff);
  if (!wantScores) return { coeff, variances, scores: mat(0, k), rows: "pairwise" };
  const scoresT = mat(k, no);
  for (let v = 0; v < nv; v++) {
    const xrow = xc.data.subarray(v * no, (v + 1) * no);
    for (let j = 0; j < k; j++) {
      const c = coeff.data[v * k + j]!;
      const srow = scoresT.data.subarray(j * no, (j + 1) * no);
      for (let o = 0; o < no; o++) srow[o] += xrow[o]! * c; // NaN propagates from any missing variable
    }
  }
  const scores = mat(no, k);
  for (let o = 0; o < no; o++) for (let j = 0; j < k; j++) scores.data[o * k + j] = scoresT.data[j * no + o]!;
  return { coeff, variances, scores, rows: "pairwise" };
}
