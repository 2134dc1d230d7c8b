import { test } from "node:test";
import assert from "node:assert/strict";
import { array3d } from "../../src/core/array3d.js";
import { DataError, ParamError, ShapeError } from "../../src/core/errors.js";
import { rebin, rebinFactor, rebinToLfadsLayout, rebinnedLength, splitTrainValid } from "../../src/data/rebin-split.js";

test("splitTrainValid: valid = every (r+1)-th trial from the first (MATLAB 1:(r+1):N)", () => {
  const s = splitTrainValid(12, 4);
  assert.deepEqual(s.validInds, [0, 5, 10]);
  assert.deepEqual(s.trainInds, [1, 2, 3, 4, 6, 7, 8, 9, 11]);
  // Reference §4.1 counts: 1560 → 312/1248, Lorenz dataset001 1820 → 364/1456.
  for (const [n, nv] of [[1560, 312], [1820, 364]] as const) {
    const x = splitTrainValid(n, 4);
    assert.equal(x.validInds.length, nv);
    assert.equal(x.trainInds.length, n - nv);
    assert.equal(x.validInds.length, Math.ceil(n / 5));
  }
  assert.deepEqual(splitTrainValid(5, 1), { trainInds: [1, 3], validInds: [0, 2, 4] });
});

test("splitTrainValid: every error names the value and the fix", () => {
  assert.throws(() => splitTrainValid(10, 0), (e: Error) => e instanceof DataError && /trainToTestRatio=0/.test(e.message) && /0 training/.test(e.message));
  assert.throws(() => splitTrainValid(1, 4), (e: Error) => e instanceof DataError && /1 trials/.test(e.message) && /at least 2 trials/.test(e.message));
  assert.throws(() => splitTrainValid(10, 1.5), (e: Error) => e instanceof ParamError && /trainToTestRatio/.test(e.message) && /1\.5/.test(e.message));
  assert.throws(() => splitTrainValid(-3, 4), (e: Error) => e instanceof ParamError && /nTrials/.test(e.message) && /-3/.test(e.message));
});

test("rebinFactor: integer ratios, float noise tolerated, §4.2 error otherwise", () => {
  assert.equal(rebinFactor(1, 2), 2);
  assert.equal(rebinFactor(0.1, 0.3), 3);
  assert.equal(rebinFactor(2, 2), 1);
  assert.throws(() => rebinFactor(2, 3), (e: Error) => e instanceof ParamError && /not divisible/.test(e.message) && /spikeBinMs=3/.test(e.message) && /2 ms/.test(e.message) && /ratio 1\.5/.test(e.message));
  assert.throws(() => rebinFactor(2, 1), (e: Error) => e instanceof ParamError && /spikeBinMs=1/.test(e.message));
  assert.throws(() => rebinFactor(0, 2), (e: Error) => e instanceof ParamError && /inputBinMs=0/.test(e.message) && /timeVecMs/.test(e.message));
  assert.throws(() => rebinFactor(1, Number.NaN), (e: Error) => e instanceof ParamError && /spikeBinMs must be a positive number/.test(e.message) && /NaN/.test(e.message));
  assert.throws(() => rebinnedLength(3, 5, "truth"), (e: Error) => e instanceof ShapeError && /truth/.test(e.message) && /3 input bins/.test(e.message) && /smaller spikeBinMs/.test(e.message));
});

test("rebin: truncate the trailing partial window and sum (known values)", () => {
  // [1 trial, 2 channels, 5 time bins], factor 2 → 2 bins, the 5th input bin dropped.
  const x = array3d(Float64Array.of(1, 2, 3, 4, 5, 10, 20, 30, 40, 50), [1, 2, 5]);
  const y = rebin(x, 1, 2);
  assert.deepEqual([...y.shape], [1, 2, 2]);
  assert.deepEqual([...y.data], [3, 7, 30, 70]);
  // Same with a 0.5-ms input bin and 1.5-ms output (factor 3).
  const z = rebin(x, 0.5, 1.5, "externalInputs");
  assert.deepEqual([...z.shape], [1, 2, 1]);
  assert.deepEqual([...z.data], [6, 60]);
  // Integer input arrays work too.
  const u = rebin(array3d(Uint8Array.of(1, 0, 1, 1), [1, 1, 4]), 1, 2);
  assert.deepEqual([...u.data], [1, 2]);
});

test("rebin: NaNs and bad ratios are reported with the field name", () => {
  const x = array3d(Float64Array.of(1, Number.NaN, 3, 4), [1, 1, 4]);
  assert.throws(() => rebin(x, 1, 2, "truth"), (e: Error) => e instanceof DataError && /NaNs found in truth/.test(e.message));
  assert.throws(() => rebin(x, 1, 2.5, "counts"), (e: Error) => e instanceof ParamError && /spikeBinMs=2\.5/.test(e.message));
});

test("rebinToLfadsLayout: selected trials in [trials, time, channels] order with the same sums", () => {
  // 3 trials × 2 channels × 4 bins, value = 100*trial + 10*channel + t.
  const data = new Float64Array(24);
  for (let i = 0; i < 3; i++) for (let c = 0; c < 2; c++) for (let t = 0; t < 4; t++) data[(i * 2 + c) * 4 + t] = 100 * i + 10 * c + t;
  const x = array3d(data, [3, 2, 4]);
  const y = rebinToLfadsLayout(x, [2, 0], 2);
  assert.deepEqual([...y.shape], [2, 2, 2]);
  // trial 2: channel 0 bins (200+201, 202+203), channel 1 (210+211, 212+213); layout [t][c].
  assert.deepEqual([...y.data.subarray(0, 4)], [401, 421, 405, 425]);
  assert.deepEqual([...y.data.subarray(4, 8)], [1, 21, 5, 25]);
  const ref = rebin(x, 1, 2);
  let a = 0;
  let b = 0;
  for (const v of y.data) a += v;
  for (const i of [0, 2]) for (let k = 0; k < 4; k++) b += ref.data[i * 4 + k]!;
  assert.equal(a, b);
  assert.throws(() => rebinToLfadsLayout(x, [3], 2), (e: Error) => e instanceof ShapeError && /trial index 3/.test(e.message));
});
