/**
 * The two TF LFADS GRU cells as weight holders. Both hand the time loop to `gruRecurrence` (or, in
 * the coupled controller/generator loop, to `gruStep`) as an input projection xProj = [x_r|x_u|x_c]
 * with all biases folded in, plus the recurrent matrices Wh_ru [H,2H] and Wh_c [H,H].
 */
import * as tf from "@tensorflow/tfjs";
import type { L2Group, ParamStore } from "./params.js";

export interface RecurrentWeights {
  whRu: tf.Tensor2D;
  whC: tf.Tensor2D;
}

/**
 * Encoder `GRU` (scopes ic_enc_fwd/…, ci_enc_rev/…): gates from [x, h]·W_ru + b_ru
 * (std cell_weight_scale/√(d+H)), candidate from [x, r⊙h]·W_c + b_c (std 1/√(d+H)).
 */
export class EncoderGru {
  readonly wRu: tf.Variable;
  readonly bRu: tf.Variable;
  readonly wC: tf.Variable;
  readonly bC: tf.Variable;

  constructor(store: ParamStore, scope: string, readonly inDim: number, readonly hidden: number, cellWeightScale: number) {
    const d = inDim + hidden;
    this.wRu = store.add(`${scope}/GRU/Gates/xh_2_ru/W`, [d, 2 * hidden], store.normal([d, 2 * hidden], cellWeightScale / Math.sqrt(d)));
    this.bRu = store.add(`${scope}/GRU/Gates/xh_2_ru/b`, [1, 2 * hidden], new Float32Array(2 * hidden));
    this.wC = store.add(`${scope}/GRU/Candidate/xrh_2_c/W`, [d, hidden], store.normal([d, hidden], 1 / Math.sqrt(d)));
    this.bC = store.add(`${scope}/GRU/Candidate/xrh_2_c/b`, [1, hidden], new Float32Array(hidden));
  }

  /** x [B,T,d] → xProj [B,T,3H] (x rows of both matrices, biases included). */
  project(x: tf.Tensor3D): tf.Tensor3D {
    const [B, T] = x.shape;
    const H = this.hidden;
    const wx = tf.concat([tf.slice(this.wRu, [0, 0], [this.inDim, 2 * H]), tf.slice(this.wC, [0, 0], [this.inDim, H])], 1);
    const b = tf.concat([this.bRu, this.bC], 1);
    return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, this.inDim]), wx), b), [B, T, 3 * H]);
  }

  recurrent(): RecurrentWeights {
    const H = this.hidden;
    return {
      whRu: tf.slice(this.wRu, [this.inDim, 0], [H, 2 * H]) as tf.Tensor2D,
      whC: tf.slice(this.wC, [this.inDim, 0], [H, H]) as tf.Tensor2D,
    };
  }
}

/**
 * `GenGRU` (scopes gen/, con/): separate input weights (no bias, std input_scale/√d) and recurrent
 * weights with biases (std rec_scale/√H). The recurrent W and b are the L2-regularised variables.
 * With no input (d = 0) the x weights do not exist and xProj is the bias alone.
 */
export class GenGru {
  readonly wxRu: tf.Variable | undefined;
  readonly wxC: tf.Variable | undefined;
  readonly whRu: tf.Variable;
  readonly bRu: tf.Variable;
  readonly whC: tf.Variable;
  readonly bC: tf.Variable;

  constructor(store: ParamStore, scope: string, readonly inDim: number, readonly hidden: number, inputScale: number, recScale: number, l2: L2Group) {
    const H = hidden;
    const xs = inDim > 0 ? inputScale / Math.sqrt(inDim) : 0;
    const hs = recScale / Math.sqrt(H);
    this.wxRu = inDim > 0 ? store.add(`${scope}/GenGRU/Gates/x_2_ru/W`, [inDim, 2 * H], store.normal([inDim, 2 * H], xs)) : undefined;
    this.whRu = store.add(`${scope}/GenGRU/Gates/h_2_ru/W`, [H, 2 * H], store.normal([H, 2 * H], hs), { l2 });
    this.bRu = store.add(`${scope}/GenGRU/Gates/h_2_ru/b`, [1, 2 * H], new Float32Array(2 * H), { l2 });
    this.wxC = inDim > 0 ? store.add(`${scope}/GenGRU/Candidate/x_2_c/W`, [inDim, H], store.normal([inDim, H], xs)) : undefined;
    this.whC = store.add(`${scope}/GenGRU/Candidate/rh_2_c/W`, [H, H], store.normal([H, H], hs), { l2 });
    this.bC = store.add(`${scope}/GenGRU/Candidate/rh_2_c/b`, [1, H], new Float32Array(H), { l2 });
  }

  /** [Wx_ru | Wx_c] : [d, 3H] (only when d > 0). */
  inputWeights(): tf.Tensor2D {
    return tf.concat([this.wxRu!, this.wxC!], 1) as tf.Tensor2D;
  }

  /** [b_ru | b_c] : [1, 3H]. */
  bias(): tf.Tensor2D {
    return tf.concat([this.bRu, this.bC], 1) as tf.Tensor2D;
  }

  /** x [B,T,d] (or null when d = 0) → xProj [B,T,3H]. */
  project(x: tf.Tensor3D | null, B: number, T: number): tf.Tensor3D {
    const H3 = 3 * this.hidden;
    // zeros + broadcast add: wasm's Tile (behind broadcastTo) takes seconds for [150,500,192] (measured).
    if (x === null || this.inDim === 0) return tf.add(tf.zeros([B, T, H3]), tf.reshape(this.bias(), [1, 1, H3])) as tf.Tensor3D;
    return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, this.inDim]), this.inputWeights()), this.bias()), [B, T, H3]);
  }

  recurrent(): RecurrentWeights {
    return { whRu: this.whRu as tf.Tensor2D, whC: this.whC as tf.Tensor2D };
  }
}
