/**
 * What a read-out forward keeps for its backward: its copies of the observations, the generator states
 * and their dropout mask in the kernels' memory (the largest inputs: [B,T,N], [B,T,G] and [B,T,G]), so
 * that backward copies none of them in again, and a mask drawn in place by the forward (`fillMask`) is
 * the one backward uses. Freed by `readoutBackward`, by `release()`, or when garbage-collected.
 */
import { ArenaHeld } from "./arena-held.js";

/** Arena blocks of the kept inputs (0: the input was absent). */
export interface ReadoutKept {
  readonly x: number;
  readonly s: number;
  readonly mask: number;
}

export class ReadoutSaved extends ArenaHeld {
  constructor(
    /** The shape they were kept for: B·T rows, N, G (0: no factors stage). */
    readonly dims: { readonly R: number; readonly N: number; readonly G: number },
    readonly ptr: ReadoutKept,
  ) {
    super([ptr.x, ptr.s, ptr.mask]);
  }
}
