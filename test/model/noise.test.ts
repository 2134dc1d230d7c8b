import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { dropoutMaskInto } from "../../src/kernels/mask.js";
import { kernelRuntime } from "../../src/kernels/runtime.js";
import { RngNoise, setMaskGenerator } from "../../src/model/noise.js";

test("dropout masks follow the Rng stream exactly and keep ≈ keep_prob of the entries, scaled by 1/keep_prob", () => {
  const a = new Rng(5);
  const b = new Rng(5);
  const m = new RngNoise(a).dropoutMask(20000, 0.7);
  m.forEach((v, i) => assert.equal(v, b.nextUint32() < 0.7 * 2 ** 32 ? Math.fround(1 / 0.7) : 0, `entry ${i}`));
  assert.equal(a.nextUint32(), b.nextUint32(), "the Rng state advanced by one draw per entry");
  const kept = m.reduce((k, v) => k + (v > 0 ? 1 : 0), 0) / m.length;
  assert.ok(Math.abs(kept - 0.7) < 0.01, `kept ${kept}`);
});

test("normal noise has unit variance and is fully determined by the Rng state (checkpoint/resume)", () => {
  const r = new Rng(9);
  const n = new RngNoise(r);
  n.normal(3); // odd count: nothing may be cached between calls
  const state = r.getState();
  const x = n.normal(10001);
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean}, var ${variance}`);
  const r2 = new Rng(0);
  r2.setState(state);
  assert.deepEqual(new RngNoise(r2).normal(10001), x);
});

test("the kernels' mask generator gives the JavaScript loop's masks and final Rng state, in place or copied", () => {
  const prev = setMaskGenerator(null);
  try {
    for (const keep of [0.95, 0.5, 0.3, 1 - 2 ** -33, 2 ** -31]) {
      // Below, at and around multiples of the kernel's 16 lanes, and large (a chunk per lane plus a tail).
      for (const n of [1, 7, 8, 11, 12, 15, 16, 17, 63, 64, 65, 100, 10001, 100003]) {
        const a = new Rng(11), b = new Rng(11);
        setMaskGenerator(null);
        const ref = new RngNoise(a).dropoutMask(n, keep);
        setMaskGenerator(dropoutMaskInto);
        const got = new RngNoise(b).dropoutMask(n, keep);
        assert.deepEqual(got, ref, `keep ${keep}, n ${n}`);
        assert.deepEqual(b.getState(), a.getState(), `state after keep ${keep}, n ${n}`);
      }
    }
    // Into the kernels' own memory (a mask the kernels will read): written in place.
    const { arena } = kernelRuntime();
    const p = arena.alloc(5000);
    try {
      const view = arena.f32(p, 5000);
      setMaskGenerator(null);
      const ref = new RngNoise(new Rng(3)).dropoutMask(5000, 0.8);
      setMaskGenerator(dropoutMaskInto);
      assert.equal(new RngNoise(new Rng(3)).dropoutMask(5000, 0.8, view), view);
      assert.deepEqual(Array.from(view), Array.from(ref));
    } finally {
      arena.free(p);
    }
  } finally {
    setMaskGenerator(prev);
  }
});
