/**
 * NLB's eval target and model inputs from binned NWB trials: the train trials (`split` = train) and
 * the eval trials (`split` = val, as in NLB's validation phase), each in trials-table order, and the
 * PSTH target: held-in ‖ held-out spikes at 1 ms smoothed with a unit-sum Gaussian (SD 50 ms for the
 * MC_Maze scaling sets), summed into the bins, averaged per condition over train and eval trials.
 * The 1-ms counts reach ⌈3·SD⌉ ms past each side of the window, so the smoothing sees the spikes
 * around it as it does on NLB's continuous recording.
 */
import { array3d, type Array3D } from "../core/array3d.js";
import { DataError } from "../core/errors.js";
import { countSpikes, unitRowsByHeldout, type NwbContent, type NwbTrials } from "../data/nwb/index.js";
import { smoothSpikes } from "./smooth.js";
import type { NlbTensor } from "./tensor.js";

/** The eval-target group of one dataset (nlb_tools' keys, camel-cased). */
export interface NlbTarget {
  evalSpikesHeldout: NlbTensor;
  trainBehavior?: NlbTensor;
  evalBehavior?: NlbTensor;
  evalSpikesHeldinForward?: NlbTensor;
  evalSpikesHeldoutForward?: NlbTensor;
  psth?: NlbTensor;
  trainCondIdx?: number[][];
  evalCondIdx?: number[][];
}

/** What a model is given: train spikes (held-in, held-out, forward) and eval held-in spikes. */
export interface NlbInputs {
  binWidthMs: number;
  trainSpikesHeldin: NlbTensor;
  trainSpikesHeldout: NlbTensor;
  trainSpikesHeldinForward: NlbTensor;
  trainSpikesHeldoutForward: NlbTensor;
  evalSpikesHeldin: NlbTensor;
  /** Trial positions (into the binned trials) of the train and eval trials. */
  trainTrials: number[];
  evalTrials: number[];
}

/** Rows `idx` (first axis) of a tensor. */
export function takeTrials<T extends Float32Array | Float64Array>(x: Array3D<T>, idx: readonly number[]): Array3D<T> {
  const per = x.shape[1] * x.shape[2];
  const out = new (x.data.constructor as new (n: number) => T)(idx.length * per);
  idx.forEach((t, i) => out.set(x.data.subarray(t * per, (t + 1) * per), i * per));
  return array3d(out, [idx.length, x.shape[1], x.shape[2]]);
}

function splitPositions(trials: NwbTrials, evalSplit: string): { train: number[]; evalT: number[] } {
  const train: number[] = [];
  const evalT: number[] = [];
  trials.split.forEach((s, i) => (s === evalSplit ? evalT : s === "train" ? train : undefined)?.push(i));
  if (train.length === 0 || evalT.length === 0) {
    throw new DataError(`${trials.file}: NLB needs train and ${evalSplit} trials; the binned trials have splits ${[...new Set(trials.split)].join(", ") || "(none)"}: ${train.length} train, ${evalT.length} ${evalSplit}`);
  }
  return { train, evalT };
}

/** Split binned trials into what a model sees (train trials whole, eval trials held-in only). */
export function nlbInputs(trials: NwbTrials, evalSplit = "val"): NlbInputs {
  const { train, evalT } = splitPositions(trials, evalSplit);
  return {
    binWidthMs: trials.binWidthMs,
    trainSpikesHeldin: takeTrials(trials.heldin, train),
    trainSpikesHeldout: takeTrials(trials.heldout, train),
    trainSpikesHeldinForward: takeTrials(trials.heldinForward, train),
    trainSpikesHeldoutForward: takeTrials(trials.heldoutForward, train),
    evalSpikesHeldin: takeTrials(trials.heldin, evalT),
    trainTrials: train,
    evalTrials: evalT,
  };
}

/** The PSTH target [condition, bin, held-in ‖ held-out] (see the module comment). */
export function nlbPsth(content: NwbContent, trials: NwbTrials, positions: readonly number[], kernelSdMs: number): Array3D<Float64Array> {
  const w = trials.binWidthMs;
  const margin = Math.ceil(3 * kernelSdMs);
  const { heldin, heldout } = unitRowsByHeldout(content);
  const starts = positions.map((t) => trials.firstBin[t]! * w - margin);
  const nMs = trials.nBins * w + 2 * margin;
  const fine = smoothSpikes(countSpikes(content, [...heldin, ...heldout], starts, 0, nMs, 1), kernelSdMs, 1);
  const n = heldin.length + heldout.length;
  const nC = trials.conditions.length;
  const sum = new Float64Array(nC * trials.nBins * n);
  const count = new Float64Array(nC);
  positions.forEach((t, i) => {
    const c = trials.conditionIndex[t]!;
    count[c] += 1;
    for (let b = 0; b < trials.nBins; b++) {
      for (let m = 0; m < w; m++) {
        const src = (i * nMs + margin + b * w + m) * n;
        const dst = (c * trials.nBins + b) * n;
        for (let k = 0; k < n; k++) sum[dst + k] += fine.data[src + k]!;
      }
    }
  });
  for (let c = 0; c < nC; c++) for (let j = c * trials.nBins * n; j < (c + 1) * trials.nBins * n; j++) sum[j] = count[c]! > 0 ? sum[j]! / count[c]! : NaN;
  return array3d(sum, [nC, trials.nBins, n]);
}

function condIdx(trials: NwbTrials, positions: readonly number[]): number[][] {
  const out: number[][] = trials.conditions.map(() => []);
  positions.forEach((t, i) => out[trials.conditionIndex[t]!]!.push(i));
  return out;
}

/** The eval target of binned trials (see the module comment); `psthKernelSdMs` 0 leaves the PSTH out. */
export function nlbTarget(content: NwbContent, trials: NwbTrials, opts: { evalSplit?: string; psthKernelSdMs?: number } = {}): NlbTarget {
  const { train, evalT } = splitPositions(trials, opts.evalSplit ?? "val");
  const sd = opts.psthKernelSdMs ?? 50;
  const target: NlbTarget = {
    evalSpikesHeldout: takeTrials(trials.heldout, evalT),
    evalSpikesHeldinForward: takeTrials(trials.heldinForward, evalT),
    evalSpikesHeldoutForward: takeTrials(trials.heldoutForward, evalT),
  };
  if (trials.behavior) {
    target.trainBehavior = takeTrials(trials.behavior.data, train);
    target.evalBehavior = takeTrials(trials.behavior.data, evalT);
  }
  if (sd > 0 && trials.conditions.length > 1) {
    target.psth = nlbPsth(content, trials, [...train, ...evalT], sd);
    target.trainCondIdx = condIdx(trials, train);
    target.evalCondIdx = condIdx(trials, evalT);
  }
  return target;
}

