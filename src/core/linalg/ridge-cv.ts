/** Ridge regression with a K-fold cross-validated penalty (the Run Manager's `ridge_cv`, corrected). */
import { DataError, ParamError, ShapeError } from "../errors.js";
import { type Mat, mat } from "./matrix.js";
import { addRow, addStats, emptyStats, ridgeFitFromStats, squaredError, type Stats } from "./ridge-stats.js";

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
  const divisors = columnDivisors(x, opts.normalizeEach ?? false);
  const rowsKept = completeRows(x, y);
  const n = rowsKept.length;
  if (n < 2) throw new DataError(`ridgeCv: ${n} observation(s) without NaN; at least 2 are needed`);
  const { xs, ys, x0, y0 } = scaleAndShift(x, y, rowsKept, divisors);

  const kFold = lambdas.length > 1 ? Math.max(2, Math.min(opts.kFold ?? 10, n)) : 1;
  // row r (0-based; MATLAB's 1-based r+1) belongs to fold (r + 1) mod K
  const foldOf = (r: number): number => (r + 1) % kFold;
  const stats = Array.from({ length: kFold }, () => emptyStats(p, q));
  for (let r = 0; r < n; r++) addRow(stats[foldOf(r)]!, xs.data.subarray(r * p, (r + 1) * p), ys.data.subarray(r * q, (r + 1) * q));
  const total = emptyStats(p, q);
  for (const st of stats) addStats(total, st, 1);
  const { lambda, cvMse } = crossValidate(stats, total, lambdas, q);

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

/** What X's columns are divided by: each column's sample std (`normalizeEach`) or one global std (NaN-ignoring); 1 where that is 0 or undefined. */
function columnDivisors(x: Mat, normalizeEach: boolean): Float64Array {
  const p = x.cols;
  const divisors = new Float64Array(p);
  if (normalizeEach) {
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
  return divisors;
}

/** The rows with no NaN in X or Y. */
function completeRows(x: Mat, y: Mat): number[] {
  const p = x.cols;
  const q = y.cols;
  const rowsKept: number[] = [];
  for (let i = 0; i < x.rows; i++) {
    let ok = true;
    for (let j = 0; j < p && ok; j++) if (Number.isNaN(x.data[i * p + j]!)) ok = false;
    for (let j = 0; j < q && ok; j++) if (Number.isNaN(y.data[i * q + j]!)) ok = false;
    if (ok) rowsKept.push(i);
  }
  return rowsKept;
}

/**
 * The kept rows with X scaled, both sides shifted by their overall means x0, y0 (this changes only the
 * intercept, restored by the caller) so the per-fold sums of products do not lose precision to large means.
 */
function scaleAndShift(x: Mat, y: Mat, rowsKept: readonly number[], divisors: Float64Array): { xs: Mat; ys: Mat; x0: Float64Array; y0: Float64Array } {
  const p = x.cols;
  const q = y.cols;
  const n = rowsKept.length;
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
  return { xs, ys, x0, y0 };
}

/** The λ with the least mean held-out MSE, and that MSE for every λ (NaN when there is only one λ to choose). */
function crossValidate(stats: readonly Stats[], total: Stats, lambdas: readonly number[], q: number): { lambda: number; cvMse: number[] } {
  const kFold = stats.length;
  const cvMse: number[] = lambdas.map(() => (lambdas.length > 1 ? 0 : NaN));
  if (lambdas.length === 1) return { lambda: lambdas[0]!, cvMse };
  for (let f = 0; f < kFold; f++) {
    // correct K-fold: train on the other K−1 folds, test on fold f
    const train = emptyStats(total.sx.length, q);
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
  return { lambda: lambdas[best]!, cvMse };
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
