import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { NotSupportedError, ShapeError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import { activeCoupledDecoder } from "../../src/model/ops/coupled-decoder.js";
import { activeGruImplementation } from "../../src/model/ops/gru-recurrence.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { lfadsCost } from "../../src/model/cost.js";
import { LfadsModel } from "../../src/model/lfads.js";
import { RngNoise } from "../../src/model/noise.js";
import { RunParams } from "../../src/params/run-params.js";
import { batchOf, counts, TINY, tinyModel } from "./tiny.js";

const CHAOTIC = new RunParams({ c_ic_enc_dim: 128, c_ci_enc_dim: 128, c_con_dim: 128, c_gen_dim: 200, c_factors_dim: 20, c_co_dim: 1, c_ic_dim: 64 });

test("parameter counts match TF LFADS for the README chaotic-RNN configuration", async () => {
  await selectBackend("cpu");
  for (const [co, want] of [[1, 603638], [0, 309402]] as const) {
    const m = new LfadsModel(modelConfigFromRunParams(CHAOTIC.with({ c_co_dim: co }), { numSteps: 100, datasets: [{ name: "x", numNeurons: 50 }] }));
    assert.equal(m.parameterCount(), want);
    m.dispose();
  }
});

test("variables carry the TF LFADS names and shapes", async () => {
  await selectBackend("cpu");
  const m = tinyModel({ c_co_dim: 2 });
  const shapes = new Map(m.variables().map((p) => [p.name, p.shape.join("x")]));
  const expect: Record<string, string> = {
    "LFADS/ic_enc_fwd/ic_enc_t0_fwd": "1x5",
    "LFADS/ic_enc_rev/GRU/Gates/xh_2_ru/W": "10x10",
    "LFADS/ic_enc_fwd/GRU/Candidate/xrh_2_c/b": "1x5",
    "LFADS/ci_enc_rev/GRU/Gates/xh_2_ru/W": "9x8",
    "LFADS/z/prior_g0/mean": "1x3",
    "LFADS/z/prior_g0/logvar": "1x3",
    "LFADS/z/ic_enc_2_post_g0/logvar/W": "10x3",
    "LFADS/z/u_prior_ar1/logevars": "1x2",
    "LFADS/z/u_prior_ar1/logatau": "1x2",
    "LFADS/con/c0": "1x4",
    "LFADS/con/GenGRU/Gates/x_2_ru/W": "11x8",
    "LFADS/con/GenGRU/Candidate/rh_2_c/W": "4x4",
    "LFADS/con/con_to_post_co/mean/W": "4x2",
    "LFADS/gen/g0_2_gen_ic/W": "3x6",
    "LFADS/gen/GenGRU/Gates/x_2_ru/W": "2x12",
    "LFADS/gen/GenGRU/Gates/h_2_ru/b": "1x12",
    "LFADS/gen/gen_2_fac/W": "6x3",
    "LFADS/glm/fac_2_logrates_dataset001.h5/W": "3x5",
    "LFADS/glm/fac_2_logrates_dataset001.h5/b": "1x5",
  };
  for (const [name, shape] of Object.entries(expect)) assert.equal(shapes.get(name), shape, name);
  assert.ok(![...shapes.keys()].some((k) => k.includes("x_2_infac")), "single dataset without alignment: identity read-in");
  const fixed = m.variables().filter((p) => !p.trainable).map((p) => p.name);
  assert.deepEqual(fixed, ["LFADS/z/prior_g0/logvar"]);
  m.dispose();
});

test("unsupported and inconsistent settings are errors that name the parameter", async () => {
  await selectBackend("cpu");
  const base = new RunParams(TINY);
  assert.throws(() => modelConfigFromRunParams(base.with({ c_in_factors_dim: 20 }), { numSteps: 5, datasets: [{ name: "a", numNeurons: 3 }] }), (e: Error) => e instanceof NotSupportedError && /not supported: c_in_factors_dim/.test(e.message));
  assert.throws(
    () => modelConfigFromRunParams(base.with({ c_co_dim: 1, c_feedback_factors_or_rates: "rates" }), { numSteps: 5, datasets: [{ name: "a", numNeurons: 3 }, { name: "b", numNeurons: 4 }] }),
    (e: Error) => e instanceof NotSupportedError && /c_feedback_factors_or_rates='rates' with 2 datasets/.test(e.message),
  );
  assert.throws(() => modelConfigFromRunParams(base, { numSteps: 5, datasets: [{ name: "a", numNeurons: 3, alignmentMatrix: new Float32Array(7) }] }), /alignment_matrix_cxf of dataset 'a' has 7 values; expected \[3, 3\]/);
  const m = tinyModel();
  assert.throws(() => m.forward(batchOf(counts(2, 6, 5), 2, 6, 5), { noise: new RngNoise(new Rng(1)) }), (e: Error) => e instanceof ShapeError && /shape \[2, 6, 5\], expected \[B, 7, 5\]/.test(e.message));
  m.dispose();
});

test("exportWeights / importWeights round-trip by TF name, and reject mismatches", async () => {
  await selectBackend("cpu");
  const a = tinyModel({ c_co_dim: 1 }, undefined, 1);
  const b = tinyModel({ c_co_dim: 1 }, undefined, 2);
  const w = a.exportWeights();
  b.importWeights(w);
  for (const [name, v] of b.exportWeights()) assert.deepEqual(Array.from(v.data), Array.from(w.get(name)!.data), name);
  const bad = new Map(w);
  bad.set("LFADS/gen/gen_2_fac/W", { shape: [3, 6], data: new Float32Array(18) });
  assert.throws(() => b.importWeights(bad), /'LFADS\/gen\/gen_2_fac\/W' has shape \[3, 6\], the model expects \[6, 3\]/);
  const extra = new Map(w);
  extra.set("LFADS/nope", { shape: [1], data: new Float32Array(1) });
  assert.throws(() => b.importWeights(extra), /unknown variables LFADS\/nope/);
  a.dispose();
  b.dispose();
});

test("full-cost gradients agree with central finite differences on a tiny model with a controller (fused GRU and decoder kernels)", async () => {
  await selectBackend("cpu");
  assert.equal(activeGruImplementation(), "wasm-simd");
  assert.equal(activeCoupledDecoder()?.name, "wasm-simd");
  const m = tinyModel({ c_co_dim: 2, c_l2_con_scale: 50, c_co_mean_corr_scale: 0.3, c_keep_prob: 0.8, c_prior_ar_atau: 3 });
  const [B, T, N] = [4, 7, 5];
  const x = counts(B, T, N);
  const batch = batchOf(x, B, T, N);
  const cost = (): tf.Scalar => lfadsCost(m, m.forward(batch, { keepProb: 0.8, noise: new RngNoise(new Rng(11)) }), { kl: 0.7, l2: 0.4 }).cost;
  const vars = m.store.trainable();
  const { grads } = tf.variableGrads(cost, vars.map((p) => p.variable));
  const checked = ["LFADS/ic_enc_fwd/GRU/Gates/xh_2_ru/W", "LFADS/ci_enc_rev/GRU/Candidate/xrh_2_c/W", "LFADS/con/GenGRU/Gates/h_2_ru/W", "LFADS/z/u_prior_ar1/logatau", "LFADS/gen/GenGRU/Candidate/rh_2_c/b", "LFADS/gen/gen_2_fac/W", "LFADS/z/prior_g0/mean", "LFADS/con/con_to_post_co/logvar/b"];
  const eps = 3e-3;
  for (const name of checked) {
    const p = vars.find((v) => v.name === name)!;
    const g = Array.from(grads[p.variable.name]!.dataSync());
    const base = p.variable.dataSync().slice();
    const idx = g.reduce((best, v, i) => (Math.abs(v) > Math.abs(g[best]!) ? i : best), 0);
    const at = (d: number): number => {
      const v = base.slice();
      v[idx]! += d;
      p.variable.assign(tf.tensor(v, p.shape));
      return tf.tidy(() => cost().dataSync()[0]!);
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    p.variable.assign(tf.tensor(base, p.shape));
    assert.ok(Math.abs(fd - g[idx]!) <= 5e-3 * Math.abs(g[idx]!) + 1e-2, `${name}[${idx}]: finite difference ${fd} vs gradient ${g[idx]}`);
  }
  m.dispose();
});

test("every architecture variant builds, runs and gives finite gradients", async () => {
  await selectBackend("cpu");
  const [B, T] = [4, 6];
  const variants: { name: string; over: Record<string, unknown>; datasets?: { name: string; numNeurons: number; alignmentMatrix?: Float32Array; alignmentBias?: Float32Array }[]; gaussian?: boolean }[] = [
    { name: "controller, rates feedback, lag 2", over: { c_co_dim: 2, c_feedback_factors_or_rates: "rates", c_controller_input_lag: 2 } },
    { name: "causal controller without feedback", over: { c_co_dim: 1, c_do_causal_controller: true, c_do_feed_factors_to_controller: false } },
    { name: "ext inputs to the encoders", over: { c_ext_input_dim: 2 } },
    { name: "ext inputs to the generator, with controller", over: { c_ext_input_dim: 2, c_inject_ext_input_to_gen: true, c_co_dim: 1 } },
    { name: "ext inputs to the generator, no controller", over: { c_ext_input_dim: 2, c_inject_ext_input_to_gen: true } },
    { name: "no IC encoder (learned g0), learned prior variance", over: { c_ic_dim: 0, c_co_dim: 1 } },
    { name: "learned IC prior variance, IC from first 3 bins, ic_dim = gen_dim", over: { c_ic_prior_var_min: 0.01, c_ic_prior_var_max: 1, c_num_steps_for_gen_ic: 3, c_ic_dim: 6 } },
    { name: "gaussian output", over: { c_output_dist: "gaussian", c_co_dim: 1, c_feedback_factors_or_rates: "rates" }, gaussian: true },
    {
      name: "two stitched datasets with alignment",
      over: { c_co_dim: 1 },
      datasets: [
        { name: "a.h5", numNeurons: 5, alignmentMatrix: new Float32Array(15).fill(0.2), alignmentBias: new Float32Array(5).fill(0.1) },
        { name: "b.h5", numNeurons: 4 },
      ],
    },
  ];
  for (const v of variants) {
    const p = new RunParams({ ...TINY, ...v.over });
    const datasets = v.datasets ?? [{ name: "d.h5", numNeurons: 5 }];
    const m = new LfadsModel(modelConfigFromRunParams(p, { numSteps: T, datasets }), { seed: 4 });
    const X = p.c_ext_input_dim;
    tf.tidy(() => {
      for (let d = 0; d < datasets.length; d++) {
        const N = datasets[d]!.numNeurons;
        const x = v.gaussian ? tf.randomNormal([B, T, N], 0, 1, "float32", 3) : tf.tensor3d(counts(B, T, N), [B, T, N]);
        const batch = { datasetIndex: d, data: x as tf.Tensor3D, ...(X > 0 ? { extInput: tf.randomNormal([B, T, X], 0, 1, "float32", 5) as tf.Tensor3D } : {}) };
        const { value, grads } = tf.variableGrads(() => lfadsCost(m, m.forward(batch, { keepProb: 0.9, noise: new RngNoise(new Rng(2)) }), { kl: 1, l2: 1 }).cost, m.store.trainable().map((q) => q.variable));
        assert.ok(Number.isFinite(value.dataSync()[0]!), v.name);
        for (const g of Object.values(grads)) assert.ok(Array.from(g.dataSync()).every(Number.isFinite), v.name);
        const out = m.forward(batch, { noise: new RngNoise(new Rng(2)), latents: "mean", outputs: true }).outputs!;
        assert.deepEqual(out.outputDistParams.shape, [B, T, v.gaussian ? 2 * N : N], v.name);
      }
    });
    if (X === 0) tf.tidy(() => assert.deepEqual(m.samplePrior(3, 0, new RngNoise(new Rng(1))).factors.shape, [3, T, 3]));
    m.dispose();
  }
});
