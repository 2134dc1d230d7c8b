/**
 * `coupledDecoderOp`: the whole controller + generator loop of the decoder as one differentiable
 * op, run by a fused implementation on plain typed arrays (the WebAssembly-SIMD kernels of
 * src/kernels/decoder.ts, plugged in with `setCoupledDecoderImplementation`). The composite loop in
 * decoder.ts stays the reference and the path for backends without the kernels.
 *
 * Math (decoder.c): per step, xc_t = ab_t·Wab + b + (f_{t−1}⊙mfb_t)·Wfb; k_t = GRU_con(xc_t, k_{t−1});
 * [m_t|l_t] = k_t·Wpost + b; u_t = m_t + exp(l_t/2)⊙ε_t (or m_t); s_t = GRU_gen(rest_t + u_t·Wgu, s_{t−1});
 * f_t = (s_t⊙mgen_t)·Wfac, with f_{−1} = s_{−1}·Wfac. Gradients come from the implementation's
 * hand-written backward pass, so autodiff records nothing per step.
 */
import * as tf from "@tensorflow/tfjs";
import { hostValues, isTapeOn, multiOutputOp, tensorsFilledBy } from "./host-tensors.js";
import { BackendImplementationSlot, type BackendBound } from "./implementation-slot.js";

/** Dropout multipliers written in place into the given array (drawn when the implementation asks). */
export type MaskFill = (out: Float32Array) => void;

export interface CoupledDims {
  batch: number;
  time: number;
  con: number;
  gen: number;
  co: number;
  factors: number;
  feedback: boolean;
  clip: number;
}

export interface CoupledArrays extends CoupledDims {
  abDim: number;
  /** The controller's encoder input from the CI encoder's states: [cf_{t−lag} | cb_{t+lag}] ⊙ mask. */
  abFrom: { cf: Float32Array; cb?: Float32Array; cfDim: number; cbDim: number; lag: number; fillMask?: MaskFill };
  abW: Float32Array;
  abB: Float32Array;
  rest: Float32Array;
  k0: Float32Array;
  s0: Float32Array;
  eps?: Float32Array;
  /** Drawn in this order: the ab mask, fbMask, genMask (as the composite loop draws them). */
  fbMask?: MaskFill;
  genMask?: MaskFill;
  conWhRU: Float32Array;
  conWhC: Float32Array;
  genWhRU: Float32Array;
  genWhC: Float32Array;
  fbW?: Float32Array;
  postW: Float32Array;
  postB: Float32Array;
  genWu: Float32Array;
  facW: Float32Array;
}

/** Where the implementation writes the outputs ([B,T,·] each; the controller states only when given). */
export interface CoupledOutputTargets {
  s: Float32Array;
  f: Float32Array;
  k?: Float32Array;
  mean: Float32Array;
  logvar: Float32Array;
  u: Float32Array;
}

/** Gradients of the loss w.r.t. the outputs (dK only when the controller states were an output). */
export interface CoupledCotangents {
  dS: Float32Array;
  dF: Float32Array;
  dK?: Float32Array;
  dMean: Float32Array;
  dLogvar: Float32Array;
  dU: Float32Array;
}

/** Where the implementation writes the gradients w.r.t. the inputs (dFbW only with feedback). */
export interface CoupledGradTargets {
  dCf: Float32Array;
  dCb?: Float32Array;
  dAbW: Float32Array;
  dAbB: Float32Array;
  dRest: Float32Array;
  dk0: Float32Array;
  ds0: Float32Array;
  dConWhRU: Float32Array;
  dConWhC: Float32Array;
  dGenWhRU: Float32Array;
  dGenWhC: Float32Array;
  dFbW?: Float32Array;
  dPostW: Float32Array;
  dPostB: Float32Array;
  dGenWu: Float32Array;
  dFacW: Float32Array;
}

/**
 * A fused implementation of the coupled loop on plain typed arrays. Inputs and targets may be views
 * of tensor memory (host-tensors.ts): read and write them during the call only.
 */
export interface CoupledDecoderImpl extends BackendBound {
  /** Fills `out`. With `save`, returns what `backward` needs (released by it); without, nothing is kept. */
  forward(a: CoupledArrays, save: boolean, out: CoupledOutputTargets): object | undefined;
  backward(saved: object, cot: CoupledCotangents, out: CoupledGradTargets): void;
}

/** The coupled decoder's switch point (registry: implementations.ts). */
export const coupledDecoderSlot = new BackendImplementationSlot<CoupledDecoderImpl>("coupledDecoder");

/** Route the decoder's coupled loop through `impl` (null: the composite tfjs loop). Returns the previous one. */
export function setCoupledDecoderImplementation(impl: CoupledDecoderImpl | null): CoupledDecoderImpl | null {
  return coupledDecoderSlot.set(impl);
}

/** The implementation the decoder would use now on the active backend (null: composite). */
export function activeCoupledDecoder(): CoupledDecoderImpl | null {
  return coupledDecoderSlot.active();
}

/** Differentiable inputs of the op, in order (cb only for a non-causal controller, fbW only with feedback). */
export interface CoupledTensors {
  /**
   * The CI encoder's states [B,T,H] (the controller reads [cf_{t−lag}, cb_{t+lag}], dropped out), the
   * weights of that input [A,3C] and the controller's biases [1,3C].
   */
  cf: tf.Tensor3D;
  cb?: tf.Tensor3D;
  abW: tf.Tensor2D;
  abB: tf.Tensor2D;
  /** [B,T,3G] or [1,3G] */
  rest: tf.Tensor;
  k0: tf.Tensor2D;
  s0: tf.Tensor2D;
  conWhRU: tf.Tensor2D;
  conWhC: tf.Tensor2D;
  genWhRU: tf.Tensor2D;
  genWhC: tf.Tensor2D;
  postW: tf.Tensor2D;
  postB: tf.Tensor2D;
  genWu: tf.Tensor2D;
  facW: tf.Tensor2D;
  fbW?: tf.Tensor2D;
}

/** Data (no gradient): noise [B,T,U], the controller-input lag and the dropout masks (absent: none). */
export interface CoupledData {
  eps?: Float32Array;
  lag: number;
  abMask?: MaskFill;
  fbMask?: MaskFill;
  genMask?: MaskFill;
}

export interface CoupledOutputs {
  /** Absent unless asked for. */
  conStates?: tf.Tensor3D;
  genStates: tf.Tensor3D;
  factors: tf.Tensor3D;
  coMean: tf.Tensor3D;
  coLogvar: tf.Tensor3D;
  co: tf.Tensor3D;
}

const ORDER = ["cf", "cb", "abW", "abB", "rest", "k0", "s0", "conWhRU", "conWhC", "genWhRU", "genWhC", "postW", "postB", "genWu", "facW", "fbW"] as const;
/** The gradient target of each input, in ORDER. */
const GRAD_OF = ["dCf", "dCb", "dAbW", "dAbB", "dRest", "dk0", "ds0", "dConWhRU", "dConWhC", "dGenWhRU", "dGenWhC", "dPostW", "dPostB", "dGenWu", "dFacW", "dFbW"] as const;

/**
 * Runs the coupled loop through `impl` as one op with an output per result (a multi-output kernel
 * on the tape): outputs are written straight into their tensors and gradients read straight from
 * theirs (host-tensors.ts), with no packing. Outside a gradient tape nothing is kept for backward.
 * The controller states only with `conStates` (training has no use for them).
 */
export function coupledDecoderOp(impl: CoupledDecoderImpl, x: CoupledTensors, data: CoupledData, dims: CoupledDims, conStates: boolean): CoupledOutputs {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F } = dims;
  const keys = ORDER.filter((k) => (k !== "fbW" || dims.feedback) && (k !== "cb" || x.cb));
  const inputs = keys.map((k) => x[k]!);
  const cfDim = x.cf.shape[2];
  const cbDim = x.cb ? x.cb.shape[2] : 0;
  const arrays = (ts: readonly tf.Tensor[]): CoupledArrays => {
    const v: Partial<Record<(typeof ORDER)[number], Float32Array>> = {};
    keys.forEach((k, i) => (v[k] = hostValues(ts[i]!)));
    const { cf, cb, ...rest } = v;
    const masks = { ...(data.fbMask ? { fbMask: data.fbMask } : {}), ...(data.genMask ? { genMask: data.genMask } : {}) };
    const abFrom = { cf: cf!, ...(cb ? { cb } : {}), cfDim, cbDim, lag: data.lag, ...(data.abMask ? { fillMask: data.abMask } : {}) };
    return { ...dims, ...(data.eps ? { eps: data.eps } : {}), ...masks, abDim: cfDim + cbDim, abFrom, ...(rest as Omit<CoupledArrays, keyof CoupledDims | "abDim" | "abFrom">) };
  };
  // Output order: s, f, [k], mean, logvar, u.
  const shapes = [[B, T, G], [B, T, F], ...(conStates ? [[B, T, C]] : []), [B, T, U], [B, T, U], [B, T, U]];
  const save = isTapeOn();
  const outs = multiOutputOp(inputs, (ts) => {
    let saved: object | undefined;
    const outputs = tensorsFilledBy(shapes, (o) => {
      const [s, f, ...rest] = o as [Float32Array, Float32Array, ...Float32Array[]];
      const [k, mean, logvar, u] = conStates ? rest : [undefined, ...rest];
      saved = impl.forward(arrays(ts), save, { s, f, ...(k ? { k } : {}), mean: mean!, logvar: logvar!, u: u! });
    });
    const backward = (dys: tf.Tensor[]): tf.Tensor[] =>
      tensorsFilledBy(
        ts.map((t) => t.shape),
        (g) => {
          const [dS, dF, ...rest] = dys.map(hostValues) as [Float32Array, Float32Array, ...Float32Array[]];
          const [dK, dMean, dLogvar, dU] = conStates ? rest : [undefined, ...rest];
          const targets: Partial<Record<(typeof GRAD_OF)[number], Float32Array>> = {};
          keys.forEach((k, i) => (targets[GRAD_OF[ORDER.indexOf(k)]!] = g[i]!));
          impl.backward(saved!, { dS, dF, ...(dK ? { dK } : {}), dMean: dMean!, dLogvar: dLogvar!, dU: dU! }, targets as CoupledGradTargets);
        },
      );
    return { outputs, backward };
  }) as tf.Tensor3D[];
  const [genStates, factors, ...rest] = outs as [tf.Tensor3D, tf.Tensor3D, ...tf.Tensor3D[]];
  const [k, coMean, coLogvar, co] = conStates ? rest : [undefined, ...rest];
  return { genStates, factors, ...(k ? { conStates: k } : {}), coMean: coMean!, coLogvar: coLogvar!, co: co! };
}
