import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError, ParamError, setWarningSink } from "../../src/core/errors.js";
import { inspect } from "node:util";
import { loadPosteriorMeans, timeVector } from "../../src/posterior/read-posterior.js";
import { readInputInfo } from "../../src/posterior/read-input-info.js";
import { writeInputInfo } from "./input-info-fixture.js";
import { concatenateField, concatenateOverTrials } from "../../src/posterior/concatenate.js";
import type { PosteriorMeans } from "../../src/posterior/posterior-means.js";
import { h5pyUnavailable, python, tempDir } from "./h5py.js";

const skip = h5pyUnavailable();

/**
 * TF LFADS fixtures (layout of lfads-model.md §4.3, float64 gzip like `write_model_runs`):
 * dataset001: 7 trials, valid = 1-based [1, 6], train = [2, 3, 4, 5, 7]; the valid file holds only its
 * first trial (ps_nexamples_to_process = 1), so original trial 6 (0-based 5) stays NaN. 8 input bins of
 * 1 ms re-binned to T = 4 bins of 2 ms; 3 neurons, F = 2, G = 4, U = 1, I = 3.
 * Every value encodes its original trial `o` (0-based), time bin and dim, so re-assembly is checkable.
 * dataset002: same shapes but only the old `…_posterior_sample` names, 5 trials (valid [1], train [2..5]).
 */
const TF_FIXTURE = String.raw`
import os
def write(ds, valid, train, n, valid_E, suffix, hash_):
    inp = os.path.join(D, 'in'); out = os.path.join(D, 'out')
    os.makedirs(inp, exist_ok=True); os.makedirs(out, exist_ok=True)
    Torig, nN, F, G, U, I, T = 8, 3, 2, 4, 1, 3, 4
    with h5py.File(os.path.join(inp, 'inputInfo_%s.h5' % ds), 'w') as f:
        f['trainInds'] = np.array(train, dtype='f8')
        f['validInds'] = np.array(valid, dtype='f8')
        f['paramInputDataHash'] = hash_
        f['seq_timeVector'] = np.arange(Torig, dtype='f8')
        f['seq_binSizeMs'] = 1.0
        f['conditionId'] = np.array([1 + (i % 2) for i in range(n)], dtype='f8')
        f['counts'] = (np.arange(n * Torig * nN).reshape(n, Torig, nN) % 3).astype('i8')
        f['truth'] = 0.1 + 0.01 * np.arange(n * Torig * nN, dtype='f8').reshape(n, Torig, nN)
    for split, inds, E in (('train', train, len(train)), ('valid', valid, valid_E)):
        o = np.array(inds[:E]) - 1
        e = o[:, None, None].astype('f8'); t = np.arange(T)[None, :, None]
        name = os.path.join(out, 'model_runs_%s.h5_%s_%s' % (ds, split, suffix))
        with h5py.File(name, 'w') as f:
            def put(k, v): f.create_dataset(k, data=np.asarray(v, dtype='f8'), compression='gzip')
            put('output_dist_params', 0.01 * (e + 1) + 0.001 * t + 0.0001 * np.arange(nN)[None, None, :])
            put('factors', e * 100 + t * 10 + np.arange(F)[None, None, :])
            put('gen_states', 1000 + e * 100 + t * 10 + np.arange(G)[None, None, :])
            put('controller_outputs', -(e * 100 + t * 10 + np.arange(U)[None, None, :]))
            put('gen_ics', o[:, None] * 10 + np.arange(G)[None, :])
            put('post_g0_mean', o[:, None] * 10 + np.arange(I)[None, :] + 0.5)
            put('post_g0_logvar', -(o[:, None] * 10 + np.arange(I)[None, :]))
            put('prior_g0_mean', np.zeros((E, I)))
            put('prior_g0_logvar', np.zeros((E, I)))
            put('costs', o * 1.5)
            put('nll_bound_vaes', o * 2.0)
            put('nll_bound_iwaes', o * 3.0)
            put('train_steps', np.full(E, 1234.0))
write('dataset001', [1, 6], [2, 3, 4, 5, 7], 7, 1, 'posterior_sample_and_average', '4MaTKO')
write('dataset002', [1], [2, 3, 4, 5], 5, 1, 'posterior_sample', 'data_4MaTKO')
`;

/**
 * lfads-torch fixture (lfads-model.md §8.3): `lfads_output_lfads_dataset003.h5` = input keys plus
 * `{train,valid}_{output_params,factors,…}` in float32; truth with conversion_factor 0.5; the sidecar
 * has string condition ids and no time vector. 4 trials: valid [1], train [2, 3, 4]; T = 5, 2 neurons.
 */
const TORCH_FIXTURE = String.raw`
import os
inp = os.path.join(D, 'tin'); out = os.path.join(D, 'tout')
os.makedirs(inp); os.makedirs(out)
n, T, nN, F, G, U, I, C = 4, 5, 2, 3, 4, 2, 3, 6
valid, train = [1], [2, 3, 4]
with h5py.File(os.path.join(inp, 'inputInfo_dataset003.h5'), 'w') as f:
    f['trainInds'] = np.array(train, dtype='f8'); f['validInds'] = np.array(valid, dtype='f8')
    f['paramInputDataHash'] = 'abcdef'
    f['conditionId'] = np.array(['left', 'right', 'left', 'right'], dtype=h5py.string_dtype())
with h5py.File(os.path.join(out, 'lfads_output_lfads_dataset003.h5'), 'w') as f:
    f['conversion_factor'] = 0.5
    for split, inds in (('train', train), ('valid', valid)):
        o = np.array(inds) - 1
        e = o[:, None, None].astype('f4'); t = np.arange(T)[None, :, None]
        def put(k, v): f.create_dataset(split + '_' + k, data=np.asarray(v, dtype='f4'), compression='gzip')
        put('encod_data', np.ones((len(o), T, nN)))
        put('recon_data', np.ones((len(o), T, nN)))
        put('truth', 0.02 * (e + 1) + 0.0 * t + np.zeros((1, 1, nN)))
        put('output_params', 0.01 * (e + 1) + 0.001 * t + 0.0001 * np.arange(nN)[None, None, :])
        put('factors', e * 100 + t * 10 + np.arange(F)[None, None, :])
        put('gen_states', 1000 + e * 100 + t * 10 + np.arange(G)[None, None, :])
        put('gen_init', o[:, None] * 10 + np.arange(G)[None, :])
        put('co_means', e * 100 + t * 10 + np.arange(U)[None, None, :] + 0.25)
        put('co_stds', 0.5 + 0 * e + np.zeros((1, T, U)))
        put('ic_mean', o[:, None] * 10 + np.arange(I)[None, :])
        put('ic_std', np.full((len(o), I), 0.5))
        put('gen_inputs', e + np.zeros((1, T, U)))
        put('con_states', e + np.zeros((1, T, C)))
`;

const close = (a: number, b: number, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe("loadPosteriorMeans", { skip }, () => {
  let dir = "";
  let cleanup = () => {};
  const warnings: string[] = [];
  let prevSink: (m: string) => void = () => {};
  before(() => {
    ({ dir, cleanup } = tempDir("posterior"));
    python(TF_FIXTURE, dir);
    python(TORCH_FIXTURE, dir);
    prevSink = setWarningSink((m) => warnings.push(m));
  });
  after(() => {
    setWarningSink(prevSink);
    cleanup();
  });
  const tfOpts = () => ({ outputDir: path.join(dir, "out"), inputDir: path.join(dir, "in"), spikeBinMs: 2 });

  test("TF files: trials re-assembled into the original order, rates in spikes/s, missing trials NaN", async () => {
    warnings.length = 0;
    setWarningSink((m) => warnings.push(m));
    const [pm] = (await loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset001"], dataHash: "data_4MaTKO" })) as [PosteriorMeans];
    assert.deepEqual(warnings, []);
    assert.equal(pm.format, "tf");
    assert.equal(pm.kind, "posterior_sample_and_average");
    assert.deepEqual([pm.nTrials, pm.T, pm.nNeurons, pm.nFactors, pm.nGeneratorUnits, pm.nControllerOutputs], [7, 4, 3, 2, 4, 1]);
    assert.deepEqual([...pm.trainInds], [1, 2, 3, 4, 6]);
    assert.deepEqual([...pm.validInds], [0, 5]);
    assert.deepEqual([...pm.trialHasOutput], [1, 1, 1, 1, 1, 0, 1]);
    assert.deepEqual([...pm.validMask], [1, 0, 0, 0, 0, 1, 0]);
    assert.deepEqual([...pm.time], [0, 2, 4, 6]);
    assert.equal(pm.rebin, 2);
    for (let o = 0; o < 7; o++) {
      for (let t = 0; t < 4; t++) {
        for (let n = 0; n < 3; n++) {
          const r = pm.rates.data[(o * 4 + t) * 3 + n]!;
          if (o === 5) assert.ok(Number.isNaN(r), `rate of the unsampled trial is NaN`);
          else assert.ok(close(r, (0.01 * (o + 1) + 0.001 * t + 0.0001 * n) * 1000 / 2), `rates[${o},${t},${n}] = ${r}`);
        }
        for (let f = 0; f < 2; f++) {
          const v = pm.factors.data[(o * 4 + t) * 2 + f]!;
          if (o === 5) assert.ok(Number.isNaN(v));
          else assert.equal(v, o * 100 + t * 10 + f);
        }
        if (o !== 5) {
          assert.equal(pm.generatorStates!.data[(o * 4 + t) * 4 + 3], 1000 + o * 100 + t * 10 + 3);
          assert.equal(pm.controllerOutputs!.data[o * 4 + t], -(o * 100 + t * 10));
        }
      }
      const expect = (v: number) => (o === 5 ? NaN : v);
      assert.deepEqual([...pm.generatorIcs!.data.subarray(o * 4, o * 4 + 4)], [0, 1, 2, 3].map((g) => expect(o * 10 + g)));
      assert.deepEqual([...pm.postG0Mean!.data.subarray(o * 3, o * 3 + 3)], [0, 1, 2].map((i) => expect(o * 10 + i + 0.5)));
      assert.deepEqual([...pm.postG0Logvar!.data.subarray(o * 3, o * 3 + 3)], [0, 1, 2].map((i) => expect(0 - (o * 10 + i)) + 0));
      assert.deepEqual([pm.costs![o], pm.nllBoundVaes![o], pm.nllBoundIwaes![o]], [expect(o * 1.5), expect(o * 2), expect(o * 3)]);
    }
    assert.deepEqual(pm.generatorIcs!.shape, [7, 4]);
    assert.ok(pm.rates.data instanceof Float32Array && pm.costs instanceof Float64Array);
    // Sidecar fields: raw counts at the original binning, truth summed into 2-ms bins.
    assert.deepEqual(pm.rawCounts!.shape, [7, 8, 3]);
    assert.equal(pm.rawCounts!.data[(2 * 8 + 5) * 3 + 1], ((2 * 8 + 5) * 3 + 1) % 3);
    const tr = (o: number, t: number, n: number) => 0.1 + 0.01 * ((o * 8 + t) * 3 + n);
    assert.deepEqual(pm.truth!.shape, [7, 4, 3]);
    assert.ok(close(pm.truth!.data[(3 * 4 + 2) * 3 + 1]!, tr(3, 4, 1) + tr(3, 5, 1)));
    const cpb = pm.countsPerBin();
    assert.deepEqual(cpb.shape, [7, 4, 3]);
    assert.equal(cpb.data[(1 * 4 + 3) * 3 + 2], (((1 * 8 + 6) * 3 + 2) % 3) + (((1 * 8 + 7) * 3 + 2) % 3));
    assert.ok(close(pm.ratesPerBin().data[(6 * 4 + 1) * 3]!, 0.01 * 7 + 0.001));
    assert.deepEqual(pm.conditionIds, [1, 2, 1, 2, 1, 2, 1]);
    assert.match(inspect(pm), /rates: \[7 × 4 × 3\] spikes\/s/);
  });

  test("conditionAverage averages the trials of each condition and skips NaN trials", async () => {
    const [pm] = (await loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset001"] })) as [PosteriorMeans];
    const avg = pm.conditionAverage("factors");
    assert.deepEqual(avg.conditions, [1, 2]);
    assert.deepEqual([...avg.nTrialsByCondition], [4, 3]);
    assert.deepEqual(avg.value.shape, [2, 4, 2]);
    // condition 1: trials 0, 2, 4, 6 → mean 300; condition 2: trials 1, 3 (5 is NaN) → mean 200.
    assert.equal(avg.value.data[(0 * 4 + 1) * 2 + 1], 300 + 10 + 1);
    assert.equal(avg.value.data[(1 * 4 + 2) * 2 + 0], 200 + 20);
    const costs = pm.conditionAverage("costs");
    assert.deepEqual([...costs.value], [(0 + 2 + 4 + 6) * 1.5 / 4, (1 + 3) * 1.5 / 2]);
    const ics = pm.conditionAverage("generatorIcs", ["a", "a", "a", "b", "b", "b", "b"]);
    assert.deepEqual(ics.conditions, ["a", "b"]);
    assert.deepEqual(ics.value.shape, [2, 4]);
    assert.equal(ics.value.data[4], (30 + 40 + 60) / 3);
  });

  test("a data hash other than the sidecar's is warned about, once, naming both hashes", async () => {
    warnings.length = 0;
    setWarningSink((m) => warnings.push(m));
    await loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset001"], dataHash: "data_XXXXXX" });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /inputInfo_dataset001\.h5 \(4MaTKO\) does not match this run's data hash \(XXXXXX\)/);
  });

  test("old '…_posterior_sample' names are the fallback; several datasets concatenate over trials", async () => {
    const pms = await loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset001", "dataset002.h5"], dataHash: "4MaTKO" });
    assert.equal(pms.length, 2);
    const [a, b] = pms as [PosteriorMeans, PosteriorMeans];
    assert.equal(b.datasetName, "dataset002");
    assert.deepEqual([...b.datasetIndexByTrial], [1, 1, 1, 1, 1]);
    assert.equal(b.factors.data[(4 * 4 + 3) * 2 + 1], 400 + 30 + 1);
    const all = concatenateOverTrials(pms);
    assert.equal(all.nTrials, 12);
    assert.deepEqual([...all.datasetIndexByTrial], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert.deepEqual([...all.validInds], [0, 5, 7]);
    assert.deepEqual([...all.trainInds], [1, 2, 3, 4, 6, 8, 9, 10, 11]);
    assert.equal(all.factors.data[(8 * 4 + 2) * 2], 100 + 20);
    assert.deepEqual(all.rawCounts!.shape, [12, 8, 3]);
    assert.equal(all.costs!.length, 12);
    assert.deepEqual(concatenateField([a, b], "generatorIcs").shape, [12, 4]);
  });

  test("lfads-torch output is detected and read into the same layout", async () => {
    const [pm] = (await loadPosteriorMeans({ outputDir: path.join(dir, "tout"), inputDir: path.join(dir, "tin"), datasetNames: ["dataset003"], spikeBinMs: 10 })) as [PosteriorMeans];
    assert.equal(pm.format, "lfads-torch");
    assert.deepEqual([pm.nTrials, pm.T, pm.nNeurons, pm.nFactors, pm.nGeneratorUnits, pm.nControllerOutputs], [4, 5, 2, 3, 4, 2]);
    assert.deepEqual([...pm.time], [10, 20, 30, 40, 50]);
    for (let o = 0; o < 4; o++) {
      assert.ok(close(pm.rates.data[(o * 5 + 2) * 2 + 1]!, (0.01 * (o + 1) + 0.002 + 0.0001) * 100), `rates of trial ${o}`);
      assert.equal(pm.factors.data[(o * 5 + 4) * 3 + 2], o * 100 + 40 + 2);
      assert.equal(pm.controllerOutputs!.data[(o * 5 + 1) * 2 + 1], o * 100 + 10 + 1 + 0.25);
      assert.equal(pm.generatorIcs!.data[o * 4 + 3], o * 10 + 3);
      assert.equal(pm.postG0Mean!.data[o * 3 + 2], o * 10 + 2);
      assert.ok(close(pm.postG0Logvar!.data[o * 3]!, 2 * Math.log(0.5), 1e-12));
      assert.ok(close(pm.truth!.data[(o * 5 + 3) * 2]!, (0.02 * (o + 1)) / 0.5), "truth divided by conversion_factor");
    }
    assert.deepEqual(pm.controllerOutputStds!.shape, [4, 5, 2]);
    assert.deepEqual(pm.controllerStates!.shape, [4, 5, 6]);
    assert.deepEqual(pm.generatorInputs!.shape, [4, 5, 2]);
    assert.equal(pm.costs, undefined);
    assert.deepEqual(pm.conditionIds, ["left", "right", "left", "right"]);
    assert.deepEqual(pm.conditionAverage("factors").conditions, ["left", "right"]);
  });

  test("missing files and unknown kinds are errors that name the file, the kind and what writes it", async () => {
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset001"], kind: "posterior_push_mean" }), (e: Error) =>
      e instanceof LayoutError && e.message.includes(path.join(dir, "out", "model_runs_dataset001.h5_train_posterior_push_mean")) && /posterior-mean sampling/.test(e.message) && /--kind=posterior_push_mean/.test(e.message));
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset001"], kind: "prior_sample" }), (e: Error) =>
      e instanceof ParamError && /"prior_sample" is unknown/.test(e.message) && /posterior_sample_and_average, posterior_push_mean/.test(e.message));
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset001"], kind: "posterior_push_meen" }), /Did you mean 'posterior_push_mean'/);
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(), datasetNames: ["dataset009"] }), (e: Error) =>
      e instanceof LayoutError && /model_runs_dataset009\.h5_train_posterior_sample_and_average or .*model_runs_dataset009\.h5_train_posterior_sample/.test(e.message) && /lfads_output_dataset009\.h5/.test(e.message));
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(), inputDir: path.join(dir, "nowhere"), datasetNames: ["dataset001"] }), (e: Error) =>
      e instanceof LayoutError && e.message.includes(path.join(dir, "nowhere", "inputInfo_dataset001.h5")) && /prepare/.test(e.message));
    const lone = path.join(dir, "lone");
    fs.mkdirSync(lone);
    fs.copyFileSync(path.join(dir, "out", "model_runs_dataset001.h5_train_posterior_sample_and_average"), path.join(lone, "model_runs_dataset001.h5_train_posterior_sample_and_average"));
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(), outputDir: lone, datasetNames: ["dataset001"] }), (e: Error) =>
      e instanceof LayoutError && /validation posterior means for dataset dataset001 not found/.test(e.message) && e.message.includes("model_runs_dataset001.h5_valid_posterior_sample_and_average"));
    await assert.rejects(loadPosteriorMeans({ ...tfOpts(), outputDir: path.join(dir, "tout"), inputDir: path.join(dir, "tin"), datasetNames: ["dataset003"], format: "tf" }), LayoutError);
  });
});

test("time vector: seq_timeVector(1:rebin:end) truncated to T, continued past its end, or (1:T)·spikeBinMs", () => {
  const tv = Float64Array.from({ length: 10 }, (_, i) => i);
  assert.deepEqual([...timeVector({ seqTimeVector: tv, seqBinSizeMs: 1, file: "f" }, 3, 3)], [0, 3, 6]);
  assert.deepEqual([...timeVector({ seqTimeVector: tv, seqBinSizeMs: 1, file: "f" }, 3, 5)], [0, 3, 6, 9, 12]);
  assert.deepEqual([...timeVector({ seqTimeVector: tv, file: "f" }, 2, 2)], [0, 2], "input bin width from the vector's spacing");
  assert.deepEqual([...timeVector({ file: "f" }, 5, 3)], [5, 10, 15]);
  assert.throws(() => timeVector({ seqTimeVector: tv, seqBinSizeMs: 2, file: "f" }, 3, 3), /spikeBinMs 3 is not a whole multiple of the input bin width 2 ms/);
});

describe("input info sidecar", { skip }, () => {
  test("writeInputInfo (h5wasm) → readInputInfo round trip, 1-based on disk, and h5py reads it", async () => {
    const { dir, cleanup } = tempDir("inputinfo");
    try {
      const file = path.join(dir, "inputInfo_dataset001.h5");
      const counts = { data: Uint8Array.from({ length: 3 * 4 * 2 }, (_, i) => i % 2), shape: [3, 4, 2] as const };
      await writeInputInfo(file, {
        trainInds: [1, 2], validInds: [0], paramInputDataHash: "data_4MaTKO", seqTimeVector: [0, 1, 2, 3], seqBinSizeMs: 1,
        conditionIds: ["a", "b", "a"], counts,
      });
      const info = await readInputInfo(file);
      assert.deepEqual([...info.trainInds], [1, 2]);
      assert.deepEqual([...info.validInds], [0]);
      assert.equal(info.paramInputDataHash, "4MaTKO");
      assert.deepEqual(info.conditionIds, ["a", "b", "a"]);
      assert.deepEqual([...info.seqTimeVector!], [0, 1, 2, 3]);
      assert.equal(info.seqBinSizeMs, 1);
      assert.deepEqual([...info.counts!.data], [...counts.data]);
      python(`f = h5py.File(D + '/inputInfo_dataset001.h5', 'r')
assert list(f['trainInds'][()]) == [2.0, 3.0], f['trainInds'][()]
assert f['paramInputDataHash'][()].decode() == '4MaTKO'
assert f['counts'].shape == (3, 4, 2)`, dir);
    } finally {
      cleanup();
    }
  });

  test("bad indices are rejected naming the field and the entry", async () => {
    const { dir, cleanup } = tempDir("inputinfo-bad");
    try {
      python(`with h5py.File(D + '/a.h5', 'w') as f:
    f['trainInds'] = np.array([0.0, 2.0]); f['validInds'] = np.array([3.0])
with h5py.File(D + '/b.h5', 'w') as f:
    f['trainInds'] = np.array([1.0, 2.0]); f['validInds'] = np.array([2.0])
with h5py.File(D + '/c.h5', 'w') as f:
    f['trainInds'] = np.array([1.0, 2.0]); f['validInds'] = np.array([3.0]); f['counts'] = np.zeros((2, 4, 1))`, dir);
      await assert.rejects(readInputInfo(path.join(dir, "a.h5")), /'trainInds' in .* must hold 1-based integer trial indices; entry 0 is 0/);
      await assert.rejects(readInputInfo(path.join(dir, "b.h5")), /trial 2 appears twice/);
      await assert.rejects(readInputInfo(path.join(dir, "c.h5")), /'counts' in .* has 2 trials \(first axis\) but trainInds \+ validInds list 3/);
    } finally {
      cleanup();
    }
  });
});
