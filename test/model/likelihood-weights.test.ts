/**
 * Coordinated dropout and sample validation in the model: per-element likelihood weights through the
 * fused Poisson read-out (wasm kernels) and through the composite tfjs path agree (values, held-out
 * sums, every gradient); with coordinated dropout the gradient w.r.t. the log-rates is exactly zero at
 * the elements the encoders saw; sample-validation elements give neither value nor gradient.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { wasmReadoutImplementation } from "../../src/kernels/readout-impl.js";
import { lfadsCost } from "../../src/model/cost.js";
import type { LfadsBatch } from "../../src/model/lfads.js";
import { weightedLogLik, type LikelihoodWeights } from "../../src/model/likelihood-weights.js";
import { RngNoise } from "../../src/model/noise.js";
import { lgammaRowSums } from "../../src/model/observation/poisson.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import { poissonReadoutOp, setPoissonReadoutImplementation, type PoissonReadoutImpl } from "../../src/model/ops/poisson-readout.js";
import type { RunParamsInit } from "../../src/params/run-params.js";
import { augmentBatch, drawCoordinatedDropout } from "../../src/train/augmentation.js";
import { assertClose, randn } from "../kernels/gru-reference.js";
import { counts, maxRelDiff, tinyModel } from "./tiny.js";

const BACKENDS = ["cpu", "wasm"] as const;

/** CD (keep 0.6, pass-through 0.2 when asked) and SV (keep 0.75) masks over B·T·N elements of x. */
function masks(x: Float32Array, B: number, opts: { cd: boolean; sv: boolean; pass?: number }, seed = 11) {
  const rng = new Rng(seed);
  const sv = opts.sv ? { rows: Uint8Array.from(x, () => (rng.uniform() < 0.75 ? 1 : 0)), keepRatio: 0.75 } : undefined;
  const cd = opts.cd ? drawCoordinatedDropout(new RngNoise(rng), x.length, 0.6, opts.pass ?? 0) : undefined;
  return { cd, sv, aug: augmentBatch(x, B, { ...(sv ? { sv } : {}), ...(cd ? { cd } : {}) }, lgammaRowSums) };
}

interface OpCase {
  name: string;
  stage: boolean;
  cd: boolean;
  sv: boolean;
  pass?: number;
}

const OP_CASES: OpCase[] = [
  { name: "factors stage, CD", stage: true, cd: true, sv: false },
  { name: "factors stage, CD with pass-through, SV", stage: true, cd: true, sv: true, pass: 0.2 },
  { name: "factors given, SV", stage: false, cd: false, sv: true },
  { name: "factors given, CD and SV", stage: false, cd: true, sv: true },
];

/** The loss Σ_b c_b·logLik_b, the held-out sums and every gradient, fused or composite. */
function opRun(c: OpCase, fused: boolean): Float32Array[] {
  const rng = new Rng(5);
  const [B, T, N, F, G] = [6, 9, 13, 5, 11];
  const xs = Float32Array.from({ length: B * T * N }, () => rng.poisson(1.2));
  const x = tf.tensor3d(xs, [B, T, N]);
  const w: LikelihoodWeights = masks(xs, B, c).aug.weights;
  const src = tf.tensor3d(randn(rng, B * T * (c.stage ? G : F), 1), [B, T, c.stage ? G : F]);
  const facW = tf.tensor2d(randn(rng, G * F, 0.5), [G, F]);
  const wr = tf.tensor2d(randn(rng, F * N, 0.4), [F, N]);
  const br = tf.tensor2d(randn(rng, N, 0.3), [1, N]);
  const cLL = tf.tensor1d(randn(rng, B, 1));
  let heldOut: Float32Array = new Float32Array(0);
  const loss = (...ts: tf.Tensor[]): tf.Scalar => {
    const [s, fw, wr_, b] = c.stage ? ts : [ts[0]!, undefined, ts[1]!, ts[2]!];
    let ll: tf.Tensor1D;
    let h: tf.Tensor1D | undefined;
    if (fused) {
      const r = poissonReadoutOp(wasmReadoutImplementation, x, fw ? { states: s as tf.Tensor3D, facW: fw as tf.Tensor2D } : { factors: s as tf.Tensor3D }, wr_ as tf.Tensor2D, b!, {}, w);
      [ll, h] = [r.logLik, r.heldOutLogLik];
    } else {
      const f = fw ? tf.reshape(tf.matMul(tf.reshape(s!, [B * T, G]), fw as tf.Tensor2D), [B, T, F]) : s!;
      const logr = tf.reshape(tf.add(tf.matMul(tf.reshape(f, [B * T, F]), wr_ as tf.Tensor2D), b!), [B, T, N]) as tf.Tensor3D;
      const r = weightedLogLik(tf.sub(tf.mul(x, logr), tf.exp(logr)) as tf.Tensor3D, w);
      [ll, h] = [r.logLik, r.heldOut];
    }
    if (h) heldOut = h.dataSync() as Float32Array;
    return tf.sum(tf.mul(ll, cLL)) as tf.Scalar;
  };
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(loss)(c.stage ? [src, facW, wr, br] : [src, wr, br]);
    return [value.dataSync() as Float32Array, heldOut, ...grads.map((g) => g.dataSync() as Float32Array)];
  });
}

for (const backend of BACKENDS) {
  for (const c of OP_CASES) {
    test(`weighted likelihood: fused read-out equals the composite path (${backend}): ${c.name}`, async () => {
      await selectBackend(backend);
      const ref = opRun(c, false);
      const got = opRun(c, true);
      assert.equal(got[1]!.length, c.sv ? 6 : 0, "a held-out sum exactly with SV");
      const names = ["loss", "heldOut", c.stage ? "dStates" : "dFactors", ...(c.stage ? ["dWfac"] : []), "dWr", "dBr"];
      got.forEach((g, i) => assertClose(names[i]!, g, ref[i]!, 2e-5));
    });
  }
}

/**
 * With F = N, Wr = I and br = 0 the factors are the log-rates, so the gradient w.r.t. the input
 * factors is the gradient w.r.t. the log-rates.
 */
function logRateGradient(fused: boolean, weights: LikelihoodWeights | undefined, xs: Float32Array, logr0: Float32Array, B: number, T: number, N: number): { value: number; grad: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor3d(xs, [B, T, N]);
    const eye = tf.eye(N) as tf.Tensor2D;
    const br = tf.zeros([1, N]);
    const f = (logr: tf.Tensor): tf.Scalar => {
      if (fused) return tf.sum(poissonReadoutOp(wasmReadoutImplementation, x, { factors: logr as tf.Tensor3D }, eye, br, {}, weights ?? {}).logLik) as tf.Scalar;
      const terms = tf.sub(tf.mul(x, logr), tf.exp(logr)) as tf.Tensor3D;
      return tf.sum(weights ? weightedLogLik(terms, weights).logLik : tf.sum(terms, [1, 2])) as tf.Scalar;
    };
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor3d(logr0, [B, T, N]));
    return { value: value.dataSync()[0]!, grad: grad.dataSync() as Float32Array };
  });
}

for (const backend of BACKENDS) {
  test(`coordinated dropout: the gradient w.r.t. the log-rates is exactly 0 where the encoders saw the element, the value spans every element (${backend})`, async () => {
    await selectBackend(backend);
    const [B, T, N] = [5, 11, 8];
    const rng = new Rng(3);
    const xs = Float32Array.from({ length: B * T * N }, () => rng.poisson(2));
    const logr0 = randn(rng, B * T * N, 0.5);
    const { cd, aug } = masks(xs, B, { cd: true, sv: false });
    for (const fused of [true, false]) {
      const plain = logRateGradient(fused, undefined, xs, logr0, B, T, N);
      const got = logRateGradient(fused, aug.weights, xs, logr0, B, T, N);
      let kept = 0;
      let dropped = 0;
      for (let i = 0; i < xs.length; i++) {
        if (cd!.keep[i]! > 0) {
          kept++;
          assert.ok(Object.is(got.grad[i], 0), `${fused ? "fused" : "composite"}: element ${i} was seen, its gradient is ${got.grad[i]}`);
        } else {
          dropped++;
          // Dropped elements keep the plain gradient x − exp(logr).
          assert.ok(Math.abs(got.grad[i]! - plain.grad[i]!) <= 1e-6 * Math.max(1, Math.abs(plain.grad[i]!)), `element ${i}: ${got.grad[i]} vs ${plain.grad[i]}`);
        }
      }
      assert.ok(kept > 0.5 * xs.length && dropped > 0.3 * xs.length, `a keep ratio of 0.6 keeps about 60%: ${kept} kept, ${dropped} dropped`);
      assert.ok(Math.abs(got.value - plain.value) <= 1e-5 * Math.abs(plain.value), `the value is over all elements: ${got.value} vs ${plain.value}`);
    }
    // With pass-through, some seen elements pass their gradient again, and only those.
    const p = masks(xs, B, { cd: true, sv: false, pass: 0.5 });
    const g = logRateGradient(true, p.aug.weights, xs, logr0, B, T, N).grad;
    let passed = 0;
    for (let i = 0; i < xs.length; i++) {
      if (p.cd!.keep[i]! > 0 && p.cd!.pass![i]! === 0) assert.ok(Object.is(g[i], 0));
      if (p.cd!.keep[i]! > 0 && p.cd!.pass![i]! > 0 && g[i] !== 0) passed++;
    }
    assert.ok(passed > 0, "pass-through elements carry a gradient");
  });
}

interface ModelCase {
  name: string;
  over: RunParamsInit;
  keepProb: number;
  cd: boolean;
  sv: boolean;
}

const MODEL_CASES: ModelCase[] = [
  { name: "no controller, dropout, CD", over: {}, keepProb: 0.7, cd: true, sv: false },
  { name: "controller with feedback, CD and SV", over: { c_co_dim: 2, c_con_dim: 5, c_ci_enc_dim: 4 }, keepProb: 0.8, cd: true, sv: true },
  { name: "no controller, SV only", over: { c_gen_dim: 9, c_factors_dim: 4 }, keepProb: 1, cd: false, sv: true },
];
const [MB, MT, MN] = [5, 7, 6];

function augmentedBatch(xs: Float32Array, c: { cd: boolean; sv: boolean }): LfadsBatch {
  const { aug } = masks(xs, MB, c);
  const b: LfadsBatch = { datasetIndex: 0, data: tf.tensor3d(xs, [MB, MT, MN]), lgammaSum: aug.lgammaSum ?? lgammaRowSums(xs, MB), encoderData: tf.tensor3d(aug.encoderData, [MB, MT, MN]), weights: aug.weights };
  if (aug.lgammaHeldOut) b.lgammaHeldOut = aug.lgammaHeldOut;
  return b;
}

function modelRun(c: ModelCase, impl: PoissonReadoutImpl | null, xs: Float32Array): { cost: number; recon: number; heldOut: number; grads: Map<string, Float32Array> } {
  const prev = setPoissonReadoutImplementation(impl);
  const m = tinyModel(c.over, { T: MT, N: MN }, 3);
  try {
    const vars = m.store.trainable();
    let recon = NaN;
    let heldOut = NaN;
    const { value, grads } = tf.variableGrads(() => {
      const fwd = m.forward(augmentedBatch(xs, c), { keepProb: c.keepProb, latents: "sample", noise: new RngNoise(new Rng(9)) });
      const cost = lfadsCost(m, fwd, { kl: 0.8, l2: 0.6 });
      recon = cost.recon.dataSync()[0]!;
      heldOut = cost.reconHeldOut?.dataSync()[0] ?? NaN;
      return cost.cost;
    }, vars.map((p) => p.variable));
    const named = new Map(vars.map((p) => [p.name, grads[p.variable.name]!.dataSync() as Float32Array]));
    const cost = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { cost, recon, heldOut, grads: named };
  } finally {
    m.dispose();
    setPoissonReadoutImplementation(prev);
  }
}

for (const backend of BACKENDS) {
  for (const c of MODEL_CASES) {
    test(`LfadsModel with likelihood weights: fused read-out equals the composite path (${backend}): ${c.name}`, async () => {
      await selectBackend(backend);
      const xs = counts(MB, MT, MN, 4);
      const ref = modelRun(c, null, xs);
      const got = modelRun(c, wasmReadoutImplementation, xs);
      assert.ok(Math.abs(got.cost - ref.cost) <= 1e-5 * Math.abs(ref.cost), `cost ${got.cost} vs ${ref.cost}`);
      assert.equal(Number.isNaN(got.heldOut), !c.sv, "a held-out recon exactly with SV");
      if (c.sv) assert.ok(Math.abs(got.heldOut - ref.heldOut) <= 1e-5 * Math.abs(ref.heldOut), `held-out recon ${got.heldOut} vs ${ref.heldOut}`);
      for (const [name, g] of ref.grads) {
        const d = maxRelDiff(got.grads.get(name)!, g);
        assert.ok(d < 1e-4, `gradient of ${name} differs by ${d}`);
      }
    });
  }
}

test("sample validation: held-out elements change neither the cost nor a gradient, only the held-out recon", async () => {
  await selectBackend("wasm");
  const c: ModelCase = { name: "SV", over: {}, keepProb: 1, cd: false, sv: true };
  const xs = counts(MB, MT, MN, 4);
  const { sv } = masks(xs, MB, c);
  // Other counts at the held-out elements only (the masks depend on the seed, not on x).
  const other = Float32Array.from(xs, (v, i) => (sv!.rows[i] ? v : v + 3));
  for (const impl of [wasmReadoutImplementation, null]) {
    const a = modelRun(c, impl, xs);
    const b = modelRun(c, impl, other);
    assert.equal(b.cost, a.cost, "the same cost, bit for bit");
    for (const [name, g] of a.grads) assert.deepEqual(b.grads.get(name), g, `the same gradient of ${name}`);
    assert.ok(b.heldOut > a.heldOut + 1, `the held-out recon sees the change: ${a.heldOut} → ${b.heldOut}`);
  }
});

test("Gaussian observations (composite path): unit weights give its log-likelihood; CD's gradient mask holds on means and log-variances", async () => {
  await selectBackend("cpu");
  const { gaussian } = await import("../../src/model/observation/gaussian.js");
  const [B, T, N] = [3, 4, 5];
  const rng = new Rng(8);
  const xs = randn(rng, B * T * N, 1);
  const params0 = randn(rng, B * T * 2 * N, 0.5);
  const { cd, aug } = masks(xs, B, { cd: true, sv: false });
  tf.tidy(() => {
    const x = tf.tensor3d(xs, [B, T, N]);
    const raw = tf.tensor3d(params0, [B, T, 2 * N]);
    const ones = weightedLogLik(gaussian.elementLogLikelihood(raw, x), { value: new Float32Array(B * T * N).fill(1) }).logLik;
    assertClose("unit weights", ones.dataSync() as Float32Array, gaussian.logLikelihood(raw, x).dataSync() as Float32Array, 1e-6);
    const g = tf.grad((r: tf.Tensor) => tf.sum(weightedLogLik(gaussian.elementLogLikelihood(r as tf.Tensor3D, x), aug.weights).logLik))(raw).dataSync();
    for (let i = 0; i < B * T; i++) {
      for (let n = 0; n < N; n++) {
        const seen = cd!.keep[i * N + n]! > 0;
        for (const col of [n, N + n]) assert.equal(Object.is(g[i * 2 * N + col], 0), seen, `row ${i} neuron ${n} column ${col}`);
      }
    }
  });
});
