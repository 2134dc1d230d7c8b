/*
 * Inverted-dropout masks from the xoshiro128** stream of src/core/rng.ts (one 32-bit draw per entry:
 * kept iff draw < threshold), for src/model/noise.ts: the same values and the same final state as its
 * JavaScript loop, ~3x faster. Conventions as in gru.c (no globals; the state lives in the caller's memory).
 */
#include "simd.h"

INLINE unsigned rotl(unsigned x, int k) { return (x << k) | (x >> (32 - k)); }

/* state: s0..s3, advanced by n draws. all: keep everything (threshold 2^32, not a u32). */
EXPORT(rng_dropout_mask)
void rng_dropout_mask(unsigned *state, float *out, int n, unsigned threshold, int all, float scale) {
  unsigned s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  for (int i = 0; i < n; i++) {
    const unsigned r = rotl(s1 * 5u, 7) * 9u;
    const unsigned t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    out[i] = all || r < threshold ? scale : 0.0f;
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}
