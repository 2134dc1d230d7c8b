/**
 * The activations a GRU forward pass keeps for backward, in the kernels' shared memory: the `Saved`
 * handle, its release (explicit, or when garbage-collected), and copies to and from JS memory.
 */
import { ParamError } from "../core/errors.js";
import { checkGruDims } from "./gru-checks.js";
import type { GruSaved, GruSavedArrays } from "./gru-types.js";
import { checkLength, copyIn, copyOut, packWeights } from "./job.js";
import { ArenaHeld } from "./arena-held.js";

/** The one implementation of GruSaved: arena blocks and the dimensions they were made for. */
export class Saved extends ArenaHeld implements GruSaved {
  constructor(
    readonly batch: number,
    readonly time: number,
    readonly hidden: number,
    readonly clip: number,
    readonly reverse: boolean,
    /** Byte offsets: h0, states, gates [B,T,3H] (r|u|c per row), packed transposed weights; x [B,T,D] of a projected recurrence with D > 0. */
    readonly ptr: { h0: number; st: number; g: number; packT: number; x?: number },
    /** Set for `gruInputForward`: the input width and a copy of Wx (for dx). */
    readonly input?: { readonly D: number; readonly wx: Float32Array },
  ) {
    super(Object.values(ptr));
  }
}

/** Releases the activations that `saved` holds (a no-op if already released). */
export function releaseGruSaved(saved: GruSaved): void {
  asSaved(saved).release();
}

/** `saved` as the class behind it; throws ParamError for a look-alike object. */
export function asSaved(saved: GruSaved): Saved {
  if (!(saved instanceof Saved)) throw new ParamError("GRU kernels: `saved` must come from gruForward");
  return saved;
}

/**
 * Copies the gate activations that `saved` holds into JS memory, as [batch, time, 3·hidden] (r, u
 * and c of each step, like xProj), e.g. to keep them where the garbage collector manages them.
 * Does not release `saved`.
 */
export function copyGruGates(savedArg: GruSaved): Float32Array {
  const saved = asSaved(savedArg);
  if (saved.released) throw new ParamError("copyGruGates: saved activations were already released");
  return copyOut(saved.ptr.g, 3 * saved.batch * saved.time * saved.hidden);
}

/**
 * Everything `saved` holds, copied into JS memory: what `restoreGruSaved` needs, given the
 * recurrent weights (which `saved` keeps only packed). Does not release `saved`.
 */
export function copyGruSaved(savedArg: GruSaved, whRU: Float32Array, whC: Float32Array): GruSavedArrays {
  const saved = asSaved(savedArg);
  if (saved.released) throw new ParamError("copyGruSaved: saved activations were already released");
  const { batch: B, time: T, hidden: H, clip, reverse, ptr, input } = saved;
  const D = input ? input.D : 0;
  return {
    h0: copyOut(ptr.h0, B * H),
    whRU,
    whC,
    states: copyOut(ptr.st, B * T * H),
    gates: copyOut(ptr.g, 3 * B * T * H),
    batch: B,
    time: T,
    hidden: H,
    clip,
    reverse,
    ...(input ? { input: { x: ptr.x ? copyOut(ptr.x, B * T * D) : new Float32Array(0), inDim: D, wx: input.wx } } : {}),
  };
}

/** Rebuilds a GruSaved (in the kernels' memory) from arrays kept in JS memory, for `gruBackward`. */
export function restoreGruSaved(a: GruSavedArrays): GruSaved {
  const fn = "restoreGruSaved";
  const { batch: B, time: T, hidden: H, clip } = a;
  checkGruDims(fn, B, T, H);
  const n = B * T * H;
  checkLength(fn, "h0", a.h0, B * H, `[batch=${B}, hidden=${H}]`);
  checkLength(fn, "whRU", a.whRU, 2 * H * H, `[hidden=${H}, 2·hidden=${2 * H}]`);
  checkLength(fn, "whC", a.whC, H * H, `[hidden=${H}, hidden=${H}]`);
  checkLength(fn, "states", a.states, n, `[batch=${B}, time=${T}, hidden=${H}]`);
  checkLength(fn, "gates", a.gates, 3 * n, `[batch=${B}, time=${T}, 3·hidden=${3 * H}]`);
  if (!(clip > 0)) throw new ParamError(`${fn}: clip must be > 0 (Infinity for none), got ${clip}`);
  const inp = a.input;
  if (inp) {
    checkLength(fn, "input.x", inp.x, B * T * inp.inDim, `[batch=${B}, time=${T}, inDim=${inp.inDim}]`);
    checkLength(fn, "input.wx", inp.wx, inp.inDim * 3 * H, `[inDim=${inp.inDim}, 3·hidden=${3 * H}]`);
  }
  const ptr = {
    h0: copyIn(a.h0),
    st: copyIn(a.states),
    g: copyIn(a.gates),
    packT: packWeights(a.whRU, a.whC, H, false, true).bwd,
    ...(inp && inp.inDim > 0 ? { x: copyIn(inp.x) } : {}),
  };
  return new Saved(B, T, H, clip, a.reverse ?? false, ptr, inp ? { D: inp.inDim, wx: inp.wx.slice() } : undefined);
}
