/**
 * `pbt()`'s options and their checks. Every bad value is an error before any file is written or any
 * member trains: population too small for the exploit rule, a generation longer than the step budget,
 * and the search-space errors of search-space.ts.
 */
import { ParamError } from "../core/errors.js";
import type { RunParams } from "../params/run-params.js";
import type { SlurmOptions } from "../queue/slurm.js";
import type { PbtProgress } from "../display/pbt-view.js";
import type { SearchSpace, SearchSpaceOverrides } from "./search-space.js";
import { DEFAULT_STOP_RULE, truncationCount, type ExploitMethod, type StopRule } from "./selection.js";
import { FITNESS_SMOOTHING } from "./fitness.js";

export interface PbtOptions {
  /** Members trained side by side (AutoLFADS: 20). */
  population: number;
  /** Generations at most (the stopping rule may end it sooner; default 50, the NLB baseline's). */
  generations?: number;
  /** Training steps per generation. */
  generationSteps: number;
  /** Extra steps of the first generation (default: until the KL and L2 ramps are complete, as AutoLFADS). */
  burnInSteps?: number;
  /** Step budget per member; a generation longer than it is an error (default burn-in + generations × generationSteps). */
  maxSteps?: number;
  /** "tournament" (default, lfads-torch) or "truncation" (Ray's quantile rule). */
  exploit?: ExploitMethod;
  /** Truncation: the fraction of members replaced and copied from (default 0.25). */
  exploitFraction?: number;
  /** The tuned hyperparameters: a whole space, or changes to the default one by name (search-space.ts; without a controller the default leaves coordinated dropout out). */
  searchSpace?: SearchSpace | SearchSpaceOverrides;
  /** Seed of the initial draws, tournaments and perturbations (default 0). */
  seed?: number;
  /** The improvement-ratio stopper's window and tolerance, or false to run every generation. */
  stop?: Partial<StopRule> | false;
  /** Weight of the newest epoch in the smoothed fitness (default 0.7). */
  smoothing?: number;
  /** The starting run, `param_XXXXXX/<run name>` (default the collection's first run). */
  startRun?: string;
  /** Local pool: members trained at once (default half the cores) and threads each (default cores / workers). */
  workers?: number;
  threads?: number;
  /** Train each generation as one Slurm job array instead of on the local pool. */
  slurm?: SlurmOptions;
  /** Seconds between Slurm polls (default 5). */
  slurmPollSeconds?: number;
  /** Posterior samples per trial for the best member (default: the run's num_samples_posterior). */
  posteriorSamples?: number;
  /** Extra `lfads train` arguments for every member, e.g. ["--backend", "cpu"]. */
  trainArgs?: readonly string[];
  /** Sample and score the best member at the end (default true). */
  sampleBest?: boolean;
  onProgress?: (p: PbtProgress) => void;
  /** Show the live table (notebook) / event lines (terminal) (default true). */
  display?: boolean;
  /** Stop: running members are stopped and resume from their checkpoints next time. */
  signal?: AbortSignal;
}

/** The options with defaults filled and checked. */
export interface PbtPlan {
  population: number;
  maxGenerations: number;
  generationSteps: number;
  burnInSteps: number;
  maxSteps: number;
  exploit: ExploitMethod;
  exploitFraction: number;
  seed: number;
  stop: StopRule | false;
  smoothing: number;
}

function positiveInt(name: string, v: unknown, min = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new ParamError(`pbt: ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** Steps until the KL and L2 ramps of the start params are complete (AutoLFADS' burn-in adds them). */
export function rampSteps(params: RunParams, numDatasets: number): number {
  const v = params.values;
  const scaled = new Set<string>(params.scaledWithDatasets());
  const s = (n: "c_kl_start_step" | "c_kl_increase_steps" | "c_l2_start_step" | "c_l2_increase_steps"): number => v[n] * (scaled.has(n) ? numDatasets : 1);
  return Math.max(s("c_kl_start_step") + s("c_kl_increase_steps"), s("c_l2_start_step") + s("c_l2_increase_steps"));
}

/** Check the options against each other (module comment); `params` of the starting run give the default burn-in. */
export function planPbt(options: PbtOptions, params: RunParams, numDatasets: number): PbtPlan {
  if (options === null || typeof options !== "object") throw new ParamError("pbt(rc, options): options must be an object with at least population and generationSteps");
  const population = positiveInt("population", options.population, 2);
  const generationSteps = positiveInt("generationSteps", options.generationSteps);
  const burnInSteps = options.burnInSteps === undefined ? rampSteps(params, numDatasets) : positiveInt("burnInSteps", options.burnInSteps, 0);
  const exploit = options.exploit ?? "tournament";
  if (exploit !== "tournament" && exploit !== "truncation") throw new ParamError(`pbt: exploit must be "tournament" or "truncation", got ${JSON.stringify(exploit)}`);
  const exploitFraction = options.exploitFraction ?? 0.25;
  if (!(exploitFraction > 0 && exploitFraction <= 0.5)) throw new ParamError(`pbt: exploitFraction must be in (0, 0.5] (the worst fraction copies the best fraction), got ${exploitFraction}`);
  if (exploit === "truncation" && truncationCount(population, exploitFraction) < 1) {
    throw new ParamError(`pbt: population ${population} is smaller than exploitFraction ${exploitFraction} allows: floor(${population} × ${exploitFraction}) = 0 members would ever be replaced; use a population of at least ${Math.ceil(1 / exploitFraction)} or a larger exploitFraction`);
  }
  const generationsGiven = options.generations === undefined ? undefined : positiveInt("generations", options.generations);
  let maxSteps: number;
  if (options.maxSteps !== undefined) {
    maxSteps = positiveInt("maxSteps", options.maxSteps);
    if (burnInSteps + generationSteps > maxSteps) {
      throw new ParamError(`pbt: a generation is longer than the step budget: the first generation needs burnInSteps ${burnInSteps} + generationSteps ${generationSteps} = ${burnInSteps + generationSteps} steps, but maxSteps is ${maxSteps}; lower generationSteps (or burnInSteps) or raise maxSteps`);
    }
  } else maxSteps = burnInSteps + (generationsGiven ?? 50) * generationSteps;
  const fit = Math.floor((maxSteps - burnInSteps) / generationSteps);
  const maxGenerations = Math.min(generationsGiven ?? fit, fit);
  const stop = options.stop === false ? false : { ...DEFAULT_STOP_RULE, ...(options.stop ?? {}) };
  if (stop && (!Number.isInteger(stop.window) || stop.window < 2 || !(stop.tolerance >= 0))) throw new ParamError(`pbt: stop needs window >= 2 and tolerance >= 0, got ${JSON.stringify(options.stop)}`);
  const smoothing = options.smoothing ?? FITNESS_SMOOTHING;
  if (!(smoothing > 0 && smoothing <= 1)) throw new ParamError(`pbt: smoothing (the newest epoch's weight) must be in (0, 1], got ${smoothing}`);
  const seed = options.seed === undefined ? 0 : positiveInt("seed", options.seed, 0);
  if (options.workers !== undefined && options.slurm !== undefined) throw new ParamError("pbt: give workers (the local pool) or slurm (a job array per generation), not both");
  return { population, maxGenerations, generationSteps, burnInSteps, maxSteps, exploit, exploitFraction, seed, stop, smoothing };
}

/** The step every member reaches at the end of generation g. */
export const targetStep = (plan: Pick<PbtPlan, "burnInSteps" | "generationSteps">, g: number): number => plan.burnInSteps + (g + 1) * plan.generationSteps;
