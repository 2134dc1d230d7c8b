/**
 * TF LFADS `linear` / `init_linear`: y = x·W + b with W [in, out] ~ Normal(0, (alpha/√in)²) and a
 * zero [1, out] bias, unless initial values are given. `normalized` rescales every column of W to unit
 * L2 norm at each use (the generator→factors matrix).
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeError } from "../core/errors.js";
import type { L2Group, ParamStore } from "./params.js";

export interface LinearOptions {
  /** Init std multiplier alpha (std = alpha/√in). Default 1. */
  alpha?: number;
  bias?: boolean;
  normalized?: boolean;
  weightInit?: Float32Array;
  biasInit?: Float32Array;
  trainable?: boolean;
  io?: boolean;
  l2?: L2Group;
}

export class Linear {
  readonly W: tf.Variable;
  readonly b: tf.Variable | undefined;
  private readonly normalized: boolean;

  constructor(store: ParamStore, readonly name: string, readonly inDim: number, readonly outDim: number, opts: LinearOptions = {}) {
    const flags = { trainable: opts.trainable ?? true, ...(opts.io ? { io: true } : {}), ...(opts.l2 ? { l2: opts.l2 } : {}) };
    if (opts.weightInit && opts.weightInit.length !== inDim * outDim) {
      throw new ShapeError(`${name}/W: initial value has ${opts.weightInit.length} entries, expected [${inDim}, ${outDim}]`);
    }
    this.W = store.add(`${name}/W`, [inDim, outDim], opts.weightInit ?? store.normal([inDim, outDim], (opts.alpha ?? 1) / Math.sqrt(inDim)), flags);
    this.b = opts.bias === false ? undefined : store.add(`${name}/b`, [1, outDim], opts.biasInit ?? new Float32Array(outDim), flags);
    this.normalized = opts.normalized ?? false;
  }

  /** The effective matrix (columns unit-norm when `normalized`). */
  weight(): tf.Tensor2D {
    return (this.normalized ? tf.div(this.W, tf.norm(this.W, "euclidean", 0, true)) : this.W) as tf.Tensor2D;
  }

  /** x [M, in] → [M, out]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y = tf.matMul(x, this.weight());
    return (this.b ? tf.add(y, this.b) : y) as tf.Tensor2D;
  }

  /** x [B, T, in] → [B, T, out] as one matmul. */
  apply3d(x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, D] = x.shape;
    return tf.reshape(this.apply(tf.reshape(x, [B * T, D])), [B, T, this.outDim]);
  }
}
