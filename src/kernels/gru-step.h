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
  v4 acc[MR][2];
  if (D > 0) {
    pack_rows(mr, hT, xin, ldxin, D); /* may write up to 3 entries past D: the h pack below overwrites them */
    for (int i = 0; i < 4 * D; i += 4) ST(rhT + i, LD(hT + i));
  }
  pack_rows(mr, hT + 4 * D, hp, ldh, H);
  for (int p = 0; p < 2 * np; p++) {
    zero_acc(mr, acc);
    mk(mr, hT, pru + p * K * NR, K, acc);
    const int gate = p >= np, j = (p - gate * np) * NR;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      const float *xm = x + m * ldx + gate * H + j;
      if (!gate) {
        v4 r0 = v_sigmoid(ADD(acc[m][0], LD(xm))), r1 = v_sigmoid(ADD(acc[m][1], LD(xm + 4)));
        ST(rb + m * Hp + j, r0);
        ST(rb + m * Hp + j + 4, r1);
        store_t(rhT + 4 * (D + j), m, MUL(r0, LD(hp + m * ldh + j)), MUL(r1, LD(hp + m * ldh + j + 4)), H - j);
      } else {
        ST(ub + m * Hp + j, v_sigmoid(ADD(ADD(acc[m][0], LD(xm)), SPL(1.0f))));
        ST(ub + m * Hp + j + 4, v_sigmoid(ADD(ADD(acc[m][1], LD(xm + 4)), SPL(1.0f))));
      }
    }
  }
  for (int p = 0; p < np; p++) {
    zero_acc(mr, acc);
    mk(mr, rhT, pc + p * K * NR, K, acc);
    const int j = p * NR, n = H - j;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      const float *xm = x + m * ldx + 2 * H + j, *hm = hp + m * ldh + j;
      v4 c0 = v_tanh(ADD(acc[m][0], LD(xm))), c1 = v_tanh(ADD(acc[m][1], LD(xm + 4)));
      v4 u0 = LD(ub + m * Hp + j), u1 = LD(ub + m * Hp + j + 4);
      v4 h0 = MADD(u0, LD(hm), MUL(SUB(SPL(1.0f), u0), c0));
      v4 h1 = MADD(u1, LD(hm + 4), MUL(SUB(SPL(1.0f), u1), c1));
      store8(st + m * ld + j, v_clip(h0, clip), v_clip(h1, clip), n);
      if (gs) {
        float *g = gs + m * ldg + j;
        store8(g, LD(rb + m * Hp + j), LD(rb + m * Hp + j + 4), n);
        store8(g + H, u0, u1, n);
        store8(g + 2 * H, c0, c1, n);
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
  v4 acc[MR][2];
  for (int p = 0; p < np; p++) {
    const int j = p * NR, n = H - j;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      v4 da_u[2], da_c[2];
      for (int h = 0; h < 2; h++) {
        const int o = j + 4 * h;
        v4 g = ADD(LD(dS + m * ldd + o), LD(dhc + m * Hp + o));
        v4 dhp = wasm_v128_and(g, wasm_f32x4_lt(wasm_f32x4_abs(LD(st + m * ld + o)), clip));
        const float *gm = gs + m * ldg + o;
        v4 u = LD(gm + H), c = LD(gm + 2 * H), hv = LD(hp + m * ldh + j + 4 * h);
        v4 omu = SUB(SPL(1.0f), u);
        da_c[h] = MUL(MUL(dhp, omu), SUB(SPL(1.0f), MUL(c, c)));
        da_u[h] = MUL(MUL(MUL(dhp, SUB(hv, c)), u), omu);
        ST(dhc + m * Hp + j + 4 * h, MUL(dhp, u));
      }
      store8(dX + m * ldx + H + j, da_u[0], da_u[1], n);
      store8(dX + m * ldx + 2 * H + j, da_c[0], da_c[1], n);
    }
  }
  /* The A operands of the dh products, transposed from the dX rows just written (4x4 shuffles for */
  /* a full block instead of a lane store per value).                                                */
  pack_rows(mr, dacT, dX + 2 * H, ldx, H);
  /* d(r*h) = da_c . WhC^T; then dr = d(r*h) * h and dh += d(r*h) * r. */
  for (int p = 0; p < np; p++) {
    zero_acc(mr, acc);
    mk(mr, dacT, pcT + p * H * NR, H, acc);
    const int j = p * NR, n = H - j;
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      v4 da_r[2];
      for (int h = 0; h < 2; h++) {
        v4 r = LD(gs + m * ldg + j + 4 * h), hv = LD(hp + m * ldh + j + 4 * h);
        da_r[h] = MUL(MUL(MUL(acc[m][h], hv), r), SUB(SPL(1.0f), r));
        float *d = dhc + m * Hp + j + 4 * h;
        ST(d, ADD(LD(d), MUL(acc[m][h], r)));
      }
      store8(dX + m * ldx + j, da_r[0], da_r[1], n);
    }
  }
  /* da_r then da_u: packing H columns may write up to 3 junk entries past them, which the second */
  /* pack overwrites.                                                                                */
  pack_rows(mr, druT, dX, ldx, H);
  pack_rows(mr, druT + 4 * H, dX + H, ldx, H);
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
