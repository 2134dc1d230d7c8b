/**
 * Ridge fits from sufficient statistics: the per-fold sums that let ridgeCv read the data once and
 * score every λ of its grid through one eigendecomposition per fold.
 */
import { symEig } from "./decompositions.js";
import { atb, type Mat, mat } from "./matrix.js";

/** Sufficient statistics of a set of rows: n, Σx, Σy, Σ‖y‖², Σxxᵀ (lower triangle), Σxyᵀ. */
export interface Stats {
  n: number;
  sx: Float64Array;
  sy: Float64Array;
  syy: number;
  sxx: Mat;
  sxy: Mat;
}

export function emptyStats(p: number, q: number): Stats {
  return { n: 0, sx: new Float64Array(p), sy: new Float64Array(q), syy: 0, sxx: mat(p, p), sxy: mat(p, q) };
}

/**
 * Σ_rows ‖y − b − Wᵀx‖² from the rows' sufficient statistics (exact algebra; the data were shifted to
 * zero overall mean, so the cancellation between terms stays small).
 */
export function squaredError(st: Stats, w: Mat, b: Float64Array): number {
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

export function addRow(st: Stats, xr: Float64Array, yr: Float64Array): void {
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

export function addStats(into: Stats, from: Stats, sign: 1 | -1): void {
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
export function ridgeFitFromStats(st: Stats, lambdas: readonly number[]): { w: Mat; b: Float64Array }[] {
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
