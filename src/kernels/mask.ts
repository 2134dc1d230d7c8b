/**
 * Dropout masks in the kernels (mask.c): the xoshiro128** stream of src/core/rng.ts, one draw per
 * entry, the same values and final state as src/model/noise.ts's JavaScript loop. The kernel's lanes
 * each draw one contiguous chunk of the mask from the stream's state at the chunk's first draw, which
 * is computed here by jumping ahead (core/rng-jump.ts; the jump matrix of a chunk length is kept, and
 * a training run's masks come in a few fixed sizes). Written in place when `out` is a view of the
 * kernels' memory (a mask the kernels will read), else copied into `out`.
 */
import { spacedStates, stepMatrix, type StepMatrix } from "../core/rng-jump.js";
import { kernelRuntime } from "./runtime.js";

const TWO_POW_32 = 4294967296;

/** Jump matrices by chunk length, most recently used last; a handful covers a run's mask sizes. */
const jumps = new Map<number, StepMatrix>();
const KEPT_JUMPS = 8;

function jumpOf(chunk: number): StepMatrix {
  let m = jumps.get(chunk);
  if (m) jumps.delete(chunk);
  else m = stepMatrix(chunk);
  jumps.set(chunk, m);
  if (jumps.size > KEPT_JUMPS) jumps.delete(jumps.keys().next().value!);
  return m;
}

/** Fills `out` with 1/keepProb where draw < keepProb·2³², else 0; advances `state` (s0..s3) in place. */
export function dropoutMaskInto(state: Uint32Array, out: Float32Array, keepProb: number): void {
  const { arena, exports: ex, memory } = kernelRuntime();
  const n = out.length;
  // A draw r (an integer) is kept iff r < keepProb·2³² ⇔ r < ceil(keepProb·2³²).
  const threshold = Math.ceil(keepProb * TWO_POW_32);
  const all = threshold >= TWO_POW_32 ? 1 : 0;
  const inPlace = out.buffer === memory.buffer;
  const L = ex.rng_mask_lanes();
  const chunk = Math.floor(n / L);
  const lanes = arena.alloc(4 * L);
  const s = arena.alloc(4);
  const dst = inPlace ? out.byteOffset : arena.alloc(n);
  try {
    arena.u32(lanes, 4 * L).set(spacedStates(state, chunk, L, jumpOf(chunk)));
    ex.rng_dropout_mask(lanes, s, dst, n, chunk, all ? 0 : threshold, all, 1 / keepProb);
    state.set(arena.u32(s, 4));
    if (!inPlace) out.set(arena.f32(dst, n));
  } finally {
    arena.free(lanes);
    arena.free(s);
    if (!inPlace) arena.free(dst);
  }
}
