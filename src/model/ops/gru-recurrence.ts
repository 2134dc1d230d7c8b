/**
 * `gruRecurrence`: one op for a whole GRU time loop, with the TF LFADS cell math
 *
 *     r  = σ(x_r + h·Wh_r)             u = σ(x_u + h·Wh_u + 1)      (forget bias 1.0, added inside the op)
 *     c  = tanh(x_c + (r⊙h)·Wh_c)
 *     h' = clip(u⊙h + (1−u)⊙c, ±clip)
 *
 * where `xProj` [B,T,3H] = [x_r | x_u | x_c] is the input projection of every step, *all biases
 * included*, computed by the caller as one batched matmul outside the loop. This covers the encoder
 * `GRU` (its [x,h] weights split into the x rows, folded into xProj, and the h rows Wh_ru, Wh_c) and
 * `GenGRU` (recurrent biases folded into xProj). Column order of Wh_ru and of xProj: r first, then u.
 *
 * Gradients come from a hand-written backward pass through time (`tf.customGrad`), so autodiff never
 * records the T·~14 per-step ops.
 *
 * ## Switch point for fused kernels
 * The composite (tfjs ops) implementation below is the reference and runs on every backend. A fused
 * implementation on plain Float32Arrays (e.g. the WebAssembly-SIMD kernels of src/kernels) plugs in with
 * `setGruImplementation(impl)`: every later `gruRecurrence` call on a backend for which
 * `impl.supportsBackend(name)` is true reads its inputs with `dataSync`, calls `impl.forward`, keeps the
 * returned `saved` array for the backward pass, and on backprop calls `impl.backward`. All arrays are
 * row-major float32 in the shapes documented on `GruRecurrenceImpl`. `setGruImplementation(null)`
 * restores the composite path. `jsGruImplementation` (gru-js.ts) is a plain-JS implementation of the
 * same contract, used to test the plumbing and as a reference for kernel authors.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeError } from "../../core/errors.js";
import { hostValues, isTapeOn, tensorsFilledBy } from "./host-tensors.js";
import { BackendImplementationSlot, type BackendBound } from "./implementation-slot.js";

export interface GruDims {
  /** B */
  batch: number;
  /** T */
  steps: number;
  /** H */
  hidden: number;
  /** States are clipped to [−clip, clip] after every step. */
  clip: number;
  /** Process t = T−1 … 0 (state t is then the state after reading x_{T−1} … x_t). */
  reverse: boolean;
  /** States (and their gradient) are the final step's only, [B,H]: see `finalStates`. */
  finalOnly?: boolean;
}

export interface GruForwardOutput {
  /** h_t for every t, [B,T,H], in input time order whatever the direction. */
  states: Float32Array;
  /** Anything the backward pass needs besides inputs and states (suggested: gates r,u,c as [B,T,3H]). */
  saved: Float32Array;
}

export interface GruBackwardInput {
  xProj: Float32Array; // [B,T,3H]
  h0: Float32Array; // [B,H]
  whRu: Float32Array; // [H,2H]
  whC: Float32Array; // [H,H]
  states: Float32Array; // [B,T,H] as returned by forward
  saved: Float32Array; // as returned by forward
  dStates: Float32Array; // [B,T,H] gradient of the loss w.r.t. every state
}

export interface GruGradients {
  dXProj: Float32Array; // [B,T,3H]
  dh0: Float32Array; // [B,H]
  dWhRu: Float32Array; // [H,2H]
  dWhC: Float32Array; // [H,H]
}

/** Dimensions of a recurrence with its input projection (`gruRecurrenceInput`). */
export interface GruInputDims extends GruDims {
  /** D, the input width (0: the projection is the bias alone). */
  inDim: number;
}

export interface GruInputBackwardInput {
  x: Float32Array; // [B,T,D] (empty when D = 0)
  wx: Float32Array; // [D,3H]
  h0: Float32Array;
  whRu: Float32Array;
  whC: Float32Array;
  states: Float32Array;
  saved: Float32Array;
  dStates: Float32Array;
  /** Also return dx. */
  inputGrad: boolean;
}

export interface GruInputGradients {
  dx: Float32Array | undefined; // [B,T,D] when inputGrad and D > 0
  dWx: Float32Array; // [D,3H]
  dBias: Float32Array; // [3H]
  dh0: Float32Array;
  dWhRu: Float32Array;
  dWhC: Float32Array;
}

/** Arrays an implementation may write its results into instead of fresh ones (each optional). */
export type GruTargets<T> = { [K in keyof T]?: Float32Array };

/**
 * A fused implementation of the recurrence on plain typed arrays. Input arrays may be views of
 * tensor memory, valid only during the call (host-tensors.ts); `out` arrays, where given, must be
 * filled and returned.
 */
export interface GruRecurrenceImpl extends BackendBound {
  /**
   * True if backward needs only `saved` and `dStates` (the implementation keeps the rest): the
   * caller then keeps no copies of the inputs and passes empty arrays for them.
   */
  readonly keepsInputs?: boolean;
  /** True if `forwardInput`/`backwardInput` honour `dims.finalOnly` (`gruFinalStateInput`). */
  readonly finalStates?: boolean;
  forward(xProj: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruDims, out?: { states?: Float32Array }): GruForwardOutput;
  backward(input: GruBackwardInput, dims: GruDims, out?: GruTargets<GruGradients>): GruGradients;
  /**
   * Optional: the recurrence with its input projection xProj = x·Wx + bias computed inside (so that
   * xProj and dXProj never cross into tfjs), for `gruRecurrenceInput`. Without these, that function
   * projects with tfjs ops and calls `forward`/`backward`.
   */
  forwardInput?(x: Float32Array, wx: Float32Array, bias: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruInputDims, out?: { states?: Float32Array }): GruForwardOutput;
  backwardInput?(input: GruInputBackwardInput, dims: GruInputDims, out?: GruTargets<GruInputGradients>): GruInputGradients;
  /** Optional: states only, nothing kept (called where no gradient tape is recording). */
  forwardInputOnly?(x: Float32Array, wx: Float32Array, bias: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruInputDims, out?: { states?: Float32Array }): Float32Array;
}

/** The GRU's switch point (registry: implementations.ts). */
export const gruSlot = new BackendImplementationSlot<GruRecurrenceImpl>("gru");

/** Route later `gruRecurrence` calls through `impl` (null = composite tfjs ops). Returns the previous one. */
export function setGruImplementation(impl: GruRecurrenceImpl | null): GruRecurrenceImpl | null {
  return gruSlot.set(impl);
}

/** Name of the implementation `gruRecurrence` would use now on the active backend. */
export function activeGruImplementation(): string {
  return gruSlot.activeName();
}

export interface GruRecurrenceOptions {
  clip: number;
  reverse?: boolean;
}

/**
 * Run the recurrence. xProj [B,T,3H], h0 [B,H], whRu [H,2H], whC [H,H] → states [B,T,H].
 * Differentiable w.r.t. all four inputs.
 */
export function gruRecurrence(xProj: tf.Tensor3D, h0: tf.Tensor2D, whRu: tf.Tensor2D, whC: tf.Tensor2D, opts: GruRecurrenceOptions): tf.Tensor3D {
  const dims = checkShapes(xProj.shape, h0, whRu, whC, opts);
  const impl = gruSlot.active();
  const op = tf.customGrad(((x: tf.Tensor, h: tf.Tensor, wru: tf.Tensor, wc: tf.Tensor, save: tf.GradSaveFunc) =>
    impl ? fusedForward(impl, x, h, wru, wc, dims) : compositeOp(x, h, wru, wc, dims, save)) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(xProj, h0, whRu, whC) as tf.Tensor3D;
}

export interface GruRecurrenceInputOptions extends GruRecurrenceOptions {
  /**
   * Whether x needs a gradient (default true). False when x is data (an identity or frozen
   * read-in): x is then a constant of the op and dx is never computed.
   */
  inputGrad?: boolean;
}

/**
 * The recurrence with its input projection: xProj = x·Wx + bias (x [B,T,D], Wx [D,3H], bias [1,3H]
 * with all biases but the +1 forget bias), then `gruRecurrence`. x and Wx may be null (D = 0: the
 * projection is the bias alone, `batch` rows). Differentiable w.r.t. Wx, bias, h0, whRu, whC and,
 * if `inputGrad`, x. A fused implementation with `forwardInput` runs all of it in one call; without
 * a gradient tape recording, its `forwardInputOnly` keeps nothing for backward.
 */
export function gruRecurrenceInput(...args: RecurrenceInputArgs): tf.Tensor3D {
  return recurrenceInput(args, false) as tf.Tensor3D;
}

/**
 * `gruRecurrenceInput` for a caller that reads only the final state (an encoder's last step: t = T−1,
 * or t = 0 when reverse) → [B,H]. An implementation with `finalStates` then keeps the other states
 * in its own memory (for backward) instead of handing over [B,T,H] and taking back a gradient that
 * is zero but for one step.
 */
export function gruFinalStateInput(...args: RecurrenceInputArgs): tf.Tensor2D {
  return recurrenceInput(args, true) as tf.Tensor2D;
}

/** The operands of `gruRecurrenceInput` / `gruFinalStateInput`. */
type RecurrenceInputArgs = [
  x: tf.Tensor3D | null,
  wx: tf.Tensor2D | null,
  bias: tf.Tensor2D,
  h0: tf.Tensor2D,
  whRu: tf.Tensor2D,
  whC: tf.Tensor2D,
  steps: number,
  opts: GruRecurrenceInputOptions,
];

function recurrenceInput(args: RecurrenceInputArgs, finalOnly: boolean): tf.Tensor {
  const [x, wx, bias, h0, whRu, whC, steps, opts] = args;
  const B = h0.shape[0];
  const H = whC.shape[0];
  const D = x && wx ? wx.shape[0] : 0;
  if (x && (x.rank !== 3 || x.shape[0] !== B || x.shape[1] !== steps || x.shape[2] !== D)) {
    throw new ShapeError(`gruRecurrenceInput: x has shape [${x.shape.join(", ")}], expected [${B}, ${steps}, ${D}]`);
  }
  if (wx && (wx.rank !== 2 || wx.shape[1] !== 3 * H)) throw new ShapeError(`gruRecurrenceInput: Wx has shape [${wx.shape.join(", ")}], expected [D, ${3 * H}]`);
  if (bias.size !== 3 * H) throw new ShapeError(`gruRecurrenceInput: bias has shape [${bias.shape.join(", ")}], expected [1, ${3 * H}]`);
  const active = gruSlot.active();
  const impl = active?.forwardInput && active.backwardInput ? active : null;
  if (!impl || (finalOnly && !impl.finalStates)) {
    const all = impl ? recurrenceInput(args, false) : compositeInput(...args);
    return finalOnly ? tf.reshape(tf.slice(all, [0, opts.reverse ? 0 : steps - 1, 0], [B, 1, H]), [B, H]) : all;
  }
  const dims: GruInputDims = { ...checkShapes([B, steps, 3 * H], h0, whRu, whC, opts), inDim: D, ...(finalOnly ? { finalOnly } : {}) };
  const statesShape = finalOnly ? [B, H] : [B, steps, H];
  if (!isTapeOn() && impl.forwardInputOnly) {
    const view = (t: tf.Tensor | null): Float32Array => (t ? hostValues(t) : EMPTY);
    return tensorsFilledBy([statesShape], ([states]) => {
      copyUnlessSame(impl.forwardInputOnly!(view(D > 0 ? x : null), view(D > 0 ? wx : null), view(bias), view(h0), view(whRu), view(whC), dims, { states: states! }), states!);
    })[0]!;
  }
  const withX = D > 0 && (opts.inputGrad ?? true);
  const inputs: tf.Tensor[] = [tf.reshape(bias, [1, 3 * H]), h0, whRu, whC, ...(D > 0 ? [wx!] : []), ...(withX ? [x!] : [])];
  const read = reader(impl);
  const op = tf.customGrad(((...args: tf.Tensor[]) => {
    const [b, h, wru, wc, w] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    let out: GruForwardOutput;
    let kept: Omit<GruInputBackwardInput, "saved" | "dStates" | "inputGrad"> | undefined;
    const value = tensorsFilledBy([statesShape], ([states]) => {
      const a = { x: read(D > 0 ? x : null), wx: read(D > 0 ? w : null), h0: read(h), whRu: read(wru), whC: read(wc) };
      out = impl.forwardInput!(a.x, a.wx, read(b), a.h0, a.whRu, a.whC, dims, { states: states! });
      if (out.states.length !== states!.length) throw new ShapeError(`${impl.name}.forwardInput returned ${out.states.length} state values, expected ${states!.length} ([${statesShape.join(", ")}])`);
      copyUnlessSame(out.states, states!);
      kept = keepForBackward(impl, a, out.states, states!);
    })[0]!;
    const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
      const shapes = [[1, 3 * H], [B, H], [H, 2 * H], [H, H], ...(D > 0 ? [[D, 3 * H]] : []), ...(withX ? [[B, steps, D]] : [])];
      return tensorsFilledBy(shapes, (o) => {
        const [dBias, dh0, dWhRu, dWhC, ...rest] = o as [Float32Array, Float32Array, Float32Array, Float32Array, ...Float32Array[]];
        const dWx = D > 0 ? rest[0] : undefined;
        const dx = withX ? rest[1] : undefined;
        const g = impl.backwardInput!({ ...kept!, saved: out.saved, dStates: hostValues(dy), inputGrad: withX }, dims, { dBias, dh0, dWhRu, dWhC, ...(dWx ? { dWx } : {}), ...(dx ? { dx } : {}) });
        copyUnlessSame(g.dBias, dBias);
        copyUnlessSame(g.dh0, dh0);
        copyUnlessSame(g.dWhRu, dWhRu);
        copyUnlessSame(g.dWhC, dWhC);
        if (dWx) copyUnlessSame(g.dWx, dWx);
        if (dx) copyUnlessSame(g.dx!, dx);
      });
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...inputs);
}

/** The composite path: the projection by tfjs ops, then `gruRecurrence`. */
function compositeInput(...[x, wx, bias, h0, whRu, whC, steps, opts]: RecurrenceInputArgs): tf.Tensor3D {
  const B = h0.shape[0];
  const H = whC.shape[0];
  const D = x && wx ? wx.shape[0] : 0;
  const b2 = tf.reshape(bias, [1, 3 * H]);
  const xProj = D > 0 ? tf.reshape(tf.add(tf.matMul(tf.reshape(x!, [B * steps, D]), wx!), b2), [B, steps, 3 * H]) : (tf.add(tf.zeros([B, steps, 3 * H]), tf.reshape(b2, [1, 1, 3 * H])) as tf.Tensor3D);
  return gruRecurrence(xProj as tf.Tensor3D, h0, whRu, whC, opts);
}

const EMPTY = new Float32Array(0);

/**
 * How the fused path reads an input tensor: a view (host-tensors.ts) for an implementation that
 * keeps what backward needs itself; otherwise `dataSync`, whose array the closure may keep.
 */
function reader(impl: GruRecurrenceImpl): (t: tf.Tensor | null | undefined) => Float32Array {
  if (impl.keepsInputs) return (t) => (t ? hostValues(t) : EMPTY);
  return (t) => (t ? (t.dataSync() as Float32Array) : EMPTY);
}

/** The forward inputs and states that backward gets back: none for an implementation that keeps its own. */
function keepForBackward<A extends Record<string, Float32Array>>(impl: GruRecurrenceImpl, inputs: A, states: Float32Array, statesView: Float32Array): A & { states: Float32Array } {
  if (impl.keepsInputs) return { ...(Object.fromEntries(Object.keys(inputs).map((k) => [k, EMPTY])) as A), states: EMPTY };
  return { ...inputs, states: states === statesView ? statesView.slice() : states };
}

/** An implementation may ignore `out` and return its own array: copy it into the target then. */
function copyUnlessSame(got: Float32Array, target: Float32Array): void {
  if (got !== target) target.set(got);
}

function checkShapes(xShape: readonly number[], h0: tf.Tensor2D, whRu: tf.Tensor2D, whC: tf.Tensor2D, opts: GruRecurrenceOptions): GruDims {
  const [B = 0, T = 0, H3 = 0] = xShape;
  const H = whC.shape[0];
  const bad = (what: string, got: number[], want: number[]): never => {
    throw new ShapeError(`gruRecurrence: ${what} has shape [${got.join(", ")}], expected [${want.join(", ")}]`);
  };
  if (xShape.length !== 3) bad("xProj", [...xShape], [B, T, 3 * H]);
  if (whC.rank !== 2 || whC.shape[1] !== H) bad("Wh_c", whC.shape, [H, H]);
  if (H3 !== 3 * H) bad("xProj", [...xShape], [B, T, 3 * H]);
  if (h0.rank !== 2 || h0.shape[0] !== B || h0.shape[1] !== H) bad("h0", h0.shape, [B, H]);
  if (whRu.rank !== 2 || whRu.shape[0] !== H || whRu.shape[1] !== 2 * H) bad("Wh_ru", whRu.shape, [H, 2 * H]);
  if (!(opts.clip > 0)) throw new ShapeError(`gruRecurrence: clip must be > 0, got ${opts.clip}`);
  return { batch: B, steps: T, hidden: H, clip: opts.clip, reverse: opts.reverse ?? false };
}

/** Processing order of the time indices. */
function order(dims: GruDims): number[] {
  const idx = Array.from({ length: dims.steps }, (_, i) => i);
  return dims.reverse ? idx.reverse() : idx;
}

/**
 * One GRU step with tfjs ops (differentiable by autodiff; the coupled controller loop uses it).
 * `xru` must already hold the +1 forget bias on its u half (see `forgetBias3`), so no per-step add.
 */
export function gruStep(xru: tf.Tensor2D, xc: tf.Tensor2D, h: tf.Tensor2D, whRu: tf.Tensor2D, whC: tf.Tensor2D, clip: number): { h: tf.Tensor2D; ru: tf.Tensor2D; c: tf.Tensor2D } {
  const H = h.shape[1];
  const ru = tf.sigmoid(tf.add(xru, tf.matMul(h, whRu))) as tf.Tensor2D;
  const [r, u] = tf.split(ru, [H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
  const c = tf.tanh(tf.add(xc, tf.matMul(tf.mul(r, h), whC))) as tf.Tensor2D;
  const hn = tf.clipByValue(tf.add(c, tf.mul(u, tf.sub(h, c))), -clip, clip) as tf.Tensor2D;
  return { h: hn, ru, c };
}

/** [0…0 | 1…1 | 0…0] over the 3H columns of xProj: the constant +1 on the update gate. */
export function forgetBias3(H: number): tf.Tensor1D {
  const v = new Float32Array(3 * H);
  v.fill(1, H, 2 * H);
  return tf.tensor1d(v);
}

function compositeOp(x: tf.Tensor, h0: tf.Tensor, wru: tf.Tensor, wc: tf.Tensor, dims: GruDims, save: tf.GradSaveFunc): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] } {
  const { batch: B, steps: T, hidden: H, clip } = dims;
  // Time-major, so that each step is one contiguous slice; the forget bias is added once for all steps.
  const xT = tf.transpose(tf.add(x, forgetBias3(H)), [1, 0, 2]);
  const [xruT, xcT] = tf.split(xT, [2 * H, H], 2);
  const xru = tf.unstack(xruT) as tf.Tensor2D[];
  const xc = tf.unstack(xcT) as tf.Tensor2D[];
  const states = new Array<tf.Tensor2D>(T);
  const ru = new Array<tf.Tensor2D>(T);
  const cs = new Array<tf.Tensor2D>(T);
  let h = h0 as tf.Tensor2D;
  for (const t of order(dims)) {
    const s = gruStep(xru[t]!, xc[t]!, h, wru as tf.Tensor2D, wc as tf.Tensor2D, clip);
    ru[t] = s.ru;
    cs[t] = s.c;
    states[t] = h = s.h;
  }
  const value = tf.stack(states, 1) as tf.Tensor3D; // [B,T,H]
  save([h0, wru, wc, value, tf.stack(ru, 0), tf.stack(cs, 0)]); // gates time-major [T,B,2H], [T,B,H]
  return { value, gradFunc: (dy, saved) => compositeBackward(dy, saved, dims, B) };
}

/** Hand-written backprop through time; see the header for the forward math. */
function compositeBackward(dy: tf.Tensor, saved: tf.Tensor[], dims: GruDims, B: number): tf.Tensor[] {
  const [h0, wru, wc, states, ruT, cT] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  const { steps: T, hidden: H, clip } = dims;
  return tf.tidy(() => {
    const sT = tf.transpose(states, [1, 0, 2]); // [T,B,H]
    const h0e = tf.expandDims(h0, 0);
    // h_prev[t]: the state the step that produced states[t] started from.
    const hPrev = T === 1 ? h0e : dims.reverse ? tf.concat([tf.slice(sT, [1, 0, 0], [T - 1, B, H]), h0e], 0) : tf.concat([h0e, tf.slice(sT, [0, 0, 0], [T - 1, B, H])], 0);
    const [r, u] = tf.split(ruT, [H, H], 2);
    const c = cT;
    const hpre = tf.add(c, tf.mul(u!, tf.sub(hPrev, c)));
    const pass = tf.cast(tf.lessEqual(tf.abs(hpre), clip), "float32"); // clip gradient (inclusive, as TF)
    const oneMinusU = tf.sub(1, u!);
    const kc = tf.mul(tf.mul(pass, oneMinusU), tf.sub(1, tf.square(c))); // ∂h'/∂a_c
    const ku = tf.mul(tf.mul(pass, tf.sub(hPrev, c)), tf.mul(u!, oneMinusU)); // ∂h'/∂a_u
    const kh = tf.mul(pass, u!); // direct ∂h'/∂h
    const kr = tf.mul(hPrev, tf.mul(r!, tf.sub(1, r!))); // ∂(r⊙h)/∂a_r, per unit of d(r⊙h)
    const dyS = tf.unstack(tf.transpose(dy, [1, 0, 2])) as tf.Tensor2D[];
    const [kcS, kuS, khS, krS, rS] = [kc, ku, kh, kr, r!].map((z) => tf.unstack(z) as tf.Tensor2D[]) as [tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[], tf.Tensor2D[]];
    // Pre-transposed recurrent matrices: wasm's matMul with transposeB is ~10× slower (measured).
    const wcT = tf.transpose(wc);
    const wrT = tf.transpose(tf.slice(wru, [0, 0], [H, H]));
    const wuT = tf.transpose(tf.slice(wru, [0, H], [H, H]));
    const dR = new Array<tf.Tensor2D>(T);
    const dU = new Array<tf.Tensor2D>(T);
    const dC = new Array<tf.Tensor2D>(T);
    let carry: tf.Tensor2D = tf.zeros([B, H]);
    for (const t of order(dims).reverse()) {
      const dh = tf.add(dyS[t]!, carry);
      const dac = tf.mul(dh, kcS[t]!);
      const dau = tf.mul(dh, kuS[t]!);
      const drh = tf.matMul(dac, wcT);
      const dar = tf.mul(drh, krS[t]!);
      carry = tf.add(tf.add(tf.mul(dh, khS[t]!), tf.mul(drh, rS[t]!)), tf.add(tf.matMul(dar, wrT), tf.matMul(dau, wuT))) as tf.Tensor2D;
      dR[t] = dar as tf.Tensor2D;
      dU[t] = dau as tf.Tensor2D;
      dC[t] = dac as tf.Tensor2D;
    }
    const dXru = tf.concat([tf.stack(dR, 0), tf.stack(dU, 0)], 2); // [T,B,2H]
    const dXc = tf.stack(dC, 0); // [T,B,H]
    const dWru = tf.matMul(tf.reshape(hPrev, [T * B, H]), tf.reshape(dXru, [T * B, 2 * H]), true, false);
    const dWc = tf.matMul(tf.reshape(tf.mul(r!, hPrev), [T * B, H]), tf.reshape(dXc, [T * B, H]), true, false);
    return [tf.transpose(tf.concat([dXru, dXc], 2), [1, 0, 2]), carry, dWru, dWc];
  });
}

function fusedForward(impl: GruRecurrenceImpl, x: tf.Tensor, h0: tf.Tensor, wru: tf.Tensor, wc: tf.Tensor, dims: GruDims): { value: tf.Tensor; gradFunc: (dy: tf.Tensor) => tf.Tensor[] } {
  const { batch: B, steps: T, hidden: H } = dims;
  const read = reader(impl);
  let out: GruForwardOutput;
  let kept: { xProj: Float32Array; h0: Float32Array; whRu: Float32Array; whC: Float32Array; states: Float32Array };
  const value = tensorsFilledBy([[B, T, H]], ([states]) => {
    const a = { xProj: read(x), h0: read(h0), whRu: read(wru), whC: read(wc) };
    out = impl.forward(a.xProj, a.h0, a.whRu, a.whC, dims, { states: states! });
    if (out.states.length !== B * T * H) throw new ShapeError(`${impl.name}.forward returned ${out.states.length} state values, expected B·T·H = ${B * T * H}`);
    copyUnlessSame(out.states, states!);
    kept = keepForBackward(impl, a, out.states, states!);
  })[0]!;
  const gradFunc = (dy: tf.Tensor): tf.Tensor[] =>
    tensorsFilledBy([[B, T, 3 * H], [B, H], [H, 2 * H], [H, H]], ([dXProj, dh0, dWhRu, dWhC]) => {
      const g = impl.backward({ ...kept, saved: out.saved, dStates: hostValues(dy) }, dims, { dXProj: dXProj!, dh0: dh0!, dWhRu: dWhRu!, dWhC: dWhC! });
      copyUnlessSame(g.dXProj, dXProj!);
      copyUnlessSame(g.dh0, dh0!);
      copyUnlessSame(g.dWhRu, dWhRu!);
      copyUnlessSame(g.dWhC, dWhC!);
    });
  return { value, gradFunc };
}
