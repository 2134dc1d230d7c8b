/**
 * The factorisation steps shared by PCA, least squares and ridge regression: the bridge to ml-matrix
 * (whose SVD pca.ts and lstsq.ts call), its symmetric eigendecomposition guarded against non-finite
 * input, and our Householder QR that shrinks tall matrices before an SVD.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { DataError } from "../errors.js";
import { type Mat, mat } from "./matrix.js";

/** A Mat as an ml-matrix Matrix (for its decompositions). */
export function toMl(a: Mat): Matrix {
  const m = new Matrix(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) m.set(i, j, a.data[i * a.cols + j]!);
  return m;
}

/**
 * ml-matrix's iterative decompositions can spin forever on NaN/Inf input, so every call is guarded.
 */
export function assertFinite(a: Mat, what: string): void {
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]!)) throw new DataError(`alignment: non-finite values in ${what} (input counts too large or degenerate)`);
  }
}

/** Symmetric eigendecomposition, eigenvalues in descending order; vectors as columns of a p×p Mat. */
export function symEig(a: Mat, what: string): { values: Float64Array; vectors: Mat } {
  assertFinite(a, what);
  const evd = new EigenvalueDecomposition(toMl(a), { assumeSymmetric: true });
  const vals = evd.realEigenvalues;
  const vecs = evd.eigenvectorMatrix;
  const order = vals.map((_, i) => i).sort((x, y) => vals[y]! - vals[x]! || x - y);
  const p = a.rows;
  const values = new Float64Array(p);
  const vectors = mat(p, p);
  order.forEach((src, dst) => {
    values[dst] = vals[src]!;
    for (let i = 0; i < p; i++) vectors.data[i * p + dst] = vecs.get(i, src);
  });
  return { values, vectors };
}

/**
 * Householder QR, column-oriented: `cols` are the p columns of an m×p matrix A (each length m,
 * overwritten), `bcols` the columns of B (overwritten with QᵀB). Returns R's first r = min(m, p)
 * rows (r × p, upper trapezoidal) and the first r rows of QᵀB. A tall least-squares problem or PCA
 * thus shrinks to an r×p one before the (comparatively slow) SVD, without forming AᵀA.
 */
export function qrReduce(cols: Float64Array[], m: number, bcols: Float64Array[] = []): { r: Mat; qtb: Mat } {
  const p = cols.length;
  const q = bcols.length;
  const rk = Math.min(m, p);
  const v = new Float64Array(m);
  const reflect = (col: Float64Array, j: number, beta: number): void => {
    let dot = 0;
    for (let i = j; i < m; i++) dot += v[i]! * col[i]!;
    const f = beta * dot;
    if (f === 0) return;
    for (let i = j; i < m; i++) col[i] -= f * v[i]!;
  };
  for (let j = 0; j < rk; j++) {
    const x = cols[j]!;
    let scale = 0;
    for (let i = j; i < m; i++) scale = Math.max(scale, Math.abs(x[i]!));
    if (scale === 0) continue;
    let ss = 0;
    for (let i = j; i < m; i++) ss += (x[i]! / scale) ** 2;
    const norm = scale * Math.sqrt(ss);
    const alpha = x[j]! > 0 ? -norm : norm;
    for (let i = j; i < m; i++) v[i] = x[i]!;
    v[j] = x[j]! - alpha;
    const beta = 1 / (norm * (norm + Math.abs(x[j]!))); // 2 / vᵀv
    for (let k = j + 1; k < p; k++) reflect(cols[k]!, j, beta);
    for (let k = 0; k < q; k++) reflect(bcols[k]!, j, beta);
    x[j] = alpha;
    for (let i = j + 1; i < m; i++) x[i] = 0;
  }
  const r = mat(rk, p);
  for (let k = 0; k < p; k++) for (let i = 0; i <= Math.min(k, rk - 1); i++) r.data[i * p + k] = cols[k]![i]!;
  const qtb = mat(rk, q);
  for (let k = 0; k < q; k++) for (let i = 0; i < rk; i++) qtb.data[i * q + k] = bcols[k]![i]!;
  return { r, qtb };
}
