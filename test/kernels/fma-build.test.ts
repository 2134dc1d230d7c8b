import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { chooseKernelFile, kernelRuntime, wasmApi, wasmPath } from "../../src/kernels/runtime.js";

const root = join(__dirname, "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "lfads-fma-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const f32x4 = (v: number[]): number[] => [...new Uint8Array(Float32Array.from(v).buffer)];

/**
 * A module whose one function stores `simdOp(a, b, c)` at address 0. Before it, an i32.const whose
 * LEB128 immediate is the bytes fd af 01 (22525): the same bytes as the prototype fma's opcode.
 */
function moduleWith(simdOp: number[], a: number[], b: number[], c: number[]): Uint8Array {
  const code = [
    0x00, // no locals
    0x41, 0xfd, 0xaf, 0x01, 0x1a, // i32.const 22525; drop
    0x41, 0x00, // i32.const 0 (the store's address)
    0xfd, 0x0c, ...f32x4(a), 0xfd, 0x0c, ...f32x4(b), 0xfd, 0x0c, ...f32x4(c),
    ...simdOp,
    0xfd, 0x0b, 0x04, 0x00, // v128.store align=16 offset=0
    0x0b,
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x00, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x02, 0x01, 0x66, 0x00, 0x00, 0x01, 0x6d, 0x02, 0x00]),
    ...section(10, [0x01, ...uleb(code.length), ...code]),
  ]);
}

function rewrite(bytes: Uint8Array): { status: number | null; stdout: string; stderr: string; out: Uint8Array | undefined } {
  const input = join(tmp, "in.wasm"), output = join(tmp, "out.wasm");
  rmSync(output, { force: true });
  writeFileSync(input, bytes);
  const r = spawnSync(process.execPath, [join(root, "scripts", "wasm-relaxed-fma.mjs"), input, output], { encoding: "utf8" });
  let out: Uint8Array | undefined;
  try {
    out = readFileSync(output);
  } catch {
    out = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

it("the opcode rewrite turns clang 14's prototype f32x4.fma into f32x4.relaxed_madd (a·b + c), and nothing else", (t) => {
  chooseKernelFile(""); // turns on relaxed SIMD in this engine where it is behind a flag
  const a = [2, 3, 1 + 2 ** -23, 0.5], b = [10, -100, 1 - 2 ** -23, 4], c = [1, 1, -1, -2];
  const proto = moduleWith([0xfd, 0xaf, 0x01], a, b, c);
  const r = rewrite(proto);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 f32x4\.fma → f32x4\.relaxed_madd in 1 functions/);
  const out = r.out!;
  assert.equal(out.length, proto.length);
  const diff = [...out.keys()].filter((i) => out[i] !== proto[i]);
  const site = proto.length - 1 /* end */ - 4 /* v128.store */ - 2; // the opcode's LEB128 bytes
  assert.deepEqual(diff, [site, site + 1]);
  assert.deepEqual([...out.subarray(site - 1, site + 2)], [0xfd, 0x85, 0x02]);
  assert.equal(wasmApi.validate(proto), false, "the prototype opcode is not valid wasm");
  if (!wasmApi.validate(out)) {
    t.skip(`this engine (V8 ${process.versions.v8}) does not run relaxed SIMD`);
    return;
  }
  const inst = new wasmApi.Instance(new wasmApi.Module(out), {}).exports as { f(): void; m: { buffer: ArrayBuffer } };
  inst.f();
  const got = [...new Float32Array(inst.m.buffer, 0, 4)];
  // Lane 2 tells fused from unfused: (1 + 2^-23)(1 − 2^-23) − 1 = −2^-46 exactly, 0 after rounding the product.
  const product = Math.fround((1 + 2 ** -23) * (1 - 2 ** -23));
  assert.deepEqual([got[0], got[1], got[3]], [21, -299, 0]);
  assert.ok(got[2] === -(2 ** -46) || got[2] === product - 1, `lane 2: ${got[2]}`);
});

it("the opcode rewrite refuses clang 14's other prototype relaxed opcodes and files that are not wasm", () => {
  const fms = rewrite(moduleWith([0xfd, 0xb0, 0x01], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]));
  assert.equal(fms.status, 1);
  assert.match(fms.stderr, /f32x4\.fms \(opcode 0xfd 0xb0\) at byte \d+: only f32x4\.fma is translated/);
  assert.equal(fms.out, undefined, "nothing written");
  const plain = rewrite(moduleWith([0xfd, 0xe4, 0x01], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1])); // f32x4.add: no fma at all
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /has no f32x4\.fma: was it compiled with -mrelaxed-simd -DLFADS_FMA\?/);
  const junk = rewrite(Uint8Array.from([1, 2, 3]));
  assert.equal(junk.status, 1);
  assert.match(junk.stderr, /not a wasm module/);
});

it("both kernel builds export the same entry points; the FMA build is the one loaded where the engine takes relaxed SIMD", () => {
  const wasm = (globalThis as unknown as { WebAssembly: { Module: { exports(m: object): { name: string }[] } } }).WebAssembly;
  const names = (f: "gru.wasm" | "gru-fma.wasm"): string[] => wasm.Module.exports(new wasmApi.Module(readFileSync(wasmPath(f)))).map((e) => e.name).sort();
  assert.deepEqual(names("gru-fma.wasm"), names("gru.wasm"));
  const fmaAccepted = wasmApi.validate(readFileSync(wasmPath("gru-fma.wasm")));
  const forcedPlain = process.env.LFADS_WASM_FMA === "0";
  assert.equal(kernelRuntime().file, fmaAccepted && !forcedPlain ? "gru-fma.wasm" : "gru.wasm");
  assert.equal(chooseKernelFile("0").file, "gru.wasm");
  assert.equal(chooseKernelFile(undefined).file, kernelRuntime().file);
});

it("LFADS_WASM_FMA accepts only 0 or 1, and says so", () => {
  assert.throws(() => chooseKernelFile("yes"), /LFADS_WASM_FMA="yes": expected 0 \(plain SIMD128 kernels\) or 1 \(relaxed-SIMD multiply-add kernels\); unset it/);
});

it("an engine that refuses relaxed SIMD gets gru.wasm, and LFADS_WASM_FMA=1 there is an error that says why", () => {
  const refuses = (): boolean => false;
  assert.equal(chooseKernelFile("", refuses).file, "gru.wasm");
  assert.throws(() => chooseKernelFile("1", refuses), /LFADS_WASM_FMA=1: this engine \(Node [\d.]+, V8 [^)]+\) does not accept relaxed SIMD, even with --experimental-wasm-relaxed-simd; unset LFADS_WASM_FMA/);
  // The plain build is valid wasm for any engine with SIMD128; the FMA build only with relaxed SIMD.
  assert.equal(wasmApi.validate(chooseKernelFile("", refuses).bytes), true);
});

it("three LFADS training steps give the same cost, KL and gradient norm with either build (float32 rounding apart)", () => {
  const run = (v: string): { file: string; steps: { cost: number; kl: number; gradNorm: number }[] } => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "train-steps.ts")], { encoding: "utf8", cwd: root, env: { ...process.env, LFADS_WASM_FMA: v } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as { file: string; steps: { cost: number; kl: number; gradNorm: number }[] };
  };
  const plain = run("0");
  assert.equal(plain.file, "gru.wasm");
  chooseKernelFile("");
  if (!wasmApi.validate(readFileSync(wasmPath("gru-fma.wasm")))) return; // an engine without relaxed SIMD: only one build to run
  const fma = run("1");
  assert.equal(fma.file, "gru-fma.wasm");
  for (let i = 0; i < 3; i++) {
    for (const k of ["cost", "kl", "gradNorm"] as const) {
      const x = plain.steps[i]![k], y = fma.steps[i]![k];
      assert.ok(Math.abs(x - y) <= 1e-4 * Math.abs(x), `step ${i} ${k}: ${x} vs ${y}`);
    }
  }
});
