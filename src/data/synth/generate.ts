/**
 * The synthetic datasets in memory: one {@link SynthSession} per file, with the arrays of the keys
 * the Python generators save (reference §7). Trials are generated condition by condition (trial
 * e = c·nreplications + r) and split by `get_train_n_valid_inds`.
 *
 * Random numbers: numpy's `RandomState` stream (numpy-random.ts), drawn in the order of the Python
 * scripts — network, initial states, then per session pulse times and noise, trial by trial — so the
 * default seed 5 gives the Python datasets' network, conditions, pulse times and (up to last-bit
 * floating-point differences) spike trains. A smaller C keeps the network and gives a prefix of the
 * same conditions. The Gaussian noise, which Python draws from the *unseeded* global `np.random`,
 * continues the seeded stream here.
 */
import { alignmentProjections } from "./alignment.js";
import { gaussifyTrial, generateDataRnn, projectAndNormalise, runDataRnn, spikifyTrial, type DataRnn } from "./data-rnn.js";
import { buildItbNetwork, itbInputs, runItbNetwork, type ItbNetwork } from "./itb.js";
import { NumpyRandomState } from "./numpy-random.js";
import { resolveSynth, synthDatasetName, trainValidIndices, type ResolvedSynth, type SynthOptions, type SynthPreset, type SynthPresetName } from "./params.js";

/** One split (train or valid) of one session. 3-D arrays are [trials, time, channels] row-major. */
export interface SynthSplit {
  numTrials: number;
  /** 0-based index of each trial in generation order (trial e = condition·nreplications + replication). */
  inds: Int32Array;
  /** `*_data`: Poisson counts (written as int64) or Gaussian data (float64), [E, T, S]. */
  data: Int32Array | Float64Array;
  /** `*_truth`: the normalised rates in [0, 1], [E, T, S]. */
  truth: Float32Array;
  /** `condition_labels_*`: 0-based condition of each trial. */
  conditionLabels: Int32Array;
  /** Chaotic sets: `input_*_truth` [E, T, 1], the input magnitude at the pulse step, else 0. */
  inputTruth?: Float64Array;
  /** Chaotic sets: `input_times_*` [E], the 0-based pulse step (empty when there are no pulses). */
  inputTimes?: Int32Array;
  /** Labelled set: `*_ext_input` [E, T, 1], 0 (RNN a) or 1 (RNN b), constant over time. */
  extInput?: Float64Array;
  /** ITB: `*_inputs_u` [E, T, 1], the white-noise input. */
  inputsU?: Float64Array;
  /** ITB: `*_outputs_u` [E, T], the network's readout (≈ the bounded integral of u). */
  outputsU?: Float64Array;
}

/** One LFADS input file. */
export interface SynthSession {
  /** Dataset name (`dataset_N50_S50`, `dataset_N100_S20_n2`, `dataset_N50`). */
  name: string;
  /** `<stem>_<name>`, no extension. */
  fileName: string;
  numSteps: number;
  numChannels: number;
  outputDist: "poisson" | "gaussian";
  train: SynthSplit;
  valid: SynthSplit;
  /** `P_sxn` [S, N]: the channels' view of the network (a selection, or a random projection). */
  P: Float64Array;
  /** `conversion_factor` = 1 / (maxFiringRate·dt): multiplies rates in spikes per bin into truth units. */
  conversionFactor: number;
  /** Multi-session: `alignment_matrix_cxf` [S, npcs] and `alignment_bias_c` [S]. */
  alignmentMatrix?: Float64Array;
  alignmentBias?: Float64Array;
  /** Scalar keys as Python writes them (`dt`, `nreplications`, `train_percentage`, …). */
  scalars: Record<string, { value: number; int: boolean }>;
}

export interface SynthDataset {
  params: ResolvedSynth;
  sessions: SynthSession[];
  /** The generating networks (for notebooks): the data RNN(s) or the ITB network. */
  networks: { rnn?: DataRnn; rnnB?: DataRnn; itb?: ItbNetwork };
}

/** Where each trial goes: split 0 (train) or 1 (valid) and its row there. */
interface Placement {
  inds: [Int32Array, Int32Array];
  which: Uint8Array;
  row: Int32Array;
}

function placement(p: ResolvedSynth): Placement {
  const E = p.trialsPerSession;
  const { train, valid } = trainValidIndices(E, p.trainPercentage, p.nreplications);
  const which = new Uint8Array(E);
  const row = new Int32Array(E);
  train.forEach((e, i) => void (row[e] = i));
  valid.forEach((e, i) => {
    which[e] = 1;
    row[e] = i;
  });
  return { inds: [train, valid], which, row };
}

/** Collects one session's trials into its train/valid arrays, drawing each trial's noise on the way. */
class SessionBuilder {
  readonly pl: Placement;
  readonly truth: [Float32Array, Float32Array];
  readonly data: [Int32Array, Int32Array] | [Float64Array, Float64Array];
  readonly labels: [Int32Array, Int32Array];
  private readonly T: number;
  private readonly S: number;
  private scratchInt?: Int32Array;
  private scratchFloat?: Float64Array;

  constructor(
    private readonly p: ResolvedSynth,
    S: number,
  ) {
    this.pl = placement(p);
    this.T = p.steps;
    this.S = S;
    const n = this.pl.inds.map((x) => x.length * p.steps * S) as [number, number];
    this.truth = [new Float32Array(n[0]), new Float32Array(n[1])];
    this.data = p.noiseType === "poisson" ? [new Int32Array(n[0]), new Int32Array(n[1])] : [new Float64Array(n[0]), new Float64Array(n[1])];
    this.labels = [new Int32Array(this.pl.inds[0].length), new Int32Array(this.pl.inds[1].length)];
  }

  /** Draw trial e's noise from `truth` ([T, S], float64, as Python computes it) and store both. */
  add(e: number, truth: Float64Array, rng: NumpyRandomState): void {
    const k = this.pl.which[e]!;
    const off = this.pl.row[e]! * this.T * this.S;
    this.truth[k].set(truth, off);
    this.labels[k][this.pl.row[e]!] = Math.floor(e / this.p.nreplications);
    this.noise(truth, rng, this.data[k], off);
  }

  /** Draw (and drop) the noise of a trial that is not kept (the labelled set draws both RNNs' spikes). */
  discard(truth: Float64Array, rng: NumpyRandomState): void {
    const len = this.T * this.S;
    if (this.p.noiseType === "poisson") this.noise(truth, rng, (this.scratchInt ??= new Int32Array(len)), 0);
    else this.noise(truth, rng, (this.scratchFloat ??= new Float64Array(len)), 0);
  }

  private noise(truth: Float64Array, rng: NumpyRandomState, out: Int32Array | Float64Array, off: number): void {
    const { p, T, S } = this;
    if (out instanceof Int32Array) spikifyTrial(truth, T, S, rng, p.dt, p.maxFiringRate, out, off);
    else gaussifyTrial(truth, T, S, rng, p.dt, p.maxFiringRate, out, off);
  }

  splits(): [SynthSplit, SynthSplit] {
    return [0, 1].map((k) => ({
      numTrials: this.pl.inds[k]!.length,
      inds: this.pl.inds[k]!,
      data: this.data[k]!,
      truth: this.truth[k]!,
      conditionLabels: this.labels[k]!,
    })) as [SynthSplit, SynthSplit];
  }

  /** A per-trial array [E, rowLength] split like the trials. */
  perTrial(rowLength: number): [Float64Array, Float64Array] {
    return [new Float64Array(this.pl.inds[0].length * rowLength), new Float64Array(this.pl.inds[1].length * rowLength)];
  }
}

function baseScalars(p: ResolvedSynth): SynthSession["scalars"] {
  return {
    dt: { value: p.dt, int: false },
    nreplications: { value: p.nreplications, int: true },
    train_percentage: { value: p.trainPercentage, int: false },
  };
}

/** `x0_std * rng.randn(N, 1)` for each condition: [C, N]. */
/** The session record of dataset `n` of a preset (name, file name and shape from the parameters). */
function session(p: ResolvedSynth, n: number, S: number, splits: { train: SynthSplit; valid: SynthSplit }, P: Float64Array, conversionFactor: number, scalars: SynthSession["scalars"]): SynthSession {
  const name = synthDatasetName(p, n);
  return { name, fileName: `${p.stem}_${name}`, numSteps: p.steps, numChannels: S, outputDist: p.noiseType, ...splits, P, conversionFactor, scalars };
}

function drawX0s(rng: NumpyRandomState, p: ResolvedSynth): Float64Array {
  const x0s = new Float64Array(p.C * p.N);
  for (let i = 0; i < x0s.length; i++) x0s[i] = p.x0Std * rng.normal();
  return x0s;
}

/** `rng.randn(S, N) / sqrt(N)`. */
function randomProjection(rng: NumpyRandomState, S: number, N: number): Float64Array {
  const P = new Float64Array(S * N);
  const s = Math.sqrt(N);
  for (let i = 0; i < P.length; i++) P[i] = rng.normal() / s;
  return P;
}

/** `generate_chaotic_rnn_data.py`: one or more sessions observing one data RNN. */
function generateChaotic(p: ResolvedSynth): SynthDataset {
  const { N, S, C, steps: T, nreplications: nrep } = p;
  const rng = new NumpyRandomState(p.seed);
  const rnn = generateDataRnn(rng, N, p.g, p.tau, p.dt, p.maxFiringRate);
  const x0s = drawX0s(rng, p);
  const pulses = p.inputMagnitude > 0;
  // Without pulses every replication of a condition has the same trajectory: simulate it once.
  let shared: Float64Array | undefined;
  if (!pulses) {
    shared = new Float64Array(C * T * N);
    for (let c = 0; c < C; c++) runDataRnn(rnn, x0s.subarray(c * N, (c + 1) * N), T, shared.subarray(c * T * N, (c + 1) * T * N));
  }
  const E = p.trialsPerSession;
  const states = new Float64Array(T * N);
  const truth = new Float64Array(T * S);
  const sessions: SynthSession[] = [];
  for (let n = 0; n < p.nSessions; n++) {
    // P_sxn = eye(S, N) rolled by n·S columns: session n observes units n·S … n·S + S − 1.
    const select = Int32Array.from({ length: S }, (_, s) => n * S + s);
    const P = new Float64Array(S * N);
    select.forEach((u, s) => void (P[s * N + u] = 1));
    // rng.choice(int(T/2), size=E) + int(T/4): uniform over [T/4, T/4 + T/2 − 1].
    const times = new Int32Array(pulses ? E : 0);
    for (let e = 0; e < times.length; e++) times[e] = rng.randint(Math.floor(T / 2)) + Math.floor(T / 4);
    const b = new SessionBuilder(p, S);
    const inputTruth = b.perTrial(T);
    const inputTimes: [Int32Array, Int32Array] = pulses ? [new Int32Array(b.pl.inds[0].length), new Int32Array(b.pl.inds[1].length)] : [new Int32Array(0), new Int32Array(0)];
    for (let e = 0; e < E; e++) {
      const c = Math.floor(e / nrep);
      if (pulses) {
        runDataRnn(rnn, x0s.subarray(c * N, (c + 1) * N), T, states, { time: times[e]!, magnitude: p.inputMagnitude });
        projectAndNormalise(states, T, N, truth, S, { select });
        const k = b.pl.which[e]!;
        const row = b.pl.row[e]!;
        inputTimes[k][row] = times[e]!;
        inputTruth[k][row * T + times[e]!] = p.inputMagnitude;
      } else if (e % nrep === 0) {
        projectAndNormalise(shared!.subarray(c * T * N, (c + 1) * T * N), T, N, truth, S, { select });
      }
      b.add(e, truth, rng);
    }
    const [train, valid] = b.splits();
    for (const [k, split] of [[0, train], [1, valid]] as const) {
      split.inputTruth = inputTruth[k];
      split.inputTimes = inputTimes[k];
    }
    sessions.push(session(p, n, S, { train, valid }, P, 1 / rnn.spikesPerBinAtOne, { ...baseScalars(p), input_magnitude: { value: p.inputMagnitude, int: false } }));
  }
  if (S < N) {
    const proj = alignmentProjections(
      sessions.map((s) => ({ trainData: s.train.data, conditionLabels: s.train.conditionLabels, numChannels: S })),
      T,
      C,
      p.npcs,
    );
    sessions.forEach((s, i) => {
      s.alignmentMatrix = proj[i]!.matrix;
      s.alignmentBias = proj[i]!.bias;
    });
  }
  return { params: p, sessions, networks: { rnn } };
}

/** Normalised rates [C, T, S] of every condition for one RNN seen through the projection P. */
function conditionTruths(rnn: DataRnn, x0s: Float64Array, P: Float64Array, p: ResolvedSynth): Float64Array {
  const { N, C, steps: T } = p;
  const out = new Float64Array(C * T * N);
  const states = new Float64Array(T * N);
  for (let c = 0; c < C; c++) {
    runDataRnn(rnn, x0s.subarray(c * N, (c + 1) * N), T, states);
    projectAndNormalise(states, T, N, out.subarray(c * T * N, (c + 1) * T * N), N, { P });
  }
  return out;
}

/** `generate_labeled_rnn_data.py`: two data RNNs share the conditions; each trial uses one of them. */
function generateLabeled(p: ResolvedSynth): SynthDataset {
  const { N, steps: T } = p;
  const S = N;
  const rnnA = generateDataRnn(new NumpyRandomState(p.seed + 1), N, p.g, p.tau, p.dt, p.maxFiringRate);
  const rnnB = generateDataRnn(new NumpyRandomState(p.seed + 2), N, p.g, p.tau, p.dt, p.maxFiringRate);
  const rng = new NumpyRandomState(p.seed);
  const E = p.trialsPerSession;
  const useB = Uint8Array.from({ length: E }, () => rng.randint(2));
  const x0s = drawX0s(rng, p);
  const P = randomProjection(rng, S, N);
  const b = new SessionBuilder(p, S);
  const ext = b.perTrial(T);
  // Python spikes every trial under RNN a, then every trial under RNN b, and keeps the used one.
  for (const [which, rnn] of [[0, rnnA], [1, rnnB]] as const) {
    const truths = conditionTruths(rnn, x0s, P, p);
    for (let e = 0; e < E; e++) {
      const c = Math.floor(e / p.nreplications);
      const truth = truths.subarray(c * T * S, (c + 1) * T * S);
      if (useB[e] === which) {
        b.add(e, truth, rng);
        ext[b.pl.which[e]!].fill(which, b.pl.row[e]! * T, (b.pl.row[e]! + 1) * T);
      } else {
        b.discard(truth, rng);
      }
    }
  }
  const [train, valid] = b.splits();
  train.extInput = ext[0];
  valid.extInput = ext[1];
  return {
    params: p,
    sessions: [session(p, 0, S, { train, valid }, P, 1 / rnnA.spikesPerBinAtOne, { ...baseScalars(p), nspikifications: { value: p.nreplications, int: true } })],
    networks: { rnn: rnnA, rnnB },
  };
}

/** `generate_itb_data.py` with the hand-built integrator of itb.ts instead of the trained checkpoint. */
function generateItb(p: ResolvedSynth): SynthDataset {
  const { N, C, steps: T, nreplications: nrep } = p;
  const S = N;
  const net = buildItbNetwork(N);
  const rng = new NumpyRandomState(p.seed);
  const uRng = new NumpyRandomState(p.seed + 1);
  const P = randomProjection(rng, S, N);
  const b = new SessionBuilder(p, S);
  const inputsU = b.perTrial(T);
  const outputsU = b.perTrial(T);
  const states = new Float64Array(T * N);
  const z = new Float64Array(T);
  const truth = new Float64Array(T * S);
  // Python runs every condition first, then spikes all trials: the noise stream (rng) is separate
  // from the input stream (uRng), so interleaving them per condition draws the same numbers.
  for (let c = 0; c < C; c++) {
    const { u } = itbInputs(uRng, T, p.uStd);
    runItbNetwork(net, u, states, z);
    projectAndNormalise(states, T, N, truth, S, { P });
    for (let r = 0; r < nrep; r++) {
      const e = c * nrep + r;
      const k = b.pl.which[e]!;
      const row = b.pl.row[e]!;
      b.add(e, truth, rng);
      inputsU[k].set(u, row * T);
      outputsU[k].set(z, row * T);
    }
  }
  const [train, valid] = b.splits();
  for (const [k, split] of [[0, train], [1, valid]] as const) {
    split.inputsU = inputsU[k];
    split.outputsU = outputsU[k];
  }
  return {
    params: p,
    sessions: [
      // Python writes max_firing_rate·dt (0.3) as conversion_factor here, the inverse of every other
      // set; we keep the meaning of the key (truth = conversion_factor · expected counts per bin).
      session(p, 0, S, { train, valid }, P, 1 / (p.maxFiringRate * p.dt), { ...baseScalars(p), u_std: { value: p.uStd, int: false }, max_firing_rate: { value: p.maxFiringRate, int: false } }),
    ],
    networks: { itb: net },
  };
}

/** Generate a preset (by stem) or a custom parameter set, with `opts` applied (see {@link resolveSynth}). */
export function generateSynthDataset(preset: SynthPresetName | string | SynthPreset, opts: SynthOptions = {}): SynthDataset {
  const p = resolveSynth(preset, opts);
  switch (p.kind) {
    case "chaotic":
      return generateChaotic(p);
    case "labeled":
      return generateLabeled(p);
    case "itb":
      return generateItb(p);
  }
}
