#!/usr/bin/env bash
# Builds src/kernels/wasm/gru.wasm and gru-fma.wasm from src/kernels/gru.c, decoder.c, readout.c and mask.c (clang + wasm-ld,
# wasm32 + SIMD128, shared memory; node for the opcode rewrite). The .wasm files are committed, so an install needs no
# clang; this script is for kernel changes.
#
#   scripts/build-wasm.sh           rebuild both modules and record the toolchain
#   scripts/build-wasm.sh --check   rebuild into a temporary folder and compare byte for byte with the
#                                   committed files; exit 0 if equal, 1 if different, 3 if it cannot
#                                   tell (no clang, or not the clang that built the committed file)
#
# The build is deterministic: no debug info, no names, no producers section (--strip-all), and no
# paths or dates in the output. Different clang versions generate different code, hence the
# recorded toolchain line (src/kernels/wasm/TOOLCHAIN).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
srcs=("$root/src/kernels/gru.c" "$root/src/kernels/decoder.c" "$root/src/kernels/readout.c" "$root/src/kernels/mask.c")
out_dir=$root/src/kernels/wasm
CLANG=${CLANG:-clang}
WASM_LD=${WASM_LD:-wasm-ld}

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! command -v "$CLANG" >/dev/null || ! command -v "$WASM_LD" >/dev/null; then
  echo "build-wasm: $CLANG or $WASM_LD not found (Debian: apt-get install clang-14 lld-14)" >&2
  [ "$mode" = check ] && exit 3
  exit 1
fi
toolchain=$("$CLANG" --version | head -n 1)
if [ "$mode" = check ] && [ "$toolchain" != "$(cat "$out_dir/TOOLCHAIN")" ]; then
  echo "build-wasm: cannot check: $out_dir/gru.wasm was built by '$(cat "$out_dir/TOOLCHAIN")', this is '$toolchain'" >&2
  exit 3
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Two modules from the same sources: gru.wasm (SIMD128) and gru-fma.wasm (the micro-kernel's
# multiply-adds as relaxed-SIMD f32x4.relaxed_madd; simd.h's MADD). clang 14 emits the relaxed-SIMD
# prototype's opcode for it, which scripts/wasm-relaxed-fma.mjs rewrites into the standard one.
# runtime.ts loads gru-fma.wasm where the engine accepts relaxed SIMD, else gru.wasm.
#
# -matomics/-mbulk-memory: required for a shared memory (and memset/memcpy become memory.fill/copy).
# -mmutable-globals: so that the shadow-stack pointer can be exported (see below).
# -disable-lsr: loop strength reduction rewrites the micro-kernel's pointer + constant addresses into
# separate i32.add instructions; without it they become load offsets, which V8 folds into x64
# addressing (about 5% faster matmuls).
build_variant() { # <output name> <extra clang flags...>
  local name=$1
  shift
  local objs=() src obj
  for src in "${srcs[@]}"; do
    obj=$tmp/$(basename "$src" .c)-$name.o
    "$CLANG" --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -ffreestanding -nostdlib -mllvm -disable-lsr \
      -Wall -Wextra -Werror "$@" -c "$src" -o "$obj"
    objs+=("$obj")
  done
  # Several threads run instances of this module on one memory. Code that spills to the shadow stack
  # (clang does, e.g. for a vector whose lanes are read by a runtime index) would have every thread
  # use the same stack memory: the stack pointer is exported, and runtime.ts gives each instance its
  # own stack before it runs anything.
  "$WASM_LD" --no-entry --import-memory --shared-memory --max-memory=4294967296 --strip-all \
    --export=__stack_pointer "${objs[@]}" -o "$tmp/$name"
}
build_variant gru.wasm
build_variant gru-fma.proto.wasm -mrelaxed-simd -DLFADS_FMA
node "$root/scripts/wasm-relaxed-fma.mjs" "$tmp/gru-fma.proto.wasm" "$tmp/gru-fma.wasm" >/dev/null
outputs=(gru.wasm gru-fma.wasm)

if [ "$mode" = check ]; then
  for f in "${outputs[@]}"; do
    if ! cmp -s "$tmp/$f" "$out_dir/$f"; then
      echo "build-wasm: $out_dir/$f differs from a fresh build of ${srcs[*]}; run scripts/build-wasm.sh" >&2
      exit 1
    fi
  done
  echo "build-wasm: ${outputs[*]} in $out_dir match their sources"
  exit 0
fi

mkdir -p "$out_dir"
for f in "${outputs[@]}"; do
  cp "$tmp/$f" "$out_dir/$f"
  chmod 644 "$out_dir/$f"
  echo "build-wasm: wrote $out_dir/$f ($(wc -c <"$out_dir/$f") bytes, $toolchain)"
done
echo "$toolchain" >"$out_dir/TOOLCHAIN"
