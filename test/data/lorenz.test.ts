import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParamError } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { forEachLorenzDataset, generateLorenzDatasets, lorenzTrajectories, simulateLorenz, type LorenzOptions } from "../../src/data/lorenz.js";
import { readArray, readH5 } from "../../src/io/h5.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-lorenz-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

const SMALL: LorenzOptions = {
  nDatasets: 2,
  nConditions: 16,
  nTime: 400,
  minTrialsPerCondition: 3,
  maxTrialsPerCondition: 5,
  minChannels: 8,
  maxChannels: 12,
  seed: 7,
  today: "2018-02-02",
  onProgress: () => {},
};

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

test("Euler step of the textbook Lorenz system (dy = x(rho - z) - y)", () => {
  const X = simulateLorenz([1, 2, 3], 2);
  const dt = 0.006;
  assert.deepEqual([X[0], X[2], X[4]], [1, 2, 3]);
  assert.ok(Math.abs(X[1]! - (1 + dt * 10 * (2 - 1))) < 1e-12);
  assert.ok(Math.abs(X[3]! - (2 + dt * (1 * (28 - 3) - 2))) < 1e-12);
  assert.ok(Math.abs(X[5]! - (3 + dt * (1 * 2 - (8 / 3) * 3))) < 1e-12);
});

test("trajectories: every trace centred, scaled into [-1, 1] with max |x| = 1", () => {
  const T = 400;
  const C = 16;
  const traj = lorenzTrajectories(SMALL);
  assert.equal(traj.length, 3 * T * C);
  for (let d = 0; d < 3; d++)
    for (let c = 0; c < C; c++) {
      let mean = 0;
      let maxAbs = 0;
      for (let t = 0; t < T; t++) {
        const v = traj[(d * T + t) * C + c]!;
        mean += v / T;
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }
      assert.ok(Math.abs(mean) < 1e-12, `trace ${d},${c} mean ${mean}`);
      assert.ok(Math.abs(maxAbs - 1) < 1e-12, `trace ${d},${c} max |x| ${maxAbs}`);
    }
});

test("statistics: 5 Hz median true rate, bounded peaks, spikes match rates, trials per condition", async () => {
  const rates: number[] = [];
  let spikeSum = 0;
  let pSum = 0;
  await forEachLorenzDataset(SMALL, (ds) => {
    assert.ok(ds.nChannels >= 8 && ds.nChannels <= 12);
    assert.ok(ds.trialsPerCondition >= 3 && ds.trialsPerCondition <= 5);
    assert.equal(ds.nTrials, 16 * ds.trialsPerCondition);
    const perCondition = new Map<number, number>();
    for (const c of ds.conditionId) perCondition.set(c, (perCondition.get(c) ?? 0) + 1);
    assert.deepEqual([...perCondition.keys()], Array.from({ length: 16 }, (_, i) => i + 1), "trials ordered condition by condition, 1-based");
    for (const n of perCondition.values()) assert.equal(n, ds.trialsPerCondition);
    // W: magnitudes in [1, 2), rows ascending by the first column; b = log(5/1000).
    for (let n = 0; n < ds.nChannels; n++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(ds.W[n * 3 + j]!) >= 1 && Math.abs(ds.W[n * 3 + j]!) < 2);
    for (let n = 1; n < ds.nChannels; n++) assert.ok(ds.W[n * 3]! >= ds.W[(n - 1) * 3]!);
    assert.ok(ds.b.every((v) => Math.abs(v - Math.log(0.005)) < 1e-12));
    // Trials of one condition share their true rates; only the spikes differ.
    const per = ds.nChannels * 400;
    assert.deepEqual(ds.trueRates.subarray(0, per), ds.trueRates.subarray(per, 2 * per));
    assert.notDeepEqual(ds.spikes.subarray(0, per), ds.spikes.subarray(per, 2 * per));
    for (let i = 0; i < ds.nTrials; i += ds.trialsPerCondition) for (let j = 0; j < per; j += 7) rates.push(ds.trueRates[i * per + j]! * 1000);
    for (let j = 0; j < ds.spikes.length; j++) {
      spikeSum += ds.spikes[j]!;
      pSum += -Math.expm1(-ds.trueRates[j]!);
    }
    assert.ok(ds.spikes.every((s) => s === 0 || s === 1));
    assert.deepEqual([...ds.timeMs.subarray(0, 3)], [0, 1, 2]);
  });
  const sorted = Float64Array.from(rates).sort();
  const median = quantile(sorted, 0.5);
  assert.ok(median > 3.5 && median < 7, `median true rate ${median} Hz, expected about 5 Hz`);
  assert.ok(quantile(sorted, 0.999) < 600, `99.9th percentile ${quantile(sorted, 0.999)} Hz`);
  // |W| < 2 on three traces in [-1, 1]: log-rate <= b + 6, i.e. at most 5·e^6 ≈ 2017 Hz (MATLAB's version reached e^20/ms).
  assert.ok(sorted[sorted.length - 1]! < 5 * Math.exp(6), `max ${sorted[sorted.length - 1]} Hz`);
  // Binary spikes are Bernoulli(1 - e^-rate): the count matches its expectation within 5 sigma.
  assert.ok(Math.abs(spikeSum - pSum) < 5 * Math.sqrt(pSum), `spikes ${spikeSum} vs expected ${pSum}`);
});

test("files: fields and shapes as h5py sees them, dates counted back from today, loadable as datasets", async () => {
  const dir = path.join(tmp, "a");
  const out = await generateLorenzDatasets(dir, SMALL);
  assert.deepEqual(out.map((o) => o.name), ["dataset001", "dataset002"]);
  assert.deepEqual(out.map((o) => o.datetime), ["2018-02-01", "2018-02-02"]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["dataset001.h5", "dataset002.h5"], "no temp files left behind");
  const o = out[0]!;
  await readH5(o.file, (f) => {
    const shape = (k: string): number[] => readArray(f, k).shape;
    assert.deepEqual(shape("spikes"), [o.nTrials, o.nChannels, 400]);
    assert.deepEqual(shape("true_rates"), [o.nTrials, o.nChannels, 400]);
    assert.deepEqual(shape("timeMs"), [400]);
    assert.deepEqual(shape("conditionId"), [o.nTrials]);
    assert.deepEqual(shape("W"), [o.nChannels, 3]);
    assert.deepEqual(shape("b"), [o.nChannels]);
    assert.deepEqual(shape("lorenz_trajectories"), [3, 400, 16]);
    assert.equal((f.get("subject") as { value: unknown }).value, "lorenz_example");
    assert.equal((f.get("datetime") as { value: unknown }).value, "2018-02-01");
  });
  const dc = new DatasetCollection(dir, "lorenz_example");
  const ds = new Dataset(dc, "dataset001.h5");
  const d = await ds.loadData();
  assert.equal(d.nTrials, o.nTrials);
  assert.equal(d.binWidthMs, 1);
  assert.equal(ds.subject, "lorenz_example");
  assert.equal(ds.datestr, "2018-02-01");
  assert.ok(d.truth);
  const table = await dc.infoTable();
  assert.deepEqual(table.rows.map((r) => [r.name, r.subject, r.date, r.nTrials, r.nChannels]), [["dataset001", "lorenz_example", "2018-02-01", o.nTrials, o.nChannels]]);
  const ds2 = new Dataset(dc, "dataset002.h5");
  const info2 = await ds2.loadInfo();
  assert.deepEqual([info2.nTrials, info2.nChannels, ds2.datestr], [out[1]!.nTrials, out[1]!.nChannels, "2018-02-02"]);
});

test("reproducible by seed: same seed → same contents; another seed → other spikes", async () => {
  const one = { ...SMALL, nDatasets: 1 };
  const a = await generateLorenzDatasets(path.join(tmp, "r1"), one);
  const b = await generateLorenzDatasets(path.join(tmp, "r2"), one);
  const c = await generateLorenzDatasets(path.join(tmp, "r3"), { ...one, seed: 8 });
  const read = (file: string): Promise<Record<string, number[]>> =>
    readH5(file, (f) => Object.fromEntries(["spikes", "true_rates", "W", "conditionId", "lorenz_trajectories"].map((k) => [k, Array.from(readArray(f, k).data)])));
  const [ra, rb, rc] = await Promise.all([read(a[0]!.file), read(b[0]!.file), read(c[0]!.file)]);
  assert.deepEqual(ra, rb);
  assert.notDeepEqual(ra.spikes, rc.spikes);
  assert.notDeepEqual(ra.W, rc.W);
});

test("options are validated with the name, value and fix", async () => {
  await assert.rejects(generateLorenzDatasets(tmp, { nDatasets: 0 }), (e: Error) => e instanceof ParamError && /nDatasets must be a positive integer, got 0/.test(e.message));
  await assert.rejects(generateLorenzDatasets(tmp, { minChannels: 9, maxChannels: 3 }), (e: Error) => e instanceof ParamError && /minChannels 9 > maxChannels 3; swap/.test(e.message));
  await assert.rejects(generateLorenzDatasets(tmp, { today: "yesterday-ish" }), (e: Error) => e instanceof ParamError && /today="yesterday-ish"/.test(e.message));
  await assert.rejects(generateLorenzDatasets(tmp, { meanFr: -5 }), (e: Error) => e instanceof ParamError && /meanFr must be a positive number, got -5/.test(e.message));
});
