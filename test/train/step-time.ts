/**
 * One-off step-time measurement (not part of the test suite): the seed Lorenz configuration
 * (batch 150, T = 500, N = 30, ic_enc 64, ic 64, gen 64, factors 8, co_dim 0) on synthetic sparse
 * counts. Usage: node --import tsx test/train/step-time.ts [wasm|cpu] [steps] [co_dim] [composite|fused]
 * ("fused" plugs src/kernels' wasmGruImplementation in through setGruImplementation).
 */
import { Rng } from "../../src/core/rng.js";
import { selectBackend, type BackendName } from "../../src/model/ops/backend.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { activeGruImplementation, setGruImplementation } from "../../src/model/ops/gru-recurrence.js";
import { LfadsModel } from "../../src/model/lfads.js";
import { lgammaRowSums } from "../../src/model/observation/poisson.js";
import { RunParams } from "../../src/params/run-params.js";
import { epochBatches } from "../../src/train/batching.js";
import type { InputData } from "../../src/train/input-data.js";
import { trainConfigFromRunParams } from "../../src/train/train-config.js";
import { Trainer } from "../../src/train/trainer.js";

async function main(): Promise<void> {
  const backend = await selectBackend((process.argv[2] ?? "wasm") as BackendName);
  const nSteps = Number(process.argv[3] ?? 3);
  const coDim = Number(process.argv[4] ?? 0);
  if (process.argv[5] === "fused") setGruImplementation((await import("../../src/kernels/gru-impl.js")).wasmGruImplementation);
  const params = new RunParams({ c_batch_size: 150, c_ic_enc_dim: 64, c_ic_dim: 64, c_gen_dim: 64, c_factors_dim: 8, c_co_dim: coDim, c_ci_enc_dim: 64, c_con_dim: 64 });
  const T = 500, N = 30, E = 300;
  const rng = new Rng(7);
  const counts = Float32Array.from({ length: E * T * N }, () => rng.poisson(0.017));
  const split = { data: counts, numTrials: E, lgammaSums: lgammaRowSums(counts, E) };
  const data: InputData = { numSteps: T, datasets: [{ name: "dataset001.h5", file: "", numNeurons: N, train: split, valid: split }] };
  const model = new LfadsModel(modelConfigFromRunParams(params, { numSteps: T, datasets: [{ name: "dataset001.h5", numNeurons: N }] }));
  const trainer = new Trainer(model, data, trainConfigFromRunParams(params, 1), 0);
  const batches = epochBatches(150, [{ name: "d", numTrials: E }], trainer.rng, "train");
  const fail = (): never => {
    throw new Error("non-finite cost");
  };
  console.log(`backend ${backend.description}, GRU ${activeGruImplementation()}, ${model.parameterCount()} parameters, co_dim ${coDim}`);
  // CPU time (all threads of this process) next to wall time: on a shared machine the wall time of a
  // single-threaded step is inflated by other processes, its CPU time much less so.
  for (let i = 0; i <= nSteps; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const s = trainer.trainStep(batches[i % batches.length]!, fail);
    const cpu = process.cpuUsage(c);
    console.log(`${i === 0 ? "warm-up" : `step ${i}`}: wall ${((performance.now() - t) / 1000).toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s  cost ${s.cost.toFixed(2)}`);
  }
  trainer.dispose();
  model.dispose();
}

void main();
