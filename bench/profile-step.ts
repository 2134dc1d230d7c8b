/**
 * Per-kernel profile of one training step (Trainer.trainStep, what trainRun runs) on the wasm
 * backend: every registered wasm kernel and the fused GRU implementation are wrapped with wall and
 * CPU timers (process.cpuUsage: all threads of the process). Kernels are keyed by name and input shapes.
 * Usage: node --import tsx bench/profile-step.ts [steps=2] [co_dim=0] [seed|chaotic]
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../src/core/rng.js";
import { selectBackend } from "../src/model/ops/backend.js";
import { modelConfigFromRunParams } from "../src/model/config.js";
import { activeGruImplementation } from "../src/model/ops/gru-recurrence.js";
import { LfadsModel } from "../src/model/lfads.js";
import { lgammaRowSums } from "../src/model/observation/poisson.js";
import { RunParams } from "../src/params/run-params.js";
import { epochBatches } from "../src/train/batching.js";
import type { InputData } from "../src/train/input-data.js";
import { trainConfigFromRunParams } from "../src/train/train-config.js";
import { Trainer } from "../src/train/trainer.js";

interface Acc { n: number; wall: number; cpu: number }
const table = new Map<string, Acc>();
let depth = 0;
function record(key: string, wall: number, cpu: number): void {
  const a = table.get(key) ?? { n: 0, wall: 0, cpu: 0 };
  a.n++; a.wall += wall; a.cpu += cpu;
  table.set(key, a);
}
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
function timed<A extends unknown[], R>(key: (...a: A) => string, f: (...a: A) => R): (...a: A) => R {
  return (...a: A): R => {
    if (depth > 0) return f(...a);
    depth++;
    const w = performance.now(), c = cpuNow();
    try { return f(...a); } finally { depth--; record(key(...a), performance.now() - w, cpuNow() - c); }
  };
}

async function main(): Promise<void> {
  await selectBackend("wasm");
  const steps = Number(process.argv[2] ?? 2);
  const coDim = Number(process.argv[3] ?? 0);
  const chaotic = process.argv[4] === "chaotic";
  const registry = tf.getKernelsForBackend("wasm");
  for (const k of registry) {
    const orig = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, "wasm");
    tf.registerKernel({ ...k, kernelFunc: timed((args: Parameters<tf.KernelFunc>[0]) => `${k.kernelName} ${Object.values(args.inputs).map((t) => `[${t!.shape.join(",")}]`).join(" ")}`, orig) as tf.KernelFunc });
  }
  const gi = await import("../src/model/ops/gru-recurrence.js");
  const prev = gi.setGruImplementation(null)!;
  // Every method of the implementation, timed (keyed by their dims argument).
  const wrapped: Record<string, unknown> = { name: prev.name, keepsInputs: prev.keepsInputs, finalStates: prev.finalStates, supportsBackend: (b: string) => prev.supportsBackend(b) };
  for (const m of ["forward", "backward", "forwardInput", "backwardInput", "forwardInputOnly"] as const) {
    const f = prev[m] as ((...a: unknown[]) => unknown) | undefined;
    if (!f) continue;
    wrapped[m] = timed((...a: unknown[]) => {
      const d = a.find((v) => typeof v === "object" && v !== null && "steps" in v) as { batch: number; steps: number; hidden: number; inDim?: number };
      return `GRU.${m} B${d.batch} T${d.steps} H${d.hidden}${d.inDim !== undefined ? ` D${d.inDim}` : ""}`;
    }, f.bind(prev));
  }
  gi.setGruImplementation(wrapped as unknown as typeof prev);
  const cd = await import("../src/model/ops/coupled-decoder.js");
  const dec = cd.setCoupledDecoderImplementation(null);
  if (dec) {
    cd.setCoupledDecoderImplementation({
      name: dec.name,
      supportsBackend: (b) => dec.supportsBackend(b),
      forward: timed((a, save, _out) => `Decoder.forward B${a.batch} T${a.time} C${a.con} G${a.gen}${save ? "" : " (no save)"}`, dec.forward.bind(dec)),
      backward: timed((_saved, _cot, _out) => "Decoder.backward", dec.backward.bind(dec)),
    });
  }
  // The fused Poisson read-out, timed; READOUT=composite profiles the composite tfjs ops instead (before/after).
  const pr = await import("../src/model/ops/poisson-readout.js");
  const ro = pr.setPoissonReadoutImplementation(null);
  if (ro && process.env["READOUT"] !== "composite") {
    pr.setPoissonReadoutImplementation({
      name: ro.name,
      supportsBackend: (b) => ro.supportsBackend(b),
      forward: timed((a, _out, _save) => `Readout.forward B${a.batch} T${a.time} N${a.neurons}${a.states ? ` G${a.gen}` : ""}`, ro.forward.bind(ro)),
      backward: timed((a, _cot, _out, _saved) => `Readout.backward B${a.batch} T${a.time} N${a.neurons}${a.states ? ` G${a.gen}` : ""}`, ro.backward.bind(ro)),
    });
  }
  const p = chaotic
    ? { c_batch_size: 128, c_ic_enc_dim: 128, c_ic_dim: 64, c_gen_dim: 200, c_factors_dim: 20, c_co_dim: coDim, c_ci_enc_dim: 128, c_con_dim: 128 }
    : { c_batch_size: 150, c_ic_enc_dim: 64, c_ic_dim: 64, c_gen_dim: 64, c_factors_dim: 8, c_co_dim: coDim, c_ci_enc_dim: 64, c_con_dim: 64 };
  const params = new RunParams(p);
  const T = chaotic ? 100 : 500, N = chaotic ? 50 : 30, E = 2 * p.c_batch_size;
  const rng = new Rng(7);
  const counts = Float32Array.from({ length: E * T * N }, () => rng.poisson(0.017));
  const split = { data: counts, numTrials: E, lgammaSums: lgammaRowSums(counts, E) };
  const data: InputData = { numSteps: T, datasets: [{ name: "d.h5", file: "", numNeurons: N, train: split, valid: split }] };
  const model = new LfadsModel(modelConfigFromRunParams(params, { numSteps: T, datasets: [{ name: "d.h5", numNeurons: N }] }));
  const trainer = new Trainer(model, data, trainConfigFromRunParams(params, 1), 0);
  const batches = epochBatches(p.c_batch_size, [{ name: "d", numTrials: E }], trainer.rng, "train");
  const fail = (): never => { throw new Error("non-finite cost"); };
  console.log(`GRU ${activeGruImplementation()}, co_dim ${coDim}, ${chaotic ? "chaotic" : "seed"}`);
  let totW = 0, totC = 0;
  for (let i = 0; i <= steps; i++) {
    if (i === 1) table.clear();
    const w = performance.now(), c = cpuNow();
    trainer.trainStep(batches[i % batches.length]!, fail);
    const dw = performance.now() - w, dc = cpuNow() - c;
    if (i > 0) { totW += dw; totC += dc; }
    console.log(`step ${i}: wall ${dw.toFixed(0)} ms cpu ${dc.toFixed(0)} ms`);
  }
  const rows = [...table.entries()].sort((a, b) => b[1].cpu - a[1].cpu);
  let sw = 0, sc = 0;
  for (const [, a] of rows) { sw += a.wall; sc += a.cpu; }
  console.log(`per step: wall ${(totW / steps).toFixed(0)} ms, cpu ${(totC / steps).toFixed(0)} ms; in kernels: wall ${(sw / steps).toFixed(0)} cpu ${(sc / steps).toFixed(0)}; outside kernels (JS, tape, GC): wall ${((totW - sw) / steps).toFixed(0)} cpu ${((totC - sc) / steps).toFixed(0)}`);
  for (const [k, a] of rows.slice(0, Number(process.env["TOP"] ?? 40))) {
    console.log(`${(a.cpu / steps).toFixed(1).padStart(8)} cpu ${(a.wall / steps).toFixed(1).padStart(8)} wall ${String(a.n / steps).padStart(5)}×  ${k}`);
  }
  trainer.dispose();
  model.dispose();
}
void main();
