/**
 * The settings of the fit-quality grid (bench/fit.ts): what a user trains, and on what data. The first
 * setting is the recommended CPU setting on the docs' dataset shape (65 conditions, 1-s trials); the
 * second is the same training setting on the smaller data that notebook 01 and the quick demo fit.
 */
import type { LorenzOptions } from "../src/data/lorenz.js";
import { CPU_PARAMS, DEMO_PARAMS, DEMO_STEPS } from "../src/demo/lorenz-demo.js";
import type { RunParamsInit } from "../src/params/run-params.js";

export interface FitSetting {
  name: string;
  /** Generator options except the seed (one dataset). */
  lorenz: Omit<LorenzOptions, "seed">;
  params: RunParamsInit;
  /** Training steps (the budget; c_learning_rate_stop is set low enough not to end training first). */
  steps: number;
  /** Posterior samples per trial for the scored posterior means. */
  posteriorSamples: number;
}

/** The recommended CPU setting (src/demo/lorenz-demo.ts, used by `lfads demo` and the notebooks) with 8 factors. */
export const RECOMMENDED_CPU_PARAMS: RunParamsInit = { ...CPU_PARAMS, c_factors_dim: 8 };

export const FIT_SETTINGS: readonly FitSetting[] = [
  {
    name: "full_budget",
    lorenz: { nDatasets: 1, nConditions: 65, minTrialsPerCondition: 28, maxTrialsPerCondition: 28, minChannels: 35, maxChannels: 35, nTime: 1000 },
    params: RECOMMENDED_CPU_PARAMS,
    steps: 5400,
    posteriorSamples: 64,
  },
  {
    name: "notebook",
    lorenz: { nDatasets: 1, nConditions: 65, minTrialsPerCondition: 20, maxTrialsPerCondition: 20, minChannels: 30, maxChannels: 30, nTime: 500 },
    params: RECOMMENDED_CPU_PARAMS,
    steps: 2000,
    posteriorSamples: 16,
  },
  {
    // What `lfads demo` trains (c_ic_dim 16, DEMO_STEPS), at its largest c_factors_dim, on the notebook's data shape.
    name: "demo",
    lorenz: { nDatasets: 1, nConditions: 65, minTrialsPerCondition: 20, maxTrialsPerCondition: 20, minChannels: 30, maxChannels: 30, nTime: 500 },
    params: { ...DEMO_PARAMS, c_factors_dim: 8 },
    steps: DEMO_STEPS,
    posteriorSamples: 16,
  },
];
