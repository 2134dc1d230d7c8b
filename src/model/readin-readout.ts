/**
 * Per-dataset read-in (counts → encoder input) and read-out (factors → the observation model's raw
 * parameters: log-rates, or Gaussian means ‖ log-variances), TF scopes `x_2_infac_<name>` and
 * `glm/fac_2_…_<name>`.
 */
import * as tf from "@tensorflow/tfjs";
import { readinIsIdentity, reconNeuronsOf, type DatasetSpec, type LfadsConfig } from "./config.js";
import { Linear } from "./linear.js";
import type { ObservationModel } from "./observation/observation-model.js";
import type { ParamStore } from "./params.js";

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

/** −bias[1,N] · W[N,F], so that (x − bias)·W = x·W + b. */
function negBiasTimesW(bias: Float32Array, W: Float32Array, N: number, F: number): Float32Array {
  const out = new Float32Array(F);
  for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) out[f]! -= bias[n]! * W[n * F + f]!;
  return out;
}

export class Readin {
  readonly linear: Linear | undefined;

  /**
   * Identity for a single dataset without an alignment matrix (no variables). Otherwise W_in [N,F]
   * from `alignment_matrix_cxf` or random (std 1/√N), b_in = −alignment_bias_c·W_in or 0;
   * trainable iff c_do_train_readin.
   */
  constructor(store: ParamStore, cfg: LfadsConfig, ds: DatasetSpec) {
    if (readinIsIdentity(cfg)) {
      this.linear = undefined;
      return;
    }
    const N = ds.numNeurons;
    const F = cfg.factorsDim;
    const W = ds.alignmentMatrix ?? store.normal([N, F], 1 / Math.sqrt(N));
    const b = ds.alignmentBias ? negBiasTimesW(ds.alignmentBias, W, N, F) : new Float32Array(F);
    this.linear = new Linear(store, `LFADS/x_2_infac_${ds.name}`, N, F, { weightInit: W, biasInit: b, trainable: cfg.doTrainReadin, io: cfg.doTrainReadin });
  }

  /** x [B,T,N] → [B,T,N or F]. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    return this.linear ? this.linear.apply3d(x) : x;
  }
}

/** a [rows, n] followed column-wise by `extra` [rows, N − n] → [rows, N] (a itself when N = n). */
function padColumns(a: Float32Array, rows: number, n: number, N: number, extra: Float32Array): Float32Array {
  if (N === n) return a;
  const out = new Float32Array(rows * N);
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * n, (r + 1) * n), r * N);
    out.set(extra.subarray(r * (N - n), (r + 1) * (N - n)), r * N + n);
  }
  return out;
}

/**
 * The read-out's initial W [F, N_rec] of an aligned dataset: the alignment matrix's transpose [F, N]
 * for the held-in neurons, then the Linear's own random init (std 1/√F) for the held-out ones, which
 * have no alignment.
 */
function alignedReadoutInit(store: ParamStore, W: Float32Array, F: number, N: number): Float32Array {
  const n = W.length / F;
  return N === n ? W : padColumns(W, F, n, N, store.normal([F, N - n], 1 / Math.sqrt(F)));
}

export class Readout {
  readonly observation: ObservationModel;
  private readonly linears: Linear[];
  /** The read-out when it is one Linear; undefined for the identity read-out and for several heads. */
  readonly linear: Linear | undefined;

  /** One Linear per head of the observation model `obs`; the first takes the alignment matrix and bias. */
  constructor(store: ParamStore, cfg: LfadsConfig, ds: DatasetSpec, obs: ObservationModel) {
    const N = reconNeuronsOf(ds);
    const F = cfg.factorsDim;
    const W = ds.alignmentMatrix ? alignedReadoutInit(store, transpose(ds.alignmentMatrix, ds.numNeurons, F), F, N) : undefined;
    const bias = ds.alignmentBias ? padColumns(ds.alignmentBias, 1, ds.numNeurons, N, new Float32Array(N - ds.numNeurons)) : undefined;
    const init = { ...(W ? { weightInit: W } : {}), ...(bias ? { biasInit: bias } : {}), io: true };
    const identity = obs.identityReadout && cfg.datasets.length === 1 && F === N;
    this.observation = obs;
    this.linears = identity
      ? []
      : obs.readoutHeads.map(({ scope, constant: c }) =>
          new Linear(store, `LFADS/glm/${scope}_${ds.name}`, F, N, c ? { weightInit: new Float32Array(F * N).fill(c.weight), biasInit: new Float32Array(N).fill(c.bias), io: true } : init),
        );
    this.linear = this.linears.length === 1 ? this.linears[0] : undefined;
  }

  /** f [M,F] → the raw parameters [M,P·N]: log-rates (Poisson) or means ‖ log-variances (Gaussian). */
  apply(f: tf.Tensor2D): tf.Tensor2D {
    if (this.linears.length === 0) return f;
    if (this.linears.length === 1) return this.linears[0]!.apply(f);
    return tf.concat(this.linears.map((l) => l.apply(f)), 1) as tf.Tensor2D;
  }

  /** f [M,F] → what the controller gets back as "rates" [M,N] (`clip`: clip before exp). */
  feedback(f: tf.Tensor2D, clip: boolean): tf.Tensor2D {
    return this.observation.feedback(this.apply(f), clip);
  }
}
