/**
 * The fused Poisson read-out kernels on their own (the model-level comparison with the composite tfjs
 * ops is test/model/ops/poisson-readout.test.ts): forward and backward against a float64 reference on odd
 * sizes (rows not a multiple of 4, N and F not multiples of 4 or 8), with and without the factors
 * stage and its mask, bitwise identical results for 1 and 3 threads, the exp's accuracy, and every
 * call giving back the kernels' memory it took.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { kernelExp, readoutBackward, readoutForward, type ReadoutArgs, type ReadoutCotangents } from "../../src/kernels/readout.js";
import { kernelRuntime } from "../../src/kernels/runtime.js";
import { assertClose, randn } from "./gru-reference.js";

interface Dims {
  B: number;
  T: number;
  N: number;
  F: number;
  /** 0: factors given (no factors stage). */
  G: number;
  mask: boolean;
}

function problem(d: Dims, seed: number): ReadoutArgs {
  const rng = new Rng(seed);
  const { B, T, N, F, G } = d;
  const R = B * T;
  const x = Float32Array.from({ length: R * N }, () => rng.poisson(1.5));
  const common = { batch: B, time: T, neurons: N, factors: F, x, wr: randn(rng, F * N, 0.7 / Math.sqrt(F)), br: randn(rng, N, 0.5) };
  if (!G) return { ...common, f: randn(rng, R * F, 1) };
  const mask = d.mask ? Float32Array.from({ length: R * G }, () => (rng.uniform() < 0.7 ? 1 / 0.7 : 0)) : undefined;
  return { ...common, gen: G, states: randn(rng, R * G, 1), ...(mask ? { mask } : {}), facW: randn(rng, G * F, 1 / Math.sqrt(G)) };
}

function cotangents(a: ReadoutArgs, seed: number, extra: boolean): ReadoutCotangents {
  const rng = new Rng(seed);
  const R = a.batch * a.time;
  return {
    dLogLik: randn(rng, a.batch, 1),
    ...(extra ? { dLogRates: randn(rng, R * a.neurons, 0.3), ...(a.states ? { dFactors: randn(rng, R * a.factors, 0.3) } : {}) } : {}),
  };
}

/** Float64 forward and backward, loop by loop from the math. */
function reference(a: ReadoutArgs, cot: ReadoutCotangents): Record<string, Float64Array> {
  const { batch: B, time: T, neurons: N, factors: F } = a;
  const G = a.states ? a.gen! : 0;
  const R = B * T;
  const o = {
    logLik: new Float64Array(B), factors: new Float64Array(R * F), logRates: new Float64Array(R * N),
    dWr: new Float64Array(F * N), dBr: new Float64Array(N), dFacW: new Float64Array(G * F), dStates: new Float64Array(R * G), dFactors: new Float64Array(R * F),
  };
  for (let r = 0; r < R; r++) {
    const b = Math.floor(r / T);
    const s = Array.from({ length: G }, (_, g) => a.states![r * G + g]! * (a.mask ? a.mask[r * G + g]! : 1));
    const f = Array.from({ length: F }, (_, k) => (G ? s.reduce((acc, v, g) => acc + v * a.facW![g * F + k]!, 0) : a.f![r * F + k]!));
    const dl: number[] = [];
    for (let n = 0; n < N; n++) {
      let l = a.br[n]!;
      for (let k = 0; k < F; k++) l += f[k]! * a.wr[k * N + n]!;
      const x = a.x[r * N + n]!;
      o.logRates[r * N + n] = l;
      o.logLik[b]! += x * l - Math.exp(l);
      dl.push(cot.dLogLik[b]! * (x - Math.exp(l)) + (cot.dLogRates ? cot.dLogRates[r * N + n]! : 0));
    }
    for (let k = 0; k < F; k++) {
      o.factors[r * F + k] = f[k]!;
      let df = cot.dFactors ? cot.dFactors[r * F + k]! : 0;
      for (let n = 0; n < N; n++) {
        o.dWr[k * N + n]! += f[k]! * dl[n]!;
        df += dl[n]! * a.wr[k * N + n]!;
      }
      o.dFactors[r * F + k] = df;
      for (let g = 0; g < G; g++) {
        o.dFacW[g * F + k]! += s[g]! * df;
        o.dStates[r * G + g]! += df * a.facW![g * F + k]! * (a.mask ? a.mask[r * G + g]! : 1);
      }
    }
    for (let n = 0; n < N; n++) o.dBr[n]! += dl[n]!;
  }
  return o;
}

const CASES: Dims[] = [
  { B: 5, T: 7, N: 13, F: 6, G: 11, mask: true },
  { B: 3, T: 9, N: 30, F: 8, G: 64, mask: false },
  { B: 2, T: 11, N: 5, F: 3, G: 9, mask: true },
  { B: 7, T: 3, N: 17, F: 9, G: 0, mask: false },
  { B: 1, T: 6, N: 8, F: 16, G: 4, mask: true },
];

for (const [i, d] of CASES.entries()) {
  const what = `B=${d.B} T=${d.T} N=${d.N} F=${d.F} ${d.G ? `G=${d.G}${d.mask ? " masked" : ""}` : "factors given"}`;
  it(`readout kernels: forward and backward equal the float64 reference (${what})`, () => {
    const a = problem(d, 10 + i);
    for (const extra of [false, true]) {
      const cot = cotangents(a, 20 + i, extra);
      const ref = reference(a, cot);
      const fwd = readoutForward({ ...a, threads: 2 }, { factors: d.G > 0, logRates: true });
      assertClose("logLik", fwd.logLik, ref.logLik!);
      assertClose("logRates", fwd.logRates!, ref.logRates!);
      if (d.G) assertClose("factors", fwd.factors!, ref.factors!);
      const g = readoutBackward({ ...a, threads: 2 }, cot);
      assertClose("dWr", g.dWr, ref.dWr!);
      assertClose("dBr", g.dBr, ref.dBr!);
      if (d.G) {
        assertClose("dStates", g.dStates!, ref.dStates!);
        assertClose("dFacW", g.dFacW!, ref.dFacW!);
      } else assertClose("dFactors", g.dFactors!, ref.dFactors!);
    }
  });
}

it("readout kernels: 1 and 3 threads give bitwise identical results", () => {
  for (const d of [CASES[0]!, CASES[3]!, { B: 40, T: 13, N: 11, F: 5, G: 7, mask: true }]) {
    const a = problem(d, 3);
    const cot = cotangents(a, 4, true);
    const all = (threads: number): Float32Array[] => {
      const f = readoutForward({ ...a, threads }, { factors: d.G > 0, logRates: true });
      const g = readoutBackward({ ...a, threads }, cot);
      return [f.logLik, f.factors, f.logRates, g.dWr, g.dBr, g.dStates, g.dFacW, g.dFactors].filter((v): v is Float32Array => v !== undefined);
    };
    const one = all(1);
    const three = all(3);
    one.forEach((v, k) => {
      assert.ok(v.every(Number.isFinite) && v.some((e) => e !== 0), `array ${k} is finite and not all zero`);
      assert.deepEqual(three[k], v, `array ${k}`);
    });
  }
});

it("readout kernels: outputs go into given arrays, and only the ones asked for are computed", () => {
  const a = problem(CASES[0]!, 5);
  const R = a.batch * a.time;
  const logLik = new Float32Array(a.batch);
  const logRates = new Float32Array(R * a.neurons);
  const r = readoutForward(a, { out: { logLik, logRates } });
  assert.equal(r.logLik, logLik);
  assert.equal(r.logRates, logRates);
  assert.equal(r.factors, undefined);
  assert.deepEqual(readoutForward(a).logLik, logLik);
  const dWr = new Float32Array(a.factors * a.neurons);
  const g = readoutBackward(a, { dLogLik: new Float32Array(a.batch).fill(1) }, { out: { dWr } });
  assert.equal(g.dWr, dWr);
});

it("readout kernels: exp is accurate to float32 (max relative error ≤ 2e-7 on [−87, 88])", () => {
  const n = 200_001;
  const x = Float32Array.from({ length: n }, (_, i) => -87 + (175 * i) / (n - 1));
  const e = kernelExp(x);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const exact = Math.exp(x[i]!);
    worst = Math.max(worst, Math.abs(e[i]! - exact) / exact);
  }
  assert.ok(worst <= 2e-7, `max relative error ${worst}`);
  // Never inf for |x| ≤ 88; far below, a tiny positive number stands in for exp.
  const edge = kernelExp(Float32Array.of(88, 88.7, 1000, -88, -1000));
  assert.ok(edge.every((v) => Number.isFinite(v) && v >= 0), `edges ${edge}`);
  assert.ok(Math.abs(edge[0]! / Math.exp(88) - 1) < 2e-7);
});

it("readout kernels: every call returns the memory it took", () => {
  const a = problem(CASES[0]!, 6);
  const cot = cotangents(a, 7, true);
  readoutForward(a, { logRates: true }); // warm: the arena grows once
  readoutBackward(a, cot);
  const { arena } = kernelRuntime();
  const base = arena.allocatedBytes;
  readoutForward({ ...a, threads: 3 }, { factors: true, logRates: true });
  readoutBackward({ ...a, threads: 3 }, cot);
  assert.equal(arena.allocatedBytes, base);
});

it("readout kernels: a wrong-sized input names the field, its expected shape and what it got", () => {
  const a = problem(CASES[0]!, 8);
  assert.throws(() => readoutForward({ ...a, mask: new Float32Array(5) }), /mask must have 385 elements \[batch=5, time=7, gen=11\], got 5/);
  assert.throws(() => readoutForward({ ...a, br: new Float32Array(3) }), /br must have 13 elements \[neurons=13\], got 3/);
  assert.throws(() => readoutBackward(a, { dLogLik: new Float32Array(4) }), /dLogLik must have 5 elements \[batch=5\], got 4/);
  assert.throws(() => readoutForward({ ...a, states: undefined, mask: undefined, facW: undefined }), /f must have 210 elements/);
  assert.throws(() => readoutForward(a, { out: { logLik: new Float32Array(2) } }), /out\.logLik must have 5 elements/);
});

it("readout kernels: a mask drawn in place (fillMask) and kept by the forward (save) gives the explicit mask's results, bitwise", () => {
  const a = problem(CASES[0]!, 9);
  const cot = cotangents(a, 10, true);
  const { mask, ...rest } = a;
  let draws = 0;
  const { arena } = kernelRuntime();
  const fillMask = (out: Float32Array): void => {
    draws++;
    assert.equal(out.buffer, kernelRuntime().memory.buffer, "drawn straight into the kernels' memory");
    out.set(mask!);
  };
  const ref = readoutForward(a, { factors: true, logRates: true });
  const refG = readoutBackward(a, cot);
  const base = arena.allocatedBytes;
  const got = readoutForward({ ...rest, fillMask }, { factors: true, logRates: true, save: true });
  assert.ok(got.saved, "save returns what was kept");
  assert.ok(arena.allocatedBytes > base, "x, the states and the mask stay in the kernels' memory until backward");
  // Backward reads the kept copies: the arrays passed again are not read (zeros here would change every gradient).
  const gotG = readoutBackward({ ...rest, x: new Float32Array(a.x.length), states: new Float32Array(a.states!.length), fillMask }, cot, { saved: got.saved });
  assert.equal(draws, 1, "the mask is drawn once, by the forward");
  assert.equal(arena.allocatedBytes, base, "backward frees what the forward kept");
  for (const k of ["logLik", "factors", "logRates"] as const) assert.deepEqual(got[k], ref[k], k);
  for (const k of ["dWr", "dBr", "dFacW", "dStates"] as const) assert.deepEqual(gotG[k], refG[k], k);
  assert.throws(() => readoutBackward({ ...rest, fillMask }, cot, { saved: got.saved }), /saved was already released/);
});

it("readout kernels: a drawn mask without the forward's saved, or both mask and fillMask, is refused", () => {
  const a = problem(CASES[0]!, 11);
  const fillMask = (out: Float32Array): void => void out.fill(1);
  assert.throws(() => readoutBackward({ ...a, mask: undefined, fillMask }, { dLogLik: new Float32Array(5) }), /the mask was drawn by the forward \(fillMask\); pass the forward's saved/);
  assert.throws(() => readoutForward({ ...a, fillMask }), /give either mask or fillMask, not both/);
  const other = readoutForward(problem(CASES[1]!, 12), { save: true }).saved!;
  assert.throws(() => readoutBackward(a, { dLogLik: new Float32Array(5) }, { saved: other }), /saved holds rows=/);
  other.release();
});
