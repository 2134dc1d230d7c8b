/**
 * Held-in / held-out neurons and forward bins through the training path, on real HDF5 input files:
 * the input contract (train_recon_data / valid_recon_data / test_data shapes and every error), the
 * run-lfads input summary, and a small synthetic problem — held-in and held-out Poisson neurons driven
 * by one slow latent whose phase differs per trial — where a short training run predicts the held-out
 * neurons of validation trials, and the forward bins, better than a constant-rate model.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { logFactorial } from "../../src/core/special.js";
import { writeArray, writeH5Atomic, type H5File } from "../../src/io/h5.js";
import { RngNoise } from "../../src/model/noise.js";
import { RunParams } from "../../src/params/run-params.js";
import { loadTrainedModel } from "../../src/posterior/sample-model.js";
import { describeDims, inputSummary } from "../../src/run-lfads/files.js";
import { lgammaRowSums } from "../../src/model/observation/poisson.js";
import { augmentBatch, drawCoordinatedDropout } from "../../src/train/augmentation.js";
import { loadLfadsInputs } from "../../src/train/input-data.js";
import { heldInBlock } from "../../src/train/recon-data.js";
import { trainRun } from "../../src/train/train-run.js";
import { TINY } from "../model/tiny.js";

const created: string[] = [];
after(() => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = (name: string): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `lfads-recon-${name}-`));
  created.push(d);
  return d;
};

const [T, N, TF, NO] = [20, 8, 5, 4];
const [TR, NR] = [T + TF, N + NO];

/**
 * Counts [E, T_rec, N_rec] of one slow latent z(t) = sin(2π t / 16 + φ_e), φ_e uniform per trial:
 * every neuron's log-rate is a_n·z + b_n, held-in neurons 0…N−1 and held-out ones N…N_rec−1 alike.
 */
function synth(E: number, seed: number): { counts: Float32Array; rates: Float32Array } {
  const rng = new Rng(seed);
  const gain = Float32Array.from({ length: NR }, (_, n) => (n % 2 ? 1.1 : -1.1) * (0.8 + 0.05 * n));
  const counts = new Float32Array(E * TR * NR);
  const rates = new Float32Array(E * TR * NR);
  for (let e = 0; e < E; e++) {
    const phase = 2 * Math.PI * rng.uniform();
    for (let t = 0; t < TR; t++) {
      const z = Math.sin((2 * Math.PI * t) / 16 + phase);
      for (let n = 0; n < NR; n++) {
        const i = (e * TR + t) * NR + n;
        rates[i] = Math.exp(gain[n]! * z + 0.3);
        counts[i] = rng.poisson(rates[i]!);
      }
    }
  }
  return { counts, rates };
}

/** [E, T_rec, N_rec] → its first `t` bins and `n` neurons, as int64 (the file's layout). */
function block(a: Float32Array, E: number, t: number, n: number): BigInt64Array {
  const out = new BigInt64Array(E * t * n);
  for (let e = 0; e < E; e++) for (let s = 0; s < t; s++) for (let k = 0; k < n; k++) out[(e * t + s) * n + k] = BigInt(a[(e * TR + s) * NR + k]!);
  return out;
}

interface FileSpec {
  train: number;
  valid: number;
  test?: number;
  /** Leave out or change keys to provoke the errors. */
  edit?: (f: H5File, c: { train: Float32Array; valid: Float32Array }) => void;
  recon?: boolean;
}

async function writeInput(dir: string, spec: FileSpec, seed = 5): Promise<{ train: Float32Array; valid: Float32Array; validRates: Float32Array; test?: Float32Array }> {
  const tr = synth(spec.train, seed);
  const va = synth(spec.valid, seed + 1);
  const te = spec.test ? synth(spec.test, seed + 2) : undefined;
  await writeH5Atomic(path.join(dir, "lfads_dataset001.h5"), (f) => {
    writeArray(f, "train_data", { data: block(tr.counts, spec.train, T, N), shape: [spec.train, T, N] });
    writeArray(f, "valid_data", { data: block(va.counts, spec.valid, T, N), shape: [spec.valid, T, N] });
    if (spec.recon !== false) {
      writeArray(f, "train_recon_data", { data: block(tr.counts, spec.train, TR, NR), shape: [spec.train, TR, NR] });
      writeArray(f, "valid_recon_data", { data: block(va.counts, spec.valid, TR, NR), shape: [spec.valid, TR, NR] });
    }
    if (te) writeArray(f, "test_data", { data: block(te.counts, spec.test!, T, N), shape: [spec.test!, T, N] });
    spec.edit?.(f, { train: tr.counts, valid: va.counts });
  });
  return { train: tr.counts, valid: va.counts, validRates: va.rates, ...(te ? { test: te.counts } : {}) };
}

const load = (dir: string) => loadLfadsInputs(dir, { outputDist: "poisson", extInputDim: 0 });

test("input contract: recon and test keys load with T_obs, T_rec, N_in, N_rec; the target's lgamma sums span every recon element", async () => {
  const dir = tmp("ok");
  const { train } = await writeInput(dir, { train: 6, valid: 4, test: 3 });
  const d = await load(dir);
  assert.equal(d.numSteps, T);
  assert.equal(d.reconSteps, TR);
  const ds = d.datasets[0]!;
  assert.equal(ds.numNeurons, N);
  assert.equal(ds.numReconNeurons, NR);
  assert.equal(ds.train.data.length, 6 * T * N);
  assert.equal(ds.train.recon!.length, 6 * TR * NR);
  assert.equal(ds.valid.recon!.length, 4 * TR * NR);
  assert.equal(ds.test!.numTrials, 3);
  assert.equal(ds.test!.data.length, 3 * T * N);
  assert.equal(ds.test!.recon, undefined, "test trials are encoder input only");
  let want = 0;
  for (let i = 0; i < TR * NR; i++) want += logFactorial(train[i]!);
  assert.ok(Math.abs(ds.train.lgammaSums![0]! - want) < 1e-3 * want, `lgamma sum of trial 0 over [T_rec, N_rec]: ${ds.train.lgammaSums![0]} vs ${want}`);

  const s = await inputSummary(dir, "lfads");
  assert.equal(s.numSteps, T);
  assert.equal(s.reconSteps, TR);
  assert.deepEqual(s.datasets, [{ name: "dataset001.h5", numNeurons: N, numReconNeurons: NR }]);
  assert.equal(describeDims(s), `T_obs = ${T}, T_rec = ${TR}, N_in/N_rec = ${N}/${NR} (dataset001.h5)`);
});

test("input contract: without recon keys nothing changes (no reconSteps, no numReconNeurons)", async () => {
  const dir = tmp("plain");
  await writeInput(dir, { train: 6, valid: 4, recon: false });
  const d = await load(dir);
  assert.equal(d.reconSteps, undefined);
  assert.equal(d.datasets[0]!.numReconNeurons, undefined);
  assert.equal(d.datasets[0]!.train.recon, undefined);
  assert.equal(describeDims(await inputSummary(dir, "lfads")), `T = ${T}`);
});

const ERRORS: { name: string; spec: FileSpec; message: RegExp }[] = [
  {
    name: "recon shorter in time",
    spec: { train: 6, valid: 4, recon: false, edit: (f) => {
      writeArray(f, "train_recon_data", { data: new BigInt64Array(6 * (T - 1) * NR), shape: [6, T - 1, NR] });
      writeArray(f, "valid_recon_data", { data: new BigInt64Array(4 * (T - 1) * NR), shape: [4, T - 1, NR] });
    } },
    message: /train_recon_data in .*lfads_dataset001\.h5 has 19 time bins, fewer than train_data's 20 \(T_rec must be ≥ T_obs\): write recon_data as/,
  },
  {
    name: "recon narrower in neurons",
    spec: { train: 6, valid: 4, recon: false, edit: (f) => {
      writeArray(f, "train_recon_data", { data: new BigInt64Array(6 * TR * (N - 2)), shape: [6, TR, N - 2] });
      writeArray(f, "valid_recon_data", { data: new BigInt64Array(4 * TR * (N - 2)), shape: [4, TR, N - 2] });
    } },
    message: /train_recon_data in .* has 6 neurons, fewer than train_data's 8 \(N_rec must be ≥ N_in\)/,
  },
  {
    name: "trial-count mismatch",
    spec: { train: 6, valid: 4, recon: false, edit: (f, c) => {
      writeArray(f, "train_recon_data", { data: block(c.train, 5, TR, NR), shape: [5, TR, NR] });
      writeArray(f, "valid_recon_data", { data: block(c.valid, 4, TR, NR), shape: [4, TR, NR] });
    } },
    message: /train_recon_data in .* has 5 trials, train_data has 6: give every train trial its recon row/,
  },
  {
    name: "recon for one split only",
    spec: { train: 6, valid: 4, recon: false, edit: (f, c) => writeArray(f, "train_recon_data", { data: block(c.train, 6, TR, NR), shape: [6, TR, NR] }) },
    message: /train_recon_data is in .* but valid_recon_data is not: write both splits' recon data/,
  },
  {
    name: "recon whose held-in block is not the data",
    spec: { train: 6, valid: 4, recon: false, edit: (f, c) => {
      const bad = block(c.train, 6, TR, NR);
      bad[(2 * TR + 3) * NR + 1]! += 1n;
      writeArray(f, "train_recon_data", { data: bad, shape: [6, TR, NR] });
      writeArray(f, "valid_recon_data", { data: block(c.valid, 4, TR, NR), shape: [4, TR, NR] });
    } },
    message: /train_recon_data in .* differs from train_data at trial 2, bin 3, neuron 1 .*: its first 8 neurons over its first 20 bins must be train_data itself/,
  },
  {
    name: "test_data with another T_obs",
    spec: { train: 6, valid: 4, edit: (f) => writeArray(f, "test_data", { data: new BigInt64Array(3 * (T + 1) * N), shape: [3, T + 1, N] }) },
    message: /test_data in .* has shape \[3, 21, 8\], but train_data has 20 time bins and 8 neurons: test_data is encoder input, so write it like train_data/,
  },
  {
    name: "test_data with another N_in",
    spec: { train: 6, valid: 4, edit: (f) => writeArray(f, "test_data", { data: new BigInt64Array(3 * T * NR), shape: [3, T, NR] }) },
    message: /test_data in .* has shape \[3, 20, 12\]/,
  },
];

for (const e of ERRORS) {
  test(`input contract error: ${e.name}`, async () => {
    const dir = tmp("err");
    await writeInput(dir, e.spec);
    await assert.rejects(load(dir), e.message);
  });
}

test("input contract error: one dataset with recon data and another without", async () => {
  const dir = tmp("mixed");
  await writeInput(dir, { train: 6, valid: 4 });
  fs.renameSync(path.join(dir, "lfads_dataset001.h5"), path.join(dir, "lfads_dataset002.h5"));
  await writeInput(dir, { train: 6, valid: 4, recon: false });
  await assert.rejects(load(dir), /lfads_dataset002\.h5 has train_recon_data \/ valid_recon_data but .*lfads_dataset001\.h5 does not: .* give every dataset recon data, or none/);
});

test("CD and SV with recon data: masks over the encoders' elements only; held-out neurons and forward bins always in the value and the gradient, never in the SV score", () => {
  const E = 3;
  const target = synth(E, 9).counts;
  const x = heldInBlock(target, E, T, N, TR, NR);
  const rng = new Rng(4);
  const sv = { rows: Uint8Array.from(x, () => (rng.uniform() < 0.7 ? 1 : 0)), keepRatio: 0.7 };
  const cd = drawCoordinatedDropout(new RngNoise(rng), x.length, 0.6, 0);
  const plain = augmentBatch(x, E, { sv, cd }, lgammaRowSums);
  const got = augmentBatch(x, E, { sv, cd }, lgammaRowSums, { target, T, N, Trec: TR, Nrec: NR });
  assert.deepEqual(got.encoderData, plain.encoderData, "the encoders' input is the same");
  for (const k of ["value", "grad", "heldOut"] as const) assert.equal(got.weights[k]!.length, E * TR * NR, `${k} over the target`);
  for (let e = 0; e < E; e++) {
    for (let t = 0; t < TR; t++) {
      for (let n = 0; n < NR; n++) {
        const i = (e * TR + t) * NR + n;
        const where = `trial ${e}, bin ${t}, neuron ${n}`;
        if (t < T && n < N) {
          const j = (e * T + t) * N + n;
          for (const k of ["value", "grad", "heldOut"] as const) assert.equal(got.weights[k]![i], plain.weights[k]![j], `${k} at ${where}`);
        } else {
          assert.deepEqual([got.weights.value![i], got.weights.grad![i], got.weights.heldOut![i]], [1, 1, 0], `padding at ${where}`);
        }
      }
    }
  }
  assert.deepEqual(got.lgammaSum, lgammaRowSums(target, E, got.weights.value), "lgamma sums over the target, weighted as its elements");
  assert.deepEqual(got.lgammaHeldOut, plain.lgammaHeldOut, "the SV score's lgamma covers the encoders' held-out elements only");
});

/** Σ Poisson NLL of counts x under rates r over the elements `use(t, n)` of [E, T_rec, N_rec]. */
function nll(x: Float32Array, r: ArrayLike<number>, E: number, use: (t: number, n: number) => boolean): number {
  let s = 0;
  for (let e = 0; e < E; e++) {
    for (let t = 0; t < TR; t++) {
      for (let n = 0; n < NR; n++) {
        if (!use(t, n)) continue;
        const i = (e * TR + t) * NR + n;
        s += r[i]! - x[i]! * Math.log(r[i]!) + logFactorial(x[i]!);
      }
    }
  }
  return s;
}

/** Per-neuron mean count of the training trials over the bins `use` selects, as a constant rate for every element. */
function constantRates(train: Float32Array, E: number, Ev: number, use: (t: number, n: number) => boolean): Float32Array {
  const sum = new Float64Array(NR);
  const cnt = new Float64Array(NR);
  for (let e = 0; e < E; e++) for (let t = 0; t < TR; t++) for (let n = 0; n < NR; n++) if (use(t, n)) {
    sum[n]! += train[(e * TR + t) * NR + n]!;
    cnt[n]! += 1;
  }
  return Float32Array.from({ length: Ev * TR * NR }, (_, i) => Math.max(1e-3, sum[i % NR]! / Math.max(1, cnt[i % NR]!)));
}

test("training with held-out neurons and forward bins: the held-out neurons and the forward bins of validation trials are predicted better than by a constant rate", async () => {
  const run = tmp("fit");
  const input = path.join(run, "lfadsInput");
  fs.mkdirSync(input);
  const [E, Ev] = [80, 24];
  const { train, valid } = await writeInput(input, { train: E, valid: Ev, test: 5 }, 21);
  const params = new RunParams({
    ...TINY, c_batch_size: 16, c_learning_rate_init: 0.03, c_keep_prob: 1, c_l2_gen_scale: 0, c_l2_con_scale: 0, c_kl_ic_weight: 0.1,
    c_kl_increase_steps: 20, c_l2_increase_steps: 20, c_gen_dim: 16, c_factors_dim: 4, c_ic_dim: 4, c_ic_enc_dim: 8, c_keep_ratio: 0.7,
  });
  await trainRun(run, { params, maxEpochs: 40, quiet: true, backend: "wasm" });
  const tm = await loadTrainedModel(run, { params, checkpoint: "latest" });
  try {
    assert.equal(tm.config.reconSteps, TR);
    assert.equal(tm.config.datasets[0]!.numReconNeurons, NR);
    const readout = tm.model.variables().find((v) => v.name === "LFADS/glm/fac_2_logrates_dataset001.h5/W");
    assert.deepEqual(readout?.shape, [4, NR], "the read-out maps factors to N_rec log-rates (TF variable name as today)");
    const ds = tm.data.datasets[0]!;
    const rates = tf.tidy(() => {
      const batch = { datasetIndex: 0, data: tf.tensor3d(ds.valid.data, [Ev, T, N]), recon: tf.tensor3d(ds.valid.recon!, [Ev, TR, NR]) };
      const fwd = tm.model.forward(batch, { keepProb: 1, latents: "mean", noise: new RngNoise(new Rng(0)), outputs: true });
      assert.deepEqual(fwd.outputs!.outputDistParams.shape, [Ev, TR, NR]);
      return fwd.outputs!.outputDistParams.dataSync() as Float32Array;
    });
    const heldOut = (t: number, n: number): boolean => t < T && n >= N;
    const forward = (t: number): boolean => t >= T;
    const lfadsHeldOut = nll(valid, rates, Ev, heldOut);
    const constHeldOut = nll(valid, constantRates(train, E, Ev, heldOut), Ev, heldOut);
    assert.ok(lfadsHeldOut < constHeldOut, `held-out neurons' Poisson NLL on validation trials: LFADS ${lfadsHeldOut.toFixed(1)} vs constant rate ${constHeldOut.toFixed(1)}`);
    const lfadsFwd = nll(valid, rates, Ev, forward);
    const constFwd = nll(valid, constantRates(train, E, Ev, forward), Ev, forward);
    assert.ok(lfadsFwd < constFwd, `forward bins' Poisson NLL on validation trials: LFADS ${lfadsFwd.toFixed(1)} vs constant rate ${constFwd.toFixed(1)}`);
    console.log(`# held-out NLL ${lfadsHeldOut.toFixed(1)} vs ${constHeldOut.toFixed(1)}; forward NLL ${lfadsFwd.toFixed(1)} vs ${constFwd.toFixed(1)}`);
  } finally {
    tm.dispose();
  }
});
