/**
 * The coupled decoder kernels on their own (the model-level comparison with the composite loop is
 * test/model/coupled-decoder.test.ts): any thread count gives bitwise the same outputs and
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
});
