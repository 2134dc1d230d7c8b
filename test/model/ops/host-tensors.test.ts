/**
 * The tfjs ↔ kernel bridge (src/model/ops/host-tensors.ts) on both CPU-side backends: values read in
 * place, tensors filled in place, and a multi-output op whose gradients reach every input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../src/model/ops/backend.js";
import { hostValues, multiOutputOp, tensorsFilledBy } from "../../../src/model/ops/host-tensors.js";

for (const backend of ["cpu", "wasm"] as const) {
  test(`host-tensors (${backend}): hostValues, tensorsFilledBy and a two-output op with its gradient`, async () => {
    await selectBackend(backend);
    const x = tf.tensor1d([1, -2, 3]);
    assert.deepEqual(Array.from(hostValues(x)), [1, -2, 3]);
    assert.throws(() => hostValues(tf.tensor1d([1, 2], "int32")), /hostValues: expected a float32 tensor, got int32/);
    const [a, b] = tensorsFilledBy([[2], [1, 3]], ([p, q]) => {
      p!.set([5, 6]);
      q!.set(hostValues(x)); // an input read while filling
    });
    assert.deepEqual(a!.shape, [2]);
    assert.deepEqual(Array.from(a!.dataSync()), [5, 6]);
    assert.deepEqual(b!.shape, [1, 3]);
    assert.deepEqual(Array.from(b!.dataSync()), [1, -2, 3]);
    // y1 = 2x, y2 = x²; L = Σ y1 + Σ y2·w → dL/dx = 2 + 2x·w.
    const w = tf.tensor1d([0.5, 1, -1]);
    const twoOut = (v: tf.Tensor): tf.Tensor[] =>
      multiOutputOp([v], ([u], save) => {
        save([u!]);
        const outs = tensorsFilledBy([u!.shape, u!.shape], ([y1, y2]) => {
          const vals = hostValues(u!);
          vals.forEach((e, i) => {
            y1![i] = 2 * e;
            y2![i] = e * e;
          });
        });
        return { outputs: outs, backward: ([d1, d2], [s]) => [tf.add(tf.mul(d1!, 2), tf.mul(tf.mul(d2!, 2), s!))] };
      });
    const g = tf.grad((v: tf.Tensor) => {
      const [y1, y2] = twoOut(v);
      return tf.add(tf.sum(y1!), tf.sum(tf.mul(y2!, w)));
    })(x);
    assert.deepEqual(Array.from(g.dataSync()), [3, -2, -4]);
    // An output that does not reach the loss gets a zero gradient.
    const g1 = tf.grad((v: tf.Tensor) => tf.sum(twoOut(v)[0]!))(x);
    assert.deepEqual(Array.from(g1.dataSync()), [2, 2, 2]);
    const wrong = (v: tf.Tensor): tf.Tensor => multiOutputOp([v], () => ({ outputs: [tf.zeros([3])], backward: () => [] }))[0]!;
    assert.throws(() => tf.grad((v: tf.Tensor) => tf.sum(wrong(v)))(x), /multiOutputOp: backward returned 0 gradients for 1 inputs/);
  });
}
