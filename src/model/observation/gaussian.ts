/**
 * Gaussian observations: x ~ N(mean, exp(logvar)) per bin and neuron, for float data. The read-out gives
 * means ‖ log-variances (TF `fac_2_means`, `fac_2_logvars`); the files hold means ‖ variances in the data's
 * own units per LFADS bin (not counts, so never converted to Hz).
 */
import type * as tf from "@tensorflow/tfjs";
import type { Array3D } from "../../core/array3d.js";
import { ParamError, ShapeError } from "../../core/errors.js";
import { EXP_CLIP, type ObservationModel } from "./observation-model.js";

const LOG_2PI = Math.log(2 * Math.PI);

/** logvar + log 2π + (x−mean)²/exp(logvar) per element [B,T,N]. `params` = means ‖ logvars [B,T,2N]. */
function gaussianTerms(params: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
  const [B, T, N2] = params.shape;
  const N = N2 / 2;
  const mean = params.slice([0, 0, 0], [B, T, N]);
  const logvar = params.slice([0, 0, N], [B, T, N]);
  return logvar.add(LOG_2PI).add(x.sub(mean).square().mul(logvar.neg().exp()));
}

/** Σ −0.5·(logvar + log 2π + (x−mean)²/exp(logvar)) per trial [B]. `params` = means ‖ logvars [B,T,2N]. */
export function gaussianLogLik(params: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor1D {
  return gaussianTerms(params, x).sum([1, 2]).mul(-0.5);
}

/** Split `[n, T, 2N]` (means ‖ variances along the last axis) into two `[n, T, N]` arrays. */
function splitMeansVariances(a: Array3D<Float32Array>): { means: Array3D<Float32Array>; variances: Array3D<Float32Array> } {
  const [n, T, D] = a.shape;
  const N = D / 2;
  const means = new Float32Array(n * T * N);
  const variances = new Float32Array(n * T * N);
  for (let r = 0; r < n * T; r++) {
    means.set(a.data.subarray(r * D, r * D + N), r * N);
    variances.set(a.data.subarray(r * D + N, (r + 1) * D), r * N);
  }
  return { means: { data: means, shape: [n, T, N] }, variances: { data: variances, shape: [n, T, N] } };
}

export const gaussian: ObservationModel = {
  name: "gaussian",
  label: "Gaussian",
  paramsPerNeuron: 2,
  // The log-variances start at 1 everywhere (weight 0, bias 1), as in TF LFADS.
  readoutHeads: [{ scope: "fac_2_means" }, { scope: "fac_2_logvars", constant: { weight: 0, bias: 1 } }],
  identityReadout: false,
  fusedPoissonReadout: false,
  countData: false,
  logLikelihood: (raw, x) => gaussianLogLik(raw, x),
  elementLogLikelihood: (raw, x) => gaussianTerms(raw, x).mul(-0.5),
  /** Means ‖ exp(clip(logvar, ±80)). */
  outputParams<R extends tf.Rank>(raw: tf.Tensor<R>): tf.Tensor<R> {
    const last = raw.rank - 1;
    const N = raw.shape[last]! / 2;
    const [mean, logvar] = raw.split<tf.Tensor<R>>([N, N], last);
    return mean!.concat((logvar!.clipByValue(-EXP_CLIP, EXP_CLIP) as tf.Tensor<R>).exp(), last);
  },
  /** The means are fed back. */
  feedback: (raw) => raw.slice([0, 0], [raw.shape[0], raw.shape[1] / 2]),

  tfLayout: "means ‖ variances",
  outputFields: ["means", "variances"],
  meanField: "means",
  readScale: () => 1,
  fromTfParams: splitMeansVariances,
  /** `[n, T, N, 2]`: means and log-variances interleaved on the last axis (lfads-torch `Gaussian.reshape_output_params`). */
  fromTorchParams({ data, shape: [n, T, N] }) {
    const means = new Float32Array(n * T * N);
    const variances = new Float32Array(n * T * N);
    for (let i = 0; i < means.length; i++) {
      means[i] = data[2 * i]!;
      variances[i] = Math.exp(data[2 * i + 1]!);
    }
    return { means: { data: means, shape: [n, T, N] }, variances: { data: variances, shape: [n, T, N] } };
  },
  meansPerBin: (outputs) => outputs.means!,
  checkPosteriorOutputs(d) {
    if (!d.means) throw new ParamError('PosteriorMeans: Gaussian outputs (outputDist "gaussian") need means, in data units per bin');
    if (d.rates) throw new ParamError("PosteriorMeans: rates (spikes/s) are for Poisson outputs only; a Gaussian PosteriorMeans holds means and variances — drop rates");
    const v = d.variances;
    if (v && (v.shape[0] !== d.means.shape[0] || v.shape[1] !== d.means.shape[1] || v.shape[2] !== d.means.shape[2])) {
      throw new ShapeError(`PosteriorMeans: variances have shape [${v.shape.join(", ")}] but means [${d.means.shape.join(", ")}]; both are [trials, T, nNeurons]`);
    }
  },
};
