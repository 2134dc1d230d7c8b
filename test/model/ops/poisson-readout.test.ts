/**
 * The fused Poisson read-out (factors stage + read-out + likelihood in the wasm kernels) against the
 * composite tfjs ops, the reference: the op on its own (logLik, outputs and every gradient, with and
 * without the factors stage and its dropout mask) and the whole LfadsModel cost and gradients, on the
 * cpu backend (plain arrays) and the wasm backend (views of the tfjs heap).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../../src/core/rng.js";
import { wasmReadoutImplementation } from "../../../src/kernels/readout-impl.js";
import { selectBackend } from "../../../src/model/ops/backend.js";
import { lfadsCost } from "../../../src/model/cost.js";
import { dropoutMask, noDropout, type Dropout } from "../../../src/model/decoder.js";
import { RngNoise } from "../../../src/model/noise.js";
import { activePoissonReadout, poissonReadoutOp, setPoissonReadoutImplementation, type PoissonReadoutImpl } from "../../../src/model/ops/poisson-readout.js";
import type { RunParamsInit } from "../../../src/params/run-params.js";
import { assertClose, randn } from "../../kernels/gru-reference.js";
import { batchOf, counts, maxRelDiff, tinyModel } from "../tiny.js";

const BACKENDS = ["cpu", "wasm"] as const;

interface OpCase {
  name: string;
  stage: boolean;
  mask: boolean;
  /** Also return factors and log-rates, and let them reach the loss. */
  outputs: boolean;
}

const OP_CASES: OpCase[] = [
  { name: "factors stage with dropout mask", stage: true, mask: true, outputs: false },
  { name: "factors stage, no mask, outputs in the loss", stage: true, mask: false, outputs: true },
  { name: "factors given", stage: false, mask: false, outputs: false },
  { name: "factors given, log-rates in the loss", stage: false, mask: false, outputs: true },
];

/** logLik and the gradients of a loss mixing every output, fused or composite. */
function opRun(c: OpCase, fused: boolean): Float32Array[] {
  const rng = new Rng(5);
  const [B, T, N, F, G] = [6, 9, 13, 5, 11];
  const x = tf.tensor3d(Float32Array.from({ length: B * T * N }, () => rng.poisson(1.2)), [B, T, N]);
  const mask = c.mask ? Float32Array.from({ length: B * T * G }, () => (rng.uniform() < 0.7 ? 1 / 0.7 : 0)) : undefined;
  const src = tf.tensor3d(randn(rng, B * T * (c.stage ? G : F), 1), [B, T, c.stage ? G : F]);
  const facW = tf.tensor2d(randn(rng, G * F, 1), [G, F]);
  const wr = tf.tensor2d(randn(rng, F * N, 0.4), [F, N]);
  const br = tf.tensor2d(randn(rng, N, 0.3), [1, N]);
  const cLL = tf.tensor1d(randn(rng, B, 1));
  const cF = tf.tensor3d(randn(rng, B * T * F, 0.2), [B, T, F]);
  const cL = tf.tensor3d(randn(rng, B * T * N, 0.2), [B, T, N]);
  const xs = c.stage ? [src, facW, wr, br] : [src, wr, br];
  const loss = (...ts: tf.Tensor[]): tf.Scalar => {
    const [s, fw, w, b] = c.stage ? ts : [ts[0]!, undefined, ts[1]!, ts[2]!];
    // Normalised columns, as the model's Wfac: the op gets the effective matrix, autodiff the rest.
    const wf = fw ? (tf.div(fw, tf.norm(fw, "euclidean", 0, true)) as tf.Tensor2D) : undefined;
    let ll: tf.Tensor1D, f: tf.Tensor3D | undefined, logr: tf.Tensor3D | undefined;
    if (fused) {
      const r = poissonReadoutOp(wasmReadoutImplementation, x, wf ? { states: s as tf.Tensor3D, ...(mask ? { mask } : {}), facW: wf } : { factors: s as tf.Tensor3D }, w as tf.Tensor2D, b!, { factors: c.outputs, logRates: c.outputs });
      [ll, f, logr] = [r.logLik, c.stage ? r.factors : undefined, r.logRates];
    } else {
      f = wf ? (tf.reshape(tf.matMul(tf.reshape(mask ? tf.mul(s!, tf.tensor3d(mask, [B, T, G])) : s!, [B * T, G]), wf), [B, T, F]) as tf.Tensor3D) : (s as tf.Tensor3D);
      logr = tf.reshape(tf.add(tf.matMul(tf.reshape(f, [B * T, F]), w as tf.Tensor2D), b!), [B, T, N]) as tf.Tensor3D;
      ll = tf.sum(tf.sub(tf.mul(x, logr), tf.exp(logr)), [1, 2]) as tf.Tensor1D;
      if (!c.stage) f = undefined;
    }
    let total = tf.sum(tf.mul(ll, cLL));
    if (c.outputs) {
      if (c.stage) total = tf.add(total, tf.sum(tf.mul(f!, cF)));
      total = tf.add(total, tf.sum(tf.mul(logr!, cL)));
    }
    return total as tf.Scalar;
  };
  return tf.tidy(() => {
    const outs: Float32Array[] = [];
    const { value, grads } = tf.valueAndGrads(loss)(xs);
    outs.push(value.dataSync() as Float32Array);
    for (const g of grads) outs.push(g.dataSync() as Float32Array);
    return outs;
  });
}

for (const backend of BACKENDS) {
  for (const c of OP_CASES) {
    test(`fused Poisson read-out op equals the composite ops (${backend}): ${c.name}`, async () => {
      await selectBackend(backend);
      const ref = opRun(c, false);
      const got = opRun(c, true);
      const names = ["loss", c.stage ? "dStates" : "dFactors", ...(c.stage ? ["dWfac"] : []), "dWr", "dBr"];
      got.forEach((g, i) => assertClose(names[i]!, g, ref[i]!, 2e-5));
    });
  }
}

interface ModelCase {
  name: string;
  over: RunParamsInit;
  keepProb: number;
  B: number;
  N: number;
  /** The fused read-out applies (false: identity read-out, stays composite). */
  fused: boolean;
}

const MODEL_CASES: ModelCase[] = [
  { name: "no controller, dropout (the factors stage in the op)", over: {}, keepProb: 0.7, B: 6, N: 5, fused: true },
  { name: "no controller, keep_prob 1", over: { c_gen_dim: 9, c_factors_dim: 4 }, keepProb: 1, B: 5, N: 7, fused: true },
  { name: "controller with feedback, dropout (factors from the coupled loop)", over: { c_co_dim: 2, c_con_dim: 5, c_ci_enc_dim: 4 }, keepProb: 0.8, B: 4, N: 5, fused: true },
  { name: "identity read-out (F = N) stays composite", over: { c_factors_dim: 5 }, keepProb: 0.8, B: 4, N: 5, fused: false },
];

const T = 7;

function modelRun(c: ModelCase, impl: PoissonReadoutImpl | null): { cost: number; outputs: Float32Array[]; grads: Map<string, Float32Array> } {
  const prev = setPoissonReadoutImplementation(impl);
  const m = tinyModel(c.over, { T, N: c.N }, 3);
  try {
    const batch = batchOf(counts(c.B, T, c.N, 4), c.B, T, c.N);
    const vars = m.store.trainable();
    let outputs: Float32Array[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const fwd = m.forward(batch, { keepProb: c.keepProb, latents: "sample", noise: new RngNoise(new Rng(9)), outputs: true });
      const o = fwd.outputs!;
      outputs = [fwd.logLik, o.factors, o.genStates, o.outputDistParams].map((t) => t.dataSync() as Float32Array);
      return lfadsCost(m, fwd, { kl: 0.8, l2: 0.6 }).cost;
    }, vars.map((p) => p.variable));
    const named = new Map(vars.map((p) => [p.name, grads[p.variable.name]!.dataSync() as Float32Array]));
    const cost = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { cost, outputs, grads: named };
  } finally {
    m.dispose();
    setPoissonReadoutImplementation(prev);
  }
}

for (const backend of BACKENDS) {
  for (const c of MODEL_CASES) {
    test(`LfadsModel with the fused Poisson read-out equals the composite path (${backend}): ${c.name}`, async () => {
      await selectBackend(backend);
      assert.equal(activePoissonReadout()?.name, "wasm-simd", `selectBackend installs the fused read-out on ${backend}`);
      let calls = 0;
      let keptBackwards = 0;
      const counting: PoissonReadoutImpl = {
        name: "counting",
        supportsBackend: () => true,
        forward: (a, out, save) => (calls++, wasmReadoutImplementation.forward(a, out, save)),
        backward: (a, cot, out, saved) => (saved && keptBackwards++, wasmReadoutImplementation.backward(a, cot, out, saved)),
      };
      const ref = modelRun(c, null);
      const got = modelRun(c, counting);
      assert.equal(calls > 0, c.fused, `fused op used: ${calls} calls`);
      // Under the gradient tape the forward keeps its inputs for backward (no second copy in).
      assert.equal(keptBackwards > 0, c.fused, `backward given the forward's saved: ${keptBackwards} calls`);
      assert.ok(Math.abs(got.cost - ref.cost) <= 1e-5 * Math.abs(ref.cost), `cost ${got.cost} vs ${ref.cost}`);
      got.outputs.forEach((o, i) => assert.ok(maxRelDiff(o, ref.outputs[i]!) < 1e-5, `output ${i}: ${maxRelDiff(o, ref.outputs[i]!)}`));
      for (const [name, g] of ref.grads) {
        const d = maxRelDiff(got.grads.get(name)!, g);
        assert.ok(d < 1e-4, `gradient of ${name} differs by ${d}`);
      }
    });
  }
}

test("the fused read-out without a gradient tape (evaluation) equals the composite path", async () => {
  await selectBackend("wasm");
  const outputs = (impl: PoissonReadoutImpl | null): Float32Array[] => {
    const prev = setPoissonReadoutImplementation(impl);
    const m = tinyModel({}, { T, N: 6 }, 5);
    try {
      return tf.tidy(() => {
        const fwd = m.forward(batchOf(counts(9, T, 6, 6), 9, T, 6), { keepProb: 1, latents: "mean", noise: new RngNoise(new Rng(4)), outputs: true });
        const o = fwd.outputs!;
        return [fwd.logLik, o.factors, o.outputDistParams].map((t) => t.dataSync() as Float32Array);
      });
    } finally {
      m.dispose();
      setPoissonReadoutImplementation(prev);
    }
  };
  const ref = outputs(null);
  outputs(wasmReadoutImplementation).forEach((o, i) => assert.ok(maxRelDiff(o, ref[i]!) < 1e-5, `output ${i}: ${maxRelDiff(o, ref[i]!)}`));
});

test("dropoutMask: none for noDropout, else the multipliers the dropout applies (drawn by `mask`, or from ones)", async () => {
  await selectBackend("cpu");
  assert.equal(dropoutMask(noDropout, [2, 3]), undefined);
  const m = Float32Array.of(0, 2, 2, 0, 2, 0);
  const plain: Dropout = (x) => tf.mul(x, tf.tensor(m, x.shape)) as typeof x;
  assert.deepEqual(dropoutMask(plain, [2, 3]), m);
  const drawn = Object.assign(plain, { mask: (n: number) => new Float32Array(n).fill(7) });
  assert.deepEqual(dropoutMask(drawn, [2, 3]), new Float32Array(6).fill(7));
});
