/**
 * The coupled decoder kernels on their own (the model-level comparison with the composite loop is
 * test/model/ops/coupled-decoder.test.ts): any thread count gives bitwise the same outputs and
 * gradients, a batch with a remainder block and odd widths work, and every call gives back the
 * kernels' memory it took.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { decoderBackward, decoderForward, releaseDecoderSaved, type DecoderForwardArgs } from "../../src/kernels/decoder.js";
import { kernelRuntime } from "../../src/kernels/runtime.js";

function args(B: number, T: number, dims: { A: number; C: number; G: number; U: number; F: number }, seed: number): DecoderForwardArgs {
  const rng = new Rng(seed);
  const { A, C, G, U, F } = dims;
  const r = (n: number, s = 0.4): Float32Array => Float32Array.from({ length: n }, () => s * rng.normal());
  const mask = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() < 0.8 ? 1.25 : 0));
  return {
    batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A, feedback: true, clip: 5,
    ab: r(B * T * A, 1), abW: r(A * 3 * C), abB: r(3 * C), rest: r(3 * G), k0: r(B * C), s0: r(B * G, 1),
    eps: r(B * T * U, 1), fbMask: mask(B * T * F), genMask: mask(B * T * G),
    conWhRU: r(2 * C * C), conWhC: r(C * C), genWhRU: r(2 * G * G), genWhC: r(G * G), fbW: r(F * 3 * C),
    postW: r(C * 2 * U), postB: r(2 * U), genWu: r(U * 3 * G), facW: r(G * F),
  };
}

function runAll(a: DecoderForwardArgs, threads: number): Float32Array[] {
  const rng = new Rng(77);
  const n = a.batch * a.time;
  const r = (len: number): Float32Array => Float32Array.from({ length: len }, () => rng.normal());
  const fwd = decoderForward({ ...a, threads }, { save: true });
  const g = decoderBackward(fwd.saved!, { dS: r(n * a.gen), dF: r(n * a.factors), dMV: r(n * 2 * a.co), dK: r(n * a.con), dU: r(n * a.co) }, { threads });
  return [fwd.k, fwd.s, fwd.f, fwd.mv, fwd.u, ...Object.values(g).filter((v): v is Float32Array => v instanceof Float32Array)];
}

it("decoder kernels: 1 and 3 threads give bitwise identical outputs and gradients (13 rows, odd widths)", () => {
  const a = args(13, 9, { A: 7, C: 5, G: 11, U: 3, F: 6 }, 1);
  const one = runAll(a, 1);
  const three = runAll(a, 3);
  assert.equal(one.length, 5 + 15);
  one.forEach((x, i) => {
    assert.ok(x.every(Number.isFinite), `array ${i} is finite`);
    assert.deepEqual(three[i], x, `array ${i}`);
  });
  // Not all zeros: the gradients reach every input.
  for (const x of one) assert.ok(x.some((v) => v !== 0));
});

it("decoder kernels: abFrom (the CI states lagged, joined and dropped out in the kernels) = the same ab given whole, bitwise", () => {
  const [B, T, H1, H2] = [5, 7, 3, 4];
  for (const [lag, causal, dropout] of [[1, false, true], [0, false, false], [2, true, true], [9, false, true]] as const) {
    const base = args(B, T, { A: H1 + (causal ? 0 : H2), C: 6, G: 5, U: 2, F: 3 }, 3);
    const rng = new Rng(4);
    const r = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
    const cf = r(B * T * H1), cb = causal ? undefined : r(B * T * H2);
    const A = base.abDim;
    const mask = dropout ? Float32Array.from({ length: B * T * A }, () => (rng.uniform() < 0.7 ? 1 / 0.7 : 0)) : undefined;
    // The reference: ab built here, [cf_{t−lag} | cb_{t+lag}] ⊙ mask.
    const ab = new Float32Array(B * T * A);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * A;
        for (let j = 0; j < H1; j++) ab[o + j] = t >= lag ? cf[(b * T + t - lag) * H1 + j]! : 0;
        if (cb) for (let j = 0; j < H2; j++) ab[o + H1 + j] = t + lag < T ? cb[(b * T + t + lag) * H2 + j]! : 0;
        if (mask) for (let j = 0; j < A; j++) ab[o + j]! *= mask[o + j]!;
      }
    const { ab: _unused, ...rest } = base;
    const whole = decoderForward({ ...rest, ab }, { save: true });
    let filled = 0;
    const parts = decoderForward({ ...rest, abFrom: { cf, ...(cb ? { cb } : {}), cfDim: H1, cbDim: cb ? H2 : 0, lag, ...(mask ? { fillMask: (out: Float32Array) => { filled++; out.set(mask); } } : {}) } }, { save: true });
    assert.equal(filled, mask ? 1 : 0);
    for (const k of ["k", "s", "f", "mv", "u"] as const) assert.deepEqual(parts[k], whole[k], `${k}, lag ${lag}`);
    const n = B * T;
    const cot = { dS: r(n * base.gen), dF: r(n * base.factors), dMV: r(n * 2 * base.co) };
    const gw = decoderBackward(whole.saved!, cot);
    const gp = decoderBackward(parts.saved!, cot);
    assert.equal(gp.dAb, undefined);
    // dcf[s] = (dab ⊙ mask)[s+lag, :H1], dcb[s] = (dab ⊙ mask)[s−lag, H1:], zero where that step is outside [0, T).
    for (let b = 0; b < B; b++)
      for (let s = 0; s < T; s++) {
        for (let j = 0; j < H1; j++) {
          const o = (b * T + s + lag) * A + j;
          assert.equal(gp.dCf![(b * T + s) * H1 + j], s + lag < T ? Math.fround(gw.dAb![o]! * (mask ? mask[o]! : 1)) : 0);
        }
        if (cb)
          for (let j = 0; j < H2; j++) {
            const o = (b * T + s - lag) * A + H1 + j;
            assert.equal(gp.dCb![(b * T + s) * H2 + j], s >= lag ? Math.fround(gw.dAb![o]! * (mask ? mask[o]! : 1)) : 0);
          }
      }
    for (const k of ["dAbW", "dAbB", "dRest", "dConWhRU", "dGenWhC", "dPostW", "dFacW", "dFbW"] as const) assert.deepEqual(gp[k], gw[k], `${k}, lag ${lag}`);
  }
});

it("decoder kernels: every call returns the memory it took (saved, released, forward only)", () => {
  const a = args(6, 5, { A: 4, C: 8, G: 8, U: 2, F: 3 }, 2);
  runAll(a, 2); // warm: the arena grows once
  const { arena } = kernelRuntime();
  const base = arena.allocatedBytes;
  runAll(a, 2);
  assert.equal(arena.allocatedBytes, base, "forward + backward");
  decoderForward(a, { save: false });
  assert.equal(arena.allocatedBytes, base, "forward only");
  const kept = decoderForward(a, { save: true }).saved!;
  assert.ok(arena.allocatedBytes > base);
  releaseDecoderSaved(kept);
  assert.equal(arena.allocatedBytes, base, "released");
  assert.throws(() => decoderBackward(kept, { dS: new Float32Array(6 * 5 * 8), dF: new Float32Array(6 * 5 * 3), dMV: new Float32Array(6 * 5 * 4) }), /already released/);
});

it("decoder kernels: a wrong-sized input names the field, its expected shape and what it got", () => {
  const a = args(4, 3, { A: 4, C: 8, G: 8, U: 2, F: 3 }, 3);
  assert.throws(() => decoderForward({ ...a, genMask: new Float32Array(5) }, { save: false }), /genMask must have 96 elements \[batch=4, time=3, gen=8\], got 5/);
  assert.throws(() => decoderForward({ ...a, fbW: undefined }, { save: false }), /fbW must have 72 elements/);
  // abFrom: the CI states in place of ab.
  const cf = new Float32Array(4 * 3 * 3), cb = new Float32Array(4 * 3 * 1);
  const { ab: _ab, ...noAb } = a;
  assert.throws(() => decoderForward(noAb, { save: false }), /give exactly one of ab and abFrom/);
  assert.throws(() => decoderForward({ ...a, abFrom: { cf, cb, cfDim: 3, cbDim: 1, lag: 1 } }, { save: false }), /give exactly one of ab and abFrom/);
  assert.throws(() => decoderForward({ ...noAb, abFrom: { cf, cb, cfDim: 3, cbDim: 2, lag: 1 } }, { save: false }), /abFrom.cfDim \+ abFrom.cbDim = 5 must equal abDim = 4/);
  assert.throws(() => decoderForward({ ...noAb, abFrom: { cf, cb, cfDim: 3, cbDim: 1, lag: -1 } }, { save: false }), /abFrom.lag must be a non-negative integer, got -1/);
  assert.throws(() => decoderForward({ ...noAb, abFrom: { cf: new Float32Array(5), cb, cfDim: 3, cbDim: 1, lag: 1 } }, { save: false }), /abFrom.cf must have 36 elements \[batch=4, time=3, cfDim=3\], got 5/);
  const saved = decoderForward({ ...noAb, abFrom: { cf, cb, cfDim: 3, cbDim: 1, lag: 1 } }, { save: true }).saved!;
  const cot = { dS: new Float32Array(4 * 3 * 8), dF: new Float32Array(4 * 3 * 3), dMV: new Float32Array(4 * 3 * 4) };
  assert.throws(() => decoderBackward(saved, cot, { out: { dCf: new Float32Array(7) } }), /out.dCf must have 36 elements \[batch=4, time=3, cfDim=3\], got 7/);
  releaseDecoderSaved(saved);
});
