/**
 * Encode once, decode many: `LfadsModel.decode` on an encoding whose rows are repeated (`rows`) gives
 * the numbers of `forward` on the repeated trials with the same per-row noise (posterior sampling's
 * fast path, src/posterior/sample.ts), for every model shape the encoders take.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ShapeError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import type { LfadsBatch, LfadsForward, LfadsModel } from "../../src/model/lfads.js";
import type { NoiseSource } from "../../src/model/noise.js";
import type { RunParamsInit } from "../../src/params/run-params.js";
import { RowNoise, type NoiseRequest } from "../../src/posterior/sample-noise.js";
import { batchOf, counts, maxRelDiff, tinyModel } from "../model/tiny.js";

before(async () => {
  await selectBackend("wasm");
});

const T = 9;
const N = 5;
const X = 2;

const SHAPES: [string, RunParamsInit][] = [
  ["g0 + controller, ext inputs to the generator", { c_co_dim: 2, c_ext_input_dim: X, c_inject_ext_input_to_gen: true, c_co_mean_corr_scale: 0.5 }],
  ["g0 + causal controller, ext inputs to the encoders, lag 2, g0 from the first 6 bins", { c_co_dim: 2, c_do_causal_controller: true, c_ext_input_dim: X, c_controller_input_lag: 2, c_num_steps_for_gen_ic: 6 }],
  ["controller without g0", { c_co_dim: 1, c_ic_dim: 0 }],
  ["no controller", { c_co_dim: 0 }],
];

function trialsBatch(trials: readonly number[], E: number, withExt: boolean): LfadsBatch {
  const x = counts(E, T, N, 5);
  const ext = new Rng(6);
  const xe = Float32Array.from({ length: E * T * X }, () => ext.normal());
  const rowsOf = (a: Float32Array, D: number): Float32Array => {
    const out = new Float32Array(trials.length * T * D);
    trials.forEach((e, r) => out.set(a.subarray(e * T * D, (e + 1) * T * D), r * T * D));
    return out;
  };
  const b = batchOf(rowsOf(x, N), trials.length, T, N);
  if (withExt) b.extInput = tf.tensor3d(rowsOf(xe, X), [trials.length, T, X]);
  return b;
}

function plan(m: LfadsModel): NoiseRequest[] {
  const c = m.config;
  const p: NoiseRequest[] = [];
  if (c.icDim > 0) p.push({ what: "g0", perRow: c.icDim, layout: "row" });
  if (c.coDim > 0) p.push({ what: "co", perRow: T * c.coDim, layout: "time", steps: T });
  return p;
}

/** Every number of a forward result, by name. */
function numbers(f: LfadsForward): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>([["logLik", f.logLik.dataSync() as Float32Array], ["klIc", f.klIc.dataSync() as Float32Array], ["klCo", f.klCo.dataSync() as Float32Array], ["corr", f.corr.dataSync() as Float32Array]]);
  for (const [k, v] of Object.entries(f.outputs ?? {})) if (v) out.set(`outputs.${k}`, (v as tf.Tensor).dataSync() as Float32Array);
  return out;
}

for (const [name, over] of SHAPES) {
  test(`decode(encode(trials), rows) = forward(repeated trials), same noise per row: ${name}`, () => {
    const m = tinyModel(over, { T, N }, 3);
    try {
      const c = m.config;
      const E = 3;
      const S = 4;
      const rows: [number, number][] = [];
      for (let e = 0; e < E; e++) for (let s = 0; s < S; s++) rows.push([e, s]);
      const withExt = c.extInputDim > 0;
      for (const latents of ["sample", "mean"] as const) {
        const p = latents === "sample" ? plan(m) : [];
        let want = new Map<string, Float32Array>();
        let got = new Map<string, Float32Array>();
        tf.tidy(() => {
          const full = new RowNoise(7, 3, rows, p);
          const a = numbers(m.forward(trialsBatch(rows.map((r) => r[0]), E, withExt), { keepProb: 1, latents, noise: full, outputs: true }));
          full.finish();
          const once = new RowNoise(7, 3, rows, p);
          const enc = m.encode(trialsBatch([0, 1, 2], E, withExt), { keepProb: 1, noise: new RowNoise(7, 3, [], []) });
          const b = numbers(m.decode(enc, { keepProb: 1, latents, noise: once, outputs: true, rows: Int32Array.from(rows, (r) => r[0]) }));
          once.finish();
          [want, got] = [a, b];
        });
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
        for (const [k, w] of want) {
          const g = got.get(k)!;
          assert.equal(g.length, w.length, k);
          assert.ok(maxRelDiff(g, w) < 1e-5, `${latents} ${k}: max rel diff ${maxRelDiff(g, w)}`);
        }
        if (latents === "sample") {
          // The samples differ between copies of a trial: the decoder really draws per row.
          const gs = got.get("outputs.genStates")!;
          const row = T * c.genDim;
          assert.ok(maxRelDiff(gs.subarray(0, row), gs.subarray(row, 2 * row)) > 1e-4, "two samples of trial 0 differ");
        }
      }
    } finally {
      m.dispose();
    }
  });
}

test("decode with rows in any order (the gather path) = forward on those trials", () => {
  const m = tinyModel({ c_co_dim: 2, c_ext_input_dim: X, c_inject_ext_input_to_gen: true }, { T, N }, 4);
  try {
    const order = [2, 0, 0, 1, 2];
    const rows = order.map((e, s): [number, number] => [e, s]);
    const p = plan(m);
    let want = new Map<string, Float32Array>();
    let got = new Map<string, Float32Array>();
    tf.tidy(() => {
      want = numbers(m.forward(trialsBatch(order, 3, true), { latents: "sample", noise: new RowNoise(1, 2, rows, p), outputs: true }));
      const enc = m.encode(trialsBatch([0, 1, 2], 3, true), { noise: new RowNoise(1, 2, [], []) });
      got = numbers(m.decode(enc, { latents: "sample", noise: new RowNoise(1, 2, rows, p), outputs: true, rows: Int32Array.from(order) }));
    });
    for (const [k, w] of want) assert.ok(maxRelDiff(got.get(k)!, w) < 1e-5, `${k}: max rel diff ${maxRelDiff(got.get(k)!, w)}`);
  } finally {
    m.dispose();
  }
});

test("forward draws its noise in the documented order: encoder dropout, then g0, controller noise, decoder dropout", () => {
  const m = tinyModel({ c_co_dim: 2 }, { T, N }, 3);
  const calls: string[] = [];
  const rng = new Rng(1);
  const noise: NoiseSource = {
    normal: (n) => (calls.push(`normal ${n}`), Float32Array.from({ length: n }, () => rng.normal())),
    dropoutMask: (n, keep) => (calls.push(`mask ${n}`), Float32Array.from({ length: n }, () => (rng.uniform() < keep ? 1 / keep : 0))),
  };
  try {
    const B = 2;
    tf.tidy(() => void m.forward(trialsBatch([0, 1], 2, false), { keepProb: 0.9, latents: "sample", noise }));
    const c = m.config;
    assert.deepEqual(calls.slice(0, 4), [`mask ${B * T * N}`, `mask ${B * 2 * c.icEncDim}`, `normal ${B * c.icDim}`, `normal ${T * B * c.coDim}`]);
    assert.ok(calls.length > 4 && calls.slice(4).every((x) => x.startsWith("mask")), "only the decoder's dropout follows");
  } finally {
    m.dispose();
  }
});

test("decode rejects rows outside the encoding", () => {
  const m = tinyModel({}, { T, N }, 3);
  try {
    tf.tidy(() => {
      const enc = m.encode(trialsBatch([0, 1], 2, false), { noise: new RowNoise(0, 0, [], []) });
      assert.throws(() => m.decode(enc, { latents: "mean", noise: new RowNoise(0, 0, [], []), rows: Int32Array.of(0, 2) }), ShapeError);
    });
  } finally {
    m.dispose();
  }
});
