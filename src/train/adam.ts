/**
 * Adam with TF1 semantics (tf.train.AdamOptimizer, as TF LFADS uses it): no bias correction of the
 * moments, the correction folded into the step size instead, and ε outside it:
 *
 *     t ← t + 1;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *     θ ← θ − lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε)          β1 = 0.9, β2 = 0.999, ε = 0.1
 *
 * tfjs's AdamOptimizer puts ε inside the bias correction, which differs early in training (ε = 0.1
 * is large), hence this small custom optimiser. Slots are tfjs variables named after their parameter.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeError } from "../core/errors.js";
import type { WeightMap } from "../model/params.js";

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 0.1;

export interface AdamState {
  /** Number of updates applied. */
  t: number;
  m: WeightMap;
  v: WeightMap;
}

export class AdamTf1 {
  /** Number of updates applied so far. */
  t = 0;
  private readonly slots = new Map<string, { param: tf.Variable; m: tf.Variable; v: tf.Variable }>();

  constructor(params: ReadonlyMap<string, tf.Variable>, readonly beta1 = ADAM_BETA1, readonly beta2 = ADAM_BETA2, readonly epsilon = ADAM_EPSILON) {
    const zeroSlot = (p: tf.Variable): tf.Variable => {
      const z = tf.zerosLike(p);
      const v = tf.variable(z, false);
      z.dispose(); // the variable keeps its own reference to the data
      return v;
    };
    for (const [name, param] of params) this.slots.set(name, { param, m: zeroSlot(param), v: zeroSlot(param) });
  }

  /** The step size lr·√(1−β2^t)/(1−β1^t) of the next update (t counted from 1). */
  stepSize(lr: number): number {
    const t = this.t + 1;
    return (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
  }

  /**
   * Apply one update. `grads` maps parameter names to gradients; `scale` multiplies every gradient
   * (global-norm clipping). A parameter missing from `grads` has a zero gradient and still moves by its
   * momentum: in a stitched model each batch comes from one dataset, and TF's `tf.case` gives the
   * read-ins and read-outs of the other datasets zero gradients, which Adam applies like any other.
   */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number, scale = 1): void {
    for (const name of grads.keys()) if (!this.slots.has(name)) throw new ShapeError(`AdamTf1.apply: gradient for '${name}', which is not a parameter of this optimiser`);
    const lrT = this.stepSize(lr);
    tf.tidy(() => {
      for (const [name, s] of this.slots) {
        const g0 = grads.get(name) ?? tf.zerosLike(s.param);
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = tf.add(tf.mul(s.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(s.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        s.m.assign(m);
        s.v.assign(v);
        s.param.assign(tf.sub(s.param, tf.mul(lrT, tf.div(m, tf.add(tf.sqrt(v), this.epsilon)))));
      }
    });
    this.t += 1;
  }

  state(): AdamState {
    const m: WeightMap = new Map();
    const v: WeightMap = new Map();
    for (const [name, s] of this.slots) {
      m.set(name, { shape: [...s.m.shape], data: s.m.dataSync() as Float32Array });
      v.set(name, { shape: [...s.v.shape], data: s.v.dataSync() as Float32Array });
    }
    return { t: this.t, m, v };
  }

  restore(state: AdamState): void {
    for (const [name, s] of this.slots) {
      for (const [slot, map] of [[s.m, state.m], [s.v, state.v]] as const) {
        const w = map.get(name);
        if (!w || w.data.length !== slot.size) throw new ShapeError(`Adam state for '${name}' is missing or has the wrong size`);
        tf.tidy(() => slot.assign(tf.tensor(w.data, slot.shape, "float32")));
      }
    }
    this.t = state.t;
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}

/** TF clip_by_global_norm factor: clipNorm / max(‖g‖, clipNorm). */
export function globalNormScale(norm: number, clipNorm: number): number {
  return clipNorm / Math.max(norm, clipNorm);
}
