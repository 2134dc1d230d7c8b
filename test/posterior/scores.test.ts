import { test } from "node:test";
import assert from "node:assert/strict";
import { array3d } from "../../src/core/array3d.js";
import { DataError, ShapeError, setWarningSink } from "../../src/core/errors.js";
import { lgamma, logFactorial } from "../../src/core/special.js";
import { PosteriorMeans } from "../../src/posterior/posterior-means.js";
import { bitsPerSpike, poissonNll, posteriorBitsPerSpike, posteriorRateR2, r2Score } from "../../src/posterior/scores.js";

const f64 = (...v: number[]) => Float64Array.from(v);

test("lgamma matches known values (Python math.lgamma) to 1e-14 relative", () => {
  const ref: [number, number][] = [
    [1, 0], [2, 0], [0.5, 0.5723649429247004], [3, 0.693147180559945], [4, 1.7917594692280554], [10, 12.801827480081467],
    [100, 359.1342053695754], [1e-5, 11.512919692895824], [1.5, -0.12078223763524543], [2.5, 0.2846828704729196],
    [0.1, 2.2527126517342055], [7.25, 7.0521854507385395], [171.5, 709.1431630309282], [1e6, 12815504.569147611],
    [-0.5, 1.265512123484645], [-2.5, -0.05624371649767457],
  ];
  for (const [x, v] of ref) assert.ok(Math.abs(lgamma(x) - v) <= 1e-14 * Math.max(1, Math.abs(v)), `lgamma(${x}) = ${lgamma(x)}, expected ${v}`);
  assert.equal(lgamma(0), Infinity);
  assert.equal(lgamma(-3), Infinity);
  assert.ok(Number.isNaN(lgamma(NaN)));
  for (const n of [0, 1, 5, 20, 170, 255, 256, 1000]) {
    assert.ok(Math.abs(logFactorial(n) - lgamma(n + 1)) <= 1e-13 * Math.max(1, lgamma(n + 1)), `log(${n}!)`);
  }
  assert.ok(Math.abs(logFactorial(5) - Math.log(120)) < 1e-15);
});

test("r2Score: pooled over trials, bins and neurons with the mean per neuron; and per neuron", () => {
  // truth (1 trial, 2 bins, 2 neurons): neuron 0 = [1, 3] (mean 2), neuron 1 = [2, 6] (mean 4).
  const truth = array3d(f64(1, 2, 3, 6), [1, 2, 2]);
  const pred = array3d(f64(1.5, 2, 2, 5), [1, 2, 2]);
  const r = r2Score(pred, truth);
  // neuron 0: 1 − (0.25 + 1) / (1 + 1) = 0.375; neuron 1: 1 − (0 + 1) / (4 + 4) = 0.875; pooled 1 − 2.25 / 10.
  assert.ok(Math.abs(r.perNeuron[0]! - 0.375) < 1e-15);
  assert.ok(Math.abs(r.perNeuron[1]! - 0.875) < 1e-15);
  assert.ok(Math.abs(r.pooled - 0.775) < 1e-15);
  assert.equal(r.nValues, 4);
  // NaN pairs are skipped; trial selection works.
  const t2 = array3d(f64(1, 2, 3, 6, NaN, NaN, 9, 9), [2, 2, 2]);
  const p2 = array3d(f64(1.5, 2, 2, 5, 0, 0, 0, 0), [2, 2, 2]);
  assert.equal(r2Score(p2, t2, { trials: [0] }).pooled, r.pooled);
  assert.throws(() => r2Score(pred, array3d(f64(1, 2), [1, 2, 1])), ShapeError);
});

test("poissonNll and bitsPerSpike (NLB definition) on a hand-computed case", () => {
  // counts [0, 2], rates [0.5, 1.5] per bin, one neuron; the null rate is the mean count, 1.
  const x = array3d(f64(0, 2), [1, 2, 1]);
  const r = array3d(f64(0.5, 1.5), [1, 2, 1]);
  const nll = 0.5 + (1.5 - 2 * Math.log(1.5) + Math.log(2));
  assert.ok(Math.abs(poissonNll(r, x) - nll) < 1e-14);
  const nullNll = 1 + (1 + Math.log(2));
  assert.ok(Math.abs(poissonNll(array3d(f64(1, 1), [1, 2, 1]), x) - nullNll) < 1e-14);
  // bits/spike = (2 ln 1.5) / 2 spikes / ln 2 = log2(1.5).
  assert.ok(Math.abs(bitsPerSpike(r, x) - Math.log2(1.5)) < 1e-14);
  // A perfect null model scores 0.
  assert.ok(Math.abs(bitsPerSpike(array3d(f64(1, 1), [1, 2, 1]), x)) < 1e-15);
  // Zero rates are replaced by 1e-9; NaN counts are masked; negative rates are an error.
  assert.ok(Math.abs(poissonNll(array3d(f64(0), [1, 1, 1]), array3d(f64(0), [1, 1, 1])) - 1e-9) < 1e-20);
  assert.ok(Math.abs(poissonNll(array3d(f64(0.5, 1.5, 7), [1, 3, 1]), array3d(f64(0, 2, NaN), [1, 3, 1])) - nll) < 1e-14);
  assert.throws(() => poissonNll(array3d(f64(-1), [1, 1, 1]), array3d(f64(0), [1, 1, 1])), (e: Error) => e instanceof DataError && /rate -1 at \[trial 0, bin 0, neuron 0\]/.test(e.message));
  assert.throws(() => bitsPerSpike(r, array3d(f64(0, 0), [1, 2, 1])), /no spikes/);
});

test("posterior scores convert spikes/s to counts per bin and re-bin the raw counts", () => {
  // 2 trials (train [0], valid [1]), T = 2 bins of 2 ms, 1 neuron; raw counts in 1-ms bins.
  const pm = new PosteriorMeans({
    datasetName: "d", kind: "posterior_sample_and_average", format: "tf", spikeBinMs: 2, inputBinMs: 1,
    time: f64(0, 2),
    rates: { data: Float32Array.of(100, 100, 250, 750), shape: [2, 2, 1] },
    factors: { data: Float32Array.of(0, 0, 0, 0), shape: [2, 2, 1] },
    trainInds: Int32Array.of(0), validInds: Int32Array.of(1), datasetIndexByTrial: Int32Array.of(0, 0),
    rawCounts: { data: Uint8Array.of(1, 0, 0, 0, 0, 0, 1, 1), shape: [2, 4, 1] },
    truth: { data: Float32Array.of(0, 0, 1, 3), shape: [2, 2, 1] },
  });
  assert.deepEqual([...pm.countsPerBin().data], [1, 0, 0, 2]);
  assert.deepEqual([...pm.ratesPerBin().data], [0.2, 0.2, 0.5, 1.5].map((v) => Math.fround(v)));
  assert.ok(Math.abs(posteriorBitsPerSpike(pm) - Math.log2(1.5)) < 1e-6);
  // valid: truth [1, 3], rates per bin [0.5, 1.5] → 1 − 2.5 / 2.
  assert.ok(Math.abs(posteriorRateR2(pm).pooled - -0.25) < 1e-6);
  const warnings: string[] = [];
  const prev = setWarningSink((m) => warnings.push(m));
  try {
    const noOutput = new PosteriorMeans({ ...pm, factors: { data: Float32Array.of(0, 0, NaN, NaN), shape: [2, 2, 1] } });
    assert.throws(() => posteriorRateR2(noOutput), /no valid trial has posterior outputs/);
    assert.match(warnings[0]!, /1 valid trials have no posterior outputs/);
  } finally {
    setWarningSink(prev);
  }
});
