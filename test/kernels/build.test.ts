import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { wasmPath, wasmApi } from "../../src/kernels/runtime.js";

const root = join(__dirname, "..", "..");

it("the committed gru.wasm is a fresh, deterministic build of gru.c and decoder.c (when the recorded clang is here)", (t) => {
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
  for (const n of ["gru_fwd", "gru_bwd_steps", "gru_bwd_dw", "gru_pack_fwd", "gru_pack_bwd", "gru_add", "dec_fwd", "dec_bwd_steps", "dec_gemm_tn"]) assert.ok(names.includes(n), n);
});
