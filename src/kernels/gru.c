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
 * - No globals, no static data: several instances (one per thread) share one memory, and each entry
 *   point works only on the pointers it is given. clang may spill to the shadow stack; its pointer
 *   is exported and every thread's instance gets its own stack (runtime.ts).
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
#include "gru-step.h"

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

/* Forward panels of the stacked [Wx; Wh] for gru_fwd with D > 0: as gru_pack_fwd, K = D + H rows per */
/* panel, rows 0..D-1 from wx [D,3H] (r|u|c columns) and rows D.. from wru [H,2H] / wc [H,H].          */
EXPORT(gru_pack_fwd_in) void gru_pack_fwd_in(const float *wx, const float *wru, const float *wc, float *pru, float *pc,
                                            int D, int H) {
  const int Hp = pad8(H), np = Hp / NR, K = D + H;
  for (int g = 0; g < 3; g++)
    for (int p = 0; p < np; p++)
      for (int k = 0; k < K; k++)
        for (int l = 0; l < NR; l++) {
          const int j = p * NR + l;
          float v = 0.0f;
          if (j < H) v = k < D ? wx[k * 3 * H + g * H + j] : g < 2 ? wru[(k - D) * 2 * H + g * H + j] : wc[(k - D) * H + j];
          (g < 2 ? pru + (g * np + p) * K * NR : pc + p * K * NR)[k * NR + l] = v;
        }
}

EXPORT(gru_pack_fwd_in_floats) int gru_pack_fwd_in_floats(int H, int D) { return 3 * pad8(H) * (D + H); }
EXPORT(gru_pack_bwd_floats) int gru_pack_bwd_floats(int H) { return 3 * pad8(H) * H; }

/* Runs rows [b, b+mr) over all T steps: the block's previous state was written one step ago, so   */
/* it is still in L1; the packed weights stream from L1/L2 once per step.                           */
/* x: the xProj rows [T,3H] of row b (D = -1), or the biases [3H] shared by every row (D >= 0: ldx */
/* 0), and xin the input rows [T,D] of row b.                                                       */
INLINE void fwd_rows(const int mr, const float *x, const float *xin, int D, const float *h0, const float *pru,
                     const float *pc, float *st, float *gs, float *scr, int T, int H, v4 clip, int reverse) {
  const int ld = T * H, ld3 = 3 * T * H;
  for (int s = 0; s < T; s++) {
    const int t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
    const float *hp = s == 0 ? h0 : st + tp * H;
    const int ldh = s == 0 ? H : ld;
    const int o = t * H;
    if (s + PREFETCH_STEPS < T) {
      const int tq = reverse ? t - PREFETCH_STEPS : t + PREFETCH_STEPS, oq = tq * H;
      if (gs) prefetch_rows(mr, gs + 3 * oq, ld3, 3 * H, 1);
      prefetch_rows(mr, st + oq, ld, H, 1);
      if (D > 0) prefetch_rows(mr, xin + tq * D, T * D, D, 0);
      if (D < 0) prefetch_rows(mr, x + 3 * oq, ld3, 3 * H, 0);
    }
    const int in = D >= 0;
    fwd_step(mr, in ? x : x + 3 * o, in ? 0 : ld3, D > 0 ? xin + t * D : 0, T * D, in ? D : 0, hp, ldh, pru, pc, st + o,
             gs ? gs + 3 * o : 0, ld, ld3, scr, H, clip);
  }
}

/* r and u rows (MR x Hp each), then the [x;] h and [x;] r*h tiles. */
EXPORT(gru_fwd_scratch_floats) int gru_fwd_scratch_floats(int H, int D) { return fwd_step_scratch_floats(H, D); }


/* Forward over all nb batch rows, sharing 4-row blocks through *next (0 at the start).            */
/* gs (the gates [nb,T,3H], r|u|c per row like xProj) may be 0: forward only, nothing saved.        */
/* D = -1: x is xProj [nb,T,3H] (every bias included). D >= 0: x is the biases [3H] (not the +1     */
/* forget bias), shared by every row, and xin the inputs [nb,T,D], projected inside each step with  */
/* the stacked panels of gru_pack_fwd_in (D = 0: no inputs, gru_pack_fwd's panels), so xProj is     */
/* never stored.                                                                                   */
EXPORT(gru_fwd)
int gru_fwd(const float *x, const float *xin, int D, const float *h0, const float *pru, const float *pc, float *st,
            float *gs, float *scr, int *next, int nb, int T, int H, float clip, int reverse, int max_units) {
  const v4 vclip = SPL(clip);
  const int ld = T * H;
  int did = 0;
  for (int b; did < max_units && (b = take(next, MR)) < nb; did++) {
    const int o = b * ld;
    float *g = gs ? gs + 3 * o : 0;
    const float *xb = D >= 0 ? x : x + 3 * o, *xinb = D > 0 ? xin + b * T * D : 0;
#define FWD_ROWS(mr) fwd_rows(mr, xb, xinb, D, h0 + b * H, pru, pc, st + o, g, scr, T, H, vclip, reverse)
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

/* dS: the block's rows of dStates [T,H] (final_only 0), or of the final step's gradient alone [H]   */
/* (final_only 1: every other step's is zero, read from a zero row, so no [nb,T,H] of zeros exists).  */
INLINE void bwd_rows(const int mr, const float *dS, int final_only, const float *h0, const float *st, const float *gs,
                     const float *pruT, const float *pcT, float *dX, float *dh0, float *scr, int T, int H, v4 clip,
                     int reverse) {
  const int Hp = pad8(H), ld = T * H, ld3 = 3 * T * H;
  float *dhc = scr, *dacT = scr + MR * Hp, *druT = dacT + 4 * Hp, *zero = druT + 8 * Hp;
  for (int i = 0; i < MR * Hp; i++) dhc[i] = 0.0f;
  for (int i = 0; i < Hp; i++) zero[i] = 0.0f;
  for (int s = 0; s < T; s++) {
    /* Reverse of the forward order; the forward step that ran first had h0 as its previous state. */
    const int t = reverse ? s : T - 1 - s, tp = reverse ? t + 1 : t - 1;
    const int first = s == T - 1;
    const float *hp = first ? h0 : st + tp * H;
    const int ldh = first ? H : ld;
    const int o = t * H;
    if (s + PREFETCH_STEPS < T) {
      const int oq = (reverse ? t + PREFETCH_STEPS : t - PREFETCH_STEPS) * H;
      prefetch_rows(mr, gs + 3 * oq, ld3, 3 * H, 0);
      prefetch_rows(mr, st + oq, ld, H, 0);
      if (!final_only) prefetch_rows(mr, dS + oq, ld, H, 0);
    }
    const float *ds = !final_only ? dS + o : s == 0 ? dS : zero;
    const int ldd = !final_only ? ld : s == 0 ? H : 0;
    bwd_step(mr, ds, ldd, st + o, ld, hp, ldh, gs + 3 * o, ld3, dX + 3 * o, ld3, pruT, pcT, dhc, dacT, druT, H, clip);
  }
  for (int m = 0; m < mr; m++)
    for (int j = 0; j < H; j += NR) store8(dh0 + m * H + j, LD(dhc + m * Hp + j), LD(dhc + m * Hp + j + 4), H - j);
}

/* The larger of the two backward phases: the time loop's dh carry and packed da tiles, or the      */
/* weight-gradient GEMM's packed chunk (with D >= 0 also the input tile: D input columns and a      */
/* column of ones for the bias; D = -1: no input weights).                                         */
EXPORT(gru_bwd_scratch_floats) int gru_bwd_scratch_floats(int H, int D) {
  const int steps = (MR + 13) * pad8(H);
  const int dw = KC * (2 * pad4(H) + pad8(2 * H) + pad8(H) + (D >= 0 ? pad4(D + 1) : 0));
  return steps > dw ? steps : dw;
}

/* Backward time loop over all nb batch rows, sharing 4-row blocks through *next: writes dX        */
/* [nb,T,3H] and dh0 [nb,H]. The weight gradients follow in gru_bwd_dw, once all of dX is written.  */
/* dS: dStates [nb,T,H], or with final_only the final step's gradient [nb,H] (the rest zero).        */
EXPORT(gru_bwd_steps)
int gru_bwd_steps(const float *dS, const float *h0, const float *st, const float *gs, const float *pruT,
                  const float *pcT, float *dX, float *dh0, float *scr, int *next, int nb, int T, int H, float clip,
                  int reverse, int final_only, int max_units) {
  const v4 vclip = SPL(clip);
  const int ld = T * H;
  int did = 0;
  for (int b; did < max_units && (b = take(next, MR)) < nb; did++) {
    const int o = b * ld;
#define BWD_ROWS(mr) \
  bwd_rows(mr, dS + (final_only ? b * H : o), final_only, h0 + b * H, st + o, gs + 3 * o, pruT, pcT, dX + 3 * o, \
           dh0 + b * H, scr, T, H, vclip, reverse)
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

/* DW_SEGMENTS (simd.h): each segment's [H,3H] partial (dWhRU then dWhC); gru.ts adds them in order. */

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
