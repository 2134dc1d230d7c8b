/**
 * `poissonReadoutOp`: the tail of the model — factors f = dropout(states)·Wfac (optional), log-rates
 * logr = f·Wr + br and the per-trial Σ_{t,n} x·logr − exp(logr) — as one differentiable op, run by a
 * fused implementation on plain typed arrays (the WebAssembly-SIMD kernels of src/kernels/readout.ts,
 * plugged in with `setPoissonReadoutImplementation`). Composite, the same is ~20 single-threaded tfjs
 * ops over [B·T, N] and [B·T, G] arrays per training step (measured ~75 ms at B=150, T=500); the
 * composite path (observation/poisson.ts, Linear) stays the reference and the path for other backends.
 *
 * The lgamma constant is not part of the op (subtract it outside, as observation/poisson.ts does). Wfac is
 * the effective (column-normalised) matrix: its normalisation stays a tfjs op on the small weight,
 * so autodiff carries the gradient through it.
 */
import * as tf from "@tensorflow/tfjs";
import { hostValues, isTapeOn, multiOutputOp, tensorsFilledBy } from "./host-tensors.js";
import { BackendImplementationSlot, type BackendBound } from "./implementation-slot.js";

export interface PoissonReadoutArrays {
  batch: number;
  time: number;
  neurons: number;
  factors: number;
  /** Observations [B,T,N]. */
  x: Float32Array;
  /** The factors stage: states [B,T,G] (G = gen), dropout mask [B,T,G] (absent: none), Wfac [G,F]. */
  gen?: number;
  states?: Float32Array;
  mask?: Float32Array;
  /** Instead of `mask`: draws it into the array it is given (the implementation's memory), once, in forward. */
  fillMask?: (out: Float32Array) => void;
  facW?: Float32Array;
  /** Without the stage: the factors [B,T,F]. */
  f?: Float32Array;
  wr: Float32Array;
  br: Float32Array;
  /** Per-element weights [B,T,N] of the sum's value, of its gradient and of the held-out sum (absent: none). */
  valueWeights?: Float32Array;
  gradWeights?: Float32Array;
  heldOutWeights?: Float32Array;
}

/**
 * A fused implementation on plain typed arrays. Inputs and targets may be views of tensor memory
 * (host-tensors.ts): read and write them during the call only. Backward gets the forward's inputs
 * again (it recomputes f and logr) and fills every target it is given. With `save` (a gradient tape
 * records) forward may return what it kept for backward (e.g. its copies of the largest inputs, and a
 * mask it drew with `fillMask`), which backward then gets, once; a dropped one is the implementation's
 * to free.
 */
export interface PoissonReadoutImpl extends BackendBound {
  forward(a: PoissonReadoutArrays, out: { logLik: Float32Array; heldOutLogLik?: Float32Array; factors?: Float32Array; logRates?: Float32Array }, save: boolean): object | undefined;
  backward(
    a: PoissonReadoutArrays,
    cot: { dLogLik: Float32Array; dFactors?: Float32Array; dLogRates?: Float32Array },
    out: { dStates?: Float32Array; dFacW?: Float32Array; dFactors?: Float32Array; dWr: Float32Array; dBr: Float32Array },
    saved: object | undefined,
  ): void;
}

/** The Poisson read-out's switch point (registry: implementations.ts). */
export const poissonReadoutSlot = new BackendImplementationSlot<PoissonReadoutImpl>("poissonReadout");

/** Route the Poisson read-out through `impl` (null: the composite tfjs ops). Returns the previous one. */
export function setPoissonReadoutImplementation(impl: PoissonReadoutImpl | null): PoissonReadoutImpl | null {
  return poissonReadoutSlot.set(impl);
}

/** The implementation the model would use now on the active backend (null: composite). */
export function activePoissonReadout(): PoissonReadoutImpl | null {
  return poissonReadoutSlot.active();
}

/** Where the factors come from: the generator states (the factors stage runs inside the op) or given. */
export type FactorsSource =
  | {
      states: tf.Tensor3D;
      /** [B,T,G] dropout multipliers; absent (and no `fillMask`): none. */
      mask?: Float32Array;
      /** Instead of `mask`: draws the multipliers in place, when the op's forward runs (once). */
      fillMask?: (out: Float32Array) => void;
      facW: tf.Tensor2D;
    }
  | { factors: tf.Tensor3D };

/**
 * Per-element weights [B,T,N] of the log-likelihood (coordinated dropout, sample validation; see
 * model/likelihood-weights.ts): `value` in the sum, `grad` in its gradient (absent: `value`), `heldOut`
 * in a second sum that carries no gradient.
 */
export interface ElementWeightArrays {
  value?: Float32Array;
  grad?: Float32Array;
  heldOut?: Float32Array;
}

export interface PoissonReadoutResult {
  /** Σ_{t,n} w·(x·logr − exp(logr)) per trial [B] (no lgamma term), w the value weights (1 without). */
  logLik: tf.Tensor1D;
  /** The held-out sum per trial [B], with `weights.heldOut` only; no gradient flows from it. */
  heldOutLogLik?: tf.Tensor1D;
  /** [B,T,F], with the factors stage and `want.factors`. */
  factors?: tf.Tensor3D;
  /** Raw log-rates [B,T,N], with `want.logRates`. */
  logRates?: tf.Tensor3D;
}

/**
 * Runs the read-out through `impl` as one op on the tape. `x` [B,T,N] is data (no gradient);
 * gradients flow to the states (or factors), Wfac, Wr [F,N] and br [1,N].
 */
export function poissonReadoutOp(
  impl: PoissonReadoutImpl,
  x: tf.Tensor3D,
  src: FactorsSource,
  wr: tf.Tensor2D,
  /** [1,N] or [N] */
  br: tf.Tensor,
  want: { factors?: boolean; logRates?: boolean } = {},
  weights: ElementWeightArrays = {},
): PoissonReadoutResult {
  const [B, T, N] = x.shape;
  const F = wr.shape[0];
  const stage = "states" in src;
  const G = stage ? src.states.shape[2] : 0;
  const mask = stage ? src.mask : undefined;
  const fillMask = stage ? src.fillMask : undefined;
  const wantF = stage && want.factors === true;
  const wantL = want.logRates === true;
  const wantH = weights.heldOut !== undefined;
  // The gradient weights default to the value weights (a weighted sum's own gradient).
  const gradWeights = weights.grad ?? weights.value;
  const w = {
    ...(weights.value ? { valueWeights: weights.value } : {}),
    ...(gradWeights ? { gradWeights } : {}),
    ...(weights.heldOut ? { heldOutWeights: weights.heldOut } : {}),
  };
  const inputs: tf.Tensor[] = stage ? [src.states, src.facW, wr, br] : [src.factors, wr, br];
  // Views of [...inputs, x]: take them inside the fill callbacks only (after every output is allocated).
  const arrays = (ts: readonly tf.Tensor[]): PoissonReadoutArrays => {
    const v = ts.map((t) => hostValues(t));
    const dims = { batch: B, time: T, neurons: N, factors: F, x: v[ts.length - 1]!, ...w };
    return stage
      ? { ...dims, gen: G, states: v[0]!, ...(mask ? { mask } : {}), ...(fillMask ? { fillMask } : {}), facW: v[1]!, wr: v[2]!, br: v[3]! }
      : { ...dims, f: v[0]!, wr: v[1]!, br: v[2]! };
  };
  // Output order: logLik, heldOutLogLik?, factors?, logRates?
  const iF = wantH ? 2 : 1;
  const iL = iF + (wantF ? 1 : 0);
  const shapes = [[B], ...(wantH ? [[B]] : []), ...(wantF ? [[B, T, F]] : []), ...(wantL ? [[B, T, N]] : [])];
  // Outside a gradient tape there is no backward: the implementation keeps nothing.
  const keep = isTapeOn();
  const outs = multiOutputOp(inputs, (ts, save) => {
    let kept: object | undefined;
    const outputs = tensorsFilledBy(shapes, (o) => {
      kept = impl.forward(arrays([...ts, x]), { logLik: o[0]!, ...(wantH ? { heldOutLogLik: o[1]! } : {}), ...(wantF ? { factors: o[iF]! } : {}), ...(wantL ? { logRates: o[iL]! } : {}) }, keep);
    });
    // Backward recomputes from the inputs and x, kept by the engine until backprop ends.
    save([...ts, x]);
    const backward = (dys: tf.Tensor[], saved: tf.Tensor[]): tf.Tensor[] =>
      tensorsFilledBy(
        ts.map((t) => t.shape),
        (g) => {
          const d = dys.map((t) => hostValues(t));
          // The held-out sum's cotangent (d[1] with wantH) is ignored: it is a score, not a loss.
          const cot = { dLogLik: d[0]!, ...(wantF ? { dFactors: d[iF]! } : {}), ...(wantL ? { dLogRates: d[iL]! } : {}) };
          const targets = stage ? { dStates: g[0]!, dFacW: g[1]!, dWr: g[2]!, dBr: g[3]! } : { dFactors: g[0]!, dWr: g[1]!, dBr: g[2]! };
          impl.backward(arrays(saved), cot, targets, kept);
          kept = undefined;
        },
      );
    return { outputs, backward };
  });
  const [logLik, ...rest] = outs as [tf.Tensor1D, ...tf.Tensor[]];
  const at = (i: number): tf.Tensor3D => rest[i - 1] as tf.Tensor3D;
  return {
    logLik,
    ...(wantH ? { heldOutLogLik: rest[0] as tf.Tensor1D } : {}),
    ...(wantF ? { factors: at(iF) } : {}),
    ...(wantL ? { logRates: at(iL) } : {}),
  };
}
