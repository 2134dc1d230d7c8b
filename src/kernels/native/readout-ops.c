/* readout.c's entry points for the addon (ops.h), with the RoArgs block rebuilt as in decoder-ops.c. */
#include "../readout.c"
#include "ops.h"

/* The scalars run from R to N; every field after N is a pointer (readout.ts writes them in that order). */
#define RO_LEAD ((int)((offsetof(RoArgs, N) + sizeof(int)) / 4))
#define RO_FIRST_PTR offsetof(RoArgs, x)
#define RO_PTRS ((int)((sizeof(RoArgs) - RO_FIRST_PTR) / sizeof(void *)))

int LFADS_TABLE(lfads_ro_args_words)(void) { return RO_LEAD + RO_PTRS; }

static int op_ro_fwd(lfads_mem *mem, const double *a) {
  RoArgs r;
  if (!lfads_args_from(mem, (uint32_t)a[0], &r, RO_LEAD, RO_FIRST_PTR, RO_PTRS)) return mem->bad = 1, 0;
  return ro_fwd(&r, P(1), P(2), I(3));
}
static int op_ro_bwd(lfads_mem *mem, const double *a) {
  RoArgs r;
  if (!lfads_args_from(mem, (uint32_t)a[0], &r, RO_LEAD, RO_FIRST_PTR, RO_PTRS)) return mem->bad = 1, 0;
  return ro_bwd(&r, P(1), P(2), I(3));
}
static int op_ro_exp(lfads_mem *mem, const double *a) {
  ro_exp(P(0), I(1));
  return 0;
}

const lfads_op LFADS_TABLE(lfads_ro_ops)[] = {
    {"ro_fwd", "pppi", op_ro_fwd},
    {"ro_bwd", "pppi", op_ro_bwd},
    {"ro_exp", "pi", op_ro_exp},
};
