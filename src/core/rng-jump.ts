/**
 * Jumping core/rng.ts's xoshiro128** state ahead by any number of steps without taking them.
 *
 * Why: a dropout mask is one draw per entry, millions per training step, all from one stream. One
 * step is a chain of dependent integer operations, so drawing them one after another runs at that
 * chain's latency. With the states at draws 0, c, 2c, … in hand, L independent lanes each draw c
 * consecutive values side by side (src/kernels/mask.c) and the mask is still the stream's own.
 *
 * How: xoshiro128**'s state update (xors, shifts and rotations of the four 32-bit words) is linear over
 * GF(2) on the 128-bit state, so k steps are one 128×128 bit matrix, M^k, computed by squaring. A
 * matrix is stored by columns (column j = M applied to the unit state with only bit j set), each
 * column four words, s0..s3.
 */

const BITS = 128;

/** The 128×128 bit matrix of some number of steps, by columns: 4 words per column. */
export type StepMatrix = Uint32Array;

/** One xoshiro128** state update of [s0, s1, s2, s3] (core/rng.ts nextUint32's, without the output). */
function step(s: Uint32Array): void {
  const t = (s[1]! << 9) >>> 0;
  s[2]! ^= s[0]!;
  s[3]! ^= s[1]!;
  s[1]! ^= s[2]!;
  s[0]! ^= s[3]!;
  s[2]! ^= t;
  s[3] = ((s[3]! << 11) | (s[3]! >>> 21)) >>> 0;
}

/** M applied to the state v (4 words): the xor of M's columns at v's set bits. */
function apply(m: StepMatrix, v: Uint32Array, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  let a = 0, b = 0, c = 0, d = 0;
  for (let w = 0; w < 4; w++) {
    let bits = v[w]!;
    while (bits !== 0) {
      const low = bits & -bits;
      const j = 4 * (32 * w + 31 - Math.clz32(low));
      a ^= m[j]!;
      b ^= m[j + 1]!;
      c ^= m[j + 2]!;
      d ^= m[j + 3]!;
      bits ^= low;
    }
  }
  out[0] = a;
  out[1] = b;
  out[2] = c;
  out[3] = d;
  return out;
}

/** A∘B: B's steps, then A's. */
function compose(a: StepMatrix, b: StepMatrix): StepMatrix {
  const out = new Uint32Array(4 * BITS);
  for (let j = 0; j < BITS; j++) apply(a, b.subarray(4 * j, 4 * j + 4), out.subarray(4 * j, 4 * j + 4));
  return out;
}

function identity(): StepMatrix {
  const m = new Uint32Array(4 * BITS);
  for (let j = 0; j < BITS; j++) m[4 * j + (j >> 5)] = (1 << (j & 31)) >>> 0;
  return m;
}

/** The matrix of one step. */
function oneStep(): StepMatrix {
  const m = identity();
  for (let j = 0; j < BITS; j++) step(m.subarray(4 * j, 4 * j + 4));
  return m;
}

/** The matrix of `steps` steps (a non-negative integer below 2^53): about 2·log2(steps) products of 128×128 bits. */
export function stepMatrix(steps: number): StepMatrix {
  if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`stepMatrix: steps must be a non-negative safe integer, got ${steps}`);
  let result = identity();
  let base = oneStep();
  for (let k = steps; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result = compose(base, result);
    if (k > 1) base = compose(base, base);
  }
  return result;
}

/** The states [s0, s1, s2, s3] at draws 0, steps, 2·steps, … (`count` of them, 4 words each) from `state`. */
export function spacedStates(state: ArrayLike<number>, steps: number, count: number, jump: StepMatrix = stepMatrix(steps)): Uint32Array {
  const out = new Uint32Array(4 * count);
  if (count > 0) out.set(Uint32Array.from(state).subarray(0, 4));
  for (let k = 1; k < count; k++) apply(jump, out.subarray(4 * (k - 1), 4 * k), out.subarray(4 * k, 4 * k + 4));
  return out;
}
