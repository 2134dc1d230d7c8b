/**
 * Presets and options of the TF LFADS synthetic datasets (`synth_data/run_generate_synth_data.sh`,
 * reference §7). Parameter names follow the Python flags (`C`, `N`, `S`, `g`, `nreplications`, `T` in
 * seconds, …) in camelCase.
 *
 * Seeds mean what `synth_data_seed` means in Python: the generators draw from a port of numpy's legacy
 * `RandomState` (numpy-random.ts) in the scripts' order, so seed 5 gives the paper's networks, initial
 * states and pulse times exactly, and spike trains equal to Python's except where last-bit floating-point
 * differences (BLAS summation order, libm) flip a draw. Exceptions: the Gaussian noise (Python uses the
 * unseeded global `np.random`; here it continues the seeded stream) and the ITB network (hand-built,
 * see itb.ts), so those two are equivalent in distribution only.
 */
import { ParamError, didYouMean } from "../../core/errors.js";

/** Which generator a preset uses. */
export type SynthKind = "chaotic" | "labeled" | "itb";
export type SynthNoise = "poisson" | "gaussian";

/** Every number a generator reads (the Python flags). */
export interface SynthParams {
  kind: SynthKind;
  /** `noise_type`: Poisson spike counts (int64) or `truth·rate + 5·rate·√dt·N(0,1)` (float). */
  noiseType: SynthNoise;
  /** `synth_data_seed`. The labelled set builds its two RNNs from seed+1 and seed+2, ITB draws its inputs from seed+1. */
  seed: number;
  /** Trial duration in seconds; the number of steps is `floor(T/dt)` (Python `int(T / dt)`). */
  T: number;
  /** Time bin in seconds. */
  dt: number;
  /** Unit time constant in seconds (data RNN only): x ← (1 − dt/τ)·x + dt/τ·(g·W·r + b + Bin·u). */
  tau: number;
  /** Conditions (distinct initial states, or distinct input streams for ITB). */
  C: number;
  /** Units of the generating RNN. */
  N: number;
  /** Units observed per session; `floor(N/S)` sessions, session n observing units (n−1)·S … n·S−1. Labelled/ITB: S = N. */
  S: number;
  /** Recurrent gain of the data RNN (W ~ N(0, 1/N)). */
  g: number;
  /** Noise replications (spike trains) of each condition's rates. */
  nreplications: number;
  /** Fraction of each condition's replications that go to training (the `(i mod nrep)+1 > p·nrep` rule). */
  trainPercentage: number;
  /** Std of the initial state x0 (data RNN). */
  x0Std: number;
  /** Size of the one input pulse per trial (0 = no pulses), at a step drawn uniformly in [steps/4, 3·steps/4). */
  inputMagnitude: number;
  /** Firing rate (Hz) that a normalised rate of 1 maps to. */
  maxFiringRate: number;
  /** Alignment dimensions (PCs) of the multi-session set. */
  npcs: number;
  /** Std of the white-noise input per step of the integrate-to-bound task. */
  uStd: number;
}

/** A named preset: the parameters of one line of `run_generate_synth_data.sh`. */
export interface SynthPreset extends SynthParams {
  /** File-name stem (`--data_filename_stem` of `run_lfads.py`). */
  stem: string;
  /** One line for listings. */
  description: string;
}

export const SYNTH_PRESET_NAMES = [
  "chaotic_rnn_no_inputs",
  "gaussian_chaotic_rnn_no_inputs",
  "chaotic_rnn_inputs_g1p5",
  "chaotic_rnn_inputs_g2p5",
  "chaotic_rnn_multisession",
  "itb_rnn",
  "chaotic_rnns_labeled",
] as const;
export type SynthPresetName = (typeof SYNTH_PRESET_NAMES)[number];

const COMMON = {
  seed: 5,
  T: 1.0,
  dt: 0.01,
  tau: 0.025,
  x0Std: 1.0,
  maxFiringRate: 30,
  trainPercentage: 0.8,
  npcs: 10,
  uStd: 0.25,
  inputMagnitude: 0,
  g: 1.5,
  noiseType: "poisson",
  kind: "chaotic",
} as const;

/**
 * The presets (reference §7.1–7.3). `gaussian_chaotic_rnn_no_inputs` is the shell script's
 * `chaotic_rnn_no_inputs_gaussian`, renamed so that its file does not also match the stem
 * `chaotic_rnn_no_inputs` (TF loads every file whose name *starts with* the stem).
 */
export const SYNTH_PRESETS: Readonly<Record<SynthPresetName, Readonly<SynthPreset>>> = {
  chaotic_rnn_no_inputs: {
    ...COMMON,
    stem: "chaotic_rnn_no_inputs",
    description: "chaotic data RNN, g = 1.5, no input pulses, Poisson spikes",
    C: 400, N: 50, S: 50, nreplications: 10,
  },
  gaussian_chaotic_rnn_no_inputs: {
    ...COMMON,
    stem: "gaussian_chaotic_rnn_no_inputs",
    description: "chaotic data RNN, g = 1.5, no input pulses, Gaussian noise (truth·30 + 15·N(0,1))",
    noiseType: "gaussian",
    C: 400, N: 50, S: 50, nreplications: 10,
  },
  chaotic_rnn_inputs_g1p5: {
    ...COMMON,
    stem: "chaotic_rnn_inputs_g1p5",
    description: "chaotic data RNN, g = 1.5, one input pulse (magnitude 20) per trial, Poisson spikes",
    inputMagnitude: 20,
    C: 400, N: 50, S: 50, nreplications: 10,
  },
  chaotic_rnn_inputs_g2p5: {
    ...COMMON,
    stem: "chaotic_rnn_inputs_g2p5",
    description: "chaotic data RNN, g = 2.5, one input pulse (magnitude 20) per trial, Poisson spikes",
    g: 2.5,
    inputMagnitude: 20,
    C: 400, N: 50, S: 50, nreplications: 10,
  },
  chaotic_rnn_multisession: {
    ...COMMON,
    stem: "chaotic_rnn_multisession",
    description: "100-unit chaotic data RNN seen by 5 sessions of 20 distinct units, with alignment matrices",
    C: 150, N: 100, S: 20, nreplications: 40,
  },
  itb_rnn: {
    ...COMMON,
    stem: "itb_rnn",
    kind: "itb",
    description: "integrate-to-bound: hand-built 50-unit tanh integrator of white noise, saturating at ±1",
    C: 800, N: 50, S: 50, nreplications: 5,
  },
  chaotic_rnns_labeled: {
    ...COMMON,
    stem: "chaotic_rnns_labeled",
    kind: "labeled",
    description: "two chaotic data RNNs (seeds+1/+2) sharing conditions; ext_input = which RNN (0/1)",
    C: 400, N: 50, S: 50, nreplications: 10,
  },
};

/** Options of the generators: any parameter overrides the preset's; `scale` then multiplies C. */
export interface SynthOptions extends Partial<SynthParams> {
  /** Multiplies the number of conditions C (rounded, at least 1): 0.05 makes a small version. Default 1. */
  scale?: number;
  /** File-name stem (default: the preset's). */
  stem?: string;
}

/** A preset with the options applied and checked. */
export interface ResolvedSynth extends SynthPreset {
  /** floor(T/dt). */
  steps: number;
  /** Sessions: floor(N/S). */
  nSessions: number;
  /** C·nreplications. */
  trialsPerSession: number;
  /** Replications per condition that go to training / validation. */
  trainPerCondition: number;
  validPerCondition: number;
}

/** Look up a preset by stem, with a did-you-mean on typos. */
export function synthPreset(name: string): Readonly<SynthPreset> {
  const p = (SYNTH_PRESETS as Record<string, Readonly<SynthPreset>>)[name];
  if (!p) throw new ParamError(`unknown synthetic preset '${name}'.${didYouMean(name, SYNTH_PRESET_NAMES)} Known: ${SYNTH_PRESET_NAMES.join(", ")}`);
  return p;
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new ParamError(`synthetic data: ${name} must be an integer ≥ ${min}, got ${v}`);
}

function checkPositive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new ParamError(`synthetic data: ${name} must be a positive number, got ${v}`);
}

/** Apply `opts` to a preset (or a full custom parameter set) and validate. */
export function resolveSynth(preset: SynthPresetName | string | SynthPreset, opts: SynthOptions = {}): ResolvedSynth {
  const base = typeof preset === "string" ? synthPreset(preset) : preset;
  const { scale, stem, ...over } = opts;
  const defined = Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) as Partial<SynthParams>;
  const p: SynthPreset = { ...base, ...defined, stem: stem ?? base.stem };
  const s = scale ?? 1;
  checkPositive("scale", s);
  p.C = Math.max(1, Math.round(p.C * s));
  if (p.kind !== "chaotic" && p.kind !== "labeled" && p.kind !== "itb") throw new ParamError(`synthetic data: kind must be chaotic, labeled or itb, got '${String(p.kind)}'`);
  if (p.noiseType !== "poisson" && p.noiseType !== "gaussian") throw new ParamError(`synthetic data: noiseType must be poisson or gaussian, got '${String(p.noiseType)}'`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(p.stem)) throw new ParamError(`synthetic data: stem '${p.stem}' must be a plain file name (letters, digits, . _ -)`);
  checkInt("seed", p.seed, 0);
  if (p.seed > 0xffffffff - 2) throw new ParamError(`synthetic data: seed must be below 2^32 − 2 (numpy RandomState seeds; seed+2 is used too), got ${p.seed}`);
  checkInt("C", p.C, 1);
  checkInt("N", p.N, 2);
  checkInt("S", p.S, 1);
  checkInt("nreplications", p.nreplications, 2);
  checkInt("npcs", p.npcs, 1);
  for (const k of ["T", "dt", "tau", "maxFiringRate"] as const) checkPositive(k, p[k]);
  for (const k of ["g", "x0Std", "inputMagnitude", "uStd"] as const) {
    if (!(p[k] >= 0) || !Number.isFinite(p[k])) throw new ParamError(`synthetic data: ${k} must be a non-negative number, got ${p[k]}`);
  }
  if (p.kind !== "chaotic" && p.S !== p.N) throw new ParamError(`synthetic data: the ${p.kind} set observes all units (S = N); got S = ${p.S}, N = ${p.N}`);
  if (p.S > p.N) throw new ParamError(`synthetic data: S = ${p.S} observed units exceeds N = ${p.N}`);
  // Python `int(T / dt)`; the epsilon keeps 1.0/0.01 = 99.99999999999999 at 100.
  const steps = Math.floor(p.T / p.dt + 1e-9);
  if (steps < 2) throw new ParamError(`synthetic data: T/dt = ${p.T}/${p.dt} gives ${steps} steps; need at least 2 (min/max normalisation)`);
  if (p.inputMagnitude > 0 && Math.floor(steps / 2) < 1) throw new ParamError(`synthetic data: input pulses need at least 2 steps, got ${steps}`);
  if (!(p.trainPercentage > 0 && p.trainPercentage < 1)) throw new ParamError(`synthetic data: trainPercentage must be in (0, 1), got ${p.trainPercentage}`);
  const split = splitPattern(p.nreplications, p.trainPercentage);
  const trainPerCondition = split.filter((v) => !v).length;
  if (trainPerCondition < 1 || trainPerCondition === p.nreplications) {
    throw new ParamError(
      `synthetic data: nreplications = ${p.nreplications} with trainPercentage = ${p.trainPercentage} gives ${trainPerCondition} training and ${p.nreplications - trainPerCondition} validation trials per condition; both must be ≥ 1`,
    );
  }
  const nSessions = p.kind === "chaotic" ? Math.floor(p.N / p.S) : 1;
  if (nSessions > 1 && p.npcs > nSessions * p.S) throw new ParamError(`synthetic data: npcs = ${p.npcs} exceeds the ${nSessions * p.S} observed units`);
  return {
    ...p,
    steps,
    nSessions,
    trialsPerSession: p.C * p.nreplications,
    trainPerCondition,
    validPerCondition: p.nreplications - trainPerCondition,
  };
}

/** For replication index r = 0..nrep−1: true when it goes to validation (`(r mod nrep)+1 > p·nrep`). */
export function splitPattern(nreplications: number, trainPercentage: number): boolean[] {
  return Array.from({ length: nreplications }, (_, r) => r + 1 > trainPercentage * nreplications);
}

/**
 * `get_train_n_valid_inds`: 0-based trial indices (trial e = c·nrep + r) going to training and to
 * validation, each in ascending order.
 */
export function trainValidIndices(numTrials: number, trainPercentage: number, nreplications: number): { train: Int32Array; valid: Int32Array } {
  const train: number[] = [];
  const valid: number[] = [];
  for (let i = 0; i < numTrials; i++) ((i % nreplications) + 1 > trainPercentage * nreplications ? valid : train).push(i);
  return { train: Int32Array.from(train), valid: Int32Array.from(valid) };
}

/** The LFADS dataset name inside each file (`dataset_N50_S50`, `dataset_N100_S20_n3`, `dataset_N50`). */
export function synthDatasetName(p: ResolvedSynth, session: number): string {
  if (p.kind !== "chaotic") return `dataset_N${p.N}`;
  return `dataset_N${p.N}_S${p.S}${p.S < p.N ? `_n${session + 1}` : ""}`;
}
