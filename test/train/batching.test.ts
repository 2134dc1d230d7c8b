import { test } from "node:test";
import assert from "node:assert/strict";
import { ParamError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { epochBatches } from "../../src/train/batching.js";
import { jitterSpikes } from "../../src/train/jitter.js";

test("every batch is full, every trial is used, remainders are filled with distinct extra trials", () => {
  const b = epochBatches(4, [{ name: "a", numTrials: 10 }, { name: "b", numTrials: 8 }], new Rng(3), "train");
  assert.equal(b.length, 3 + 2);
  for (const x of b) assert.equal(x.indices.length, 4);
  const a = b.filter((x) => x.datasetIndex === 0).flatMap((x) => Array.from(x.indices));
  assert.deepEqual([...new Set(a)].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(a.length, 12); // 2 extras, distinct from each other
  const counts = new Map<number, number>();
  for (const i of a) counts.set(i, (counts.get(i) ?? 0) + 1);
  assert.equal([...counts.values()].filter((c) => c === 2).length, 2);
  assert.deepEqual(b.filter((x) => x.datasetIndex === 1).flatMap((x) => Array.from(x.indices)).sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test("a split with no more trials than c_batch_size is an error naming both", () => {
  assert.throws(
    () => epochBatches(150, [{ name: "dataset001.h5", numTrials: 150 }], new Rng(1), "valid"),
    (e: Error) => e instanceof ParamError && /c_batch_size \(150\) must be smaller than the number of valid trials \(150\) of dataset 'dataset001.h5'/.test(e.message),
  );
});

test("spike jitter keeps every spike, moves it by [−w, w−1] and reflects at the edges", () => {
  const T = 6;
  const x = new Float32Array(T);
  x[0] = 3;
  x[5] = 2;
  const y = jitterSpikes(x, 1, T, 1, 2, new Rng(9));
  assert.equal(y.reduce((a, v) => a + v, 0), 5);
  // From t=0, shifts −2..1 reflect to 2,1,0,1; from t=5, shifts −2..1 give 3,4,5,(6→4).
  for (let t = 0; t < T; t++) assert.ok(y[t]! >= 0);
  assert.equal(y[3]! + y[4]! + y[5]! + y[0]! + y[1]! + y[2]!, 5);
});
