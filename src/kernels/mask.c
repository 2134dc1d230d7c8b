/*
 * Inverted-dropout masks from the xoshiro128** stream of src/core/rng.ts (one 32-bit draw per entry:
 * kept iff draw < threshold), for src/model/noise.ts: the same values and the same final state as its
 * JavaScript loop. Conventions as in gru.c (no globals; the state lives in the caller's memory).
 *
 * One generator step is a chain of ~8 dependent integer operations, so a scalar loop runs at its
 * latency (~10 cycles per draw here). Four consecutive states of the one stream sit in the four lanes
 * of a vector instead (lane j: state i + j); each round emits draws i..i+3 and advances every lane by
 * four steps, so the lanes' chains run side by side (~5 cycles per draw) and the draws come out in
 * the stream's own order.
 */
#include "simd.h"

INLINE unsigned rotl(unsigned x, int k) { return (x << k) | (x >> (32 - k)); }
INLINE v4 vrotl(v4 x, int k) { return wasm_v128_or(wasm_i32x4_shl(x, k), wasm_u32x4_shr(x, 32 - k)); }

/* One xoshiro128** step of the state (scalar); returns the draw of the state before it. */
INLINE unsigned next(unsigned s[4]) {
  const unsigned r = rotl(s[1] * 5u, 7) * 9u;
  const unsigned t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return r;
}

/* The same step on four states at once (lane-wise). */
INLINE void vnext(v4 *s0, v4 *s1, v4 *s2, v4 *s3) {
  const v4 t = wasm_i32x4_shl(*s1, 9);
  *s2 = wasm_v128_xor(*s2, *s0);
  *s3 = wasm_v128_xor(*s3, *s1);
  *s1 = wasm_v128_xor(*s1, *s2);
  *s0 = wasm_v128_xor(*s0, *s3);
  *s2 = wasm_v128_xor(*s2, t);
  *s3 = vrotl(*s3, 11);
}

/* state: s0..s3, advanced by n draws. all: keep everything (threshold 2^32, not a u32). */
EXPORT(rng_dropout_mask)
void rng_dropout_mask(unsigned *state, float *out, int n, unsigned threshold, int all, float scale) {
  unsigned s[4] = {state[0], state[1], state[2], state[3]};
  int i = 0;
  if (n >= 8) {
    /* Lanes 0..3: the current state and the next three. */
    unsigned lane[4][4];
    for (int j = 0; j < 4; j++) {
      for (int w = 0; w < 4; w++) lane[w][j] = s[w];
      next(s);
    }
    v4 v0 = LD((const float *)lane[0]), v1 = LD((const float *)lane[1]), v2 = LD((const float *)lane[2]),
       v3 = LD((const float *)lane[3]);
    const v4 thr = wasm_i32x4_splat((int)threshold), keep = SPL(scale), every = wasm_i32x4_splat(all ? -1 : 0);
    for (; i + 4 <= n; i += 4) {
      const v4 r = wasm_i32x4_mul(vrotl(wasm_i32x4_mul(v1, wasm_i32x4_splat(5)), 7), wasm_i32x4_splat(9));
      ST(out + i, wasm_v128_and(wasm_v128_or(wasm_u32x4_lt(r, thr), every), keep));
      vnext(&v0, &v1, &v2, &v3);
      vnext(&v0, &v1, &v2, &v3);
      vnext(&v0, &v1, &v2, &v3);
      vnext(&v0, &v1, &v2, &v3);
    }
    /* Lane 0 now holds the state after i draws. */
    s[0] = (unsigned)wasm_i32x4_extract_lane(v0, 0);
    s[1] = (unsigned)wasm_i32x4_extract_lane(v1, 0);
    s[2] = (unsigned)wasm_i32x4_extract_lane(v2, 0);
    s[3] = (unsigned)wasm_i32x4_extract_lane(v3, 0);
  }
  for (; i < n; i++) {
    const unsigned r = next(s);
    out[i] = all || r < threshold ? scale : 0.0f;
  }
  for (int w = 0; w < 4; w++) state[w] = s[w];
}
