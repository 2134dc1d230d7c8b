/**
 * Randomness for the model (posterior samples, dropout masks), drawn in JavaScript from the seeded
 * core `Rng` rather than from tfjs random ops: the stream is then identical on every backend, and a
 * checkpoint that stores the Rng state resumes it exactly.
 */
import type { Rng } from "../core/rng.js";
import { ImplementationSlot } from "./ops/implementation-slot.js";

export interface NoiseSource {
  /** `n` independent standard normal values. */
  normal(n: number): Float32Array;
  /**
   * Inverted-dropout multipliers (TF `tf.nn.dropout`): 1/keepProb with probability keepProb, else 0;
   * written into `out` (length n, e.g. a view of the tensor that will hold them) where given.
   */
  dropoutMask(n: number, keepProb: number, out?: Float32Array): Float32Array;
}

const TWO_POW_32 = 4294967296;

/**
 * A faster generator of exactly the same masks (the same values, the same final Rng state): the
 * WebAssembly kernels' (src/kernels/mask.ts), installed by backend.ts. Null: the loop below.
 */
export type MaskGenerator = (state: Uint32Array, out: Float32Array, keepProb: number) => void;

/** The dropout masks' switch point (registry: ops/implementations.ts); backend-independent. */
export const dropoutMaskSlot = new ImplementationSlot<MaskGenerator>("dropoutMask");

/** Draw dropout masks with `gen` (null: the JavaScript loop); returns the previous one. */
export function setMaskGenerator(gen: MaskGenerator | null): MaskGenerator | null {
  return dropoutMaskSlot.set(gen);
}

export class RngNoise implements NoiseSource {
  constructor(readonly rng: Rng) {}

  /** Box–Muller on pairs of uniforms; nothing is cached between calls, so the Rng state alone resumes the stream. */
  normal(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      let u = 0;
      while (u === 0) u = this.rng.uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      const a = 2 * Math.PI * this.rng.uniform();
      out[i] = r * Math.cos(a);
      if (i + 1 < n) out[i + 1] = r * Math.sin(a);
    }
    return out;
  }

  dropoutMask(n: number, keepProb: number, into?: Float32Array): Float32Array {
    const out = into ?? new Float32Array(n);
    const fastMasks = dropoutMaskSlot.installed;
    if (fastMasks) {
      const state = Uint32Array.from(this.rng.getState());
      fastMasks(state, out, keepProb);
      this.rng.setState([state[0]!, state[1]!, state[2]!, state[3]!]);
      return out;
    }
    // One 32-bit draw per element: kept iff u < keepProb (u uniform on [0,1) in steps of 2^-32).
    // The xoshiro128** step of core/rng.ts is inlined on local state (same stream, ~4× faster than
    // a method call per element; masks are millions of values per training step).
    const threshold = keepProb * TWO_POW_32;
    const scale = 1 / keepProb;
    let [s0, s1, s2, s3] = this.rng.getState();
    for (let i = 0; i < n; i++) {
      const x = Math.imul(s1, 5) >>> 0;
      const r = Math.imul(((x << 7) | (x >>> 25)) >>> 0, 9) >>> 0;
      const t = (s1 << 9) >>> 0;
      s2 = (s2 ^ s0) >>> 0;
      s3 = (s3 ^ s1) >>> 0;
      s1 = (s1 ^ s2) >>> 0;
      s0 = (s0 ^ s3) >>> 0;
      s2 = (s2 ^ t) >>> 0;
      s3 = ((s3 << 11) | (s3 >>> 21)) >>> 0;
      out[i] = r < threshold ? scale : 0;
    }
    this.rng.setState([s0, s1, s2, s3]);
    return out;
  }
}
