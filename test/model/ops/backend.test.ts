import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ParamError } from "../../../src/core/errors.js";
import { Rng } from "../../../src/core/rng.js";
import { currentBackend, selectBackend } from "../../../src/model/ops/backend.js";
import { lfadsCost } from "../../../src/model/cost.js";
import { RngNoise } from "../../../src/model/noise.js";
import { batchOf, counts, maxRelDiff, tinyModel } from "../tiny.js";

/** Cost and gradients of a tiny model with a controller on the active backend. */
function costAndGrads(): { cost: number; grads: Map<string, Float32Array> } {
  const m = tinyModel({ c_co_dim: 2, c_keep_prob: 0.9, c_co_mean_corr_scale: 0.1 }, { T: 9, N: 6 });
  const x = counts(4, 9, 6);
  const out = new Map<string, Float32Array>();
  let cost = NaN;
  tf.tidy(() => {
    const vars = m.store.trainable();
    const { value, grads } = tf.variableGrads(() => lfadsCost(m, m.forward(batchOf(x, 4, 9, 6), { keepProb: 0.9, noise: new RngNoise(new Rng(5)) }), { kl: 0.5, l2: 0.5 }).cost, vars.map((p) => p.variable));
    cost = value.dataSync()[0]!;
    for (const p of vars) out.set(p.name, grads[p.variable.name]!.dataSync() as Float32Array);
  });
  m.dispose();
  return { cost, grads: out };
}

test("wasm and cpu backends agree on the cost and every gradient (float32 tolerance)", async () => {
  await selectBackend("cpu");
  const cpu = costAndGrads();
  const info = await selectBackend("wasm");
  assert.equal(info.name, "wasm");
  assert.equal(currentBackend()?.name, "wasm");
  const wasm = costAndGrads();
  assert.ok(Math.abs(cpu.cost - wasm.cost) < 1e-4 * Math.abs(cpu.cost), `${cpu.cost} vs ${wasm.cost}`);
  for (const [name, g] of cpu.grads) assert.ok(maxRelDiff(wasm.grads.get(name)!, g) < 2e-3, name);
});

test("the replacement wasm kernels (Slice, Unpack, SplitV, transposed BatchMatMul) match cpu", async () => {
  const run = (): number[][] => {
    const x = tf.tensor3d(Array.from({ length: 4 * 5 * 6 }, (_, i) => i * 0.37 - 3), [4, 5, 6]);
    const a = tf.tensor3d(Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i)), [2, 3, 4]);
    const b = tf.tensor3d(Array.from({ length: 2 * 3 * 5 }, (_, i) => Math.cos(i)), [2, 3, 5]);
    const wide = tf.tensor3d(Array.from({ length: 3 * 4 * 40 }, (_, i) => i * 0.11 - 5), [3, 4, 40]); // rows copied with one set each
    return tf.tidy(() => [
      tf.slice(x, [1, 2, 1], [2, 3, 4]),
      tf.slice(wide, [0, 1, 3], [3, 2, 20]),
      tf.slice(x, [2, 0, 0], [1, 5, 6]),
      tf.unstack(x, 1)[3]!,
      tf.split(x, [2, 4], 2)[1]!,
      tf.matMul(a, b, true, false),
      tf.matMul(b, a, true, false),
      tf.matMul(tf.reshape(a, [6, 4]), tf.reshape(a, [6, 4]), false, true),
    ].map((t) => Array.from(t.dataSync())));
  };
  await selectBackend("cpu");
  const cpu = run();
  await selectBackend("wasm");
  const wasm = run();
  cpu.forEach((c, i) => assert.ok(maxRelDiff(wasm[i]!, c) < 1e-5, `case ${i}`));
});

test("LFADS_BACKEND must name a known backend", async () => {
  const prev = process.env["LFADS_BACKEND"];
  process.env["LFADS_BACKEND"] = "gpu-please";
  try {
    assert.throws(() => selectBackend(), (e: Error) => e instanceof ParamError && /LFADS_BACKEND='gpu-please': expected one of cpu, wasm, tensorflow/.test(e.message));
  } finally {
    if (prev === undefined) delete process.env["LFADS_BACKEND"];
    else process.env["LFADS_BACKEND"] = prev;
  }
});

test("asking for the native backend without tfjs-node installed is an error, not a silent fallback", async () => {
  await assert.rejects(selectBackend("tensorflow"), /neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node could be loaded/);
  assert.equal((await selectBackend("wasm")).name, "wasm");
});
