/*
 * The Poisson read-out tail of LFADS fused into one pass over the B*T rows, forward and backward,
 * for wasm32 + SIMD128. Driven by readout.ts, which owns all memory. Per row r (b = r / T):
 *   f    = (s[r] * mask[r]) . Wf          (the factors stage, when states are given; else f is an input)
 *   logr = f . Wr + br
 *   ll[r] = sum_n lw[r,n] * (x[r,n] * logr[n] - exp(logr[n]))   (readout.ts sums the rows of each trial)
 *   hl[r] = sum_n hw[r,n] * (x[r,n] * logr[n] - exp(logr[n]))   (only with hw)
 * Backward recomputes f and logr (nothing is kept between the two calls) and, given dLL [B]:
 *   dlogr = dLL[b] * gw * (x - exp(logr)) (+ dLogr)   dWr += f (x) dlogr   dbr += dlogr
 *   df    = dlogr . Wr^T (+ dF)                  dWf += (s * mask) (x) df   dS = (df . Wf^T) * mask
 * The element weights are optional (absent: 1): lw weighs the likelihood's value, gw its gradient
 * (coordinated dropout: only elements the encoders did not see pass a gradient), hw a second,
 * gradient-free sum (sample validation's score on held-out elements). Why fused: composite, this is ~20 single-threaded tfjs ops over [B*T, N] and [B*T, G] arrays per
 * training step (~75 ms for B=150, T=500, N=30, G=64, F=8), each reading and writing memory; here
 * each row block stays in L1 and both threads share the work.
 *
 * Conventions as in gru.c: no globals, >= 64 bytes of slack after every buffer (rows are read in
 * whole 4- or 8-lane groups; junk lanes never reach a stored lane), work shared through take(). The
 * weight gradients are accumulated per fixed segment of rows (RO_SEGMENTS, each its own partial,
 * summed in order by readout.ts), so every output is bitwise identical for any thread count.
 */
#include "simd.h"

/* The arguments of a call, one 32-bit word each (readout.ts writes them in this order). */
typedef struct {
  int R, T, G, F, N; /* rows B*T, bins per trial, states (0: no factors stage), factors, neurons */
  /* x [R,N]; s, mask [R,G] (mask 0: none); fin [R,F] without the stage; gru_pack_panels of Wf [G,F], Wr [F,N] */
  const float *x, *s, *mask, *fin, *pWf, *pWr, *br;
  /* forward outputs: per-row ll [R]; factors [R,F] and logr [R,N] (0: not wanted) */
  float *rowll, *fout, *lout;
  /* backward: dLL [B], optional cotangents of logr [R,N] and f [R,F], panels of Wr^T [N,F] and Wf^T [F,G] */
  const float *dLL, *dlin, *dfin, *pWrT, *pWfT;
  /* backward outputs: dS [R,G] (with the stage) or dF [R,F] (without); per-segment partials */
  float *dS, *dF, *part;
  /* element weights [R,N] (0: all ones) of the value (lw), the gradient (gw) and the held-out sum (hw); */
  /* the held-out sum per row [R] (with hw)                                                             */
  const float *lw, *gw, *hw;
  float *rowhl;
} RoArgs;

EXPORT(ro_args_words) int ro_args_words(void) { return (int)(sizeof(RoArgs) / 4); }

/* Forward: rows per unit of work. Backward: the fixed number of weight-gradient segments (enough for */
/* ~16 threads to share; a partial is only G*F + (F+1)*N floats).                                     */
#define RO_ROWS 64
#define RO_SEGMENTS 32
EXPORT(ro_segments) int ro_segments(void) { return RO_SEGMENTS; }

/* One segment's partial: dWr [F,N], then dbr [N] (as row F), then dWf [G,F]. */
EXPORT(ro_part_floats) int ro_part_floats(int G, int F, int N) { return (F + 1) * N + G * F; }

/* n floats at p through v_exp (tests of its accuracy; not used by the read-out). */
EXPORT(ro_exp) void ro_exp(float *p, int n) {
  for (int i = 0; i < n; i += 4) ST(p + i, v_exp(LD(p + i)));
}

/* All-ones lanes where base + lane < n: keeps the columns past N out of the sums. */
INLINE v4 lanes_below(int base, int n) {
  return wasm_i32x4_lt(wasm_i32x4_make(base, base + 1, base + 2, base + 3), wasm_i32x4_splat(n));
}

INLINE float hsum(v4 v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* Scratch of one thread (floats): the block's transposed [K][4] tiles of s*mask, f, dlogr, df, then */
/* (backward) the packed chunk operands of the weight-gradient GEMMs: a = s*mask and [f, 1] in        */
/* 4-column tiles, dlogr and df in 8-column panels (simd.h, "Weight gradients").                      */
typedef struct {
  float *ta, *tf, *tl, *tdf, *ll, *hl, *ah, *af, *bpr, *bpf;
} Scr;

INLINE Scr scr_of(const RoArgs *a, float *scr) {
  const int G4 = pad4(a->G) + 4, F8 = pad8(a->F), N8 = pad8(a->N);
  Scr s;
  s.ta = scr;
  s.tf = s.ta + 4 * G4;
  s.tl = s.tf + 4 * F8;
  s.tdf = s.tl + 4 * N8;
  s.ll = s.tdf + 4 * F8;
  s.hl = s.ll + 4 * MR;
  s.ah = s.hl + 4 * MR;
  s.af = s.ah + KC * G4;
  s.bpr = s.af + KC * (F8 + 4);
  s.bpf = s.bpr + KC * N8;
  return s;
}

EXPORT(ro_scratch_floats) int ro_scratch_floats(const RoArgs *a) {
  const int G4 = pad4(a->G) + 4, F8 = pad8(a->F), N8 = pad8(a->N);
  return 4 * (G4 + 2 * F8 + N8 + 2 * MR) + KC * (G4 + F8 + 4 + N8 + F8);
}

/* s*mask of mr rows into the [G][4] tile ta (and, with ah, as row i0+m of the chunk's 4-column     */
/* tiles, ah[(k/4)][K][4]). Reads whole 4-lane groups: lanes past G are junk that nothing reads.      */
INLINE void pack_states(const int mr, const RoArgs *a, int r, float *ta, float *ah, int i0, int K) {
  const int G = a->G;
  const float *s = a->s + r * G, *mk_ = a->mask ? a->mask + r * G : 0;
  for (int k = 0; k < G; k += 4) {
    v4 v[MR];
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      v[m] = LD(s + m * G + k);
      if (mk_) v[m] = MUL(v[m], LD(mk_ + m * G + k));
      if (ah) ST(ah + k * K + 4 * (i0 + m), v[m]);
    }
    if (mr == MR) {
      v4 t0 = wasm_i32x4_shuffle(v[0], v[1], 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(v[0], v[1], 2, 6, 3, 7);
      v4 t2 = wasm_i32x4_shuffle(v[2], v[3], 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(v[2], v[3], 2, 6, 3, 7);
      ST(ta + 4 * k, wasm_i64x2_shuffle(t0, t2, 0, 2));
      ST(ta + 4 * k + 4, wasm_i64x2_shuffle(t0, t2, 1, 3));
      ST(ta + 4 * k + 8, wasm_i64x2_shuffle(t1, t3, 0, 2));
      ST(ta + 4 * k + 12, wasm_i64x2_shuffle(t1, t3, 1, 3));
    } else {
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) store_t(ta + 4 * k, m, v[m], v[m], 4);
    }
  }
}

/* The rows [r, r+mr): forward (bwd = 0) writes their ll (and f, logr when asked); backward (bwd = 1) */
/* writes dS or dF and packs the chunk operands as rows i0.. of a chunk of K rows.                    */
INLINE void rows_block(const int mr, const int bwd, const RoArgs *a, int r, const Scr *sc, int i0, int K) {
  const int G = a->G, F = a->F, N = a->N;
  v4 acc[MR][2];
  /* f: the factors stage, or the input rows. */
  if (G) {
    pack_states(mr, a, r, sc->ta, bwd ? sc->ah : 0, i0, K);
    for (int j = 0; j < F; j += NR) {
      zero_acc(mr, acc);
      mk(mr, sc->ta, a->pWf + j * G, G, acc);
#pragma clang loop unroll(full)
      for (int m = 0; m < mr; m++) {
        store_t(sc->tf + 4 * j, m, acc[m][0], acc[m][1], F - j);
        if (!bwd && a->fout) store8(a->fout + (r + m) * F + j, acc[m][0], acc[m][1], F - j);
        if (bwd) {
          ST(sc->af + j * K + 4 * (i0 + m), acc[m][0]);
          ST(sc->af + (j + 4) * K + 4 * (i0 + m), acc[m][1]);
        }
      }
    }
  } else {
    pack_rows(mr, sc->tf, a->fin + r * F, F, F);
    if (bwd)
      for (int m = 0; m < mr; m++)
        for (int k = 0; k < F; k += 4) ST(sc->af + k * K + 4 * (i0 + m), LD(a->fin + (r + m) * F + k));
  }
  /* The bias row of dWr: a column of ones after f. */
  if (bwd)
    for (int m = 0; m < mr; m++) sc->af[(F >> 2) * 4 * K + 4 * (i0 + m) + (F & 3)] = 1.0f;

  /* logr per 8-column panel, and its Poisson term (forward, summed per row in sc->ll) or gradient  */
  /* (backward). Nothing but the accumulators stays live across mk: more would spill in its loop.   */
  if (!bwd)
    for (int m = 0; m < mr; m++) ST(sc->ll + 4 * m, SPL(0.0f)), ST(sc->hl + 4 * m, SPL(0.0f));
  for (int j = 0; j < N; j += NR) {
    const v4 b0 = LD(a->br + j), b1 = LD(a->br + j + 4);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) acc[m][0] = b0, acc[m][1] = b1;
    mk(mr, sc->tf, a->pWr + j * F, F, acc);
    const v4 in0 = lanes_below(j, N), in1 = lanes_below(j + 4, N);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      const int o = (r + m) * N + j;
      const v4 l0 = acc[m][0], l1 = acc[m][1];
      if (!bwd && a->lout) store8(a->lout + o, l0, l1, N - j);
      const v4 e0 = v_exp(l0), e1 = v_exp(l1), x0 = LD(a->x + o), x1 = LD(a->x + o + 4);
      if (!bwd) {
        /* Weighted before the lane mask: a weight's junk lanes past N may be anything. */
        const v4 u0 = SUB(MUL(x0, l0), e0), u1 = SUB(MUL(x1, l1), e1);
        if (a->hw) {
          const v4 h = ADD(wasm_v128_and(MUL(u0, LD(a->hw + o)), in0), wasm_v128_and(MUL(u1, LD(a->hw + o + 4)), in1));
          ST(sc->hl + 4 * m, ADD(LD(sc->hl + 4 * m), h));
        }
        const v4 w0 = a->lw ? MUL(u0, LD(a->lw + o)) : u0, w1 = a->lw ? MUL(u1, LD(a->lw + o + 4)) : u1;
        const v4 t = ADD(wasm_v128_and(w0, in0), wasm_v128_and(w1, in1));
        ST(sc->ll + 4 * m, ADD(LD(sc->ll + 4 * m), t));
      } else {
        const v4 g = wasm_v128_load32_splat(a->dLL + (r + m) / a->T);
        v4 d0 = MUL(g, SUB(x0, e0)), d1 = MUL(g, SUB(x1, e1));
        if (a->gw) d0 = MUL(d0, LD(a->gw + o)), d1 = MUL(d1, LD(a->gw + o + 4));
        if (a->dlin) d0 = ADD(d0, LD(a->dlin + o)), d1 = ADD(d1, LD(a->dlin + o + 4));
        d0 = wasm_v128_and(d0, in0);
        d1 = wasm_v128_and(d1, in1);
        ST(sc->bpr + j * K + NR * (i0 + m), d0);
        ST(sc->bpr + j * K + NR * (i0 + m) + 4, d1);
        store_t(sc->tl + 4 * j, m, d0, d1, N - j);
      }
    }
  }
  if (!bwd) {
    for (int m = 0; m < mr; m++) a->rowll[r + m] = hsum(LD(sc->ll + 4 * m));
    if (a->hw)
      for (int m = 0; m < mr; m++) a->rowhl[r + m] = hsum(LD(sc->hl + 4 * m));
    return;
  }

  /* df = dlogr . Wr^T (+ dF): the factors' gradient, or on through the factors stage. */
  for (int j = 0; j < F; j += NR) {
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      acc[m][0] = a->dfin ? LD(a->dfin + (r + m) * F + j) : SPL(0.0f);
      acc[m][1] = a->dfin ? LD(a->dfin + (r + m) * F + j + 4) : SPL(0.0f);
    }
    mk(mr, sc->tl, a->pWrT + j * N, N, acc);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      if (!G) {
        store8(a->dF + (r + m) * F + j, acc[m][0], acc[m][1], F - j);
        continue;
      }
      ST(sc->bpf + j * K + NR * (i0 + m), acc[m][0]);
      ST(sc->bpf + j * K + NR * (i0 + m) + 4, acc[m][1]);
      store_t(sc->tdf + 4 * j, m, acc[m][0], acc[m][1], F - j);
    }
  }
  if (!G) return;
  /* dS = (df . Wf^T) * mask */
  for (int j = 0; j < G; j += NR) {
    zero_acc(mr, acc);
    mk(mr, sc->tdf, a->pWfT + j * F, F, acc);
#pragma clang loop unroll(full)
    for (int m = 0; m < mr; m++) {
      const int o = (r + m) * G + j;
      v4 d0 = acc[m][0], d1 = acc[m][1];
      if (a->mask) d0 = MUL(d0, LD(a->mask + o)), d1 = MUL(d1, LD(a->mask + o + 4));
      store8(a->dS + o, d0, d1, G - j);
    }
  }
}

#define ROWS_BLOCK(bwd, r, end, i0, K)                          \
  switch ((end) - (r)) { /* 1..3 rows left: their own register allocation */ \
    case 1: rows_block(1, bwd, a, r, &sc, i0, K); break;         \
    case 2: rows_block(2, bwd, a, r, &sc, i0, K); break;         \
    case 3: rows_block(3, bwd, a, r, &sc, i0, K); break;         \
    default: rows_block(MR, bwd, a, r, &sc, i0, K);              \
  }

/* Forward over all R rows in units of RO_ROWS rows shared through *next (0 at the start). */
EXPORT(ro_fwd) int ro_fwd(const RoArgs *a, float *scr, int *next, int max_units) {
  const Scr sc = scr_of(a, scr);
  int did = 0;
  for (int r0; did < max_units && (r0 = take(next, RO_ROWS)) < a->R; did++) {
    const int end = r0 + RO_ROWS < a->R ? r0 + RO_ROWS : a->R;
    for (int r = r0; r < end; r += MR) ROWS_BLOCK(0, r, end, 0, 0)
  }
  return did;
}

/* Backward: threads take whole segments; each zeroes its partial and accumulates chunk by chunk.   */
EXPORT(ro_bwd) int ro_bwd(const RoArgs *a, float *scr, int *next, int max_units) {
  const Scr sc = scr_of(a, scr);
  const int G = a->G, F = a->F, N = a->N, P = ro_part_floats(G, F, N);
  const int seg = pad4((a->R + RO_SEGMENTS - 1) / RO_SEGMENTS);
  int did = 0;
  for (int sgm; did < max_units && (sgm = take(next, 1)) < RO_SEGMENTS; did++) {
    float *c = a->part + sgm * P;
    for (int i = 0; i < P; i++) c[i] = 0.0f;
    const int end = (sgm + 1) * seg < a->R ? (sgm + 1) * seg : a->R;
    for (int r0 = sgm * seg; r0 < end; r0 += KC) {
      const int K = end - r0 < KC ? end - r0 : KC;
      for (int r = r0; r < r0 + K; r += MR) ROWS_BLOCK(1, r, r0 + K, r - r0, K)
      dw_gemm(c, N, F + 1, N, sc.af, sc.bpr, K);
      if (G) dw_gemm(c + (F + 1) * N, F, G, F, sc.ah, sc.bpf, K);
    }
  }
  return did;
}
