import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../src/model/ops/backend.js";
import { AdamTf1, globalNormScale } from "../../src/train/adam.js";

test("Adam follows TF1 semantics with ε = 0.1 (hand-computed steps)", async () => {
  await selectBackend("cpu");
  const theta = tf.variable(tf.tensor1d([1, -2]));
  const adam = new AdamTf1(new Map([["w", theta]]));
  const grads = [[0.5, -3], [0.1, 2], [-1, 0.25]];
  const lr = 0.01;
  // Hand computation in float64.
  const th = [1, -2];
  const m = [0, 0];
  const v = [0, 0];
  grads.forEach((g, k) => {
    const t = k + 1;
    const lrT = (lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    for (let i = 0; i < 2; i++) {
      m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
      v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
      th[i]! -= (lrT * m[i]!) / (Math.sqrt(v[i]!) + 0.1);
    }
    adam.apply(new Map([["w", tf.tensor1d(g)]]), lr);
    const got = theta.dataSync();
    th.forEach((x, i) => assert.ok(Math.abs(got[i]! - x) < 1e-6, `step ${t}: ${got[i]} vs ${x}`));
  });
  // First step of TF1 Adam with ε = 0.1: |Δθ| = lr·√0.001/0.1 · 0.1|g|/(√0.001|g| + 0.1), far from tfjs's lr.
  assert.equal(adam.t, 3);
  const s = adam.state();
  assert.deepEqual(Array.from(s.m.get("w")!.data).map((x) => +x.toFixed(6)), m.map((x) => +x.toFixed(6)));
  adam.dispose();
  theta.dispose();
});

test("global-norm clipping scales by clip/max(norm, clip), as tf.clip_by_global_norm", () => {
  assert.equal(globalNormScale(100, 200), 1);
  assert.equal(globalNormScale(400, 200), 0.5);
});
