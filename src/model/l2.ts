/**
 * TF LFADS L2 cost on the recurrent weights and biases of the generator (l2_gen_reg) and controller
 * (l2_con_reg): Σ 0.5·scale·‖v‖² over both collections, divided by the total number of values in both
 * collections (the controller's count even when its scale is 0). 0 when both scales are 0.
 */
import * as tf from "@tensorflow/tfjs";
import type { ParamStore } from "./params.js";

export function l2Cost(store: ParamStore, genScale: number, conScale: number): tf.Scalar {
  if (!(genScale > 0 || conScale > 0)) return tf.scalar(0);
  const vars = store.list().filter((p) => p.l2 !== undefined);
  if (vars.length === 0) return tf.scalar(0);
  const numel = vars.reduce((a, p) => a + p.variable.size, 0);
  const terms = vars.map((p) => tf.mul(0.5 * (p.l2 === "gen" ? genScale : conScale), tf.sum(tf.square(p.variable))));
  return tf.div(tf.addN(terms), numel) as tf.Scalar;
}
