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

/** Fit the baseline and return its rates for the train and eval trials. */
export function smoothingBaseline(input: SmoothingBaselineInput, opts: SmoothingBaselineOptions = {}): NlbRates {
  const sd = opts.kernelSdMs ?? 40;
  const alpha = opts.alpha ?? 0.01;
  const trainIn = smoothSpikes(input.trainSpikesHeldin, sd, input.binWidthMs);
  const evalIn = smoothSpikes(input.evalSpikesHeldin, sd, input.binWidthMs);
  const xTrain = rows(trainIn);
  const xEval = rows(evalIn);
  const nOut = input.trainSpikesHeldout.shape[2];
  const trainOut = new Float64Array(xTrain.n * nOut);
  const evalOut = new Float64Array(xEval.n * nOut);
  const y = new Float64Array(xTrain.n);
  for (let k = 0; k < nOut; k++) {
    for (let r = 0; r < xTrain.n; r++) y[r] = input.trainSpikesHeldout.data[r * nOut + k]!;
    const glm = fitPoissonGlm(xTrain, y, alpha);
    predictPoisson(glm, xTrain).forEach((v, r) => (trainOut[r * nOut + k] = v));
    predictPoisson(glm, xEval).forEach((v, r) => (evalOut[r * nOut + k] = v));
  }
  const [nTr, nB] = input.trainSpikesHeldout.shape;
  const nEv = input.evalSpikesHeldin.shape[0];
  return {
    trainRatesHeldin: trainIn,
    trainRatesHeldout: array3d(trainOut, [nTr, nB, nOut]),
    evalRatesHeldin: evalIn,
    evalRatesHeldout: array3d(evalOut, [nEv, nB, nOut]),
  };
}
