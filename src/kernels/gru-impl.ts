/**
 * The fused kernels as a `GruRecurrenceImpl` for src/model's `setGruImplementation` (matched
 * structurally, so that src/kernels imports nothing from src/model and stays free of TensorFlow.js):
 *
 * ```ts
 * import { wasmGruImplementation, createWasmGruImplementation } from "../kernels/gru-impl.js";
 * setGruImplementation(wasmGruImplementation);
 * // or, on the wasm backend, without a fresh gradient allocation per backward call:
 * setGruImplementation(createWasmGruImplementation({ reuseGradientArrays: true }));
 * ```
 *
 * That contract hands the model a `saved` Float32Array to keep until backprop, with no call to say
 * when it is no longer needed (an evaluation pass never backpropagates). Here `saved` is an empty
 * token: the activations stay in the kernels' memory (no copy out and back in, which would cost
 * about 6·B·T·H floats of copying and fresh allocations per recurrence) and backward releases
 * them. Activations whose token was dropped are released when the token is garbage-collected; and
 * so that collection delays cannot exhaust the 4 GiB wasm memory, once more than SPILL_BYTES are
 * pending the oldest are moved to JS memory (whose size the collector does see).
 *
 * Prefer gru.ts directly where the caller knows when activations are no longer needed: its
 * `gruForwardOnly` saves nothing, and `releaseGruSaved` frees at once.
 */
import { ParamError } from "../core/errors.js";
import { copyGruGates, gruBackward, gruForward, gruInputBackward, gruInputForward, gruInputForwardOnly, releaseGruSaved, restoreGruSaved, type GruSaved } from "./gru.js";

/** src/model's GruDims. */
export interface GruImplDims {
  readonly batch: number;
  readonly steps: number;
  readonly hidden: number;
  readonly clip: number;
  readonly reverse: boolean;
}

/** src/model's GruInputDims. */
export interface GruImplInputDims extends GruImplDims {
  readonly inDim: number;
}

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
  /** The gates in JS memory once spilled ([B, T, 3H]). */
  gates: Float32Array | undefined;
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
    p.gates = copyGruGates(p.saved!);
    releaseGruSaved(p.saved!);
    p.saved = undefined;
    total -= p.bytes;
  }
}

export interface WasmGruImplementationOptions {
  /**
   * Return every backward call's gradients in the same arrays (one set per shape) instead of fresh
   * ones. That saves the page faults of a fresh allocation above glibc's 32 MB mmap threshold
   * (~30 ms for the 58 MB dXProj of B=150, T=500, H=64) but is only correct if the caller copies
   * the gradients before the next backward call: tfjs-backend-wasm's tensor creation copies, tfjs's
   * "cpu" backend keeps the array. So in this mode `supportsBackend` accepts "wasm" only.
   * Default false.
   */
  readonly reuseGradientArrays?: boolean;
}

type Gradients = { dXProj: Float32Array; dh0: Float32Array; dWhRu: Float32Array; dWhC: Float32Array };

/** Runs a saving forward and hands back a token for its activations (see the module doc). */
function pend(dims: GruImplDims, inDim: number, forward: () => { states: Float32Array; saved: GruSaved }): { states: Float32Array; saved: Float32Array } {
  // h0, states, the gates and (projected recurrence) x
  const bytes = 4 * dims.batch * (dims.hidden * (1 + 4 * dims.steps) + inDim * dims.steps);
  spillIfNeeded(bytes);
  const { states, saved } = forward();
  const token = new Float32Array(0);
  const pending: Pending = { saved, gates: undefined, bytes };
  byToken.set(token, pending);
  order.push(new WeakRef(pending));
  return { states, saved: token };
}

/** The activations of a token, once (restored from JS memory if they were spilled). */
function claim(token: Float32Array, fn: string, restore: (gates: Float32Array) => GruSaved): GruSaved {
  const pending = byToken.get(token);
  if (!pending) throw new ParamError(`wasmGruImplementation.${fn}: \`saved\` must come from this implementation's forward, once`);
  byToken.delete(token);
  const saved = pending.saved ?? restore(pending.gates!);
  pending.saved = undefined;
  pending.gates = undefined;
  return saved;
}

/** A `GruRecurrenceImpl` on the fused kernels (see the module doc). */
export function createWasmGruImplementation(options: WasmGruImplementationOptions = {}) {
  const reuse = options.reuseGradientArrays ?? false;
  const outputs = new Map<string, Gradients>();
  const outputsFor = (B: number, T: number, H: number): Gradients => {
    const key = `${B},${T},${H}`;
    let g = outputs.get(key);
    if (!g) {
      if (outputs.size >= 8) outputs.delete(outputs.keys().next().value!);
      g = { dXProj: new Float32Array(B * T * 3 * H), dh0: new Float32Array(B * H), dWhRu: new Float32Array(2 * H * H), dWhC: new Float32Array(H * H) };
      outputs.set(key, g);
    }
    return g;
  };
  return {
    name: reuse ? "wasm-simd-reusing" : "wasm-simd",
    /** The kernels read typed arrays (dataSync), which is cheap only for CPU-side backends. */
    supportsBackend(backendName: string): boolean {
      return backendName === "wasm" || (!reuse && backendName === "cpu");
    },
    forward(xProj: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruImplDims): { states: Float32Array; saved: Float32Array } {
      return pend(dims, 0, () => gruForward({ xProj, h0, whRU: whRu, whC, batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse }));
    },
    backward(input: GruImplBackwardInput, dims: GruImplDims): Gradients {
      const saved = claim(input.saved, "backward", (gates) =>
        restoreGruSaved({ h0: input.h0, whRU: input.whRu, whC: input.whC, states: input.states, gates, batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse }),
      );
      const o = reuse ? outputsFor(dims.batch, dims.steps, dims.hidden) : undefined;
      const g = gruBackward(saved, input.dStates, o && { out: { dXProj: o.dXProj, dh0: o.dh0, dWhRU: o.dWhRu, dWhC: o.dWhC } });
      return { dXProj: g.dXProj, dh0: g.dh0, dWhRu: g.dWhRU, dWhC: g.dWhC };
    },
    forwardInput(x: Float32Array, wx: Float32Array, bias: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruImplInputDims): { states: Float32Array; saved: Float32Array } {
      return pend(dims, dims.inDim, () => gruInputForward({ x, wx, bias, inDim: dims.inDim, h0, whRU: whRu, whC, batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse }));
    },
    backwardInput(input: GruImplInputBackwardInput, dims: GruImplInputDims) {
      const saved = claim(input.saved, "backwardInput", (gates) =>
        restoreGruSaved({
          h0: input.h0, whRU: input.whRu, whC: input.whC, states: input.states, gates,
          batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse,
          input: { x: input.x, inDim: dims.inDim, wx: input.wx },
        }),
      );
      const g = gruInputBackward(saved, input.dStates, { inputGrad: input.inputGrad });
      return { dx: g.dx, dWx: g.dWx, dBias: g.dBias, dh0: g.dh0, dWhRu: g.dWhRU, dWhC: g.dWhC };
    },
    forwardInputOnly(x: Float32Array, wx: Float32Array, bias: Float32Array, h0: Float32Array, whRu: Float32Array, whC: Float32Array, dims: GruImplInputDims): Float32Array {
      return gruInputForwardOnly({ x, wx, bias, inDim: dims.inDim, h0, whRU: whRu, whC, batch: dims.batch, time: dims.steps, hidden: dims.hidden, clip: dims.clip, reverse: dims.reverse });
    },
  };
}

/** The default implementation: fresh gradient arrays, backends "wasm" and "cpu". */
export const wasmGruImplementation = createWasmGruImplementation();
