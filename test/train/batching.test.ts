import { test } from "node:test";
import assert from "node:assert/strict";
import { ParamError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { epochBatches } from "../../src/train/batching.js";
import { jitterObservedAndForward, jitterSpikes } from "../../src/train/jitter.js";

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

test("jitterObservedAndForward: no forward spike moves into the observed bins, each part keeps its spikes per neuron", () => {
  const [B, T, N, tObs] = [3, 12, 2, 8];
  // Observed bins empty, forward bins full of spikes: plain jitter would move some into bins 6–7.
  const x = new Float32Array(B * T * N);
  for (let b = 0; b < B; b++) for (let t = tObs; t < T; t++) for (let n = 0; n < N; n++) x[(b * T + t) * N + n] = 5;
  const rng = new Rng(3);
  const plain = jitterSpikes(x, B, T, N, 3, new Rng(3));
  let leaked = 0;
  for (let b = 0; b < B; b++) for (let t = 0; t < tObs; t++) for (let n = 0; n < N; n++) leaked += plain[(b * T + t) * N + n]!;
  assert.ok(leaked > 0, "plain jitter over the whole target moves forward spikes into the observed bins");
  const y = jitterObservedAndForward(x, B, T, N, tObs, 3, rng);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      let obs = 0;
      let fwd = 0;
      for (let t = 0; t < T; t++) {
        if (t < tObs) obs += y[(b * T + t) * N + n]!;
        else fwd += y[(b * T + t) * N + n]!;
      }
      assert.equal(obs, 0, `trial ${b} neuron ${n}: observed bins stay empty`);
      assert.equal(fwd, 5 * (T - tObs), `trial ${b} neuron ${n}: every forward spike kept`);
    }
  }
  // And observed spikes stay observed.
  const z = jitterObservedAndForward(Float32Array.from(x, (_, i) => (Math.floor(i / N) % T < tObs ? 2 : 0)), B, T, N, tObs, 3, new Rng(4));
  for (let b = 0; b < B; b++) for (let t = tObs; t < T; t++) for (let n = 0; n < N; n++) assert.equal(z[(b * T + t) * N + n], 0);
});
