/**
 * Special functions the scores need (Poisson log-likelihoods): `lgamma`, `logFactorial`.
 * Plain TypeScript, double precision, no dependencies.
 */

// Lanczos approximation, g = 7, n = 9 (Godfrey's coefficients): relative error of Γ about 1e-15 for x ≥ 0.5.
const LANCZOS_G = 7;
const LANCZOS: readonly number[] = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log |Γ(x)|, the natural log of the absolute value of the gamma function (C's `lgamma`, SciPy's
 * `gammaln`). `lgamma(n + 1) = log(n!)`. Poles (0, −1, −2, …) give +Infinity; NaN gives NaN.
 * Accuracy: about 1e-14 relative (absolute near the zeros at 1 and 2, where the value is exactly 0).
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Infinity;
  if (x === 1 || x === 2) return 0;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const LOG_FACTORIAL_TABLE_SIZE = 256;
let logFactorialTable: Float64Array | undefined;

/**
 * log(n!) for a non-negative integer n (exact summation of logs up to 255, `lgamma(n + 1)` above).
 * Non-integer or negative n falls back to `lgamma(n + 1)`.
 */
export function logFactorial(n: number): number {
  if (Number.isInteger(n) && n >= 0 && n < LOG_FACTORIAL_TABLE_SIZE) {
    if (!logFactorialTable) {
      const t = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
      for (let k = 2; k < LOG_FACTORIAL_TABLE_SIZE; k++) t[k] = t[k - 1]! + Math.log(k);
      logFactorialTable = t;
    }
    return logFactorialTable[n]!;
  }
  return lgamma(n + 1);
}
