/**
 * The Lorenz demo generator (MATLAB `LFADS.Utils.generateDemoDatasets`), seeded so that one seed gives
 * the same files. Same constants and options as MATLAB, with the two fixes of reference §10.4 item 14:
 * the textbook `dy = x(ρ − z) − y`, and traces normalised by their maximum *absolute* value so that
 * they lie in [−1, 1] (the MATLAB code divided by the maximum, letting a few rates reach e^20 per ms).
 *
 * Files: `dataset00k.h5` (k = 1..nDatasets) with, as h5py sees them: spikes (nTrials, nCh, nTime) uint8
 * 0/1 (gzip), timeMs (nTime,) = 0..nTime−1, conditionId (nTrials,) 1-based, true_rates (nTrials, nCh,
 * nTime) float32 expected spikes per 1-ms bin (float32 halves a 0.5 GB array; the error is ~1e-7
 * relative), W (nCh, 3), b (nCh,), lorenz_trajectories (3, nTime, nConditions), subject
 * "lorenz_example", datetime "YYYY-MM-DD" (today − nDatasets + k days).
 */
import * as path from "node:path";
import { ParamError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { writeArray, writeH5Atomic } from "../io/h5.js";
import { isoDate, parseDatetime } from "./dataset-data.js";

export interface LorenzOptions {
  /** Number of datasets (sessions). Default 3. */
  nDatasets?: number;
  /** Channels per dataset are drawn uniformly from [minChannels, maxChannels]. Defaults 25, 35. */
  minChannels?: number;
  maxChannels?: number;
  /** Number of conditions (initial conditions of the attractor), shared by all datasets. Default 65. */
  nConditions?: number;
  /** Trials per condition, drawn per dataset from [min, max]. Defaults 20, 30. */
  minTrialsPerCondition?: number;
  maxTrialsPerCondition?: number;
  /** Time steps per trial; each is one 1-ms bin. Default 1000. */
  nTime?: number;
  /** Baseline firing rate in Hz (bias b = log(meanFr / 1000)). Default 5. */
  meanFr?: number;
  /** Euler steps run from each random initial condition before recording. Default 500. */
  burnIn?: number;
  /** Euler step and Lorenz constants. Defaults 0.006, 10, 28, 8/3. */
  dt?: number;
  sigma?: number;
  rho?: number;
  beta?: number;
  /** Seed of every random draw. Default 0. */
  seed?: number;
  /** The day dataset dates count back from (dataset k gets today − nDatasets + k). Default: the current date. */
  today?: Date | string;
  /** Called before each file is written. */
  onProgress?: (done: number, total: number, message: string) => void;
}

type Resolved = Required<Omit<LorenzOptions, "today" | "onProgress">> & { today: Date };

/** What was written for one dataset. */
export interface LorenzDatasetSummary {
  name: string;
  file: string;
  nTrials: number;
  nChannels: number;
  trialsPerCondition: number;
  datetime: string;
}

/** One dataset in memory (axis orders as in the file). */
export interface LorenzDataset {
  name: string;
  /** 0/1 spike indicators, [nTrials, nCh, nTime]. */
  spikes: Uint8Array;
  /** Expected spikes per 1-ms bin, [nTrials, nCh, nTime]. */
  trueRates: Float32Array;
  /** Condition (1-based) of each trial; trials are ordered condition by condition. */
  conditionId: Float64Array;
  timeMs: Float64Array;
  /** Readout [nCh, 3], rows sorted ascending by the first column. */
  W: Float64Array;
  b: Float64Array;
  nTrials: number;
  nChannels: number;
  trialsPerCondition: number;
  datetime: string;
}

function resolve(opts: LorenzOptions): Resolved {
  const r: Resolved = {
    nDatasets: opts.nDatasets ?? 3,
    minChannels: opts.minChannels ?? 25,
    maxChannels: opts.maxChannels ?? 35,
    nConditions: opts.nConditions ?? 65,
    minTrialsPerCondition: opts.minTrialsPerCondition ?? 20,
    maxTrialsPerCondition: opts.maxTrialsPerCondition ?? 30,
    nTime: opts.nTime ?? 1000,
    meanFr: opts.meanFr ?? 5,
    burnIn: opts.burnIn ?? 500,
    dt: opts.dt ?? 0.006,
    sigma: opts.sigma ?? 10,
    rho: opts.rho ?? 28,
    beta: opts.beta ?? 8 / 3,
    seed: opts.seed ?? 0,
    today: localToday(),
  };
  if (opts.today !== undefined) {
    const d = parseDatetime(opts.today);
    if (!d) throw new ParamError(`Lorenz generator: today=${JSON.stringify(opts.today)} is not a date; pass a Date or 'YYYY-MM-DD'`);
    r.today = d;
  }
  const positiveInts: (keyof Resolved)[] = ["nDatasets", "minChannels", "maxChannels", "nConditions", "minTrialsPerCondition", "maxTrialsPerCondition", "nTime"];
  for (const k of positiveInts) {
    const v = r[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new ParamError(`Lorenz generator: ${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(r.burnIn) || r.burnIn < 0) throw new ParamError(`Lorenz generator: burnIn must be a non-negative integer, got ${r.burnIn}`);
  if (r.minChannels > r.maxChannels) throw new ParamError(`Lorenz generator: minChannels ${r.minChannels} > maxChannels ${r.maxChannels}; swap them`);
  if (r.minTrialsPerCondition > r.maxTrialsPerCondition) {
    throw new ParamError(`Lorenz generator: minTrialsPerCondition ${r.minTrialsPerCondition} > maxTrialsPerCondition ${r.maxTrialsPerCondition}; swap them`);
  }
  for (const k of ["meanFr", "dt"] as const) {
    if (!(r[k] > 0) || !Number.isFinite(r[k])) throw new ParamError(`Lorenz generator: ${k} must be a positive number, got ${r[k]}`);
  }
  if (!Number.isInteger(r.seed)) throw new ParamError(`Lorenz generator: seed must be an integer, got ${r.seed}`);
  return r;
}

/** Today's local calendar date as UTC midnight (dates are written as YYYY-MM-DD). */
function localToday(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
}

/** Forward-Euler Lorenz trajectory of `T` samples (the first is `x0`), written into out[3, T] (row-major). */
function integrate(x0: readonly [number, number, number], T: number, o: Resolved, out?: Float64Array): Float64Array {
  const X = out ?? new Float64Array(3 * T);
  let [x, y, z] = x0;
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      const dx = o.sigma * (y - x);
      const dy = x * (o.rho - z) - y;
      const dz = x * y - o.beta * z;
      x += o.dt * dx;
      y += o.dt * dy;
      z += o.dt * dz;
    }
    X[t] = x;
    X[T + t] = y;
    X[2 * T + t] = z;
  }
  return X;
}

interface Structure {
  trialsPerCondition: number[];
  channels: number[];
  /** [3, nTime, nConditions], each trace centred and scaled to max |x| = 1. */
  trajectories: Float64Array;
  rng: Rng;
}

/** The draws shared by all datasets, in a fixed order: trial counts, channel counts, initial conditions. */
function drawStructure(o: Resolved): Structure {
  const rng = new Rng(o.seed);
  const trialsPerCondition = Array.from({ length: o.nDatasets }, () => rng.int(o.minTrialsPerCondition, o.maxTrialsPerCondition));
  const channels = Array.from({ length: o.nDatasets }, () => rng.int(o.minChannels, o.maxChannels));
  const ics: [number, number, number][] = Array.from({ length: o.nConditions }, () => [rng.normal(), rng.normal(), rng.normal() + 25]);
  return { trialsPerCondition, channels, trajectories: simulateTrajectories(ics, o), rng };
}

function simulateTrajectories(ics: readonly [number, number, number][], o: Resolved): Float64Array {
  const T = o.nTime;
  const C = ics.length;
  const traj = new Float64Array(3 * T * C);
  const one = new Float64Array(3 * T);
  for (let c = 0; c < C; c++) {
    let x0 = ics[c]!;
    if (o.burnIn > 1) {
      const burn = integrate(x0, o.burnIn, o);
      x0 = [burn[o.burnIn - 1]!, burn[2 * o.burnIn - 1]!, burn[3 * o.burnIn - 1]!];
    }
    integrate(x0, T, o, one);
    for (let d = 0; d < 3; d++) {
      const trace = one.subarray(d * T, (d + 1) * T);
      let mean = 0;
      for (let t = 0; t < T; t++) mean += trace[t]!;
      mean /= T;
      let maxAbs = 0;
      for (let t = 0; t < T; t++) maxAbs = Math.max(maxAbs, Math.abs(trace[t]! - mean));
      const scale = maxAbs > 0 ? 1 / maxAbs : 0;
      // Layout [3, T, C]: element (d, t, c) at (d*T + t)*C + c.
      for (let t = 0; t < T; t++) traj[(d * T + t) * C + c] = (trace[t]! - mean) * scale;
    }
  }
  return traj;
}

/** W = (U[0,1) + 1)·sign(N(0,1)), nCh × 3, rows sorted ascending by the first column. */
function drawReadout(nCh: number, rng: Rng): Float64Array {
  const rows = Array.from({ length: nCh }, () => {
    const mag = [rng.uniform() + 1, rng.uniform() + 1, rng.uniform() + 1];
    return mag.map((m) => m * Math.sign(rng.normal()));
  });
  rows.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
  return Float64Array.from(rows.flat());
}

function makeDataset(k: number, s: Structure, o: Resolved): LorenzDataset {
  const nCh = s.channels[k - 1]!;
  const nTrC = s.trialsPerCondition[k - 1]!;
  const T = o.nTime;
  const C = o.nConditions;
  const W = drawReadout(nCh, s.rng);
  const bias = Math.log(o.meanFr / 1000);
  const b = new Float64Array(nCh).fill(bias);
  const nTrials = nTrC * C;
  const spikes = new Uint8Array(nTrials * nCh * T);
  const trueRates = new Float32Array(nTrials * nCh * T);
  const conditionId = new Float64Array(nTrials);
  const rates = new Float64Array(nCh * T);
  const pSpike = new Float64Array(nCh * T);
  // Spikes use their own stream per dataset, so changing one dataset's size leaves the others' spikes alone.
  const spikeRng = new Rng((Math.imul(o.seed, 0x2c1b3c6d) + Math.imul(k, 0x9e3779b9)) >>> 0);
  const traj = s.trajectories;
  for (let c = 0; c < C; c++) {
    for (let n = 0; n < nCh; n++) {
      const w0 = W[n * 3]!;
      const w1 = W[n * 3 + 1]!;
      const w2 = W[n * 3 + 2]!;
      for (let t = 0; t < T; t++) {
        const lr = w0 * traj[t * C + c]! + w1 * traj[(T + t) * C + c]! + w2 * traj[(2 * T + t) * C + c]! + bias;
        const r = Math.exp(Math.min(20, Math.max(-20, lr)));
        rates[n * T + t] = r;
        // poissrnd(rate) > 0 has probability 1 − e^(−rate): one uniform per bin draws it exactly.
        pSpike[n * T + t] = -Math.expm1(-r);
      }
    }
    for (let i = 0; i < nTrC; i++) {
      const trial = c * nTrC + i;
      conditionId[trial] = c + 1;
      const base = trial * nCh * T;
      trueRates.set(rates, base);
      for (let j = 0; j < nCh * T; j++) spikes[base + j] = spikeRng.nextUint32() * 2.3283064365386963e-10 < pSpike[j]! ? 1 : 0;
    }
  }
  const date = new Date(o.today.getTime() + (k - o.nDatasets) * 86400000);
  return {
    name: `dataset${String(k).padStart(3, "0")}`,
    spikes,
    trueRates,
    conditionId,
    timeMs: Float64Array.from({ length: T }, (_, t) => t),
    W,
    b,
    nTrials,
    nChannels: nCh,
    trialsPerCondition: nTrC,
    datetime: isoDate(date),
  };
}

/**
 * One forward-Euler trajectory of the (textbook) Lorenz system from `x0`: [3, T] row-major, whose first
 * sample is `x0`. Uses the dt/sigma/rho/beta of `options`.
 */
export function simulateLorenz(x0: readonly [number, number, number], T: number, options: LorenzOptions = {}): Float64Array {
  return integrate(x0, T, resolve(options));
}

/**
 * Simulate the Lorenz system for every condition: [3, nTime, nConditions], each trace centred and
 * scaled into [−1, 1]. Uses the same draws as the file generator for the same seed.
 */
export function lorenzTrajectories(options: LorenzOptions = {}): Float64Array {
  return drawStructure(resolve(options)).trajectories;
}

/**
 * Generate the datasets in memory, one at a time (`visit` sees each before the next is made, so large
 * sizes never hold more than one dataset). Returns the shared trajectories [3, nTime, nConditions].
 */
export async function forEachLorenzDataset(options: LorenzOptions, visit: (ds: LorenzDataset, k: number) => Promise<void> | void): Promise<Float64Array> {
  const o = resolve(options);
  const s = drawStructure(o);
  for (let k = 1; k <= o.nDatasets; k++) await visit(makeDataset(k, s, o), k);
  return s.trajectories;
}

/**
 * Write `dataset001.h5` … into `folder` (created if missing), each atomically. Prints `Saving <file>`
 * like MATLAB unless `onProgress` is given. Returns one summary per dataset.
 */
export async function generateLorenzDatasets(folder: string, options: LorenzOptions = {}): Promise<LorenzDatasetSummary[]> {
  const o = resolve(options);
  const s = drawStructure(o);
  const out: LorenzDatasetSummary[] = [];
  for (let k = 1; k <= o.nDatasets; k++) {
    const ds = makeDataset(k, s, o);
    const file = path.join(folder, `${ds.name}.h5`);
    if (options.onProgress) options.onProgress(k - 1, o.nDatasets, `Saving ${file}`);
    else console.log(`Saving ${file}`);
    await writeLorenzFile(file, ds, s.trajectories, o);
    out.push({ name: ds.name, file, nTrials: ds.nTrials, nChannels: ds.nChannels, trialsPerCondition: ds.trialsPerCondition, datetime: ds.datetime });
  }
  options.onProgress?.(o.nDatasets, o.nDatasets, "done");
  return out;
}

async function writeLorenzFile(file: string, ds: LorenzDataset, traj: Float64Array, o: Resolved): Promise<void> {
  const shape = [ds.nTrials, ds.nChannels, o.nTime];
  await writeH5Atomic(file, (f) => {
    writeArray(f, "spikes", { data: ds.spikes, shape }, { gzip: 4 });
    writeArray(f, "timeMs", { data: ds.timeMs, shape: [o.nTime] });
    writeArray(f, "conditionId", { data: ds.conditionId, shape: [ds.nTrials] });
    writeArray(f, "true_rates", { data: ds.trueRates, shape });
    writeArray(f, "W", { data: ds.W, shape: [ds.nChannels, 3] });
    writeArray(f, "b", { data: ds.b, shape: [ds.nChannels] });
    writeArray(f, "lorenz_trajectories", { data: traj, shape: [3, o.nTime, o.nConditions] });
    f.create_dataset({ name: "subject", data: "lorenz_example" });
    f.create_dataset({ name: "datetime", data: ds.datetime });
  });
}
