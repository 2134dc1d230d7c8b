/**
 * Posterior-sampling throughput of the lfads-ts model (forward only: no gradient tape, keep_prob 1,
 * g0 and controller outputs sampled from their posteriors, rates read back), in trials/s, next to
 * the PyTorch peer's `--mode infer` (forward with want_rates under no_grad) on the same case.
 * Usage: node --import tsx bench/posterior-throughput.ts [case index=0] [reps=5] [--no-peer]
 * Prints one JSON line.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../src/core/rng.js";
import { selectBackend } from "../src/model/backend.js";
import { modelConfigFromRunParams } from "../src/model/config.js";
import { LfadsModel } from "../src/model/lfads.js";
import { RngNoise } from "../src/model/noise.js";
import { RunParams } from "../src/params/run-params.js";
import { BENCH_CASES } from "./cases.js";
import { runPeer } from "./peer.js";
import { findTorchPython } from "./python.js";

async function main(): Promise<void> {
  const c = BENCH_CASES[Number(process.argv[2] ?? 0)]!;
  const reps = Number(process.argv[3] ?? 5);
  const info = await selectBackend();
  const params = new RunParams({ c_batch_size: c.B, c_ic_enc_dim: c.ic_enc_dim, c_ic_dim: c.ic_dim, c_gen_dim: c.gen_dim, c_factors_dim: c.factors_dim, c_co_dim: c.co_dim, c_ci_enc_dim: c.ci_enc_dim, c_con_dim: c.con_dim, c_cell_clip_value: c.cell_clip });
  const model = new LfadsModel(modelConfigFromRunParams(params, { numSteps: c.T, datasets: [{ name: "bench", numNeurons: c.N }] }), { seed: c.seed });
  const rng = new Rng(1);
  const data = tf.tensor3d(Float32Array.from({ length: c.B * c.T * c.N }, () => rng.poisson(0.3)), [c.B, c.T, c.N]);
  const noise = new RngNoise(new Rng(2));
  const once = (): void => {
    tf.tidy(() => {
      const out = model.forward({ datasetIndex: 0, data }, { keepProb: 1, latents: "sample", noise, outputs: true }).outputs!;
      out.outputDistParams.dataSync();
    });
  };
  once();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const c0 = process.cpuUsage();
    once();
    const dc = process.cpuUsage(c0);
    wall.push(performance.now() - t);
    cpu.push((dc.user + dc.system) / 1000);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const ours = { median_ms: median(wall), median_cpu_ms: median(cpu), trials_per_s: (c.B * 1000) / median(wall), backend: info.description };
  let peer: unknown = null;
  if (!process.argv.includes("--no-peer")) {
    const python = findTorchPython().found?.python;
    if (!python) peer = { error: "no Python with torch found" };
    else {
      try {
        peer = runPeer(python, "infer", c, { args: ["--threads", "1", "--steps", String(reps), "--warmup", "1"] });
      } catch (e) {
        peer = { error: (e as Error).message };
      }
    }
  }
  console.log(JSON.stringify({ case: c.name, B: c.B, loadavg: (await import("node:os")).loadavg(), ours, peer }));
  model.dispose();
}
void main();
