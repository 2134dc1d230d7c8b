/*
 * Fused GRU recurrence kernels (forward over all time steps, and backpropagation through time) for
 * wasm32 + SIMD128. Compiled by scripts/build-wasm.sh; driven by gru.ts, which owns all memory.
 *
 * Math (batch-major, float32), for t = 0..T-1 (or T-1..0 when reverse), h = previous state (h0 first):
 *   r  = sigmoid(x[:,t,0:H]   + h . WhRU[:,0:H])
 *   u  = sigmoid(x[:,t,H:2H]  + h . WhRU[:,H:2H] + 1)
 *   c  = tanh   (x[:,t,2H:3H] + (r*h) . WhC)
 *   h' = clip(u*h + (1-u)*c, -clip, clip);  states[:,t] = h'
 *
 * Conventions that the code relies on:
 * - No globals, no static data, no shadow stack: several instances (one per thread) share one memory,
 *   and each entry point works only on the pointers it is given. The build checks that the shadow
 *   stack pointer is never touched.
 * - Every buffer that gru.ts allocates has >= 64 bytes of slack after its end. Row tails are read
 *   as whole 4- or 8-lane groups (so lanes past H hold junk from the next row); junk lanes never
 *   reach a valid lane (elementwise work is lane by lane, and matmul inner loops stop at exactly H
 *   or 2H) and row tails are stored lane by lane.
 * - Both matmul operands are packed so that the micro-kernel reads each sequentially and every
 *   address is a base register plus a constant (V8 then needs no address arithmetic per load):
 *   weights into panels of NR = 8 output columns, zero-padded to Hp = roundup(H, 8) (panel p holds,
 *   for every inner index k, the 8 weights of columns 8p..8p+7), and the 4-row activation block
 *   into a transposed [K][4] tile (tile[k][m] = row m's element k).
 */
#include <wasm_simd128.h>

typedef v128_t v4;
#define INLINE static inline __attribute__((always_inline))
#define EXPORT(name) __attribute__((export_name(#name)))

#define NR 8 /* output columns per panel: two f32x4 accumulators per row */
#define MR 4 /* rows per register block (5 or 6 spill registers in V8's x64 code) */

#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store((p), (v))
#define SPL(f) wasm_f32x4_splat(f)
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul

INLINE int pad8(int n) { return (n + 7) & ~7; }

/* ---------------------------------------------------------------------------------------------- */
/* Elementwise math. tanh is the odd/even rational minimax approximation used by Eigen           */
/* (generic_fast_tanh_float): max error 4e-7 (a few ulp), one division and no exp, about half the */
/* work of an exp-based tanh; it reaches exactly 1 at the clamp. sigmoid(x) = (1 + tanh(x/2)) / 2, */
/* accurate to 2e-7 absolute (gates enter the cell and its gradient only through absolute terms). */

INLINE v4 v_tanh(v4 x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, SPL(-7.90531110763549805f)), SPL(7.90531110763549805f));
  v4 z = MUL(x, x);
  v4 p = SPL(-2.76076847742355e-16f);
  p = ADD(MUL(p, z), SPL(2.00018790482477e-13f));
  p = ADD(MUL(p, z), SPL(-8.60467152213735e-11f));
  p = ADD(MUL(p, z), SPL(5.12229709037114e-08f));
  p = ADD(MUL(p, z), SPL(1.48572235717979e-05f));
  p = ADD(MUL(p, z), SPL(6.37261928875436e-04f));
  p = ADD(MUL(p, z), SPL(4.89352455891786e-03f));
  v4 q = SPL(1.19825839466702e-06f);
  q = ADD(MUL(q, z), SPL(1.18534705686654e-04f));
  q = ADD(MUL(q, z), SPL(2.26843463243900e-03f));
  q = ADD(MUL(q, z), SPL(4.89352518554385e-03f));
  return wasm_f32x4_div(MUL(p, x), q);
}

INLINE v4 v_sigmoid(v4 x) { return ADD(SPL(0.5f), MUL(SPL(0.5f), v_tanh(MUL(SPL(0.5f), x)))); }

INLINE v4 v_clip(v4 x, v4 lim) { return wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_neg(lim)), lim); }

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

/* ---------------------------------------------------------------------------------------------- */
/* Register-blocked micro-kernel: acc[m][0..7] (+)= sum_k a[4k + m] * p[8k + 0..7] for m < mr,     */
/* a: packed [K][4] activation tile, p: [K][8] weight panel. mr is a compile-time constant at every */
/* call site (the function is always inlined), so acc lives in registers: 2*mr accumulators, 2    */
/* panel vectors, a broadcast and a product, 12 of x64's 16 SIMD registers for mr = 4 (5 or 6 rows */
/* spill). No FMA: SIMD128 has none (relaxed-simd's is not on by default in Node 20).              */
INLINE void mk(const int mr, const float *a, const float *p, int K, v4 acc[MR][2]) {
  for (int k = 0; k < K; k++, a += 4, p += NR) {
    v4 b0 = LD(p), b1 = LD(p + 4);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      v4 s = wasm_v128_load32_splat(a + m);
      acc[m][0] = ADD(acc[m][0], MUL(s, b0));
      acc[m][1] = ADD(acc[m][1], MUL(s, b1));
    }
  }
}

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

/* Packs K consecutive elements of mr rows (row stride ld) into a [K][4] tile: a 4x4 transpose per */
/* 4 columns for full blocks (the last group may read up to 3 floats past a row: slack), scalar    */
/* copies for the remainder rows.                                                                 */
INLINE void pack_rows(const int mr, float *t, const float *a, int ld, int K) {
  if (mr == MR) {
    for (int k = 0; k < K; k += 4) {
      v4 r0 = LD(a + k), r1 = LD(a + ld + k), r2 = LD(a + 2 * ld + k), r3 = LD(a + 3 * ld + k);
      v4 t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
      v4 t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
      ST(t + 4 * k, wasm_i64x2_shuffle(t0, t2, 0, 2));
      ST(t + 4 * k + 4, wasm_i64x2_shuffle(t0, t2, 1, 3));
      ST(t + 4 * k + 8, wasm_i64x2_shuffle(t1, t3, 0, 2));
      ST(t + 4 * k + 12, wasm_i64x2_shuffle(t1, t3, 1, 3));
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

/* ---------------------------------------------------------------------------------------------- */
/* Weight packing (once per call; weights are small).                                              */

/* Forward panels. pru: 2*Hp/8 panels of H x 8 (r columns then u columns, each block zero-padded   */
/* from H to Hp); pc: Hp/8 panels of H x 8 for WhC.                                                 */
EXPORT(gru_pack_fwd) void gru_pack_fwd(const float *wru, const float *wc, float *pru, float *pc, int H) {
  int Hp = pad8(H), np = Hp / NR;
  for (int g = 0; g < 2; g++)
    for (int p = 0; p < np; p++)
      for (int k = 0; k < H; k++)
        for (int l = 0; l < NR; l++) {
          int j = p * NR + l;
          pru[((g * np + p) * H + k) * NR + l] = j < H ? wru[k * 2 * H + g * H + j] : 0.0f;
        }
  for (int p = 0; p < np; p++)
    for (int k = 0; k < H; k++)
      for (int l = 0; l < NR; l++) {
        int j = p * NR + l;
        pc[(p * H + k) * NR + l] = j < H ? wc[k * H + j] : 0.0f;
      }
}

/* Backward panels of the transposes. pruT: Hp/8 panels of 2H x 8, pruT[p][j][l] = WhRU[8p+l][j];  */
/* pcT: Hp/8 panels of H x 8, pcT[p][j][l] = WhC[8p+l][j]. Output index 8p+l >= H is zero.         */
EXPORT(gru_pack_bwd) void gru_pack_bwd(const float *wru, const float *wc, float *pruT, float *pcT, int H) {
  int np = pad8(H) / NR;
  for (int p = 0; p < np; p++)
    for (int l = 0; l < NR; l++) {
      int k = p * NR + l;
      for (int j = 0; j < 2 * H; j++) pruT[(p * 2 * H + j) * NR + l] = k < H ? wru[k * 2 * H + j] : 0.0f;
      for (int j = 0; j < H; j++) pcT[(p * H + j) * NR + l] = k < H ? wc[k * H + j] : 0.0f;
    }
}

EXPORT(gru_pack_fwd_floats) int gru_pack_fwd_floats(int H) { return 3 * pad8(H) * H; }
EXPORT(gru_pack_bwd_floats) int gru_pack_bwd_floats(int H) { return 3 * pad8(H) * H; }

/* ---------------------------------------------------------------------------------------------- */
/* Forward                                                                                         */

/* One time step for mr rows. x, st, gs point at row 0 of the block at time t (row stride ld3 =     */
/* T*3H for x and the gates [r|u|c], ld = T*H for the states); hp at the previous state (row stride */
/* ldh). scr holds r and u for the block (MR x Hp each) and the packed tiles of h and r*h.           */
INLINE void fwd_step(const int mr, const float *x, int ld3, const float *hp, int ldh, const float *pru,
                     const float *pc, float *st, float *gs, int ld, float *scr, int H, v4 clip) {
  const int Hp = pad8(H), np = Hp / NR;
  float *rb = scr, *ub = rb + MR * Hp, *hT = ub + MR * Hp, *rhT = hT + 4 * (Hp + 4);
  v4 acc[MR][2];
  pack_rows(mr, hT, hp, ldh, H);
  for (int p = 0; p < 2 * np; p++) {
    zero_acc(mr, acc);
    mk(mr, hT, pru + p * H * NR, H, acc);
    const int gate = p >= np, j = (p - gate * np) * NR;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      const float *xm = x + m * ld3 + gate * H + j;
      if (!gate) {
        v4 r0 = v_sigmoid(ADD(acc[m][0], LD(xm))), r1 = v_sigmoid(ADD(acc[m][1], LD(xm + 4)));
        ST(rb + m * Hp + j, r0);
        ST(rb + m * Hp + j + 4, r1);
        store_t(rhT + 4 * j, m, MUL(r0, LD(hp + m * ldh + j)), MUL(r1, LD(hp + m * ldh + j + 4)), H - j);
      } else {
        ST(ub + m * Hp + j, v_sigmoid(ADD(ADD(acc[m][0], LD(xm)), SPL(1.0f))));
        ST(ub + m * Hp + j + 4, v_sigmoid(ADD(ADD(acc[m][1], LD(xm + 4)), SPL(1.0f))));
      }
    }
  }
  for (int p = 0; p < np; p++) {
    zero_acc(mr, acc);
    mk(mr, rhT, pc + p * H * NR, H, acc);
    const int j = p * NR, n = H - j;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      const float *xm = x + m * ld3 + 2 * H + j, *hm = hp + m * ldh + j;
      v4 c0 = v_tanh(ADD(acc[m][0], LD(xm))), c1 = v_tanh(ADD(acc[m][1], LD(xm + 4)));
      v4 u0 = LD(ub + m * Hp + j), u1 = LD(ub + m * Hp + j + 4);
      v4 h0 = ADD(MUL(u0, LD(hm)), MUL(SUB(SPL(1.0f), u0), c0));
      v4 h1 = ADD(MUL(u1, LD(hm + 4)), MUL(SUB(SPL(1.0f), u1), c1));
      store8(st + m * ld + j, v_clip(h0, clip), v_clip(h1, clip), n);
      if (gs) {
        float *g = gs + m * ld3 + j;
        store8(g, LD(rb + m * Hp + j), LD(rb + m * Hp + j + 4), n);
        store8(g + H, u0, u1, n);
        store8(g + 2 * H, c0, c1, n);
      }
    }
  }
}

/* Runs rows [b, b+mr) over all T steps: the block's previous state was written one step ago, so   */
/* it is still in L1; the packed weights stream from L1/L2 once per step.                           */
INLINE void fwd_rows(const int mr, const float *x, const float *h0, const float *pru, const float *pc, float *st,
                     float *gs, float *scr, int T, int H, v4 clip, int reverse) {
  const int ld = T * H, ld3 = 3 * T * H;
  for (int s = 0; s < T; s++) {
    const int t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
    const float *hp = s == 0 ? h0 : st + tp * H;
    const int ldh = s == 0 ? H : ld;
    const int o = t * H;
    fwd_step(mr, x + 3 * o, ld3, hp, ldh, pru, pc, st + o, gs ? gs + 3 * o : 0, ld, scr, H, clip);
  }
}

/* r and u rows (MR x Hp each), then the h and r*h tiles (Hp x 4 each; 4 columns read past H). */
EXPORT(gru_fwd_scratch_floats) int gru_fwd_scratch_floats(int H) { return 2 * MR * pad8(H) + 2 * 4 * (pad8(H) + 4); }

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

/* Forward over all nb batch rows, sharing 4-row blocks through *next (0 at the start).            */
/* gs (the gates [nb,T,3H], r|u|c per row like x) may be 0: forward only, nothing saved.            */
EXPORT(gru_fwd)
int gru_fwd(const float *x, const float *h0, const float *pru, const float *pc, float *st, float *gs, float *scr,
            int *next, int nb, int T, int H, float clip, int reverse, int max_units) {
  const v4 vclip = SPL(clip);
  const int ld = T * H;
  int did = 0;
  for (int b; did < max_units && (b = take(next, MR)) < nb; did++) {
    const int o = b * ld;
    float *g = gs ? gs + 3 * o : 0;
#define FWD_ROWS(mr) fwd_rows(mr, x + 3 * o, h0 + b * H, pru, pc, st + o, g, scr, T, H, vclip, reverse)
    switch (nb - b) { /* the last block may have 1..3 rows; each size is its own register allocation */
      case 1: FWD_ROWS(1); break;
      case 2: FWD_ROWS(2); break;
      case 3: FWD_ROWS(3); break;
      default: FWD_ROWS(MR);
    }
#undef FWD_ROWS
  }
  return did;
}

/* ---------------------------------------------------------------------------------------------- */
/* Backward                                                                                        */

/* One step of backpropagation through time for mr rows at time t. dhc (MR x Hp) carries dL/dh of  */
/* the block's state at t in and out (the gradient with respect to the previous state). The gate   */
/* pre-activation gradients go to dX[:, t] and, packed, to dacT (da_c, Hp x 4) and druT ([da_r,     */
/* da_u], 2Hp x 4), the A operands of the two dh products. The clip passes gradient only where the  */
/* pre-clip value was strictly inside (-clip, clip), which is exactly where |h'| < clip.            */
INLINE void bwd_step(const int mr, const float *dS, const float *st, const float *hp, int ldh, const float *gs,
                     int ld, float *dX, int ld3, const float *pruT, const float *pcT, float *dhc, float *dacT,
                     float *druT, int H, v4 clip) {
  const int Hp = pad8(H), np = Hp / NR;
  v4 acc[MR][2];
  for (int p = 0; p < np; p++) {
    const int j = p * NR, n = H - j;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      v4 da_u[2], da_c[2];
      for (int h = 0; h < 2; h++) {
        const int o = m * ld + j + 4 * h;
        v4 g = ADD(LD(dS + o), LD(dhc + m * Hp + j + 4 * h));
        v4 dhp = wasm_v128_and(g, wasm_f32x4_lt(wasm_f32x4_abs(LD(st + o)), clip));
        const float *gm = gs + m * ld3 + j + 4 * h;
        v4 u = LD(gm + H), c = LD(gm + 2 * H), hv = LD(hp + m * ldh + j + 4 * h);
        v4 omu = SUB(SPL(1.0f), u);
        da_c[h] = MUL(MUL(dhp, omu), SUB(SPL(1.0f), MUL(c, c)));
        da_u[h] = MUL(MUL(MUL(dhp, SUB(hv, c)), u), omu);
        ST(dhc + m * Hp + j + 4 * h, MUL(dhp, u));
      }
      store_t(dacT + 4 * j, m, da_c[0], da_c[1], n);
      store_t(druT + 4 * (H + j), m, da_u[0], da_u[1], n);
      store8(dX + m * ld3 + H + j, da_u[0], da_u[1], n);
      store8(dX + m * ld3 + 2 * H + j, da_c[0], da_c[1], n);
    }
  }
  /* d(r*h) = da_c . WhC^T; then dr = d(r*h) * h and dh += d(r*h) * r. */
  for (int p = 0; p < np; p++) {
    zero_acc(mr, acc);
    mk(mr, dacT, pcT + p * H * NR, H, acc);
    const int j = p * NR, n = H - j;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      v4 da_r[2];
      for (int h = 0; h < 2; h++) {
        v4 r = LD(gs + m * ld3 + j + 4 * h), hv = LD(hp + m * ldh + j + 4 * h);
        da_r[h] = MUL(MUL(MUL(acc[m][h], hv), r), SUB(SPL(1.0f), r));
        float *d = dhc + m * Hp + j + 4 * h;
        ST(d, ADD(LD(d), MUL(acc[m][h], r)));
      }
      store_t(druT + 4 * j, m, da_r[0], da_r[1], n);
      store8(dX + m * ld3 + j, da_r[0], da_r[1], n);
    }
  }
  /* dh += [da_r, da_u] . WhRU^T (inner dimension 2H). */
  for (int p = 0; p < np; p++) {
    const int j = p * NR;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      acc[m][0] = LD(dhc + m * Hp + j);
      acc[m][1] = LD(dhc + m * Hp + j + 4);
    }
    mk(mr, druT, pruT + p * 2 * H * NR, 2 * H, acc);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      ST(dhc + m * Hp + j, acc[m][0]);
      ST(dhc + m * Hp + j + 4, acc[m][1]);
    }
  }
}

INLINE void bwd_rows(const int mr, const float *dS, const float *h0, const float *st, const float *gs,
                     const float *pruT, const float *pcT, float *dX, float *dh0, float *scr, int T, int H, v4 clip,
                     int reverse) {
  const int Hp = pad8(H), ld = T * H, ld3 = 3 * T * H;
  float *dhc = scr, *dacT = scr + MR * Hp, *druT = dacT + 4 * Hp;
  for (int i = 0; i < MR * Hp; i++) dhc[i] = 0.0f;
  for (int s = 0; s < T; s++) {
    /* Reverse of the forward order; the forward step that ran first had h0 as its previous state. */
    const int t = reverse ? s : T - 1 - s, tp = reverse ? t + 1 : t - 1;
    const int first = s == T - 1;
    const float *hp = first ? h0 : st + tp * H;
    const int ldh = first ? H : ld;
    const int o = t * H;
    bwd_step(mr, dS + o, st + o, hp, ldh, gs + 3 * o, ld, dX + 3 * o, ld3, pruT, pcT, dhc, dacT, druT, H, clip);
  }
  for (int m = 0; m < mr; m++)
    for (int j = 0; j < H; j += NR) store8(dh0 + m * H + j, LD(dhc + m * Hp + j), LD(dhc + m * Hp + j + 4), H - j);
}

/* ---------------------------------------------------------------------------------------------- */
/* Weight gradients: C[H][N] += sum_k A[k][0..H) (x) B[k][0..N) over the nb*T (batch, time) rows,  */
/* one large GEMM after the time loop instead of a rank-4 update per step. Per chunk of KC          */
/* rows both operands are packed (GotoBLAS style): A as tiles of 4 of its columns, [H4/4][KC][4],   */
/* and B as panels of 8 columns, [N8/8][KC][8]. The micro-kernel then reads both sequentially; a B  */
/* panel (4 KiB) stays in L1 while all A tiles stream past it from L2.                              */

#define KC 128

INLINE int pad4(int n) { return (n + 3) & ~3; }

/* One 4-row (or mr-row, at the bottom edge) by 8-column tile of C, accumulated over K rows. */
INLINE void dw_tile(const int mr, float *C, int ldc, const float *Ap, const float *Bp, int K, int n) {
  v4 acc[MR][2];
#pragma clang loop unroll(full)
  for (int m = 0; m < mr; m++) {
    acc[m][0] = LD(C + m * ldc);
    acc[m][1] = LD(C + m * ldc + 4);
  }
  mk(mr, Ap, Bp, K, acc);
#pragma clang loop unroll(full)
  for (int m = 0; m < mr; m++) store8(C + m * ldc, acc[m][0], acc[m][1], n);
}

/* C[M][N] (row stride ldc) += Ap^T Bp over K packed rows. */
INLINE void dw_gemm(float *C, int ldc, int M, int N, const float *Ap, const float *Bp, int K) {
  for (int j = 0; j < N; j += NR) {
    const float *bp = Bp + j * K; /* panel j/8 */
    for (int i = 0; i < M; i += 4) {
      const float *ap = Ap + i * K; /* tile i/4 */
      switch (M - i) {
        case 1: dw_tile(1, C + i * ldc + j, ldc, ap, bp, K, N - j); break;
        case 2: dw_tile(2, C + i * ldc + j, ldc, ap, bp, K, N - j); break;
        case 3: dw_tile(3, C + i * ldc + j, ldc, ap, bp, K, N - j); break;
        default: dw_tile(4, C + i * ldc + j, ldc, ap, bp, K, N - j);
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

/* The larger of the two backward phases: the time loop's dh carry and packed da tiles, or the      */
/* weight-gradient GEMM's packed chunk (with D >= 0 also the input tile: D input columns and a      */
/* column of ones for the bias; D = -1: no input weights).                                         */
EXPORT(gru_bwd_scratch_floats) int gru_bwd_scratch_floats(int H, int D) {
  const int steps = (MR + 12) * pad8(H);
  const int dw = KC * (2 * pad4(H) + pad8(2 * H) + pad8(H) + (D >= 0 ? pad4(D + 1) : 0));
  return steps > dw ? steps : dw;
}

/* Backward time loop over all nb batch rows, sharing 4-row blocks through *next: writes dX        */
/* [nb,T,3H] and dh0 [nb,H]. The weight gradients follow in gru_bwd_dw, once all of dX is written.  */
EXPORT(gru_bwd_steps)
int gru_bwd_steps(const float *dS, const float *h0, const float *st, const float *gs, const float *pruT,
                  const float *pcT, float *dX, float *dh0, float *scr, int *next, int nb, int T, int H, float clip,
                  int reverse, int max_units) {
  const v4 vclip = SPL(clip);
  const int ld = T * H;
  int did = 0;
  for (int b; did < max_units && (b = take(next, MR)) < nb; did++) {
    const int o = b * ld;
#define BWD_ROWS(mr) \
  bwd_rows(mr, dS + o, h0 + b * H, st + o, gs + 3 * o, pruT, pcT, dX + 3 * o, dh0 + b * H, scr, T, H, \
           vclip, reverse)
    switch (nb - b) {
      case 1: BWD_ROWS(1); break;
      case 2: BWD_ROWS(2); break;
      case 3: BWD_ROWS(3); break;
      default: BWD_ROWS(MR);
    }
#undef BWD_ROWS
  }
  return did;
}

/* The nb*T rows are cut into DW_SEGMENTS contiguous segments (a fixed number, so the summation     */
/* order never depends on the thread count); each segment's weight gradient goes to its own partial */
/* [H,3H] (dWhRU then dWhC), and gru.ts adds the partials in segment order.                        */
#define DW_SEGMENTS 8

EXPORT(gru_dw_segments) int gru_dw_segments(void) { return DW_SEGMENTS; }

/* With an input (D >= 0), the same pass also accumulates the input-weight and bias gradients of    */
/* xProj = x . Wx + b: dwx (one [(D+1), 3H] partial per segment, row D the bias) += [x, 1]^T . dX,   */
/* from the dX chunk already packed for the recurrent weights.                                     */
EXPORT(gru_bwd_dw)
int gru_bwd_dw(const float *h0, const float *st, const float *gs, const float *dX, float *dw, const float *x, int D,
               float *dwx, float *scr, int *next, int nb, int T, int H, int reverse, int max_units) {
  const int H4 = pad4(H), rows = nb * T, seg = (rows + DW_SEGMENTS - 1) / DW_SEGMENTS;
  float *ah = scr, *arh = ah + KC * H4, *bru = arh + KC * H4, *bc = bru + KC * pad8(2 * H), *ax = bc + KC * pad8(H);
  int did = 0;
  for (int sgm; did < max_units && (sgm = take(next, 1)) < DW_SEGMENTS; did++) {
    float *dwru = dw + sgm * 3 * H * H, *dwc = dwru + 2 * H * H;
    for (int i = 0; i < 3 * H * H; i++) dwru[i] = 0.0f;
    float *dx = D >= 0 ? dwx + sgm * (D + 1) * 3 * H : 0;
    if (D >= 0)
      for (int i = 0; i < (D + 1) * 3 * H; i++) dx[i] = 0.0f;
    const int end = (sgm + 1) * seg < rows ? (sgm + 1) * seg : rows;
    for (int r0 = sgm * seg; r0 < end; r0 += KC) {
      const int K = end - r0 < KC ? end - r0 : KC;
      /* A operands: the previous state and r*(previous state) of every row, in 4-column tiles. */
      for (int i = 0; i < K; i++) {
        const int row = r0 + i, bb = row / T, t = row - bb * T;
        const int first = reverse ? t == T - 1 : t == 0;
        const float *hp = first ? h0 + bb * H : st + (row + (reverse ? 1 : -1)) * H;
        const float *r = gs + row * 3 * H;
        for (int k = 0; k < H; k += 4) {
          v4 h = LD(hp + k);
          ST(ah + k * K + 4 * i, h);
          ST(arh + k * K + 4 * i, MUL(LD(r + k), h));
        }
      }
      pack_b(bru, dX + 3 * r0 * H, 3 * H, K, 2 * H);
      pack_b(bc, dX + 3 * r0 * H + 2 * H, 3 * H, K, H);
      dw_gemm(dwru, 2 * H, H, 2 * H, ah, bru, K);
      dw_gemm(dwc, H, H, H, arh, bc, K);
      if (D >= 0) {
        /* [x, 1] rows of the chunk as 4-column tiles: ax[(k/4)][i][k%4]. */
        for (int i = 0; i < K; i++) {
          const float *xr = x + (r0 + i) * D;
#pragma clang loop vectorize(disable)
          for (int k = 0; k < D; k++) ax[(k >> 2) * 4 * K + 4 * i + (k & 3)] = xr[k];
          ax[(D >> 2) * 4 * K + 4 * i + (D & 3)] = 1.0f;
        }
        dw_gemm(dx, 3 * H, D + 1, 2 * H, ax, bru, K);
        dw_gemm(dx + 2 * H, 3 * H, D + 1, H, ax, bc, K);
      }
    }
  }
  return did;
}

/* ---------------------------------------------------------------------------------------------- */
/* Dense products for the input projection: C[M][N] = A[M][K] . W[K][N] (+ bias[N]), W packed into   */
/* 8-column panels by gru_pack_panels. Threads share units of GEMM_ROWS rows through *next. Used for */
/* xProj = x . Wx + b before the forward recurrence and for dx = dX . Wx^T after the backward one.   */

#define GEMM_ROWS 32

/* pad8(N)/8 panels of K x 8: p[(j/8)][k][j%8] = W[k][j], zero past N. */
EXPORT(gru_pack_panels) void gru_pack_panels(const float *w, float *p, int K, int N) {
  const int np = pad8(N) / NR;
  for (int q = 0; q < np; q++)
    for (int k = 0; k < K; k++)
      for (int l = 0; l < NR; l++) {
        const int j = q * NR + l;
        p[(q * K + k) * NR + l] = j < N ? w[k * N + j] : 0.0f;
      }
}

EXPORT(gru_pack_panels_floats) int gru_pack_panels_floats(int K, int N) { return pad8(N) * K; }

/* The packed [K][4] tile of a 4-row block (K rounded up to 4: pack_rows reads whole groups). */
EXPORT(gru_gemm_scratch_floats) int gru_gemm_scratch_floats(int K) { return 4 * (pad4(K) + 4); }

INLINE void gemm_rows(const int mr, const float *A, int lda, const float *P, const float *bias, float *C, int ldc,
                      float *tile, int K, int N) {
  v4 acc[MR][2];
  pack_rows(mr, tile, A, lda, K);
  for (int j = 0; j < N; j += NR) {
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      acc[m][0] = bias ? LD(bias + j) : SPL(0.0f);
      acc[m][1] = bias ? LD(bias + j + 4) : SPL(0.0f);
    }
    mk(mr, tile, P + j * K, K, acc);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) store8(C + m * ldc + j, acc[m][0], acc[m][1], N - j);
  }
}

/* bias may be 0 (none); bias is read in whole 8-lane groups (slack). K may be 0 (C = bias). */
EXPORT(gru_gemm)
int gru_gemm(const float *A, const float *P, const float *bias, float *C, float *tile, int *next, int M, int K, int N,
             int max_units) {
  int did = 0;
  for (int r0; did < max_units && (r0 = take(next, GEMM_ROWS)) < M; did++) {
    const int end = r0 + GEMM_ROWS < M ? r0 + GEMM_ROWS : M;
    for (int b = r0; b < end; b += MR) {
#define GEMM_ROWS_(mr) gemm_rows(mr, A + b * K, K, P, bias, C + b * N, N, tile, K, N)
      switch (end - b) {
        case 1: GEMM_ROWS_(1); break;
        case 2: GEMM_ROWS_(2); break;
        case 3: GEMM_ROWS_(3); break;
        default: GEMM_ROWS_(MR);
      }
#undef GEMM_ROWS_
    }
  }
  return did;
}

/* dst[i] += src[i]: the reduction of the weight-gradient partials. */
EXPORT(gru_add) void gru_add(float *dst, const float *src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) ST(dst + i, ADD(LD(dst + i), LD(src + i)));
  for (; i < n; i++) dst[i] += src[i];
}
