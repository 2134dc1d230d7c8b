/**
 * Gaussian outputs (c_output_dist = 'gaussian'): the posterior readers give `means` and `variances` in data
 * units and no rates. Fixtures are written with h5py from the documented layouts:
 *
 * - TF LFADS (lfads-model.md §4.3, §1.3): `output_dist_params [E, T, 2N]` = means ‖ variances
 *   (`[mean, exp(clip(logvar, ±80))]`), float64 gzip;
 * - lfads-torch (lfads-model.md §8.3; `Gaussian.compute_means` in `recons.py`): `{split}_output_params`
 *   `[n, T, N]` holding the means only, or the raw parameters `[n, T, N, 2]` (means, log-variances);
 *
 * plus a round trip through our own writer (`samplePosterior` on a tiny Gaussian-output run).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inspect } from "node:util";
import { LfadsError, ParamError, setWarningSink, ShapeError } from "../../src/core/errors.js";
import { RunParams } from "../../src/params/run-params.js";
import { concatenateField, concatenateOverTrials } from "../../src/posterior/concatenate.js";
import { PosteriorMeans, type PosteriorMeansData } from "../../src/posterior/posterior-means.js";
import { loadPosteriorMeans } from "../../src/posterior/read-posterior.js";
import { bareDataHash } from "../../src/posterior/read-input-info.js";
import { scoreRun } from "../../src/posterior/run-results.js";
import { posteriorBitsPerSpike, posteriorRateR2, r2Score } from "../../src/posterior/scores.js";
import type { Run } from "../../src/facade/runs.js";
import { h5pyUnavailable, python, tempDir } from "./h5py.js";
import { runWithOutput } from "./run-fixture.js";

const skip = h5pyUnavailable();

/** The fixtures' Gaussian means, variances and truth for original trial o (0-based), bin t, neuron k. */
const N = 3;
const T = 4;
const mean = (o: number, t: number, k: number) => 10 * o + t + 0.1 * k - 7.5;
const variance = (o: number, t: number, k: number) => 0.5 + 0.01 * mean(o, t, k) ** 2;
const truthOf = (o: number, t: number, k: number) => mean(o, t, k) + 0.5 * Math.sin((o * T + t) * N + k);
const VALID = [0, 3]; // 0-based; the files list them 1-based: valid [1, 4], train [2, 3, 5]
const TRAIN = [1, 2, 4];

/**
 * `write_tf(inp, out, ds, hash, gaussian, counts)`: TF posterior files of 5 trials × T = 4 bins × N = 3
 * neurons and the input-info sidecar (2-ms bins, no re-binning; float data as `counts`; truth).
 */
const TF_GAUSSIAN = String.raw`
import os
n, T, N, F, G = 5, 4, 3, 2, 4
valid, train = [1, 4], [2, 3, 5]
o_, t_, k_ = np.meshgrid(np.arange(n), np.arange(T), np.arange(N), indexing='ij')
M = 10.0 * o_ + t_ + 0.1 * k_ - 7.5
V = 0.5 + 0.01 * M ** 2
TRUTH = M + 0.5 * np.sin(np.arange(M.size).reshape(M.shape))
def write_tf(inp, out, ds, hash_, gaussian=True, counts=True):
    os.makedirs(inp, exist_ok=True); os.makedirs(out, exist_ok=True)
    with h5py.File(os.path.join(inp, 'inputInfo_%s.h5' % ds), 'w') as f:
        f['trainInds'] = np.array(train, dtype='f8'); f['validInds'] = np.array(valid, dtype='f8')
        f['paramInputDataHash'] = hash_
        f['seq_timeVector'] = 2.0 * np.arange(T); f['seq_binSizeMs'] = 2.0
        f['conditionId'] = np.array([1, 2, 1, 2, 1], dtype='f8')
        if counts: f['counts'] = M + 0.25 * np.cos(np.arange(M.size)).reshape(M.shape)
        f['truth'] = TRUTH
    for split, inds in (('train', train), ('valid', valid)):
        o = np.array(inds) - 1
        with h5py.File(os.path.join(out, 'model_runs_%s.h5_%s_posterior_sample_and_average' % (ds, split)), 'w') as f:
            def put(k, v): f.create_dataset(k, data=np.asarray(v, dtype='f8'), compression='gzip')
            put('output_dist_params', np.concatenate([M[o], V[o]], axis=2) if gaussian else np.exp(M[o] / 10))
            put('factors', o[:, None, None] * 100 + np.arange(T)[None, :, None] * 10 + np.arange(F)[None, None, :])
            put('gen_states', np.zeros((len(o), T, G)))
            put('gen_ics', np.zeros((len(o), G)))
            put('costs', o * 1.0); put('nll_bound_vaes', o * 2.0); put('nll_bound_iwaes', o * 3.0)
            put('train_steps', np.full(len(o), 7.0))
`;

/** lfads-torch files: dataset002 means only `[n, T, N]`, dataset003 raw `[n, T, N, 2]` (means, log-variances). */
const TORCH_GAUSSIAN = String.raw`
import os
n, T, N, F = 5, 4, 3, 2
valid, train = [1, 4], [2, 3, 5]
o_, t_, k_ = np.meshgrid(np.arange(n), np.arange(T), np.arange(N), indexing='ij')
M = 10.0 * o_ + t_ + 0.1 * k_ - 7.5
V = 0.5 + 0.01 * M ** 2
inp = os.path.join(D, 'tin'); out = os.path.join(D, 'tout')
os.makedirs(inp); os.makedirs(out)
for ds, raw in (('dataset002', False), ('dataset003', True)):
    with h5py.File(os.path.join(inp, 'inputInfo_%s.h5' % ds), 'w') as f:
        f['trainInds'] = np.array(train, dtype='f8'); f['validInds'] = np.array(valid, dtype='f8')
        f['paramInputDataHash'] = 'abcdef'
    with h5py.File(os.path.join(out, 'lfads_output_%s.h5' % ds), 'w') as f:
        for split, inds in (('train', train), ('valid', valid)):
            o = np.array(inds) - 1
            def put(k, v): f.create_dataset(split + '_' + k, data=np.asarray(v, dtype='f4'), compression='gzip')
            put('output_params', np.stack([M[o], np.log(V[o])], axis=-1) if raw else M[o])
            put('factors', o[:, None, None] * 100 + np.arange(T)[None, :, None] * 10 + np.arange(F)[None, None, :])
            put('ic_mean', np.zeros((len(o), 2))); put('ic_std', np.ones((len(o), 2)))
`;

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** Every (trial, bin, neuron) of `a` equals f(o, t, k) (float32), NaN-free. */
function checkArray(a: { data: Float32Array; shape: readonly number[] }, f: (o: number, t: number, k: number) => number, what: string): void {
  assert.deepEqual([...a.shape], [5, T, N], `${what} shape`);
  for (let o = 0; o < 5; o++) {
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < N; k++) assert.equal(a.data[(o * T + t) * N + k], Math.fround(f(o, t, k)), `${what}[${o},${t},${k}]`);
    }
  }
}

/** Pooled R² of the fixture means against the fixture truth on `trials`, computed here from the formulas. */
function expectedR2(trials: number[]): number {
  let res = 0;
  let tot = 0;
  for (let k = 0; k < N; k++) {
    const ys: number[] = [];
    for (const o of trials) for (let t = 0; t < T; t++) ys.push(Math.fround(truthOf(o, t, k)));
    const ybar = ys.reduce((a, b) => a + b, 0) / ys.length;
    let i = 0;
    for (const o of trials) {
      for (let t = 0; t < T; t++) {
        res += (Math.fround(mean(o, t, k)) - ys[i]!) ** 2;
        tot += (ys[i++]! - ybar) ** 2;
      }
    }
  }
  return 1 - res / tot;
}

describe("Gaussian outputs from h5py fixtures", { skip }, () => {
  let dir = "";
  let cleanup = () => {};
  let prevSink: (m: string) => void = () => {};
  before(() => {
    ({ dir, cleanup } = tempDir("posterior-gauss"));
    const j = (p: string) => JSON.stringify(path.join(dir, p));
    python(
      `${TF_GAUSSIAN}
write_tf(${j("in")}, ${j("out")}, 'dataset001', '4MaTKO')
write_tf(${j("in")}, ${j("out")}, 'dataset004', '4MaTKO', gaussian=False)
write_tf(${j("nin")}, ${j("out")}, 'dataset005', '4MaTKO', counts=False)
`,
      dir,
    );
    python(TORCH_GAUSSIAN, dir);
    prevSink = setWarningSink(() => {});
  });
  after(() => {
    setWarningSink(prevSink);
    cleanup();
  });
  const tfOpts = (datasetNames: string[], inputDir = "in") => ({ outputDir: path.join(dir, "out"), inputDir: path.join(dir, inputDir), spikeBinMs: 2, datasetNames });

  test("TF [E, T, 2N]: detected from the input info's neuron count; means and variances in data units (no Hz conversion), trials in the original order", async () => {
    for (const outputDist of [undefined, "auto", "gaussian"] as const) {
      const [pm] = (await loadPosteriorMeans({ ...tfOpts(["dataset001"]), ...(outputDist ? { outputDist } : {}) })) as [PosteriorMeans];
      assert.equal(pm.outputDist, "gaussian", String(outputDist));
      assert.deepEqual([pm.nTrials, pm.T, pm.nNeurons, pm.nFactors], [5, T, N, 2]);
      checkArray(pm.means!, mean, "means");
      checkArray(pm.variances!, variance, "variances");
      assert.equal(pm.factors.data[(4 * T + 3) * 2 + 1], 400 + 30 + 1);
      assert.deepEqual([...pm.time], [0, 2, 4, 6]);
      assert.deepEqual(pm.fieldsPresent().filter((f) => ["rates", "means", "variances"].includes(f)), ["means", "variances"]);
      assert.equal(pm.outputMeansPerBin(), pm.means, "the Gaussian means are the per-bin output means");
    }
  });

  test("no rates on Gaussian outputs: rates, ratesPerBin, field('rates') and bits per spike are errors naming means; R² scores the means", async () => {
    const [pm] = (await loadPosteriorMeans(tfOpts(["dataset001"]))) as [PosteriorMeans];
    const noRates = (e: Error) => e instanceof LfadsError && /PosteriorMeans\(dataset001\): no rates — the model has Gaussian outputs/.test(e.message) && /pm\.means/.test(e.message);
    assert.throws(() => pm.rates, noRates);
    assert.throws(() => pm.ratesPerBin(), noRates);
    assert.throws(() => pm.field("rates"), noRates);
    assert.throws(() => concatenateField([pm], "rates"), noRates);
    assert.ok(!("rates" in { ...pm }), "a copy by spread carries no rates");
    assert.throws(() => posteriorBitsPerSpike(pm), (e: Error) => e instanceof LfadsError && /^posteriorBitsPerSpike: dataset001 has gaussian outputs/.test(e.message) && /posteriorRateR2/.test(e.message));
    const r2 = posteriorRateR2(pm);
    assert.ok(close(r2.pooled, expectedR2(VALID)), `valid R² ${r2.pooled} vs ${expectedR2(VALID)}`);
    assert.ok(close(posteriorRateR2(pm, { split: "train" }).pooled, expectedR2(TRAIN)));
    assert.equal(r2.pooled, r2Score(pm.means!, pm.truth!, { trials: VALID }).pooled);
    // the other per-trial fields work as for Poisson outputs
    assert.deepEqual(pm.conditionAverage("means").value.shape, [2, T, N]);
    assert.equal(pm.conditionAverage("variances").value.data[0], (Math.fround(variance(0, 0, 0)) + Math.fround(variance(2, 0, 0)) + Math.fround(variance(4, 0, 0))) / 3);
    assert.deepEqual(pm.countsPerBin().shape, [5, T, N]);
    const shown = inspect(pm);
    assert.match(shown, /outputDist: gaussian/);
    assert.match(shown, /means: \[5 × 4 × 3\] data units per bin/);
    assert.match(shown, /variances: \[5 × 4 × 3\] data units²/);
    assert.doesNotMatch(shown, /rates:|spikes\/s/);
  });

  test("outputDist that contradicts the file is an error naming the layout and the fix; an unknown value is a ParamError", async () => {
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(["dataset001"]), outputDist: "poisson" }), (e: Error) =>
      e instanceof ShapeError && /'output_dist_params' in .*dataset001.* has 6 columns for 3 neurons, but outputDist is "poisson"/.test(e.message) && /Gaussian layout \(means ‖ variances\) — pass outputDist: "gaussian"/.test(e.message));
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(["dataset004"]), outputDist: "gaussian" }), (e: Error) =>
      e instanceof ShapeError && /has 3 columns for 3 neurons, but outputDist is "gaussian"/.test(e.message) && /Poisson layout/.test(e.message));
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(["dataset001"]), outputDist: "gamma" as never }), (e: Error) =>
      e instanceof ParamError && /outputDist "gamma" is not one of auto, poisson, gaussian/.test(e.message));
    // The Poisson file still reads as rates in spikes/s.
    const [p] = (await loadPosteriorMeans(tfOpts(["dataset004"]))) as [PosteriorMeans];
    assert.equal(p.outputDist, "poisson");
    assert.ok(close(p.rates.data[(3 * T + 2) * N + 1]!, Math.exp(mean(3, 2, 1) / 10) * 500));
    assert.equal(p.means, undefined);
  });

  test("without counts in the input info: auto reads columns as Poisson, outputDist 'gaussian' splits them", async () => {
    const [auto] = (await loadPosteriorMeans(tfOpts(["dataset005"], "nin"))) as [PosteriorMeans];
    assert.equal(auto.outputDist, "poisson");
    assert.equal(auto.nNeurons, 6);
    const [g] = (await loadPosteriorMeans({ ...tfOpts(["dataset005"], "nin"), outputDist: "gaussian" })) as [PosteriorMeans];
    checkArray(g.means!, mean, "means");
    checkArray(g.variances!, variance, "variances");
  });

  test("Gaussian PosteriorMeans concatenate over trials; Poisson and Gaussian do not mix", async () => {
    const [a] = (await loadPosteriorMeans(tfOpts(["dataset001"]))) as [PosteriorMeans];
    const [b] = (await loadPosteriorMeans({ ...tfOpts(["dataset005"], "nin"), outputDist: "gaussian" })) as [PosteriorMeans];
    const all = concatenateOverTrials([a, b]);
    assert.equal(all.outputDist, "gaussian");
    assert.deepEqual(all.means!.shape, [10, T, N]);
    assert.deepEqual(all.variances!.shape, [10, T, N]);
    assert.equal(all.means!.data[(7 * T + 1) * N + 2], Math.fround(mean(2, 1, 2)));
    assert.throws(() => all.rates, /no rates/);
    const [p] = (await loadPosteriorMeans(tfOpts(["dataset004"]))) as [PosteriorMeans];
    assert.throws(() => concatenateOverTrials([a, p]), (e: Error) => e instanceof ShapeError && /outputDist is gaussian for dataset001 but poisson for dataset004/.test(e.message));
  });

  test("lfads-torch: means-only [n, T, N] with outputDist 'gaussian'; raw [n, T, N, 2] (means, log-variances) detected", async () => {
    const torch = (ds: string) => ({ outputDir: path.join(dir, "tout"), inputDir: path.join(dir, "tin"), spikeBinMs: 2, datasetNames: [ds] });
    const [m] = (await loadPosteriorMeans({ ...torch("dataset002"), outputDist: "gaussian" })) as [PosteriorMeans];
    assert.equal(m.format, "lfads-torch");
    assert.equal(m.outputDist, "gaussian");
    checkArray(m.means!, mean, "means");
    assert.equal(m.variances, undefined, "lfads-torch's run_posterior_sampling writes means only");
    assert.throws(() => m.rates, /no rates/);
    const [raw] = (await loadPosteriorMeans(torch("dataset003"))) as [PosteriorMeans];
    assert.equal(raw.outputDist, "gaussian");
    checkArray(raw.means!, mean, "means");
    for (let i = 0; i < raw.variances!.data.length; i += 5) {
      const o = Math.floor(i / (T * N));
      const t = Math.floor(i / N) % T;
      assert.ok(close(raw.variances!.data[i]!, variance(o, t, i % N), 1e-6), `variance ${i}: exp(log-variance)`);
    }
    await assert.rejects(loadPosteriorMeans({ ...torch("dataset003"), outputDist: "poisson" }), (e: Error) =>
      e instanceof ShapeError && /has shape \[3, 4, 3, 2\], lfads-torch's raw Gaussian parameters/.test(e.message) && /pass outputDist: "gaussian"/.test(e.message));
  });

  test("run.loadPosteriorMeans() follows the run's c_output_dist; scoreRun gives R² of the means and no bits per spike", async () => {
    const setUp = (name: string, params: RunParams): Run => {
      const run = runWithOutput(path.join(dir, name), params);
      const j = (p: string) => JSON.stringify(p);
      python(`${TF_GAUSSIAN}\nwrite_tf(${j(run.pathLFADSInput)}, ${j(run.pathLFADSOutput)}, 'dataset001', ${j(bareDataHash(run.params.dataHash))})`, dir);
      return run;
    };
    const run = setUp("grun", new RunParams({ spikeBinMs: 2, c_output_dist: "gaussian" }));
    const [pm] = (await run.loadPosteriorMeans()) as [PosteriorMeans];
    assert.equal(pm.outputDist, "gaussian");
    checkArray(pm.means!, mean, "means");
    const [score] = await scoreRun(run);
    assert.ok(score && close(score.r2!, expectedR2(VALID)));
    assert.equal(score.bitsPerSpike, undefined);
    assert.equal(score.trials, 2);
    // A Poisson run pointed at the same Gaussian files says what is wrong.
    const prun = setUp("prun", new RunParams({ spikeBinMs: 2, c_output_dist: "poisson" }));
    await assert.rejects(prun.loadPosteriorMeans(), (e: Error) => e instanceof ShapeError && /outputDist is "poisson"/.test(e.message) && /c_output_dist = 'gaussian'/.test(e.message));
  });
});

test("PosteriorMeans: Poisson needs rates, Gaussian needs means; the two do not mix", () => {
  const a3 = (v: number) => ({ data: new Float32Array(2 * 2 * 1).fill(v), shape: [2, 2, 1] as [number, number, number] });
  const base: PosteriorMeansData = {
    datasetName: "d", kind: "posterior_sample_and_average", format: "tf", spikeBinMs: 2, time: Float64Array.of(0, 2),
    factors: a3(0), trainInds: Int32Array.of(0), validInds: Int32Array.of(1), datasetIndexByTrial: Int32Array.of(0, 0),
  };
  assert.throws(() => new PosteriorMeans(base), (e: Error) => e instanceof ParamError && /Poisson outputs need rates/.test(e.message) && /outputDist: "gaussian"/.test(e.message));
  assert.throws(() => new PosteriorMeans({ ...base, outputDist: "gaussian" }), (e: Error) => e instanceof ParamError && /Gaussian outputs \(outputDist "gaussian"\) need means/.test(e.message));
  assert.throws(() => new PosteriorMeans({ ...base, outputDist: "gaussian", means: a3(1), rates: a3(1) }), (e: Error) => e instanceof ParamError && /rates \(spikes\/s\) are for Poisson outputs only/.test(e.message));
  assert.throws(() => new PosteriorMeans({ ...base, rates: a3(1), means: a3(1) }), (e: Error) => e instanceof ParamError && /means \/ variances are for Gaussian outputs, but outputDist is "poisson"/.test(e.message));
  assert.throws(() => new PosteriorMeans({ ...base, outputDist: "gaussian", means: a3(1), variances: { data: new Float32Array(3), shape: [1, 3, 1] } }), ShapeError);
  const g = new PosteriorMeans({ ...base, outputDist: "gaussian", means: a3(-3), variances: a3(2) });
  assert.deepEqual([g.nTrials, g.T, g.nNeurons], [2, 2, 1]);
  assert.equal(g.means!.data[0], -3, "means are kept as given: no Hz conversion");
  const copy = new PosteriorMeans({ ...g, datasetName: "copy" });
  assert.equal(copy.outputDist, "gaussian");
  assert.throws(() => copy.rates, /PosteriorMeans\(copy\): no rates/);
  const p = new PosteriorMeans({ ...base, rates: a3(500) });
  assert.equal(p.outputDist, "poisson");
  assert.equal(p.outputMeansPerBin().data[0], 1, "Poisson: expected counts per bin");
  assert.equal(new PosteriorMeans({ ...p }).rates.data[0], 500, "a Poisson copy by spread keeps its rates");
});

describe("round trip through our writer (samplePosterior on a Gaussian-output run)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-gauss-rt-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("model_runs_* hold [E, T, 2N] means ‖ variances; run.loadPosteriorMeans() splits them at the original trials", async () => {
    const { Dataset } = await import("../../src/data/dataset.js");
    const { DatasetCollection } = await import("../../src/data/dataset-collection.js");
    const { generateLorenzDatasets } = await import("../../src/data/lorenz.js");
    const { RunCollection } = await import("../../src/facade/runs.js");
    const { RunSpec } = await import("../../src/runs/run-spec.js");
    const { prepare } = await import("../../src/prepare/prepare.js");
    const { trainRun } = await import("../../src/train/train-run.js");
    const { samplePosterior } = await import("../../src/posterior/sample.js");
    const { readArray, readH5 } = await import("../../src/io/h5.js");
    const dsDir = path.join(tmp, "datasets");
    await generateLorenzDatasets(dsDir, { nDatasets: 1, nConditions: 3, nTime: 20, minTrialsPerCondition: 4, maxTrialsPerCondition: 4, minChannels: 4, maxChannels: 4, seed: 4, today: "2020-01-01", onProgress: () => {} });
    const dc = new DatasetCollection(dsDir, "tiny");
    new Dataset(dc, "dataset001.h5");
    const rc = new RunCollection(path.join(tmp, "runs"), "rc", dc);
    rc.addParams(new RunParams({ spikeBinMs: 2, c_output_dist: "gaussian", c_batch_size: 2, c_factors_dim: 2, c_gen_dim: 4, c_ic_enc_dim: 3, c_ic_dim: 2, c_co_dim: 0, num_samples_posterior: 3 }));
    rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
    const prev = setWarningSink(() => {});
    let written: string[];
    try {
      await prepare(rc);
      await trainRun(rc.runList[0]!, { maxEpochs: 1, quiet: true });
      written = (await samplePosterior(rc.runList[0]!, { quiet: true, kind: "posterior_sample_and_average" })).written;
    } finally {
      setWarningSink(prev);
    }
    const run = rc.runList[0]!;
    const [pm] = (await run.loadPosteriorMeans()) as [PosteriorMeans];
    assert.equal(pm.outputDist, "gaussian");
    const [n, t, nN] = pm.means!.shape;
    assert.deepEqual(pm.variances!.shape, [n, t, nN]);
    assert.equal(nN, 4);
    for (const [split, inds] of [["train", pm.trainInds], ["valid", pm.validInds]] as const) {
      const file = written.find((f) => f.endsWith(`_${split}_posterior_sample_and_average`))!;
      const odp = await readH5(file, (f) => readArray(f, "output_dist_params", file));
      assert.deepEqual(odp.shape, [inds.length, t, 2 * nN], `${split}: [E, T, 2N]`);
      const d = odp.data as Float64Array;
      inds.forEach((orig, e) => {
        for (let b = 0; b < t; b++) {
          for (let k = 0; k < nN; k++) {
            const at: number = (orig * t + b) * nN + k;
            assert.equal(pm.means!.data[at], Math.fround(d[(e * t + b) * 2 * nN + k]!), `${split} mean`);
            assert.equal(pm.variances!.data[at], Math.fround(d[(e * t + b) * 2 * nN + nN + k]!), `${split} variance`);
            assert.ok(pm.variances!.data[at]! > 0);
          }
        }
      });
    }
    assert.throws(() => pm.rates, /no rates/);
    const [score] = await scoreRun(run);
    assert.ok(score && Number.isFinite(score.r2), "R² of the means against the Lorenz truth");
    assert.equal(score.bitsPerSpike, undefined);
  });
});
