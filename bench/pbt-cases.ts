/**
 * The cases of `npm run bench:pbt` (issue #17): each builds a prepared RunCollection whose first run is the
 * starting point, as a user would (generate or load the data, describe it, prepare one run).
 *
 *   lorenz_bad_start    10-ms Lorenz (the fit grid's full-budget data shape), the recommended CPU setting with
 *                       deliberately poor hyperparameters: learning rate 0.001, no dropout, c_l2_gen_scale 2000
 *   lorenz_docs_start   the docs' 2-ms Lorenz setting (README: c_batch_size 150, 64-unit networks, 8 factors)
 *   chaotic_rnn_inputs  the TF README's chaotic RNN with input pulses (scale 0.1) and the hand-tuned setting of
 *                       the README's fit table (valid R² 0.602 after 300 steps)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Dataset } from "../src/data/dataset.js";
import { DatasetCollection } from "../src/data/dataset-collection.js";
import { generateLorenzDatasets, type LorenzOptions } from "../src/data/lorenz.js";
import { generateSynthDataset } from "../src/data/synth/index.js";
import { array3d } from "../src/core/array3d.js";
import { RunCollection } from "../src/facade/runs.js";
import { RunParams, type RunParamsInit } from "../src/params/run-params.js";
import { RunSpec } from "../src/runs/run-spec.js";
import type { SearchSpaceOverrides } from "../src/pbt/search-space.js";
import { RECOMMENDED_CPU_PARAMS } from "./fit-settings.js";

export interface PbtBudget {
  population: number;
  generations: number;
  generationSteps: number;
  /** Undefined: the start's KL/L2 ramps. */
  burnInSteps?: number;
  posteriorSamples: number;
  /** Members trained at once on the local pool (undefined: pbt()'s default, one at a time on 2 cores). */
  workers?: number;
}

export interface PbtCase {
  name: string;
  /** One line describing the starting point (written to pbt.json). */
  start: string;
  params: RunParamsInit;
  budget: PbtBudget;
  /** Changes to AutoLFADS' default search space (undefined: the default space); `--default-space` drops them. */
  searchSpace?: SearchSpaceOverrides;
  /**
   * Generate or load the data and return the dataset collection (`conditions` shrinks Lorenz data for a quick
   * check; `repeat` > 0 draws another Lorenz dataset, data seed 21 + repeat, for a repeat of the case).
   */
  data(dir: string, conditions: number | undefined, repeat: number): Promise<DatasetCollection>;
}

function lorenzData(opts: Partial<LorenzOptions>): PbtCase["data"] {
  return async (dir, conditions, repeat) => {
    if (!fs.existsSync(path.join(dir, "dataset001.h5"))) await generateLorenzDatasets(dir, { ...opts, ...(conditions ? { nConditions: conditions } : {}), nDatasets: 1, seed: 21 + repeat });
    const dc = new DatasetCollection(dir, "lorenz_pbt");
    new Dataset(dc, "dataset001.h5");
    return dc;
  };
}

/** The chaotic RNN's spikes and true rates (expected counts per bin: truth / conversion factor), every trial of both splits. */
async function chaoticData(dir: string, conditions: number | undefined): Promise<DatasetCollection> {
  const scale = conditions ? conditions / 400 : 0.1;
  const session = generateSynthDataset("chaotic_rnn_inputs_g2p5", { scale }).sessions[0]!;
  const { numSteps: T, numChannels: S } = session;
  const trials = [session.train, session.valid];
  const E = trials.reduce((a, s) => a + s.numTrials, 0);
  // [E, T, S] (synth layout) → [E, S, T] (Dataset layout).
  const counts = new Float64Array(E * S * T);
  const truth = new Float64Array(E * S * T);
  let e0 = 0;
  for (const split of trials) {
    for (let e = 0; e < split.numTrials; e++) {
      for (let t = 0; t < T; t++) {
        for (let s = 0; s < S; s++) {
          const src = (e * T + t) * S + s;
          const dst = ((e0 + e) * S + s) * T + t;
          counts[dst] = split.data[src]!;
          truth[dst] = split.truth[src]! / session.conversionFactor;
        }
      }
    }
    e0 += split.numTrials;
  }
  fs.mkdirSync(dir, { recursive: true });
  const dc = new DatasetCollection(dir, "chaotic_rnn_inputs");
  new Dataset(dc, "chaotic_rnn_inputs_g2p5", { load: () => ({ counts: array3d(counts, [E, S, T]), truth: array3d(truth, [E, S, T]), timeVecMs: Array.from({ length: T }, (_, t) => t * 10) }) });
  return dc;
}

export const PBT_CASES: readonly PbtCase[] = [
  {
    name: "lorenz_bad_start",
    start: "10-ms Lorenz (65 conditions × 28 trials, 35 neurons, 1 s), recommended CPU setting with learning rate 0.001, c_keep_prob 1 (no dropout), c_l2_gen_scale 2000",
    params: { ...RECOMMENDED_CPU_PARAMS, c_learning_rate_init: 0.001, c_keep_prob: 1, c_l2_gen_scale: 2000 },
    // Two members at a time on one thread each: 2 × 9.5 steps/s against 15.5 for one member on both cores
    // (the TensorFlow.js glue between the kernels runs on one thread).
    budget: { population: 6, generations: 12, generationSteps: 300, posteriorSamples: 64, workers: 2 },
    // AutoLFADS' learning-rate range stops at 0.005 for its 20 members × up to 1,000 epochs; the recommended CPU
    // setting learns with 0.01 and this budget gives each lineage about 4,000 steps, so the range reaches 0.02 and
    // members other than the first start at 0.01 (member 0 keeps the poor start's 0.001).
    searchSpace: { c_learning_rate_init: { hi: 0.02, init: 0.01 } },
    data: lorenzData({ nConditions: 65, minTrialsPerCondition: 28, maxTrialsPerCondition: 28, minChannels: 35, maxChannels: 35, nTime: 1000 }),
  },
  {
    name: "lorenz_docs_start",
    start: "the docs' 2-ms Lorenz setting (c_batch_size 150, c_gen_dim 64, c_ic_enc_dim 64, 8 factors, no controller) on 65 conditions × 20 trials, 1 s",
    params: { spikeBinMs: 2, c_co_dim: 0, c_batch_size: 150, c_gen_dim: 64, c_ic_enc_dim: 64, c_learning_rate_stop: 1e-3, c_factors_dim: 8 },
    // Burn-in 200, not the 900-step ramps: at about 0.3 s a step, 6 members × 900 steps would take the whole half hour.
    budget: { population: 6, generations: 6, generationSteps: 100, burnInSteps: 200, posteriorSamples: 64 },
    data: lorenzData({ nConditions: 65, minTrialsPerCondition: 20, maxTrialsPerCondition: 20, nTime: 1000 }),
  },
  {
    name: "chaotic_rnn_inputs",
    start: "the TF README's chaotic RNN with inputs (g 2.5, scale 0.1), hand-tuned setting of the README (gen 64, factors 20, co_dim 1, batch 20, lr 0.02; R² 0.602 at 300 steps)",
    params: { spikeBinMs: 10, c_gen_dim: 64, c_factors_dim: 20, c_co_dim: 1, c_ic_dim: 32, c_ic_enc_dim: 32, c_ci_enc_dim: 16, c_con_dim: 16, c_batch_size: 20, c_learning_rate_init: 0.02, c_kl_increase_steps: 150, c_l2_increase_steps: 150 },
    budget: { population: 8, generations: 6, generationSteps: 50, posteriorSamples: 64 },
    data: chaoticData,
  },
];

/** Prepare the case's collection (the starting run) under `work`. */
export async function prepareCase(c: PbtCase, work: string, name: string, conditions: number | undefined, repeat = 0): Promise<RunCollection> {
  const dc = await c.data(path.join(work, "datasets"), conditions, repeat);
  await dc.loadInfo();
  const rc = new RunCollection(path.join(work, "runs"), name, dc);
  rc.addParams(new RunParams({ name: c.name, ...c.params }));
  rc.addRunSpec(new RunSpec(dc.datasets[0]!.getSingleRunName(), dc, 1));
  await rc.prepare();
  return rc;
}
