/**
 * The dense linear algebra that stitching alignment needs: PCA (with MATLAB's conventions), least
 * squares, and ridge regression with a K-fold cross-validated penalty.
 *
 * Why `ml-matrix`: the decompositions here (SVD, symmetric eigendecomposition) are numerically
 * delicate, and alignment is plain CPU work that must not depend on TensorFlow.js (the layering rule
 * keeps TF inside model/train/posterior). `ml-matrix` is a small, well-kept, dependency-light
 * library whose SVD/EVD are ports of JAMA/Mapack — the same algorithms LAPACK's textbook versions
 * use — so we use it for the factorisations and keep the surrounding bookkeeping (masks, NaN
 * handling, folds) in plain typed-array code. One step is our own: a Householder QR on flat typed
 * arrays that shrinks the very tall matrices of alignment (e.g. 65 conditions × 500 bins = 32,500
 * rows by ~100 neurons) to their small triangular factor before ml-matrix's SVD, which is slow on
 * tall inputs.
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from "ml-matrix";
import { DataError, ParamError, ShapeError } from "./errors.js";

/** A dense row-major matrix: element (i, j) at `data[i * cols + j]`. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function mat(rows: number, cols: number, data?: Float64Array): Mat {
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

function toMl(a: Mat): Matrix {
  const m = new Matrix(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) m.set(i, j, a.data[i * a.cols + j]!);
  return m;
}

/** Aᵀ B for row-major A (n×p) and B (n×q) → p×q. */
function atb(a: Mat, b: Mat): Mat {
  const out = mat(a.cols, b.cols);
  const p = a.cols;
  const q = b.cols;
  for (let r = 0; r < a.rows; r++) {
    const ar = r * p;
    const br = r * q;
    for (let i = 0; i < p; i++) {
      const v = a.data[ar + i]!;
      if (v === 0) continue;
      const oi = i * q;
      for (let j = 0; j < q; j++) out.data[oi + j] += v * b.data[br + j]!;
    }
  }
  return out;
}

/**
 * ml-matrix's iterative decompositions can spin forever on NaN/Inf input, so every call is guarded.
 */
function assertFinite(a: Mat, what: string): void {
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]!)) throw new DataError(`alignment: non-finite values in ${what} (input counts too large or degenerate)`);
  }
}

/** Symmetric eigendecomposition, eigenvalues in descending order; vectors as columns of a p×p Mat. */
function symEig(a: Mat, what: string): { values: Float64Array; vectors: Mat } {
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
function qrReduce(cols: Float64Array[], m: number, bcols: Float64Array[] = []): { r: Mat; qtb: Mat } {
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

/** Columns of a row-major Mat as separate arrays. */
function columnsOf(a: Mat): Float64Array[] {
  return Array.from({ length: a.cols }, (_, j) => {
    const c = new Float64Array(a.rows);
    for (let i = 0; i < a.rows; i++) c[i] = a.data[i * a.cols + j]!;
    return c;
  });
}

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

export interface RidgeCvOptions {
  /** Penalties to try; default logspace(−5, 2, 15). */
  readonly lambdas?: readonly number[];
  /** Number of folds; default 10 (reduced to the number of observations when there are fewer). */
  readonly kFold?: number;
  /** z-score each column of X separately (true) or scale X by one global std (false, default). */
  readonly normalizeEach?: boolean;
}

export interface RidgeCvResult {
  /** Weights in the original (unscaled) X units, p × q. */
  readonly w: Mat;
  /** Unpenalised intercept, length q (MATLAB's caller discards it). */
  readonly intercept: Float64Array;
  /** The chosen penalty. */
  readonly lambda: number;
  readonly lambdas: readonly number[];
  /** Mean held-out MSE for each penalty (averaged over folds). */
  readonly cvMse: readonly number[];
  /** Observations used (rows without NaN). */
  readonly nObservations: number;
}

/** logspace(a, b, n) as in MATLAB. */
export function logspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [10 ** b];
  return Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));
}

/**
 * Ridge regression Y ≈ X W + b with K-fold cross-validation of λ, after the Run Manager's
 * `LFADS.Utils.ridge_cv`: X is scaled by one global std (or per column with `normalizeEach`), rows
 * with NaN are dropped, each λ is scored by the mean held-out MSE over the folds (row r, 1-based, is
 * in fold `mod(r, K)`), and the best λ is refitted on all rows with an unpenalised intercept:
 * B = (X̃ᵀX̃ + λ I₀)⁻¹ X̃ᵀ Y, X̃ = [1 X]; W = B(2:end, :) ./ std.
 *
 * Differences from the MATLAB code, both deliberate:
 * * **Correct K-fold** (run-manager.md §10.4 item 7): MATLAB *trains* on the single fold and tests on
 *   the other K−1; here each fold is held out once and the model is trained on the remaining K−1.
 * * A column with zero spread under `normalizeEach` (a silent neuron) is left unscaled instead of
 *   being divided by 0 (which gives NaN weights in MATLAB).
 *
 * Numerically, the unpenalised-intercept solve is done in its equivalent centred form
 * (W = (XcᵀXc + λI)⁻¹ XcᵀYc, b = ȳ − x̄W) through one eigendecomposition of XcᵀXc per fold, which
 * makes every λ of the grid cheap; each fold's training and held-out sums come from per-fold
 * sufficient statistics (Σx, Σy, Σxxᵀ, Σxyᵀ, Σ‖y‖²), so the data are read once.
 */
export function ridgeCv(y: Mat, x: Mat, opts: RidgeCvOptions = {}): RidgeCvResult {
  if (y.rows !== x.rows) throw new ShapeError(`ridgeCv: X has ${x.rows} rows but Y has ${y.rows}`);
  const lambdas = opts.lambdas ?? logspace(-5, 2, 15);
  if (lambdas.length === 0 || lambdas.some((l) => !(l >= 0))) throw new ParamError(`ridgeCv: lambdas must be a non-empty list of non-negative numbers`);
  const p = x.cols;
  const q = y.cols;
  // per-column or global divisor (sample std, NaN-ignoring)
  const divisors = new Float64Array(p);
  if (opts.normalizeEach) {
    for (let j = 0; j < p; j++) {
      const col: number[] = [];
      for (let i = 0; i < x.rows; i++) col.push(x.data[i * p + j]!);
      const sd = nanStd(col);
      divisors[j] = sd > 0 && Number.isFinite(sd) ? sd : 1;
    }
  } else {
    const sd = nanStd(Array.from(x.data));
    divisors.fill(sd > 0 && Number.isFinite(sd) ? sd : 1);
  }
  // drop rows with NaN in X or Y; scale X
  const rowsKept: number[] = [];
  for (let i = 0; i < x.rows; i++) {
    let ok = true;
    for (let j = 0; j < p && ok; j++) if (Number.isNaN(x.data[i * p + j]!)) ok = false;
    for (let j = 0; j < q && ok; j++) if (Number.isNaN(y.data[i * q + j]!)) ok = false;
    if (ok) rowsKept.push(i);
  }
  const n = rowsKept.length;
  if (n < 2) throw new DataError(`ridgeCv: ${n} observation(s) without NaN; at least 2 are needed`);
  // Shift both sides by their overall means (this changes only the intercept, restored below) so the
  // per-fold sums of products below do not lose precision to large means.
  const x0 = new Float64Array(p);
  const y0 = new Float64Array(q);
  for (const src of rowsKept) {
    for (let j = 0; j < p; j++) x0[j] += x.data[src * p + j]! / divisors[j]! / n;
    for (let j = 0; j < q; j++) y0[j] += y.data[src * q + j]! / n;
  }
  const xs = mat(n, p);
  const ys = mat(n, q);
  rowsKept.forEach((src, r) => {
    for (let j = 0; j < p; j++) xs.data[r * p + j] = x.data[src * p + j]! / divisors[j]! - x0[j]!;
    for (let j = 0; j < q; j++) ys.data[r * q + j] = y.data[src * q + j]! - y0[j]!;
  });

  const kFold = lambdas.length > 1 ? Math.max(2, Math.min(opts.kFold ?? 10, n)) : 1;
  // row r (0-based; MATLAB's 1-based r+1) belongs to fold (r + 1) mod K
  const foldOf = (r: number): number => (r + 1) % kFold;
  const stats = Array.from({ length: kFold }, () => emptyStats(p, q));
  for (let r = 0; r < n; r++) addRow(stats[foldOf(r)]!, xs.data.subarray(r * p, (r + 1) * p), ys.data.subarray(r * q, (r + 1) * q));
  const total = emptyStats(p, q);
  for (const st of stats) addStats(total, st, 1);

  let lambda = lambdas[0]!;
  const cvMse: number[] = lambdas.map(() => (lambdas.length > 1 ? 0 : NaN));
  if (lambdas.length > 1) {
    for (let f = 0; f < kFold; f++) {
      // correct K-fold: train on the other K−1 folds, test on fold f
      const train = emptyStats(p, q);
      addStats(train, total, 1);
      addStats(train, stats[f]!, -1);
      const fits = ridgeFitFromStats(train, lambdas);
      const test = stats[f]!;
      fits.forEach((fit, li) => {
        cvMse[li]! += squaredError(test, fit.w, fit.b) / (test.n * q) / kFold;
      });
    }
    let best = 0;
    for (let li = 1; li < lambdas.length; li++) if (cvMse[li]! < cvMse[best]!) best = li;
    lambda = lambdas[best]!;
  }
  const final = ridgeFitFromStats(total, [lambda])[0]!;
  const w = mat(p, q);
  for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) w.data[i * q + j] = final.w.data[i * q + j]! / divisors[i]!;
  // undo the shift: y − y0 = (x/d − x0)·W' + b'  ⇒  intercept = b' + y0 − x0·W'
  const intercept = new Float64Array(q);
  for (let j = 0; j < q; j++) {
    let acc = final.b[j]! + y0[j]!;
    for (let i = 0; i < p; i++) acc -= x0[i]! * final.w.data[i * q + j]!;
    intercept[j] = acc;
  }
  return { w, intercept, lambda, lambdas: [...lambdas], cvMse, nObservations: n };
}

/** Sufficient statistics of a set of rows: n, Σx, Σy, Σ‖y‖², Σxxᵀ (lower triangle), Σxyᵀ. */
interface Stats {
  n: number;
  sx: Float64Array;
  sy: Float64Array;
  syy: number;
  sxx: Mat;
  sxy: Mat;
}

function emptyStats(p: number, q: number): Stats {
  return { n: 0, sx: new Float64Array(p), sy: new Float64Array(q), syy: 0, sxx: mat(p, p), sxy: mat(p, q) };
}

/**
 * Σ_rows ‖y − b − Wᵀx‖² from the rows' sufficient statistics (exact algebra; the data were shifted to
 * zero overall mean, so the cancellation between terms stays small).
 */
function squaredError(st: Stats, w: Mat, b: Float64Array): number {
  const p = st.sx.length;
  const q = st.sy.length;
  let se = st.syy;
  for (let j = 0; j < q; j++) {
    const bj = b[j]!;
    se += st.n * bj * bj - 2 * bj * st.sy[j]!;
    let wsx = 0;
    let wsxy = 0;
    let wsw = 0;
    for (let a = 0; a < p; a++) {
      const wa = w.data[a * q + j]!;
      wsx += wa * st.sx[a]!;
      wsxy += wa * st.sxy.data[a * q + j]!;
      let row = 0;
      for (let c = 0; c < a; c++) row += st.sxx.data[a * p + c]! * w.data[c * q + j]!;
      wsw += wa * (2 * row + st.sxx.data[a * p + a]! * wa);
    }
    se += 2 * bj * wsx - 2 * wsxy + wsw;
  }
  return Math.max(se, 0);
}

function addRow(st: Stats, xr: Float64Array, yr: Float64Array): void {
  const p = xr.length;
  const q = yr.length;
  st.n++;
  for (let i = 0; i < p; i++) {
    const xi = xr[i]!;
    st.sx[i] += xi;
    if (xi === 0) continue;
    for (let j = 0; j <= i; j++) st.sxx.data[i * p + j] += xi * xr[j]!;
    for (let j = 0; j < q; j++) st.sxy.data[i * q + j] += xi * yr[j]!;
  }
  for (let j = 0; j < q; j++) {
    st.sy[j] += yr[j]!;
    st.syy += yr[j]! * yr[j]!;
  }
}

function addStats(into: Stats, from: Stats, sign: 1 | -1): void {
  into.n += sign * from.n;
  into.syy += sign * from.syy;
  for (let i = 0; i < into.sx.length; i++) into.sx[i] += sign * from.sx[i]!;
  for (let i = 0; i < into.sy.length; i++) into.sy[i] += sign * from.sy[i]!;
  for (let i = 0; i < into.sxx.data.length; i++) into.sxx.data[i] += sign * from.sxx.data[i]!;
  for (let i = 0; i < into.sxy.data.length; i++) into.sxy.data[i] += sign * from.sxy.data[i]!;
}

/**
 * Ridge fits with an unpenalised intercept for several λ at once. The unpenalised-intercept solve
 * B = (X̃ᵀX̃ + λ I₀)⁻¹ X̃ᵀ Y is done in its equivalent centred form, W = (XcᵀXc + λI)⁻¹ XcᵀYc and
 * b = ȳ − x̄W, through one eigendecomposition of XcᵀXc (so every λ of the grid is cheap).
 */
function ridgeFitFromStats(st: Stats, lambdas: readonly number[]): { w: Mat; b: Float64Array }[] {
  const p = st.sx.length;
  const q = st.sy.length;
  const n = st.n;
  const xm = st.sx.map((v) => v / n);
  const ym = st.sy.map((v) => v / n);
  const g = mat(p, p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) g.data[i * p + j] = g.data[j * p + i] = st.sxx.data[i * p + j]! - n * xm[i]! * xm[j]!;
  }
  const h = mat(p, q);
  for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) h.data[i * q + j] = st.sxy.data[i * q + j]! - n * xm[i]! * ym[j]!;
  const { values, vectors } = symEig(g, "the ridge regression input");
  const vth = atb(vectors, h); // Vᵀ H, p × q
  const tol = p * Number.EPSILON * Math.max(values[0]!, 0);
  return lambdas.map((lambda) => {
    const scaled = mat(p, q);
    for (let c = 0; c < p; c++) {
      const d = Math.max(values[c]!, 0) + lambda;
      const inv = d > tol ? 1 / d : 0;
      for (let j = 0; j < q; j++) scaled.data[c * q + j] = vth.data[c * q + j]! * inv;
    }
    const w = mat(p, q);
    for (let i = 0; i < p; i++) {
      for (let c = 0; c < p; c++) {
        const vic = vectors.data[i * p + c]!;
        if (vic === 0) continue;
        for (let j = 0; j < q; j++) w.data[i * q + j] += vic * scaled.data[c * q + j]!;
      }
    }
    const b = new Float64Array(q);
    for (let j = 0; j < q; j++) {
      let acc = ym[j]!;
      for (let i = 0; i < p; i++) acc -= xm[i]! * w.data[i * q + j]!;
      b[j] = acc;
    }
    return { w, b };
  });
}

function nanStd(values: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) { s += v; n++; }
  if (n < 2) return NaN;
  const m = s / n;
  let ss = 0;
  for (const v of values) if (!Number.isNaN(v)) ss += (v - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}
