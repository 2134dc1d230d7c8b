import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ParamError, ShapeError, setWarningSink } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import {
  defaultThreads,
  gruBackward,
  gruBackwardAsync,
  gruForward,
  gruForwardAsync,
  gruForwardOnly,
  gruForwardOnlyAsync,
  releaseGruSaved,
  shutdownGruPool,
  type GruGradients,
} from "../../src/kernels/gru.js";
import { setGruSpillBytes, wasmGruImplementation } from "../../src/kernels/gru-impl.js";
import { kernelRuntime } from "../../src/kernels/runtime.js";
import { assertClose, randn, randomProblem, refBackward, refForward, type RefProblem } from "./gru-reference.js";

after(() => shutdownGruPool());


function assertSame(name: string, a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length, `${name}: length`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${name}[${i}]: ${a[i]} !== ${b[i]}`);
}

function dStatesFor(p: RefProblem, seed: number): Float32Array {
  return randn(new Rng(seed), p.batch * p.time * p.hidden, 1);
}

/** Single-threaded forward and backward against the float64 reference; returns the states. */
function assertMatchesReference(p: RefProblem, dS: Float32Array): Float32Array {
  const ref = refForward(p);
  const refG = refBackward(p, ref, dS);
  const { states, saved } = gruForward({ ...p, threads: 1 });
  assertClose("states", states, ref.states);
  const g = gruBackward(saved, dS, { threads: 1 });
  assertClose("dXProj", g.dXProj, refG.dXProj);
  assertClose("dh0", g.dh0, refG.dh0);
  assertClose("dWhRU", g.dWhRU, refG.dWhRU);
  assertClose("dWhC", g.dWhC, refG.dWhC);
  return states;
}

const CASES = [
  // [batch, time, hidden]: H not a multiple of 4 or 8, B not a multiple of the 4-row block, tiny edge cases.
  [1, 1, 1],
  [5, 3, 3],
  [6, 9, 13],
  [9, 17, 8],
  [4, 12, 20],
  [13, 11, 37],
  [7, 30, 64],
] as const;

describe("gru kernels against the float64 reference", () => {
  for (const [batch, time, hidden] of CASES) {
    for (const reverse of [false, true]) {
      for (const clip of [0.5, 5]) {
        it(`B=${batch} T=${time} H=${hidden} clip=${clip}${reverse ? " reverse" : ""}`, () => {
          const p = randomProblem(batch * 1000 + time * 10 + hidden, { batch, time, hidden, clip, reverse });
          const states = assertMatchesReference(p, dStatesFor(p, 7));
          assertSame("forward only", gruForwardOnly({ ...p, threads: 1 }), states);
        });
      }
    }
  }

  it("exercises the clip: a good share of pre-clip values lie outside ±0.5", () => {
    const p = randomProblem(3, { batch: 7, time: 30, hidden: 64, clip: 0.5, reverse: false });
    const pre = refForward(p).preClip;
    const outside = pre.filter((v) => Math.abs(v) >= 0.5).length / pre.length;
    assert.ok(outside > 0.05 && outside < 0.6, `fraction clipped ${outside}`);
  });

  it("matches over a longer recurrence with larger inputs (saturated gates)", () => {
    const p = randomProblem(11, { batch: 6, time: 120, hidden: 24, clip: 5, reverse: true }, 3, 2.5);
    assertMatchesReference(p, dStatesFor(p, 12));
  });
});

describe("finite differences", () => {
  it("the reference and the kernel gradients match central differences of L = Σ dStates ⊙ states", () => {
    const p = randomProblem(21, { batch: 2, time: 4, hidden: 3, clip: 0.6, reverse: false }, 1.5);
    const dS = dStatesFor(p, 22);
    const loss = (x: Float64Array, h0: Float64Array, wru: Float64Array, wc: Float64Array): number => {
      const s = refForward(p, x, h0, wru, wc).states;
      let l = 0;
      for (let i = 0; i < s.length; i++) l += dS[i]! * s[i]!;
      return l;
    };
    const params = [Float64Array.from(p.xProj), Float64Array.from(p.h0), Float64Array.from(p.whRU), Float64Array.from(p.whC)];
    const refG = refBackward(p, refForward(p), dS);
    const { saved } = gruForward({ ...p, threads: 1 });
    const g = gruBackward(saved, dS, { threads: 1 });
    const analytic: [Float64Array, Float32Array][] = [
      [refG.dXProj, g.dXProj],
      [refG.dh0, g.dh0],
      [refG.dWhRU, g.dWhRU],
      [refG.dWhC, g.dWhC],
    ];
    const eps = 1e-6;
    let zeros = 0;
    params.forEach((a, which) => {
      for (let i = 0; i < a.length; i++) {
        const v = a[i]!;
        a[i] = v + eps;
        const lp = loss(...(params as [Float64Array, Float64Array, Float64Array, Float64Array]));
        a[i] = v - eps;
        const lm = loss(...(params as [Float64Array, Float64Array, Float64Array, Float64Array]));
        a[i] = v;
        const fd = (lp - lm) / (2 * eps);
        const [ref, kernel] = analytic[which]!;
        if (fd === 0) zeros++;
        assert.ok(Math.abs(ref[i]! - fd) <= 1e-6 * (1 + Math.abs(fd)), `reference grad ${which}[${i}] ${ref[i]} vs fd ${fd}`);
        assert.ok(Math.abs(kernel[i]! - fd) <= 1e-5 * (1 + Math.abs(fd)), `kernel grad ${which}[${i}] ${kernel[i]} vs fd ${fd}`);
      }
    });
    // The clip is active: some inputs feed only clipped states and get exactly zero gradient.
    assert.ok(zeros > 0, "expected some clipped (zero-gradient) inputs");
  });
});

describe("threads", () => {
  const p = randomProblem(31, { batch: 37, time: 20, hidden: 45, clip: 0.8, reverse: false });
  const dS = dStatesFor(p, 32);
  const one = gruForward({ ...p, threads: 1 });
  const g1 = gruBackward(one.saved, dS, { threads: 1 });

  /** Blocks and weight-gradient segments compute the same whichever thread runs them: bitwise equal. */
  function assertMatchesSingle(states: Float32Array, g: GruGradients): void {
    assertSame("states", states, one.states);
    assertSame("dXProj", g.dXProj, g1.dXProj);
    assertSame("dh0", g.dh0, g1.dh0);
    assertSame("dWhRU", g.dWhRU, g1.dWhRU);
    assertSame("dWhC", g.dWhC, g1.dWhC);
  }

  for (const threads of [2, 3, 5]) {
    it(`synchronous, ${threads} threads equal 1 thread`, () => {
      const f = gruForward({ ...p, threads });
      assertMatchesSingle(f.states, gruBackward(f.saved, dS, { threads }));
      assertSame("forward only", gruForwardOnly({ ...p, threads }), one.states);
    });
  }

  it("asynchronous, 2 threads equal 1 thread", async () => {
    const f = await gruForwardAsync({ ...p, threads: 2 });
    assertMatchesSingle(f.states, await gruBackwardAsync(f.saved, dS, { threads: 2 }));
    assertSame("forward only", await gruForwardOnlyAsync({ ...p, threads: 2 }), one.states);
  });

  it("a synchronous call while asynchronous ones are in flight waits for the workers", async () => {
    const pending = [gruForwardAsync({ ...p, threads: 2 }), gruForwardOnlyAsync({ ...p, threads: 3 })];
    const sync = gruForward({ ...p, threads: 2 });
    const [a, b] = (await Promise.all(pending)) as [{ states: Float32Array; saved: typeof sync.saved }, Float32Array];
    assertSame("async states", a.states, one.states);
    assertSame("async forward only", b, one.states);
    assertSame("sync states", sync.states, one.states);
    releaseGruSaved(a.saved);
    releaseGruSaved(sync.saved);
  });

  it("more threads than 4-row blocks still covers every row", () => {
    const q = randomProblem(41, { batch: 6, time: 5, hidden: 9, clip: 5, reverse: true });
    assertClose("states", gruForwardOnly({ ...q, threads: 4 }), refForward(q).states);
  });

  it("defaultThreads honours LFADS_THREADS and warns about a bad value", () => {
    const saved = process.env["LFADS_THREADS"];
    const warnings: string[] = [];
    const prevSink = setWarningSink((m) => warnings.push(m));
    try {
      process.env["LFADS_THREADS"] = "1";
      assert.equal(defaultThreads(), 1);
      process.env["LFADS_THREADS"] = "4096";
      assert.ok(defaultThreads() >= 1 && defaultThreads() < 4096, "capped by the core count");
      process.env["LFADS_THREADS"] = "two";
      assert.ok(defaultThreads() >= 1);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /LFADS_THREADS/);
    } finally {
      setWarningSink(prevSink);
      if (saved === undefined) delete process.env["LFADS_THREADS"];
      else process.env["LFADS_THREADS"] = saved;
    }
  });
});

describe("memory and arguments", () => {
  const p = randomProblem(51, { batch: 10, time: 8, hidden: 12, clip: 5, reverse: false });
  const dS = dStatesFor(p, 52);

  it("frees everything after backward, and releaseGruSaved frees unused activations", () => {
    const { arena } = kernelRuntime();
    const before = arena.allocatedBytes;
    const f = gruForward({ ...p, threads: 2 });
    assert.ok(arena.allocatedBytes > before);
    gruBackward(f.saved, dS, { threads: 2 });
    assert.equal(arena.allocatedBytes, before);
    assert.equal(f.saved.released, true);
    gruForwardOnly(p);
    assert.equal(arena.allocatedBytes, before);
    const g = gruForward(p);
    releaseGruSaved(g.saved);
    releaseGruSaved(g.saved);
    assert.equal(arena.allocatedBytes, before);
  });

  it("keepSaved allows a second backward; a released one is refused", () => {
    const f = gruForward({ ...p, threads: 1 });
    const a = gruBackward(f.saved, dS, { keepSaved: true, threads: 1 });
    const b = gruBackward(f.saved, dS, { threads: 1 });
    assertSame("dWhC", a.dWhC, b.dWhC);
    assert.throws(() => gruBackward(f.saved, dS), ParamError);
  });

  it("rejects wrong shapes and values with typed errors", () => {
    assert.throws(() => gruForward({ ...p, xProj: new Float32Array(3) }), ShapeError);
    assert.throws(() => gruForward({ ...p, whC: new Float32Array(p.whRU) }), /whC must have 144 elements/);
    assert.throws(() => gruForward({ ...p, hidden: 0 }), ShapeError);
    assert.throws(() => gruForward({ ...p, clip: 0 }), ParamError);
    assert.throws(() => gruForward({ ...p, threads: 0 }), ParamError);
    const f = gruForward(p);
    assert.throws(() => gruBackward(f.saved, new Float32Array(5)), ShapeError);
    releaseGruSaved(f.saved);
    assert.throws(() => gruBackward({ ...f.saved }, dS), ParamError);
  });

  it("writes into caller-provided output arrays", () => {
    const f = gruForward({ ...p, threads: 1 });
    const outStates = new Float32Array(f.states.length);
    const g = gruForward({ ...p, threads: 1, outStates });
    assert.equal(g.states, outStates);
    assertSame("states", outStates, f.states);
    const ref = gruBackward(f.saved, dS, { threads: 1 });
    const out = { dXProj: new Float32Array(ref.dXProj.length), dWhC: new Float32Array(ref.dWhC.length) };
    const got = gruBackward(g.saved, dS, { threads: 1, out });
    assert.equal(got.dXProj, out.dXProj);
    assert.equal(got.dWhC, out.dWhC);
    assertSame("dXProj", out.dXProj, ref.dXProj);
    assertSame("dWhC", out.dWhC, ref.dWhC);
    assertSame("dh0", got.dh0, ref.dh0);
    assert.throws(() => gruForward({ ...p, outStates: new Float32Array(3) }), /outStates must have/);
    const h = gruForward(p);
    assert.throws(() => gruBackward(h.saved, dS, { out: { dh0: new Float32Array(1) } }), ShapeError);
    releaseGruSaved(h.saved);
  });

  it("the clip may be Infinity (no clipping)", () => {
    const q = { ...p, clip: Infinity, xProj: randn(new Rng(53), p.xProj.length, 4) };
    assertClose("states", gruForwardOnly(q), refForward(q).states);
  });
});

describe("wasmGruImplementation (src/model's GruRecurrenceImpl contract)", () => {
  const p = randomProblem(61, { batch: 11, time: 9, hidden: 21, clip: 0.7, reverse: true });
  const dS = dStatesFor(p, 62);
  const dims = { batch: p.batch, steps: p.time, hidden: p.hidden, clip: p.clip, reverse: p.reverse };
  const direct = gruForward(p);
  const dg = gruBackward(direct.saved, dS);

  // keepsInputs: backward reads only `saved` and `dStates` (the inputs may be views that are gone by then).
  const none = new Float32Array(0);
  function backward(out: { states: Float32Array; saved: Float32Array }): ReturnType<typeof wasmGruImplementation.backward> {
    return wasmGruImplementation.backward({ xProj: none, h0: none, whRu: none, whC: none, states: none, saved: out.saved, dStates: dS }, dims);
  }

  function assertDirect(g: ReturnType<typeof wasmGruImplementation.backward>): void {
    assertSame("dXProj", g.dXProj, dg.dXProj);
    assertSame("dh0", g.dh0, dg.dh0);
    assertSame("dWhRu", g.dWhRu, dg.dWhRU);
    assertSame("dWhC", g.dWhC, dg.dWhC);
  }

  it("gives the direct API's results and frees the activations at backward", () => {
    const { arena } = kernelRuntime();
    const before = arena.allocatedBytes;
    const out = wasmGruImplementation.forward(p.xProj, p.h0, p.whRU, p.whC, dims);
    assertSame("states", out.states, direct.states);
    assert.ok(arena.allocatedBytes > before, "activations stay in the kernels' memory until backward");
    assertDirect(backward(out));
    assert.equal(arena.allocatedBytes, before);
    assert.throws(() => backward(out), ParamError);
    assert.equal(wasmGruImplementation.supportsBackend("wasm"), true);
    assert.equal(wasmGruImplementation.supportsBackend("webgl"), false);
  });

  it("writes into the caller's arrays where given", () => {
    const states = new Float32Array(p.batch * p.time * p.hidden);
    const out = wasmGruImplementation.forward(p.xProj, p.h0, p.whRU, p.whC, dims, { states });
    assert.equal(out.states, states);
    assertSame("states", states, direct.states);
    const targets = { dXProj: new Float32Array(dg.dXProj.length), dh0: new Float32Array(dg.dh0.length), dWhRu: new Float32Array(dg.dWhRU.length), dWhC: new Float32Array(dg.dWhC.length) };
    const g = wasmGruImplementation.backward({ xProj: none, h0: none, whRu: none, whC: none, states: none, saved: out.saved, dStates: dS }, dims, targets);
    for (const k of ["dXProj", "dh0", "dWhRu", "dWhC"] as const) assert.equal(g[k], targets[k]);
    assertDirect(g);
  });

  it("spills the oldest pending activations to JS memory past the threshold, with the same gradients", () => {
    const { arena } = kernelRuntime();
    const before = arena.allocatedBytes;
    const prev = setGruSpillBytes(1);
    try {
      const a = wasmGruImplementation.forward(p.xProj, p.h0, p.whRU, p.whC, dims);
      const inArena = arena.allocatedBytes;
      const b = wasmGruImplementation.forward(p.xProj, p.h0, p.whRU, p.whC, dims);
      assert.equal(arena.allocatedBytes, inArena, "a's activations left the wasm memory when b's came in");
      assertDirect(backward(a));
      assertDirect(backward(b));
      assert.equal(arena.allocatedBytes, before);
    } finally {
      setGruSpillBytes(prev);
    }
  });
});
