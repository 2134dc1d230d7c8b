/** Small shared fixtures for the model and train tests. */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { LfadsModel, type LfadsBatch } from "../../src/model/lfads.js";
import { lgammaRowSums } from "../../src/model/observation/poisson.js";
import { RunParams, type RunParamsInit } from "../../src/params/run-params.js";

export const TINY: RunParamsInit = {
  c_batch_size: 4,
  c_ic_enc_dim: 5,
  c_ic_dim: 3,
  c_gen_dim: 6,
  c_factors_dim: 3,
  c_co_dim: 0,
  c_ci_enc_dim: 4,
  c_con_dim: 4,
  c_kl_increase_steps: 4,
  c_l2_increase_steps: 4,
};

export function tinyModel(over: RunParamsInit = {}, dims = { T: 7, N: 5 }, seed = 1): LfadsModel {
  const p = new RunParams({ ...TINY, ...over });
  return new LfadsModel(modelConfigFromRunParams(p, { numSteps: dims.T, datasets: [{ name: "dataset001.h5", numNeurons: dims.N }] }), { seed });
}

/** Poisson counts [B,T,N] with a seeded rate pattern. */
export function counts(B: number, T: number, N: number, seed = 2, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: B * T * N }, (_, i) => rng.poisson(scale * (0.6 + 0.5 * Math.sin(i / 3))));
}

export function batchOf(x: Float32Array, B: number, T: number, N: number): LfadsBatch {
  return { datasetIndex: 0, data: tf.tensor3d(x, [B, T, N]), lgammaSum: lgammaRowSums(x, B) };
}

/** Max |a−b| / max(1, |b|) over two arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}
