/**
 * Held-in / held-out neurons and forward bins inside the model (lfads-torch's encod/recon split): the
 * encoders read [B, T_obs, N_in], the generator and read-out run [B, T_rec, N_rec]. The fused kernels
 * (GRU encoders, coupled decoder, Poisson read-out) equal the composite tfjs path on such a batch, with
 * coordinated dropout and sample validation weights padded over the held-out elements (values, outputs,
 * every gradient); the reconstruction cost is over every recon element; the controller's encoder
 * inputs are zero over the forward steps (lfads-torch's padding after the lag).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../src/core/rng.js";
import { logFactorial } from "../../src/core/special.js";
import { wasmDecoderImplementation } from "../../src/kernels/decoder-impl.js";
import { wasmGruImplementation } from "../../src/kernels/gru-impl.js";
import { wasmReadoutImplementation } from "../../src/kernels/readout-impl.js";
import { lfadsCost } from "../../src/model/cost.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { padLaggedSteps } from "../../src/model/forward-steps.js";
import { LfadsModel, type LfadsBatch } from "../../src/model/lfads.js";
import { RngNoise } from "../../src/model/noise.js";
import { lgammaRowSums } from "../../src/model/observation/poisson.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import { setCoupledDecoderImplementation } from "../../src/model/ops/coupled-decoder.js";
import { setGruImplementation } from "../../src/model/ops/gru-recurrence.js";
import { setPoissonReadoutImplementation } from "../../src/model/ops/poisson-readout.js";
import { RunParams, type RunParamsInit } from "../../src/params/run-params.js";
import { augmentBatch, drawCoordinatedDropout } from "../../src/train/augmentation.js";
import { heldInBlock } from "../../src/train/recon-data.js";
import { maxRelDiff, TINY } from "./tiny.js";

const [B, T, N, TR, NR] = [5, 6, 4, 9, 7];

function reconModel(over: RunParamsInit, seed = 3): LfadsModel {
  const p = new RunParams({ ...TINY, ...over });
  return new LfadsModel(modelConfigFromRunParams(p, { numSteps: T, reconSteps: TR, datasets: [{ name: "dataset001.h5", numNeurons: N, numReconNeurons: NR }] }), { seed });
}

/** Recon counts [B, T_rec, N_rec]; the encoders' data is its held-in observed block. */
function reconCounts(seed: number): { recon: Float32Array; data: Float32Array } {
  const rng = new Rng(seed);
  const recon = Float32Array.from({ length: B * TR * NR }, (_, i) => rng.poisson(0.8 + 0.6 * Math.sin(i / 5)));
  return { recon, data: heldInBlock(recon, B, T, N, TR, NR) };
}

interface Case {
  name: string;
  over: RunParamsInit;
  keepProb: number;
  cd: boolean;
  sv: boolean;
  latents: "sample" | "mean";
}

const CASES: Case[] = [
  { name: "controller with factor feedback, lag 2, dropout, CD and SV", over: { c_co_dim: 2, c_con_dim: 5, c_ci_enc_dim: 4, c_controller_input_lag: 2 }, keepProb: 0.8, cd: true, sv: true, latents: "sample" },
  { name: "no controller, CD", over: { c_gen_dim: 7, c_factors_dim: 3 }, keepProb: 0.9, cd: true, sv: false, latents: "sample" },
  { name: "causal controller, external inputs to the generator, mean latents", over: { c_co_dim: 1, c_ext_input_dim: 2, c_inject_ext_input_to_gen: true, c_do_causal_controller: true }, keepProb: 1, cd: false, sv: false, latents: "mean" },
];

function batchFor(c: Case, seed = 4): LfadsBatch {
  const { recon, data } = reconCounts(seed);
  const b: LfadsBatch = { datasetIndex: 0, data: tf.tensor3d(data, [B, T, N]), recon: tf.tensor3d(recon, [B, TR, NR]), lgammaSum: lgammaRowSums(recon, B) };
  if (c.over.c_ext_input_dim) b.extInput = tf.tensor3d(Float32Array.from({ length: B * T * 2 }, (_, i) => Math.cos(i / 3)), [B, T, 2]);
  if (c.cd || c.sv) {
    const rng = new Rng(11);
    const sv = c.sv ? { rows: Uint8Array.from(data, () => (rng.uniform() < 0.75 ? 1 : 0)), keepRatio: 0.75 } : undefined;
    const cd = c.cd ? drawCoordinatedDropout(new RngNoise(rng), data.length, 0.6, 0) : undefined;
    const aug = augmentBatch(data, B, { ...(sv ? { sv } : {}), ...(cd ? { cd } : {}) }, lgammaRowSums, { target: recon, T, N, Trec: TR, Nrec: NR });
    b.encoderData = tf.tensor3d(aug.encoderData, [B, T, N]);
    b.weights = aug.weights;
    if (aug.lgammaSum) b.lgammaSum = aug.lgammaSum;
    if (aug.lgammaHeldOut) b.lgammaHeldOut = aug.lgammaHeldOut;
  }
  return b;
}

/** Every fused kernel on (the wasm set) or off (the composite tfjs reference). */
function useKernels(on: boolean): () => void {
  const prev = [setGruImplementation(on ? wasmGruImplementation : null), setCoupledDecoderImplementation(on ? wasmDecoderImplementation : null), setPoissonReadoutImplementation(on ? wasmReadoutImplementation : null)] as const;
  return () => {
    setGruImplementation(prev[0]);
    setCoupledDecoderImplementation(prev[1]);
    setPoissonReadoutImplementation(prev[2]);
  };
}

function run(c: Case, fused: boolean): { cost: number; heldOut: number; outputs: Float32Array[]; shapes: number[][]; grads: Map<string, Float32Array> } {
  const restore = useKernels(fused);
  const m = reconModel(c.over);
  try {
    const batch = batchFor(c);
    const vars = m.store.trainable();
    let outputs: Float32Array[] = [];
    let shapes: number[][] = [];
    let heldOut = NaN;
    const { value, grads } = tf.variableGrads(() => {
      const fwd = m.forward(batch, { keepProb: c.keepProb, latents: c.latents, noise: new RngNoise(new Rng(9)), outputs: true });
      const o = fwd.outputs!;
      const ts = [o.outputDistParams, o.factors, o.genStates, ...(o.controllerOutputs ? [o.controllerOutputs] : [])];
      outputs = ts.map((t) => t.dataSync() as Float32Array);
      shapes = ts.map((t) => t.shape);
      const cost = lfadsCost(m, fwd, { kl: 0.8, l2: 0.6 });
      heldOut = cost.reconHeldOut?.dataSync()[0] ?? NaN;
      return cost.cost;
    }, vars.map((p) => p.variable));
    const named = new Map(vars.map((p) => [p.name, grads[p.variable.name]!.dataSync() as Float32Array]));
    const cost = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { cost, heldOut, outputs, shapes, grads: named };
  } finally {
    m.dispose();
    restore();
  }
}

for (const backend of ["cpu", "wasm"] as const) {
  for (const c of CASES) {
    test(`recon split: fused kernels equal the composite path (${backend}): ${c.name}`, async () => {
      await selectBackend(backend);
      const ref = run(c, false);
      const got = run(c, true);
      assert.deepEqual(ref.shapes[0], [B, TR, NR], "rates over T_rec bins and N_rec neurons");
      assert.deepEqual(ref.shapes[1]!.slice(0, 2), [B, TR], "factors over T_rec bins");
      assert.deepEqual(got.shapes, ref.shapes);
      assert.ok(Number.isFinite(ref.cost), `finite cost ${ref.cost}`);
      assert.ok(Math.abs(got.cost - ref.cost) <= 1e-5 * Math.abs(ref.cost), `cost ${got.cost} vs ${ref.cost}`);
      assert.equal(Number.isNaN(ref.heldOut), !c.sv, "a held-out recon exactly with SV");
      if (c.sv) assert.ok(Math.abs(got.heldOut - ref.heldOut) <= 1e-5 * Math.abs(ref.heldOut), `held-out recon ${got.heldOut} vs ${ref.heldOut}`);
      got.outputs.forEach((o, i) => assert.ok(maxRelDiff(o, ref.outputs[i]!) < 1e-4, `output ${i} differs by ${maxRelDiff(o, ref.outputs[i]!)}`));
      for (const [name, g] of ref.grads) {
        const d = maxRelDiff(got.grads.get(name)!, g);
        assert.ok(d < 1e-4, `gradient of ${name} differs by ${d}`);
      }
    });
  }
}

test("recon split: the reconstruction cost is the Poisson NLL over every recon element (held-out neurons and forward bins included)", async () => {
  for (const fused of [false, true]) {
    await selectBackend("wasm");
    const restore = useKernels(fused);
    const m = reconModel({ c_co_dim: 2, c_con_dim: 5, c_ci_enc_dim: 4 });
    try {
      const { recon } = reconCounts(4);
      tf.tidy(() => {
        const fwd = m.forward(batchFor({ ...CASES[2]!, over: { c_co_dim: 2 } }), { keepProb: 1, latents: "mean", noise: new RngNoise(new Rng(1)), outputs: true });
        const rates = fwd.outputs!.outputDistParams.dataSync();
        const ll = fwd.logLik.dataSync();
        for (let b = 0; b < B; b++) {
          let want = 0;
          for (let i = b * TR * NR; i < (b + 1) * TR * NR; i++) want += recon[i]! * Math.log(rates[i]!) - rates[i]! - logFactorial(recon[i]!);
          assert.ok(Math.abs(ll[b]! - want) <= 1e-4 * Math.abs(want), `trial ${b} (${fused ? "fused" : "composite"}): log-likelihood ${ll[b]} vs Σ over [T_rec, N_rec] ${want}`);
        }
      });
    } finally {
      m.dispose();
      restore();
    }
  }
});

test("recon split: a batch without recon data, or with the wrong shape, is rejected with the expected shape", async () => {
  await selectBackend("cpu");
  const m = reconModel({});
  try {
    const { data, recon } = reconCounts(4);
    tf.tidy(() => {
      const noise = new RngNoise(new Rng(1));
      assert.throws(() => m.forward({ datasetIndex: 0, data: tf.tensor3d(data, [B, T, N]) }, { noise }), /recon data for dataset 'dataset001\.h5' has shape \[none\], expected \[5, 9, 7\] \(trials × 9 bins: 6 observed \+ 3 forward × 7 neurons: 4 held-in \+ 3 held-out\)/);
      const short = tf.slice(tf.tensor3d(recon, [B, TR, NR]), [0, 0, 0], [B, TR - 1, NR]) as tf.Tensor3D;
      assert.throws(() => m.forward({ datasetIndex: 0, data: tf.tensor3d(data, [B, T, N]), recon: short }, { noise }), /has shape \[5, 8, 7\], expected \[5, 9, 7\]/);
    });
  } finally {
    m.dispose();
  }
});

test("forward steps: the controller's lagged encoder input is zero at every t ≥ T_obs, as lfads-torch pads it after the lag", async () => {
  await selectBackend("cpu");
  tf.tidy(() => {
    const [b, t, h, steps, lag] = [2, 5, 3, 8, 2];
    const cf = tf.add(tf.range(1, b * t * h + 1).reshape([b, t, h]), 0) as tf.Tensor3D;
    const padded = padLaggedSteps(cf, steps, lag).arraySync();
    const src = cf.arraySync();
    for (let i = 0; i < b; i++) {
      for (let s = 0; s < steps; s++) {
        // What the decoder reads at step s: cf_{s−lag}, zero before the first state.
        const read = s - lag >= 0 ? padded[i]![s - lag]! : [0, 0, 0];
        const want = s < t && s - lag >= 0 ? src[i]![s - lag]! : [0, 0, 0];
        assert.deepEqual(read, want, `trial ${i}, step ${s}`);
      }
    }
  });
});

test("recon split, two sessions: each dataset reads its own N_in and reconstructs its own N_rec; fused equals composite", async () => {
  await selectBackend("wasm");
  const dims = [
    { name: "a.h5", numNeurons: 4, numReconNeurons: 7 },
    { name: "b.h5", numNeurons: 6, numReconNeurons: 6 },
  ];
  const forward = (fused: boolean, di: number): { shape: number[]; rates: Float32Array; cost: number } => {
    const restore = useKernels(fused);
    const p = new RunParams({ ...TINY, c_co_dim: 1, c_con_dim: 4, c_ci_enc_dim: 4 });
    const m = new LfadsModel(modelConfigFromRunParams(p, { numSteps: T, reconSteps: TR, datasets: dims }), { seed: 2 });
    try {
      assert.deepEqual(m.variables().find((v) => v.name === `LFADS/x_2_infac_${dims[di]!.name}/W`)?.shape, [dims[di]!.numNeurons, 3]);
      assert.deepEqual(m.variables().find((v) => v.name === `LFADS/glm/fac_2_logrates_${dims[di]!.name}/W`)?.shape, [3, dims[di]!.numReconNeurons]);
      return tf.tidy(() => {
        const [n, nr] = [dims[di]!.numNeurons, dims[di]!.numReconNeurons];
        const rng = new Rng(di + 1);
        const recon = Float32Array.from({ length: B * TR * nr }, () => rng.poisson(1));
        const b: LfadsBatch = { datasetIndex: di, data: tf.tensor3d(heldInBlock(recon, B, T, n, TR, nr), [B, T, n]), recon: tf.tensor3d(recon, [B, TR, nr]), lgammaSum: lgammaRowSums(recon, B) };
        const fwd = m.forward(b, { keepProb: 0.9, latents: "sample", noise: new RngNoise(new Rng(4)), outputs: true });
        const o = fwd.outputs!.outputDistParams;
        return { shape: o.shape, rates: o.dataSync() as Float32Array, cost: lfadsCost(m, fwd, { kl: 1, l2: 1 }).cost.dataSync()[0]! };
      });
    } finally {
      m.dispose();
      restore();
    }
  };
  for (const di of [0, 1]) {
    const ref = forward(false, di);
    const got = forward(true, di);
    assert.deepEqual(ref.shape, [B, TR, dims[di]!.numReconNeurons]);
    assert.ok(maxRelDiff(got.rates, ref.rates) < 1e-4 && Math.abs(got.cost - ref.cost) <= 1e-5 * Math.abs(ref.cost), `dataset ${di}: fused ${got.cost} vs composite ${ref.cost}`);
  }
});
