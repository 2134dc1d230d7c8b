/**
 * Poisson GLM with a log link and an unpenalised intercept, fitted by Newton's method with step
 * halving: minimise (1/n) Σ (μᵢ − yᵢ log μᵢ) + (α/2)‖w‖², μ = exp(Xw + b) — scikit-learn's
 * `PoissonRegressor(alpha)` objective. Used by the smoothing baseline to map smoothed held-in
 * activity to held-out neurons.
 */
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { DataError } from "../core/errors.js";
import type { Rows } from "./ridge.js";

export interface PoissonGlm {
  w: Float64Array;
  b: number;
}

function objective(x: Rows, y: ArrayLike<number>, w: Float64Array, b: number, alpha: number, eta: Float64Array): number {
  let f = 0;
  for (let r = 0; r < x.n; r++) {
    let e = b;
    for (let i = 0; i < x.p; i++) e += x.data[r * x.p + i]! * w[i]!;
    eta[r] = e;
    f += Math.exp(e) - y[r]! * e;
  }
  let l2 = 0;
  for (let i = 0; i < x.p; i++) l2 += w[i]! * w[i]!;
  return f / x.n + 0.5 * alpha * l2;
}

/** One Newton direction for [w; b] at linear predictor `eta`. */
function newtonStep(x: Rows, y: ArrayLike<number>, w: Float64Array, eta: Float64Array, alpha: number): Float64Array {
  const p = x.p;
  const d = p + 1;
  const h = new Float64Array(d * d);
  const g = new Float64Array(d);
  const row = new Float64Array(d);
  row[p] = 1;
  for (let r = 0; r < x.n; r++) {
    const mu = Math.exp(eta[r]!);
    const resid = mu - y[r]!;
    for (let i = 0; i < p; i++) row[i] = x.data[r * p + i]!;
    for (let i = 0; i < d; i++) {
      const wi = mu * row[i]!;
      g[i] += resid * row[i]!;
      if (wi === 0) continue;
      for (let j = i; j < d; j++) h[i * d + j] += wi * row[j]!;
    }
  }
  const hm = new Matrix(d, d);
  const gm = new Matrix(d, 1);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = h[i * d + j]! / x.n + (i === j && i < p ? alpha : 0);
      hm.set(i, j, v);
      hm.set(j, i, v);
    }
    gm.set(i, 0, g[i]! / x.n + (i < p ? alpha * w[i]! : 0));
  }
  for (let i = 0; i < d; i++) hm.set(i, i, hm.get(i, i) + 1e-10);
  const sol = new CholeskyDecomposition(hm).solve(gm);
  return Float64Array.from({ length: d }, (_, i) => sol.get(i, 0));
}

/** Fit the GLM (see the module comment); stops when the objective changes by < tol (relative). */
export function fitPoissonGlm(x: Rows, y: ArrayLike<number>, alpha: number, opts: { maxIter?: number; tol?: number } = {}): PoissonGlm {
  let mean = 0;
  for (let r = 0; r < x.n; r++) mean += y[r]!;
  mean /= x.n;
  if (!(mean > 0)) return { w: new Float64Array(x.p), b: Math.log(1e-9) };
  let w = new Float64Array(x.p);
  let b = Math.log(mean);
  const eta = new Float64Array(x.n);
  let f = objective(x, y, w, b, alpha, eta);
  for (let it = 0; it < (opts.maxIter ?? 50); it++) {
    const step = newtonStep(x, y, w, eta, alpha);
    let t = 1;
    let next = Infinity;
    let wn = w;
    let bn = b;
    for (let half = 0; half < 30; half++, t /= 2) {
      wn = w.map((v, i) => v - t * step[i]!);
      bn = b - t * step[x.p]!;
      next = objective(x, y, wn, bn, alpha, eta);
      if (next <= f) break;
    }
    if (!Number.isFinite(next)) throw new DataError(`Poisson GLM: the objective became ${next}; the inputs are too large or not finite`);
    const done = Math.abs(f - next) <= (opts.tol ?? 1e-7) * Math.max(1, Math.abs(f));
    w = wn;
    b = bn;
    f = objective(x, y, w, b, alpha, eta);
    if (done) break;
  }
  return { w, b };
}

/** exp(Xw + b) for each row. */
export function predictPoisson(m: PoissonGlm, x: Rows): Float64Array {
  const out = new Float64Array(x.n);
  for (let r = 0; r < x.n; r++) {
    let e = m.b;
    for (let i = 0; i < x.p; i++) e += x.data[r * x.p + i]! * m.w[i]!;
    out[r] = Math.exp(e);
  }
  return out;
}
