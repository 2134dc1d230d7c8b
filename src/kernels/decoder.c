/*
 * The coupled controller + generator decoder of LFADS, forward over all time steps and its
 * backpropagation through time, for wasm32 + SIMD128. Driven by decoder.ts, which owns all memory.
 *
 * Math (batch-major, float32), for t = 0..T-1, with k_{-1} = k0, s_{-1} = s0, f_{-1} = s0 . Wfac
 * (undropped, as TF LFADS):
 *   xc_t        = ab[:,t] + (f_{t-1} * mfb[:,t]) . Wfb            (the feedback term only when fb)
 *   k_t         = GRU_con(xc_t, k_{t-1})                          (gru.c's cell, forget bias +1, clip)
 *   [m_t | l_t] = k_t . Wpost + bpost                             (controller-output posterior)
 *   u_t         = m_t + exp(l_t / 2) * eps[:,t]   (mode 1)   or   m_t   (mode 0)
 *   xg_t        = rest[:,t] + u_t . Wgu                           (rest: bias + external inputs)
 *   s_t         = GRU_gen(xg_t, s_{t-1})
 *   f_t         = (s_t * mgen[:,t]) . Wfac
 * ab [B,T,3C] and rest hold every bias but the +1 forget bias; rest is [B,T,3G] or one [3G] row.
 * mfb, mgen are dropout masks (0 or 1/keep; 0 pointer: none).
 *
 * Each 4-row block of the batch runs all T steps of both cells with its states in L1, so the coupling
 * costs no barrier between threads. Backward runs the block in reverse time and writes the gate
 * pre-activation gradients dXc, dXg and the per-step gradients of [m|l] and of f; the weight gradients
 * are then GEMMs over all B*T rows (gru.c's gru_bwd_dw for the two cells, dec_gemm_tn for the rest).
 * Same conventions as gru.c: no globals, 64 bytes of slack after every buffer, junk lanes never stored.
 */
#include "gru-step.h"

/* The arguments of a call, one 32-bit word each (decoder.ts writes them in this order). */
typedef struct {
  int B, T, C, G, U, F, fb, mode, restFull;
  float clip;
  const float *ab, *rest, *k0, *s0, *eps, *mfb, *mgen;
  /* forward panels: the cells' gru_pack_fwd_in of [Wfb; WhC] (fb; else gru_pack_fwd of Wh) and [Wgu; WhG], and
     gru_pack_panels of Wpost [C,2U], Wfac [G,F] */
  const float *cPru, *cPc, *gPru, *gPc, *pPost, *bPost, *pFac;
  /* outputs [B,T,C], [B,T,G], [B,T,F], [B,T,2U], [B,T,U]; gates [B,T,3C], [B,T,3G] and the masked feedback
     [B,T,F] that backward needs (0: forward only) */
  float *k, *s, *f, *mv, *u, *cg, *gg, *fbIn;
  /* backward: cotangents of s, f, k, [m|l], u (dK, dU may be 0) */
  const float *dS, *dF, *dK, *dMV, *dU;
  /* backward panels: gru_pack_bwd of both cells, gru_pack_panels of Wfb^T, Wpost^T, Wgu^T, Wfac^T */
  const float *cPruT, *cPcT, *gPruT, *gPcT, *pFbT, *pPostT, *pGuT, *pFacT;
  /* backward outputs: [B,T,3C], [B,T,3G], [B,T,2U] (total d[m|l]), [B,T,F] (total df), [B,C], [B,G], [B,F] */
  float *dXc, *dXg, *dMVt, *dFt, *dk0, *ds0, *dfb0;
} DecArgs;

EXPORT(dec_args_words) int dec_args_words(void) { return (int)(sizeof(DecArgs) / 4); }

INLINE int imax(int a, int b) { return a > b ? a : b; }

/* C[m][0..N) = init[m] (row stride ldi; 0: zeros) + tile . P for mr rows, P in panels of K rows. */
INLINE void rows_gemm(const int mr, const float *tile, const float *P, int K, int N, const float *init, int ldi,
                      float *C, int ldc) {
  v4 acc[PANELS][MR][2];
  const int np = pad8(N) / NR;
  for (int p0 = 0; p0 < np; p0 += PANELS) {
    const int count = panels_left(p0, np);
    for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        const int j = (p0 + q) * NR;
        acc[q][m][0] = init ? LD(init + m * ldi + j) : SPL(0.0f);
        acc[q][m][1] = init ? LD(init + m * ldi + j + 4) : SPL(0.0f);
      }
    mk_panels(mr, tile, P + p0 * NR * K, K * NR, K, count, acc);
    for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) store8(C + m * ldc + (p0 + q) * NR, acc[q][m][0], acc[q][m][1], N - (p0 + q) * NR);
  }
}

/* Scratch layout of one thread (floats), shared by forward and backward. */
typedef struct {
  float *gru, *tile, *fInit, *fbBuf, *sm;               /* forward */
  float *dkc, *dsc, *dacT, *druT, *dsBuf, *dkBuf, *dfc, *du; /* backward */
} Scr;

#define GAP 16 /* floats between scratch parts: every row read may run 8 lanes past its end */

INLINE int tile_floats(const DecArgs *a) {
  int K = imax(imax(3 * a->C, 3 * a->G), imax(2 * a->U, a->F));
  return 4 * (pad4(K) + 4);
}

/* Lays the parts out from p; returns the floats used. */
INLINE int scr_layout(const DecArgs *a, float *p, Scr *s) {
  const int Hm = imax(pad8(a->C), pad8(a->G)), Cp = pad8(a->C), Gp = pad8(a->G), Fp = pad8(a->F), Up = pad8(a->U);
  float **part[] = {&s->gru, &s->tile, &s->fInit, &s->fbBuf, &s->sm, &s->dkc,
                    &s->dsc, &s->dacT, &s->druT, &s->dsBuf, &s->dkBuf, &s->dfc, &s->du};
  const int size[] = {fwd_step_scratch_floats(Hm, imax(a->F, a->U)), tile_floats(a), MR * Fp, MR * Fp, MR * Gp,
                      MR * Cp, MR * Gp, 4 * Hm, 8 * Hm, MR * Gp, MR * Cp, MR * Fp, MR * Up};
  int off = 0;
  for (int i = 0; i < (int)(sizeof(size) / sizeof(size[0])); i++) {
    *part[i] = p + off;
    off += size[i] + GAP;
  }
  return off;
}

EXPORT(dec_scratch_floats) int dec_scratch_floats(const DecArgs *a) {
  Scr s;
  return scr_layout(a, (float *)a, &s); /* the base does not matter for the size */
}

/* ---------------------------------------------------------------------------------------------- */
/* Forward                                                                                         */

INLINE void dec_fwd_rows(const int mr, const DecArgs *a, int b, float *scrp) {
  const int T = a->T, C = a->C, G = a->G, U = a->U, F = a->F;
  const int Gp = pad8(G), Fp = pad8(F);
  const int ldk = T * C, lds = T * G, ldf = T * F, ldmv = T * 2 * U, ldu = T * U, ldc3 = T * 3 * C, ldg3 = T * 3 * G;
  const int ldr = a->restFull ? ldg3 : 0;
    Scr s;
  scr_layout(a, scrp, &s);
  const int r0 = b * T; /* (batch row b, time 0) */
  if (a->fb) { /* f_{-1} = s0 . Wfac */
    pack_rows(mr, s.tile, a->s0 + b * G, G, G);
    rows_gemm(mr, s.tile, a->pFac, G, F, 0, 0, s.fInit, Fp);
  }
  for (int t = 0; t < T; t++) {
    const int o = r0 + t;
    if (t + PREFETCH_STEPS < T) { /* the big streams' rows a few steps ahead (simd.h) */
      const int q = o + PREFETCH_STEPS;
      prefetch_rows(mr, a->ab + q * 3 * C, ldc3, 3 * C, 0);
      prefetch_rows(mr, a->k + q * C, ldk, C, 1);
      if (a->cg) prefetch_rows(mr, a->cg + q * 3 * C, ldc3, 3 * C, 1);
      prefetch_rows(mr, a->s + q * G, lds, G, 1);
      if (a->gg) prefetch_rows(mr, a->gg + q * 3 * G, ldg3, 3 * G, 1);
      if (a->mgen) prefetch_rows(mr, a->mgen + q * G, lds, G, 0);
    }
    /* Controller: its input projection ab_t plus, folded into the step, the fed-back factors. */
    const float *x = a->ab + o * 3 * C;
    const float *fi = 0;
    int ldfi = 0;
    if (a->fb) {
      const float *fp = t == 0 ? s.fInit : a->f + (o - 1) * F;
      const int ldfp = t == 0 ? Fp : ldf;
      float *fo = a->fbIn ? a->fbIn + o * F : s.fbBuf;
      ldfi = a->fbIn ? ldf : Fp;
      for (int m = 0; m < mr; m++)
#pragma clang loop vectorize(disable)
        for (int i = 0; i < F; i++) fo[m * ldfi + i] = a->mfb ? fp[m * ldfp + i] * a->mfb[o * F + m * ldf + i] : fp[m * ldfp + i];
      fi = fo;
    }
    float *kt = a->k + o * C;
    const float *kp = t == 0 ? a->k0 + b * C : kt - C;
    fwd_step_call(mr, x, ldc3, fi, ldfi, a->fb ? F : 0, kp, t == 0 ? C : ldk, a->cPru, a->cPc, kt,
                  a->cg ? a->cg + o * 3 * C : 0, ldk, ldc3, s.gru, C, SPL(a->clip));
    /* Controller-output posterior and u. */
    float *mv = a->mv + o * 2 * U, *ut = a->u + o * U;
    pack_rows(mr, s.tile, kt, ldk, C);
    rows_gemm(mr, s.tile, a->pPost, C, 2 * U, a->bPost, 0, mv, ldmv);
    for (int m = 0; m < mr; m++)
      for (int i = 0; i < U; i += 4) {
        v4 v = LD(mv + m * ldmv + i);
        if (a->mode) v = ADD(v, MUL(v_exp(MUL(SPL(0.5f), LD(mv + m * ldmv + U + i))), LD(a->eps + o * U + m * ldu + i)));
        store8(ut + m * ldu + i, v, v, U - i < 4 ? U - i : 4);
      }
    /* Generator: rest_t plus, folded into the step, u_t . Wgu. */
    float *st = a->s + o * G;
    const float *sp = t == 0 ? a->s0 + b * G : st - G;
    fwd_step_call(mr, a->rest + (a->restFull ? o * 3 * G : 0), ldr, ut, ldu, U, sp, t == 0 ? G : lds, a->gPru, a->gPc, st,
                  a->gg ? a->gg + o * 3 * G : 0, lds, ldg3, s.gru, G, SPL(a->clip));
    /* Factors. */
    if (a->mgen) {
      for (int m = 0; m < mr; m++)
        for (int j = 0; j < G; j += 4) ST(s.sm + m * Gp + j, MUL(LD(st + m * lds + j), LD(a->mgen + o * G + m * lds + j)));
      pack_rows(mr, s.tile, s.sm, Gp, G);
    } else
      pack_rows(mr, s.tile, st, lds, G);
    rows_gemm(mr, s.tile, a->pFac, G, F, 0, 0, a->f + o * F, ldf);
  }
}

/* Forward over all B rows, sharing 4-row blocks through *next (0 at the start). */
EXPORT(dec_fwd) int dec_fwd(const DecArgs *a, float *scr, int *next, int max_units) {
  int did = 0;
  for (int b; did < max_units && (b = take(next, MR)) < a->B; did++) {
    switch (a->B - b) {
      case 1: dec_fwd_rows(1, a, b, scr); break;
      case 2: dec_fwd_rows(2, a, b, scr); break;
      case 3: dec_fwd_rows(3, a, b, scr); break;
      default: dec_fwd_rows(MR, a, b, scr);
    }
  }
  return did;
}

/* ---------------------------------------------------------------------------------------------- */
/* Backward through time                                                                           */

INLINE void dec_bwd_rows(const int mr, const DecArgs *a, int b, float *scrp) {
  const int T = a->T, C = a->C, G = a->G, U = a->U, F = a->F;
  const int Cp = pad8(C), Gp = pad8(G), Fp = pad8(F), Up = pad8(U);
  const int ldk = T * C, lds = T * G, ldf = T * F, ldmv = T * 2 * U, ldu = T * U, ldc3 = T * 3 * C, ldg3 = T * 3 * G;
  Scr s;
  scr_layout(a, scrp, &s);
  const int r0 = b * T;
  for (int i = 0; i < MR * Cp; i++) s.dkc[i] = 0.0f;
  for (int i = 0; i < MR * Gp; i++) s.dsc[i] = 0.0f;
  for (int i = 0; i < MR * Fp; i++) s.dfc[i] = 0.0f;
  for (int t = T - 1; t >= 0; t--) {
    const int o = r0 + t;
    if (t >= PREFETCH_STEPS) { /* the big streams' rows a few steps ahead (simd.h) */
      const int q = o - PREFETCH_STEPS;
      prefetch_rows(mr, a->gg + q * 3 * G, ldg3, 3 * G, 0);
      prefetch_rows(mr, a->s + q * G, lds, G, 0);
      prefetch_rows(mr, a->dS + q * G, lds, G, 0);
      if (a->mgen) prefetch_rows(mr, a->mgen + q * G, lds, G, 0);
      prefetch_rows(mr, a->cg + q * 3 * C, ldc3, 3 * C, 0);
      prefetch_rows(mr, a->k + q * C, ldk, C, 0);
      prefetch_rows(mr, a->dXg + q * 3 * G, ldg3, 3 * G, 1);
      prefetch_rows(mr, a->dXc + q * 3 * C, ldc3, 3 * C, 1);
    }
    /* df_t: the loss's, plus the feedback path of step t+1. */
    float *df = a->dFt + o * F;
    for (int m = 0; m < mr; m++)
#pragma clang loop vectorize(disable)
      for (int i = 0; i < F; i++) df[m * ldf + i] = a->dF[o * F + m * ldf + i] + s.dfc[m * Fp + i];
    /* ds_t = dS + (df_t . Wfac^T) * mgen. */
    pack_rows(mr, s.tile, df, ldf, F);
    {
      v4 acc[PANELS][MR][2];
      const int np = Gp / NR;
      for (int p0 = 0; p0 < np; p0 += PANELS) {
        const int count = panels_left(p0, np);
        for (int q = 0; q < count; q++) zero_acc(mr, acc[q]);
        mk_panels(mr, s.tile, a->pFacT + p0 * NR * F, F * NR, F, count, acc);
        for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
          for (int m = 0; m < mr; m++)
            for (int h = 0; h < 2; h++) {
              const int j = (p0 + q) * NR, c = o * G + m * lds + j + 4 * h;
              v4 v = a->mgen ? MUL(acc[q][m][h], LD(a->mgen + c)) : acc[q][m][h];
              ST(s.dsBuf + m * Gp + j + 4 * h, ADD(v, LD(a->dS + c)));
            }
      }
    }
    const float *st = a->s + o * G, *sp = t == 0 ? a->s0 + b * G : st - G;
    bwd_step_call(mr, s.dsBuf, Gp, st, lds, sp, t == 0 ? G : lds, a->gg + o * 3 * G, ldg3, a->dXg + o * 3 * G, ldg3,
                 a->gPruT, a->gPcT, s.dsc, s.dacT, s.druT, G, SPL(a->clip));
    /* du = dU + dXg . Wgu^T, then d[m|l] through the sampling. */
    pack_rows(mr, s.tile, a->dXg + o * 3 * G, ldg3, 3 * G);
    rows_gemm(mr, s.tile, a->pGuT, 3 * G, U, a->dU ? a->dU + o * U : 0, ldu, s.du, Up);
    float *dmv = a->dMVt + o * 2 * U;
    for (int m = 0; m < mr; m++)
      for (int i = 0; i < U; i += 4) {
        const int n = U - i < 4 ? U - i : 4, c = o * 2 * U + m * ldmv + i;
        v4 du = LD(s.du + m * Up + i);
        v4 dm = ADD(LD(a->dMV + c), du), dl = LD(a->dMV + c + U);
        if (a->mode) {
          v4 sd = MUL(SPL(0.5f), v_exp(MUL(SPL(0.5f), LD(a->mv + c + U))));
          dl = ADD(dl, MUL(MUL(du, LD(a->eps + o * U + m * ldu + i)), sd));
        }
        store8(dmv + m * ldmv + i, dm, dm, n);
        store8(dmv + m * ldmv + U + i, dl, dl, n);
      }
    /* dk_t = dK + d[m|l] . Wpost^T, then the controller cell. */
    pack_rows(mr, s.tile, dmv, ldmv, 2 * U);
    rows_gemm(mr, s.tile, a->pPostT, 2 * U, C, a->dK ? a->dK + o * C : 0, ldk, s.dkBuf, Cp);
    const float *kt = a->k + o * C, *kp = t == 0 ? a->k0 + b * C : kt - C;
    bwd_step_call(mr, s.dkBuf, Cp, kt, ldk, kp, t == 0 ? C : ldk, a->cg + o * 3 * C, ldc3, a->dXc + o * 3 * C, ldc3,
                 a->cPruT, a->cPcT, s.dkc, s.dacT, s.druT, C, SPL(a->clip));
    /* The feedback path: d f_{t-1} = (dXc . Wfb^T) * mfb. */
    if (a->fb) {
      pack_rows(mr, s.tile, a->dXc + o * 3 * C, ldc3, 3 * C);
      v4 acc[PANELS][MR][2];
      const int np = Fp / NR;
      for (int p0 = 0; p0 < np; p0 += PANELS) {
        const int count = panels_left(p0, np);
        for (int q = 0; q < count; q++) zero_acc(mr, acc[q]);
        mk_panels(mr, s.tile, a->pFbT + p0 * NR * 3 * C, 3 * C * NR, 3 * C, count, acc);
        for (int q = 0; q < count; q++)
#pragma clang loop unroll(full)
          for (int m = 0; m < mr; m++)
            for (int h = 0; h < 2; h++) {
              const int j = (p0 + q) * NR;
              v4 v = a->mfb ? MUL(acc[q][m][h], LD(a->mfb + o * F + m * ldf + j + 4 * h)) : acc[q][m][h];
              ST(s.dfc + m * Fp + j + 4 * h, v);
            }
      }
    }
  }
  /* Initial states: dk0; ds0 also gets f_{-1} = s0 . Wfac's share. */
  for (int m = 0; m < mr; m++)
    for (int j = 0; j < C; j += NR) store8(a->dk0 + (b + m) * C + j, LD(s.dkc + m * Cp + j), LD(s.dkc + m * Cp + j + 4), C - j);
  if (a->fb) {
    pack_rows(mr, s.tile, s.dfc, Fp, F);
    rows_gemm(mr, s.tile, a->pFacT, F, G, s.dsc, Gp, a->ds0 + b * G, G);
    for (int m = 0; m < mr; m++)
      for (int j = 0; j < F; j += NR) store8(a->dfb0 + (b + m) * F + j, LD(s.dfc + m * Fp + j), LD(s.dfc + m * Fp + j + 4), F - j);
  } else
    for (int m = 0; m < mr; m++)
      for (int j = 0; j < G; j += NR) store8(a->ds0 + (b + m) * G + j, LD(s.dsc + m * Gp + j), LD(s.dsc + m * Gp + j + 4), G - j);
}

EXPORT(dec_bwd_steps) int dec_bwd_steps(const DecArgs *a, float *scr, int *next, int max_units) {
  int did = 0;
  for (int b; did < max_units && (b = take(next, MR)) < a->B; did++) {
    switch (a->B - b) {
      case 1: dec_bwd_rows(1, a, b, scr); break;
      case 2: dec_bwd_rows(2, a, b, scr); break;
      case 3: dec_bwd_rows(3, a, b, scr); break;
      default: dec_bwd_rows(MR, a, b, scr);
    }
  }
  return did;
}

/* ---------------------------------------------------------------------------------------------- */
/* Weight gradients of the small products: part[s] = sum over segment s of the rows of              */
/* [A * mask, 1]^T . Bm, A [rows, M] (mask: same layout, or 0), Bm [rows, N]; with `ones` the extra  */
/* row M of the [M+1, N] partial is the bias gradient. DW_SEGMENTS partials, summed by decoder.ts.   */

EXPORT(dec_gemm_tn_scratch_floats) int dec_gemm_tn_scratch_floats(int M, int N) { return KC * (pad4(M + 1) + pad8(N)) + GAP; }

EXPORT(dec_gemm_tn)
int dec_gemm_tn(const float *A, const float *mask, int M, int ones, const float *Bm, int N, float *part, float *scr,
                int *next, int rows, int max_units) {
  const int M1 = M + (ones ? 1 : 0), seg = (rows + DW_SEGMENTS - 1) / DW_SEGMENTS;
  float *ax = scr, *bp = scr + KC * pad4(M1);
  int did = 0;
  for (int sgm; did < max_units && (sgm = take(next, 1)) < DW_SEGMENTS; did++) {
    float *c = part + sgm * M1 * N;
    for (int i = 0; i < M1 * N; i++) c[i] = 0.0f;
    const int end = (sgm + 1) * seg < rows ? (sgm + 1) * seg : rows;
    for (int r0 = sgm * seg; r0 < end; r0 += KC) {
      const int K = end - r0 < KC ? end - r0 : KC;
      for (int i = 0; i < K; i++) {
        const float *ar = A + (r0 + i) * M, *mr = mask ? mask + (r0 + i) * M : 0;
#pragma clang loop vectorize(disable)
        for (int k = 0; k < M; k++) ax[(k >> 2) * 4 * K + 4 * i + (k & 3)] = mr ? ar[k] * mr[k] : ar[k];
        if (ones) ax[(M >> 2) * 4 * K + 4 * i + (M & 3)] = 1.0f;
      }
      pack_b(bp, Bm + r0 * N, N, K, N);
      dw_gemm(c, N, M1, N, ax, bp, K);
    }
  }
  return did;
}

/* ---------------------------------------------------------------------------------------------- */
/* The controller's encoder input from the CI encoder's two directions (instead of tfjs slices,      */
/* concats and a dropout multiply over [B,T,H1+H2]): ab[b,t] = [cf[b,t-lag] | cb[b,t+lag]] * mask,   */
/* zero where the shifted step falls outside [0, T). cb may be 0 (H2 = 0), mask may be 0 (none).     */

INLINE void row_copy(float *d, const float *s, const float *m, int n) {
  if (!s)
    for (int i = 0; i < n; i++) d[i] = 0.0f;
  else if (m)
    for (int i = 0; i < n; i++) d[i] = s[i] * m[i];
  else
    for (int i = 0; i < n; i++) d[i] = s[i];
}

EXPORT(dec_ab_join)
void dec_ab_join(float *ab, const float *cf, const float *cb, const float *mask, int B, int T, int H1, int H2, int lag) {
  const int A = H1 + H2;
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      const int o = (b * T + t) * A;
      const float *m = mask ? mask + o : 0;
      row_copy(ab + o, t >= lag ? cf + (b * T + t - lag) * H1 : 0, m, H1);
      if (H2) row_copy(ab + o + H1, t + lag < T ? cb + (b * T + t + lag) * H2 : 0, m ? m + H1 : 0, H2);
    }
}

/* The gradient back: dcf[b,s] = (dab * mask)[b,s+lag, :H1], dcb[b,s] = (dab * mask)[b,s-lag, H1:]. */
EXPORT(dec_ab_split)
void dec_ab_split(const float *dab, const float *mask, float *dcf, float *dcb, int B, int T, int H1, int H2, int lag) {
  const int A = H1 + H2;
  for (int b = 0; b < B; b++)
    for (int s = 0; s < T; s++) {
      const int of = (b * T + s + lag) * A, ob = (b * T + s - lag) * A;
      row_copy(dcf + (b * T + s) * H1, s + lag < T ? dab + of : 0, mask && s + lag < T ? mask + of : 0, H1);
      if (H2) row_copy(dcb + (b * T + s) * H2, s >= lag ? dab + ob + H1 : 0, mask && s >= lag ? mask + ob + H1 : 0, H2);
    }
}
