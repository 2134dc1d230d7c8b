/**
 * The fused kernels as a `GruRecurrenceImpl` for src/model's `setGruImplementation` (matched
 * structurally, so that src/kernels imports nothing from src/model and stays free of TensorFlow.js):
 *
 * ```ts
 * import { wasmGruImplementation } from "../kernels/gru-impl.js";
 * setGruImplementation(wasmGruImplementation);
 * ```
 *
 * That contract hands the model a `saved` Float32Array to keep until backprop, with no call to say
 * when it is no longer needed (an evaluation pass never backpropagates). Here `saved` is an empty
 * token: the activations stay in the kernels' memory (no copy out and back in, which would cost
 * about 6·B·T·H floats of copying and fresh allocations per recurrence) and backward releases
 * them. Activations whose token was dropped are released when the token is garbage-collected; and
 * so that collection delays cannot exhaust the 4 GiB wasm memory, once more than SPILL_BYTES are
 * pending the oldest are moved to JS memory (whose size the collector does see), all of them, so
 * that backward never needs the caller's inputs again (`keepsInputs`: the caller may pass views
 * that are gone by then). Every method writes into the caller's `out` arrays where given.
 *
 * Prefer gru.ts directly where the caller knows when activations are no longer needed: its
 * `gruForwardOnly` saves nothing, and `releaseGruSaved` frees at once.
 */
import { ParamError } from "../core/errors.js";
import { copyGruSaved, gruBackward, gruForward, gruInputBackward, gruInputForward, gruInputForwardOnly, releaseGruSaved, restoreGruSaved, type GruSaved, type GruSavedArrays } from "./gru.js";
import { FUSED_KERNELS_NAME } from "./describe.js";

/** src/model's GruDims. */
export interface GruImplDims {
  readonly batch: number;
  readonly steps: number;
  readonly hidden: number;
  readonly clip: number;
  readonly reverse: boolean;
  /** States and their gradients are the final step's only, [B,H] (`finalStates`). */
  readonly finalOnly?: boolean;
}

/** src/model's GruInputDims. */
export interface GruImplInputDims extends GruImplDims {
  readonly inDim: number;
}

type Gradients = { dXProj: Float32Array; dh0: Float32Array; dWhRu: Float32Array; dWhC: Float32Array };
type InputGradients = { dx: Float32Array | undefined; dWx: Float32Array; dBias: Float32Array; dh0: Float32Array; dWhRu: Float32Array; dWhC: Float32Array };

/** src/model's GruBackwardInput. */
export interface GruImplBackwardInput {
  readonly xProj: Float32Array;
  readonly h0: Float32Array;
  readonly whRu: Float32Array;
  readonly whC: Float32Array;
  readonly states: Float32Array;
  readonly saved: Float32Array;
  readonly dStates: Float32Array;
}

/** src/model's GruInputBackwardInput: the same with x and Wx in place of xProj. */
export interface GruImplInputBackwardInput extends Omit<GruImplBackwardInput, "xProj"> {
  readonly x: Float32Array;
  readonly wx: Float32Array;
  readonly inputGrad: boolean;
}

/** Pending activations above this many bytes are moved out of the wasm memory, oldest first. */
let spillBytes = 1 << 30;

/** Sets the spill threshold (default 1 GiB); returns the previous one. For tests and tuning. */
export function setGruSpillBytes(bytes: number): number {
  const prev = spillBytes;
  spillBytes = bytes;
  return prev;
}

interface Pending {
  /** In the kernels' memory until backward, or until spilled. */
  saved: GruSaved | undefined;
  /** Everything backward needs, in JS memory, once spilled. */
  spilled: GruSavedArrays | undefined;
  /** Copies of the recurrent weights (small), for a spill. */
  readonly whRU: Float32Array;
  readonly whC: Float32Array;
  readonly bytes: number;
}

const byToken = new WeakMap<Float32Array, Pending>();
/** Forward order, for spilling the oldest first; weak, so a dropped token frees its entry. */
let order: WeakRef<Pending>[] = [];

function spillIfNeeded(incoming: number): void {
  order = order.filter((r) => r.deref()?.saved?.released === false);
  let total = incoming;
  for (const r of order) total += r.deref()!.bytes;
  while (total > spillBytes && order.length > 0) {
    const p = order.shift()!.deref()!;
    p.spilled = copyGruSaved(p.saved!, p.whRU, p.whC);
    releaseGruSaved(p.saved!);
    p.saved = undefined;
    total -= p.bytes;
  }
}

/** Runs a saving forward and hands back a token for its activations (see the module doc). */
function pend(dims: GruImplDims, inDim: number, whRu: Float32Array, whC: Float32Array, forward: () => { states: Float32Array; saved: GruSaved }): { states: Float32Array; saved: Float32Array } {
  // h0, states, the gates and (projected recurrence) x
  const bytes = 4 * dims.batch * (dims.hidden * (1 + 4 * dims.steps) + inDim * dims.steps);
  spillIfNeeded(bytes);
  const { states, saved } = forward();
  const token = new Float32Array(0);
  const pending: Pending = { saved, spilled: undefined, whRU: whRu.slice(), whC: whC.slice(), bytes };
  byToken.set(token, pending);
  order.push(new WeakRef(pending));
  return { states, saved: token };
}

/** The activations of a token, once (restored from JS memory if they were spilled). */
function claim(token: Float32Array, fn: string): GruSaved {
  const pending = byToken.get(token);
  if (!pending) throw new ParamError(`wasmGruImplementation.${fn}: \`saved\` must come from this implementation's forward, once`);
  byToken.delete(token);
  const saved = pending.saved ?? restoreGruSaved(pending.spilled!);
  pending.saved = undefined;
  pending.spilled = undefined;
  return saved;
}

type Out<T> = { [K in keyof T]?: Float32Array };

/** The fused kernels as a `GruRecurrenceImpl` (see the module doc). */
export const wasmGruImplementation = {
  name: FUSED_KERNELS_NAME,
  keepsInputs: true,
  finalStates: true,
  /** The kernels read typed arrays: a heap view on wasm, the backing array on cpu. */
  supportsBackend(backendName: string): boolean {
    return backendName === "wasm" || backendName === "cpu";
  },
  forward(xProj: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruImplDims, out?: { states?: Float32Array }): { states: Float32Array; saved: Float32Array } {
    return pend(dims, 0, whRu, whC, () => gruForward({ xProj, h0, whRU: whRu, whC, batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse, finalOnly: dims.finalOnly ?? false, ...(out?.states ? { outStates: out.states } : {}) }));
  },
  /** Reads only `saved` and `dStates` of its input (`keepsInputs`); of dims only `finalOnly` (the rest are in `saved`). */
  backward(input: GruImplBackwardInput, dims?: GruImplDims, out?: Out<Gradients>): Gradients {
    const o = out && { dXProj: out.dXProj, dh0: out.dh0, dWhRU: out.dWhRu, dWhC: out.dWhC };
    const g = gruBackward(claim(input.saved, "backward"), input.dStates, { finalOnly: dims?.finalOnly ?? false, ...(o ? { out: o } : {}) });
    return { dXProj: g.dXProj, dh0: g.dh0, dWhRu: g.dWhRU, dWhC: g.dWhC };
  },
  forwardInput(x: Float32Array, wx: Float32Array, bias: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruImplInputDims, out?: { states?: Float32Array }): { states: Float32Array; saved: Float32Array } {
    return pend(dims, dims.inDim, whRu, whC, () => gruInputForward({ x, wx, bias, inDim: dims.inDim, h0, whRU: whRu, whC, batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse, finalOnly: dims.finalOnly ?? false, ...(out?.states ? { outStates: out.states } : {}) }));
  },
  backwardInput(input: GruImplInputBackwardInput, dims?: GruImplInputDims, out?: Out<InputGradients>): InputGradients {
    const o = out && { dx: out.dx, dWx: out.dWx, dBias: out.dBias, dh0: out.dh0, dWhRU: out.dWhRu, dWhC: out.dWhC };
    const g = gruInputBackward(claim(input.saved, "backwardInput"), input.dStates, { inputGrad: input.inputGrad, finalOnly: dims?.finalOnly ?? false, ...(o ? { out: o } : {}) });
    return { dx: g.dx, dWx: g.dWx, dBias: g.dBias, dh0: g.dh0, dWhRu: g.dWhRU, dWhC: g.dWhC };
  },
  forwardInputOnly(x: Float32Array, wx: Float32Array, bias: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruImplInputDims, out?: { states?: Float32Array }): Float32Array {
    return gruInputForwardOnly({ x, wx, bias, inDim: dims.inDim, h0, whRU: whRu, whC, batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse, finalOnly: dims.finalOnly ?? false, ...(out?.states ? { outStates: out.states } : {}) });
  },
};
