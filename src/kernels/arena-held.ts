/**
 * Arena blocks that a handle holds for later, such as the activations a forward pass keeps for its
 * backward: freed by `release()` (once; later calls do nothing), or when the handle is
 * garbage-collected. The collector does not see the blocks' size, so callers release explicitly in loops.
 */
import { kernelRuntime } from "./runtime.js";

const registry = new FinalizationRegistry<readonly number[]>((blocks) => {
  const { arena } = kernelRuntime();
  for (const b of blocks) arena.free(b);
});

export class ArenaHeld {
  released = false;
  readonly #blocks: readonly number[];

  /** `blocks`: arena offsets, 0 for an absent one. */
  constructor(blocks: readonly number[]) {
    this.#blocks = blocks.filter((b) => b !== 0);
    registry.register(this, this.#blocks, this);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    registry.unregister(this);
    const { arena } = kernelRuntime();
    for (const b of this.#blocks) arena.free(b);
  }
}
