/**
 * A straightforward float64 GRU recurrence and its backpropagation through time, written from the
 * math (lfads-model.md §1.1 with the TF forget bias of +1), loop by loop, for the kernel tests.
 */
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.js";

export interface RefProblem {
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
  readonly clip: number;
  readonly reverse: boolean;
  readonly xProj: Float32Array;
  readonly h0: Float32Array;
  readonly whRU: Float32Array;
  readonly whC: Float32Array;
}

export interface RefForward {
  states: Float64Array;
  /** Pre-clip values u⊙h + (1−u)⊙c, for the clip mask. */
  preClip: Float64Array;
  r: Float64Array;
  u: Float64Array;
  c: Float64Array;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Time index of step s (the order in which the recurrence visits time). */
const timeAt = (p: RefProblem, s: number): number => (p.reverse ? p.time - 1 - s : s);

export function refForward(p: RefProblem, x: ArrayLike<number> = p.xProj, h0: ArrayLike<number> = p.h0,
  whRU: ArrayLike<number> = p.whRU, whC: ArrayLike<number> = p.whC): RefForward {
  const { batch: B, time: T, hidden: H, clip } = p;
  const f = (): Float64Array => new Float64Array(B * T * H);
  const out: RefForward = { states: f(), preClip: f(), r: f(), u: f(), c: f() };
  for (let b = 0; b < B; b++) {
    let h = Array.from({ length: H }, (_, k) => h0[b * H + k]!);
    for (let s = 0; s < T; s++) {
      const t = timeAt(p, s);
      const xo = (b * T + t) * 3 * H;
      const o = (b * T + t) * H;
      const r = new Array<number>(H);
      const u = new Array<number>(H);
      for (let j = 0; j < H; j++) {
        let ar = x[xo + j]!;
        let au = x[xo + H + j]! + 1;
        for (let k = 0; k < H; k++) {
          ar += h[k]! * whRU[k * 2 * H + j]!;
          au += h[k]! * whRU[k * 2 * H + H + j]!;
        }
        r[j] = sigmoid(ar);
        u[j] = sigmoid(au);
      }
      const next = new Array<number>(H);
      for (let j = 0; j < H; j++) {
        let ac = x[xo + 2 * H + j]!;
        for (let k = 0; k < H; k++) ac += r[k]! * h[k]! * whC[k * H + j]!;
        const c = Math.tanh(ac);
        const pre = u[j]! * h[j]! + (1 - u[j]!) * c;
        next[j] = Math.min(Math.max(pre, -clip), clip);
        out.preClip[o + j] = pre;
        out.c[o + j] = c;
        out.r[o + j] = r[j]!;
        out.u[o + j] = u[j]!;
        out.states[o + j] = next[j]!;
      }
      h = next;
    }
  }
  return out;
}

export interface RefGradients {
  dXProj: Float64Array;
  dh0: Float64Array;
  dWhRU: Float64Array;
  dWhC: Float64Array;
}

export function refBackward(p: RefProblem, fw: RefForward, dStates: ArrayLike<number>): RefGradients {
  const { batch: B, time: T, hidden: H, clip } = p;
  const g: RefGradients = {
    dXProj: new Float64Array(B * T * 3 * H),
    dh0: new Float64Array(B * H),
    dWhRU: new Float64Array(2 * H * H),
    dWhC: new Float64Array(H * H),
  };
  for (let b = 0; b < B; b++) {
    let dh = new Array<number>(H).fill(0);
    for (let s = T - 1; s >= 0; s--) {
      const t = timeAt(p, s);
      const o = (b * T + t) * H;
      const hp = (k: number): number => (s === 0 ? p.h0[b * H + k]! : fw.states[(b * T + timeAt(p, s - 1)) * H + k]!);
      const dhNew = new Array<number>(H).fill(0);
      const dar = new Array<number>(H);
      const dau = new Array<number>(H);
      const dac = new Array<number>(H);
      for (let j = 0; j < H; j++) {
        const gj = dStates[o + j]! + dh[j]!;
        const dpre = Math.abs(fw.preClip[o + j]!) < clip ? gj : 0;
        const u = fw.u[o + j]!;
        const c = fw.c[o + j]!;
        dhNew[j] = dpre * u;
        dau[j] = dpre * (hp(j) - c) * u * (1 - u);
        dac[j] = dpre * (1 - u) * (1 - c * c);
      }
      for (let k = 0; k < H; k++) {
        let drh = 0;
        for (let j = 0; j < H; j++) {
          drh += dac[j]! * p.whC[k * H + j]!;
          g.dWhC[k * H + j] += fw.r[o + k]! * hp(k) * dac[j]!;
        }
        const r = fw.r[o + k]!;
        dhNew[k] += drh * r;
        dar[k] = drh * hp(k) * r * (1 - r);
      }
      for (let k = 0; k < H; k++) {
        for (let j = 0; j < H; j++) {
          dhNew[k] += dar[j]! * p.whRU[k * 2 * H + j]! + dau[j]! * p.whRU[k * 2 * H + H + j]!;
          g.dWhRU[k * 2 * H + j] += hp(k) * dar[j]!;
          g.dWhRU[k * 2 * H + H + j] += hp(k) * dau[j]!;
        }
      }
      const xo = (b * T + t) * 3 * H;
      for (let j = 0; j < H; j++) {
        g.dXProj[xo + j] = dar[j]!;
        g.dXProj[xo + H + j] = dau[j]!;
        g.dXProj[xo + 2 * H + j] = dac[j]!;
      }
      dh = dhNew;
    }
    for (let k = 0; k < H; k++) g.dh0[b * H + k] = dh[k]!;
  }
  return g;
}

/** Random Float32Array with entries normal(0, scale²). */
export function randn(rng: Rng, n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/** A random problem; weights at LFADS's init scale 1/sqrt(H) times `wScale`. */
export function randomProblem(
  seed: number,
  dims: { batch: number; time: number; hidden: number; clip: number; reverse: boolean },
  xScale = 1,
  wScale = 1.5,
): RefProblem {
  const rng = new Rng(seed);
  const { batch: B, time: T, hidden: H } = dims;
  return {
    ...dims,
    xProj: randn(rng, B * T * 3 * H, xScale),
    h0: randn(rng, B * H, 0.5),
    whRU: randn(rng, 2 * H * H, wScale / Math.sqrt(H)),
    whC: randn(rng, H * H, wScale / Math.sqrt(H)),
  };
}

/**
 * Float32 kernels against the float64 reference: every element within 1e-5 of the array's scale
 * (max |reference|, at least 1). Measured errors are ~1e-7 of the scale for states and ~1e-6 for
 * gradients accumulated over 100 steps.
 */
export function assertClose(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5): void {
  assert.equal(actual.length, expected.length, `${name}: length`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= rel * scale)) assert.fail(`${name}[${i}]: ${actual[i]} vs ${expected[i]} (|diff| ${d} > ${rel} × ${scale})`);
  }
}
