/**
 * gruRecurrenceInput (the recurrence with its input projection inside the op) on the fused kernels
 * against the composite path (tfjs matMul + gruRecurrence's composite op), and whole LFADS models
 * (stitched datasets with trainable read-ins, external inputs, with and without a controller):
 * cost and every variable gradient fused = composite within float32 tolerance; and the forward-only
 * path taken without a gradient tape gives the taped path's outputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { lfadsCost } from "../../src/model/cost.js";
import { gruFinalStateInput, gruRecurrenceInput, setGruImplementation } from "../../src/model/ops/gru-recurrence.js";
import { LfadsModel } from "../../src/model/lfads.js";
import { RngNoise } from "../../src/model/noise.js";
import { RunParams } from "../../src/params/run-params.js";
import { wasmGruImplementation } from "../../src/kernels/gru-impl.js";
import { shutdownGruPool } from "../../src/kernels/gru.js";
import { TINY, counts, maxRelDiff } from "./tiny.js";

process.env["LFADS_GRU"] = "composite";

test("gruRecurrenceInput: fused = composite, values and gradients of x, Wx, bias, h0, Wh (cpu and wasm)", async () => {
  const B = 5, T = 7, H = 6;
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    for (const [D, reverse, clip] of [[4, false, 5], [3, true, 0.5], [0, false, 0.7]] as const) {
      const args = [
        tf.randomNormal([B, T, Math.max(D, 1)], 0, 1, "float32", 1),
        tf.randomNormal([Math.max(D, 1), 3 * H], 0, 0.7, "float32", 2),
        tf.randomNormal([1, 3 * H], 0, 0.5, "float32", 3),
        tf.randomNormal([B, H], 0, 0.5, "float32", 4),
        tf.randomNormal([H, 2 * H], 0, 0.6, "float32", 5),
        tf.randomNormal([H, H], 0, 0.6, "float32", 6),
      ];
      const w = tf.randomNormal([B, T, H], 0, 1, "float32", 7);
      const f = (x: tf.Tensor, wx: tf.Tensor, b: tf.Tensor, h: tf.Tensor, a: tf.Tensor, c: tf.Tensor): tf.Scalar =>
        // (x and Wx enter with weight 0 when D = 0, so that tf.grads has a path to them)
        tf.add(tf.sum(tf.mul(gruRecurrenceInput(D > 0 ? (x as tf.Tensor3D) : null, D > 0 ? (wx as tf.Tensor2D) : null, b as tf.Tensor2D, h as tf.Tensor2D, a as tf.Tensor2D, c as tf.Tensor2D, T, { clip, reverse }), w)), D > 0 ? 0 : tf.mul(0, tf.add(tf.sum(x), tf.sum(wx))));
      setGruImplementation(null);
      const v1 = f(...(args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])).dataSync()[0]!;
      const g1 = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)(args);
      setGruImplementation(wasmGruImplementation);
      try {
        const v2 = f(...(args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])).dataSync()[0]!;
        assert.ok(Math.abs(v2 - v1) < 1e-4 * Math.max(1, Math.abs(v1)), `${backend} D=${D} value ${v2} vs ${v1}`);
        const g2 = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)(args);
        g1.forEach((g, i) => {
          if (D === 0 && i < 2) return; // x and Wx unused
          assert.ok(maxRelDiff(g2[i]!.dataSync(), g.dataSync()) < 1e-4, `${backend} D=${D} gradient of input ${i}`);
        });
      } finally {
        setGruImplementation(null);
      }
    }
  }
});

test("gruFinalStateInput: the fused final-state op = the composite recurrence's final step, values and gradients (cpu and wasm)", async () => {
  const B = 6, T = 5, H = 7, D = 3;
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    for (const reverse of [false, true]) {
      const args = [
        tf.randomNormal([B, T, D], 0, 1, "float32", 11),
        tf.randomNormal([D, 3 * H], 0, 0.7, "float32", 12),
        tf.randomNormal([1, 3 * H], 0, 0.5, "float32", 13),
        tf.randomNormal([B, H], 0, 0.5, "float32", 14),
        tf.randomNormal([H, 2 * H], 0, 0.6, "float32", 15),
        tf.randomNormal([H, H], 0, 0.6, "float32", 16),
      ] as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const w = tf.randomNormal([B, H], 0, 1, "float32", 17);
      const final = (...a: tf.Tensor[]): tf.Tensor2D => {
        const [x, wx, b, h, wr, wc] = a as typeof args;
        return gruFinalStateInput(x, wx, b, h, wr, wc, T, { clip: 0.8, reverse });
      };
      const f = (...a: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(final(...a), w));
      setGruImplementation(null);
      const ref = final(...args).dataSync();
      const g1 = tf.grads(f)(args);
      setGruImplementation(wasmGruImplementation);
      try {
        const all = gruRecurrenceInput(...args, T, { clip: 0.8, reverse }).arraySync();
        const picked = all.flatMap((row) => row[reverse ? 0 : T - 1]!);
        assert.deepEqual(Array.from(final(...args).dataSync()), picked, `${backend} reverse=${reverse}: the final step of the full states`);
        assert.ok(maxRelDiff(final(...args).dataSync(), ref) < 1e-5, `${backend} reverse=${reverse}: value`);
        const g2 = tf.grads(f)(args);
        g1.forEach((g, i) => assert.ok(maxRelDiff(g2[i]!.dataSync(), g.dataSync()) < 1e-4, `${backend} reverse=${reverse}: gradient of input ${i}`));
      } finally {
        setGruImplementation(null);
      }
    }
  }
});

test("whole models: cost and all gradients fused = composite; no-tape forward = taped forward", async () => {
  const [B, T] = [6, 9];
  const variants = [
    { name: "no controller, stitched read-ins (trainable), ext inputs to the generator", over: { c_ext_input_dim: 2, c_inject_ext_input_to_gen: true }, stitched: true },
    { name: "controller, ext inputs to the encoders", over: { c_co_dim: 2, c_ext_input_dim: 2 }, stitched: false },
    { name: "controller, stitched", over: { c_co_dim: 1 }, stitched: true },
  ];
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    for (const v of variants) {
      const p = new RunParams({ ...TINY, ...v.over });
      const datasets = v.stitched ? [{ name: "a.h5", numNeurons: 5 }, { name: "b.h5", numNeurons: 4 }] : [{ name: "d.h5", numNeurons: 5 }];
      const m = new LfadsModel(modelConfigFromRunParams(p, { numSteps: T, datasets }), { seed: 4 });
      const X = p.c_ext_input_dim;
      const N = datasets[0]!.numNeurons;
      const batch = { datasetIndex: 0, data: tf.tensor3d(counts(B, T, N), [B, T, N]), ...(X > 0 ? { extInput: tf.randomNormal([B, T, X], 0, 1, "float32", 5) as tf.Tensor3D } : {}) };
      const vars = m.store.trainable().map((q) => q.variable);
      const run = () => tf.variableGrads(() => lfadsCost(m, m.forward(batch, { keepProb: 0.9, noise: new RngNoise(new Rng(2)) }), { kl: 1, l2: 1 }).cost, vars);
      const rates = () => tf.tidy(() => m.forward(batch, { noise: new RngNoise(new Rng(3)), outputs: true }).outputs!.outputDistParams.dataSync());
      setGruImplementation(null);
      const a = run();
      const ra = rates();
      setGruImplementation(wasmGruImplementation);
      try {
        const b = run();
        const rb = rates();
        assert.ok(Math.abs(b.value.dataSync()[0]! - a.value.dataSync()[0]!) < 1e-4 * Math.abs(a.value.dataSync()[0]!), `${backend} ${v.name}: cost`);
        for (const [k, g] of Object.entries(a.grads)) assert.ok(maxRelDiff(b.grads[k]!.dataSync(), g.dataSync()) < 2e-4, `${backend} ${v.name}: gradient of ${k}`);
        assert.ok(maxRelDiff(rb, ra) < 1e-4, `${backend} ${v.name}: rates without a tape`);
      } finally {
        setGruImplementation(null);
      }
      m.dispose();
    }
  }
  await shutdownGruPool();
});
