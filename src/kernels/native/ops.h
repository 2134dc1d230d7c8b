/*
 * What the addon (addon.c) and the per-source wrappers (gru-ops.c, decoder-ops.c, readout-ops.c,
 * mask-ops.c) share. The kernels are called exactly as the wasm module's exports are (same arguments, in
 * the same order), with every pointer a byte offset into the kernels' shared WebAssembly memory: a
 * wrapper turns offsets into addresses (offset 0 is the null pointer, as in wasm32) and calls the C
 * function. Each source is compiled once per vector width (binding.gyp: LFADS_VARIANT names the copy).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* The memory of one call: its base address and length (the addon checks every offset against it). */
typedef struct {
  char *base;
  size_t size;
  int bad; /* set by a wrapper that found an out-of-range pointer in an argument block */
} lfads_mem;

/* One kernel entry point: the arguments as JavaScript numbers, already checked against `sig`. */
typedef int (*lfads_op_fn)(lfads_mem *mem, const double *a);

/* sig: one letter per argument: p pointer (byte offset), i int32, u uint32, f float32. */
typedef struct {
  const char *name;
  const char *sig;
  lfads_op_fn fn;
} lfads_op;

#define LFADS_CAT_(a, b) a##b
#define LFADS_CAT(a, b) LFADS_CAT_(a, b)
/* The per-variant name of a table (lfads_gru_ops_avx2, …). */
#define LFADS_TABLE(name) LFADS_CAT(name, LFADS_VARIANT)

static inline void *lfads_ptr(lfads_mem *m, uint32_t off) {
  if (off == 0) return 0;
  if (off >= m->size) {
    m->bad = 1;
    return 0;
  }
  return m->base + off;
}

#define P(i) lfads_ptr(mem, (uint32_t)a[i])
#define I(i) ((int)a[i])
#define U(i) ((unsigned)(uint32_t)a[i])
#define F(i) ((float)a[i])

/*
 * An argument block (decoder.c's DecArgs, readout.c's RoArgs) as the wasm code reads it: `lead` 32-bit
 * scalars (ints, the float clip) then `ptrs` 32-bit offsets. Natively the same struct has its scalars
 * first, then 64-bit pointers from `first_ptr` bytes on. Returns 0 if the block or a pointer in it lies
 * outside the memory.
 */
static inline int lfads_args_from(lfads_mem *m, uint32_t off, void *dst, int lead, size_t first_ptr, int ptrs) {
  if (off == 0 || (size_t)off + 4u * (size_t)(lead + ptrs) > m->size) return 0;
  const uint32_t *w = (const uint32_t *)(m->base + off);
  uint32_t *scal = (uint32_t *)dst;
  for (int i = 0; i < lead; i++) scal[i] = w[i];
  void **p = (void **)((char *)dst + first_ptr);
  for (int i = 0; i < ptrs; i++) p[i] = lfads_ptr(m, w[lead + i]);
  return !m->bad;
}
