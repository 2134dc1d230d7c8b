/**
 * Issue 4: on a freshly generated Lorenz dataset, one run with the seed's architecture
 * (c_factors_dim 8, c_co_dim 0, c_ic_enc_dim 64, c_ic_dim 64, c_gen_dim 64, c_keep_prob 0.95)
 * reaches R² ≥ 0.75 between the posterior-mean (push-mean) rates and true_rates on the validation
 * trials, within the CI budget. The whole pipeline runs: generator → DatasetCollection → RunCollection
 * → prepare → trainRun (fused WebAssembly GRU kernels) → checkpoint → push-mean forward → r2Score.
 *
 * Chosen budget (study: scripts/lorenz-fit.ts): one dataset of 65 conditions × 20 trials (every 5th held
 * out: 260 valid trials), 30 neurons, 500-ms trials of 1-ms spikes re-binned to 10-ms bins (T = 50),
 * batch 100, lr 0.02 decaying ×0.95, KL and L2 ramps over 300 steps, c_l2_gen_scale 50, 2,000 steps
 * (~182 epochs), scoring the lowest-validation-error checkpoint. Measured (data seed 1, model seed 0):
 * R² 0.806 (last checkpoint 0.805), 0.25 s/step of wall time on a 2-core machine at load average
 * 13–17, 210 s of CPU in all (generation, prepare, training, scoring). Why these choices: the seed's
 * params (lr 0.01, 900-step ramps, l2 500, T = 100 bins) let q(g0) collapse (valid KL 218 → ≈ 2 nats by
 * step 100) and sat at R² ≈ 0.0–0.05 for 440 steps; shorter trials, lr 0.02, short ramps and a
 * weaker generator L2 escape the plateau after ~250 steps. The score is as
 * lorenz-baselines.md defines it: 1 − Σ(r − t)² / Σ(t − t̄_n)², pooled over the valid trials, bins and
 * neurons (t̄_n the mean per neuron), r the inferred rate per output bin, t `valid_truth` (the 1-ms true
 * rates summed over each output bin by prepare).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { buildLorenzDemo } from "../../src/demo/lorenz-demo.js";
import { readArray, readH5 } from "../../src/io/h5.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { activeGruImplementation } from "../../src/model/ops/gru-recurrence.js";
import { LfadsModel } from "../../src/model/lfads.js";
import { RngNoise } from "../../src/model/noise.js";
import type { RunParams } from "../../src/params/run-params.js";
import { r2Score } from "../../src/posterior/scores.js";
import { prepare } from "../../src/prepare/prepare.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { trainRun } from "../../src/train/train-run.js";

/** Data and training budget (study: scripts/lorenz-fit.ts). */
const CONFIG = {
  lorenz: { nDatasets: 1, nConditions: 65, minTrialsPerCondition: 20, maxTrialsPerCondition: 20, minChannels: 30, maxChannels: 30, nTime: 500, seed: 1, today: "2024-01-01" },
  params: {
    spikeBinMs: 10,
    c_co_dim: 0,
    c_ic_enc_dim: 64,
    c_ic_dim: 64,
    c_gen_dim: 64,
    c_keep_prob: 0.95,
    c_batch_size: 100,
    c_learning_rate_init: 0.02,
    c_learning_rate_decay_factor: 0.95,
    c_kl_increase_steps: 300,
    c_l2_increase_steps: 300,
    c_l2_gen_scale: 50,
    c_max_ckpt_to_keep: 1,
    c_max_ckpt_to_keep_lve: 1,
  },
  maxSteps: 2000,
  modelSeed: 0,
} as const;
const R2_MIN = 0.75;

const created: string[] = [];
after(() => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

/** Push-mean rates of the valid trials of `inputFile` under the checkpoint's weights, and R² against valid_truth. */
async function validR2(inputFile: string, ckptFile: string, params: RunParams): Promise<{ r2: number; g0Spread: number }> {
  const { x, truth } = await readH5(inputFile, (f) => ({ x: readArray(f, "valid_data", inputFile), truth: readArray(f, "valid_truth", inputFile) }));
  const [E, T, N] = x.shape as [number, number, number];
  const data = Float32Array.from(x.data as ArrayLike<number>);
  const model = new LfadsModel(modelConfigFromRunParams(params, { numSteps: T, datasets: [{ name: "dataset001.h5", numNeurons: N }] }));
  const I = model.config.icDim;
  const rates = new Float32Array(E * T * N);
  const g0 = new Float32Array(E * I);
  try {
    model.importWeights((await loadCheckpoint(ckptFile)).weights);
    const noise = new RngNoise(new Rng(0)); // unused with latents "mean" and keepProb 1
    for (let s = 0; s < E; s += 128) {
      const B = Math.min(128, E - s);
      tf.tidy(() => {
        const fwd = model.forward({ datasetIndex: 0, data: tf.tensor3d(data.subarray(s * T * N, (s + B) * T * N), [B, T, N]) }, { keepProb: 1, latents: "mean", noise, outputs: true });
        rates.set(fwd.outputs!.outputDistParams.dataSync(), s * T * N);
        g0.set(fwd.outputs!.postG0Mean!.dataSync(), s * I);
      });
    }
  } finally {
    model.dispose();
  }
  const r2 = r2Score({ data: rates, shape: [E, T, N] }, { data: Float64Array.from(truth.data as ArrayLike<number>), shape: [E, T, N] }).pooled;
  // Collapse check: the spread of the g0 posterior means across trials (0 when q(g0) ignores the data).
  let spread = 0;
  for (let i = 0; i < I; i++) {
    let m = 0;
    let m2 = 0;
    for (let e = 0; e < E; e++) {
      m += g0[e * I + i]!;
      m2 += g0[e * I + i]! ** 2;
    }
    spread += Math.sqrt(Math.max(0, m2 / E - (m / E) ** 2));
  }
  return { r2, g0Spread: spread / I };
}

test(`Lorenz: posterior-mean rates reach valid R² ≥ ${R2_MIN} within the CI budget`, { timeout: 20 * 60_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-lorenz-fit-"));
  created.push(out);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const demo = await buildLorenzDemo({ out, name: "fit", factors: [8], lorenz: CONFIG.lorenz, params: CONFIG.params });
  await prepare(demo.rc);
  const run = demo.rc.runList[0]!;
  assert.equal(run.params.c_factors_dim, 8);
  // trainRun selects the backend and, on wasm/cpu, plugs in the fused WebAssembly GRU kernels (LFADS_GRU=composite turns them off).
  const res = await trainRun(run, { maxSteps: CONFIG.maxSteps, seed: CONFIG.modelSeed, quiet: true, checkpointEveryEpochs: 1000 });
  assert.equal(res.stopReason, "max_steps");
  // The lowest-validation-error checkpoint (what model_params holds), else the last one.
  const ckpt = res.lveCheckpoint ?? res.checkpoint!;
  const { r2, g0Spread } = await validR2(path.join(run.path, "lfadsInput", "lfads_dataset001.h5"), ckpt, run.params);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  console.log(
    `# lorenz-fit: valid R² ${r2.toFixed(3)} (posterior-mean rates vs true rates), g0 posterior-mean spread ${g0Spread.toFixed(3)}; ` +
      `${res.steps} steps (scored: ${path.basename(ckpt)}), ${res.secondsPerStep.toFixed(3)} s/step, ${res.backend.description} / ${activeGruImplementation()}; ` +
      `wall ${wall.toFixed(0)} s, CPU ${((c.user + c.system) / 1e6).toFixed(0)} s, load ${os.loadavg()[0]!.toFixed(2)}`,
  );
  assert.ok(g0Spread > 0.01, `the g0 posterior collapsed onto the prior (spread of the means across trials ${g0Spread})`);
  assert.ok(r2 >= R2_MIN, `valid R² ${r2.toFixed(3)} < ${R2_MIN} after ${res.steps} steps`);
});
