/**
 * Posterior sampling on a tiny prepared Lorenz run (one dataset of 30 trials × 20 bins × 6–7 channels,
 * a model with a controller so both g0 and u_t are sampled), trained for a few epochs.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWarningSink } from "../../src/core/errors.js";
import { readArray, readH5, type H5Dataset } from "../../src/io/h5.js";
import { RunParams } from "../../src/params/run-params.js";
import "../../src/posterior/index.js";
import { loadRunPosteriorMeans, scoreRun } from "../../src/posterior/run-results.js";
import { posteriorFileName, samplePosterior, type SamplePosteriorOptions } from "../../src/posterior/sample.js";
import { writePriorSamples } from "../../src/posterior/prior-sample.js";
import { writeModelParams } from "../../src/posterior/write-model-params.js";
import { loadTrainedModel } from "../../src/posterior/sample-model.js";
import { RowNoise, streamId, type NoiseRequest } from "../../src/posterior/sample-noise.js";
import type { Run } from "../../src/facade/runs.js";
import { prepareTinyRun } from "../runs/tiny-run.js";
import { trainRun } from "../../src/train/train-run.js";
import { gatherTrials } from "../../src/train/input-data.js";
import { rampWeight } from "../../src/train/schedule.js";
import { lfadsCost } from "../../src/model/cost.js";
import { l2Cost } from "../../src/model/l2.js";
import { coMeanCorrCost } from "../../src/model/lfads.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-sample-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PARAMS = new RunParams({
  spikeBinMs: 2,
  c_batch_size: 4,
  c_factors_dim: 3,
  c_gen_dim: 8,
  c_ic_enc_dim: 5,
  c_ic_dim: 3,
  c_co_dim: 2,
  c_ci_enc_dim: 4,
  c_con_dim: 4,
  c_kl_increase_steps: 4,
  c_l2_increase_steps: 4,
  c_learning_rate_init: 0.02,
  num_samples_posterior: 6,
});
const T = 20;
let run: Run;
let lve: string;
let latest: string;

before(async () => {
  run = await prepareTinyRun(tmp, PARAMS, { nConditions: 6, nTime: 40, minTrialsPerCondition: 5, maxTrialsPerCondition: 5, minChannels: 6, maxChannels: 7, seed: 4 });
  const r = await trainRun(run, { maxEpochs: 3, quiet: true });
  lve = r.lveCheckpoint!;
  latest = r.checkpoint!;
  assert.ok(lve && latest && lve !== latest, "the tiny run has an LVE checkpoint distinct from the latest one");
});

const quiet: SamplePosteriorOptions = { quiet: true };
const keysOf = (file: string): Promise<string[]> => readH5(file, (f) => f.keys().sort());
const arr = (file: string, key: string): Promise<{ data: Float64Array; shape: number[]; dtype: string }> =>
  readH5(file, (f) => {
    const a = readArray(f, key, file);
    return { data: a.data as Float64Array, shape: a.shape, dtype: a.dtype };
  });
/** Every dataset of two files, max |a − b| / max(1, |b|). */
async function maxFileDiff(a: string, b: string): Promise<number> {
  const keys = await keysOf(a);
  assert.deepEqual(await keysOf(b), keys);
  let m = 0;
  for (const k of keys) {
    const x = (await arr(a, k)).data;
    const y = (await arr(b, k)).data;
    assert.equal(x.length, y.length, k);
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  }
  return m;
}
const copyTarget = (name: string): { inputDir: string; outputDir: string; params: RunParams } => ({ inputDir: run.pathLFADSInput, outputDir: path.join(tmp, name), params: PARAMS });

test("both kinds: TF keys, shapes, float64 + gzip, one train_steps; read back in trial order with rates in spikes/s", async () => {
  const r = await samplePosterior(run, { ...quiet, kind: "both" });
  assert.equal(r.checkpoint, lve, "the LVE checkpoint by default");
  assert.equal(r.numSamples, 6, "num_samples_posterior by default");
  assert.deepEqual(r.kinds, ["posterior_push_mean", "posterior_sample_and_average"]);
  assert.equal(r.written.length, 4);
  assert.ok(r.trialsPerSecond.posterior_sample_and_average! > 0 && r.trialsPerSecond.posterior_push_mean! > 0);
  const N = await readH5(run.lfadsInputLinks[0]!, (f) => readArray(f, "train_data").shape[2]!);
  for (const kind of r.kinds) {
    for (const [split, E] of [["train", 24], ["valid", 6]] as const) {
      const file = path.join(run.pathLFADSOutput, posteriorFileName("dataset001.h5", split, kind));
      assert.ok(r.written.includes(file), file);
      assert.deepEqual(await keysOf(file), [
        "controller_outputs", "costs", "factors", "gen_ics", "gen_states", "nll_bound_iwaes", "nll_bound_vaes",
        "output_dist_params", "post_g0_logvar", "post_g0_mean", "prior_g0_logvar", "prior_g0_mean", "train_steps",
      ]);
      const shapes: Record<string, number[]> = {
        output_dist_params: [E, T, N], factors: [E, T, 3], gen_states: [E, T, 8], gen_ics: [E, 8], controller_outputs: [E, T, 2],
        prior_g0_mean: [E, 3], prior_g0_logvar: [E, 3], post_g0_mean: [E, 3], post_g0_logvar: [E, 3], costs: [E], nll_bound_vaes: [E], nll_bound_iwaes: [E], train_steps: [E],
      };
      for (const [k, s] of Object.entries(shapes)) {
        const a = await arr(file, k);
        assert.deepEqual(a.shape, s, `${kind} ${split} ${k}`);
        assert.equal(a.dtype, "<d", `${k} is float64`);
        assert.ok(a.data.every(Number.isFinite), `${k} is finite`);
      }
      await readH5(file, (f) => assert.equal((f.get("gen_states") as H5Dataset).filters[0]?.name, "deflate", "gzip"));
      assert.deepEqual([...new Set((await arr(file, "train_steps")).data)], [r.step]);
      const prior = (await arr(file, "prior_g0_mean")).data;
      for (let e = 1; e < E; e++) assert.deepEqual(Array.from(prior.subarray(e * 3, e * 3 + 3)), Array.from(prior.subarray(0, 3)), "prior_g0_mean: one row repeated");
      const vae = (await arr(file, "nll_bound_vaes")).data;
      const iwae = (await arr(file, "nll_bound_iwaes")).data;
      const costs = (await arr(file, "costs")).data;
      for (let e = 0; e < E; e++) {
        assert.ok(iwae[e]! <= vae[e]! + 1e-6, "IWAE bound ≤ VAE bound");
        if (kind === "posterior_push_mean") assert.ok(Math.abs(iwae[e]! - vae[e]!) < 1e-9, "one 'sample': equal bounds");
        assert.ok(costs[e]! > 0);
      }
    }
  }

  const file = (split: string, kind: string): string => path.join(run.pathLFADSOutput, `model_runs_dataset001.h5_${split}_${kind}`);
  const [pm] = await run.loadPosteriorMeans({ kind: "posterior_sample_and_average" });
  assert.ok(pm);
  assert.deepEqual(pm.rates.shape, [30, T, N]);
  assert.equal(pm.trainInds.length, 24);
  const odpTrain = (await arr(file("train", "posterior_sample_and_average"), "output_dist_params")).data;
  const odpValid = (await arr(file("valid", "posterior_sample_and_average"), "output_dist_params")).data;
  const row = T * N;
  for (const [inds, odp] of [[pm.trainInds, odpTrain], [pm.validInds, odpValid]] as const) {
    inds.forEach((orig, i) => {
      for (let j = 0; j < row; j += 7) {
        const want = odp[i * row + j]! * (1000 / 2);
        assert.ok(Math.abs(pm.rates.data[orig * row + j]! - want) <= 1e-5 * want, "rates = counts per bin × 1000 / spikeBinMs, at the original trial");
      }
    });
  }
  assert.ok(pm.truth, "Lorenz input has truth");
  const push = await loadRunPosteriorMeans(run, { kind: "posterior_push_mean" });
  assert.equal(push[0]!.kind, "posterior_push_mean");
  assert.equal(await run.loadPosteriorMeans({ kind: "posterior_push_mean" }), push, "cached while the files are unchanged");

  const scores = await scoreRun(run, { kind: "posterior_sample_and_average" });
  assert.equal(scores.length, 1);
  assert.equal(scores[0]!.trials, 6);
  assert.ok(Number.isFinite(scores[0]!.r2) && scores[0]!.r2! < 1, `R² ${scores[0]!.r2}`);
  assert.ok(Number.isFinite(scores[0]!.bitsPerSpike), `bits/spike ${scores[0]!.bitsPerSpike}`);
  assert.equal(run.loadFitLog().rows.length, 3);
  const mp = await run.loadModelTrainedParams();
  assert.ok(mp);
});

test("push-mean equals one forward pass with the posterior means", async () => {
  const file = path.join(run.pathLFADSOutput, posteriorFileName("dataset001.h5", "train", "posterior_push_mean"));
  if (!fs.existsSync(file)) await samplePosterior(run, { ...quiet, kind: "posterior_push_mean" });
  const tm = await loadTrainedModel(run, { checkpoint: "lve" });
  try {
    const ds = tm.data.datasets[0]!;
    const E = ds.train.numTrials;
    const N = ds.numNeurons;
    const idx = Int32Array.from({ length: E }, (_, i) => i);
    const [rates, factors, co] = tf.tidy(() => {
      const batch = { datasetIndex: 0, data: tf.tensor3d(gatherTrials(ds.train.data, idx, T * N), [E, T, N]), lgammaSum: ds.train.lgammaSums! };
      const o = tm.model.forward(batch, { keepProb: 1, latents: "mean", noise: new RowNoise(0, 0, [], []), outputs: true }).outputs!;
      return [o.outputDistParams.dataSync(), o.factors.dataSync(), o.controllerOutputs!.dataSync()];
    });
    for (const [key, want] of [["output_dist_params", rates], ["factors", factors], ["controller_outputs", co]] as const) {
      const got = (await arr(file, key)).data;
      assert.equal(got.length, want.length);
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-6 * Math.max(1, Math.abs(want[i]!)), `${key}[${i}]: ${got[i]} vs ${want[i]}`);
    }
  } finally {
    tm.dispose();
  }
});

test("sample-and-average (each trial encoded once) = the full forward pass of every (trial, sample) copy, same noise, every key within 1e-5", async () => {
  // The reference is the previous implementation: every trial repeated S times in a batch, pushed
  // through the whole model (encoders included) with the per-(trial, sample) noise, averaged in float64.
  const params = PARAMS.with({ c_co_mean_corr_scale: 0.5, c_l2_gen_scale: 50 });
  const target = { inputDir: run.pathLFADSInput, outputDir: path.join(tmp, "encode-once"), params };
  const S = 5;
  const seed = 9;
  const r = await samplePosterior(target, { ...quiet, kind: "posterior_sample_and_average", checkpointFile: latest, numSamples: S, seed, maxTrials: 4, batchTrials: 7 });
  assert.equal(r.written.length, 2);
  const tm = await loadTrainedModel(target, { checkpointFile: latest });
  try {
    const c = tm.config;
    const ds = tm.data.datasets[0]!;
    const N = ds.numNeurons;
    const klWeight = rampWeight(r.step, tm.train.klStartStep, tm.train.klIncreaseSteps);
    const l2Term = rampWeight(r.step, tm.train.l2StartStep, tm.train.l2IncreaseSteps) * tf.tidy(() => l2Cost(tm.model.store, c.l2GenScale, c.l2ConScale).dataSync()[0]!);
    assert.ok(l2Term > 0, "the L2 term takes part");
    for (const [split, file] of [["train", r.written[0]!], ["valid", r.written[1]!]] as const) {
      const E = 4;
      const rows: [number, number][] = [];
      for (let e = 0; e < E; e++) for (let s = 0; s < S; s++) rows.push([e, s]);
      const plan: NoiseRequest[] = [
        { what: "g0", perRow: c.icDim, layout: "row" },
        { what: "co", perRow: T * c.coDim, layout: "time", steps: T },
      ];
      const noise = new RowNoise(seed, streamId(0, split, 0), rows, plan);
      let want: Record<string, Float64Array> = {};
      tf.tidy(() => {
        const idx = Int32Array.from(rows, (x) => x[0]);
        const sp = ds[split];
        const batch = { datasetIndex: 0, data: tf.tensor3d(gatherTrials(sp.data, idx, T * N), [idx.length, T, N]), lgammaSum: Float32Array.from(idx, (i) => sp.lgammaSums![i]!) };
        const f = tm.model.forward(batch, { keepProb: 1, latents: "sample", noise, outputs: true });
        noise.finish();
        const o = f.outputs!;
        const mean = (x: tf.Tensor): Float64Array => {
          const a = x.dataSync();
          const per = a.length / rows.length;
          const out = new Float64Array(E * per);
          for (let q = 0; q < rows.length; q++) for (let i = 0; i < per; i++) out[rows[q]![0] * per + i]! += a[q * per + i]! / S;
          return out;
        };
        const ll = f.logLik.dataSync();
        const klIc = f.klIc.dataSync();
        const klCo = f.klCo.dataSync();
        // Per-row TF co_mean_corr: the batch cost of a one-row batch.
        const corr = Array.from({ length: rows.length }, (_, q) => coMeanCorrCost(tf.slice(o.coMeans!, [q, 0, 0], [1, T, c.coDim]) as tf.Tensor3D).dataSync()[0]!);
        const costs = new Float64Array(E);
        const vaes = new Float64Array(E);
        const iwaes = new Float64Array(E);
        for (let e = 0; e < E; e++) {
          const lb: number[] = [];
          for (let s = 0; s < S; s++) {
            const q = e * S + s;
            const kl = c.klIcWeight * klIc[q]! + c.klCoWeight * klCo[q]!;
            costs[e]! += (-ll[q]! + klWeight * kl + l2Term + c.coMeanCorrScale * corr[q]!) / S;
            vaes[e]! += -(ll[q]! - kl) / S;
            lb.push(ll[q]! - kl);
          }
          const m = Math.max(...lb);
          iwaes[e] = Math.log(S) - (m + Math.log(lb.reduce((a, x) => a + Math.exp(x - m), 0)));
        }
        want = {
          output_dist_params: mean(o.outputDistParams), factors: mean(o.factors), gen_states: mean(o.genStates), controller_outputs: mean(o.controllerOutputs!),
          gen_ics: mean(o.genIcs), post_g0_mean: mean(o.postG0Mean!), post_g0_logvar: mean(o.postG0Logvar!),
          prior_g0_mean: mean(tf.tile(o.priorG0Mean!, [rows.length, 1])), prior_g0_logvar: mean(tf.tile(o.priorG0Logvar!, [rows.length, 1])),
          costs, nll_bound_vaes: vaes, nll_bound_iwaes: iwaes, train_steps: new Float64Array(E).fill(r.step),
        };
      });
      assert.deepEqual(await keysOf(file), Object.keys(want).sort());
      for (const [k, w] of Object.entries(want)) {
        const got = (await arr(file, k)).data;
        assert.equal(got.length, w.length, k);
        let m = 0;
        for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(got[i]! - w[i]!) / Math.max(1, Math.abs(w[i]!)));
        assert.ok(m < 1e-5, `${split} ${k}: max rel diff ${m}`);
      }
    }
  } finally {
    tm.dispose();
  }
});

test("per-trial costs and bounds are the training cost of that trial alone (KL and L2 ramps at the step, correlation cost)", async () => {
  const params = PARAMS.with({ c_co_mean_corr_scale: 0.5, c_l2_gen_scale: 50 });
  const target = { inputDir: run.pathLFADSInput, outputDir: path.join(tmp, "costs"), params };
  const r = await samplePosterior(target, { ...quiet, kind: "posterior_push_mean", checkpointFile: latest, maxTrials: 4 });
  const costs = (await arr(r.written[0]!, "costs")).data;
  const vaes = (await arr(r.written[0]!, "nll_bound_vaes")).data;
  const tm = await loadTrainedModel(target, { checkpointFile: latest });
  try {
    const ds = tm.data.datasets[0]!;
    const N = ds.numNeurons;
    const w = { kl: rampWeight(r.step, tm.train.klStartStep, tm.train.klIncreaseSteps), l2: rampWeight(r.step, tm.train.l2StartStep, tm.train.l2IncreaseSteps) };
    for (let e = 0; e < 4; e++) {
      const [cost, vae, corr] = tf.tidy(() => {
        const idx = Int32Array.of(e);
        const batch = { datasetIndex: 0, data: tf.tensor3d(gatherTrials(ds.train.data, idx, T * N), [1, T, N]), lgammaSum: Float32Array.of(ds.train.lgammaSums![e]!) };
        const c = lfadsCost(tm.model, tm.model.forward(batch, { keepProb: 1, latents: "mean", noise: new RowNoise(0, 0, [], []), outputs: true }), w);
        return [c.cost.dataSync()[0]!, c.nllBoundVae.dataSync()[0]!, c.corr.dataSync()[0]!];
      });
      assert.ok(corr > 0, "the correlation cost takes part");
      assert.ok(Math.abs(costs[e]! - cost) <= 1e-4 * Math.abs(cost), `cost of trial ${e}: ${costs[e]} vs ${cost}`);
      assert.ok(Math.abs(vaes[e]! - vae) <= 1e-4 * Math.abs(vae), `VAE bound of trial ${e}: ${vaes[e]} vs ${vae}`);
    }
  } finally {
    tm.dispose();
  }
});

test("the memory bound does not change results: one trial per pass = sample chunks = many trials per pass", async () => {
  const base: SamplePosteriorOptions = { ...quiet, kind: "both", checkpointFile: lve, numSamples: 5, seed: 3 };
  const a = await samplePosterior(copyTarget("bt5"), { ...base, batchTrials: 5 });
  const b = await samplePosterior(copyTarget("bt2"), { ...base, batchTrials: 2 });
  const c = await samplePosterior(copyTarget("bt64"), { ...base, batchTrials: 64 });
  assert.equal(a.written.length, 4);
  for (let i = 0; i < a.written.length; i++) {
    assert.ok((await maxFileDiff(b.written[i]!, a.written[i]!)) < 2e-5, `samples split over passes: ${path.basename(a.written[i]!)}`);
    assert.ok((await maxFileDiff(c.written[i]!, a.written[i]!)) < 2e-5, `12 trials per pass: ${path.basename(a.written[i]!)}`);
  }
  const d = await samplePosterior(copyTarget("bt5-seed4"), { ...base, batchTrials: 5, seed: 4, kind: "posterior_sample_and_average" });
  assert.ok((await maxFileDiff(d.written[0]!, a.written[2]!)) > 1e-3, "another seed gives other samples");
});

test("averaging more samples reduces the spread of the estimate", async () => {
  const spread = async (S: number): Promise<number> => {
    const opts: SamplePosteriorOptions = { ...quiet, kind: "posterior_sample_and_average", checkpointFile: lve, numSamples: S, maxTrials: 6 };
    const x = await samplePosterior(copyTarget(`s${S}a`), { ...opts, seed: 11 });
    const y = await samplePosterior(copyTarget(`s${S}b`), { ...opts, seed: 12 });
    const key = "gen_states";
    const u = (await arr(x.written[0]!, key)).data;
    const v = (await arr(y.written[0]!, key)).data;
    let s = 0;
    for (let i = 0; i < u.length; i++) s += (u[i]! - v[i]!) ** 2;
    return s / u.length;
  };
  const one = await spread(1);
  const many = await spread(24);
  assert.ok(one > 0);
  assert.ok(many < one / 5, `mean squared difference between two seeds: ${many} with 24 samples vs ${one} with 1 (expected ~1/24)`);
});

test("resume: an aborted call leaves complete files only; the next call skips them; overwrite re-makes them", async () => {
  const target = copyTarget("resume");
  const ctl = new AbortController();
  let files = 0;
  const first = await samplePosterior(target, {
    ...quiet, kind: "posterior_push_mean", checkpointFile: lve, batchTrials: 4, signal: ctl.signal,
    onProgress: (p) => {
      if (p.event === "file") files += 1;
      if (p.event === "chunk" && p.split === "valid") ctl.abort();
    },
  });
  assert.equal(first.aborted, true);
  assert.equal(files, 1);
  assert.deepEqual(first.written.map((f) => path.basename(f)), ["model_runs_dataset001.h5_train_posterior_push_mean"]);
  assert.deepEqual(fs.readdirSync(target.outputDir).sort(), ["model_runs_dataset001.h5_train_posterior_push_mean"], "no partial file, no temp file");
  fs.writeFileSync(path.join(target.outputDir, ".model_runs_x.tmp-999999-abc"), "stale");
  const mtime = fs.statSync(first.written[0]!).mtimeMs;
  const events: string[] = [];
  const second = await samplePosterior(target, { ...quiet, kind: "posterior_push_mean", checkpointFile: lve, onProgress: (p) => void (p.event !== "chunk" && events.push(`${p.event} ${p.split}`)) });
  assert.equal(second.aborted, false);
  assert.deepEqual(second.skipped, first.written);
  assert.deepEqual(second.written.map((f) => path.basename(f)), ["model_runs_dataset001.h5_valid_posterior_push_mean"]);
  assert.deepEqual(events, ["skipped train", "file valid"]);
  assert.equal(fs.statSync(first.written[0]!).mtimeMs, mtime, "the existing file was not touched");
  assert.ok(!fs.existsSync(path.join(target.outputDir, ".model_runs_x.tmp-999999-abc")), "a stale temp file of a dead process is removed");
  const third = await samplePosterior(target, { ...quiet, kind: "posterior_push_mean", checkpointFile: lve, overwrite: true });
  assert.equal(third.written.length, 2);

  // Existing files that do not match the request are re-made even without overwrite.
  const step = third.step;
  const older = path.join(run.pathLFADSOutput, `lfads_vae.ckpt-${step - 6}.h5`);
  const fewer = await samplePosterior(target, { ...quiet, kind: "posterior_push_mean", checkpointFile: lve, maxTrials: 3 });
  assert.deepEqual(fewer.files.map((f) => f.replaced), ["it holds 24 trials, 3 were asked for", "it holds 6 trials, 3 were asked for"]);
  const stepChanged = await samplePosterior(target, { ...quiet, kind: "posterior_push_mean", checkpointFile: older, maxTrials: 3 });
  assert.equal(stepChanged.files[0]!.replaced, `it is from step ${step}, the checkpoint is at step ${step - 6}`);
  await samplePosterior(target, { ...quiet, kind: "posterior_sample_and_average", checkpointFile: older, maxTrials: 3, numSamples: 2 });
  const moreSamples = await samplePosterior(target, { ...quiet, kind: "posterior_sample_and_average", checkpointFile: older, maxTrials: 3, numSamples: 3 });
  assert.equal(moreSamples.files[0]!.replaced, "it averages 2 samples per trial, 3 were asked for");
  const same = await samplePosterior(target, { ...quiet, kind: "posterior_sample_and_average", checkpointFile: older, maxTrials: 3, numSamples: 3 });
  assert.equal(same.skipped.length, 2);
});

test("checkpoint choice and errors", async () => {
  const latestRun = await samplePosterior(run, { ...quiet, kind: "posterior_push_mean", checkpoint: "latest", maxTrials: 2, overwrite: true });
  assert.equal(latestRun.checkpoint, latest);
  assert.equal(latestRun.step, 18);
  // A folder with only the rolling checkpoint: LVE falls back to it, with a warning.
  const dir = path.join(tmp, "rolling-only");
  fs.mkdirSync(dir);
  fs.copyFileSync(latest, path.join(dir, path.basename(latest)));
  fs.writeFileSync(path.join(dir, "checkpoint"), `model_checkpoint_path: "${path.basename(latest)}"\nall_model_checkpoint_paths: "${path.basename(latest)}"\n`);
  const warnings: string[] = [];
  const prev = setWarningSink((m) => warnings.push(m));
  try {
    const r = await samplePosterior({ inputDir: run.pathLFADSInput, outputDir: dir, params: PARAMS }, { ...quiet, kind: "posterior_push_mean", maxTrials: 2 });
    assert.equal(r.checkpoint, path.join(dir, path.basename(latest)));
  } finally {
    setWarningSink(prev);
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /no lowest-validation-error checkpoint .* using the latest checkpoint lfads_vae\.ckpt-18\.h5/);
  const empty = path.join(tmp, "empty-out");
  fs.mkdirSync(empty);
  await assert.rejects(samplePosterior({ inputDir: run.pathLFADSInput, outputDir: empty, params: PARAMS }, quiet), /no checkpoint in .*empty-out .*train the run first/);
  await assert.rejects(samplePosterior(path.join(tmp, "nope"), quiet), /run folder not found/);
  await assert.rejects(samplePosterior(run, { ...quiet, kind: "posterior_mean" as never }), /kind must be one of posterior_sample_and_average, posterior_push_mean, both/);
  await assert.rejects(samplePosterior(run, { ...quiet, numSamples: 0 }), /numSamples must be a positive integer/);
  // model_params from the latest checkpoint, with TF names.
  const mp = await writeModelParams(run.path, { checkpoint: "latest" });
  assert.equal(mp.step, 18);
  await readH5(mp.file, (f) => assert.ok(f.keys().includes("LFADS_global_step:0")));
});

test("prior samples: TF keys and shapes; the batch size does not change them", async () => {
  const a = await writePriorSamples(run, { numSamples: 5, seed: 2 });
  assert.equal(a.file, path.join(run.pathLFADSOutput, "model_runs_prior_sample"));
  assert.equal(a.datasetName, "dataset001.h5");
  const N = await readH5(run.lfadsInputLinks[0]!, (f) => readArray(f, "train_data").shape[2]!);
  const shapes: Record<string, number[]> = {
    gen_ics: [5, 8], gen_states: [5, T, 8], factors: [5, T, 3], output_dist_params: [5, T, N], costs: [1], prior_g0_mean: [5, 3], prior_g0_logvar: [5, 3], prior_zs_ar_con: [5, T, 2],
  };
  assert.deepEqual(await keysOf(a.file), Object.keys(shapes).sort());
  for (const [k, s] of Object.entries(shapes)) {
    const x = await arr(a.file, k);
    assert.deepEqual(x.shape, s, k);
    assert.equal(x.dtype, "<d", k);
    assert.ok(x.data.every(Number.isFinite), k);
  }
  const copy = path.join(tmp, "prior-a");
  fs.copyFileSync(a.file, copy);
  await writePriorSamples(run, { numSamples: 5, seed: 2, batchTrials: 2 });
  assert.ok((await maxFileDiff(a.file, copy)) < 1e-5);
  await assert.rejects(writePriorSamples(run, { datasetIndex: 1 }), /datasetIndex must be a 0-based index below 1/);
});
