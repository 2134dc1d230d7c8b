/**
 * Posterior-sampling throughput, what a user of `samplePosterior` / `lfads posterior` gets:
 *
 * - `ours.sample_and_average`: trials/s of posterior_sample_and_average at the default sample count
 *   (num_samples_posterior, 512), measured on the real path — a run folder with an input file and a
 *   checkpoint of a freshly initialised model of the case, `samplePosterior` writing the HDF5 files with
 *   the default memory bound (batchTrials). The rate is the one samplePosterior reports: trials over the
 *   seconds spent writing the files (model and input loading excluded). `trials` train trials + 1 valid
 *   trial are sampled per rep.
 * - `ours.forward`: raw forward samples/s — one full forward pass (encoders + decoder, no gradient tape,
 *   keep_prob 1, g0 and controller outputs sampled, rates read back) over the case's B rows.
 * - `peer`: the PyTorch peer's `--mode infer` (bench/peer/lfads_peer.py: the same full forward under
 *   no_grad, B rows) at 1 thread; `sample_and_average_trials_per_s` is its rows/s ÷ the sample count, the
 *   rate of a peer that pushes every sample through the whole model (the peer writes no files).
 *
 * Usage: node --import tsx bench/posterior-throughput.ts [case index=0] [reps=3]
 *          [--trials n=2] [--samples S=512] [--no-peer] [--no-forward] [--no-sample]
 * Prints one JSON line (bench/run.ts reads it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../src/core/rng.js";
import { writeArray, writeH5Atomic } from "../src/io/h5.js";
import { selectBackend } from "../src/model/ops/backend.js";
import { modelConfigFromRunParams } from "../src/model/config.js";
import { LfadsModel } from "../src/model/lfads.js";
import { RngNoise } from "../src/model/noise.js";
import { RunParams } from "../src/params/run-params.js";
import { samplePosterior } from "../src/posterior/sample.js";
import { saveCheckpoint } from "../src/train/checkpoint.js";
import { BENCH_CASES, type BenchCase } from "./cases.js";
import { runPeer, type PeerTiming } from "./peer.js";
import { findTorchPython } from "./python.js";

export interface PosteriorThroughput {
  case: string;
  B: number;
  T: number;
  num_samples: number;
  loadavg_start: number[];
  loadavg_end: number[];
  ours: {
    backend: string;
    sample_and_average: { trials_per_s: number; runs_trials_per_s: number[]; trials: number; batch_trials: number } | null;
    forward: { median_ms: number; median_cpu_ms: number; samples_per_s: number } | null;
  };
  peer: { median_ms: number; samples_per_s: number; sample_and_average_trials_per_s: number; threads: number; torch_version: string } | { error: string } | null;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} needs a positive integer, got '${process.argv[i + 1]}'`);
  return v;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function caseParams(c: BenchCase, numSamples: number): RunParams {
  return new RunParams({
    c_batch_size: c.B, c_ic_enc_dim: c.ic_enc_dim, c_ic_dim: c.ic_dim, c_gen_dim: c.gen_dim, c_factors_dim: c.factors_dim,
    c_co_dim: c.co_dim, c_ci_enc_dim: c.ci_enc_dim, c_con_dim: c.con_dim, c_cell_clip_value: c.cell_clip,
    c_l2_gen_scale: c.l2_gen_scale, c_l2_con_scale: c.l2_con_scale, c_kl_increase_steps: c.kl_increase_steps, c_l2_increase_steps: c.l2_increase_steps,
    c_kl_start_step: 0, c_l2_start_step: 0, num_samples_posterior: numSamples,
  });
}

/** Counts [E,T,N] as the peer draws them: per trial and neuron a rate exp(0.5·z − 1), constant in time. */
function counts(rng: Rng, E: number, T: number, N: number): Float32Array {
  const out = new Float32Array(E * T * N);
  for (let e = 0; e < E; e++) {
    for (let n = 0; n < N; n++) {
      const rate = Math.exp(0.5 * rng.normal() - 1);
      for (let t = 0; t < T; t++) out[(e * T + t) * N + n] = rng.poisson(rate);
    }
  }
  return out;
}

/** A run folder for `samplePosterior`: lfadsInput/lfads_bench.h5 (nTrain + 1 valid trials) and a checkpoint of the initial model. */
export async function makeRun(dir: string, c: BenchCase, params: RunParams, nTrain: number): Promise<{ inputDir: string; outputDir: string; checkpoint: string }> {
  const inputDir = path.join(dir, "lfadsInput");
  const outputDir = path.join(dir, "lfadsOutput");
  fs.mkdirSync(inputDir, { recursive: true });
  fs.mkdirSync(outputDir, { recursive: true });
  const rng = new Rng(c.seed + 1);
  await writeH5Atomic(path.join(inputDir, "lfads_bench.h5"), (f) => {
    writeArray(f, "train_data", { data: counts(rng, nTrain, c.T, c.N), shape: [nTrain, c.T, c.N] });
    writeArray(f, "valid_data", { data: counts(rng, 1, c.T, c.N), shape: [1, c.T, c.N] });
  });
  const model = new LfadsModel(modelConfigFromRunParams(params, { numSteps: c.T, datasets: [{ name: "bench.h5", numNeurons: c.N }] }), { seed: c.seed });
  try {
    const state = {
      step: c.step, epochsDone: 0, lr: { learningRate: c.learning_rate, history: [] }, rngState: [1, 2, 3, 4], adamT: 0,
      lowestValidCost: Infinity, validCount: 0, fitlog: [], seed: c.seed, backend: "",
    };
    const checkpoint = await saveCheckpoint(outputDir, "rolling", { state, weights: model.exportWeights(), adamM: new Map(), adamV: new Map() }, 1);
    return { inputDir, outputDir, checkpoint };
  } finally {
    model.dispose();
  }
}

async function sampleAndAverage(c: BenchCase, reps: number, nTrain: number, numSamples: number): Promise<NonNullable<PosteriorThroughput["ours"]["sample_and_average"]>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-posterior-bench-"));
  try {
    const params = caseParams(c, numSamples);
    const { inputDir, outputDir, checkpoint } = await makeRun(dir, c, params, nTrain);
    const rates: number[] = [];
    let batchTrials = 0;
    for (let i = 0; i < reps; i++) {
      const r = await samplePosterior({ inputDir, outputDir, params }, { kind: "posterior_sample_and_average", checkpointFile: checkpoint, overwrite: true, quiet: true });
      rates.push(r.trialsPerSecond.posterior_sample_and_average!);
      batchTrials = r.batchTrials;
    }
    return { trials_per_s: median(rates), runs_trials_per_s: rates, trials: nTrain + 1, batch_trials: batchTrials };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function forwardRate(c: BenchCase, reps: number): NonNullable<PosteriorThroughput["ours"]["forward"]> {
  const params = caseParams(c, 1);
  const model = new LfadsModel(modelConfigFromRunParams(params, { numSteps: c.T, datasets: [{ name: "bench", numNeurons: c.N }] }), { seed: c.seed });
  const data = tf.tensor3d(counts(new Rng(c.seed + 1), c.B, c.T, c.N), [c.B, c.T, c.N]);
  const noise = new RngNoise(new Rng(2));
  const once = (): void => {
    tf.tidy(() => {
      const out = model.forward({ datasetIndex: 0, data }, { keepProb: 1, latents: "sample", noise, outputs: true }).outputs!;
      out.outputDistParams.dataSync();
    });
  };
  try {
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
    return { median_ms: median(wall), median_cpu_ms: median(cpu), samples_per_s: (c.B * 1000) / median(wall) };
  } finally {
    data.dispose();
    model.dispose();
  }
}

export async function posteriorThroughput(c: BenchCase, opts: { reps: number; trials: number; samples: number; peer: boolean; forward: boolean; sample: boolean }): Promise<PosteriorThroughput> {
  const loadStart = os.loadavg();
  const info = await selectBackend();
  const sa = opts.sample ? await sampleAndAverage(c, opts.reps, opts.trials, opts.samples) : null;
  const fw = opts.forward ? forwardRate(c, opts.reps) : null;
  let peer: PosteriorThroughput["peer"] = null;
  if (opts.peer) {
    const python = findTorchPython().found?.python;
    if (!python) peer = { error: "no Python with torch and h5py found" };
    else {
      try {
        const t = runPeer<PeerTiming>(python, "infer", c, { args: ["--threads", "1", "--steps", String(opts.reps), "--warmup", "1"] });
        const rows = (c.B * 1000) / t.median_ms;
        peer = { median_ms: t.median_ms, samples_per_s: rows, sample_and_average_trials_per_s: rows / opts.samples, threads: t.threads, torch_version: t.torch_version };
      } catch (e) {
        peer = { error: (e as Error).message };
      }
    }
  }
  return {
    case: c.name, B: c.B, T: c.T, num_samples: opts.samples, loadavg_start: loadStart, loadavg_end: os.loadavg(),
    ours: { backend: info.description, sample_and_average: sa, forward: fw }, peer,
  };
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !(i > 0 && ["--trials", "--samples"].includes(all[i - 1]!)));
  const idx = Number(positional[0] ?? 0);
  const c = BENCH_CASES[idx];
  if (!c) throw new RangeError(`no bench case ${positional[0]} (0 … ${BENCH_CASES.length - 1})`);
  const reps = Number(positional[1] ?? 3);
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`reps must be a positive integer, got '${positional[1]}'`);
  const defaults = new RunParams({}).values;
  const r = await posteriorThroughput(c, {
    reps,
    trials: argValue("--trials", 2),
    samples: argValue("--samples", defaults.num_samples_posterior),
    peer: !process.argv.includes("--no-peer"),
    forward: !process.argv.includes("--no-forward"),
    sample: !process.argv.includes("--no-sample"),
  });
  console.log(JSON.stringify(r));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  });
}
