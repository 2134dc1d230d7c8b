/*
 * Inverted-dropout masks from the xoshiro128** stream of src/core/rng.ts (one 32-bit draw per entry:
 * kept iff draw < threshold), for src/model/noise.ts: the same values and the same final state as its
 * JavaScript loop. Conventions as in gru.c (no globals; the state lives in the caller's memory).
 *
 * One generator step is a chain of ~8 dependent integer operations, so a scalar loop runs at its
 * latency. Here MASK_LANES lanes (four f32x4 groups) each draw their own contiguous chunk of the
 * mask: lane k starts from the stream's state at draw k*chunk, which mask.ts computes by jumping
 * ahead (src/core/rng-jump.ts), and every round advances every lane by one step. The lanes' chains
 * run side by side, each draw costs one step (not one per lane, as when four consecutive states sat in
 * the lanes and each advanced by four), and the mask is still the stream's own, in its order.
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

#define MASK_LANES 16

EXPORT(rng_mask_lanes) int rng_mask_lanes(void) { return MASK_LANES; }

/* The mask values of four draws r: scale where r < threshold (or every) and 0 elsewhere, as float bits. */
INLINE v4 keep_of(v4 v1, v4 thr, v4 every, v4 keep) {
  const v4 r = wasm_i32x4_mul(vrotl(wasm_i32x4_mul(v1, wasm_i32x4_splat(5)), 7), wasm_i32x4_splat(9));
  return wasm_v128_and(wasm_v128_or(wasm_u32x4_lt(r, thr), every), keep);
}

/* lanes: MASK_LANES states (s0..s3 each), lane k's the stream's state at draw k*chunk; lane k writes     */
/* out[k*chunk .. (k+1)*chunk), and the last lane goes on alone to draw n (n >= MASK_LANES*chunk). The     */
/* state after the n draws is written to state. all: keep everything (threshold 2^32, not a u32).        */
EXPORT(rng_dropout_mask)
void rng_dropout_mask(const unsigned *lanes, unsigned *state, float *out, int n, int chunk, unsigned threshold,
                      int all, float scale) {
  const v4 thr = wasm_i32x4_splat((int)threshold), keep = SPL(scale), every = wasm_i32x4_splat(all ? -1 : 0);
  /* Group g holds lanes 4g..4g+3: word w of their states in v[g][w] (a 4x4 transpose of four states). */
  v4 v[MASK_LANES / 4][4];
  for (int g = 0; g < MASK_LANES / 4; g++) {
    v4 a = LD((const float *)(lanes + 16 * g)), b = LD((const float *)(lanes + 16 * g + 4)),
       c = LD((const float *)(lanes + 16 * g + 8)), d = LD((const float *)(lanes + 16 * g + 12));
    transpose4(&a, &b, &c, &d);
    v[g][0] = a, v[g][1] = b, v[g][2] = c, v[g][3] = d;
  }
  int i = 0;
  /* Four rounds at a time: each lane's four values, transposed, are one store into its chunk. */
  for (; i + 4 <= chunk; i += 4)
    for (int g = 0; g < MASK_LANES / 4; g++) {
      v4 m[4];
      for (int r = 0; r < 4; r++) {
        m[r] = keep_of(v[g][1], thr, every, keep);
        vnext(&v[g][0], &v[g][1], &v[g][2], &v[g][3]);
      }
      transpose4(&m[0], &m[1], &m[2], &m[3]);
      for (int l = 0; l < 4; l++) ST(out + (4 * g + l) * chunk + i, m[l]);
    }
  for (; i < chunk; i++)
    for (int g = 0; g < MASK_LANES / 4; g++) {
      const v4 m = keep_of(v[g][1], thr, every, keep);
      float *o = out + 4 * g * chunk + i;
      wasm_v128_store32_lane(o, m, 0);
      wasm_v128_store32_lane(o + chunk, m, 1);
      wasm_v128_store32_lane(o + 2 * chunk, m, 2);
      wasm_v128_store32_lane(o + 3 * chunk, m, 3);
      vnext(&v[g][0], &v[g][1], &v[g][2], &v[g][3]);
    }
  /* The last lane (lane 3 of the last group) now holds the state at draw MASK_LANES*chunk. */
  const int last = MASK_LANES / 4 - 1;
  unsigned s[4] = {(unsigned)wasm_i32x4_extract_lane(v[last][0], 3), (unsigned)wasm_i32x4_extract_lane(v[last][1], 3),
                   (unsigned)wasm_i32x4_extract_lane(v[last][2], 3), (unsigned)wasm_i32x4_extract_lane(v[last][3], 3)};
  for (i = MASK_LANES * chunk; i < n; i++) {
    const unsigned r = next(s);
    out[i] = all || r < threshold ? scale : 0.0f;
  }
  for (int w = 0; w < 4; w++) state[w] = s[w];
}
