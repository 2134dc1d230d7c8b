/*
 * The micro-kernel of simd.h (acc[m][0..7] (+)= sum_k a[4k + m] * p[8k + 0..7] for m < mr; a: the packed
 * [K][4] activation tile, p: one [K][8] weight panel) retuned for the native addon's wider vectors. The
 * packing and every caller stay as in the wasm build; only the k loop changes.
 *
 * AVX2 + FMA (256-bit): a panel row is one ymm, so a row's 8 outputs are one accumulator. With 4 rows that
 * is only 4 dependent FMA chains against a 4-cycle latency and 2 FMA pipes (8 in flight needed), so the
 * k loop is split in two: even k into one set of accumulators, odd k into another, added at the end.
 * Per k pair: 2 panel loads, 8 broadcasts (load-port only) and 8 FMAs, FMA-bound at 2 per cycle.
 *
 * AVX-512F (512-bit): one zmm holds two consecutive panel rows (k, k+1); the tile's 8 values of those two
 * k (a[4k..4k+7]) are loaded once and each row's pair (a[4k+m] in the low half, a[4k+4+m] in the high
 * half) is one permute. Two zmm accumulators per row (k pairs alternating) keep 8 chains in flight; the
 * halves are added at the end.
 *
 * Either way the sum over k is taken in a different order than the wasm build's strictly sequential one,
 * so results differ from it by float32 rounding only (test/kernels/native.test.ts).
 *
 * mk2 does two panels at once (4 rows × 16 columns, both variants): per k two panel loads and 4 broadcasts
 * feed 8 FMAs, where mk needs 5 loads for 4. mk is bound by the loads: alone on one Zen 4 core, K = 64,
 * mk ran at 88 GFLOP/s (AVX2; 79 AVX-512) and mk2 at 108, against 116 for FMAs alone (2026-12-07). Its 8
 * accumulators are 8 independent chains, enough for the FMA latency; each sums k in order, as wasm does.
 */
#pragma once

#ifdef LFADS_NATIVE_AVX512

INLINE void mk(const int mr, const float *a, const float *p, int K, v4 acc[MR][2]) {
  __m512 c0[MR], c1[MR];
  __m512i idx[MR];
#pragma GCC unroll 4
  for (int m = 0; m < mr; m++) {
    const __m256 init = _mm256_set_m128(acc[m][1], acc[m][0]);
    c0[m] = _mm512_zextps256_ps512(init);
    c1[m] = _mm512_setzero_ps();
    idx[m] = _mm512_setr_epi32(m, m, m, m, m, m, m, m, m + 4, m + 4, m + 4, m + 4, m + 4, m + 4, m + 4, m + 4);
  }
  int k = 0;
  for (; k + 4 <= K; k += 4, a += 16, p += 32) {
    const __m512 b0 = _mm512_loadu_ps(p), b1 = _mm512_loadu_ps(p + 16);
    const __m512 t0 = _mm512_castps256_ps512(_mm256_loadu_ps(a)), t1 = _mm512_castps256_ps512(_mm256_loadu_ps(a + 8));
#pragma GCC unroll 4
    for (int m = 0; m < mr; m++) {
      c0[m] = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx[m], t0), b0, c0[m]);
      c1[m] = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx[m], t1), b1, c1[m]);
    }
  }
  /* 1..3 k left: one panel row at a time in the low halves. */
  for (; k < K; k++, a += 4, p += 8) {
    const __m512 b = _mm512_zextps256_ps512(_mm256_loadu_ps(p));
#pragma GCC unroll 4
    for (int m = 0; m < mr; m++) c0[m] = _mm512_fmadd_ps(_mm512_set1_ps(a[m]), b, c0[m]);
  }
#pragma GCC unroll 4
  for (int m = 0; m < mr; m++) {
    const __m512 s = _mm512_add_ps(c0[m], c1[m]);
    const __m256 r = _mm256_add_ps(_mm512_castps512_ps256(s), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
    acc[m][0] = _mm256_castps256_ps128(r);
    acc[m][1] = _mm256_extractf128_ps(r, 1);
  }
}

#else

INLINE void mk(const int mr, const float *a, const float *p, int K, v4 acc[MR][2]) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 4
  for (int m = 0; m < mr; m++) {
    c0[m] = _mm256_set_m128(acc[m][1], acc[m][0]);
    c1[m] = _mm256_setzero_ps();
  }
  int k = 0;
  for (; k + 2 <= K; k += 2, a += 8, p += 16) {
    const __m256 b0 = _mm256_loadu_ps(p), b1 = _mm256_loadu_ps(p + 8);
#pragma GCC unroll 4
    for (int m = 0; m < mr; m++) {
      c0[m] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + m), b0, c0[m]);
      c1[m] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 4 + m), b1, c1[m]);
    }
  }
  if (k < K) {
    const __m256 b0 = _mm256_loadu_ps(p);
#pragma GCC unroll 4
    for (int m = 0; m < mr; m++) c0[m] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + m), b0, c0[m]);
  }
#pragma GCC unroll 4
  for (int m = 0; m < mr; m++) {
    const __m256 s = _mm256_add_ps(c0[m], c1[m]);
    acc[m][0] = _mm256_castps256_ps128(s);
    acc[m][1] = _mm256_extractf128_ps(s, 1);
  }
}

#endif

INLINE void mk2(const int mr, const float *a, const float *p0, const float *p1, int K, v4 acc0[MR][2], v4 acc1[MR][2]) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 4
  for (int m = 0; m < mr; m++) {
    c0[m] = _mm256_set_m128(acc0[m][1], acc0[m][0]);
    c1[m] = _mm256_set_m128(acc1[m][1], acc1[m][0]);
  }
  for (int k = 0; k < K; k++, a += 4, p0 += 8, p1 += 8) {
    const __m256 b0 = _mm256_loadu_ps(p0), b1 = _mm256_loadu_ps(p1);
#pragma GCC unroll 4
    for (int m = 0; m < mr; m++) {
      const __m256 s = _mm256_broadcast_ss(a + m);
      c0[m] = _mm256_fmadd_ps(s, b0, c0[m]);
      c1[m] = _mm256_fmadd_ps(s, b1, c1[m]);
    }
  }
#pragma GCC unroll 4
  for (int m = 0; m < mr; m++) {
    acc0[m][0] = _mm256_castps256_ps128(c0[m]);
    acc0[m][1] = _mm256_extractf128_ps(c0[m], 1);
    acc1[m][0] = _mm256_castps256_ps128(c1[m]);
    acc1[m][1] = _mm256_extractf128_ps(c1[m], 1);
  }
}
