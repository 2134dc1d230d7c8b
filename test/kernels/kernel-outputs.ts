/**
 * Runs every kernel entry point once on fixed, seeded inputs (odd sizes: batch remainders, widths not a
 * multiple of 4 or 8) and writes all outputs to the file named by argv[2] as JSON { name: number[] }.
 * native.test.ts runs it once per kernel path (LFADS_KERNELS, LFADS_NATIVE_VARIANT) and compares.
 * Prints the kernels that ran (`wasm` or the native variant) on stdout.
 */
import { writeFileSync } from "node:fs";
import { Rng } from "../../src/core/rng.js";
import { decoderBackward, decoderForward } from "../../src/kernels/decoder.js";
import { gruBackward, gruForward, gruForwardOnly, gruInputBackward, gruInputForward } from "../../src/kernels/gru.js";
import { dropoutMaskInto } from "../../src/kernels/mask.js";
import { kernelExp, readoutBackward, readoutForward } from "../../src/kernels/readout.js";
import { kernelRuntime } from "../../src/kernels/runtime.js";

const rng = new Rng(2026);
const r = (n: number, s = 0.5): Float32Array => Float32Array.from({ length: n }, () => s * rng.normal());
const out: Record<string, number[]> = {};
const put = (name: string, a: Float32Array | Uint32Array | undefined): void => {
  if (a) out[name] = Array.from(a);
};

// The single recurrence at two widths (H = 13: every panel and row tail ragged; H = 40), both directions.
for (const [B, T, H] of [[7, 11, 13], [9, 6, 40]] as const) {
  for (const reverse of [false, true]) {
    const tag = `gru B${B} H${H}${reverse ? " rev" : ""}`;
    const a = { xProj: r(B * T * 3 * H), h0: r(B * H), whRU: r(2 * H * H, 0.3), whC: r(H * H, 0.3), batch: B, time: T, hidden: H, clip: 2.5, reverse, threads: 2 };
    const f = gruForward(a);
    put(`${tag} states`, f.states);
    put(`${tag} forward-only`, gruForwardOnly(a));
    const g = gruBackward(f.saved, r(B * T * H, 1));
    for (const [k, v] of Object.entries(g)) put(`${tag} ${k}`, v as Float32Array);
  }
}

// The recurrence with its input projection (gru_fwd with D > 0, gru_bwd_dw with dWx, gru_gemm for dx).
{
  const [B, T, H, D] = [6, 9, 21, 5];
  const a = { x: r(B * T * D, 1), inDim: D, wx: r(D * 3 * H, 0.4), bias: r(3 * H, 0.2), h0: r(B * H), whRU: r(2 * H * H, 0.3), whC: r(H * H, 0.3), batch: B, time: T, hidden: H, clip: 5, threads: 3 };
  const f = gruInputForward(a);
  put("gru-input states", f.states);
  const g = gruInputBackward(f.saved, r(B * T * H, 1), { inputGrad: true });
  for (const [k, v] of Object.entries(g)) put(`gru-input ${k}`, v as Float32Array | undefined);
}

// The coupled decoder, with feedback and sampled u (mode 1), and without feedback.
for (const feedback of [true, false]) {
  const [B, T, A, C, G, U, F] = [9, 7, 7, 5, 11, 3, 6];
  const mask = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() < 0.8 ? 1.25 : 0));
  const a = {
    batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A, feedback, clip: 5, threads: 2,
    ab: r(B * T * A, 1), abW: r(A * 3 * C), abB: r(3 * C), rest: r(3 * G), k0: r(B * C), s0: r(B * G, 1),
    eps: r(B * T * U, 1), fbMask: mask(B * T * F), genMask: mask(B * T * G),
    conWhRU: r(2 * C * C), conWhC: r(C * C), genWhRU: r(2 * G * G), genWhC: r(G * G), fbW: r(F * 3 * C),
    postW: r(C * 2 * U), postB: r(2 * U), genWu: r(U * 3 * G), facW: r(G * F),
  };
  const tag = `decoder${feedback ? " fb" : ""}`;
  const fwd = decoderForward(a, { save: true });
  for (const k of ["k", "s", "f", "mv", "u"] as const) put(`${tag} ${k}`, fwd[k]);
  const n = B * T;
  const g = decoderBackward(fwd.saved!, { dS: r(n * G, 1), dF: r(n * F, 1), dMV: r(n * 2 * U, 1), dK: r(n * C, 1), dU: r(n * U, 1) }, { threads: 2 });
  for (const [k, v] of Object.entries(g)) if (v instanceof Float32Array) put(`${tag} ${k}`, v);
}

// The Poisson read-out, with the masked factors stage and with factors given.
for (const stage of [true, false]) {
  const [B, T, N, F, G] = [5, 7, 13, 6, 11];
  const R = B * T;
  const x = Float32Array.from({ length: R * N }, () => rng.poisson(1.5));
  const common = { batch: B, time: T, neurons: N, factors: F, x, wr: r(F * N, 0.3), br: r(N, 0.5), threads: 2 };
  const a = stage
    ? { ...common, gen: G, states: r(R * G, 1), mask: Float32Array.from({ length: R * G }, () => (rng.uniform() < 0.7 ? 1 / 0.7 : 0)), facW: r(G * F, 0.3) }
    : { ...common, f: r(R * F, 1) };
  const tag = `readout${stage ? " stage" : ""}`;
  const fwd = readoutForward(a, { factors: stage, logRates: true });
  for (const [k, v] of Object.entries(fwd)) put(`${tag} ${k}`, v as Float32Array | undefined);
  const g = readoutBackward(a, { dLogLik: r(B, 1), dLogRates: r(R * N, 0.3), ...(stage ? { dFactors: r(R * F, 0.3) } : {}) });
  for (const [k, v] of Object.entries(g)) put(`${tag} ${k}`, v as Float32Array | undefined);
}

put("exp", kernelExp(Float32Array.from({ length: 203 }, (_, i) => -90 + i * 0.9)));

// Dropout masks: integer arithmetic, so bitwise the same on both paths (values and the advanced state).
{
  const state = Uint32Array.of(0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x12345678);
  const m = new Float32Array(1003);
  dropoutMaskInto(state, m, 0.7);
  put("mask values", m);
  put("mask state", state);
}

writeFileSync(process.argv[2]!, JSON.stringify(out));
console.log(kernelRuntime().native?.variant ?? "wasm");
