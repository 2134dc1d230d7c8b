/**
 * Gaussian smoothing along time, as nlb_tools smooths spikes: a unit-sum Gaussian window of
 * ⌊6·SD⌋ samples (SD in samples), applied per trial and neuron with numpy's `convolve(x, w, "same")`
 * (the full convolution's central part, starting at (L − 1) / 2 rounded down).
 */
import { array3d, type Array3D } from "../core/array3d.js";
import { ParamError } from "../core/errors.js";
import type { NlbTensor } from "./tensor.js";

/** The normalised Gaussian window: L = ⌊6·sd⌋ samples, centred at (L − 1)/2. */
export function gaussianWindow(sd: number): Float64Array {
  const len = Math.floor(6 * sd);
  if (!(sd > 0) || len < 1) throw new ParamError(`Gaussian smoothing SD = ${sd} samples: must be > 1/6 of a bin (use a kernel SD ≥ the bin width)`);
  const c = (len - 1) / 2;
  const w = Float64Array.from({ length: len }, (_, j) => Math.exp(-0.5 * ((j - c) / sd) ** 2));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/**
 * numpy.convolve(x, w, "same") for one strided series of `len` values, written as a scatter (each
 * non-zero input adds a scaled window), which skips the zeros that dominate spike counts.
 */
function convolveSame(src: ArrayLike<number>, dst: Float64Array, start: number, stride: number, len: number, w: Float64Array): void {
  const L = w.length;
  const off = Math.floor((L - 1) / 2);
  // y[i] = Σ_j x[i + off − j] w[j]  ⇔  x[s] adds x[s]·w[j] to y[s − off + j]
  for (let s = 0; s < len; s++) {
    const v = src[start + s * stride]!;
    if (v === 0) continue;
    const j0 = Math.max(0, off - s);
    const j1 = Math.min(L - 1, len - 1 - s + off);
    for (let j = j0; j <= j1; j++) dst[start + (s - off + j) * stride] += v * w[j]!;
  }
}

/** Python's round(): halves go to the even neighbour (round(2.5) = 2), as nlb_tools rounds the kernel SD. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return Math.round(x);
  return f % 2 === 0 ? f : f + 1;
}

/** Smooth every trial and neuron of a [trial, bin, neuron] tensor with a Gaussian of `sdMs` (bins of `binWidthMs`; SD rounded to whole bins as nlb_tools does, halves to even). */
export function smoothSpikes(x: NlbTensor, sdMs: number, binWidthMs: number): Array3D<Float64Array> {
  const sdBins = roundHalfEven(sdMs / binWidthMs);
  const w = gaussianWindow(sdBins);
  const [nT, nB, n] = x.shape;
  const out = new Float64Array(x.data.length);
  for (let t = 0; t < nT; t++) for (let k = 0; k < n; k++) convolveSame(x.data, out, t * nB * n + k, n, nB, w);
  return array3d(out, [nT, nB, n]);
}
