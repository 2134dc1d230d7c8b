/**
 * Integrate-to-bound (ITB) network — a HAND-BUILT substitute, not the Python one.
 *
 * TF LFADS's `generate_itb_data.py` runs a 50-unit tanh RNN (h_t = tanh(W·h_{t−1} + b + Bu·u_t),
 * z_t = Wro·h_t + bro) whose weights come from a *trained TF1 checkpoint* (`trained_itb/model-65000`)
 * that was trained to output clip(Σ_{s≤t} u_s, −1, 1) for white-noise input u ~ N(0, 0.25²). We do
 * not have that checkpoint (and no TensorFlow), so this module builds a network of the same form by
 * hand that performs the task:
 *
 *   * a rank-one recurrent matrix W = c·mᵀ and input weights Bu = c make every unit's pre-activation
 *     c_i·(y_{t−1} + u_t) + b_i, where y = m·h is the readout (Wro = m, bro = 0);
 *   * units come in 25 pairs with gains c_k (log-uniform in [0.5, 3]) and biases ±b_k (b_k uniform in
 *     [0, 2.5], one b = 0 pair), so y_t = f(y_{t−1} + u_t) with an odd f(s) = Σ_k m_k·(tanh(c_k s + b_k)
 *     + tanh(c_k s − b_k));
 *   * m is the ridge least-squares fit of f(s) to clip(s, −1, 1) on s ∈ [−3, 3], constrained to
 *     f'(0) = 1. So f(s) ≈ s inside the bound (a line attractor: the readout integrates the input) and
 *     f(s) ≈ ±1 beyond it (saturation at the bound).
 *
 * The result is a saturating integrator y_t ≈ clip(y_{t−1} + u_t, −1, 1) — close to, but not the same
 * as, the trained net's target clip(Σu, −1, 1) (which leaves the bound only once the *unclipped* sum
 * returns; ours leaves it as soon as the input turns). Its unit activity is a heterogeneous family of
 * sigmoidal tuning curves of the integrated value, which is what LFADS sees after the random projection.
 * The network does not depend on the seed (like the fixed checkpoint); it is built from a fixed
 * internal seed.
 */
import { lstsq, mat } from "../../core/linalg.js";
import { ParamError } from "../../core/errors.js";
import { Rng } from "../../core/rng.js";
import type { NormalSource } from "./data-rnn.js";

/** h_t = tanh(W·h_{t−1} + b + Bu·u_t), z_t = Wro·h_t + bro; h_{−1} = 0. Matrices row-major. */
export interface ItbNetwork {
  N: number;
  /** N×N recurrent weights (act_i = Σ_j W[i,j]·h_j). */
  W: Float64Array;
  b: Float64Array;
  Bu: Float64Array;
  Wro: Float64Array;
  bro: number;
}

/** The fixed seed the network is built from (a nod to the checkpoint's step count). */
export const ITB_NETWORK_SEED = 65000;

/** Build the hand-made integrator (N even, ≥ 4). Deterministic. */
export function buildItbNetwork(N = 50): ItbNetwork {
  if (!Number.isInteger(N) || N < 4 || N % 2 !== 0) throw new ParamError(`ITB network: N must be an even integer ≥ 4, got ${N}`);
  const K = N / 2;
  const rng = new Rng(ITB_NETWORK_SEED);
  const c = Array.from({ length: K }, () => 0.5 * Math.exp(rng.uniform() * Math.log(6)));
  const bias = Array.from({ length: K }, (_, k) => (k === 0 ? 0 : 2.5 * rng.uniform()));
  // Ridge least squares for m: grid rows, ridge rows, and one heavily weighted row for f'(0) = 1.
  const G = 1201;
  const lambda = 1e-4;
  const A = mat(G + K + 1, K);
  const B = mat(G + K + 1, 1);
  for (let i = 0; i < G; i++) {
    const s = -3 + (6 * i) / (G - 1);
    for (let k = 0; k < K; k++) A.data[i * K + k] = Math.tanh(c[k]! * s + bias[k]!) + Math.tanh(c[k]! * s - bias[k]!);
    B.data[i] = Math.max(-1, Math.min(1, s));
  }
  for (let k = 0; k < K; k++) A.data[(G + k) * K + k] = Math.sqrt(lambda * G);
  const w = 100 * Math.sqrt(G);
  for (let k = 0; k < K; k++) A.data[(G + K) * K + k] = (w * 2 * c[k]!) / Math.cosh(bias[k]!) ** 2;
  B.data[G + K] = w;
  const m = lstsq(A, B).x.data;
  // Unit 2k has bias +b_k, unit 2k+1 has −b_k; both read out with m_k.
  const gain = new Float64Array(N);
  const b = new Float64Array(N);
  const Wro = new Float64Array(N);
  for (let k = 0; k < K; k++) {
    gain[2 * k] = gain[2 * k + 1] = c[k]!;
    b[2 * k] = bias[k]!;
    b[2 * k + 1] = -bias[k]!;
    Wro[2 * k] = Wro[2 * k + 1] = m[k]!;
  }
  const W = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) W[i * N + j] = gain[i]! * Wro[j]!;
  return { N, W, b, Bu: gain, Wro, bro: 0 };
}

/** Run the network on inputs u (length T): states → [T, N], outputs z → [T]. */
export function runItbNetwork(net: ItbNetwork, u: ArrayLike<number>, states: Float64Array, outputs: Float64Array | Float32Array): void {
  const N = net.N;
  const h = new Float64Array(N);
  const act = new Float64Array(N);
  for (let t = 0; t < u.length; t++) {
    const ut = u[t]!;
    for (let i = 0; i < N; i++) {
      let a = net.b[i]! + net.Bu[i]! * ut;
      const row = i * N;
      for (let j = 0; j < N; j++) a += net.W[row + j]! * h[j]!;
      act[i] = a;
    }
    let z = net.bro;
    for (let i = 0; i < N; i++) {
      h[i] = Math.tanh(act[i]!);
      z += net.Wro[i]! * h[i]!;
      states[t * N + i] = h[i]!;
    }
    outputs[t] = z;
  }
}

/** `get_data_batch` for one trial: u_t ~ N(0, uStd²) and its clipped running sum clip(Σ_{s≤t} u_s, −1, 1). */
export function itbInputs(rng: NormalSource, T: number, uStd: number): { u: Float64Array; target: Float64Array } {
  const u = new Float64Array(T);
  const target = new Float64Array(T);
  let sum = 0;
  for (let t = 0; t < T; t++) {
    u[t] = rng.normal() * uStd;
    sum += u[t]!;
    target[t] = Math.max(-1, Math.min(1, sum));
  }
  return { u, target };
}
