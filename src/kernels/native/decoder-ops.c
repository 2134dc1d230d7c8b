/* decoder.c's entry points for the addon (ops.h). Their first argument is the offset of a DecArgs block as */
/* decoder.ts writes it (32-bit words); it is rebuilt here with native pointers.                             */
#include "../decoder.c"
#include "ops.h"

/* The scalars run from B to clip; every field after clip is a pointer (decoder-args.ts FIELDS). */
#define DEC_LEAD ((int)((offsetof(DecArgs, clip) + sizeof(float)) / 4))
#define DEC_FIRST_PTR offsetof(DecArgs, ab)
#define DEC_PTRS ((int)((sizeof(DecArgs) - DEC_FIRST_PTR) / sizeof(void *)))

int LFADS_TABLE(lfads_dec_args_words)(void) { return DEC_LEAD + DEC_PTRS; }

static int op_dec_fwd(lfads_mem *mem, const double *a) {
  DecArgs d;
  if (!lfads_args_from(mem, (uint32_t)a[0], &d, DEC_LEAD, DEC_FIRST_PTR, DEC_PTRS)) return mem->bad = 1, 0;
  return dec_fwd(&d, P(1), P(2), I(3));
}
static int op_dec_bwd_steps(lfads_mem *mem, const double *a) {
  DecArgs d;
  if (!lfads_args_from(mem, (uint32_t)a[0], &d, DEC_LEAD, DEC_FIRST_PTR, DEC_PTRS)) return mem->bad = 1, 0;
  return dec_bwd_steps(&d, P(1), P(2), I(3));
}
static int op_dec_gemm_tn(lfads_mem *mem, const double *a) {
  return dec_gemm_tn(P(0), P(1), I(2), I(3), P(4), I(5), P(6), P(7), P(8), I(9), I(10));
}

const lfads_op LFADS_TABLE(lfads_dec_ops)[] = {
    {"dec_fwd", "pppi", op_dec_fwd},
    {"dec_bwd_steps", "pppi", op_dec_bwd_steps},
    {"dec_gemm_tn", "ppiipipppii", op_dec_gemm_tn},
};
