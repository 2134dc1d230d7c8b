# The optional native kernels (src/kernels/native/, src/kernels/README.md "Native kernels"): the kernel C
# compiled once per x86-64 vector width into static libraries, and the N-API addon that picks one at run time.
# Built by scripts/build-native.mjs (npm run build:native, and the install script, which tolerates failure).
{
  "target_defaults": {
    "cflags": ["-O3", "-fPIC", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unknown-pragmas", "-Wno-unused-parameter"],
    "cflags!": ["-O2", "-O0"],
  },
  "targets": [
    {
      "target_name": "lfads_kernels_avx2",
      "type": "static_library",
      "sources": ["src/kernels/native/gru-ops.c", "src/kernels/native/decoder-ops.c", "src/kernels/native/readout-ops.c", "src/kernels/native/mask-ops.c"],
      "defines": ["LFADS_NATIVE", "LFADS_FMA", "LFADS_VARIANT=_avx2"],
      "cflags": ["-mavx2", "-mfma"],
    },
    {
      "target_name": "lfads_kernels_avx512",
      "type": "static_library",
      "sources": ["src/kernels/native/gru-ops.c", "src/kernels/native/decoder-ops.c", "src/kernels/native/readout-ops.c", "src/kernels/native/mask-ops.c"],
      "defines": ["LFADS_NATIVE", "LFADS_FMA", "LFADS_NATIVE_AVX512", "LFADS_VARIANT=_avx512"],
      "cflags": ["-mavx512f", "-mavx2", "-mfma"],
    },
    {
      "target_name": "lfads_kernels",
      "sources": ["src/kernels/native/addon.c"],
      "dependencies": ["lfads_kernels_avx2", "lfads_kernels_avx512"],
    },
  ],
}
