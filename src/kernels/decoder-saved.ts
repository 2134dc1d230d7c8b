/** The activations a decoder forward pass keeps for backward, in the kernels' shared memory. */
import { blocks, type Field } from "./decoder-args.js";
import type { DecoderDims, DecoderForwardArgs } from "./decoder-types.js";
import { ArenaHeld } from "./arena-held.js";

/** What backward needs, in the kernels' memory until `decoderBackward` or `releaseDecoderSaved`. */
export class DecoderSaved extends ArenaHeld {
  constructor(
    readonly dims: DecoderDims & { readonly abDim: number; readonly restFull: boolean; readonly sample: boolean },
    /** Arena blocks by DecArgs field name. */
    readonly ptr: Partial<Record<Field, number>>,
    /** Weights (for the transposed panels). */
    readonly w: Pick<DecoderForwardArgs, "abW" | "conWhRU" | "conWhC" | "genWhRU" | "genWhC" | "fbW" | "postW" | "genWu" | "facW">,
    /** With `abFrom`: how to split dab back, and its mask's arena block (0: none). */
    readonly abSplit?: { readonly cfDim: number; readonly cbDim: number; readonly lag: number; readonly mask: number },
  ) {
    super([...blocks(ptr), abSplit?.mask ?? 0]);
  }
}

/** Releases the activations that `saved` holds (a no-op if already released). */
export function releaseDecoderSaved(saved: DecoderSaved): void {
  saved.release();
}
