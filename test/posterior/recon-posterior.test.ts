/**
 * Posterior sampling of a run whose input has held-out neurons, forward bins and test trials: the
 * TF-style files (train, valid and test splits, both kinds) hold rates [E, T_rec, N_rec] and factors
 * and generator states over T_rec bins, read back with h5py for shapes and finiteness; the test trials
 * are encoded from test_data alone (a test trial equal to a validation trial gets the same push-mean
 * rates); loadPosteriorMeans returns the train/valid trials in their original order and the test split
 * beside them, with the same T_rec and N_rec.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Rng } from "../../src/core/rng.js";
import { writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { RunParams } from "../../src/params/run-params.js";
import { loadPosteriorMeans } from "../../src/posterior/read-posterior.js";
import { samplePosterior, type SamplePosteriorResult } from "../../src/posterior/sample.js";
import { writeModelParams } from "../../src/posterior/write-model-params.js";
import { trainRun } from "../../src/train/train-run.js";
import { TINY } from "../model/tiny.js";
import { h5pyUnavailable, python, tempDir } from "./h5py.js";
import { writeInputInfo } from "./input-info-fixture.js";

const [T, N, TR, NR] = [12, 6, 16, 9];
const [E_TRAIN, E_VALID, E_TEST] = [14, 7, 4];
const BIN_MS = 10;
const { dir: run, cleanup } = tempDir("recon-posterior");
after(cleanup);

/** Counts [E, T_rec, N_rec] of a latent sinusoid with a per-trial phase. */
function synth(E: number, rng: Rng): Float32Array {
  const out = new Float32Array(E * TR * NR);
  for (let e = 0; e < E; e++) {
    const phase = 2 * Math.PI * rng.uniform();
    for (let t = 0; t < TR; t++) for (let n = 0; n < NR; n++) out[(e * TR + t) * NR + n] = rng.poisson(Math.exp((n % 2 ? 0.9 : -0.9) * Math.sin(t / 3 + phase) + 0.2));
  }
  return out;
}

function cut(a: Float32Array, E: number, t: number, n: number): BigInt64Array {
  const out = new BigInt64Array(E * t * n);
  for (let e = 0; e < E; e++) for (let s = 0; s < t; s++) for (let k = 0; k < n; k++) out[(e * t + s) * n + k] = BigInt(a[(e * TR + s) * NR + k]!);
  return out;
}

const params = new RunParams({ ...TINY, spikeBinMs: BIN_MS, c_batch_size: 5, c_learning_rate_init: 0.02, c_co_dim: 1, c_con_dim: 4, c_ci_enc_dim: 4, c_controller_input_lag: 1 });
let result: SamplePosteriorResult;

before(async () => {
  const rng = new Rng(31);
  const tr = synth(E_TRAIN, rng);
  const va = synth(E_VALID, rng);
  // Test trials 0 and 1 are validation trials 2 and 3 (observed held-in part); 2 and 3 are new.
  const te = cut(synth(E_TEST, rng), E_TEST, T, N);
  const vaObs = cut(va, E_VALID, T, N);
  te.set(vaObs.subarray(2 * T * N, 4 * T * N), 0);
  const input = path.join(run, "lfadsInput");
  await writeH5Atomic(path.join(input, "lfads_dataset001.h5"), (f) => {
    writeArray(f, "train_data", { data: cut(tr, E_TRAIN, T, N), shape: [E_TRAIN, T, N] });
    writeArray(f, "valid_data", { data: vaObs, shape: [E_VALID, T, N] });
    writeArray(f, "train_recon_data", { data: cut(tr, E_TRAIN, TR, NR), shape: [E_TRAIN, TR, NR] });
    writeArray(f, "valid_recon_data", { data: cut(va, E_VALID, TR, NR), shape: [E_VALID, TR, NR] });
    writeArray(f, "test_data", { data: te, shape: [E_TEST, T, N] });
  });
  // Original order: validation trials are every third trial.
  const validInds = Array.from({ length: E_VALID }, (_, i) => 3 * i);
  const trainInds = Array.from({ length: E_TRAIN + E_VALID }, (_, i) => i).filter((i) => i % 3 !== 0 || i / 3 >= E_VALID);
  await writeInputInfo(path.join(input, "inputInfo_dataset001.h5"), { trainInds, validInds, paramInputDataHash: "data_abcdef", seqBinSizeMs: BIN_MS });
  await trainRun(run, { params, maxEpochs: 3, quiet: true, backend: "wasm" });
  result = await samplePosterior(run, { params, kind: "both", numSamples: 3, checkpoint: "latest", backend: "wasm" });
});

test("posterior sampling with recon and test data writes train, valid and test files of both kinds", () => {
  const names = result.files.map((f) => path.basename(f.file)).sort();
  const want = ["posterior_push_mean", "posterior_sample_and_average"].flatMap((k) => ["test", "train", "valid"].map((s) => `model_runs_dataset001.h5_${s}_${k}`)).sort();
  assert.deepEqual(names, want);
  assert.deepEqual(result.files.filter((f) => f.split === "test").map((f) => f.trials), [E_TEST, E_TEST]);
});

test("h5py reads rates [E, T_rec, N_rec], factors and generator states over T_rec bins, all finite", { skip: h5pyUnavailable() }, () => {
  const script = `
import sys, json, h5py, numpy as np
out = {}
for s in ["train", "valid", "test"]:
    for k in ["posterior_push_mean", "posterior_sample_and_average"]:
        with h5py.File(f"{sys.argv[1]}/lfadsOutput/model_runs_dataset001.h5_{s}_{k}", "r") as f:
            out[f"{s}_{k}"] = {key: [list(f[key].shape), bool(np.all(np.isfinite(f[key][()])))] for key in f.keys()}
            out[f"{s}_{k}"]["min_rate"] = float(np.min(f["output_dist_params"][()]))
print(json.dumps(out))
`;
  const r = spawnSync("/usr/bin/python3", ["-c", script, run], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, Record<string, [number[], boolean] | number>>;
  const E = { train: E_TRAIN, valid: E_VALID, test: E_TEST };
  for (const [name, keys] of Object.entries(got)) {
    const e = E[name.split("_")[0] as keyof typeof E];
    assert.deepEqual(keys["output_dist_params"], [[e, TR, NR], true], `${name}: rates`);
    assert.deepEqual(keys["factors"], [[e, TR, 3], true], `${name}: factors`);
    assert.deepEqual(keys["gen_states"], [[e, TR, 6], true], `${name}: gen_states`);
    assert.deepEqual(keys["controller_outputs"], [[e, TR, 1], true], `${name}: controller_outputs`);
    assert.deepEqual(keys["gen_ics"], [[e, 6], true], `${name}: gen_ics`);
    for (const k of ["costs", "nll_bound_vaes", "nll_bound_iwaes"]) assert.deepEqual(keys[k], [[e], true], `${name}: ${k}`);
    assert.ok((keys["min_rate"] as number) > 0, `${name}: rates are positive`);
  }
});

test("model_params holds the read-out with N_rec columns under its TF name", { skip: h5pyUnavailable() }, async () => {
  const { file } = await writeModelParams(run, { checkpoint: "latest" });
  const r = spawnSync("/usr/bin/python3", ["-c", `import sys,h5py; f=h5py.File(sys.argv[1],"r"); print(list(f["LFADS_glm_fac_2_logrates_dataset001.h5_W:0"].shape), list(f["LFADS_glm_fac_2_logrates_dataset001.h5_b:0"].shape))`, file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `[3, ${NR}] [1, ${NR}]`);
});

test("test trials are encoded from test_data alone: a test trial equal to a validation trial gets its push-mean rates", async () => {
  const pm = (await loadPosteriorMeans({ outputDir: path.join(run, "lfadsOutput"), inputDir: path.join(run, "lfadsInput"), datasetNames: ["dataset001"], spikeBinMs: BIN_MS, kind: "posterior_push_mean" }))[0]!;
  const row = TR * NR;
  const test0 = pm.test!.rates!.data;
  for (const [t, v] of [[0, 2], [1, 3]] as const) {
    const original = 3 * v; // validation trial v sits at original index 3v
    const a = test0.subarray(t * row, (t + 1) * row);
    const b = pm.rates.data.subarray(original * row, (original + 1) * row);
    let d = 0;
    for (let i = 0; i < row; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
    assert.ok(d < 1e-4, `test trial ${t} vs validation trial ${v}: rates differ by ${d}`);
  }
  const a = test0.subarray(2 * row, 3 * row);
  const b = pm.rates.data.subarray(0, row);
  assert.ok(a.some((x, i) => Math.abs(x - b[i]!) > 1e-3), "another test trial has other rates");
});

test("loadPosteriorMeans: train/valid trials in original order and the test split, with T_rec bins and N_rec neurons", async () => {
  const [pm] = await loadPosteriorMeans({ outputDir: path.join(run, "lfadsOutput"), inputDir: path.join(run, "lfadsInput"), datasetNames: ["dataset001"], spikeBinMs: BIN_MS });
  assert.deepEqual(pm!.rates.shape, [E_TRAIN + E_VALID, TR, NR]);
  assert.equal(pm!.time.length, TR, "the time vector continues over the forward bins");
  assert.equal(pm!.time[TR - 1]! - pm!.time[T - 1]!, (TR - T) * BIN_MS);
  assert.deepEqual(pm!.factors.shape, [E_TRAIN + E_VALID, TR, 3]);
  assert.ok(pm!.rates.data.every(Number.isFinite), "every trial was written");
  const test = pm!.test!;
  assert.deepEqual(test.rates!.shape, [E_TEST, TR, NR]);
  assert.deepEqual(test.factors.shape, [E_TEST, TR, 3]);
  assert.deepEqual(test.generatorStates!.shape, [E_TEST, TR, 6]);
  assert.equal(test.costs!.length, E_TEST);
  assert.ok(test.rates!.data.every((x) => Number.isFinite(x) && x > 0));
  assert.ok(test.costs!.every(Number.isFinite), "test costs over the observed held-in elements are finite");
  // Rates in spikes/s, like the other trials: counts per bin × 1000 / spikeBinMs.
  const r = spawnSync("/usr/bin/python3", ["-c", `import sys,h5py; f=h5py.File(sys.argv[1],"r"); print(float(f["output_dist_params"][1,TR_,NR_]))`.replace("TR_", String(TR - 1)).replace("NR_", String(NR - 1)), path.join(run, "lfadsOutput", "model_runs_dataset001.h5_test_posterior_sample_and_average")], { encoding: "utf8" });
  if (h5pyUnavailable() === undefined) assert.ok(Math.abs(test.rates!.data[2 * TR * NR - 1]! - (Number(r.stdout) * 1000) / BIN_MS) < 1e-3 * Math.abs(test.rates!.data[2 * TR * NR - 1]!));
});

/**
 * lfads-torch output of a run with held-out neurons, forward bins and test trials (written with h5py):
 * `{train,valid,test}_output_params` [n, T_rec, N_rec]; the input's train_recon_data gives N_rec.
 */
const TORCH_RECON = String.raw`
import os
inp = os.path.join(D, 'tin'); out = os.path.join(D, 'tout')
os.makedirs(inp); os.makedirs(out)
T, N, TR, NR, F = 4, 2, 6, 3, 2
valid, train, ntest = [1], [2, 3], 2
with h5py.File(os.path.join(inp, 'inputInfo_dataset004.h5'), 'w') as f:
    f['trainInds'] = np.array(train, dtype='f8'); f['validInds'] = np.array(valid, dtype='f8')
    f['paramInputDataHash'] = 'abcdef'
    f['counts'] = np.ones((3, T, N))
with h5py.File(os.path.join(inp, 'lfads_dataset004.h5'), 'w') as f:
    f['train_data'] = np.ones((2, T, N), dtype='i8'); f['valid_data'] = np.ones((1, T, N), dtype='i8')
    f['train_recon_data'] = np.ones((2, TR, NR), dtype='i8'); f['valid_recon_data'] = np.ones((1, TR, NR), dtype='i8')
with h5py.File(os.path.join(out, 'lfads_output_dataset004.h5'), 'w') as f:
    for split, n, base in (('train', 2, 0), ('valid', 1, 10), ('test', ntest, 20)):
        e = (base + np.arange(n))[:, None, None].astype('f4'); t = np.arange(TR)[None, :, None]
        f[split + '_output_params'] = (0.01 * (e + 1) + 0.001 * t + 0.0001 * np.arange(NR)[None, None, :]).astype('f4')
        f[split + '_factors'] = (e * 100 + t * 10 + np.arange(F)[None, None, :]).astype('f4')
`;

test("lfads-torch output with held-out neurons, forward bins and test_ keys: [trials, T_rec, N_rec] and the test split", { skip: h5pyUnavailable() }, async () => {
  const { dir, cleanup: done } = tempDir("torch-recon");
  try {
    python(TORCH_RECON, dir);
    const [pm] = await loadPosteriorMeans({ outputDir: path.join(dir, "tout"), inputDir: path.join(dir, "tin"), datasetNames: ["dataset004"], spikeBinMs: 10 });
    assert.equal(pm!.format, "lfads-torch");
    assert.deepEqual(pm!.rates.shape, [3, 6, 3]);
    assert.equal(pm!.time.length, 6);
    // Original trial 0 is the validation trial (base 10), rates in spikes/s = per bin × 100.
    assert.ok(Math.abs(pm!.rates.data[5 * 3 + 2]! - (0.01 * 11 + 0.005 + 0.0002) * 100) < 1e-4);
    assert.deepEqual(pm!.test!.rates!.shape, [2, 6, 3]);
    assert.deepEqual(pm!.test!.factors.shape, [2, 6, 2]);
    assert.ok(Math.abs(pm!.test!.rates!.data[(1 * 6 + 5) * 3 + 1]! - (0.01 * 22 + 0.005 + 0.0001) * 100) < 1e-4, "test trial 1, last forward bin");
  } finally {
    done();
  }
});
