/* gru.c's entry points for the addon (ops.h): pointer arguments arrive as offsets into the kernels' memory. */
#include "../gru.c"
#include "ops.h"

static int op_gru_fwd(lfads_mem *mem, const double *a) {
  return gru_fwd(P(0), P(1), I(2), P(3), P(4), P(5), P(6), P(7), P(8), P(9), I(10), I(11), I(12), F(13), I(14), I(15));
}
static int op_gru_bwd_steps(lfads_mem *mem, const double *a) {
  return gru_bwd_steps(P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7), P(8), P(9), I(10), I(11), I(12), F(13), I(14),
                       I(15), I(16));
}
static int op_gru_bwd_dw(lfads_mem *mem, const double *a) {
  return gru_bwd_dw(P(0), P(1), P(2), P(3), P(4), P(5), I(6), P(7), P(8), P(9), I(10), I(11), I(12), I(13), I(14));
}
static int op_gru_gemm(lfads_mem *mem, const double *a) {
  return gru_gemm(P(0), P(1), P(2), P(3), P(4), P(5), I(6), I(7), I(8), I(9));
}

const lfads_op LFADS_TABLE(lfads_gru_ops)[] = {
    {"gru_fwd", "ppipppppppiiifii", op_gru_fwd},
    {"gru_bwd_steps", "ppppppppppiiifiii", op_gru_bwd_steps},
    {"gru_bwd_dw", "ppppppipppiiiii", op_gru_bwd_dw},
    {"gru_gemm", "ppppppiiii", op_gru_gemm},
};
