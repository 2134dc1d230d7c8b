// conditionMeans / conditionIndex: the averaging PosteriorMeans.conditionAverage and the PSTH target share.
import { test } from "node:test";
import assert from "node:assert/strict";
import { conditionIndex, conditionMeans } from "../../src/posterior/condition-average.js";

test("conditionIndex sorts the distinct labels (numbers numerically, strings lexically) and maps each trial to its position", () => {
  assert.deepEqual(conditionIndex([10, 2, 10, 33]), { conditions: [2, 10, 33], index: Int32Array.from([1, 0, 1, 2]) });
  assert.deepEqual(conditionIndex(["b", "a", "b"]).conditions, ["a", "b"]);
});

test("conditionMeans averages rows of any length per condition and leaves NaN values out of each element's mean", () => {
  // 4 trials × rows of 2: conditions 7 (trials 0, 2) and 3 (trials 1, 3).
  const data = Float64Array.from([1, 2, 10, NaN, 3, 6, 20, NaN]);
  const r = conditionMeans(data, [7, 3, 7, 3]);
  assert.deepEqual(r.conditions, [3, 7]);
  assert.deepEqual(r.nTrialsByCondition, Int32Array.from([2, 2]));
  // condition 3: (10 + 20) / 2 and no value at all (NaN); condition 7: (1 + 3) / 2, (2 + 6) / 2.
  assert.deepEqual([...r.means], [15, NaN, 2, 4]);
  const partial = conditionMeans(Float64Array.from([NaN, 4, 8]), [1, 1, 1]);
  assert.deepEqual([...partial.means], [6]);
});
