/**
 * Per-dataset read-in (counts → encoder input) and read-out (factors → log-rates, or Gaussian
 * means ‖ log-variances), TF scopes `x_2_infac_<name>` and `glm/fac_2_…_<name>`.
 */
import * as tf from "@tensorflow/tfjs";
import { readinIsIdentity, type DatasetSpec, type LfadsConfig } from "./config.js";
import { Linear } from "./linear.js";
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

export class Readout {
  private readonly linears: Linear[];
  /** The Poisson factors → log-rates Linear; undefined for the identity read-out and for Gaussian. */
  readonly logRates: Linear | undefined;

  constructor(store: ParamStore, cfg: LfadsConfig, ds: DatasetSpec) {
    const N = ds.numNeurons;
    const F = cfg.factorsDim;
    const W = ds.alignmentMatrix ? transpose(ds.alignmentMatrix, N, F) : undefined;
    const init = { ...(W ? { weightInit: W } : {}), ...(ds.alignmentBias ? { biasInit: ds.alignmentBias } : {}), io: true };
    if (cfg.outputDist === "poisson") {
      // TF identity_if_possible: one dataset with F == N reads the factors out as log-rates directly.
      this.linears = cfg.datasets.length === 1 && F === N ? [] : [new Linear(store, `LFADS/glm/fac_2_logrates_${ds.name}`, F, N, init)];
      this.logRates = this.linears[0];
    } else {
      this.linears = [
        new Linear(store, `LFADS/glm/fac_2_means_${ds.name}`, F, N, init),
        new Linear(store, `LFADS/glm/fac_2_logvars_${ds.name}`, F, N, { weightInit: new Float32Array(F * N), biasInit: new Float32Array(N).fill(1), io: true }),
      ];
      this.logRates = undefined;
    }
  }

  /** f [M,F] → log-rates [M,N] (Poisson) or means ‖ log-variances [M,2N] (Gaussian). */
  apply(f: tf.Tensor2D): tf.Tensor2D {
    if (this.linears.length === 0) return f;
    if (this.linears.length === 1) return this.linears[0]!.apply(f);
    return tf.concat(this.linears.map((l) => l.apply(f)), 1) as tf.Tensor2D;
  }
}
