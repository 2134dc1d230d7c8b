/**
 * Ridge regression with an intercept and a cross-validated penalty, as NLB scores velocity decoding:
 * scikit-learn's `GridSearchCV(Ridge(), {alpha: logspace(−4, 0, 9)})` with its default 5-fold split
 * (contiguous, unshuffled folds; the first n mod 5 folds one row longer), each α scored by the mean
 * over folds of the uniform-average R², the best α (the first of equals) refitted on all rows.
 * Ridge centres X and Y on the training rows and solves (XcᵀXc + αI) W = XcᵀYc by Cholesky (ml-matrix);
 * the intercept is ȳ − x̄W. Gram matrices come from sums per fold, so the data are read once.
 */
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { DataError } from "../core/errors.js";

/** A row-major n × p matrix. */
export interface Rows {
  data: Float64Array;
  n: number;
  p: number;
}

export const NLB_RIDGE_ALPHAS: readonly number[] = Array.from({ length: 9 }, (_, i) => 10 ** (-4 + 0.5 * i));

interface Sums {
  n: number;
  sx: Float64Array;
  sy: Float64Array;
  xx: Float64Array;
  xy: Float64Array;
}

function sums(x: Rows, y: Rows, from: number, to: number): Sums {
  const { p } = x;
  const q = y.p;
  const s: Sums = { n: to - from, sx: new Float64Array(p), sy: new Float64Array(q), xx: new Float64Array(p * p), xy: new Float64Array(p * q) };
  for (let r = from; r < to; r++) {
    const xo = r * p;
    const yo = r * q;
    for (let a = 0; a < p; a++) {
      const xa = x.data[xo + a]!;
      s.sx[a] += xa;
      if (xa === 0) continue;
      const row = a * p;
      for (let b = a; b < p; b++) s.xx[row + b] += xa * x.data[xo + b]!;
      for (let j = 0; j < q; j++) s.xy[a * q + j] += xa * y.data[yo + j]!;
    }
    for (let j = 0; j < q; j++) s.sy[j] += y.data[yo + j]!;
  }
  return s;
}

function minus(total: Sums, part: Sums): Sums {
  const sub = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v - b[i]!);
  return { n: total.n - part.n, sx: sub(total.sx, part.sx), sy: sub(total.sy, part.sy), xx: sub(total.xx, part.xx), xy: sub(total.xy, part.xy) };
}

export interface RidgeFit {
  /** p × q weights, row-major. */
  w: Float64Array;
  intercept: Float64Array;
}

/** Fit ridge with intercept from sufficient statistics, for each α. */
function fitFromSums(s: Sums, p: number, q: number, alphas: readonly number[]): RidgeFit[] {
  const mx = s.sx.map((v) => v / s.n);
  const my = s.sy.map((v) => v / s.n);
  const a = new Matrix(p, p);
  for (let i = 0; i < p; i++) for (let j = i; j < p; j++) {
    const v = s.xx[i * p + j]! - s.n * mx[i]! * mx[j]!;
    a.set(i, j, v);
    a.set(j, i, v);
  }
  const b = new Matrix(p, q);
  for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) b.set(i, j, s.xy[i * q + j]! - s.n * mx[i]! * my[j]!);
  return alphas.map((alpha) => {
    const m = a.clone();
    for (let i = 0; i < p; i++) m.set(i, i, m.get(i, i) + alpha);
    const chol = new CholeskyDecomposition(m);
    if (!chol.isPositiveDefinite()) throw new DataError(`ridge: XᵀX + ${alpha}·I is not positive definite (non-finite or degenerate rates); check the rates for NaN or constant columns`);
    const sol = chol.solve(b);
    const w = new Float64Array(p * q);
    const intercept = Float64Array.from(my);
    for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) {
      w[i * q + j] = sol.get(i, j);
      intercept[j] -= mx[i]! * sol.get(i, j);
    }
    return { w, intercept };
  });
}

/** Predictions of `fit` for rows [from, to) of x. */
export function predict(fit: RidgeFit, x: Rows, q: number, from = 0, to = x.n): Float64Array {
  const out = new Float64Array((to - from) * q);
  for (let r = from; r < to; r++) {
    for (let j = 0; j < q; j++) {
      let v = fit.intercept[j]!;
      for (let i = 0; i < x.p; i++) v += x.data[r * x.p + i]! * fit.w[i * q + j]!;
      out[(r - from) * q + j] = v;
    }
  }
  return out;
}

/** scikit-learn's r2_score, multioutput "uniform_average": mean over columns of 1 − SS_res/SS_tot. */
export function r2Uniform(truth: ArrayLike<number>, pred: ArrayLike<number>, q: number): number {
  const n = truth.length / q;
  let total = 0;
  for (let j = 0; j < q; j++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += truth[r * q + j]!;
    mean /= n;
    let res = 0;
    let tot = 0;
    for (let r = 0; r < n; r++) {
      res += (truth[r * q + j]! - pred[r * q + j]!) ** 2;
      tot += (truth[r * q + j]! - mean) ** 2;
    }
    // scikit-learn's force_finite: a constant target scores 1 when predicted exactly, else 0
    total += tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
  }
  return total / q;
}

/** Contiguous K-fold bounds as scikit-learn's KFold (no shuffle). */
export function kFoldBounds(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    out.push([at, at + size]);
    at += size;
  }
  return out;
}

export interface RidgeCvFit extends RidgeFit {
  alpha: number;
  /** Mean CV R² for each α. */
  cvScores: number[];
}

/** GridSearchCV(Ridge) over `alphas` with `k` folds, refitted on all rows (see the module comment). */
export function ridgeGridCv(x: Rows, y: Rows, alphas: readonly number[] = NLB_RIDGE_ALPHAS, k = 5): RidgeCvFit {
  if (x.n !== y.n) throw new DataError(`ridge: ${x.n} input rows but ${y.n} target rows`);
  if (x.n < k) throw new DataError(`ridge: ${x.n} training samples is fewer than the ${k} cross-validation folds; decode from more trials`);
  const q = y.p;
  const folds = kFoldBounds(x.n, k);
  const parts = folds.map(([a, b]) => sums(x, y, a, b));
  const total = parts.reduce((acc, s) => ({ n: acc.n + s.n, sx: acc.sx.map((v, i) => v + s.sx[i]!), sy: acc.sy.map((v, i) => v + s.sy[i]!), xx: acc.xx.map((v, i) => v + s.xx[i]!), xy: acc.xy.map((v, i) => v + s.xy[i]!) }));
  const cvScores = alphas.map(() => 0);
  folds.forEach(([a, b], f) => {
    const fits = fitFromSums(minus(total, parts[f]!), x.p, q, alphas);
    const truth = y.data.subarray(a * q, b * q);
    fits.forEach((fit, i) => (cvScores[i] += r2Uniform(truth, predict(fit, x, q, a, b), q) / k));
  });
  let best = 0;
  cvScores.forEach((s, i) => s > cvScores[best]! && (best = i));
  return { ...fitFromSums(total, x.p, q, [alphas[best]!])[0]!, alpha: alphas[best]!, cvScores };
}
