/**
 * `add_alignment_projections` of `synthetic_data_utils.py` (reference §7.1), which gives each session
 * of the multi-session set a read-in initialisation `alignment_matrix_cxf` [S, npcs] and
 * `alignment_bias_c` [S]:
 *
 * 1. average each session's *training spike counts* within each condition ([C, T, S]);
 * 2. lay the averages out as channels × (condition-major time), stacking every session's channels;
 * 3. smooth each channel with `scipy.signal.filtfilt(ones(6)/6, [1], x)` (odd padding of 18 samples,
 *    steady-state initial conditions), across the whole concatenated row as Python does;
 * 4. centre each channel, take the top `npcs` principal components of all channels together;
 * 5. per session, least squares from its centred channels to the PC scores → [S, npcs]; the bias is
 *    the channel means.
 *
 * The PCs' signs follow MATLAB's convention (largest |coefficient| positive); numpy's `eigh` leaves
 * them arbitrary, so a column of ours may be the negative of Python's.
 */
import { lstsq, mat, pca } from "../../core/linalg.js";
import { ShapeError } from "../../core/errors.js";

/**
 * `scipy.signal.filtfilt(b, [1.0], x)` for an FIR filter `b`, with scipy's defaults: odd extension by
 * padlen = 3·len(b) samples at each end and `lfilter_zi` initial conditions (for an FIR filter: the
 * input before the first sample is held at that sample's value), forward then backward.
 */
export function filtfiltFir(b: readonly number[], x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const padlen = 3 * b.length;
  if (n <= padlen) throw new ShapeError(`filtfilt: the signal has ${n} samples; it needs more than padlen = ${padlen}`);
  const ext = new Float64Array(n + 2 * padlen);
  const x0 = x[0]!;
  const xn = x[n - 1]!;
  for (let i = 0; i < padlen; i++) ext[i] = 2 * x0 - x[padlen - i]!;
  for (let i = 0; i < n; i++) ext[padlen + i] = x[i]!;
  for (let i = 0; i < padlen; i++) ext[padlen + n + i] = 2 * xn - x[n - 2 - i]!;
  const fir = (a: Float64Array): Float64Array => {
    const y = new Float64Array(a.length);
    const first = a[0]!;
    for (let i = 0; i < a.length; i++) {
      let acc = 0;
      for (let k = 0; k < b.length; k++) acc += b[k]! * (i - k >= 0 ? a[i - k]! : first);
      y[i] = acc;
    }
    return y;
  };
  const fwd = fir(ext).reverse();
  const back = fir(fwd).reverse();
  return back.slice(padlen, padlen + n);
}

/** One session's input: its training counts and their condition labels. */
export interface AlignmentSessionInput {
  /** [E, T, S] training data (spike counts or Gaussian data). */
  trainData: ArrayLike<number>;
  /** [E] condition label of each training trial (0-based, < C). */
  conditionLabels: ArrayLike<number>;
  numChannels: number;
}

export interface AlignmentProjection {
  /** [S, npcs] row-major. */
  matrix: Float64Array;
  /** [S]. */
  bias: Float64Array;
}

/** The alignment matrices and biases of every session (steps 1–5 above). */
export function alignmentProjections(sessions: readonly AlignmentSessionInput[], T: number, C: number, npcs: number, filterLength = 6): AlignmentProjection[] {
  const nAll = sessions.reduce((a, s) => a + s.numChannels, 0);
  const TC = T * C;
  const all = new Float64Array(nAll * TC);
  let row0 = 0;
  for (const s of sessions) {
    const S = s.numChannels;
    const E = s.conditionLabels.length;
    if (s.trainData.length !== E * T * S) throw new ShapeError(`alignment: training data has ${s.trainData.length} values, expected ${E}·${T}·${S}`);
    const counts = new Float64Array(C);
    for (let e = 0; e < E; e++) {
      const c = s.conditionLabels[e]!;
      counts[c]++;
      for (let t = 0; t < T; t++) for (let ch = 0; ch < S; ch++) all[(row0 + ch) * TC + c * T + t] += s.trainData[(e * T + t) * S + ch]!;
    }
    for (let ch = 0; ch < S; ch++) for (let c = 0; c < C; c++) {
      if (counts[c]! === 0) continue;
      for (let t = 0; t < T; t++) all[(row0 + ch) * TC + c * T + t] /= counts[c]!;
    }
    row0 += S;
  }
  const box = Array.from({ length: filterLength }, () => 1 / filterLength);
  for (let r = 0; r < nAll; r++) all.set(filtfiltFir(box, all.subarray(r * TC, (r + 1) * TC)), r * TC);
  const means = new Float64Array(nAll);
  for (let r = 0; r < nAll; r++) {
    let s = 0;
    for (let i = 0; i < TC; i++) s += all[r * TC + i]!;
    means[r] = s / TC;
  }
  const { coeff } = pca(mat(nAll, TC, all), npcs, { scores: false });
  // Scores of the centred data: [TC, npcs].
  const scores = mat(TC, npcs);
  for (let r = 0; r < nAll; r++) {
    const mu = means[r]!;
    for (let j = 0; j < npcs; j++) {
      const cf = coeff.data[r * npcs + j]!;
      if (cf === 0) continue;
      for (let i = 0; i < TC; i++) scores.data[i * npcs + j] += (all[r * TC + i]! - mu) * cf;
    }
  }
  const out: AlignmentProjection[] = [];
  row0 = 0;
  for (const s of sessions) {
    const S = s.numChannels;
    const a = mat(TC, S);
    for (let ch = 0; ch < S; ch++) {
      const mu = means[row0 + ch]!;
      for (let i = 0; i < TC; i++) a.data[i * S + ch] = all[(row0 + ch) * TC + i]! - mu;
    }
    out.push({ matrix: lstsq(a, scores).x.data, bias: means.slice(row0, row0 + S) });
    row0 += S;
  }
  return out;
}
