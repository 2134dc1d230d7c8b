// Bad dataset inputs that used to pass silently or mislead (issue #16 item 4): each is fed to the real
// checks and the message is read for the field, the value and the fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { array3d, checkDatasetData, Dataset, DatasetCollection, DataError, ParamError, RunParams, ShapeError, parseAlignmentExtraArgs, setWarningSink } from "../../src/index.js";
import type { Nested3D } from "../../src/index.js";

/** counts[trial][channel][bin] = trial + 10·channel + 100·bin, as nested arrays and as an Array3D. */
function both(nTrials: number, nCh: number, nTime: number): { nested: number[][][]; flat: ReturnType<typeof array3d> } {
  const nested = Array.from({ length: nTrials }, (_, i) => Array.from({ length: nCh }, (_, j) => Array.from({ length: nTime }, (_, k) => i + 10 * j + 100 * k)));
  const data = new Float64Array(nested.flat(2));
  return { nested, flat: array3d(data, [nTrials, nCh, nTime]) };
}

function ones(nTrials: number, nCh: number, nTime: number): ReturnType<typeof array3d> {
  return array3d(new Float64Array(nTrials * nCh * nTime).fill(1), [nTrials, nCh, nTime]);
}

function throwsWith(fn: () => unknown, cls: new (m: string) => Error, patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof cls, `${e.name}: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

/** Warnings emitted while `fn` runs. */
async function warningsOf(fn: () => Promise<unknown> | unknown): Promise<string[]> {
  const seen: string[] = [];
  const prev = setWarningSink((m) => seen.push(m));
  try {
    await fn();
  } finally {
    setWarningSink(prev);
  }
  return seen;
}

test("timeVecMs of the wrong length: the field, both lengths and the fix", () => {
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), timeVecMs: [1, 2, 3] }), ShapeError, [
    /Dataset d1: timeVecMs has 3 entries but counts has nTime = 4 time bins/,
    /\[nTrials, nChannels, nTime\] = \[2, 3, 4\]/,
    /give one time in ms per bin of counts' last axis, or leave timeVecMs out \(default 1\.\.4\)/,
  ]);
});

test("reconCounts: wrong trials or fewer channels/bins, non-counts, and a leading block that is not counts are refused, naming the field and the fix", () => {
  const recon = (n: number, c: number, t: number, f: (i: number) => number = () => 1) => array3d(Float64Array.from({ length: n * c * t }, (_, i) => f(i)), [n, c, t]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), reconCounts: recon(2, 2, 6) }), ShapeError, [
    /Dataset d1: size\(reconCounts\) \[2, 2, 6\] must have counts' 2 trials and at least its 3 channels and 4 time bins/,
    /\[nTrials, nChannels \+ nHeldout, nTime \+ nForward\]/,
  ]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), reconCounts: recon(2, 4, 6, (i) => (i === 7 ? 0.5 : 1)) }), DataError, [/reconCounts must hold non-negative integer counts; found 0\.5 at \[trial 1, index 2, time bin 2\]/]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), reconCounts: recon(2, 4, 6, (i) => (i === 24 ? 2 : 1)) }), DataError, [
    /reconCounts\[trial 2, channel 1, bin 1\] \(1-based\) is 2 but counts has 1 there/, /leading \[nChannels, nTime\] block of reconCounts must be counts itself/,
  ]);
  const ok = checkDatasetData("d1", { counts: ones(2, 3, 4), reconCounts: recon(2, 4, 6) });
  assert.deepEqual(ok.reconCounts?.shape, [2, 4, 6]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), recon_data: recon(2, 4, 6) }), DataError, [/unknown field 'recon_data' \(did you mean 'reconCounts'\?\)/]);
});

test("behavior: wrong trials or bins, non-numeric and infinite values are refused, naming the field and the fix; NaN bins pass", () => {
  const beh = (n: number, c: number, t: number, f: (i: number) => number = (i) => i / 10) => array3d(Float64Array.from({ length: n * c * t }, (_, i) => f(i)), [n, c, t]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), behavior: beh(3, 2, 4) }), ShapeError, [
    /Dataset d1: size\(behavior\) \[3, 2, 4\] must match counts \[2, 3, 4\] along trials and time/, /\[nTrials, nBehaviorChannels, nTime\]/,
  ]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), behavior: beh(2, 2, 5) }), ShapeError, [/size\(behavior\) \[2, 2, 5\] must match counts \[2, 3, 4\]/]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), behavior: [[[0, 1, "x", 3]], [[0, 1, 2, 3]]] as unknown as Nested3D }), ShapeError, [
    /Dataset d1: behavior\[0\]\[0\]\[2\] is "x" \(string\); every entry must be a number/,
  ]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), behavior: { data: [1, 2], shape: [2, 1, 4] } }), ShapeError, [/Dataset d1: behavior must be a 3-D array/, /array3d\(data, \[nTrials, nBehaviorChannels, nTime\]\)/]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), behavior: beh(2, 2, 4, (i) => (i === 9 ? -Infinity : 0)) }), DataError, [
    /behavior has an infinite value \(-Infinity at \[trial 2, index 1, time bin 2\] \(1-based\)\); mark unusable bins with NaN instead/,
  ]);
  const ok = checkDatasetData("d1", { counts: ones(2, 3, 4), behavior: beh(2, 2, 4, (i) => (i === 3 ? NaN : i)) });
  assert.deepEqual(ok.behavior?.shape, [2, 2, 4]);
  assert.ok(Number.isNaN(ok.behavior!.data[3]!) && ok.behavior!.data[4] === 4, "NaN marks an unusable bin and is kept");
  throwsWith(() => checkDatasetData("d1", { counts: ones(2, 3, 4), behaviour: beh(2, 2, 4) }), DataError, [/unknown field 'behaviour' \(did you mean 'behavior'\?\)/]);
});

test("a non-uniform time vector is refused, naming the steps, the entries and the fix", () => {
  throwsWith(() => checkDatasetData("d1", { counts: ones(1, 1, 5), timeVecMs: [0, 2, 4, 7, 9] }), DataError, [
    /Dataset d1: timeVecMs is not uniformly spaced/,
    /steps by 2 ms at first but by 3 ms from entry 3 to 4 \(4 → 7, 1-based\)/,
    /give one time per bin at a constant step/,
  ]);
  // A later step going backwards is not uniform either.
  throwsWith(() => checkDatasetData("d1", { counts: ones(1, 1, 3), timeVecMs: [0, 1, 0.5] }), DataError, [/by -0\.5 ms from entry 2 to 3/]);
  // Float noise of decimal steps is not an error: 0.1-ms bins from 1000 ms on.
  const t = Array.from({ length: 50 }, (_, i) => 1000 + i * 0.1);
  assert.ok(Math.abs(checkDatasetData("d1", { counts: ones(1, 1, 50), timeVecMs: t }).binWidthMs - 0.1) < 1e-9);
});

test("a misspelt field such as timeVectorMs is refused with the field's real name, not ignored", () => {
  throwsWith(() => checkDatasetData("d1", { counts: ones(1, 1, 3), timeVectorMs: [1, 2, 4] }), DataError, [
    /Dataset d1: the loader returned an unknown field 'timeVectorMs' \(did you mean 'timeVecMs'\?\)/,
    /rename it to 'timeVecMs'/,
  ]);
  throwsWith(() => checkDatasetData("d1", { spikes: ones(1, 1, 3) }), DataError, [/unknown field 'spikes' \(did you mean 'counts'\?\)/]);
  throwsWith(() => checkDatasetData("d1", { counts: ones(1, 1, 3), zzz: 1 }), DataError, [/unknown field 'zzz'; remove it — the fields are counts, timeVecMs/]);
  // A checked result handed back by a loader (its derived fields included) is accepted as it is.
  const checked = checkDatasetData("d1", { counts: ones(1, 1, 3), timeVecMs: [0, 5, 10] });
  assert.equal(checkDatasetData("d1", checked).binWidthMs, 5);
});

test("nested arrays counts[trial][neuron][bin] are accepted: converted once, equal to the array3d form", async () => {
  const { nested, flat } = both(3, 2, 4);
  const truth: Nested3D = nested.map((tr) => tr.map((row) => Float64Array.from(row, (v) => v + 0.5)));
  const d = checkDatasetData("d1", { counts: nested, truth, externalInputs: [[[1, 2, 3, 4]], [[5, 6, 7, 8]], [[9, 10, 11, 12]]] });
  assert.deepEqual(d.counts.shape, [3, 2, 4]);
  assert.deepEqual([...d.counts.data], [...flat.data]);
  assert.deepEqual([...d.truth!.data], [...flat.data].map((v) => v + 0.5));
  assert.deepEqual(d.externalInputs!.shape, [3, 1, 4]);

  // Through a Dataset's loader, typed by DatasetData (as a notebook cell is).
  const dc = new DatasetCollection("/nonexistent", "c");
  const ds = new Dataset(dc, "nested", { load: () => ({ counts: nested, timeVecMs: [0, 10, 20, 30] }) });
  const loaded = await ds.loadData();
  assert.deepEqual([ds.nTrials, ds.nChannels, loaded.binWidthMs], [3, 2, 10]);
});

test("ragged or non-numeric nested arrays: the first bad index is named", () => {
  const { nested } = both(3, 2, 4);
  const shortTrial = nested.map((tr, i) => (i === 2 ? tr.slice(0, 1) : tr));
  throwsWith(() => checkDatasetData("d1", { counts: shortTrial }), ShapeError, [/^Dataset d1: counts\[2\] has 1 entry but counts\[0\] has 2; nested arrays must be rectangular$/]);
  const shortRow = nested.map((tr, i) => tr.map((row, j) => (i === 1 && j === 1 ? row.slice(0, 3) : row)));
  throwsWith(() => checkDatasetData("d1", { counts: shortRow }), ShapeError, [/^Dataset d1: counts\[1\]\[1\] has 3 entries but counts\[0\]\[0\] has 4;/]);
  const text = nested.map((tr, i) => tr.map((row, j) => row.map((v, k) => (i === 0 && j === 1 && k === 2 ? "7" : v))));
  throwsWith(() => checkDatasetData("d1", { counts: text }), ShapeError, [/counts\[0\]\[1\]\[2\] is "7" \(string\); every entry must be a number/]);
  throwsWith(() => checkDatasetData("d1", { counts: [[1, 2, 3]] }), ShapeError, [/counts\[i\]\[j\]\[k\]/, /a 2-level array/]);
  // Converted nested arrays still go through the counts checks.
  throwsWith(() => checkDatasetData("d1", { counts: [[[0, 0.5]]] }), DataError, [/non-negative integer spike counts, got 0\.5/]);
});

test("the error for a wrong counts object points at array3d, which lfads-ts exports", () => {
  throwsWith(() => checkDatasetData("d1", { counts: { data: [1, 2], shape: [1, 1, 2] } }), ShapeError, [
    /nested arrays counts\[trial\]\[channel\]\[bin\]/,
    /build it with array3d\(data, \[nTrials, nChannels, nTime\]\) from "lfads-ts"/,
  ]);
  assert.equal(typeof array3d, "function", "array3d is exported by the lfads-ts entry");
});

test("neurons without a single spike: one warning per dataset naming them (0-based) and how many", async () => {
  const counts = ones(2, 5, 3);
  for (const j of [1, 4]) for (let i = 0; i < 2; i++) counts.data.fill(0, (i * 5 + j) * 3, (i * 5 + j + 1) * 3);
  const dc = new DatasetCollection("/nonexistent", "c");
  const ds = new Dataset(dc, "quiet", { load: () => ({ counts }) });
  const other = new Dataset(dc, "fine", { load: () => ({ counts: ones(2, 5, 3) }) });
  const seen = await warningsOf(async () => {
    await ds.loadData();
    await ds.loadData({ reload: true });
    await other.loadData();
  });
  assert.equal(seen.length, 1, seen.join("\n"));
  assert.match(seen[0]!, /^Dataset quiet: 2 of 5 neurons have no spikes in any trial \(0-based channel indices 1, 4\); /);
  assert.match(seen[0]!, /drop them in the loader/);
});

test("alignmentExtraArgs takes MATLAB's {'ridgeNormalizeEach', true}: a logical inside the cell", () => {
  const p = new RunParams({ alignmentExtraArgs: ["ridgeNormalizeEach", true] });
  assert.deepEqual(p.alignmentExtraArgs, ["ridgeNormalizeEach", true]);
  assert.equal(parseAlignmentExtraArgs(p.alignmentExtraArgs).ridgeNormalizeEach, true);
  assert.equal(parseAlignmentExtraArgs(new RunParams({ alignmentExtraArgs: ["useRidgeRegression", false] }).alignmentExtraArgs).useRidgeRegression, false);
  throwsWith(() => new RunParams({ alignmentExtraArgs: ["ridgeNormalizeEach", null as unknown as boolean] }), ParamError, [
    /RunParams\.alignmentExtraArgs: invalid value \["ridgeNormalizeEach",null\]/,
    /strings, numbers and true\/false \(a MATLAB cell\), e\.g\. \['ridgeNormalizeEach', true\]/,
  ]);
});

test("batch-size helpers of the collection follow the rule training applies (more trials than the batch in each split)", async () => {
  const dc = new DatasetCollection("/nonexistent", "c");
  for (const n of [10, 11, 16]) new Dataset(dc, `d${n}`, { load: () => ({ counts: ones(n, 1, 2) }) });
  // 10 trials: 8 train / 2 valid, so batch 1; MATLAB's floor(10 / 5) = 2 would be refused by training.
  assert.deepEqual(await dc.computeMaxBatchSizeForTrainToRatio(4), { maxBatchSize: 1, minTrials: 10 });
  // A batch of 2 needs 11 trials (3 valid), a batch of 3 needs 16 (4 valid).
  await dc.filterHavingMinimumTrialsForBatchSize([{ c_batch_size: 2, trainToTestRatio: 4 }]);
  assert.deepEqual(dc.datasetNames, ["d11", "d16"]);
  await dc.filterHavingMinimumTrialsForBatchSize([{ c_batch_size: 3, trainToTestRatio: 4 }]);
  assert.deepEqual(dc.datasetNames, ["d16"]);
});
