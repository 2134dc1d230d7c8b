/**
 * A plain-JavaScript `GruRecurrenceImpl` (no tfjs inside): the contract of the fused-kernel switch
 * point written out as loops. It saves the gates r,u,c as [B,T,3H] for the backward pass. It is the
 * test vehicle for `setGruImplementation` and a readable reference for kernel authors; it is not fast.
 */
import type { GruBackwardInput, GruDims, GruForwardOutput, GruGradients, GruRecurrenceImpl } from "./gru-recurrence.js";

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function steps(d: GruDims): number[] {
  const idx = Array.from({ length: d.steps }, (_, i) => i);
  return d.reverse ? idx.reverse() : idx;
}

function forward(x: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, d: GruDims): GruForwardOutput {
  const { batch: B, steps: T, hidden: H, clip } = d;
  const states = new Float32Array(B * T * H);
  const gates = new Float32Array(B * T * 3 * H);
  const h = new Float64Array(H);
  const rh = new Float64Array(H);
  const acc = new Float64Array(2 * H);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) h[k] = h0[b * H + k]!;
    for (const t of steps(d)) {
      const xo = (b * T + t) * 3 * H;
      const go = xo;
      acc.fill(0);
      for (let k = 0; k < H; k++) for (let j = 0; j < 2 * H; j++) acc[j]! += h[k]! * whRu[k * 2 * H + j]!;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(x[xo + j]! + acc[j]!);
        gates[go + j] = r;
        gates[go + H + j] = sigmoid(x[xo + H + j]! + acc[H + j]! + 1);
        rh[j] = r * h[j]!;
      }
      for (let j = 0; j < H; j++) {
        let a = x[xo + 2 * H + j]!;
        for (let k = 0; k < H; k++) a += rh[k]! * whC[k * H + j]!;
        gates[go + 2 * H + j] = Math.tanh(a);
      }
      for (let j = 0; j < H; j++) {
        const u = gates[go + H + j]!;
        const c = gates[go + 2 * H + j]!;
        const hn = Math.min(clip, Math.max(-clip, u * h[j]! + (1 - u) * c));
        h[j] = hn;
        states[(b * T + t) * H + j] = hn;
      }
    }
  }
  return { states, saved: gates };
}

function backward(g: GruBackwardInput, d: GruDims): GruGradients {
  const { batch: B, steps: T, hidden: H, clip } = d;
  const { h0, whRu, whC, states, saved: gates, dStates } = g;
  const dX = new Float32Array(B * T * 3 * H);
  const dh0 = new Float32Array(B * H);
  const dWru = new Float64Array(H * 2 * H);
  const dWc = new Float64Array(H * H);
  const carry = new Float64Array(H);
  const hp = new Float64Array(H);
  const drh = new Float64Array(H);
  const ord = steps(d);
  for (let b = 0; b < B; b++) {
    carry.fill(0);
    for (let i = T - 1; i >= 0; i--) {
      const t = ord[i]!;
      const prev = i === 0 ? -1 : ord[i - 1]!;
      for (let k = 0; k < H; k++) hp[k] = prev < 0 ? h0[b * H + k]! : states[(b * T + prev) * H + k]!;
      const go = (b * T + t) * 3 * H;
      const next = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const u = gates[go + H + j]!, c = gates[go + 2 * H + j]!;
        const dh = dStates[(b * T + t) * H + j]! + carry[j]!;
        const pass = Math.abs(u * hp[j]! + (1 - u) * c) <= clip ? 1 : 0;
        const dac = dh * pass * (1 - u) * (1 - c * c);
        const dau = dh * pass * (hp[j]! - c) * u * (1 - u);
        dX[go + 2 * H + j] = dac;
        dX[go + H + j] = dau;
        next[j] = dh * pass * u;
      }
      for (let k = 0; k < H; k++) {
        let s = 0;
        for (let j = 0; j < H; j++) s += dX[go + 2 * H + j]! * whC[k * H + j]!;
        drh[k] = s;
      }
      for (let k = 0; k < H; k++) {
        const r = gates[go + k]!;
        dX[go + k] = drh[k]! * hp[k]! * r * (1 - r);
        next[k]! += drh[k]! * r;
      }
      for (let k = 0; k < H; k++) {
        let s = 0;
        for (let j = 0; j < 2 * H; j++) s += dX[go + j]! * whRu[k * 2 * H + j]!;
        next[k]! += s;
        const rk = gates[go + k]!;
        for (let j = 0; j < 2 * H; j++) dWru[k * 2 * H + j]! += hp[k]! * dX[go + j]!;
        for (let j = 0; j < H; j++) dWc[k * H + j]! += rk * hp[k]! * dX[go + 2 * H + j]!;
      }
      carry.set(next);
    }
    for (let k = 0; k < H; k++) dh0[b * H + k] = carry[k]!;
  }
  return { dXProj: dX, dh0, dWhRu: Float32Array.from(dWru), dWhC: Float32Array.from(dWc) };
}

export const jsGruImplementation: GruRecurrenceImpl = {
  name: "js-reference",
  supportsBackend: (name) => name === "cpu" || name === "wasm",
  forward,
  backward,
};
