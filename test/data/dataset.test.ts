import { test } from "node:test";
import assert from "node:assert/strict";
import * as util from "node:util";
import { array3d } from "../../src/core/array3d.js";
import { DataError, ParamError, ShapeError } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { checkDatasetData, datenumToDate, parseDatetime, type DatasetData } from "../../src/data/dataset-data.js";

function counts(nTrials: number, nCh: number, nTime: number, fill = 1): DatasetData["counts"] {
  return array3d(new Float64Array(nTrials * nCh * nTime).fill(fill), [nTrials, nCh, nTime]);
}

test("checkDatasetData fills defaults: time 1..nTime, 1-ms bins", () => {
  const d = checkDatasetData("ds", { counts: counts(2, 3, 4), conditionId: [1, 2] });
  assert.deepEqual([...d.timeVecMs], [1, 2, 3, 4]);
  assert.equal(d.binWidthMs, 1);
  assert.deepEqual([d.nTrials, d.nChannels, d.nTime], [2, 3, 4]);
  assert.ok(d.conditionId instanceof Float64Array);
  const s = checkDatasetData("ds", { counts: counts(2, 1, 3), timeVecMs: [0, 2, 4], conditionId: ["a", "b"] });
  assert.equal(s.binWidthMs, 2);
  assert.deepEqual(s.conditionId, ["a", "b"]);
});

test("checkDatasetData: every error names the dataset, the field, the value and a fix", () => {
  const bad: [unknown, new (m: string) => Error, RegExp[]][] = [
    [{}, DataError, [/Dataset d1/, /'counts'/, /array3d/]],
    [{ counts: { data: [1, 2], shape: [1, 1, 2] } }, ShapeError, [/counts/, /3-D array/, /an Array of length 2/]],
    [{ counts: { data: new Float64Array(4), shape: [2, 2] } }, ShapeError, [/counts must be a 3 dim tensor/, /\[2, 2\]/]],
    [{ counts: { data: new Float64Array(5), shape: [1, 2, 2] } }, ShapeError, [/5 values do not fill shape \[1, 2, 2\]/]],
    [{ counts: array3d(Float64Array.of(0, Number.NaN), [1, 1, 2]) }, DataError, [/NaN/, /time bin 2/, /replace missing bins/]],
    [{ counts: array3d(Float64Array.of(0, 0.25), [1, 1, 2]) }, DataError, [/non-negative integer/, /0\.25/, /not rates/]],
    [{ counts: array3d(Int32Array.of(0, -1), [1, 1, 2]) }, DataError, [/-1/, /trial 1/]],
    [{ counts: counts(1, 1, 3), timeVecMs: [1, 2] }, ShapeError, [/timeVecMs has 2 entries/, /nTime = 3/]],
    [{ counts: counts(1, 1, 2), timeVecMs: [1, Number.NaN] }, DataError, [/time vector timeVecMs has NaN/, /entry 2/]],
    [{ counts: counts(1, 1, 2), timeVecMs: [3, 1] }, DataError, [/must increase/, /-2 ms/]],
    [{ counts: counts(1, 1, 2), timeVecMs: "abc" }, ShapeError, [/numeric vector/, /string "abc"/]],
    [{ counts: counts(2, 1, 2), conditionId: [1] }, ShapeError, [/conditionId has 1 entries/, /nTrials = 2/]],
    [{ counts: counts(2, 1, 2), conditionId: [1, "a"] }, DataError, [/conditionId must be numbers or strings/]],
    [{ counts: counts(1, 1, 2), conditionId: [Number.NaN] }, DataError, [/conditionId has NaN/, /trial 1/]],
    [{ counts: counts(1, 2, 2), truth: counts(1, 1, 2) }, ShapeError, [/size\(truth\) \[1, 1, 2\]/, /size\(counts\) \[1, 2, 2\]/]],
    [{ counts: counts(1, 1, 2), truth: array3d(Float64Array.of(0.1, Number.NaN), [1, 1, 2]) }, DataError, [/truth has NaN/]],
    [{ counts: counts(2, 1, 3), externalInputs: counts(2, 4, 2) }, ShapeError, [/size\(externalInputs\) \[2, 4, 2\]/, /nTrials, nExtInputs, nTime/]],
    [{ counts: counts(1, 1, 2), externalInputs: array3d(Float64Array.of(Infinity, 0), [1, 1, 2]) }, DataError, [/externalInputs has NaN\/Inf/]],
  ];
  for (const [raw, cls, patterns] of bad) {
    assert.throws(
      () => checkDatasetData("d1", raw),
      (e: Error) => {
        assert.ok(e instanceof cls, `${JSON.stringify(raw, (_k, v: unknown) => (ArrayBuffer.isView(v) ? [...(v as Float64Array)] : v))}: got ${e.name}: ${e.message}`);
        assert.match(e.message, /Dataset d1/);
        for (const p of patterns) assert.match(e.message, p);
        return true;
      },
    );
  }
});

test("dates: ISO strings, Date objects and MATLAB datenums", () => {
  assert.equal(parseDatetime("2018-01-31")!.toISOString(), "2018-01-31T00:00:00.000Z");
  assert.equal(datenumToDate(737091).toISOString().slice(0, 10), "2018-01-31");
  assert.equal(parseDatetime(737091)!.toISOString().slice(0, 10), "2018-01-31");
  assert.equal(parseDatetime("not a date"), undefined);
  assert.equal(parseDatetime(""), undefined);
});

test("Dataset: name from relPath, path under the collection, single run name, lazy cached loading", async () => {
  const dc = new DatasetCollection("/data/lorenz_example/datasets");
  assert.equal(dc.name, "datasets");
  let calls = 0;
  const ds = new Dataset(dc, "dataset,001.mat", {
    load: () => {
      calls++;
      return { counts: counts(3, 2, 5, 0), subject: "monkey", datetime: "2018-01-31", saveTags: [1, 2] };
    },
  });
  assert.equal(ds.name, "dataset_001");
  assert.equal(ds.path, "/data/lorenz_example/datasets/dataset,001.mat");
  assert.equal(ds.getSingleRunName(), "single_dataset_001");
  assert.equal(ds.indexInCollection, 1);
  assert.equal(ds.infoLoaded, false);
  assert.ok(Number.isNaN(ds.nTrials));
  assert.equal(calls, 0, "nothing is loaded at construction");
  const info = await ds.loadInfo();
  assert.equal(calls, 1);
  assert.deepEqual({ ...info, datetime: info.datetime?.toISOString() }, { subject: "monkey", datetime: "2018-01-31T00:00:00.000Z", saveTags: [1, 2], nTrials: 3, nChannels: 2 });
  assert.equal(ds.loadedData, undefined, "loadInfo does not keep the data");
  assert.equal(ds.datestr, "2018-01-31");
  assert.equal(ds.datestrNoHyphen, "20180131");
  const a = await ds.loadData();
  const b = await ds.loadData();
  assert.equal(a, b);
  assert.equal(calls, 2);
  await ds.loadData({ reload: true });
  assert.equal(calls, 3);
  ds.releaseData();
  assert.equal(ds.loadedData, undefined);
  assert.equal(util.inspect(ds).split("\n")[0], 'LFADS.Dataset "dataset_001"');
});

test("Dataset: a subclass can override readData; loader errors name the dataset", async () => {
  class Synthetic extends Dataset {
    protected override readData(): DatasetData {
      return { counts: counts(4, 1, 2) };
    }
  }
  const dc = new DatasetCollection("/tmp/x", "synthetic");
  const s = new Synthetic(dc, "s1");
  assert.equal((await s.loadData()).nTrials, 4);
  const broken = new Dataset(dc, "broken.h5", { load: () => ({ counts: counts(1, 1, 1, 0.5) }) });
  await assert.rejects(broken.loadData(), (e: Error) => e instanceof DataError && /Dataset broken/.test(e.message));
});

test("DatasetCollection: add/replace, filters, name matching, info table and display", async () => {
  const dc = new DatasetCollection("/data/lorenz", "lorenz_example");
  const mk = (name: string, nTrials: number, nCh: number): Dataset =>
    new Dataset(dc, `${name}.h5`, { load: () => ({ counts: counts(nTrials, nCh, 2), subject: "lorenz_example", datetime: "2018-01-31", saveTags: [1] }) });
  const d1 = mk("dataset001", 30, 5);
  mk("dataset002", 10, 4);
  mk("dataset003", 20, 6);
  assert.deepEqual(dc.datasetNames, ["dataset001", "dataset002", "dataset003"]);

  const logged: string[] = [];
  const orig = console.log;
  console.log = (m: string) => logged.push(m);
  let d1b: Dataset;
  try {
    d1b = mk("dataset001", 40, 5);
  } finally {
    console.log = orig;
  }
  assert.deepEqual(logged, ["Replacing existing dataset with matching name dataset001"]);
  assert.equal(dc.nDatasets, 3);
  assert.equal(dc.datasets[0], d1b);
  assert.equal(d1.collection, undefined);

  assert.deepEqual(dc.matchDatasetsByName(["dataset003", "dataset001"]).indices, [3, 1]);
  assert.throws(() => dc.matchDatasetsByName(["dataset01", "nope"]), (e: Error) => e instanceof DataError && /Missing datasets dataset01, nope/.test(e.message));
  assert.throws(() => dc.matchDatasetsByName("datset002"), (e: Error) => /Did you mean 'dataset002'/.test(e.message));
  assert.deepEqual(dc.findDatasets([2, 3]).map((d) => d.name), ["dataset002", "dataset003"]);
  assert.throws(() => dc.findDatasets([4]), (e: Error) => e instanceof ParamError && /index 4 is out of range/.test(e.message) && /1\.\.3/.test(e.message));

  const table = await dc.infoTable();
  assert.deepEqual(table.rows[0], { name: "dataset001", subject: "lorenz_example", date: "2018-01-31", saveTags: "1", nTrials: 40, nChannels: 5 });
  const lines = table.text.split("\n");
  assert.match(lines[0]!, /^\s+subject\s+date\s+saveTags\s+nTrials\s+nChannels$/);
  assert.match(lines[2]!, /^dataset001\s+lorenz_example\s+2018-01-31\s+1\s+40\s+5$/);
  assert.equal(dc.infoLoaded, true);
  // 10 trials at ratio 4 split 8 train / 2 valid: a batch must be smaller than both (MATLAB's floor(10/5) = 2 is refused by training).
  assert.deepEqual(await dc.computeMaxBatchSizeForTrainToRatio(4), { maxBatchSize: 1, minTrials: 10 });
  assert.deepEqual(await dc.computeMaxBatchSizeForTrainToRatio(1), { maxBatchSize: 4, minTrials: 10 });

  assert.equal(
    util.inspect(dc),
    ['LFADS.DatasetCollection "lorenz_example"', "  3 datasets in /data/lorenz", '  [ 1] LFADS.Dataset "dataset001"', '  [ 2] LFADS.Dataset "dataset002"', '  [ 3] LFADS.Dataset "dataset003"'].join("\n"),
  );

  await dc.filterHavingMinimumTrials(15);
  assert.deepEqual(dc.datasetNames, ["dataset001", "dataset003"]);
  dc.filterDatasets([false, true]);
  assert.deepEqual(dc.datasetNames, ["dataset003"]);
  assert.throws(() => dc.filterDatasets([true, false]), (e: Error) => e instanceof ParamError && /one entry per item \(1\), got 2/.test(e.message));
});
