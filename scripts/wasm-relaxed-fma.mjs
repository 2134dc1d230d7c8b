#!/usr/bin/env node
/**
 * Rewrites the fused multiply-add of Debian's clang 14 into the finished relaxed-SIMD encoding.
 *
 *   node scripts/wasm-relaxed-fma.mjs <in.wasm> <out.wasm>
 *
 * clang 14 knows relaxed SIMD only as the 2022 prototype: `__builtin_wasm_fma_f32x4(a, b, c)` (a·b + c)
 * becomes `f32x4.fma`, opcode 0xfd 0xaf. The standard (and V8 since 11.x) calls the same operation
 * `f32x4.relaxed_madd`, opcode 0xfd 0x105. Both LEB128 encodings are two bytes (af 01 → 85 02), so
 * the rewrite changes no size or offset. The code section is walked instruction by instruction, so
 * only opcodes are rewritten, never an immediate that happens to hold the same bytes. Any other
 * prototype relaxed opcode is an error: the kernels use none.
 */
import { readFileSync, writeFileSync } from "node:fs";

const PROTO_FMA = 0xaf;
const RELAXED_MADD = 0x105;
/** clang 14's other prototype relaxed-SIMD opcodes (from llvm-mc-14 -mattr=+relaxed-simd). */
const OTHER_PROTO = new Map([
  [0xb0, "f32x4.fms"], [0xcf, "f64x2.fma"], [0xd0, "f64x2.fms"], [0xe2, "f32x4.relaxed_max"], [0xb4, "f32x4.relaxed_min"],
  [0xee, "f64x2.relaxed_max"], [0xd4, "f64x2.relaxed_min"], [0xb2, "i8x16.laneselect"], [0xb3, "i16x8.laneselect"],
  [0xd2, "i32x4.laneselect"], [0xd3, "i64x2.laneselect"], [0xa5, "i32x4.relaxed_trunc_f32x4_s"],
  [0xa6, "i32x4.relaxed_trunc_f32x4_u"], [0xc5, "i32x4.relaxed_trunc_f64x2_s_zero"],
  [0xc6, "i32x4.relaxed_trunc_f64x2_u_zero"], [0xa2, "i8x16.relaxed_swizzle"],
]);

function fail(msg) {
  console.error(`wasm-relaxed-fma: ${msg}`);
  process.exit(1);
}

/** A reader over the bytes with LEB128 decoding. */
class Reader {
  constructor(bytes, pos) {
    this.b = bytes;
    this.pos = pos;
  }
  byte() {
    if (this.pos >= this.b.length) fail("unexpected end of module");
    return this.b[this.pos++];
  }
  uleb() {
    let result = 0, shift = 0, byte;
    do {
      byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  }
  /** Signed LEB128: only its length matters here. */
  skipLeb() {
    while (this.byte() & 0x80);
  }
  skip(n) {
    this.pos += n;
  }
  memarg() {
    this.uleb();
    this.uleb();
  }
}

/** Skips one 0xfd-prefixed instruction's immediates; rewrites the prototype fma in place. */
function simd(r, out, counts) {
  const at = r.pos;
  const op = r.uleb();
  if (op === PROTO_FMA) {
    if (r.pos - at !== 2) fail(`f32x4.fma at byte ${at} has a ${r.pos - at}-byte opcode; expected 2`);
    out[at] = 0x80 | (RELAXED_MADD & 0x7f);
    out[at + 1] = RELAXED_MADD >> 7;
    counts.fma++;
    return;
  }
  if (OTHER_PROTO.has(op)) fail(`${OTHER_PROTO.get(op)} (opcode 0xfd 0x${op.toString(16)}) at byte ${at}: only f32x4.fma is translated`);
  if (op <= 0x0b || op === 0x5c || op === 0x5d) r.memarg(); // loads, load splats/extends, store, load zero
  else if (op === 0x0c || op === 0x0d) r.skip(16); // v128.const, i8x16.shuffle
  else if (op >= 0x15 && op <= 0x22) r.skip(1); // extract/replace lane
  else if (op >= 0x54 && op <= 0x5b) {
    r.memarg(); // load/store lane
    r.skip(1);
  }
}

function instruction(r, out, counts) {
  const op = r.byte();
  if (op === 0x02 || op === 0x03 || op === 0x04) {
    const t = r.b[r.pos];
    if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) r.skip(1);
    else r.skipLeb(); // a type index (s33)
  } else if (op === 0x0c || op === 0x0d || (op >= 0x20 && op <= 0x26) || op === 0x10 || op === 0xd2) r.uleb();
  else if (op === 0x0e) {
    const n = r.uleb();
    for (let i = 0; i <= n; i++) r.uleb();
  } else if (op === 0x11) {
    r.uleb();
    r.uleb();
  } else if (op === 0x1c) {
    const n = r.uleb();
    r.skip(n);
  } else if (op >= 0x28 && op <= 0x3e) r.memarg();
  else if (op === 0x3f || op === 0x40 || op === 0xd0) r.skip(1);
  else if (op === 0x41 || op === 0x42) r.skipLeb();
  else if (op === 0x43) r.skip(4);
  else if (op === 0x44) r.skip(8);
  else if (op === 0xfc) {
    const sub = r.uleb();
    if (sub === 8) {
      r.uleb();
      r.skip(1);
    } else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) r.uleb();
    else if (sub === 10) r.skip(2);
    else if (sub === 11) r.skip(1);
    else if (sub === 12 || sub === 14) {
      r.uleb();
      r.uleb();
    }
  } else if (op === 0xfd) simd(r, out, counts);
  else if (op === 0xfe) {
    const sub = r.uleb();
    if (sub === 0x03) r.skip(1); // atomic.fence
    else r.memarg();
  }
  // Every other opcode (control without immediates, numeric) has none.
}

function rewrite(bytes) {
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) fail("not a wasm module (version 1)");
  const out = Buffer.from(bytes);
  const counts = { fma: 0, functions: 0 };
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.uleb();
    const end = r.pos + size;
    if (id === 10) {
      const n = r.uleb();
      for (let f = 0; f < n; f++) {
        const bodySize = r.uleb();
        const bodyEnd = r.pos + bodySize;
        const groups = r.uleb();
        for (let g = 0; g < groups; g++) {
          r.uleb();
          r.skip(1);
        }
        while (r.pos < bodyEnd) instruction(r, out, counts);
        if (r.pos !== bodyEnd) fail(`function ${f}: instructions overran the body by ${r.pos - bodyEnd} bytes`);
        if (bytes[bodyEnd - 1] !== 0x0b) fail(`function ${f}: body does not end with 'end'`);
        counts.functions++;
      }
    }
    r.pos = end;
  }
  return { out, counts };
}

const [input, output] = process.argv.slice(2);
if (!input || !output) fail("usage: wasm-relaxed-fma.mjs <in.wasm> <out.wasm>");
const { out, counts } = rewrite(readFileSync(input));
if (counts.fma === 0) fail(`${input} has no f32x4.fma: was it compiled with -mrelaxed-simd -DLFADS_FMA?`);
writeFileSync(output, out);
console.log(`wasm-relaxed-fma: ${counts.fma} f32x4.fma → f32x4.relaxed_madd in ${counts.functions} functions`);
