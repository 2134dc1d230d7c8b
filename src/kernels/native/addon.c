/*
 * The native kernels as a Node addon (N-API): the kernel C compiled once per x86-64 vector width (AVX2 + FMA,
 * AVX-512F; binding.gyp), the copy to run picked by the caller from `info()`, which says what this CPU
 * supports. This file is compiled for plain x86-64 so that loading the addon never executes an instruction
 * the CPU lacks.
 *
 *   info()                              → { variants: [{ name, width, supported }], ops: [names],
 *                                            decArgsWords, roArgsWords }
 *   run(variant, op, memory, ...args)   → the kernel's int result
 *
 * `memory` is a Uint8Array over the whole shared WebAssembly memory (its SharedArrayBuffer), `op` an index
 * into `ops`, and args the kernel's arguments as the wasm export takes them (pointers as byte offsets).
 * Every argument is checked against the op's signature and every offset against the memory's length.
 */
#include <node_api.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

#define TABLES(v)                                                                                     \
  extern const lfads_op lfads_gru_ops##v[4], lfads_dec_ops##v[3], lfads_ro_ops##v[3], lfads_mask_ops##v[1]; \
  int lfads_dec_args_words##v(void), lfads_ro_args_words##v(void);
TABLES(_avx2)
TABLES(_avx512)

#define N_OPS 11
#define MAX_ARGS 24

typedef struct {
  const char *name;
  int width;
  const char *cpu; /* what __builtin_cpu_supports must confirm */
  const lfads_op *tables[4];
  int ops_in[4];
} variant;

/* In order of preference: the first this CPU supports runs unless LFADS_NATIVE_VARIANT says otherwise. AVX2  */
/* first: on Zen 4, which runs 512-bit instructions as two halves, the AVX-512 build was never faster and its   */
/* backward time loop was slower (one thread, B=150 T=500 H=64: 50 vs 41 ms, 2026-12-07); no CPU with          */
/* full-width 512-bit FMAs was at hand to show a gain.                                                         */
static const variant VARIANTS[] = {
    {"avx2", 256, "avx2+fma", {lfads_gru_ops_avx2, lfads_dec_ops_avx2, lfads_ro_ops_avx2, lfads_mask_ops_avx2}, {4, 3, 3, 1}},
    {"avx512", 512, "avx512f", {lfads_gru_ops_avx512, lfads_dec_ops_avx512, lfads_ro_ops_avx512, lfads_mask_ops_avx512}, {4, 3, 3, 1}},
};
#define N_VARIANTS ((int)(sizeof(VARIANTS) / sizeof(VARIANTS[0])))

static int supported(int v) {
  __builtin_cpu_init();
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return strcmp(VARIANTS[v].name, "avx512") == 0 ? avx2 && __builtin_cpu_supports("avx512f") : avx2;
}

static const lfads_op *op_of(int v, int op) {
  for (int t = 0; t < 4; t++) {
    if (op < VARIANTS[v].ops_in[t]) return &VARIANTS[v].tables[t][op];
    op -= VARIANTS[v].ops_in[t];
  }
  return 0;
}

#define CHECK(call)                                          \
  do {                                                       \
    if ((call) != napi_ok) {                                 \
      napi_throw_error(env, 0, "lfads native kernels: N-API call failed: " #call); \
      return 0;                                              \
    }                                                        \
  } while (0)

static napi_value set_int(napi_env env, napi_value obj, const char *key, int value) {
  napi_value v;
  if (napi_create_int32(env, value, &v) != napi_ok || napi_set_named_property(env, obj, key, v) != napi_ok) return 0;
  return obj;
}

static napi_value info(napi_env env, napi_callback_info cb) {
  (void)cb;
  napi_value out, list, ops;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_array_with_length(env, N_VARIANTS, &list));
  for (int v = 0; v < N_VARIANTS; v++) {
    napi_value item, name, cpu, ok;
    CHECK(napi_create_object(env, &item));
    CHECK(napi_create_string_utf8(env, VARIANTS[v].name, NAPI_AUTO_LENGTH, &name));
    CHECK(napi_create_string_utf8(env, VARIANTS[v].cpu, NAPI_AUTO_LENGTH, &cpu));
    CHECK(napi_get_boolean(env, supported(v), &ok));
    CHECK(napi_set_named_property(env, item, "name", name));
    CHECK(napi_set_named_property(env, item, "cpu", cpu));
    CHECK(napi_set_named_property(env, item, "supported", ok));
    if (!set_int(env, item, "width", VARIANTS[v].width)) return 0;
    CHECK(napi_set_element(env, list, v, item));
  }
  CHECK(napi_set_named_property(env, out, "variants", list));
  CHECK(napi_create_array_with_length(env, N_OPS, &ops));
  for (int i = 0; i < N_OPS; i++) {
    napi_value name;
    CHECK(napi_create_string_utf8(env, op_of(0, i)->name, NAPI_AUTO_LENGTH, &name));
    CHECK(napi_set_element(env, ops, i, name));
  }
  CHECK(napi_set_named_property(env, out, "ops", ops));
  if (!set_int(env, out, "decArgsWords", lfads_dec_args_words_avx2())) return 0;
  if (!set_int(env, out, "roArgsWords", lfads_ro_args_words_avx2())) return 0;
  return out;
}

static napi_value fail(napi_env env, const char *op, const char *what, int i) {
  char msg[256];
  snprintf(msg, sizeof msg, "lfads native kernels: %s: %s (argument %d)", op, what, i);
  napi_throw_range_error(env, 0, msg);
  return 0;
}

static napi_value run(napi_env env, napi_callback_info cb) {
  size_t argc = 3 + MAX_ARGS;
  napi_value argv[3 + MAX_ARGS];
  CHECK(napi_get_cb_info(env, cb, &argc, argv, 0, 0));
  if (argc < 3) return fail(env, "run", "expected (variant, op, memory, ...args)", (int)argc);
  int32_t v, op;
  CHECK(napi_get_value_int32(env, argv[0], &v));
  CHECK(napi_get_value_int32(env, argv[1], &op));
  if (v < 0 || v >= N_VARIANTS || !supported(v)) return fail(env, "run", "no such variant on this CPU", 0);
  if (op < 0 || op >= N_OPS) return fail(env, "run", "no such op", 1);
  const lfads_op *o = op_of(v, op);
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &length, &data, &buffer, &offset));
  if (type != napi_uint8_array || data == 0) return fail(env, o->name, "memory must be a Uint8Array over the kernels' memory", 2);
  const size_t n = strlen(o->sig);
  if (argc - 3 != n) return fail(env, o->name, "wrong number of arguments", (int)argc - 3);
  double a[MAX_ARGS];
  for (size_t i = 0; i < n; i++) {
    CHECK(napi_get_value_double(env, argv[3 + i], &a[i]));
    const double x = a[i];
    const char s = o->sig[i];
    if (s == 'f') continue;
    if (x != (double)(long long)x) return fail(env, o->name, "not an integer", (int)i);
    if (s == 'p' && (x < 0 || x >= (double)length)) return fail(env, o->name, "pointer outside the memory", (int)i);
    if (s == 'i' && (x < -2147483648.0 || x > 2147483647.0)) return fail(env, o->name, "not an int32", (int)i);
    if (s == 'u' && (x < 0 || x > 4294967295.0)) return fail(env, o->name, "not a uint32", (int)i);
  }
  lfads_mem mem = {(char *)data, length, 0};
  const int r = o->fn(&mem, a);
  if (mem.bad) return fail(env, o->name, "an argument block lies outside the memory or points outside it", 0);
  napi_value out;
  CHECK(napi_create_int32(env, r, &out));
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "info", NAPI_AUTO_LENGTH, info, 0, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "info", fn) != napi_ok ||
      napi_create_function(env, "run", NAPI_AUTO_LENGTH, run, 0, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "run", fn) != napi_ok)
    return 0;
  return exports;
}
