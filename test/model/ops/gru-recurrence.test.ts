import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ShapeError } from "../../../src/core/errors.js";
import { selectBackend } from "../../../src/model/ops/backend.js";
import { jsGruImplementation } from "../../../src/model/ops/gru-js.js";
import { activeGruImplementation, forgetBias3, gruRecurrence, gruStep, setGruImplementation } from "../../../src/model/ops/gru-recurrence.js";
import { maxRelDiff } from "../tiny.js";
import { wasmGruImplementation } from "../../../src/kernels/gru-impl.js";

// These tests check the composite op (the reference) unless they plug an implementation in themselves;
// selectBackend would otherwise install the fused wasm kernels by default.
process.env["LFADS_GRU"] = "composite";

const B = 3, T = 6, H = 4;

function inputs(seed: number): [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  return [
    tf.randomNormal([B, T, 3 * H], 0, 1.2, "float32", seed) as tf.Tensor3D,
    tf.randomNormal([B, H], 0, 1, "float32", seed + 1) as tf.Tensor2D,
    tf.randomNormal([H, 2 * H], 0, 0.8, "float32", seed + 2) as tf.Tensor2D,
    tf.randomNormal([H, H], 0, 0.8, "float32", seed + 3) as tf.Tensor2D,
  ];
}

/** The same recurrence written step by step with autodiff'd ops (independent of the custom gradient). */
function naive(x: tf.Tensor3D, h0: tf.Tensor2D, wru: tf.Tensor2D, wc: tf.Tensor2D, clip: number, reverse: boolean): tf.Tensor3D {
  const states: tf.Tensor2D[] = new Array(T);
  let h = h0;
  const xb = tf.add(x, forgetBias3(H));
  const order = [...Array(T).keys()];
  if (reverse) order.reverse();
  for (const t of order) {
    const xt = tf.reshape(tf.slice(xb, [0, t, 0], [B, 1, 3 * H]), [B, 3 * H]);
    h = gruStep(tf.slice(xt, [0, 0], [B, 2 * H]) as tf.Tensor2D, tf.slice(xt, [0, 2 * H], [B, H]) as tf.Tensor2D, h, wru, wc, clip).h;
    states[t] = h;
  }
  return tf.stack(states, 1) as tf.Tensor3D;
}

const weights = tf.randomNormal([B, T, H], 0, 1, "float32", 99);
const loss = (f: (...a: tf.Tensor[]) => tf.Tensor3D) => (...a: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(f(...a), weights));

for (const [reverse, clip] of [[false, 5], [true, 5], [false, 0.4], [true, 0.4]] as const) {
  test(`gruRecurrence matches the step-by-step cell, values and gradients (reverse=${reverse}, clip=${clip})`, async () => {
    await selectBackend("cpu");
    const args = inputs(10);
    const ref = loss((x, h, a, b) => naive(x as tf.Tensor3D, h as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, clip, reverse));
    const op = loss((x, h, a, b) => gruRecurrence(x as tf.Tensor3D, h as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, { clip, reverse }));
    assert.ok(Math.abs(ref(...args).dataSync()[0]! - op(...args).dataSync()[0]!) < 1e-5);
    const g1 = tf.grads(ref)(args);
    const g2 = tf.grads(op)(args);
    g1.forEach((g, i) => assert.ok(maxRelDiff(g2[i]!.dataSync(), g.dataSync()) < 1e-5, `input ${i}`));
  });
}

test("gruRecurrence gradients agree with central finite differences (float32 tolerance)", async () => {
  await selectBackend("cpu");
  const args = inputs(20);
  const f = loss((x, h, a, b) => gruRecurrence(x as tf.Tensor3D, h as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, { clip: 5, reverse: false }));
  const grads = tf.grads(f)(args);
  const eps = 1e-2;
  for (let k = 0; k < args.length; k++) {
    const base = args[k]!.dataSync().slice();
    const g = grads[k]!.dataSync();
    for (const idx of [0, Math.floor(base.length / 2), base.length - 1]) {
      const eval1 = (d: number): number => {
        const v = base.slice();
        v[idx]! += d;
        const a = args.slice();
        a[k] = tf.tensor(v, args[k]!.shape) as never;
        return f(...a).dataSync()[0]!;
      };
      const fd = (eval1(eps) - eval1(-eps)) / (2 * eps);
      assert.ok(Math.abs(fd - g[idx]!) < 2e-3 * Math.max(1, Math.abs(fd)), `input ${k}[${idx}]: fd ${fd} vs grad ${g[idx]}`);
    }
  }
});

test("a GruRecurrenceImpl plugged in with setGruImplementation gives the same values and gradients", async () => {
  await selectBackend("cpu");
  const args = inputs(30);
  for (const reverse of [false, true]) {
    const f = loss((x, h, a, b) => gruRecurrence(x as tf.Tensor3D, h as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, { clip: 0.6, reverse }));
    const v1 = f(...args).dataSync()[0]!;
    const g1 = tf.grads(f)(args);
    assert.equal(activeGruImplementation(), "composite");
    setGruImplementation(jsGruImplementation);
    try {
      assert.equal(activeGruImplementation(), "js-reference");
      assert.ok(Math.abs(f(...args).dataSync()[0]! - v1) < 1e-4);
      const g2 = tf.grads(f)(args);
      g1.forEach((g, i) => assert.ok(maxRelDiff(g2[i]!.dataSync(), g.dataSync()) < 1e-4, `input ${i}`));
    } finally {
      setGruImplementation(null);
    }
  }
});

test("gruRecurrence names the mismatched input", async () => {
  await selectBackend("cpu");
  const [x, h0, wru, wc] = inputs(40);
  assert.throws(() => gruRecurrence(x, tf.zeros([B + 1, H]) as tf.Tensor2D, wru, wc, { clip: 5 }), (e: Error) => e instanceof ShapeError && /h0 has shape \[4, 4\], expected \[3, 4\]/.test(e.message));
  assert.throws(() => gruRecurrence(x, h0, tf.zeros([H, H]) as tf.Tensor2D, wc, { clip: 5 }), /Wh_ru has shape \[4, 4\], expected \[4, 8\]/);
  assert.throws(() => gruRecurrence(tf.zeros([B, T, 2 * H]) as tf.Tensor3D, h0, wru, wc, { clip: 5 }), /xProj has shape \[3, 6, 8\], expected \[3, 6, 12\]/);
});

test("the fused WebAssembly kernels give the composite op's values and gradients (cpu and wasm backends)", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    const args = inputs(50);
    for (const [reverse, clip] of [[false, 5], [true, 0.6]] as const) {
      const f = loss((x, h, a, b) => gruRecurrence(x as tf.Tensor3D, h as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, { clip, reverse }));
      setGruImplementation(null);
      const v1 = f(...args).dataSync()[0]!;
      const g1 = tf.grads(f)(args);
      setGruImplementation(wasmGruImplementation);
      try {
        assert.match(activeGruImplementation(), /wasm/);
        assert.ok(Math.abs(f(...args).dataSync()[0]! - v1) < 1e-4 * Math.max(1, Math.abs(v1)), `${backend} value`);
        const g2 = tf.grads(f)(args);
        g1.forEach((g, i) => assert.ok(maxRelDiff(g2[i]!.dataSync(), g.dataSync()) < 1e-4, `${backend} gradient of input ${i}`));
      } finally {
        setGruImplementation(null);
      }
    }
  }
});
