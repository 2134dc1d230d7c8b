/**
 * Bidirectional GRU encoder (TF scopes `<kind>_enc_fwd` / `<kind>_enc_rev`, kind = ic or ci), each
 * direction with its own cell and a learned initial state `<kind>_enc_t0_<dir>` [1,H] (zeros, tiled
 * over the batch). Both directions run as one `gruRecurrence` each.
 */
import * as tf from "@tensorflow/tfjs";
import { EncoderGru } from "./gru-cell.js";
import { gruFinalStateInput, gruRecurrenceInput } from "./ops/gru-recurrence.js";
import type { ParamStore } from "./params.js";

export interface EncoderStates {
  /** Forward states [B,T',H]: state t has read e_0 … e_t. */
  fwd: tf.Tensor3D;
  /** Reverse states [B,T',H]: state t has read e_{T'−1} … e_t (absent for a causal CI encoder). */
  rev: tf.Tensor3D | undefined;
}

export class BidirectionalEncoder {
  private readonly cells: { cell: EncoderGru; t0: tf.Variable }[] = [];

  constructor(store: ParamStore, kind: "ic" | "ci", readonly inDim: number, readonly hidden: number, cellWeightScale: number, readonly clip: number, withReverse: boolean) {
    for (const dir of withReverse ? ["fwd", "rev"] : ["fwd"]) {
      const scope = `LFADS/${kind}_enc_${dir}`;
      const t0 = store.add(`${scope}/${kind}_enc_t0_${dir}`, [1, hidden], new Float32Array(hidden));
      this.cells.push({ cell: new EncoderGru(store, scope, inDim, hidden, cellWeightScale), t0 });
    }
  }

  /**
   * e [B,T',d] → states of each direction. `inputGrad` (default true): whether e needs a gradient;
   * false when e is data (identity or frozen read-in), which spares the dx product.
   */
  encode(e: tf.Tensor3D, opts: { inputGrad?: boolean } = {}): EncoderStates {
    const run = (i: number, reverse: boolean): tf.Tensor3D => gruRecurrenceInput(...this.operands(i, e), { clip: this.clip, reverse, inputGrad: opts.inputGrad ?? true });
    return { fwd: run(0, false), rev: this.cells.length > 1 ? run(1, true) : undefined };
  }

  /**
   * The final state of each direction, [B,H]: the forward one after e_{T'−1}, the reverse one after
   * e_0 (what the IC encoder reads). Same options as `encode`.
   */
  encodeFinal(e: tf.Tensor3D, opts: { inputGrad?: boolean } = {}): { fwd: tf.Tensor2D; rev: tf.Tensor2D | undefined } {
    const run = (i: number, reverse: boolean): tf.Tensor2D => gruFinalStateInput(...this.operands(i, e), { clip: this.clip, reverse, inputGrad: opts.inputGrad ?? true });
    return { fwd: run(0, false), rev: this.cells.length > 1 ? run(1, true) : undefined };
  }

  /** The recurrence operands of direction i: x, Wx, biases, h0, Wh_ru, Wh_c, steps. */
  private operands(i: number, e: tf.Tensor3D): [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, number] {
    const [B, T] = e.shape;
    const { cell, t0 } = this.cells[i]!;
    const { whRu, whC } = cell.recurrent();
    // The x rows of both gate matrices and the biases: the projection runs inside the recurrence op.
    const d = this.inDim;
    const H = this.hidden;
    const wx = tf.concat([tf.slice(cell.wRu, [0, 0], [d, 2 * H]), tf.slice(cell.wC, [0, 0], [d, H])], 1) as tf.Tensor2D;
    const b = tf.concat([cell.bRu, cell.bC], 1) as tf.Tensor2D;
    // t0 broadcast over the batch by an add, not tf.tile: Tile's gradient is one Slice and one Add per row.
    const h0 = tf.add(tf.zeros([B, H]), t0) as tf.Tensor2D;
    return [e, wx, b, h0, whRu, whC, T];
  }
}
