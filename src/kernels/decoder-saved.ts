/** The activations a decoder forward pass keeps for backward, in the kernels' shared memory. */
import { blocks, type Field } from "./decoder-args.js";
import type { DecoderDims, DecoderForwardArgs } from "./decoder-types.js";
import { kernelRuntime } from "./runtime.js";

const registry = new FinalizationRegistry<number[]>((blocks) => {
  const { arena } = kernelRuntime();
  for (const b of blocks) arena.free(b);
});

/** What backward needs, in the kernels' memory until `decoderBackward` or `releaseDecoderSaved`. */
export class DecoderSaved {
  released = false;
  constructor(
    readonly dims: DecoderDims & { readonly abDim: number; readonly restFull: boolean; readonly sample: boolean },
    /** Arena blocks by DecArgs field name. */
    readonly ptr: Partial<Record<Field, number>>,
    /** Weights (for the transposed panels). */
    readonly w: Pick<DecoderForwardArgs, "abW" | "conWhRU" | "conWhC" | "genWhRU" | "genWhC" | "fbW" | "postW" | "genWu" | "facW">,
    /** With `abFrom`: how to split dab back, and its mask's arena block (0: none). */
    readonly abSplit?: { readonly cfDim: number; readonly cbDim: number; readonly lag: number; readonly mask: number },
  ) {
    registry.register(this, this.allBlocks(), this);
  }

  private allBlocks(): number[] {
    return [...blocks(this.ptr), ...(this.abSplit?.mask ? [this.abSplit.mask] : [])];
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    registry.unregister(this);
    const { arena } = kernelRuntime();
    for (const b of this.allBlocks()) arena.free(b);
  }
}

/** Releases the activations that `saved` holds (a no-op if already released). */
export function releaseDecoderSaved(saved: DecoderSaved): void {
  saved.release();
}
