/**
 * Lorenz fit study (issue 4): generate a fresh single-session Lorenz dataset, prepare one run
 * (c_factors_dim 8, c_co_dim 0, the seed's 64/64/64 architecture), train it with `trainRun` (fused
 * WebAssembly GRU kernels) and score the posterior-mean rates of the validation trials against
 * `valid_truth` with r2Score (lorenz-baselines.md: pooled over trials, bins and neurons).
 *
 * Usage: node --import tsx scripts/lorenz-fit.ts '<json config>'   (keys: see FitConfig / DEFAULTS)
 * Prints one line per evaluation (every `evalEveryEpochs` epochs): step, wall, CPU seconds, costs,
 * valid KL, the spread of the g0 posterior means across trials (collapse check) and valid R².
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../src/core/rng.js";
import { buildLorenzDemo } from "../src/demo/lorenz-demo.js";
import { readArray, readH5 } from "../src/io/h5.js";
import { modelConfigFromRunParams } from "../src/model/config.js";
import { activeGruImplementation } from "../src/model/ops/gru-recurrence.js";
import { LfadsModel } from "../src/model/lfads.js";
import { RngNoise } from "../src/model/noise.js";
import type { RunParams } from "../src/params/run-params.js";
import { r2Score } from "../src/posterior/scores.js";
import { prepare } from "../src/prepare/prepare.js";
import { latestCheckpoint, loadCheckpoint } from "../src/train/checkpoint.js";
import { trainRun } from "../src/train/train-run.js";

export interface FitConfig {
  dataSeed: number;
  modelSeed: number;
  conditions: number;
  trialsPerCondition: number;
  channels: number;
  nTime: number;
  spikeBinMs: number;
  batch: number;
  lr: number;
  lrDecay: number;
  lrStop: number;
  klSteps: number;
  l2Steps: number;
  klStart: number;
  l2Start: number;
  l2GenScale: number;
  klIcWeight: number;
  maxSteps: number;
  /** Stop training (abort, then score the newest checkpoints) after this many wall seconds; 0 = no cap. */
  maxWallS: number;
  evalEveryEpochs: number;
  keep: boolean;
  extra: Record<string, number | string | boolean>;
}

export const DEFAULTS: FitConfig = {
  dataSeed: 1,
  modelSeed: 0,
  conditions: 65,
  trialsPerCondition: 20,
  channels: 30,
  nTime: 1000,
  spikeBinMs: 10,
  batch: 100,
  lr: 0.01,
  lrDecay: 0.98,
  lrStop: 1e-5,
  klSteps: 900,
  l2Steps: 900,
  klStart: 0,
  l2Start: 0,
  l2GenScale: 500,
  klIcWeight: 1,
  maxSteps: 1000,
  maxWallS: 0,
  evalEveryEpochs: 5,
  keep: false,
  extra: {},
};

export interface Score {
  r2: number;
  /** Mean over g0 dimensions of the standard deviation across valid trials of the posterior mean. */
  g0Spread: number;
  /** Mean over valid trials of KL(q(g0)‖p(g0)). */
  klIc: number;
}

/** Posterior-mean (push-mean) rates of the valid trials → R² against valid_truth. */
export async function scoreValid(inputFile: string, ckptFile: string, params: RunParams): Promise<Score> {
  const { x, truth } = await readH5(inputFile, (f) => ({ x: readArray(f, "valid_data", inputFile), truth: readArray(f, "valid_truth", inputFile) }));
  const [E, T, N] = x.shape as [number, number, number];
  const data = Float32Array.from(x.data as ArrayLike<number>);
  const ckpt = await loadCheckpoint(ckptFile);
  const model = new LfadsModel(modelConfigFromRunParams(params, { numSteps: T, datasets: [{ name: path.basename(inputFile).slice(6), numNeurons: N }] }));
  const rates = new Float32Array(E * T * N);
  const I = model.config.icDim;
  const g0 = new Float32Array(E * I);
  let klSum = 0;
  try {
    model.importWeights(ckpt.weights);
    const noise = new RngNoise(new Rng(12345));
    const bs = 128;
    for (let s = 0; s < E; s += bs) {
      const B = Math.min(bs, E - s);
      tf.tidy(() => {
        const batch = { datasetIndex: 0, data: tf.tensor3d(data.subarray(s * T * N, (s + B) * T * N), [B, T, N]) };
        const fwd = model.forward(batch, { keepProb: 1, latents: "mean", noise, outputs: true });
        rates.set(fwd.outputs!.outputDistParams.dataSync(), s * T * N);
        if (fwd.outputs!.postG0Mean) g0.set(fwd.outputs!.postG0Mean.dataSync(), s * I);
        klSum += tf.sum(fwd.klIc).dataSync()[0]!;
      });
    }
  } finally {
    model.dispose();
  }
  const r2 = r2Score({ data: rates, shape: [E, T, N] }, { data: Float64Array.from(truth.data as ArrayLike<number>), shape: [E, T, N] }).pooled;
  let spread = 0;
  for (let i = 0; i < I; i++) {
    let m = 0;
    let m2 = 0;
    for (let e = 0; e < E; e++) {
      const v = g0[e * I + i]!;
      m += v;
      m2 += v * v;
    }
    m /= E;
    spread += Math.sqrt(Math.max(0, m2 / E - m * m));
  }
  return { r2, g0Spread: I > 0 ? spread / I : 0, klIc: klSum / E };
}

export async function lorenzFit(cfg: FitConfig, log: (line: string) => void = console.log): Promise<{ r2: number; steps: number; wallS: number; cpuS: number; trainWallS: number; curve: string[] }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "lorenz-fit-"));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const cpu = (): number => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  const wall = (): number => (performance.now() - t0) / 1000;
  try {
    const demo = await buildLorenzDemo({
      out,
      name: "fit",
      factors: [8],
      lorenz: {
        nDatasets: 1,
        nConditions: cfg.conditions,
        minTrialsPerCondition: cfg.trialsPerCondition,
        maxTrialsPerCondition: cfg.trialsPerCondition,
        minChannels: cfg.channels,
        maxChannels: cfg.channels,
        nTime: cfg.nTime,
        seed: cfg.dataSeed,
        today: "2024-01-01",
      },
      params: {
        spikeBinMs: cfg.spikeBinMs,
        c_co_dim: 0,
        c_batch_size: cfg.batch,
        c_ic_enc_dim: 64,
        c_gen_dim: 64,
        c_ic_dim: 64,
        c_keep_prob: 0.95,
        c_learning_rate_init: cfg.lr,
        c_learning_rate_decay_factor: cfg.lrDecay,
        c_learning_rate_stop: cfg.lrStop,
        c_kl_increase_steps: cfg.klSteps,
        c_l2_increase_steps: cfg.l2Steps,
        c_kl_start_step: cfg.klStart,
        c_l2_start_step: cfg.l2Start,
        c_l2_gen_scale: cfg.l2GenScale,
        c_kl_ic_weight: cfg.klIcWeight,
        c_max_ckpt_to_keep: 1,
        c_max_ckpt_to_keep_lve: 1,
        ...cfg.extra,
      },
    });
    await prepare(demo.rc);
    const run = demo.rc.runList[0]!;
    const inputFile = path.join(run.path, "lfadsInput", "lfads_dataset001.h5");
    const outDir = path.join(run.path, "lfadsOutput");
    const tPrep = wall();
    log(`# prepared in ${tPrep.toFixed(1)} s (cpu ${cpu().toFixed(1)} s): ${run.path}`);
    const curve: string[] = [];
    let evalSeconds = 0;
    const ctl = new AbortController();
    const cap = cfg.maxWallS > 0 ? setTimeout(() => ctl.abort(), cfg.maxWallS * 1000) : undefined;
    const res = await trainRun(run, {
      signal: ctl.signal,
      maxSteps: cfg.maxSteps,
      seed: cfg.modelSeed,
      quiet: true,
      onProgress: async (p) => {
        if (p.kind !== "epoch" || (p.epoch + 1) % cfg.evalEveryEpochs !== 0) return;
        const te = performance.now();
        const s = await scoreValid(inputFile, latestCheckpoint(outDir, "rolling")!, run.params);
        evalSeconds += (performance.now() - te) / 1000;
        const line =
          `step ${p.step} ep ${p.epoch} wall ${(wall() - evalSeconds).toFixed(0)} cpu ${cpu().toFixed(0)} lr ${p.learningRate.toExponential(2)} ` +
          `train ${p.trainCost.toFixed(1)} recon ${p.trainRecon.toFixed(1)} vrecon ${p.validRecon!.toFixed(1)} vkl ${p.validKl!.toFixed(2)} ` +
          `klw ${p.klWeight.toFixed(2)} l2 ${p.l2Cost.toFixed(3)} | klIc ${s.klIc.toFixed(2)} g0sd ${s.g0Spread.toFixed(3)} R2 ${s.r2.toFixed(4)}`;
        curve.push(line);
        log(line);
      },
    });
    if (cap) clearTimeout(cap);
    const trainWallS = wall() - tPrep - evalSeconds;
    const final = await scoreValid(inputFile, res.checkpoint ?? latestCheckpoint(outDir, "rolling")!, run.params);
    const lve = res.lveCheckpoint ? await scoreValid(inputFile, res.lveCheckpoint, run.params) : undefined;
    log(
      `# FINAL (${res.stopReason}) steps ${res.steps} epochs ${res.epochs} R2 ${final.r2.toFixed(4)} (lve ${lve ? lve.r2.toFixed(4) : "-"}) klIc ${final.klIc.toFixed(2)} g0sd ${final.g0Spread.toFixed(3)} ` +
        `| train wall ${trainWallS.toFixed(0)} s, ${res.secondsPerStep.toFixed(3)} s/step (${res.backend.description} / ${activeGruImplementation()}); total wall ${wall().toFixed(0)} s (incl. ${evalSeconds.toFixed(0)} s of study evals), cpu ${cpu().toFixed(0)} s`,
    );
    return { r2: final.r2, steps: res.steps, wallS: wall(), cpuS: cpu(), trainWallS, curve };
  } finally {
    if (!cfg.keep) fs.rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join("scripts", "lorenz-fit.ts"))) {
  const over = JSON.parse(process.argv[2] ?? "{}") as Partial<FitConfig>;
  const cfg: FitConfig = { ...DEFAULTS, ...over };
  console.log(`# config ${JSON.stringify(cfg)}  load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  lorenzFit(cfg).then(
    () => console.log(`# load at end ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
