/**
 * The projected recurrence (gruInputForward / gruInputBackward: xProj = x·Wx + bias computed in the
 * kernels, its weight and bias gradients in the same pass as the recurrent ones) against the float64
 * reference, thread counts against each other, and finite differences on a tiny case.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ParamError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import {
  copyGruGates,
  gruInputBackward,
  gruInputForward,
  gruInputForwardOnly,
  gruInputForwardOnlyAsync,
  gruBackward,
  releaseGruSaved,
  restoreGruSaved,
  shutdownGruPool,
  type GruInputForwardArgs,
} from "../../src/kernels/gru.js";
import { setGruSpillBytes, wasmGruImplementation } from "../../src/kernels/gru-impl.js";
import { kernelRuntime } from "../../src/kernels/runtime.js";
import { assertClose, randn, refBackward, refForward, type RefProblem } from "./gru-reference.js";

after(() => shutdownGruPool());


function assertSame(name: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  assert.equal(a.length, b.length, `${name}: length`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${name}[${i}]: ${a[i]} !== ${b[i]}`);
}

interface Problem extends GruInputForwardArgs {
  readonly x: Float32Array;
  readonly wx: Float32Array;
}

function problem(seed: number, batch: number, time: number, hidden: number, inDim: number, clip: number, reverse: boolean, xScale = 1): Problem {
  const rng = new Rng(seed);
  const H = hidden;
  return {
    batch, time, hidden, clip, reverse, inDim,
    x: randn(rng, batch * time * inDim, xScale),
    wx: randn(rng, inDim * 3 * H, 1 / Math.sqrt(Math.max(inDim, 1))),
    bias: randn(rng, 3 * H, 0.3),
    h0: randn(rng, batch * H, 0.5),
    whRU: randn(rng, 2 * H * H, 1.5 / Math.sqrt(H)),
    whC: randn(rng, H * H, 1.5 / Math.sqrt(H)),
  };
}

/** xProj = x·Wx + bias in float64, [B,T,3H]. */
function refProjection(p: Problem, x: ArrayLike<number> = p.x, wx: ArrayLike<number> = p.wx, bias: ArrayLike<number> = p.bias): Float64Array {
  const M = p.batch * p.time, N = 3 * p.hidden, D = p.inDim;
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < N; j++) {
      let s = bias[j]!;
      for (let k = 0; k < D; k++) s += x[m * D + k]! * wx[k * N + j]!;
      out[m * N + j] = s;
    }
  }
  return out;
}

function refProblem(p: Problem, xProj: ArrayLike<number>): RefProblem {
  return { batch: p.batch, time: p.time, hidden: p.hidden, clip: p.clip, reverse: p.reverse ?? false, xProj: xProj as Float32Array, h0: p.h0, whRU: p.whRU, whC: p.whC };
}

/** Reference gradients of L = Σ dS ⊙ states for the projected recurrence. */
function refInputGrads(p: Problem, dS: Float32Array) {
  const rp = refProblem(p, refProjection(p));
  const fw = refForward(rp);
  const g = refBackward(rp, fw, dS);
  const M = p.batch * p.time, N = 3 * p.hidden, D = p.inDim;
  const dWx = new Float64Array(D * N), dBias = new Float64Array(N), dx = new Float64Array(M * D);
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < N; j++) {
      const d = g.dXProj[m * N + j]!;
      dBias[j] += d;
      for (let k = 0; k < D; k++) {
        dWx[k * N + j] += p.x[m * D + k]! * d;
        dx[m * D + k] += d * p.wx[k * N + j]!;
      }
    }
  }
  return { states: fw.states, dx, dWx, dBias, dh0: g.dh0, dWhRU: g.dWhRU, dWhC: g.dWhC };
}

describe("projected gru kernels (x·Wx + bias inside) against the float64 reference", () => {
  const cases = [
    [1, 1, 1, 1],
    [5, 3, 3, 0],
    [6, 9, 13, 5],
    [9, 17, 8, 30],
    [13, 11, 37, 7],
    [7, 30, 64, 30],
  ] as const;
  for (const [B, T, H, D] of cases) {
    for (const reverse of [false, true]) {
      it(`B=${B} T=${T} H=${H} D=${D}${reverse ? " reverse" : ""}`, () => {
        const p = problem(B * 100 + T * 10 + H + D, B, T, H, D, 0.8, reverse);
        const dS = randn(new Rng(5), B * T * H, 1);
        const ref = refInputGrads(p, dS);
        const { states, saved } = gruInputForward({ ...p, threads: 1 });
        assertClose("states", states, ref.states);
        assertSame("forward only", gruInputForwardOnly({ ...p, threads: 1 }), states);
        const g = gruInputBackward(saved, dS, { threads: 1, inputGrad: true });
        assertClose("dWx", g.dWx, ref.dWx);
        assertClose("dBias", g.dBias, ref.dBias);
        if (D > 0) assertClose("dx", g.dx!, ref.dx);
        else assert.equal(g.dx, undefined);
        assertClose("dh0", g.dh0, ref.dh0);
        assertClose("dWhRU", g.dWhRU, ref.dWhRU);
        assertClose("dWhC", g.dWhC, ref.dWhC);
      });
    }
  }

  it("inputGrad false leaves dx out and gives the same other gradients", () => {
    const p = problem(3, 6, 10, 16, 9, 5, false);
    const dS = randn(new Rng(6), 6 * 10 * 16, 1);
    const a = gruInputBackward(gruInputForward({ ...p, threads: 1 }).saved, dS, { threads: 1, inputGrad: true });
    const b = gruInputBackward(gruInputForward({ ...p, threads: 1 }).saved, dS, { threads: 1 });
    assert.equal(b.dx, undefined);
    for (const k of ["dWx", "dBias", "dh0", "dWhRU", "dWhC"] as const) assertSame(k, b[k], a[k]);
  });

  it("finalOnly: the final states, and the gradients of a dStates that is zero but for the final step (bitwise)", () => {
    for (const reverse of [false, true]) {
      const [B, T, H] = [7, 6, 13];
      const p = problem(8, B, T, H, 5, 0.9, reverse);
      const t = reverse ? 0 : T - 1;
      const dFinal = randn(new Rng(9), B * H, 1);
      const dS = new Float32Array(B * T * H);
      for (let b = 0; b < B; b++) dS.set(dFinal.subarray(b * H, (b + 1) * H), (b * T + t) * H);
      const full = gruInputForward(p);
      const fin = gruInputForward({ ...p, finalOnly: true });
      assert.equal(fin.states.length, B * H);
      for (let b = 0; b < B; b++) assertSame(`final state ${b}`, fin.states.subarray(b * H, (b + 1) * H), full.states.subarray((b * T + t) * H, (b * T + t + 1) * H));
      assert.throws(() => gruInputBackward(fin.saved, dS, { finalOnly: true, keepSaved: true }), /dStates must have 91 elements \[batch=7, hidden=13\] \(finalOnly\)/);
      const a = gruInputBackward(full.saved, dS, { inputGrad: true });
      const g = gruInputBackward(fin.saved, dFinal, { inputGrad: true, finalOnly: true });
      for (const k of ["dx", "dWx", "dBias", "dh0", "dWhRU", "dWhC"] as const) assertSame(`${k} reverse=${reverse}`, g[k]!, a[k]!);
    }
  });

  it("saved from gruInputForward is refused by gruBackward and vice versa", () => {
    const p = problem(4, 2, 3, 4, 2, 5, false);
    const { saved } = gruInputForward(p);
    assert.throws(() => gruBackward(saved, new Float32Array(2 * 3 * 4)), ParamError);
    releaseGruSaved(saved);
  });
});

describe("projected gru kernels: threads and memory", () => {
  it("2 threads (sync and async forward-only) give bitwise the 1-thread results", async () => {
    const p = problem(8, 23, 40, 24, 30, 5, true);
    const dS = randn(new Rng(9), 23 * 40 * 24, 1);
    const one = gruInputForward({ ...p, threads: 1 });
    const g1 = gruInputBackward(one.saved, dS, { threads: 1, inputGrad: true });
    const two = gruInputForward({ ...p, threads: 2 });
    const g2 = gruInputBackward(two.saved, dS, { threads: 2, inputGrad: true });
    assertSame("states", two.states, one.states);
    for (const k of ["dx", "dWx", "dBias", "dh0", "dWhRU", "dWhC"] as const) assertSame(k, g2[k]!, g1[k]!);
    assertSame("async forward only", await gruInputForwardOnlyAsync({ ...p, threads: 2 }), one.states);
  });

  it("frees everything after backward; restoreGruSaved with the input gives the same gradients", () => {
    const { arena } = kernelRuntime();
    const before = arena.allocatedBytes;
    const p = problem(10, 5, 7, 12, 6, 5, false);
    const dS = randn(new Rng(11), 5 * 7 * 12, 1);
    const a = gruInputForward(p);
    const gates = copyGruGates(a.saved);
    const ga = gruInputBackward(a.saved, dS, { inputGrad: true });
    assert.equal(arena.allocatedBytes, before);
    const restored = restoreGruSaved({ ...p, states: a.states, gates, input: { x: p.x, inDim: p.inDim, wx: p.wx } });
    const gb = gruInputBackward(restored, dS, { inputGrad: true });
    for (const k of ["dx", "dWx", "dBias", "dh0", "dWhRU", "dWhC"] as const) assertSame(k, gb[k]!, ga[k]!);
    assert.equal(arena.allocatedBytes, before);
  });
});

describe("wasmGruImplementation forwardInput / backwardInput", () => {
  it("gives the direct API's results, also when the pending activations were spilled to JS memory", () => {
    const p = problem(30, 5, 6, 8, 4, 5, true);
    const dS = randn(new Rng(31), 5 * 6 * 8, 1);
    const direct = gruInputBackward(gruInputForward(p).saved, dS, { inputGrad: true });
    const impl = wasmGruImplementation;
    const dims = { batch: 5, steps: 6, hidden: 8, clip: 5, reverse: true, inDim: 4 };
    const prev = setGruSpillBytes(1); // every pending forward is spilled by the next one
    try {
      const { arena } = kernelRuntime();
      const before = arena.allocatedBytes;
      const a = impl.forwardInput(p.x, p.wx, p.bias, p.h0, p.whRU, p.whC, dims);
      const b = impl.forwardInput(p.x, p.wx, p.bias, p.h0, p.whRU, p.whC, dims); // spills a
      for (const f of [a, b]) {
        // keepsInputs: nothing but `saved` and `dStates` is read, spilled or not.
        const none = new Float32Array(0);
        const g = impl.backwardInput({ x: none, wx: none, h0: none, whRu: none, whC: none, states: none, saved: f.saved, dStates: dS, inputGrad: true }, dims);
        assertSame("dx", g.dx!, direct.dx!);
        assertSame("dWx", g.dWx, direct.dWx);
        assertSame("dBias", g.dBias, direct.dBias);
        assertSame("dWhRU", g.dWhRu, direct.dWhRU);
      }
      assert.equal(arena.allocatedBytes, before);
      assertSame("forwardInputOnly", impl.forwardInputOnly(p.x, p.wx, p.bias, p.h0, p.whRU, p.whC, dims), a.states);
    } finally {
      setGruSpillBytes(prev);
    }
  });
});

describe("projected gru kernels: finite differences", () => {
  it("dx, dWx and dBias match central differences of L = Σ dS ⊙ states (float64 reference loss)", () => {
    const p = problem(21, 2, 4, 3, 2, 0.6, false, 1.5);
    const dS = randn(new Rng(22), 2 * 4 * 3, 1);
    const { saved } = gruInputForward({ ...p, threads: 1 });
    const g = gruInputBackward(saved, dS, { threads: 1, inputGrad: true });
    const x = Float64Array.from(p.x), wx = Float64Array.from(p.wx), bias = Float64Array.from(p.bias);
    const loss = (): number => {
      const s = refForward(refProblem(p, refProjection(p, x, wx, bias))).states;
      let l = 0;
      for (let i = 0; i < s.length; i++) l += dS[i]! * s[i]!;
      return l;
    };
    const eps = 1e-6;
    for (const [name, a, kernel] of [["x", x, g.dx!], ["wx", wx, g.dWx], ["bias", bias, g.dBias]] as const) {
      for (let i = 0; i < a.length; i++) {
        const v = a[i]!;
        a[i] = v + eps;
        const lp = loss();
        a[i] = v - eps;
        const lm = loss();
        a[i] = v;
        const fd = (lp - lm) / (2 * eps);
        assert.ok(Math.abs(kernel[i]! - fd) <= 1e-5 * (1 + Math.abs(fd)), `d${name}[${i}] ${kernel[i]} vs fd ${fd}`);
      }
    }
  });
});
