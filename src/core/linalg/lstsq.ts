/** Least squares through a Householder QR and the SVD of its small factor. */
import { SingularValueDecomposition } from "ml-matrix";
import { assertFinite, qrReduce, toMl } from "./decompositions.js";
import { columnsOf, type Mat, mat } from "./matrix.js";

export interface LstsqResult {
  /** Solution, p × q. */
  readonly x: Mat;
  /** Numerical rank of A (singular values above max(n, p)·eps·s₁, MATLAB's rank tolerance). */
  readonly rank: number;
}

/**
 * Least squares A X ≈ B (A n×p, B n×q): Householder QR (A = QR), then the SVD of the small factor R.
 * For full-rank A this is the ordinary least-squares solution MATLAB's `\` returns; for rank-deficient
 * A it is the minimum-norm solution (MATLAB's QR-based `\` returns a "basic" solution with some zero
 * rows instead — both fit equally well).
 */
export function lstsq(a: Mat, b: Mat): LstsqResult {
  const p = a.cols;
  const q = b.cols;
  const { r, qtb } = qrReduce(columnsOf(a), a.rows, columnsOf(b));
  assertFinite(r, "the regression input");
  const svd = new SingularValueDecomposition(toMl(r), { autoTranspose: true });
  const u = svd.leftSingularVectors; // rk × r'
  const v = svd.rightSingularVectors; // p × r'
  const s = svd.diagonal;
  const tol = Math.max(a.rows, a.cols) * Number.EPSILON * (s[0] ?? 0);
  const out = mat(p, q);
  let rank = 0;
  const utb = new Float64Array(q);
  for (let c = 0; c < s.length; c++) {
    const sc = s[c]!;
    if (!(sc > tol)) continue;
    rank++;
    utb.fill(0);
    for (let i = 0; i < r.rows; i++) {
      const ui = u.get(i, c);
      if (ui === 0) continue;
      for (let j = 0; j < q; j++) utb[j] += ui * qtb.data[i * q + j]!;
    }
    for (let i = 0; i < p; i++) {
      const vi = v.get(i, c) / sc;
      for (let j = 0; j < q; j++) out.data[i * q + j] += vi * utb[j]!;
    }
  }
  return { x: out, rank };
}
