/**
 * Benchmark cases. A case's fields are exactly the peer's JSON config (bench/peer/lfads_peer.py `DEFAULTS`,
 * TF flag names) plus `name`; fields left out take the TF `run_lfads.py` defaults in the peer and must take
 * the same defaults in `bench/ours.ts`.
 */

import type { FlopShape } from "./flops.js";

/** The model/training configuration of one benchmark case: the sizes of the FLOP model, and the training settings. */
export interface BenchCase extends Pick<FlopShape, "B" | "T" | "N" | "ic_enc_dim" | "ic_dim" | "gen_dim" | "factors_dim" | "co_dim" | "ci_enc_dim" | "con_dim"> {
  name: string;
  /** dropout keep probability during training (TF default 0.95) */
  keep_prob: number;
  /** GRU state clip (TF `cell_clip_value`, default 5) */
  cell_clip: number;
  l2_gen_scale: number;
  l2_con_scale: number;
  kl_increase_steps: number;
  l2_increase_steps: number;
  /** global step the timed steps start from (sets the KL/L2 ramp weights) */
  step: number;
  learning_rate: number;
  max_grad_norm: number;
  seed: number;
  /** coordinated dropout: fraction of data elements the encoders see per step (lfadslite `keep_ratio`; absent: 1, off) */
  keep_ratio?: number;
}

/** TF defaults shared by every case; the step sits mid-ramp so every cost term has a non-zero weight. */
const COMMON = {
  keep_prob: 0.95,
  cell_clip: 5,
  l2_gen_scale: 2000,
  l2_con_scale: 0,
  kl_increase_steps: 2000,
  l2_increase_steps: 2000,
  step: 1000,
  learning_rate: 0.01,
  max_grad_norm: 200,
  seed: 0,
} as const;

const LORENZ_SEED = {
  B: 150, T: 500, N: 30, ic_enc_dim: 64, ic_dim: 64, gen_dim: 64, factors_dim: 8,
} as const;

export const BENCH_CASES: readonly BenchCase[] = [
  { name: "lorenz_seed_noco", ...COMMON, ...LORENZ_SEED, co_dim: 0, ci_enc_dim: 0, con_dim: 0 },
  { name: "lorenz_seed_co", ...COMMON, ...LORENZ_SEED, co_dim: 4, ci_enc_dim: 64, con_dim: 64 },
  // The seed case with coordinated dropout (AutoLFADS): a fresh mask per step, the gradient masked in the fused read-out.
  { name: "lorenz_seed_noco_cd", ...COMMON, ...LORENZ_SEED, co_dim: 0, ci_enc_dim: 0, con_dim: 0, keep_ratio: 0.7 },
  {
    // TF README chaotic_rnn_inputs example
    name: "chaotic_rnn_inputs", ...COMMON,
    B: 128, T: 100, N: 50, ic_enc_dim: 128, ic_dim: 64, gen_dim: 200, factors_dim: 20,
    co_dim: 1, ci_enc_dim: 128, con_dim: 128,
  },
];

