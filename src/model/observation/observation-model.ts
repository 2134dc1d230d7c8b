/**
 * The contract of an observation model, the distribution of the data given the factors
 * (`c_output_dist`): what the read-out produces, the log-likelihood training maximises, what is
 * reported as `output_dist_params`, and how posterior files and `PosteriorMeans` hold its outputs.
 * Poisson (poisson.ts) and Gaussian (gaussian.ts) implement it; registry.ts picks one by name.
 * A new distribution is one file implementing this plus one registry entry.
 *
 * Implementations import TensorFlow.js for types only and compute with tfjs's chained tensor methods
 * (`raw.exp()`), so loading them does not load TensorFlow.js: the TF-free posterior readers (and so
 * `lfads-ts`) use the same objects.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Array3D } from "../../core/array3d.js";

/** TF clips log-rates and log-variances at ±80 before exp for reported outputs (never inside the loss). */
export const EXP_CLIP = 80;

/** The PosteriorMeans fields that hold observation outputs, `[trials, T, nNeurons]` each. */
export type OutputField = "rates" | "means" | "variances";
export const OUTPUT_FIELDS: readonly OutputField[] = ["rates", "means", "variances"];

/** An observation model's outputs as a PosteriorMeans holds them. */
export type PosteriorOutputs = { readonly [K in OutputField]?: Array3D<Float32Array> };

/** lfads-torch's raw output parameters `[trials, T, N, P]` (P per neuron, interleaved on the last axis). */
export interface TorchParams {
  data: Float32Array | Float64Array;
  shape: readonly [number, number, number, number];
}

/** One linear head of the read-out, factors [F] → N columns (TF variables `LFADS/glm/<scope>_<dataset>`). */
export interface ReadoutHead {
  readonly scope: string;
  /** A constant initial weight and bias; absent: the alignment matrix and bias where given, else random. */
  readonly constant?: { readonly weight: number; readonly bias: number };
}

export interface ObservationModel {
  /** The `c_output_dist` value, also `outputDist` of model configs and PosteriorMeans. */
  readonly name: string;
  /** For messages, e.g. "Poisson". */
  readonly label: string;

  // The network: read-out, likelihood, reported parameters.

  /** Output parameters per neuron (P): the read-out's columns and TF `output_dist_params`' are P·N. */
  readonly paramsPerNeuron: number;
  /** The read-out's heads, concatenated on the last axis (P heads of N columns each). */
  readonly readoutHeads: readonly ReadoutHead[];
  /** TF `identity_if_possible`: a single dataset with N = c_factors_dim reads the factors out unchanged. */
  readonly identityReadout: boolean;
  /** Its read-out and log-likelihood (less the data constant) are what the fused op of ops/poisson-readout.ts computes. */
  readonly fusedPoissonReadout: boolean;
  /** The data are spike counts: checked to be integers ≥ 0 on loading, and temporal spike jitter applies. */
  readonly countData: boolean;
  /**
   * The data-only term of the log-likelihood, per trial of `x` (`trials` rows), computed once in double
   * precision (Poisson: Σ lgamma(x+1)), each element weighted by `weights` (same length as x) where given;
   * absent when the likelihood has none.
   */
  dataConstant?(x: ArrayLike<number>, trials: number, weights?: ArrayLike<number>): Float32Array;
  /**
   * log p(x | raw) summed over time and neurons, per trial [B], from the raw read-out `raw` [B,T,P·N]
   * (what the gradient flows through), less `dataConstant` [B] where given.
   */
  logLikelihood(raw: tf.Tensor3D, x: tf.Tensor3D, dataConstant?: tf.Tensor1D): tf.Tensor1D;
  /**
   * log p(x | raw) per element [B,T,N], less the data constant (what `logLikelihood` sums): the terms
   * that coordinated dropout and sample validation weigh one by one (model/likelihood-weights.ts).
   */
  elementLogLikelihood(raw: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D;
  /** The reported `output_dist_params` [.., P·N] from the raw read-out (exp clipped at ±EXP_CLIP). */
  outputParams<R extends tf.Rank>(raw: tf.Tensor<R>): tf.Tensor<R>;
  /** What the controller gets back as "rates" [M,N] from the raw read-out [M,P·N] (`clip`: clip before exp). */
  feedback(raw: tf.Tensor2D, clip: boolean): tf.Tensor2D;

  // The files: posterior outputs and their layout.

  /** What its P columns per neuron are, for messages: "rates", "means ‖ variances". */
  readonly tfLayout: string;
  /** The PosteriorMeans fields it fills. */
  readonly outputFields: readonly OutputField[];
  /**
   * The field holding the distribution's mean (× `readScale`): always present, it fixes the trial and
   * time axes; it is also what lfads-torch's `output_params` `[n,T,N]` hold (`recon.compute_means`).
   */
  readonly meanField: OutputField;
  /** Factor applied to stored output values on reading (Poisson: counts per bin → spikes/s). */
  readScale(spikeBinMs: number): number;
  /** PosteriorMeans outputs from TF `output_dist_params` `[n,T,P·N]`, already scaled by `readScale`. */
  fromTfParams(params: Array3D<Float32Array>): PosteriorOutputs;
  /** PosteriorMeans outputs from lfads-torch's raw parameters `[n,T,N,P]`, for models it writes them for. */
  fromTorchParams?(params: TorchParams): PosteriorOutputs;
  /** The distribution's mean per LFADS bin `[trials, T, nNeurons]` (what R² against the truth compares). */
  meansPerBin(outputs: PosteriorOutputs, spikeBinMs: number): Array3D<Float32Array>;
  /** Checks the output fields a PosteriorMeans is given; errors name the field and the fix. */
  checkPosteriorOutputs(outputs: PosteriorOutputs): void;
}
