/* mask.c's entry point for the addon (ops.h). */
#include "../mask.c"
#include "ops.h"

static int op_rng_dropout_mask(lfads_mem *mem, const double *a) {
  rng_dropout_mask(P(0), P(1), P(2), I(3), I(4), U(5), I(6), F(7));
  return 0;
}

const lfads_op LFADS_TABLE(lfads_mask_ops)[] = {
    {"rng_dropout_mask", "pppiiuif", op_rng_dropout_mask},
};
