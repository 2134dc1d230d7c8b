import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ParamError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { logFactorial } from "../../src/core/special.js";
import { readArray, readH5, writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { RunParams, type RunParamsInit } from "../../src/params/run-params.js";
import { TrainingDivergedError } from "../../src/train/errors.js";
import type { TrainProgress } from "../../src/train/progress.js";
import { rampWeight } from "../../src/train/schedule.js";
import { trainRun } from "../../src/train/train-run.js";
import { TINY } from "../model/tiny.js";

const T = 10;
const N = 6;

/** Rate of trial e (one of 3 conditions), bin t, neuron n. */
const rate = (i: number): number => {
  const condition = Math.floor(i / (T * N)) % 3;
  const t = Math.floor(i / N) % T;
  return Math.exp(0.8 * Math.sin((t + 3 * condition) / 2 + (i % N)));
};
const trainCounts = (E: number): BigInt64Array => {
  const rng = new Rng(17);
  return BigInt64Array.from({ length: E * T * N }, (_, i) => BigInt(rng.poisson(rate(i))));
};

const created: string[] = [];
after(() => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

/** A run folder with lfadsInput/lfads_dataset001.h5 (int64 counts of 3 conditions). */
async function makeRun(name: string, nTrain = 12, nValid = 6): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lfads-${name}-`));
  created.push(dir);
  await writeH5Atomic(path.join(dir, "lfadsInput", "lfads_dataset001.h5"), (f) => {
    writeArray(f, "train_data", { data: trainCounts(nTrain), shape: [nTrain, T, N] });
    writeArray(f, "valid_data", { data: trainCounts(nValid).reverse(), shape: [nValid, T, N] });
  });
  return dir;
}

const params = (over: RunParamsInit = {}): RunParams => new RunParams({ ...TINY, c_learning_rate_init: 0.02, ...over });
const read = (p: string): string => fs.readFileSync(p, "utf8");

test("overfit: a tiny model drives the training cost down; no tensors leak across steps", async () => {
  const dir = await makeRun("overfit");
  const perStep: number[] = [];
  const epochs: TrainProgress[] = [];
  const before = tf.memory().numTensors;
  const r = await trainRun(dir, {
    params: params({ c_learning_rate_init: 0.05, c_keep_prob: 1, c_l2_gen_scale: 0, c_l2_con_scale: 0, c_kl_increase_steps: 10, c_kl_ic_weight: 0.1, c_gen_dim: 16, c_factors_dim: 6, c_ic_dim: 8, c_ic_enc_dim: 8 }),
    maxEpochs: 25,
    onProgress: (p) => {
      if (p.kind === "step") perStep.push(tf.memory().numTensors);
      else epochs.push(p);
    },
  });
  assert.equal(r.stopReason, "max_epochs");
  assert.equal(r.steps, 75);
  assert.equal(tf.memory().numTensors, before, "model, optimiser and steps leave no tensors behind");
  assert.equal(new Set(perStep.slice(1)).size, 1, "numTensors is constant across steps");
  // Reference: the Poisson NLL per trial of the training counts under the true rates.
  const x = trainCounts(12);
  let nll = 0;
  x.forEach((c, i) => (nll += rate(i) - Number(c) * Math.log(rate(i)) + logFactorial(Number(c))));
  nll /= 12;
  const first = epochs[0]!.trainRecon;
  const last = epochs[epochs.length - 1]!.trainRecon;
  assert.ok(first > 1.15 * nll && last < 1.04 * nll, `train recon ${first} → ${last}; true-rate NLL ${nll}`);
  assert.ok(epochs.every((p) => p.validCost !== undefined && Number.isFinite(p.validCost)));
});

test("outputs: fitlog, checkpoints with index files, model_params, hyperparameters, lfads.done", async () => {
  const dir = await makeRun("outputs");
  const r = await trainRun({ inputDir: path.join(dir, "lfadsInput"), outputDir: path.join(dir, "lfadsOutput"), params: params({ c_max_ckpt_to_keep: 2 }) }, { maxEpochs: 4, quiet: true });
  const out = path.join(dir, "lfadsOutput");
  const fitlog = read(path.join(out, "fitlog.csv")).trimEnd().split("\n");
  assert.equal(fitlog.length, 4);
  assert.match(fitlog[3]!, /^epoch,3, step,12, total,[\d.]+,[\d.]+, {7}recon,[\d.]+,[\d.]+, kl,[\d.]+,[\d.]+, l2,[\d.]+, {7}klweight,1\.00, l2weight,1\.00$/);
  assert.deepEqual(read(path.join(out, "checkpoint")).trimEnd().split("\n"), ['model_checkpoint_path: "lfads_vae.ckpt-12.h5"', 'all_model_checkpoint_paths: "lfads_vae.ckpt-9.h5"', 'all_model_checkpoint_paths: "lfads_vae.ckpt-12.h5"']);
  assert.ok(!fs.existsSync(path.join(out, "lfads_vae.ckpt-6.h5")), "older rolling checkpoints are deleted");
  assert.ok(r.lveCheckpoint && fs.existsSync(r.lveCheckpoint));
  const hps = JSON.parse(read(path.join(out, "hyperparameters-0.txt"))) as Record<string, unknown>;
  assert.equal(hps["batch_size"], 4);
  assert.equal(hps["do_causal_controller"], "false");
  assert.deepEqual(hps["dataset_names"], ["dataset001.h5"]);
  assert.deepEqual([hps["kl_increase_steps"], hps["l2_increase_steps"]], [4, 4], "one dataset: nothing scaled");
  await readH5(path.join(out, "model_params"), (f) => {
    const keys = f.keys();
    for (const k of ["LFADS_gen_GenGRU_Gates_h_2_ru_W:0", "LFADS_glm_fac_2_logrates_dataset001.h5_W:0", "LFADS_gen_GenGRU_Gates_h_2_ru_W_Adam:0", "LFADS_global_step:0", "LFADS_learning_rate:0"]) assert.ok(keys.includes(k), k);
    assert.deepEqual(readArray(f, "LFADS_glm_fac_2_logrates_dataset001.h5_W:0").shape, [3, 6]);
  });
  assert.ok(fs.existsSync(path.join(dir, "lfads.done.train")));
});

test("two datasets: hyperparameters-0.txt records the KL/L2 ramp steps scaled by the dataset count, as the trainer uses them", async () => {
  const dir = await makeRun("ramps");
  await writeH5Atomic(path.join(dir, "lfadsInput", "lfads_dataset002.h5"), (f) => {
    writeArray(f, "train_data", { data: trainCounts(12).reverse(), shape: [12, T, N] });
    writeArray(f, "valid_data", { data: trainCounts(6), shape: [6, T, N] });
  });
  // scaleIncreaseStepsWithDatasets and scaleStartStepWithDatasets default to true: ×2 for two datasets
  // (the Run Manager passes --kl_increase_steps=<c_kl_increase_steps × nDatasets> to LFADS, which records its flags).
  const p = params({ c_kl_start_step: 1, c_kl_increase_steps: 3, c_l2_start_step: 2, c_l2_increase_steps: 5 });
  const steps: TrainProgress[] = [];
  await trainRun(dir, { params: p, maxEpochs: 1, quiet: true, onProgress: (q) => void (q.kind === "step" && steps.push(q)) });
  const hps = JSON.parse(read(path.join(dir, "lfadsOutput", "hyperparameters-0.txt"))) as Record<string, unknown>;
  assert.equal(hps["ndatasets"], 2);
  assert.deepEqual(
    { kl_start_step: hps["kl_start_step"], kl_increase_steps: hps["kl_increase_steps"], l2_start_step: hps["l2_start_step"], l2_increase_steps: hps["l2_increase_steps"] },
    { kl_start_step: 2, kl_increase_steps: 6, l2_start_step: 4, l2_increase_steps: 10 },
  );
  // The ramp weights of every training step follow the recorded values (weight of step s is used in step s; progress reports s + 1).
  assert.equal(steps.length, 6, "two datasets × 12 trials / batch 4");
  for (const q of steps) {
    assert.equal(q.klWeight, rampWeight(q.step - 1, hps["kl_start_step"] as number, hps["kl_increase_steps"] as number), `kl weight at step ${q.step - 1}`);
    assert.equal(q.l2Weight, rampWeight(q.step - 1, hps["l2_start_step"] as number, hps["l2_increase_steps"] as number), `l2 weight at step ${q.step - 1}`);
  }
  assert.deepEqual(steps.map((q) => q.klWeight), [0, 0, 0, 1 / 6, 2 / 6, 3 / 6]);

  // Without scaling the file records the values as given.
  const off = await makeRun("ramps-off");
  fs.copyFileSync(path.join(dir, "lfadsInput", "lfads_dataset002.h5"), path.join(off, "lfadsInput", "lfads_dataset002.h5"));
  await trainRun(off, { params: p.with({ scaleIncreaseStepsWithDatasets: false, scaleStartStepWithDatasets: false }), maxSteps: 1, quiet: true });
  const hpsOff = JSON.parse(read(path.join(off, "lfadsOutput", "hyperparameters-0.txt"))) as Record<string, unknown>;
  assert.deepEqual([hpsOff["kl_start_step"], hpsOff["kl_increase_steps"], hpsOff["l2_start_step"], hpsOff["l2_increase_steps"]], [1, 3, 2, 5]);
});

test("killed mid-epoch and restarted, training resumes from the checkpoint and matches an uninterrupted run", async () => {
  const p = params({ c_co_dim: 1, c_keep_prob: 0.9 });
  const straight = await makeRun("straight");
  await trainRun(straight, { params: p, maxEpochs: 3, quiet: true });

  const killed = await makeRun("killed");
  const ctl = new AbortController();
  const first = await trainRun(killed, { params: p, maxEpochs: 3, signal: ctl.signal, onProgress: (q) => (q.kind === "step" && q.step === 7 ? ctl.abort() : undefined) });
  assert.equal(first.stopReason, "aborted");
  const out = path.join(killed, "lfadsOutput");
  assert.equal(read(path.join(out, "fitlog.csv")).trimEnd().split("\n").length, 2, "epochs 0 and 1 were logged before the kill");
  assert.ok(!fs.existsSync(path.join(killed, "lfads.done.train")));
  fs.appendFileSync(path.join(out, "fitlog.csv"), "epoch,99, a line written after the last checkpoint\n");

  const second = await trainRun(killed, { params: p, maxEpochs: 3, quiet: true });
  assert.equal(second.resumedFromStep, 6);
  assert.equal(second.steps, 9);
  assert.equal(read(path.join(out, "fitlog.csv")), read(path.join(straight, "lfadsOutput", "fitlog.csv")));
  const weights = (dir: string): Promise<number[]> => readH5(path.join(dir, "lfadsOutput", "model_params"), (f) => Array.from(readArray(f, "LFADS_gen_GenGRU_Gates_h_2_ru_W:0").data));
  assert.deepEqual(await weights(killed), await weights(straight));
});

test("a non-finite cost stops training with the step and the last good checkpoint", async () => {
  const dir = await makeRun("nan");
  await trainRun(dir, { params: params(), maxEpochs: 1, quiet: true });
  await assert.rejects(
    trainRun(dir, { params: params({ c_learning_rate_init: 1e12 }), resetLearningRate: true, maxEpochs: 3, quiet: true }),
    (e: Error) => e instanceof TrainingDivergedError && /non-finite .* at step \d+ \(epoch 1\); last good checkpoint: .*lfads_vae\.ckpt-3\.h5 \(step 3\)/.test(e.message),
  );
});

test("c_batch_size not below the trial count is an error before training starts", async () => {
  const dir = await makeRun("batch", 12, 4);
  await assert.rejects(trainRun(dir, { params: params({ c_batch_size: 4 }), quiet: true }), (e: Error) => e instanceof ParamError && /c_batch_size \(4\) must be smaller than the number of valid trials \(4\)/.test(e.message));
  assert.ok(!fs.existsSync(path.join(dir, "lfadsOutput")));
});
