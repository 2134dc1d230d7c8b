/**
 * The coupled decoder's and the Poisson read-out's kernels for bench/kernels-child.ts, at the sizes of the
 * benchmark cases (bench/cases.ts): forward, and forward + backward, median wall times and GFLOP/s.
 *
 * FLOP models (2 per multiply-add, the dense products only; elementwise work and exp are not counted):
 * - decoder forward, per row and step: A·3C (the controller's input projection) + (C+F)·3C (its cell with the
 *   factors fed back) + C·2U (the posterior of u) + (G+U)·3G (the generator's cell with u) + G·F (factors);
 *   backward twice the forward (the gradients with respect to inputs and to weights).
 * - read-out forward, per row: G·F + F·N; backward three times that (it recomputes the forward, then both gradients).
 */
import { Rng } from "../src/core/rng.js";
import { decoderBackward, decoderForward, type DecoderForwardArgs } from "../src/kernels/decoder.js";
import { readoutBackward, readoutForward, type ReadoutArgs } from "../src/kernels/readout.js";

export interface DecoderConfig {
  readonly name: string;
  readonly B: number;
  readonly T: number;
  /** controller input (both CI encoder directions), controller, generator, u, factors */
  readonly A: number;
  readonly C: number;
  readonly G: number;
  readonly U: number;
  readonly F: number;
}

export interface ReadoutConfig {
  readonly name: string;
  readonly B: number;
  readonly T: number;
  readonly G: number;
  readonly F: number;
  readonly N: number;
}

export const DECODER_CONFIGS: readonly DecoderConfig[] = [
  { name: "decoder lorenz_seed_co B=150 T=500 C=64 G=64", B: 150, T: 500, A: 128, C: 64, G: 64, U: 4, F: 8 },
  { name: "decoder chaotic_rnn_inputs B=128 T=100 C=128 G=200", B: 128, T: 100, A: 256, C: 128, G: 200, U: 1, F: 20 },
];

export const READOUT_CONFIGS: readonly ReadoutConfig[] = [
  { name: "readout lorenz_seed B=150 T=500 G=64 F=8 N=30", B: 150, T: 500, G: 64, F: 8, N: 30 },
  { name: "readout chaotic_rnn_inputs B=128 T=100 G=200 F=20 N=50", B: 128, T: 100, G: 200, F: 20, N: 50 },
];

export function decoderFlops(c: DecoderConfig): { forward: number; backward: number } {
  const { B, T, A, C, G, U, F } = c;
  const forward = 2 * B * T * (A * 3 * C + (C + F) * 3 * C + C * 2 * U + (G + U) * 3 * G + G * F);
  return { forward, backward: 2 * forward };
}

export function readoutFlops(c: ReadoutConfig): { forward: number; backward: number } {
  const forward = 2 * c.B * c.T * (c.G * c.F + c.F * c.N);
  return { forward, backward: 3 * forward };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median wall ms of `reps` calls after 2 warm-up calls, and CPU time (all threads) per wall time. */
function time(reps: number, fn: () => void): { ms: number; cpuPerWall: number } {
  const wall: number[] = [];
  let cpu = 0;
  for (let i = 0; i < reps + 2; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (i >= 2) {
      wall.push(t);
      cpu += (c.user + c.system) / 1000;
    }
  }
  return { ms: median(wall), cpuPerWall: cpu / wall.reduce((a, b) => a + b, 0) };
}

function row(kernel: string, config: string, threads: number, f: { forward: number; backward: number }, fwd: { ms: number }, train: { ms: number; cpuPerWall: number }): Record<string, unknown> {
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  const gf = (flops: number, ms: number): number => r1(flops / ms / 1e6);
  return {
    kernel, config, threads,
    forward_ms: r1(fwd.ms), forward_gflops: gf(f.forward, fwd.ms),
    forward_backward_ms: r1(train.ms), forward_backward_gflops: gf(f.forward + f.backward, train.ms),
    forward_backward_cpu_per_wall: Math.round(train.cpuPerWall * 100) / 100,
  };
}

export async function benchDecoder(c: DecoderConfig, threads: number, reps: number): Promise<Record<string, unknown>> {
  const rng = new Rng(3);
  const r = (n: number, s = 0.3): Float32Array => Float32Array.from({ length: n }, () => s * rng.normal());
  const mask = (n: number): Float32Array => Float32Array.from({ length: n }, () => (rng.uniform() < 0.95 ? 1 / 0.95 : 0));
  const { B, T, A, C, G, U, F } = c;
  const a: DecoderForwardArgs = {
    batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A, feedback: true, clip: 5, threads,
    ab: r(B * T * A, 1), abW: r(A * 3 * C, 1 / Math.sqrt(A)), abB: r(3 * C), rest: r(3 * G), k0: r(B * C), s0: r(B * G, 1),
    eps: r(B * T * U, 1), fbMask: mask(B * T * F), genMask: mask(B * T * G),
    conWhRU: r(2 * C * C, 1 / Math.sqrt(C)), conWhC: r(C * C, 1 / Math.sqrt(C)), genWhRU: r(2 * G * G, 1 / Math.sqrt(G)), genWhC: r(G * G, 1 / Math.sqrt(G)),
    fbW: r(F * 3 * C), postW: r(C * 2 * U, 1 / Math.sqrt(C)), postB: r(2 * U), genWu: r(U * 3 * G), facW: r(G * F, 1 / Math.sqrt(G)),
  };
  const n = B * T;
  const cot = { dS: r(n * G, 1e-3), dF: r(n * F, 1e-3), dMV: r(n * 2 * U, 1e-3) };
  const fwd = time(reps, () => decoderForward(a, { save: false }));
  const train = time(reps, () => decoderBackward(decoderForward(a, { save: true }).saved!, cot, { threads }));
  return row("decoder", c.name, threads, decoderFlops(c), fwd, train);
}

export async function benchReadout(c: ReadoutConfig, threads: number, reps: number): Promise<Record<string, unknown>> {
  const rng = new Rng(4);
  const r = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, () => s * rng.normal());
  const { B, T, G, F, N } = c;
  const R = B * T;
  const a: ReadoutArgs = {
    batch: B, time: T, neurons: N, factors: F, gen: G, threads,
    x: Float32Array.from({ length: R * N }, () => rng.poisson(1)), wr: r(F * N, 1 / Math.sqrt(F)), br: r(N, 0.1),
    states: r(R * G, 1), mask: Float32Array.from({ length: R * G }, () => (rng.uniform() < 0.95 ? 1 / 0.95 : 0)), facW: r(G * F, 1 / Math.sqrt(G)),
  };
  const dLogLik = r(B, 1);
  const fwd = time(reps, () => readoutForward(a));
  const train = time(reps, () => {
    readoutForward(a);
    readoutBackward(a, { dLogLik });
  });
  return row("readout", c.name, threads, readoutFlops(c), fwd, train);
}
