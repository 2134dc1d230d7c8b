/**
 * The chaotic "data RNN" of `synthetic_data_utils.py` (reference §7.1):
 *
 *   x_t = (1 − dt/τ)·x_{t−1} + dt/τ·(g·W·r_{t−1} + b + Bin·u_t),   r_t = tanh(x_t),   r_{−1} = tanh(x0)
 *
 * with W ~ N(0,1)/√N, Bin, Bin2 ~ N(0,1), b = 0, and u_t = input_magnitude at the one pulse step (else 0).
 * The recorded rates are r_0 … r_{T−1} (the first after one step), observed through P_sxn, min/max
 * normalised per trial and channel to [0,1] (the "truth"), then turned into Poisson counts with mean
 * truth·rate·dt or into truth·rate + 5·rate·√dt·N(0,1).
 */
import { DataError } from "../../core/errors.js";

/** A source of standard normals (our Rng, or {@link NumpyRandomState} to follow numpy's stream). */
export interface NormalSource {
  normal(): number;
}

/** A source of Poisson draws. */
export interface PoissonSource {
  poisson(lam: number): number;
}

/** One data RNN (`generate_rnn`). Matrices row-major. */
export interface DataRnn {
  N: number;
  /** N×N, entries N(0,1)/√N (not yet multiplied by g). */
  W: Float64Array;
  /** Input weights of the pulse, N(0,1). */
  Bin: Float64Array;
  /** Second input vector, drawn (as in Python) but unused. */
  Bin2: Float64Array;
  /** Bias (zeros). */
  b: Float64Array;
  g: number;
  tau: number;
  dt: number;
  maxFiringRate: number;
  /** Expected spikes per bin at a normalised rate of 1: maxFiringRate·dt (Python's `rnn['conversion_factor']`). */
  spikesPerBinAtOne: number;
}

/** Draw a data RNN from `rng` in Python's order: W (N·N normals, row by row, divided by √N), Bin, Bin2. */
export function generateDataRnn(rng: NormalSource, N: number, g: number, tau: number, dt: number, maxFiringRate: number): DataRnn {
  const s = Math.sqrt(N);
  const W = new Float64Array(N * N);
  for (let i = 0; i < W.length; i++) W[i] = rng.normal() / s;
  const Bin = new Float64Array(N);
  for (let i = 0; i < N; i++) Bin[i] = rng.normal();
  const Bin2 = new Float64Array(N);
  for (let i = 0; i < N; i++) Bin2[i] = rng.normal();
  return { N, W, Bin, Bin2, b: new Float64Array(N), g, tau, dt, maxFiringRate, spikesPerBinAtOne: maxFiringRate * dt };
}

/** Pre-scaled copies used by {@link runDataRnn} (dt/τ·g·W, dt/τ·Bin, dt/τ·b). */
interface Scaled {
  alpha: number;
  W: Float64Array;
  Bin: Float64Array;
  b: Float64Array;
}

const scaledCache = new WeakMap<DataRnn, Scaled>();

function scaled(rnn: DataRnn): Scaled {
  let s = scaledCache.get(rnn);
  if (!s) {
    const k = rnn.dt / rnn.tau;
    s = { alpha: 1 - k, W: rnn.W.map((w) => w * k * rnn.g), Bin: rnn.Bin.map((v) => v * k), b: rnn.b.map((v) => v * k) };
    scaledCache.set(rnn, s);
  }
  return s;
}

/**
 * Run the RNN from `x0` for `steps` steps; `out` receives r_t = tanh(x_t) as [steps, N] row-major.
 * `pulse` adds dt/τ·Bin·magnitude at step `time` (0-based).
 */
export function runDataRnn(rnn: DataRnn, x0: ArrayLike<number>, steps: number, out: Float64Array, pulse?: { time: number; magnitude: number }): Float64Array {
  const N = rnn.N;
  const { alpha, W, Bin, b } = scaled(rnn);
  const x = Float64Array.from(x0);
  const r = x.map(Math.tanh);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < N; i++) {
      let acc = 0;
      const row = i * N;
      for (let j = 0; j < N; j++) acc += W[row + j]! * r[j]!;
      x[i] = alpha * x[i]! + acc + b[i]!;
    }
    if (pulse && t === pulse.time) for (let i = 0; i < N; i++) x[i] += Bin[i]! * pulse.magnitude;
    const o = t * N;
    for (let i = 0; i < N; i++) out[o + i] = r[i] = Math.tanh(x[i]!);
  }
  return out;
}

/**
 * `r_sxt = P_sxn · r_nxt` followed by `normalize_rates` for one trial: `states` is [T, N], `out` gets
 * [T, S] with every channel min/max-scaled over time to [0, 1]. `select` (the unit observed by each
 * channel) replaces the product when P is a selection matrix.
 */
export function projectAndNormalise(
  states: Float64Array,
  T: number,
  N: number,
  out: Float64Array | Float32Array,
  S: number,
  proj: { select: Int32Array } | { P: Float64Array },
): void {
  if ("select" in proj) {
    for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) out[t * S + s] = states[t * N + proj.select[s]!]!;
  } else {
    const P = proj.P;
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < S; s++) {
        let acc = 0;
        for (let n = 0; n < N; n++) acc += P[s * N + n]! * states[t * N + n]!;
        out[t * S + s] = acc;
      }
    }
  }
  for (let s = 0; s < S; s++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < T; t++) {
      const v = out[t * S + s]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // Python asserts here ('Something wrong'): a constant channel cannot be normalised.
    if (!(hi - lo > 0)) throw new DataError(`synthetic data: channel ${s} is constant over a trial (min = max = ${lo}); use more time steps or a different seed`);
    const range = hi - lo;
    for (let t = 0; t < T; t++) out[t * S + s] = (out[t * S + s]! - lo) / range;
  }
}

/**
 * `spikify_data` for one trial: truth [T, S] (row-major) → counts ~ Poisson(truth·rate·dt), drawn
 * channel by channel, each over time (Python's order), into `out` at `offset`.
 */
export function spikifyTrial(truth: ArrayLike<number>, T: number, S: number, rng: PoissonSource, dt: number, maxFiringRate: number, out: Int32Array, offset = 0): void {
  for (let s = 0; s < S; s++) for (let t = 0; t < T; t++) out[offset + t * S + s] = rng.poisson(truth[t * S + s]! * maxFiringRate * dt);
}

/** `gaussify_data` for one trial: truth·rate + N(0,1)·5·rate·√dt (std 15 at 30 Hz and 10 ms), same order. */
export function gaussifyTrial(truth: ArrayLike<number>, T: number, S: number, rng: NormalSource, dt: number, maxFiringRate: number, out: Float64Array, offset = 0): void {
  const sd = 5 * maxFiringRate;
  const sq = Math.sqrt(dt);
  for (let s = 0; s < S; s++) for (let t = 0; t < T; t++) out[offset + t * S + s] = truth[t * S + s]! * maxFiringRate + rng.normal() * sd * sq;
}
