/**
 * The Lorenz walkthrough of the Run Manager docs (seed 001), as one function the CLI (`lfads demo`)
 * and the notebooks share: generate the synthetic datasets, describe them, build the docs' sweep over
 * c_factors_dim and prepare the on-disk tree.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Dataset } from "../data/dataset.js";
import { DatasetCollection } from "../data/dataset-collection.js";
import { generateLorenzDatasets, type LorenzOptions } from "../data/lorenz.js";
import { RunParams, type RunParamsInit } from "../params/run-params.js";
import { generateSweep } from "../params/sweep.js";
import { RunSpec } from "../runs/run-spec.js";
import { RunCollection } from "../facade/runs.js";

/** The docs' parameter values (seed 001): 2-ms bins, no controller, batch 150, 64-unit RNNs, early stop. */
export const DOC_PARAMS: RunParamsInit = {
  spikeBinMs: 2,
  c_co_dim: 0,
  c_batch_size: 150,
  c_gen_dim: 64,
  c_ic_enc_dim: 64,
  c_learning_rate_stop: 1e-3,
};

/**
 * The recommended training setting on a CPU (README "Fit quality"): 10-ms bins, batch 100, learning rate
 * 0.01 decaying by 0.95, KL/L2 ramps over 300 steps, l2_gen_scale 50, on the docs' 64-unit networks. Chosen
 * from the seed grid of bench/fit.ts (bench/fit-settings.ts trains exactly these values); the docs' own
 * 2-ms setting learns too slowly on a CPU (`lfads demo --docs`).
 */
export const CPU_PARAMS: RunParamsInit = {
  spikeBinMs: 10,
  c_co_dim: 0,
  c_ic_enc_dim: 64,
  c_gen_dim: 64,
  c_batch_size: 100,
  c_learning_rate_init: 0.01,
  c_learning_rate_decay_factor: 0.95,
  c_learning_rate_stop: 1e-5,
  c_kl_increase_steps: 300,
  c_l2_increase_steps: 300,
  c_l2_gen_scale: 50,
};

/**
 * What `lfads demo` trains: the recommended CPU setting with a 16-dimensional initial condition instead of
 * the docs' 64, which learns the Lorenz dynamics faster within the demo's budget (DEMO_STEPS); measured on
 * data seeds nobody tuned on by the "demo" row of bench/fit-settings.ts (README, Fit quality).
 */
export const DEMO_PARAMS: RunParamsInit = { ...CPU_PARAMS, c_ic_dim: 16 };

/** Training steps per run of `lfads demo` (a whole demo stays within about 10 minutes on 2 cores). */
export const DEMO_STEPS = 2400;

/** The demo's data for the CPU setting: the docs' 65 conditions, 20 trials each, 500-ms trials (T = 50 at 10 ms). */
export const CPU_LORENZ: LorenzOptions = { nConditions: 65, minTrialsPerCondition: 20, maxTrialsPerCondition: 20, nTime: 500 };

/** The docs' sweep over the number of factors. */
const DOC_FACTORS = [2, 4, 6, 8] as const;

export interface LorenzDemoOptions {
  /** Root folder: datasets go to `<out>/datasets`, runs to `<out>/runs/<name>`. */
  out: string;
  /** Run collection name (folder under `<out>/runs`). Default "example". */
  name?: string;
  /** Generator options (sizes, seed); defaults are the docs' (3 datasets, 65 conditions, 1000 ms). */
  lorenz?: LorenzOptions;
  /** Params values applied on top of DOC_PARAMS. */
  params?: RunParamsInit;
  /** c_factors_dim values of the sweep. Default [2, 4, 6, 8]. */
  factors?: readonly number[];
  /** Datasets to fit, one single-dataset run spec each (1-based). Default [1]. */
  datasets?: readonly number[];
  /** Log lines (progress of generation). */
  log?: (line: string) => void;
}

export interface LorenzDemo {
  dc: DatasetCollection;
  rc: RunCollection;
  base: RunParams;
}

/** Generate the datasets unless `<out>/datasets/dataset001.h5` … exist already (same seed → same files). */
export async function ensureLorenzDatasets(folder: string, lorenz: LorenzOptions = {}, log?: (line: string) => void): Promise<string[]> {
  const n = lorenz.nDatasets ?? 3;
  const files = Array.from({ length: n }, (_, i) => path.join(folder, `dataset${String(i + 1).padStart(3, "0")}.h5`));
  if (files.every((f) => fs.existsSync(f))) {
    log?.(`datasets already in ${folder}`);
    return files;
  }
  const made = await generateLorenzDatasets(folder, log ? { ...lorenz, onProgress: (_d, _t, m) => log(m) } : lorenz);
  return made.map((d) => d.file);
}

/** Build the docs' collection: datasets, the c_factors_dim sweep, one single-dataset run spec per dataset. */
export async function buildLorenzDemo(opts: LorenzDemoOptions): Promise<LorenzDemo> {
  const dsFolder = path.join(opts.out, "datasets");
  const files = await ensureLorenzDatasets(dsFolder, opts.lorenz, opts.log);
  const dc = new DatasetCollection(dsFolder, "lorenz_example");
  for (const f of files) new Dataset(dc, path.basename(f));
  await dc.loadInfo();
  const rc = new RunCollection(path.join(opts.out, "runs"), opts.name ?? "example", dc);
  const base = new RunParams({ ...DOC_PARAMS, ...opts.params });
  rc.addParams(generateSweep(base, { c_factors_dim: [...(opts.factors ?? DOC_FACTORS)] }));
  for (const i of opts.datasets ?? [1]) {
    const ds = dc.datasets[i - 1]!;
    rc.addRunSpec(new RunSpec(ds.getSingleRunName(), dc, i));
  }
  return { dc, rc, base };
}
