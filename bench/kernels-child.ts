/**
 * One kernel path's half of `npm run bench:kernels` (bench/kernels.ts runs it once per path with
 * LFADS_KERNELS=wasm and =native and compares): per kernel, forward, forward + backward and forward-only
 * times (medians) and GFLOP/s, for 1 and 2 threads. Writes JSON to stdout.
 *
 *   LFADS_KERNELS=native node --import tsx bench/kernels-child.ts [--reps N] [--threads 1,2] [--async]
 *
 * Times are medians (and `best`: minima) over N repetitions after 2 warm-up calls (V8 compiles wasm with its
 * baseline compiler first and tiers up while it runs), measured through the public API, so they include
 * copying the inputs in and the outputs out. GFLOP/s uses dense multiply-add models: the GRU's of
 * lfads-model.md §9 (forward 6·B·T·H², backward twice that), and for the decoder and the read-out
 * `decoderFlops` / `readoutFlops` below.
 */
import { loadavg, cpus } from "node:os";
import { Rng } from "../src/core/rng.js";
import { describeKernels } from "../src/kernels/describe.js";
import { DECODER_CONFIGS, READOUT_CONFIGS, benchDecoder, benchReadout } from "./kernels-fused.js";
import {
  gruBackward,
  gruBackwardAsync,
  gruFlops,
  gruForward,
  gruForwardAsync,
  gruForwardOnly,
  releaseGruSaved,
  shutdownGruPool,
  type GruForwardArgs,
} from "../src/kernels/gru.js";

interface Config {
  readonly name: string;
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
}

const CONFIGS: Config[] = [
  { name: "encoder B=150 T=500 H=64", batch: 150, time: 500, hidden: 64 },
  { name: "encoder B=128 T=100 H=128", batch: 128, time: 100, hidden: 128 },
  { name: "generator B=128 T=100 H=200", batch: 128, time: 100, hidden: 200 },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const reps = Number(arg("--reps") ?? 5);
const threadList = (arg("--threads") ?? "1,2").split(",").map(Number);
const useAsync = process.argv.includes("--async");

function random(rng: Rng, n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Wall times (ms) of `reps` calls after 2 warm-up calls, and the process CPU time (all threads) of each. */
async function timeIt(fn: () => unknown): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    if (i >= 2) {
      wall.push(t1 - t0);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  return { wall, cpu };
}

async function benchConfig(c: Config, threads: number): Promise<Record<string, unknown>> {
  const rng = new Rng(1);
  const { batch: B, time: T, hidden: H } = c;
  const args: GruForwardArgs = {
    xProj: random(rng, B * T * 3 * H, 1),
    h0: random(rng, B * H, 0.5),
    whRU: random(rng, 2 * H * H, 1 / Math.sqrt(H)),
    whC: random(rng, H * H, 1 / Math.sqrt(H)),
    batch: B,
    time: T,
    hidden: H,
    clip: 5,
    threads,
  };
  const dStates = random(rng, B * T * H, 1);
  const flops = gruFlops(B, T, H);
  const fwd = useAsync ? () => gruForwardAsync(args) : async () => gruForward(args);
  const bwd = useAsync
    ? (s: Awaited<ReturnType<typeof fwd>>["saved"]) => gruBackwardAsync(s, dStates, { threads })
    : async (s: Awaited<ReturnType<typeof fwd>>["saved"]) => gruBackward(s, dStates, { threads });

  const fwdTimes = await timeIt(async () => releaseGruSaved((await fwd()).saved));
  const trainTimes = await timeIt(async () => bwd((await fwd()).saved));
  const fwdOnlyTimes = await timeIt(() => gruForwardOnly(args));
  const fwdMs = median(fwdTimes.wall);
  const trainMs = median(trainTimes.wall);
  const fwdOnlyMs = median(fwdOnlyTimes.wall);
  const gf = (f: number, ms: number): number => Math.round((f / ms / 1e6) * 10) / 10;
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    config: c.name,
    threads,
    forward_ms: r1(fwdMs),
    forward_gflops: gf(flops.forward, fwdMs),
    forward_backward_ms: r1(trainMs),
    forward_backward_gflops: gf(flops.forward + flops.backward, trainMs),
    backward_ms_derived: r1(trainMs - fwdMs),
    forward_only_ms: r1(fwdOnlyMs),
    forward_only_gflops: gf(flops.forward, fwdOnlyMs),
    forward_only_trials_per_s: Math.round((B / fwdOnlyMs) * 1000),
    /** Best of the repetitions: the closest to an unloaded machine when the cores are shared. */
    best: {
      forward_gflops: gf(flops.forward, Math.min(...fwdTimes.wall)),
      forward_backward_gflops: gf(flops.forward + flops.backward, Math.min(...trainTimes.wall)),
      forward_only_gflops: gf(flops.forward, Math.min(...fwdOnlyTimes.wall)),
    },
    /** CPU time of all threads over wall time: ~threads when the cores were ours, less under load. */
    forward_backward_cpu_per_wall: Math.round((median(trainTimes.cpu) / trainMs) * 100) / 100,
    samples_ms: { forward: fwdTimes.wall.map(r1), forward_backward: trainTimes.wall.map(r1), forward_only: fwdOnlyTimes.wall.map(r1) },
  };
}

async function main(): Promise<void> {
  const started = { loadavg: loadavg().map((x) => Math.round(x * 100) / 100) };
  const results: Record<string, unknown>[] = [];
  for (const c of CONFIGS) for (const threads of threadList) results.push({ kernel: "gru", ...(await benchConfig(c, threads)) });
  for (const c of DECODER_CONFIGS) for (const threads of threadList) results.push(await benchDecoder(c, threads, reps));
  for (const c of READOUT_CONFIGS) for (const threads of threadList) results.push(await benchReadout(c, threads, reps));
  await shutdownGruPool();
  const out = {
    bench: "kernels",
    kernels: describeKernels(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    mode: useAsync ? "async (all slices on workers)" : "sync (one slice on the calling thread)",
    reps,
    loadavg_start: started.loadavg,
    loadavg_end: loadavg().map((x) => Math.round(x * 100) / 100),
    results,
  };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

void main();
