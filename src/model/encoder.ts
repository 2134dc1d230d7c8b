/**
 * Bidirectional GRU encoder (TF scopes `<kind>_enc_fwd` / `<kind>_enc_rev`, kind = ic or ci), each
 * direction with its own cell and a learned initial state `<kind>_enc_t0_<dir>` [1,H] (zeros, tiled
 * over the batch). Both directions run as one `gruRecurrence` each.
 */
import * as tf from "@tensorflow/tfjs";
import { EncoderGru } from "./gru-cell.js";
import { gruRecurrence } from "./gru-recurrence.js";
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

  /** e [B,T',d] → states of each direction. */
  encode(e: tf.Tensor3D): EncoderStates {
    const B = e.shape[0];
    const run = (i: number, reverse: boolean): tf.Tensor3D => {
      const { cell, t0 } = this.cells[i]!;
      const { whRu, whC } = cell.recurrent();
      return gruRecurrence(cell.project(e), tf.tile(t0, [B, 1]) as tf.Tensor2D, whRu, whC, { clip: this.clip, reverse });
    };
    return { fwd: run(0, false), rev: this.cells.length > 1 ? run(1, true) : undefined };
  }
}
