/**
 * Jumping the xoshiro128** state ahead (core/rng-jump.ts) lands exactly where stepping the generator
 * one draw at a time does, for step counts around every power of two the squaring passes through.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { spacedStates, stepMatrix } from "../../src/core/rng-jump.js";

/** [s0..s3] after `steps` draws from seed `seed`, stepped one at a time. */
function stepped(seed: number, steps: number): number[] {
  const r = new Rng(seed);
  for (let i = 0; i < steps; i++) r.nextUint32();
  return r.getState().map((v) => v >>> 0);
}

test("stepMatrix(k) applied to a state equals k steps of the generator", () => {
  for (const k of [0, 1, 2, 3, 31, 32, 33, 1000, 65535, 65536, 123457]) {
    const start = new Rng(7).getState();
    assert.deepEqual(Array.from(spacedStates(start, k, 2).subarray(4)), stepped(7, k), `k = ${k}`);
  }
});

test("spacedStates gives the states at draws 0, c, 2c, … (with a given jump matrix too)", () => {
  const c = 777;
  const start = new Rng(3).getState();
  const all = spacedStates(start, c, 5, stepMatrix(c));
  for (let i = 0; i < 5; i++) assert.deepEqual(Array.from(all.subarray(4 * i, 4 * i + 4)), stepped(3, i * c), `lane ${i}`);
  assert.throws(() => stepMatrix(-1), /steps must be a non-negative safe integer, got -1/);
});
