/**
 * The fused coupled decoder (controller + sampling + generator + factor feedback in the wasm
 * kernels) against the composite tfjs loop, the reference: same model, same noise seed (so the same
 * dropout masks and posterior noise), every output and every gradient of the full LFADS cost.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../../src/core/rng.js";
import { wasmDecoderImplementation } from "../../../src/kernels/decoder-impl.js";
import { selectBackend } from "../../../src/model/ops/backend.js";
import { activeCoupledDecoder, setCoupledDecoderImplementation } from "../../../src/model/ops/coupled-decoder.js";
import { lfadsCost } from "../../../src/model/cost.js";
import { RngNoise } from "../../../src/model/noise.js";
import type { RunParamsInit } from "../../../src/params/run-params.js";
import { batchOf, counts, maxRelDiff, tinyModel } from "../tiny.js";

interface Case {
  name: string;
  over: RunParamsInit;
  keepProb: number;
  latents: "sample" | "mean";
  B: number;
}

const CASES: Case[] = [
  { name: "feedback, dropout, sampled u", over: { c_co_dim: 2, c_con_dim: 5, c_ci_enc_dim: 4 }, keepProb: 0.7, latents: "sample", B: 6 },
  { name: "feedback, no dropout, mean u", over: { c_co_dim: 3, c_con_dim: 9, c_gen_dim: 11, c_factors_dim: 5 }, keepProb: 1, latents: "mean", B: 5 },
  { name: "no feedback, causal controller, lag 2", over: { c_co_dim: 1, c_do_feed_factors_to_controller: false, c_do_causal_controller: true, c_controller_input_lag: 2 }, keepProb: 0.8, latents: "sample", B: 7 },
  { name: "state clipping active, lag 0", over: { c_co_dim: 2, c_cell_clip_value: 0.3, c_gen_dim: 8, c_controller_input_lag: 0 }, keepProb: 0.9, latents: "sample", B: 4 },
];

const T = 7;
const N = 5;

function run(c: Case, fused: boolean): { cost: number; outputs: Float32Array[]; grads: Map<string, Float32Array> } {
  const prev = setCoupledDecoderImplementation(fused ? wasmDecoderImplementation : null);
  const m = tinyModel(c.over, { T, N }, 3);
  try {
    const batch = batchOf(counts(c.B, T, N, 4), c.B, T, N);
    const vars = m.store.trainable();
    let outputs: Float32Array[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const fwd = m.forward(batch, { keepProb: c.keepProb, latents: c.latents, noise: new RngNoise(new Rng(9)), outputs: true });
      const o = fwd.outputs!;
      outputs = [o.factors, o.genStates, o.outputDistParams, o.controllerOutputs!, o.conStates!, o.coMeans!, o.coLogvars!].map((t) => t.dataSync() as Float32Array);
      return lfadsCost(m, fwd, { kl: 0.8, l2: 0.6 }).cost;
    }, vars.map((p) => p.variable));
    const named = new Map(vars.map((p) => [p.name, grads[p.variable.name]!.dataSync() as Float32Array]));
    return { cost: value.dataSync()[0]!, outputs, grads: named };
  } finally {
    m.dispose();
    setCoupledDecoderImplementation(prev);
  }
}

// cpu: the kernels read and write plain arrays; wasm: views of the tfjs heap (host-tensors.ts).
for (const [backend, c] of CASES.flatMap((c) => (["cpu", "wasm"] as const).map((b) => [b, c] as const))) {
  test(`fused coupled decoder equals the composite loop (${backend}): ${c.name}`, async () => {
    await selectBackend(backend);
    assert.equal(activeCoupledDecoder()?.name, "wasm-simd", `selectBackend installs the fused decoder on ${backend}`);
    const ref = run(c, false);
    const got = run(c, true);
    assert.ok(Math.abs(got.cost - ref.cost) <= 1e-4 * Math.abs(ref.cost), `cost ${got.cost} vs ${ref.cost}`);
    got.outputs.forEach((o, i) => assert.ok(maxRelDiff(o, ref.outputs[i]!) < 1e-4, `output ${i}: ${maxRelDiff(o, ref.outputs[i]!)}`));
    let compared = 0;
    for (const [name, g] of ref.grads) {
      const d = maxRelDiff(got.grads.get(name)!, g);
      assert.ok(d < 2e-4, `gradient of ${name} differs by ${d}`);
      if (/LFADS\/(con|gen)\//.test(name)) compared++;
    }
    assert.ok(compared >= 8, `decoder variables compared: ${compared}`);
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`fused coupled decoder without a gradient tape (evaluation, posterior sampling) equals the composite loop (${backend})`, async () => {
    await selectBackend(backend);
    const outputs = (fused: boolean): Float32Array[] => {
      const prev = setCoupledDecoderImplementation(fused ? wasmDecoderImplementation : null);
      const m = tinyModel({ c_co_dim: 2, c_con_dim: 6 }, { T, N }, 5);
      try {
        return tf.tidy(() => {
          const o = m.forward(batchOf(counts(9, T, N, 6), 9, T, N), { keepProb: 1, latents: "sample", noise: new RngNoise(new Rng(4)), outputs: true }).outputs!;
          return [o.factors, o.outputDistParams, o.controllerOutputs!, o.coLogvars!].map((t) => t.dataSync() as Float32Array);
        });
      } finally {
        m.dispose();
        setCoupledDecoderImplementation(prev);
      }
    };
    const ref = outputs(false);
    outputs(true).forEach((o, i) => assert.ok(maxRelDiff(o, ref[i]!) < 1e-4, `output ${i}: ${maxRelDiff(o, ref[i]!)}`));
  });
}
