/**
 * FLOP model of one LFADS step (shared/reference/lfads-model.md §9): dense matmuls only, 2 FLOPs per
 * multiply-add, elementwise work ignored; a training step (forward + backward) counts as 3 × forward.
 */

/** Sizes the FLOP model needs. Names follow the TF flags (`ic_enc_dim` = H_ic, …); B, T, N as in the spec. */
export interface FlopShape {
  /** batch size (trials per step) */
  B: number;
  /** time bins; the default for both the encoder span T_e and the decoder span T_r */
  T: number;
  /** neurons of the data (encoder input width with the identity read-in) */
  N: number;
  ic_enc_dim: number;
  ic_dim: number;
  gen_dim: number;
  factors_dim: number;
  /** controller outputs U; 0 = no controller (no CI encoder, no controller) */
  co_dim: number;
  ci_enc_dim: number;
  con_dim: number;
  /** encoder span (lfads-torch `encod_seq_len`); default T */
  T_e?: number;
  /** decoder span (lfads-torch `recon_seq_len`); default T */
  T_r?: number;
  /** IC-encoder span `num_steps_for_gen_ic`, clamped to T_e; default T_e */
  K?: number;
  /** read-in output width; 0 or absent = identity read-in (D_in = N, no read-in FLOPs) */
  readin_dim?: number;
  /** read-out width; default N */
  N_out?: number;
  /** external inputs X; default 0 */
  ext_input_dim?: number;
  /** causal controller: one CI-encoder direction, controller fed [cf] only (no factors); default false */
  causal?: boolean;
  /** Gaussian observation model: read-out doubles; default false (Poisson) */
  gaussian?: boolean;
}

/** Forward FLOPs of one trial, by block (names as in the §9 table). */
export interface FlopParts {
  readin: number;
  ic_encoder: number;
  ci_encoder: number;
  g0_posterior: number;
  g0_to_gen: number;
  controller: number;
  generator: number;
  factors: number;
  readout: number;
}

function positiveInt(name: string, v: number | undefined, allowZero: boolean): number {
  if (v === undefined || !Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new RangeError(`flops: '${name}' must be an integer ${allowZero ? ">= 0" : ">= 1"}, got ${String(v)}`);
  }
  return v;
}

/**
 * Forward FLOPs per trial, split by block. The g0→generator map is the identity when ic_dim == gen_dim
 * (as in TF, where `g0_2_gen_ic` is then not built), so it costs nothing.
 */
export function forwardFlopParts(s: FlopShape): FlopParts {
  const T = positiveInt("T", s.T, false);
  const N = positiveInt("N", s.N, false);
  const Hic = positiveInt("ic_enc_dim", s.ic_enc_dim, false);
  const I = positiveInt("ic_dim", s.ic_dim, false);
  const G = positiveInt("gen_dim", s.gen_dim, false);
  const F = positiveInt("factors_dim", s.factors_dim, false);
  const U = positiveInt("co_dim", s.co_dim, true);
  const Hci = positiveInt("ci_enc_dim", s.ci_enc_dim, true);
  const C = positiveInt("con_dim", s.con_dim, true);
  const Te = positiveInt("T_e", s.T_e ?? T, false);
  const Tr = positiveInt("T_r", s.T_r ?? T, false);
  const K = Math.min(positiveInt("K", s.K ?? Te, false), Te);
  const X = positiveInt("ext_input_dim", s.ext_input_dim ?? 0, true);
  const readinDim = positiveInt("readin_dim", s.readin_dim ?? 0, true);
  const Nout = positiveInt("N_out", s.N_out ?? N, false);
  const Din = (readinDim > 0 ? readinDim : N) + X;
  const ciDirs = s.causal ? 1 : 2;
  const hasCo = U > 0;
  // controller input: [cf, cb, f_prev]; the causal controller sees the forward CI state only (§1.3)
  const conIn = s.causal ? Hci : 2 * Hci + F;
  return {
    readin: readinDim > 0 ? 2 * Te * N * readinDim : 0,
    ic_encoder: 2 * K * 6 * Hic * (Din + Hic),
    ci_encoder: hasCo ? ciDirs * Te * 6 * Hci * (Din + Hci) : 0,
    g0_posterior: 8 * Hic * I,
    g0_to_gen: I === G ? 0 : 2 * I * G,
    controller: hasCo ? Tr * (6 * C * (conIn + C) + 4 * C * U) : 0,
    generator: Tr * 6 * G * (U + X + G),
    factors: (Tr + 1) * 2 * G * F,
    readout: (Tr + 1) * 2 * F * Nout * (s.gaussian ? 2 : 1),
  };
}

/** Forward FLOPs of one step: B × Σ blocks. */
export function forwardFlops(s: FlopShape): number {
  const B = positiveInt("B", s.B, false);
  const parts = forwardFlopParts(s);
  let sum = 0;
  for (const v of Object.values(parts)) sum += v;
  return B * sum;
}

/** FLOPs of one training step (forward + backward ≈ 3 × forward; Adam is negligible). */
export function trainFlops(s: FlopShape): number {
  return 3 * forwardFlops(s);
}
