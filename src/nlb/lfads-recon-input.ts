/**
 * An LFADS input file with the encod/recon split (lfads-torch's layout, reference §5), so that LFADS itself
 * predicts the held-out neurons and the forward bins:
 *
 *   train_data, valid_data             [n, T_obs, N_in] int64       held-in counts over the observed window (encoder input)
 *   train_recon_data, valid_recon_data [n, T_obs+T_fwd, N_in+N_out] held-in ‖ held-out, observed ‖ forward (reconstructed)
 *   test_data                          [n_eval, T_obs, N_in] int64  the eval trials, held-in only: sampled, never trained on
 *   train_inds, valid_inds, test_inds  1-based positions among the binned trials
 *
 * Only NLB train trials are trained on; every `validEvery`-th of them (the first included, as NLB's TF2
 * baseline) is the validation set. The eval trials' held-out and forward spikes never reach the model.
 * `nlbRatesFromLfads` cuts the posterior-mean rates back into the six submission tensors.
 */
import { array3d, type Array3D } from "../core/array3d.js";
import { concatMiddleAxis, sliceBlock } from "../core/array3d-concat.js";
import { ParamError, ShapeError } from "../core/errors.js";
import { writeArray, writeH5Atomic } from "../io/h5.js";
import { int64Counts, oneBasedInds } from "./lfads-input.js";
import type { NlbRates } from "./rates.js";
import { takeTrials, type NlbInputs } from "./target.js";
import { concatNeurons, type NlbTensor } from "./tensor.js";

/** Where each NLB trial went in the input file, and the tensor sizes needed to cut the rates back. */
export interface NlbLfadsLayout {
  /** Positions into `inputs.trainTrials` of the LFADS train and valid splits, in file order. */
  trainRows: number[];
  validRows: number[];
  /** Observed bins, forward bins, held-in and held-out neurons. */
  nObs: number;
  nFwd: number;
  nHeldin: number;
  nHeldout: number;
}

/** Join tensors along time (observed ‖ forward); trials and neurons must agree. */
export function concatBins(a: NlbTensor, b: NlbTensor, what: string): Array3D<Float64Array> {
  return concatMiddleAxis(a, b, what);
}

/** Bins [t0, t1) and neurons [k0, k1) of a tensor. */
export function sliceBinsNeurons(x: NlbTensor, bins: readonly [number, number], neurons: readonly [number, number]): Array3D<Float64Array> {
  return sliceBlock(x, bins, neurons);
}

/** Write `file` (atomically) and return where the trials went (module comment). */
export async function writeNlbLfadsReconInput(file: string, inputs: NlbInputs, opts: { validEvery?: number } = {}): Promise<NlbLfadsLayout> {
  const every = opts.validEvery ?? 5;
  const nTrain = inputs.trainTrials.length;
  if (!Number.isInteger(every) || every < 2 || every > nTrain) throw new ParamError(`writeNlbLfadsReconInput: validEvery must be an integer in [2, ${nTrain}] (the NLB train trials), got ${every}; 5 makes every fifth train trial a validation trial`);
  const rows = Array.from({ length: nTrain }, (_, i) => i);
  const validRows = rows.filter((i) => i % every === 0);
  const trainRows = rows.filter((i) => i % every !== 0);
  const recon = concatBins(
    concatNeurons([inputs.trainSpikesHeldin, inputs.trainSpikesHeldout], "held-in and held-out train spikes"),
    concatNeurons([inputs.trainSpikesHeldinForward, inputs.trainSpikesHeldoutForward], "held-in and held-out forward train spikes"),
    "observed and forward train spikes",
  );
  await writeH5Atomic(file, (f) => {
    for (const [prefix, r] of [["train", trainRows], ["valid", validRows]] as const) {
      writeArray(f, `${prefix}_data`, int64Counts(takeTrials(inputs.trainSpikesHeldin, r)), { gzip: 1 });
      writeArray(f, `${prefix}_recon_data`, int64Counts(takeTrials(recon, r)), { gzip: 1 });
      writeArray(f, `${prefix}_inds`, oneBasedInds(r.map((i) => inputs.trainTrials[i]!)));
    }
    writeArray(f, "test_data", int64Counts(inputs.evalSpikesHeldin), { gzip: 1 });
    writeArray(f, "test_inds", oneBasedInds(inputs.evalTrials));
  });
  return {
    trainRows, validRows, nObs: inputs.trainSpikesHeldin.shape[1], nFwd: inputs.trainSpikesHeldinForward.shape[1],
    nHeldin: inputs.trainSpikesHeldin.shape[2], nHeldout: inputs.trainSpikesHeldout.shape[2],
  };
}

/** Put the LFADS train and valid rows back into NLB train-trial order. */
function mergeRows(layout: NlbLfadsLayout, train: NlbTensor, valid: NlbTensor): Array3D<Float64Array> {
  const [, T, N] = train.shape;
  const n = layout.trainRows.length + layout.validRows.length;
  const out = new Float64Array(n * T * N);
  const per = T * N;
  layout.trainRows.forEach((row, i) => out.set(train.data.subarray(i * per, (i + 1) * per), row * per));
  layout.validRows.forEach((row, i) => out.set(valid.data.subarray(i * per, (i + 1) * per), row * per));
  return array3d(out, [n, T, N]);
}

/**
 * The submission from LFADS's posterior-mean rates (spikes per bin) of the train, valid and test splits,
 * each [trials, T_obs+T_fwd, N_in+N_out]: train trials in NLB order, cut at T_obs and N_in; the eval
 * trials' (test split) observed and forward rates.
 */
export function nlbRatesFromLfads(layout: NlbLfadsLayout, rates: { train: NlbTensor; valid: NlbTensor; test: NlbTensor }): NlbRates {
  const T = layout.nObs + layout.nFwd;
  const N = layout.nHeldin + layout.nHeldout;
  const want: Record<string, number> = { train: layout.trainRows.length, valid: layout.validRows.length, test: -1 };
  for (const [split, x] of Object.entries(rates)) {
    if (x.shape[1] !== T || x.shape[2] !== N || (want[split]! >= 0 && x.shape[0] !== want[split])) {
      throw new ShapeError(`nlbRatesFromLfads: ${split} rates have shape [${x.shape.join(", ")}], expected [${want[split]! >= 0 ? want[split] : "trials"}, ${T}, ${N}] (observed + forward bins, held-in + held-out neurons); were they sampled from the input file writeNlbLfadsReconInput wrote?`);
    }
  }
  const trainAll = mergeRows(layout, rates.train, rates.valid);
  const obs = [0, layout.nObs] as const;
  const fwd = [layout.nObs, T] as const;
  const heldin = [0, layout.nHeldin] as const;
  const heldout = [layout.nHeldin, N] as const;
  return {
    trainRatesHeldin: sliceBinsNeurons(trainAll, obs, heldin),
    trainRatesHeldout: sliceBinsNeurons(trainAll, obs, heldout),
    evalRatesHeldin: sliceBinsNeurons(rates.test, obs, heldin),
    evalRatesHeldout: sliceBinsNeurons(rates.test, obs, heldout),
    evalRatesHeldinForward: sliceBinsNeurons(rates.test, fwd, heldin),
    evalRatesHeldoutForward: sliceBinsNeurons(rates.test, fwd, heldout),
  };
}
