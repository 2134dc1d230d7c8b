/*
 * Shared SIMD building blocks of the kernels (gru.c, decoder.c): elementwise math, the register-blocked
 * micro-kernel and its packing, work sharing, and the weight-gradient GEMM over (batch, time) rows.
 * Everything is always inlined; see gru.c for the conventions (no globals, slack after buffers).
 */
#pragma once
#ifdef LFADS_NATIVE /* the Node addon (binding.gyp): the same intrinsics on native vectors */
#include "native/simd-native.h"
#else
#include <wasm_simd128.h>
#endif

typedef v128_t v4;
#define INLINE static inline __attribute__((always_inline))
#ifdef LFADS_NATIVE /* entry points reach the addon through the native/ wrappers that include the .c files */
#define EXPORT(name) static __attribute__((unused))
#else
#define EXPORT(name) __attribute__((export_name(#name)))
#endif

#define NR 8 /* output columns per panel: two f32x4 accumulators per row */
#define MR 4 /* rows per register block (5 or 6 spill registers in V8's x64 code) */

#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store((p), (v))
#define SPL(f) wasm_f32x4_splat(f)
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul
/* a*b + c. The FMA build (-DLFADS_FMA -mrelaxed-simd; scripts/build-wasm.sh makes both) uses one    */
/* relaxed-SIMD f32x4.relaxed_madd, which V8 turns into vfmadd where the CPU has FMA (else mul + add): */
/* the micro-kernel then issues 8 instead of 16 arithmetic instructions per k and stops being bound   */
/* by x64's 6-wide dispatch (5.2 -> 4.2 cycles per k measured). Without it, exactly mul then add.     */
#ifdef LFADS_FMA
#define MADD(a, b, c) __builtin_wasm_fma_f32x4((a), (b), (c))
#else
#define MADD(a, b, c) ADD(MUL(a, b), (c))
#endif

INLINE int pad8(int n) { return (n + 7) & ~7; }

/* ---------------------------------------------------------------------------------------------- */
/* Elementwise math: exp here; the GRU's tanh and sigmoid work on 8 lanes (v_tanh8, below).       */


/* exp for |x| <= 88 (Cephes expf: Cody-Waite reduction by ln 2 in two parts, then                   */
/* 1 + r + r^2 P5(r)), max relative error ~1.2e-7 (test/kernels/readout.test.ts measures it; decoder.c and readout.c use it). The     */
/* clamp keeps 2^n a normal float: no inf for x <= 88.3, and exp(-87.3) ~ 1e-38 stands in for smaller. */
/* n = round(x log2 e) by adding 1.5 * 2^23, whose float then holds n in its low mantissa bits: the   */
/* same n as f32x4.nearest (ties to even), and 2^n from an integer add and shift instead of V8's long */
/* saturating float-to-int sequence.                                                                  */
INLINE v4 v_exp(v4 x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, SPL(-87.3f)), SPL(88.3f));
  const v4 t = ADD(MUL(x, SPL(1.44269504088896341f)), SPL(12582912.0f));
  const v4 n = SUB(t, SPL(12582912.0f));
  v4 r = SUB(SUB(x, MUL(n, SPL(0.693359375f))), MUL(n, SPL(-2.12194440e-4f)));
  v4 p = SPL(1.9875691500e-4f);
  p = MADD(p, r, SPL(1.3981999507e-3f));
  p = MADD(p, r, SPL(8.3334519073e-3f));
  p = MADD(p, r, SPL(4.1665795894e-2f));
  p = MADD(p, r, SPL(1.6666665459e-1f));
  p = MADD(p, r, SPL(5.0000001201e-1f));
  p = ADD(MUL(MUL(p, r), r), ADD(r, SPL(1.0f)));
  /* t's bits are 0x4B400000 + n; shifted by 23 the constant part vanishes, leaving (n + 127) << 23. */
  const v4 e = wasm_i32x4_add(wasm_i32x4_shl(t, 23), wasm_i32x4_splat(127 << 23));
  return MUL(p, e);
}

/* ---------------------------------------------------------------------------------------------- */
/* Eight lanes, one 8-column group of a row (a panel's width): the GRU's gate math on one 256-bit   */
/* vector in the native addon, where it otherwise ran as two 128-bit halves (half the instructions; */
/* at H = 64 the gate math costs about as much as the products). In wasm a v8 is the two f32x4     */
/* halves, each operation applied to both. Lane by lane the operations and their order are those of */
/* the earlier 128-bit code, so results are the same bits either way.                               */
#ifdef LFADS_NATIVE
typedef __m256 v8;
INLINE v8 J8(v4 lo, v4 hi) { return _mm256_set_m128(hi, lo); }
INLINE v4 LO8(v8 x) { return _mm256_castps256_ps128(x); }
INLINE v4 HI8(v8 x) { return _mm256_extractf128_ps(x, 1); }
INLINE v8 LD8(const float *p) { return _mm256_loadu_ps(p); }
INLINE void ST8(float *p, v8 v) { _mm256_storeu_ps(p, v); }
INLINE v8 SPL8(float f) { return _mm256_set1_ps(f); }
INLINE v8 ADD8(v8 a, v8 b) { return _mm256_add_ps(a, b); }
INLINE v8 SUB8(v8 a, v8 b) { return _mm256_sub_ps(a, b); }
INLINE v8 MUL8(v8 a, v8 b) { return _mm256_mul_ps(a, b); }
INLINE v8 DIV8(v8 a, v8 b) { return _mm256_div_ps(a, b); }
INLINE v8 MADD8(v8 a, v8 b, v8 c) { return _mm256_fmadd_ps(a, b, c); } /* the addon is always the FMA build */
/* wasm's pmin/pmax: see simd-native.h */
INLINE v8 PMIN8(v8 a, v8 b) { return _mm256_min_ps(b, a); }
INLINE v8 PMAX8(v8 a, v8 b) { return _mm256_max_ps(b, a); }
INLINE v8 AND8(v8 a, v8 b) { return _mm256_and_ps(a, b); }
INLINE v8 LT8(v8 a, v8 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
INLINE v8 ABS8(v8 a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
INLINE v8 NEG8(v8 a) { return _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u))); }
#else
typedef struct {
  v4 lo, hi;
} v8;
INLINE v8 J8(v4 lo, v4 hi) { return (v8){lo, hi}; }
INLINE v4 LO8(v8 x) { return x.lo; }
INLINE v4 HI8(v8 x) { return x.hi; }
INLINE v8 LD8(const float *p) { return (v8){LD(p), LD(p + 4)}; }
INLINE void ST8(float *p, v8 v) { ST(p, v.lo); ST(p + 4, v.hi); }
INLINE v8 SPL8(float f) { return (v8){SPL(f), SPL(f)}; }
#define LFADS_LANEWISE8(NAME, OP) \
  INLINE v8 NAME(v8 a, v8 b) { return (v8){OP(a.lo, b.lo), OP(a.hi, b.hi)}; }
LFADS_LANEWISE8(ADD8, ADD)
LFADS_LANEWISE8(SUB8, SUB)
LFADS_LANEWISE8(MUL8, MUL)
LFADS_LANEWISE8(DIV8, wasm_f32x4_div)
LFADS_LANEWISE8(PMIN8, wasm_f32x4_pmin)
LFADS_LANEWISE8(PMAX8, wasm_f32x4_pmax)
LFADS_LANEWISE8(AND8, wasm_v128_and)
LFADS_LANEWISE8(LT8, wasm_f32x4_lt)
INLINE v8 MADD8(v8 a, v8 b, v8 c) { return (v8){MADD(a.lo, b.lo, c.lo), MADD(a.hi, b.hi, c.hi)}; }
INLINE v8 ABS8(v8 a) { return (v8){wasm_f32x4_abs(a.lo), wasm_f32x4_abs(a.hi)}; }
INLINE v8 NEG8(v8 a) { return (v8){wasm_f32x4_neg(a.lo), wasm_f32x4_neg(a.hi)}; }
#endif

/* tanh is the odd/even rational minimax approximation used by Eigen (generic_fast_tanh_float): max  */
/* error 4e-7 (a few ulp), one division and no exp, about half the work of an exp-based tanh; it      */
/* reaches exactly 1 at the clamp. sigmoid(x) = (1 + tanh(x/2)) / 2, accurate to 2e-7 absolute (gates */
/* enter the cell and its gradient only through absolute terms).                                      */
INLINE v8 v_tanh8(v8 x) {
  x = PMIN8(PMAX8(x, SPL8(-7.90531110763549805f)), SPL8(7.90531110763549805f));
  v8 z = MUL8(x, x);
  v8 p = SPL8(-2.76076847742355e-16f);
  p = MADD8(p, z, SPL8(2.00018790482477e-13f));
  p = MADD8(p, z, SPL8(-8.60467152213735e-11f));
  p = MADD8(p, z, SPL8(5.12229709037114e-08f));
  p = MADD8(p, z, SPL8(1.48572235717979e-05f));
  p = MADD8(p, z, SPL8(6.37261928875436e-04f));
  p = MADD8(p, z, SPL8(4.89352455891786e-03f));
  v8 q = SPL8(1.19825839466702e-06f);
  q = MADD8(q, z, SPL8(1.18534705686654e-04f));
  q = MADD8(q, z, SPL8(2.26843463243900e-03f));
  q = MADD8(q, z, SPL8(4.89352518554385e-03f));
  return DIV8(MUL8(p, x), q);
}
INLINE v8 v_sigmoid8(v8 x) { return ADD8(SPL8(0.5f), MUL8(SPL8(0.5f), v_tanh8(MUL8(SPL8(0.5f), x)))); }
INLINE v8 v_clip8(v8 x, v8 lim) { return PMIN8(PMAX8(x, NEG8(lim)), lim); }
/* The micro-kernel's two accumulators of a row as one v8. */
INLINE v8 ACC8(const v4 acc[2]) { return J8(acc[0], acc[1]); }

/* Stores the first n (1..8) lanes of the 8-lane group (a, b): a row tail must not spill into the  */
/* next row (or the next gate's columns of the same row).                                           */
INLINE void store8(float *d, v4 a, v4 b, int n) {
  if (n >= NR) {
    ST(d, a);
    ST(d + 4, b);
    return;
  }
  if (n >= 4) {
    ST(d, a);
    a = b;
    d += 4;
    n -= 4;
  }
  if (n > 0) wasm_v128_store32_lane(d, a, 0);
  if (n > 1) wasm_v128_store32_lane(d + 1, a, 1);
  if (n > 2) wasm_v128_store32_lane(d + 2, a, 2);
}

/* store8 of a v8: one 256-bit store natively when all 8 lanes are kept. */
INLINE void store8v(float *d, v8 v, int n) {
  if (n >= NR) ST8(d, v);
  else store8(d, LO8(v), HI8(v), n);
}

/* ---------------------------------------------------------------------------------------------- */
/* Register-blocked micro-kernel: acc[m][0..7] (+)= sum_k a[4k + m] * p[8k + 0..7] for m < mr,     */
/* a: packed [K][4] activation tile, p: [K][8] weight panel. mr is a compile-time constant at every */
/* call site (the function is always inlined), so acc lives in registers: 2*mr accumulators, 2    */
/* panel vectors, a broadcast and a product, 12 of x64's 16 SIMD registers for mr = 4 (5 or 6 rows */
/* spill). MADD: see its definition.                                                                */
#ifdef LFADS_NATIVE
#include "native/mk.h"
#else
INLINE void mk(const int mr, const float *a, const float *p, int K, v4 acc[MR][2]) {
  for (int k = 0; k < K; k++, a += 4, p += NR) {
    v4 b0 = LD(p), b1 = LD(p + 4);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      v4 s = wasm_v128_load32_splat(a + m);
      acc[m][0] = MADD(s, b0, acc[m][0]);
      acc[m][1] = MADD(s, b1, acc[m][1]);
    }
  }
}
#endif

/* Panels per micro-kernel call: the native addon's mk2 does two at once (native/mk.h), wasm one.   */
/* mk_panels runs `count` (1..PANELS) consecutive panels, `stride` floats apart, into acc[0..count). */
#ifdef LFADS_NATIVE
#define PANELS 2
#else
#define PANELS 1
#endif
INLINE void mk_panels(const int mr, const float *a, const float *p, int stride, int K, int count, v4 acc[PANELS][MR][2]) {
#ifdef LFADS_NATIVE
  if (count == 2) {
    mk2(mr, a, p, p + stride, K, acc[0], acc[1]);
    return;
  }
#endif
  (void)stride;
  (void)count;
  mk(mr, a, p, K, acc[0]);
}
/* Panels for the call at panel p of n (p < n); 1 in wasm, where the constant keeps the loops as before. */
#ifdef LFADS_NATIVE
INLINE int panels_left(int p, int n) { return n - p < PANELS ? n - p : PANELS; }
#else
INLINE int panels_left(int p, int n) { return (void)p, (void)n, 1; }
#endif

/* Writes the first n (1..8) lanes of row m of a transposed tile: t[4*(j + l) + m] = lane l.         */
INLINE void store_t(float *t, int m, v4 a, v4 b, int n) {
  float *d = t + m;
  if (n > 0) wasm_v128_store32_lane(d, a, 0);
  if (n > 1) wasm_v128_store32_lane(d + 4, a, 1);
  if (n > 2) wasm_v128_store32_lane(d + 8, a, 2);
  if (n > 3) wasm_v128_store32_lane(d + 12, a, 3);
  if (n > 4) wasm_v128_store32_lane(d + 16, b, 0);
  if (n > 5) wasm_v128_store32_lane(d + 20, b, 1);
  if (n > 6) wasm_v128_store32_lane(d + 24, b, 2);
  if (n > 7) wasm_v128_store32_lane(d + 28, b, 3);
}

/* The 4x4 transpose of rows a..d in place (row i of the result: lane i of each). */
INLINE void transpose4(v4 *a, v4 *b, v4 *c, v4 *d) {
  const v4 t0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  const v4 t2 = wasm_i32x4_shuffle(*c, *d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(*c, *d, 2, 6, 3, 7);
  *a = wasm_i64x2_shuffle(t0, t2, 0, 2);
  *b = wasm_i64x2_shuffle(t0, t2, 1, 3);
  *c = wasm_i64x2_shuffle(t1, t3, 0, 2);
  *d = wasm_i64x2_shuffle(t1, t3, 1, 3);
}

/* Packs K consecutive elements of mr rows (row stride ld) into a [K][4] tile: a 4x4 transpose per */
/* 4 columns for full blocks (the last group may read up to 3 floats past a row: slack), scalar    */
/* copies for the remainder rows.                                                                 */
INLINE void pack_rows(const int mr, float *t, const float *a, int ld, int K) {
  if (mr == MR) {
    for (int k = 0; k < K; k += 4) {
      v4 r0 = LD(a + k), r1 = LD(a + ld + k), r2 = LD(a + 2 * ld + k), r3 = LD(a + 3 * ld + k);
      transpose4(&r0, &r1, &r2, &r3);
      ST(t + 4 * k, r0);
      ST(t + 4 * k + 4, r1);
      ST(t + 4 * k + 8, r2);
      ST(t + 4 * k + 12, r3);
    }
    return;
  }
  for (int m = 0; m < mr; m++)
#pragma clang loop vectorize(disable)
    for (int k = 0; k < K; k++) t[4 * k + m] = a[m * ld + k];
}

INLINE void zero_acc(const int mr, v4 acc[MR][2]) {
#pragma clang loop unroll(full)
  for (int m = 0; m < mr; m++) acc[m][0] = acc[m][1] = SPL(0.0f);
}

/* Work sharing: every thread calls the same entry point on the whole batch, and takes 4-row      */
/* blocks (or weight-gradient segments) from a shared counter until none is left. A thread that    */
/* the OS preempts (the cores are shared) then delays nobody: the others take its share. What each  */
/* block computes does not depend on which thread runs it, so results are bitwise reproducible      */
/* whatever the thread count or schedule.                                                          */
/* Each call does at most max_units units and returns how many it did: fewer means none is left,   */
/* and the caller calls again until then. V8 runs wasm in its baseline compiler first and swaps in  */
/* optimised code per function once it is hot, for calls that start afterwards: with short calls  */
/* even a process's first (long) job switches after a few blocks instead of running ~3x slower to   */
/* its end. (A loop over units, rather than one unit per call, keeps V8's code for the block as    */
/* fast as with a single call for everything; without it the forward is ~5% slower.)                */
INLINE int take(int *next, int n) { return __atomic_fetch_add(next, n, __ATOMIC_RELAXED); }

/* ---------------------------------------------------------------------------------------------- */
/* Software prefetch of a block's rows a few time steps ahead (native only; wasm has no prefetch,  */
/* and its bytes stay as they were). A block's time loop reads each of its mr rows of the big      */
/* [nb,T,.] arrays at a new place every step: 4 rows of several arrays, each stream advancing by  */
/* one short row per step, and the hardware prefetchers keep up with only some of them. Measured  */
/* on the development VM (one thread, B=150 T=500 H=64): the backward time loop 45-50 -> 36-39 ms, */
/* the forward 43 -> ~39 ms; no change at H=200.                                                  */
#define PREFETCH_STEPS 2

/* n floats of each of mr rows (row stride ld) at p; rw 1: about to be written. */
INLINE void prefetch_rows(const int mr, const float *p, int ld, int n, const int rw) {
#ifdef LFADS_NATIVE
#pragma GCC unroll 4
  for (int m = 0; m < mr; m++)
    for (int i = 0; i < n; i += 16) {
      if (rw) __builtin_prefetch(p + m * ld + i, 1, 3);
      else __builtin_prefetch(p + m * ld + i, 0, 3);
    }
#else
  (void)mr, (void)p, (void)ld, (void)n, (void)rw;
#endif
}

/* ---------------------------------------------------------------------------------------------- */
/* Weight gradients: C[H][N] += sum_k A[k][0..H) (x) B[k][0..N) over the nb*T (batch, time) rows,  */
/* one large GEMM after the time loop instead of a rank-4 update per step. Per chunk of KC          */
/* rows both operands are packed (GotoBLAS style): A as tiles of 4 of its columns, [H4/4][KC][4],   */
/* and B as panels of 8 columns, [N8/8][KC][8]. The micro-kernel then reads both sequentially; a B  */
/* panel (4 KiB) stays in L1 while all A tiles stream past it from L2.                              */

#define KC 128

INLINE int pad4(int n) { return (n + 3) & ~3; }

/* One 4-row (or mr-row, at the bottom edge) by 8·count-column tile of C (count panels), accumulated */
/* over K rows; n: the columns of C left from the tile's first.                                     */
INLINE void dw_tile(const int mr, float *C, int ldc, const float *Ap, const float *Bp, int K, int n, int count) {
  v4 acc[PANELS][MR][2];
  for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      acc[q][m][0] = LD(C + m * ldc + q * NR);
      acc[q][m][1] = LD(C + m * ldc + q * NR + 4);
    }
  mk_panels(mr, Ap, Bp, K * NR, K, count, acc);
  for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) store8(C + m * ldc + q * NR, acc[q][m][0], acc[q][m][1], n - q * NR);
}

/* C[M][N] (row stride ldc) += Ap^T Bp over K packed rows. */
INLINE void dw_gemm(float *C, int ldc, int M, int N, const float *Ap, const float *Bp, int K) {
  const int np = pad8(N) / NR;
  for (int p = 0; p < np; p += PANELS) {
    const int j = p * NR, count = panels_left(p, np);
    const float *bp = Bp + j * K; /* panel p */
    for (int i = 0; i < M; i += 4) {
      const float *ap = Ap + i * K; /* tile i/4 */
      switch (M - i) {
        case 1: dw_tile(1, C + i * ldc + j, ldc, ap, bp, K, N - j, count); break;
        case 2: dw_tile(2, C + i * ldc + j, ldc, ap, bp, K, N - j, count); break;
        case 3: dw_tile(3, C + i * ldc + j, ldc, ap, bp, K, N - j, count); break;
        default: dw_tile(4, C + i * ldc + j, ldc, ap, bp, K, N - j, count);
      }
    }
  }
}

/* Packs columns [0, N) of K rows (row stride ld) into 8-column panels. Lanes past N copy whatever */
/* follows in memory: they only ever reach C's columns >= N, which are never stored.               */
INLINE void pack_b(float *dst, const float *src, int ld, int K, int N) {
  for (int j = 0; j < N; j += NR)
    for (int k = 0; k < K; k++) {
      ST(dst + j * K + k * NR, LD(src + k * ld + j));
      ST(dst + j * K + k * NR + 4, LD(src + k * ld + j + 4));
    }
}


/* The nb*T rows of a weight gradient are cut into DW_SEGMENTS contiguous segments (a fixed number, */
/* so the summation order never depends on the thread count); each segment has its own partial.     */
#define DW_SEGMENTS 8

INLINE void gemm_rows(const int mr, const float *A, int lda, const float *P, const float *bias, float *C, int ldc,
                      float *tile, int K, int N) {
  v4 acc[PANELS][MR][2];
  const int np = pad8(N) / NR;
  pack_rows(mr, tile, A, lda, K);
  for (int p0 = 0; p0 < np; p0 += PANELS) {
    const int count = panels_left(p0, np);
    for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        const int j = (p0 + q) * NR;
        acc[q][m][0] = bias ? LD(bias + j) : SPL(0.0f);
        acc[q][m][1] = bias ? LD(bias + j + 4) : SPL(0.0f);
      }
    mk_panels(mr, tile, P + p0 * NR * K, K * NR, K, count, acc);
    for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) store8(C + m * ldc + (p0 + q) * NR, acc[q][m][0], acc[q][m][1], N - (p0 + q) * NR);
  }
}

