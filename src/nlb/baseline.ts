/**
 * NLB's smoothing baseline: held-in spikes smoothed with a Gaussian (default SD 40 ms) are the held-in
 * rates, and a Poisson GLM per held-out neuron, fitted on the train trials, maps the smoothed held-in
 * activity to held-out rates. It predicts no forward bins (so it has no fp-bps).
 */
import { array3d } from "../core/array3d.js";
import { fitPoissonGlm, predictPoisson } from "./poisson-glm.js";
import type { NlbRates } from "./rates.js";
import type { Rows } from "./ridge.js";
import { smoothSpikes } from "./smooth.js";
import type { NlbTensor } from "./tensor.js";

export interface SmoothingBaselineInput {
  trainSpikesHeldin: NlbTensor;
  trainSpikesHeldout: NlbTensor;
  evalSpikesHeldin: NlbTensor;
  binWidthMs: number;
}

export interface SmoothingBaselineOptions {
  /** Gaussian kernel SD in ms (default 40). */
  kernelSdMs?: number;
  /** L2 penalty of the GLM, scikit-learn PoissonRegressor's α (default 0.01). */
  alpha?: number;
}

function rows(x: NlbTensor): Rows {
  return { data: Float64Array.from(x.data), n: x.shape[0] * x.shape[1], p: x.shape[2] };
}

/**
 * Held-in rates as given, held-out rates from a Poisson GLM per held-out neuron fitted on the train
 * trials (inputs: the held-in rates of a bin; target: the held-out counts of that bin). The smoothing
 * baseline feeds it smoothed spikes; a model that sees only held-in neurons (LFADS trained on them)
 * feeds it its inferred rates, so that both are scored the same way.
 */
export function glmHeldoutRates(heldin: { train: NlbTensor; eval: NlbTensor }, trainSpikesHeldout: NlbTensor, alpha = 0.01): NlbRates {
  const xTrain = rows(heldin.train);
  const xEval = rows(heldin.eval);
  const nOut = trainSpikesHeldout.shape[2];
  const trainOut = new Float64Array(xTrain.n * nOut);
  const evalOut = new Float64Array(xEval.n * nOut);
  const y = new Float64Array(xTrain.n);
  for (let k = 0; k < nOut; k++) {
    for (let r = 0; r < xTrain.n; r++) y[r] = trainSpikesHeldout.data[r * nOut + k]!;
    const glm = fitPoissonGlm(xTrain, y, alpha);
    predictPoisson(glm, xTrain).forEach((v, r) => (trainOut[r * nOut + k] = v));
    predictPoisson(glm, xEval).forEach((v, r) => (evalOut[r * nOut + k] = v));
  }
  const [nTr, nB] = heldin.train.shape;
  const nEv = heldin.eval.shape[0];
  return {
    trainRatesHeldin: heldin.train,
    trainRatesHeldout: array3d(trainOut, [nTr, nB, nOut]),
    evalRatesHeldin: heldin.eval,
    evalRatesHeldout: array3d(evalOut, [nEv, heldin.eval.shape[1], nOut]),
  };
}

/** Fit the baseline and return its rates for the train and eval trials. */
export function smoothingBaseline(input: SmoothingBaselineInput, opts: SmoothingBaselineOptions = {}): NlbRates {
  const sd = opts.kernelSdMs ?? 40;
  const train = smoothSpikes(input.trainSpikesHeldin, sd, input.binWidthMs);
  const evalRates = smoothSpikes(input.evalSpikesHeldin, sd, input.binWidthMs);
  return glmHeldoutRates({ train, eval: evalRates }, input.trainSpikesHeldout, opts.alpha ?? 0.01);
}
