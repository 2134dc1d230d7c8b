/*
 * The subset of clang's <wasm_simd128.h> that the kernels use, on x86-64 SSE4.1/AVX vectors, so that the same C
 * (gru.c, decoder.c, readout.c, mask.c) compiles natively for the Node addon (binding.gyp). A v128_t is an
 * __m128 whatever its lanes mean, as in wasm; integer operations cast. Every function here computes exactly
 * what its wasm instruction computes (IEEE float32, no contraction: the build passes -ffp-contract=off), so
 * the elementwise math matches the wasm kernels bit for bit; only MADD is fused (as gru-fma.wasm on a CPU with
 * FMA3) and the micro-kernel's summation order differs (native/mk.h).
 */
#pragma once
#include <immintrin.h>
#include <stdint.h>

typedef __m128 v128_t;
typedef int32_t lfads_i32x4 __attribute__((vector_size(16)));

#define LFADS_NI static inline __attribute__((always_inline))
#define LFADS_I(v) _mm_castps_si128(v)
#define LFADS_F(v) _mm_castsi128_ps(v)

LFADS_NI v128_t wasm_v128_load(const void *p) { return _mm_loadu_ps((const float *)p); }
LFADS_NI void wasm_v128_store(void *p, v128_t v) { _mm_storeu_ps((float *)p, v); }
LFADS_NI v128_t wasm_v128_load32_splat(const void *p) { return _mm_set1_ps(*(const float *)p); }
#define wasm_v128_store32_lane(p, v, lane) (*(float *)(p) = (v)[(lane)])
#define wasm_f32x4_extract_lane(v, lane) ((v)[(lane)])
#define wasm_i32x4_extract_lane(v, lane) (((lfads_i32x4)LFADS_I(v))[(lane)])

LFADS_NI v128_t wasm_f32x4_splat(float f) { return _mm_set1_ps(f); }
LFADS_NI v128_t wasm_i32x4_splat(int32_t i) { return LFADS_F(_mm_set1_epi32(i)); }
LFADS_NI v128_t wasm_i32x4_make(int32_t a, int32_t b, int32_t c, int32_t d) { return LFADS_F(_mm_setr_epi32(a, b, c, d)); }

LFADS_NI v128_t wasm_f32x4_add(v128_t a, v128_t b) { return _mm_add_ps(a, b); }
LFADS_NI v128_t wasm_f32x4_sub(v128_t a, v128_t b) { return _mm_sub_ps(a, b); }
LFADS_NI v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return _mm_mul_ps(a, b); }
LFADS_NI v128_t wasm_f32x4_div(v128_t a, v128_t b) { return _mm_div_ps(a, b); }
/* pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a, which is what x86's minps/maxps return with */
/* the operands swapped (they return their second operand when the comparison is false).                 */
LFADS_NI v128_t wasm_f32x4_pmin(v128_t a, v128_t b) { return _mm_min_ps(b, a); }
LFADS_NI v128_t wasm_f32x4_pmax(v128_t a, v128_t b) { return _mm_max_ps(b, a); }
LFADS_NI v128_t wasm_f32x4_abs(v128_t a) { return _mm_and_ps(a, LFADS_F(_mm_set1_epi32(0x7fffffff))); }
LFADS_NI v128_t wasm_f32x4_neg(v128_t a) { return _mm_xor_ps(a, LFADS_F(_mm_set1_epi32((int32_t)0x80000000u))); }
LFADS_NI v128_t wasm_f32x4_lt(v128_t a, v128_t b) { return _mm_cmplt_ps(a, b); }

/* and in the float domain (its callers mask float values); or and xor in the integer one, where mask.c's */
/* generator chains use them between integer shifts and multiplies (no domain crossing on its critical path: */
/* 4.8 million mask values in 4.0 -> 2.7 ms on the development VM). Bitwise the same either way.            */
LFADS_NI v128_t wasm_v128_and(v128_t a, v128_t b) { return _mm_and_ps(a, b); }
LFADS_NI v128_t wasm_v128_or(v128_t a, v128_t b) { return LFADS_F(_mm_or_si128(LFADS_I(a), LFADS_I(b))); }
LFADS_NI v128_t wasm_v128_xor(v128_t a, v128_t b) { return LFADS_F(_mm_xor_si128(LFADS_I(a), LFADS_I(b))); }

LFADS_NI v128_t wasm_i32x4_add(v128_t a, v128_t b) { return LFADS_F(_mm_add_epi32(LFADS_I(a), LFADS_I(b))); }
LFADS_NI v128_t wasm_i32x4_mul(v128_t a, v128_t b) { return LFADS_F(_mm_mullo_epi32(LFADS_I(a), LFADS_I(b))); }
/* wasm takes the shift count modulo 32; every call site passes a constant in 0..31. */
LFADS_NI v128_t wasm_i32x4_shl(v128_t a, int k) { return LFADS_F(_mm_sll_epi32(LFADS_I(a), _mm_cvtsi32_si128(k & 31))); }
LFADS_NI v128_t wasm_u32x4_shr(v128_t a, int k) { return LFADS_F(_mm_srl_epi32(LFADS_I(a), _mm_cvtsi32_si128(k & 31))); }
LFADS_NI v128_t wasm_i32x4_lt(v128_t a, v128_t b) { return LFADS_F(_mm_cmplt_epi32(LFADS_I(a), LFADS_I(b))); }
/* Unsigned a < b: flip the sign bits, then compare signed. */
LFADS_NI v128_t wasm_u32x4_lt(v128_t a, v128_t b) {
  const __m128i s = _mm_set1_epi32((int32_t)0x80000000u);
  return LFADS_F(_mm_cmplt_epi32(_mm_xor_si128(LFADS_I(a), s), _mm_xor_si128(LFADS_I(b), s)));
}

/* Lane shuffles of two vectors (indices 0..3: a, 4..7: b), as wasm's i8x16.shuffle would compute. */
#define wasm_i32x4_shuffle(a, b, i0, i1, i2, i3) \
  ((v128_t)__builtin_shufflevector((lfads_i32x4)LFADS_I(a), (lfads_i32x4)LFADS_I(b), i0, i1, i2, i3))
#define wasm_i64x2_shuffle(a, b, i0, i1) \
  ((v128_t)__builtin_shufflevector((__m128d)(a), (__m128d)(b), i0, i1))

/* The relaxed-SIMD multiply-add as the FMA build issues it: one rounding. */
#define __builtin_wasm_fma_f32x4(a, b, c) _mm_fmadd_ps((a), (b), (c))
