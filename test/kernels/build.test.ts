import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { kernelRuntime, stackTop, wasmPath, wasmApi } from "../../src/kernels/runtime.js";

const root = join(__dirname, "..", "..");

it("the committed gru.wasm and gru-fma.wasm are fresh, deterministic builds of their C sources (when the recorded clang is here)", (t) => {
  const r = spawnSync("bash", [join(root, "scripts", "build-wasm.sh"), "--check"], { encoding: "utf8" });
  if (r.status === 3) {
    t.skip(r.stderr.trim());
    return;
  }
  assert.equal(r.status, 0, r.stderr);
});

it("gru.wasm imports only a shared memory and exports the kernel entry points", () => {
  const module = new wasmApi.Module(readFileSync(wasmPath()));
  const wasm = (globalThis as unknown as { WebAssembly: { Module: { imports(m: object): { name: string; kind: string }[]; exports(m: object): { name: string }[] } } }).WebAssembly;
  assert.deepEqual(wasm.Module.imports(module), [{ module: "env", name: "memory", kind: "memory" }]);
  const names = wasm.Module.exports(module).map((e) => e.name);
  for (const n of ["gru_fwd", "gru_bwd_steps", "gru_bwd_dw", "gru_pack_fwd", "gru_pack_fwd_in", "gru_pack_bwd", "gru_add", "dec_fwd", "dec_bwd_steps", "dec_gemm_tn", "ro_fwd", "ro_bwd"]) assert.ok(names.includes(n), n);
});

it("every thread's instance runs on a stack of its own: the stack pointer is exported and set per thread", () => {
  // Some kernels spill vectors to the shadow stack; with one shared initial pointer, threads would
  // overwrite each other's spills.
  const { exports: ex } = kernelRuntime();
  assert.equal(ex.__stack_pointer.value, stackTop(0));
  const tops = [0, 1, 2, 63].map(stackTop);
  assert.equal(new Set(tops).size, tops.length);
  assert.ok(tops.every((t, i) => i === 0 || t - tops[i - 1]! >= 8192), "stacks at least 8 KiB apart");
  assert.ok(stackTop(63) <= 1 << 20, "below the arena");
  assert.throws(() => stackTop(1000), /at most \d+ threads/);
});
