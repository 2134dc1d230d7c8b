/**
 * The lfads-ts model and the PyTorch peer give the same cost for the same weights, batch and noise.
 * Weights go from `LfadsModel.exportWeights()` to an HDF5 file under the TF `model_params` names
 * (`/` → `_`, suffix `:0`); the peer reads them back by name, so a naming or shape mismatch fails here too.
 * Skipped, with the reason logged, where no python3 imports torch and h5py.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { lfadsCost } from "../../src/model/cost.js";
import { LfadsModel } from "../../src/model/lfads.js";
import type { NoiseSource } from "../../src/model/noise.js";
import { lgammaRowSums } from "../../src/model/observation/poisson.js";
import { RunParams } from "../../src/params/run-params.js";
import { rampWeight } from "../../src/train/schedule.js";
import { runPeer, type PeerCost } from "../../bench/peer.js";
import { describeSearch, findTorchPython } from "../../bench/python.js";

const search = findTorchPython();
const skip = search.found ? false : `no interpreter for the peer: ${describeSearch(search)}`;
if (skip) console.log(`# cross tests skipped: ${skip}`);

interface Case {
  B: number; T: number; N: number; ic_enc_dim: number; ic_dim: number; gen_dim: number; factors_dim: number;
  co_dim: number; ci_enc_dim: number; con_dim: number; num_steps_for_gen_ic?: number; step: number;
}

/** Noise that hands out fixed values in the order the model asks: g0 first, then the controller's [T,B,U]. */
function fixedNoise(epsG0: Float32Array, epsCoTBU: Float32Array): NoiseSource {
  let calls = 0;
  return {
    normal(n: number): Float32Array {
      calls++;
      const out = calls === 1 ? epsG0 : calls === 2 ? epsCoTBU : undefined;
      if (!out || out.length !== n) throw new Error(`fixedNoise: unexpected draw #${calls} of ${n} values`);
      return out;
    },
    dropoutMask(): Float32Array {
      throw new Error("fixedNoise: cost mode runs without dropout");
    },
  };
}

async function compare(c: Case, seed: number): Promise<void> {
  await selectBackend();
  const { B, T, N, ic_dim: I, co_dim: U } = c;
  const params = new RunParams({
    c_ic_enc_dim: c.ic_enc_dim, c_ic_dim: I, c_gen_dim: c.gen_dim, c_factors_dim: c.factors_dim, c_co_dim: U,
    c_ci_enc_dim: c.ci_enc_dim, c_con_dim: c.con_dim, c_l2_gen_scale: 2000, c_l2_con_scale: 0,
    c_kl_increase_steps: 2000, c_l2_increase_steps: 2000,
    ...(c.num_steps_for_gen_ic ? { c_num_steps_for_gen_ic: c.num_steps_for_gen_ic } : {}),
  });
  const cfg = modelConfigFromRunParams(params, { numSteps: T, datasets: [{ name: "ds1", numNeurons: N }] });
  const model = new LfadsModel(cfg, { seed });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-cross-"));
  try {
    // Perturb every variable (biases, priors, initial states start at constants).
    const rng = new Rng(seed + 100);
    const w = model.exportWeights();
    for (const v of w.values()) for (let i = 0; i < v.data.length; i++) v.data[i]! += 0.3 * rng.normal();
    model.importWeights(w);

    const counts = new Float32Array(B * T * N).map(() => rng.poisson(1.2));
    const epsG0 = new Float32Array(B * I).map(() => rng.normal());
    const epsCoTBU = new Float32Array(T * B * U).map(() => rng.normal());
    const ramp = rampWeight(c.step, 0, 2000);
    const ours = tf.tidy(() => {
      const data = tf.tensor3d(counts, [B, T, N]);
      const fwd = model.forward({ datasetIndex: 0, data, lgammaSum: lgammaRowSums(counts, B) }, { keepProb: 1, latents: "sample", noise: fixedNoise(epsG0, epsCoTBU) });
      const cost = lfadsCost(model, fwd, { kl: ramp, l2: ramp });
      return { recon: cost.recon.dataSync()[0]!, kl: cost.kl.dataSync()[0]!, l2: cost.l2.dataSync()[0]!, total: cost.cost.dataSync()[0]! };
    });

    const epsCoBTU = new Float32Array(B * T * U);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let u = 0; u < U; u++) epsCoBTU[(b * T + t) * U + u] = epsCoTBU[(t * B + b) * U + u]!;
    const wFile = path.join(dir, "model_params.h5");
    const bFile = path.join(dir, "batch.h5");
    await writeH5Atomic(wFile, (f) => {
      for (const [name, v] of model.exportWeights()) writeArray(f, `${name.replace(/\//g, "_")}:0`, { data: v.data, shape: v.shape });
    });
    await writeH5Atomic(bFile, (f) => {
      writeArray(f, "data", { data: Int32Array.from(counts), shape: [B, T, N] });
      writeArray(f, "eps_g0", { data: epsG0, shape: [B, I] });
      if (U > 0) writeArray(f, "eps_co", { data: epsCoBTU, shape: [B, T, U] });
    });
    const peer = runPeer<PeerCost>(search.found!.python, "cost", { ...c, l2_gen_scale: 2000, l2_con_scale: 0 }, { args: ["--weights", wFile, "--batch", bFile], timeoutMs: 120_000 });

    for (const k of ["recon", "kl", "l2", "total"] as const) {
      const rel = Math.abs(ours[k] - peer[k]) / Math.max(1, Math.abs(peer[k]));
      assert.ok(rel < 1e-5, `${k}: ours (float32) ${ours[k]}, peer (float64) ${peer[k]}, relative difference ${rel.toExponential(2)}`);
    }
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("same cost as the peer with a controller (g0→gen linear, CI encoders, AR(1) KL)", { skip }, async () => {
  await compare({ B: 5, T: 12, N: 7, ic_enc_dim: 6, ic_dim: 4, gen_dim: 9, factors_dim: 3, co_dim: 2, ci_enc_dim: 5, con_dim: 6, step: 700 }, 3);
});

test("same cost as the peer without a controller (identity g0→gen, IC encoder over K < T bins)", { skip }, async () => {
  await compare({ B: 4, T: 12, N: 6, ic_enc_dim: 5, ic_dim: 8, gen_dim: 8, factors_dim: 3, co_dim: 0, ci_enc_dim: 0, con_dim: 0, num_steps_for_gen_ic: 8, step: 2500 }, 4);
});
