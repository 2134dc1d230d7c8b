// concatenateOverTrials keeps the test split (an input's test_data trials): stacked in dataset order, like the trials.
import { test } from "node:test";
import assert from "node:assert/strict";
import { array3d } from "../../src/core/array3d.js";
import { concatenateOverTrials } from "../../src/posterior/concatenate.js";
import { PosteriorMeans } from "../../src/posterior/posterior-means.js";

/** A PosteriorMeans of `n` trials and `nTest` test trials, T = 3 bins, 2 neurons, 1 factor; values tagged by `tag`. */
function pm(name: string, n: number, nTest: number, tag: number): PosteriorMeans {
  const fill = (len: number, base: number) => Float32Array.from({ length: len }, (_, i) => base + i);
  return new PosteriorMeans({
    datasetName: name, kind: "posterior_push_mean", format: "tf", spikeBinMs: 10, time: Float64Array.of(0, 10, 20),
    rates: array3d(fill(n * 6, tag), [n, 3, 2]), factors: array3d(fill(n * 3, tag), [n, 3, 1]),
    trainInds: Int32Array.from({ length: n - 1 }, (_, i) => i), validInds: Int32Array.of(n - 1), datasetIndexByTrial: new Int32Array(n),
    test: { rates: array3d(fill(nTest * 6, tag + 1000), [nTest, 3, 2]), factors: array3d(fill(nTest * 3, tag + 1000), [nTest, 3, 1]), costs: Float64Array.from({ length: nTest }, (_, i) => tag + i) },
  });
}

test("concatenateOverTrials stacks the test splits in dataset order (rates, factors, per-trial costs)", () => {
  const all = concatenateOverTrials([pm("a", 3, 2, 0), pm("b", 2, 3, 100)]);
  assert.deepEqual(all.test?.rates?.shape, [5, 3, 2]);
  assert.deepEqual(all.test?.factors?.shape, [5, 3, 1]);
  assert.equal(all.test!.rates!.data[0], 1000);
  assert.equal(all.test!.rates!.data[2 * 6], 1100, "dataset b's first test trial follows dataset a's two");
  assert.deepEqual(Array.from(all.test!.costs!), [0, 1, 100, 101, 102]);
  assert.equal(concatenateOverTrials([pm("a", 3, 2, 0), new PosteriorMeans({ ...pm("c", 2, 1, 5), test: undefined })]).test, undefined, "kept only when every dataset has one");
});
