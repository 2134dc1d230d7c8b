/**
 * "Ours" side of the benchmark: one TF-LFADS training step of the lfads-ts model (forward with dropout and
 * posterior samples, cost with the ramp weights of the step, gradients of every trainable variable,
 * TF clip_by_global_norm, TF1 Adam), timed over `steps` steps after `warmup` untimed ones.
 *
 * What is timed is exactly `Trainer.trainStep` (src/train/trainer.ts), the step that `trainRun` runs:
 * batch gathering, tensors, forward, cost, gradients, norm, Adam. The modules are imported
 * dynamically: if they cannot be loaded, `timeTrainingStep` throws `OursUnavailable` with the
 * reason, and the harness records the case as skipped (no number is made up).
 *
 * The configuration goes through `RunParams` → `modelConfigFromRunParams`, the path a real run takes.
 * Every case field is passed explicitly (the Run Manager defaults differ from TF's for the L2 scales and
 * ramps); the fields a case leaves out have equal TF and Run Manager defaults.
 */
import type { BenchCase } from "./cases.js";

export interface TimingOptions {
  /** timed steps (≥ 1) */
  steps: number;
  /** untimed steps first (≥ 0) */
  warmup: number;
}

export interface OursTiming {
  /** median wall time of one training step, ms */
  median_ms: number;
  mean_ms: number;
  min_ms: number;
  /** median CPU time of one step (all threads of the process: main thread and kernel workers), ms */
  median_cpu_ms: number;
  /** peak resident set size of this process so far, MiB */
  peak_rss_mb: number;
  /** tfjs backend, e.g. "wasm (SIMD, 1 thread)" */
  backend: string;
  /** which kernels ran (native variant or wasm build, vector width) and on how many threads (src/kernels/describe.ts) */
  kernels: string;
  /** total cost of the last timed step (a sanity value) */
  last_cost: number;
}

/** The TS model or trainer could not be loaded or lacks what the adapter needs. */
export class OursUnavailable extends Error {
  override name = "OursUnavailable";
}

interface Modules {
  lfads: typeof import("../src/model/lfads.js");
  config: typeof import("../src/model/config.js");
  observation: typeof import("../src/model/observation/poisson.js");
  backend: typeof import("../src/model/ops/backend.js");
  trainer: typeof import("../src/train/trainer.js");
  trainConfig: typeof import("../src/train/train-config.js");
  runParams: typeof import("../src/params/run-params.js");
  rng: typeof import("../src/core/rng.js");
}

async function loadModules(): Promise<Modules> {
  try {
    const [lfads, config, observation, backend, trainer, trainConfig, runParams, rng] = await Promise.all([
      import("../src/model/lfads.js"),
      import("../src/model/config.js"),
      import("../src/model/observation/poisson.js"),
      import("../src/model/ops/backend.js"),
      import("../src/train/trainer.js"),
      import("../src/train/train-config.js"),
      import("../src/params/run-params.js"),
      import("../src/core/rng.js"),
    ]);
    return { lfads, config, observation, backend, trainer, trainConfig, runParams, rng };
  } catch (err) {
    throw new OursUnavailable(`the lfads-ts model/trainer modules could not be loaded: ${(err as Error).message}`);
  }
}

/** Spike counts [B,T,N] as the peer draws them: per trial and neuron a rate exp(0.5·z − 1), constant in time. */
function benchCounts(c: BenchCase, rng: { normal(): number; poisson(l: number): number }): Float32Array {
  const { B, T, N } = c;
  const out = new Float32Array(B * T * N);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      const rate = Math.exp(0.5 * rng.normal() - 1);
      for (let t = 0; t < T; t++) out[(b * T + t) * N + n] = rng.poisson(rate);
    }
  }
  return out;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024; // kB → MiB
}

async function kernelsDescription(): Promise<string> {
  const { describeKernels } = await import("../src/kernels/describe.js");
  return describeKernels();
}

/** Time `steps` training steps of the lfads-ts model on `c` (after `warmup` untimed ones). */
export async function timeTrainingStep(c: BenchCase, opts: TimingOptions): Promise<OursTiming> {
  if (!(Number.isInteger(opts.steps) && opts.steps >= 1 && Number.isInteger(opts.warmup) && opts.warmup >= 0)) {
    throw new RangeError(`timeTrainingStep: steps must be an integer >= 1 and warmup >= 0, got ${opts.steps} and ${opts.warmup}`);
  }
  const m = await loadModules();
  const info = await m.backend.selectBackend();
  const params = new m.runParams.RunParams({
    c_ic_enc_dim: c.ic_enc_dim,
    c_ic_dim: c.ic_dim,
    c_gen_dim: c.gen_dim,
    c_factors_dim: c.factors_dim,
    c_co_dim: c.co_dim,
    c_ci_enc_dim: c.ci_enc_dim,
    c_con_dim: c.con_dim,
    c_keep_prob: c.keep_prob,
    c_cell_clip_value: c.cell_clip,
    c_l2_gen_scale: c.l2_gen_scale,
    c_l2_con_scale: c.l2_con_scale,
    c_kl_increase_steps: c.kl_increase_steps,
    c_l2_increase_steps: c.l2_increase_steps,
    c_kl_start_step: 0,
    c_l2_start_step: 0,
    c_batch_size: c.B,
    c_learning_rate_init: c.learning_rate,
    c_max_grad_norm: c.max_grad_norm,
    c_keep_ratio: c.keep_ratio ?? 1,
  });
  const cfg = m.config.modelConfigFromRunParams(params, { numSteps: c.T, datasets: [{ name: "bench", numNeurons: c.N }] });
  const model = new m.lfads.LfadsModel(cfg, { seed: c.seed });
  const rng = new m.rng.Rng(c.seed + 1);
  const counts = benchCounts(c, rng);
  // One batch = all B trials (as the peer), in train and valid alike.
  const split = { data: counts, numTrials: c.B, lgammaSums: m.observation.lgammaRowSums(counts, c.B) };
  const data = { numSteps: c.T, datasets: [{ name: "bench", file: "", numNeurons: c.N, train: split, valid: split }] };
  const trainer = new m.trainer.Trainer(model, data, m.trainConfig.trainConfigFromRunParams(params, 1), c.seed);
  trainer.step = c.step; // the ramp weights of the case's step
  const ref = { datasetIndex: 0, indices: Int32Array.from({ length: c.B }, (_, i) => i) };
  let lastCost = NaN;
  const fail = (s: { cost: number }): never => {
    throw new Error(`training cost became ${s.cost} at step ${trainer.step}`);
  };
  const trainStep = (): void => {
    lastCost = trainer.trainStep(ref, fail).cost;
  };

  const medianOf = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  try {
    for (let i = 0; i < opts.warmup; i++) trainStep();
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < opts.steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      trainStep();
      const dc = process.cpuUsage(c0);
      times.push(performance.now() - t0);
      cpu.push((dc.user + dc.system) / 1000);
    }
    if (!Number.isFinite(lastCost)) throw new Error(`training cost became ${lastCost}`);
    const sorted = [...times].sort((a, b) => a - b);
    return {
      median_ms: medianOf(times),
      median_cpu_ms: medianOf(cpu),
      mean_ms: times.reduce((a, b) => a + b, 0) / times.length,
      min_ms: sorted[0]!,
      peak_rss_mb: peakRssMb(),
      backend: info.description,
      kernels: await kernelsDescription(),
      last_cost: lastCost,
    };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
