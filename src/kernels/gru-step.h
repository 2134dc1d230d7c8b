/*
 * One GRU time step for a block of up to 4 rows, forward and backward (the TF LFADS cell; gru.c has
 * the math). Shared by the single-recurrence kernels (gru.c) and the coupled decoder (decoder.c).
 */
#pragma once
#include "simd.h"

/* ---------------------------------------------------------------------------------------------- */
/* Forward                                                                                         */

/* One time step for mr rows. x, st, gs point at row 0 of the block at time t (row strides ldx for  */
/* x [r|u|c], ldg for the gates [r|u|c], ld for the states; ldx = 0: one row shared by all, e.g.   */
/* the biases); hp at the previous state (row stride ldh). With D > 0 the step also projects its    */
/* input rows xin (stride ldxin): the panels then hold K = D + H rows per column, Wx's D rows       */
/* first, and the packed tiles [x; h] and [x; r*h]. scr holds r and u for the block (MR x Hp each)  */
/* and the two tiles (fwd_step_scratch_floats).                                                      */
INLINE int fwd_step_scratch_floats(int H, int D) { return 2 * MR * pad8(H) + 2 * 4 * (D + pad8(H) + 4); }

INLINE void fwd_step(const int mr, const float *x, int ldx, const float *xin, int ldxin, int D, const float *hp, int ldh,
                     const float *pru, const float *pc, float *st, float *gs, int ld, int ldg, float *scr, int H,
                     v4 clip) {
  const int Hp = pad8(H), np = Hp / NR, K = D + H;
  float *rb = scr, *ub = rb + MR * Hp, *hT = ub + MR * Hp, *rhT = hT + 4 * (D + Hp + 4);
  const v8 clip8 = J8(clip, clip);
  v4 acc[PANELS][MR][2];
  if (D > 0) {
    pack_rows(mr, hT, xin, ldxin, D); /* may write up to 3 entries past D: the h pack below overwrites them */
    for (int i = 0; i < 4 * D; i += 4) ST(rhT + i, LD(hT + i));
  }
  pack_rows(mr, hT + 4 * D, hp, ldh, H);
  for (int p0 = 0; p0 < 2 * np; p0 += PANELS) {
    const int count = panels_left(p0, 2 * np);
    for (int q = 0; q < count; q++) zero_acc(mr, acc[q]);
    mk_panels(mr, hT, pru + p0 * K * NR, K * NR, K, count, acc);
    for (int q = 0; q < count; q++) {
      const int p = p0 + q, gate = p >= np, j = (p - gate * np) * NR;
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        const v8 a = ADD8(ACC8(acc[q][m]), LD8(x + m * ldx + gate * H + j));
        if (!gate) {
          const v8 r = v_sigmoid8(a), rh = MUL8(r, LD8(hp + m * ldh + j));
          ST8(rb + m * Hp + j, r);
          store_t(rhT + 4 * (D + j), m, LO8(rh), HI8(rh), H - j);
        } else {
          ST8(ub + m * Hp + j, v_sigmoid8(ADD8(a, SPL8(1.0f))));
        }
      }
    }
  }
  for (int p0 = 0; p0 < np; p0 += PANELS) {
    const int count = panels_left(p0, np);
    for (int q = 0; q < count; q++) zero_acc(mr, acc[q]);
    mk_panels(mr, rhT, pc + p0 * K * NR, K * NR, K, count, acc);
    for (int q = 0; q < count; q++) {
      const int j = (p0 + q) * NR, n = H - j;
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        const v8 c = v_tanh8(ADD8(ACC8(acc[q][m]), LD8(x + m * ldx + 2 * H + j))), u = LD8(ub + m * Hp + j);
        const v8 h = MADD8(u, LD8(hp + m * ldh + j), MUL8(SUB8(SPL8(1.0f), u), c));
        store8v(st + m * ld + j, v_clip8(h, clip8), n);
        if (gs) {
          float *g = gs + m * ldg + j;
          store8v(g, LD8(rb + m * Hp + j), n);
          store8v(g + H, u, n);
          store8v(g + 2 * H, c, n);
        }
      }
    }
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* Backward                                                                                        */

/* One step of backpropagation through time for mr rows at time t. dhc (MR x Hp) carries dL/dh of  */
/* the block's state at t in and out (the gradient with respect to the previous state). The gate   */
/* pre-activation gradients go to dX[:, t] and, packed, to dacT (da_c, Hp x 4) and druT ([da_r,     */
/* da_u], 2Hp x 4), the A operands of the two dh products. The clip passes gradient only where the  */
/* pre-clip value was strictly inside (-clip, clip), which is exactly where |h'| < clip.            */
/* Row strides: ldd for dS, ld for the states, ldh for hp, ldg for the gates, ldx for dX.            */
INLINE void bwd_step(const int mr, const float *dS, int ldd, const float *st, int ld, const float *hp, int ldh,
                     const float *gs, int ldg, float *dX, int ldx, const float *pruT, const float *pcT, float *dhc,
                     float *dacT, float *druT, int H, v4 clip) {
  const int Hp = pad8(H), np = Hp / NR;
  const v8 clip8 = J8(clip, clip);
  v4 acc[PANELS][MR][2];
  for (int p = 0; p < np; p++) {
    const int j = p * NR, n = H - j;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      const v8 g = ADD8(LD8(dS + m * ldd + j), LD8(dhc + m * Hp + j));
      const v8 dhp = AND8(g, LT8(ABS8(LD8(st + m * ld + j)), clip8));
      const float *gm = gs + m * ldg + j;
      const v8 u = LD8(gm + H), c = LD8(gm + 2 * H), hv = LD8(hp + m * ldh + j);
      const v8 omu = SUB8(SPL8(1.0f), u);
      ST8(dhc + m * Hp + j, MUL8(dhp, u));
      store8v(dX + m * ldx + H + j, MUL8(MUL8(MUL8(dhp, SUB8(hv, c)), u), omu), n);
      store8v(dX + m * ldx + 2 * H + j, MUL8(MUL8(dhp, omu), SUB8(SPL8(1.0f), MUL8(c, c))), n);
    }
  }
  /* The A operands of the dh products, transposed from the dX rows just written (4x4 shuffles for */
  /* a full block instead of a lane store per value).                                                */
  pack_rows(mr, dacT, dX + 2 * H, ldx, H);
  /* d(r*h) = da_c . WhC^T; then dr = d(r*h) * h and dh += d(r*h) * r. */
  for (int p0 = 0; p0 < np; p0 += PANELS) {
    const int count = panels_left(p0, np);
    for (int q = 0; q < count; q++) zero_acc(mr, acc[q]);
    mk_panels(mr, dacT, pcT + p0 * H * NR, H * NR, H, count, acc);
    for (int q = 0; q < count; q++) {
      const int j = (p0 + q) * NR, n = H - j;
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        const v8 a = ACC8(acc[q][m]), r = LD8(gs + m * ldg + j), hv = LD8(hp + m * ldh + j);
        float *d = dhc + m * Hp + j;
        ST8(d, ADD8(LD8(d), MUL8(a, r)));
        store8v(dX + m * ldx + j, MUL8(MUL8(MUL8(a, hv), r), SUB8(SPL8(1.0f), r)), n);
      }
    }
  }
  /* da_r then da_u: packing H columns may write up to 3 junk entries past them, which the second */
  /* pack overwrites.                                                                                */
  pack_rows(mr, druT, dX, ldx, H);
  pack_rows(mr, druT + 4 * H, dX + H, ldx, H);
  /* dh += [da_r, da_u] . WhRU^T (inner dimension 2H). */
  for (int p0 = 0; p0 < np; p0 += PANELS) {
    const int count = panels_left(p0, np);
    for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        acc[q][m][0] = LD(dhc + m * Hp + (p0 + q) * NR);
        acc[q][m][1] = LD(dhc + m * Hp + (p0 + q) * NR + 4);
      }
    mk_panels(mr, druT, pruT + p0 * 2 * H * NR, 2 * H * NR, 2 * H, count, acc);
    for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        ST(dhc + m * Hp + (p0 + q) * NR, acc[q][m][0]);
        ST(dhc + m * Hp + (p0 + q) * NR + 4, acc[q][m][1]);
      }
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* The steps as their own (not inlined) functions, one per row count, for the per-block time loops: */
/* inlined into a large loop body, V8's register allocation of the micro-kernel loops suffers        */
/* (measured in the coupled decoder: its two cells' forward steps took 2.3x as long as in gru_fwd;   */
/* its forward went from 363 to 225 ms on one thread at the seed sizes).                            */
#define FWD_STEP_FN(MRV)                                                                                          \
  static __attribute__((noinline)) void fwd_step_##MRV(const float *x, int ldx, const float *xin, int ldxin, int D, \
                                                       const float *hp, int ldh, const float *pru, const float *pc,     \
                                                       float *st, float *gs, int ld, int ldg, float *scr, int H,       \
                                                       v4 clip) {                                                       \
    fwd_step(MRV, x, ldx, xin, ldxin, D, hp, ldh, pru, pc, st, gs, ld, ldg, scr, H, clip);                              \
  }
FWD_STEP_FN(1)
FWD_STEP_FN(2)
FWD_STEP_FN(3)
FWD_STEP_FN(4)

INLINE void fwd_step_call(const int mr, const float *x, int ldx, const float *xin, int ldxin, int D, const float *hp,
                         int ldh, const float *pru, const float *pc, float *st, float *gs, int ld, int ldg, float *scr,
                         int H, v4 clip) {
  if (mr == 1) fwd_step_1(x, ldx, xin, ldxin, D, hp, ldh, pru, pc, st, gs, ld, ldg, scr, H, clip);
  else if (mr == 2) fwd_step_2(x, ldx, xin, ldxin, D, hp, ldh, pru, pc, st, gs, ld, ldg, scr, H, clip);
  else if (mr == 3) fwd_step_3(x, ldx, xin, ldxin, D, hp, ldh, pru, pc, st, gs, ld, ldg, scr, H, clip);
  else fwd_step_4(x, ldx, xin, ldxin, D, hp, ldh, pru, pc, st, gs, ld, ldg, scr, H, clip);
}

#define BWD_STEP_FN(MRV)                                                                                         \
  static __attribute__((noinline)) void bwd_step_##MRV(                                                       \
      const float *dS, int ldd, const float *st, int ld, const float *hp, int ldh, const float *gs, int ldg,       \
      float *dX, int ldx, const float *pruT, const float *pcT, float *dhc, float *dacT, float *druT, int H,        \
      v4 clip) {                                                                                                \
    bwd_step(MRV, dS, ldd, st, ld, hp, ldh, gs, ldg, dX, ldx, pruT, pcT, dhc, dacT, druT, H, clip);               \
  }
BWD_STEP_FN(1)
BWD_STEP_FN(2)
BWD_STEP_FN(3)
BWD_STEP_FN(4)

INLINE void bwd_step_call(const int mr, const float *dS, int ldd, const float *st, int ld, const float *hp, int ldh,
                         const float *gs, int ldg, float *dX, int ldx, const float *pruT, const float *pcT, float *dhc,
                         float *dacT, float *druT, int H, v4 clip) {
  if (mr == 1) bwd_step_1(dS, ldd, st, ld, hp, ldh, gs, ldg, dX, ldx, pruT, pcT, dhc, dacT, druT, H, clip);
  else if (mr == 2) bwd_step_2(dS, ldd, st, ld, hp, ldh, gs, ldg, dX, ldx, pruT, pcT, dhc, dacT, druT, H, clip);
  else if (mr == 3) bwd_step_3(dS, ldd, st, ld, hp, ldh, gs, ldg, dX, ldx, pruT, pcT, dhc, dacT, druT, H, clip);
  else bwd_step_4(dS, ldd, st, ld, hp, ldh, gs, ldg, dX, ldx, pruT, pcT, dhc, dacT, druT, H, clip);
}
