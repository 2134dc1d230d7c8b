/* mask.c's entry point for the addon (ops.h). */
#include "../mask.c"
#include "ops.h"

static int op_rng_dropout_mask(lfads_mem *mem, const double *a) {
  rng_dropout_mask(P(0), P(1), I(2), U(3), I(4), F(5));
  return 0;
}

const lfads_op LFADS_TABLE(lfads_mask_ops)[] = {
    {"rng_dropout_mask", "ppiuif", op_rng_dropout_mask},
};
