import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";
import { RngNoise } from "../../src/model/noise.js";

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
