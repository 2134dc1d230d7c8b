/**
 * `nlb_maze_like`: a stand-in for NLB's MC_Maze_Small (DANDI 000140), written as an NWB file laid out
 * like the DANDI train file, since the real files cannot be downloaded here. Spikes come from a known
 * latent dynamical system that drives reach-like hand velocities:
 *
 * - Latent z ∈ R⁶. Dimensions (0,1) and (2,3) are two rotational planes, one per velocity axis.
 *   From target onset the planes relax (τ 100 ms) to a preparatory state a·(cos θ, 0, sin θ, 0) set by
 *   the reach direction θ of the trial's condition; the hand does not move, because velocity reads
 *   only the second coordinate of each plane (output-null preparation). 120 ms before movement onset
 *   each plane starts a damped rotation (ω = π / 0.4 s, τ 250 ms) that swings the state into the
 *   read-out dimension: v(t) = G·(z₁, z₃)(t − 120 ms), one bell-shaped speed profile per reach
 *   (neural activity leads the hand by 120 ms, NLB's lag for the scaling sets).
 * - z₄ is a condition-independent bump around movement onset; z₅ a slow Ornstein–Uhlenbeck drift
 *   (τ 1 s) shared by all neurons, so single trials differ in a way the population can reveal.
 * - Neuron n fires at exp(b_n + W_n·z) Hz; spike times are drawn per 1-ms bin (Poisson count, uniform
 *   times inside the bin, sorted).
 *
 * Conditions: `trial_type` 1–4 × `trial_version` 0–1 (8 reach directions). Every unit is observed
 * throughout except for one gap in an inter-trial interval half-way through (exercises obs_intervals).
 */
import * as path from "node:path";
import { Rng } from "../../core/rng.js";
import type { NwbColumn, NwbFileInput } from "../nwb/write-nwb.js";

export interface NlbMazeOptions {
  /** Random seed (default 0). */
  seed?: number;
  /** Number of trials (default 100; 3/4 train, 1/4 val). */
  nTrials?: number;
  /** Number of units (default 142). */
  nUnits?: number;
  /** Number of held-out units (default 35). */
  nHeldout?: number;
}

/** The fixture plus the truth it was drawn from (for tests and figures). */
export interface NlbMazeFixture {
  nwb: NwbFileInput;
  /** Per trial: the condition index 0–7 and the reach angle in radians. */
  condition: Int32Array;
  angle: Float64Array;
  /** Per unit: held out (NLB's `heldout` column). */
  heldout: readonly boolean[];
  /** Firing rate at 1 ms resolution over the whole session, [ms, unit] in Hz. */
  rateHz(ms: number, unit: number): number;
  /** Session length in ms. */
  durationMs: number;
}

const LATENT = 6;
const OMEGA = Math.PI / 0.4;
const ROT_TAU = 0.25;
const PREP_TAU = 0.1;
const LEAD_S = 0.12;
const GAIN_MM_S = 520;

interface TrialTimes {
  start: number;
  targetOn: number;
  goCue: number;
  moveOnset: number;
  stop: number;
}

function trialTimeline(rng: Rng, n: number): TrialTimes[] {
  const out: TrialTimes[] = [];
  let t = 0.5;
  for (let i = 0; i < n; i++) {
    const start = Math.round(t * 1000) / 1000;
    const targetOn = start + 0.2 + Math.round(rng.uniform() * 100) / 1000;
    const goCue = targetOn + 0.55 + Math.round(rng.uniform() * 200) / 1000;
    const moveOnset = goCue + 0.25 + Math.round(rng.uniform() * 100) / 1000;
    const stop = moveOnset + 0.9;
    out.push({ start, targetOn, goCue, moveOnset, stop });
    t = stop + 0.15 + Math.round(rng.uniform() * 100) / 1000;
  }
  return out;
}

/** The latent trajectory at 1 ms over the whole session, row-major [ms, LATENT]. */
function simulateLatents(rng: Rng, trials: readonly TrialTimes[], angle: Float64Array, amp: Float64Array, nMs: number): Float64Array {
  const z = new Float64Array(nMs * LATENT);
  const state = new Float64Array(LATENT);
  const dt = 0.001;
  const decay = Math.exp(-dt / ROT_TAU);
  const c = Math.cos(OMEGA * dt) * decay;
  const s = Math.sin(OMEGA * dt) * decay;
  let trial = -1;
  for (let k = 0; k < nMs; k++) {
    const t = k / 1000;
    while (trial + 1 < trials.length && trials[trial + 1]!.start <= t) trial++;
    const tr = trial >= 0 ? trials[trial]! : undefined;
    const rotating = tr !== undefined && t >= tr.moveOnset - LEAD_S && t < tr.stop;
    const preparing = tr !== undefined && !rotating && t >= tr.targetOn + 0.05 && t < tr.stop;
    for (const p of [0, 2]) {
      const target = preparing ? amp[trial]! * (p === 0 ? Math.cos(angle[trial]!) : Math.sin(angle[trial]!)) : 0;
      if (rotating) {
        const a = state[p]!;
        const b = state[p + 1]!;
        state[p] = c * a - s * b;
        state[p + 1] = s * a + c * b;
      } else {
        state[p] = state[p]! + (dt / PREP_TAU) * (target - state[p]!);
        state[p + 1] = state[p + 1]! * (1 - dt / PREP_TAU);
      }
    }
    state[4] = tr ? 1.2 * Math.exp(-((t - tr.moveOnset - 0.05) ** 2) / (2 * 0.12 ** 2)) : 0;
    state[5] = state[5]! * (1 - dt) + Math.sqrt(2 * dt) * 0.5 * rng.normal();
    z.set(state, k * LATENT);
  }
  return z;
}

function drawSpikes(rng: Rng, logRate: (ms: number, unit: number) => number, nMs: number, nUnits: number): Float64Array[] {
  const out: Float64Array[] = [];
  const buf: number[] = [];
  for (let n = 0; n < nUnits; n++) {
    buf.length = 0;
    for (let k = 0; k < nMs; k++) {
      const count = rng.poisson(Math.exp(logRate(k, n)) / 1000);
      if (count === 0) continue;
      const within = Array.from({ length: count }, () => rng.uniform()).sort((a, b) => a - b);
      for (const u of within) buf.push(Math.round((k + u) * 1e3) / 1e6);
    }
    out.push(Float64Array.from(buf));
  }
  return out;
}

function handVelocity(z: Float64Array, nMs: number, rng: Rng): Float64Array {
  const lead = Math.round(LEAD_S * 1000);
  const v = new Float64Array(nMs * 2);
  for (let k = 0; k < nMs; k++) {
    const src = k - lead;
    for (let d = 0; d < 2; d++) v[2 * k + d] = (src >= 0 ? GAIN_MM_S * z[src * LATENT + 1 + 2 * d]! : 0) + 2 * rng.normal();
  }
  return v;
}

function trialColumns(trials: readonly TrialTimes[], condition: Int32Array, nTrain: number): NwbColumn[] {
  const f = (pick: (t: TrialTimes) => number): Float64Array => Float64Array.from(trials, pick);
  return [
    { name: "split", description: "NLB data split", data: { kind: "text", values: trials.map((_, i) => (i < nTrain ? "train" : "val")) } },
    { name: "target_on_time", description: "time of target presentation (s)", data: { kind: "float", values: f((t) => t.targetOn) } },
    { name: "go_cue_time", description: "time of the go cue (s)", data: { kind: "float", values: f((t) => t.goCue) } },
    { name: "move_onset_time", description: "time of movement onset (s)", data: { kind: "float", values: f((t) => t.moveOnset) } },
    { name: "trial_type", description: "maze condition", data: { kind: "int", values: Array.from(condition, (c) => 1 + (c >> 1)) } },
    { name: "trial_version", description: "maze version", data: { kind: "int", values: Array.from(condition, (c) => c & 1) } },
  ];
}

/** The gap: one inter-trial interval half-way through, in which no unit was observed. */
function obsIntervals(trials: readonly TrialTimes[], endS: number): Float64Array {
  const mid = Math.floor(trials.length / 2);
  const gapStart = trials[mid - 1]!.stop + 0.03;
  const gapEnd = trials[mid]!.start - 0.03;
  return Float64Array.of(0, gapStart, gapEnd, endS);
}

/** Generate the fixture (see the module comment). */
export function generateNlbMaze(opts: NlbMazeOptions = {}): NlbMazeFixture {
  const seed = opts.seed ?? 0;
  const nTrials = opts.nTrials ?? 100;
  const nUnits = opts.nUnits ?? 142;
  const nHeldout = opts.nHeldout ?? 35;
  const rng = new Rng(seed);
  const trials = trialTimeline(rng, nTrials);
  const condition = Int32Array.from({ length: nTrials }, () => rng.int(0, 7));
  const angle = Float64Array.from(condition, (c) => (2 * Math.PI * c) / 8 + 0.08 * rng.normal());
  const amp = Float64Array.from(condition, () => 1 + 0.15 * rng.normal());
  const endS = Math.ceil((trials[nTrials - 1]!.stop + 0.5) * 10) / 10;
  const nMs = Math.round(endS * 1000);
  const z = simulateLatents(rng, trials, angle, amp, nMs);
  const bias = Float64Array.from({ length: nUnits }, () => Math.log(7) + 0.5 * rng.normal());
  const w = Float64Array.from({ length: nUnits * LATENT }, (_, i) => {
    const k = i % LATENT;
    return k < 4 ? 0.7 * rng.normal() : k === 4 ? 0.4 + 0.3 * rng.normal() : 0.35 * rng.normal();
  });
  const logRate = (ms: number, n: number): number => {
    let x = bias[n]!;
    for (let k = 0; k < LATENT; k++) x += w[n * LATENT + k]! * z[ms * LATENT + k]!;
    return x;
  };
  const spikeTimes = drawSpikes(rng, logRate, nMs, nUnits);
  const order = Int32Array.from({ length: nUnits }, (_, i) => i);
  rng.shuffle(order);
  const heldout = new Array<boolean>(nUnits).fill(false);
  for (let i = 0; i < nHeldout; i++) heldout[order[i]!] = true;
  const obs = obsIntervals(trials, endS);
  const nTrain = Math.round(nTrials * 0.75);
  const vel = handVelocity(z, nMs, rng);
  const nwb: NwbFileInput = {
    identifier: `nlb_maze_like_seed${seed}`,
    sessionDescription: "lfads-ts synthetic stand-in for NLB MC_Maze_Small: latent rotational dynamics drive reaches",
    sessionStartTime: "2026-01-01T00:00:00+00:00",
    seed,
    units: {
      ids: Array.from({ length: nUnits }, (_, i) => i),
      spikeTimes,
      obsIntervals: spikeTimes.map(() => obs),
      columns: [{ name: "heldout", description: "whether the unit is held out (NLB)", data: { kind: "bool", values: heldout } }],
    },
    trials: {
      ids: trials.map((_, i) => i),
      startTime: Float64Array.from(trials, (t) => t.start),
      stopTime: Float64Array.from(trials, (t) => t.stop),
      columns: trialColumns(trials, condition, nTrain),
    },
    behavior: [
      {
        name: "hand_vel",
        description: "hand velocity",
        data: vel,
        nChannels: 2,
        unit: "mm/s",
        timestamps: Float64Array.from({ length: nMs }, (_, k) => k / 1000),
        comments: "columns=[x,y]",
      },
    ],
  };
  return { nwb, condition, angle, heldout, rateHz: (ms, n) => Math.exp(logRate(ms, n)), durationMs: nMs };
}

/** The DANDI-style file name of the fixture's train file. */
export const NLB_MAZE_FILE = "sub-synth_ses-maze-like_desc-train_behavior+ecephys.nwb";

/** Generate the fixture and write it to `<dir>/${NLB_MAZE_FILE}` (atomically). Returns the path and the fixture. */
export async function writeNlbMazeNwb(dir: string, opts: NlbMazeOptions = {}): Promise<{ file: string; fixture: NlbMazeFixture }> {
  const { writeNwbFile } = await import("../nwb/write-nwb.js");
  const fixture = generateNlbMaze(opts);
  const file = path.join(dir, NLB_MAZE_FILE);
  await writeNwbFile(file, fixture.nwb);
  return { file, fixture };
}
