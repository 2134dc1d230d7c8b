/**
 * The native kernels (src/kernels/native/, native.ts) against the wasm ones, the reference: every kernel
 * entry point on both paths (kernel-outputs.ts, once per path in its own process), for every variant this
 * CPU runs. Float outputs agree to float32 rounding (the native micro-kernel sums in another order and
 * fuses every multiply-add), the exp and the dropout masks bit for bit. Also: how the kernels are chosen.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { chooseKernels, loadNative, nativeAddonPath, newerSource } from "../../src/kernels/native.js";
import { kernelRuntime } from "../../src/kernels/runtime.js";

const dir = mkdtempSync(join(tmpdir(), "lfads-native-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const words = (): { dec: number; ro: number } => {
  const ex = kernelRuntime().exports;
  return { dec: ex.dec_args_words(), ro: ex.ro_args_words() };
};

/** On x86-64 the addon must be there (npm test builds it); elsewhere there is none to test. */
function addonOrSkip(t: { skip(message: string): void }): boolean {
  if (process.arch !== "x64") {
    t.skip(`no native kernels on ${process.arch}`);
    return false;
  }
  assert.ok(existsSync(nativeAddonPath()), `${nativeAddonPath()} is missing: run npm run build:native`);
  return true;
}

function outputs(env: Record<string, string>): { ran: string; values: Record<string, number[]> } {
  const file = join(dir, `${Object.values(env).join("-")}.json`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "kernel-outputs.ts"), file], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return { ran: r.stdout.trim(), values: JSON.parse(readFileSync(file, "utf8")) as Record<string, number[]> };
}

it("native kernels: every output equals the wasm kernels' to float32 rounding, for each variant this CPU runs", (t) => {
  if (!addonOrSkip(t)) return;
  const wasm = outputs({ LFADS_KERNELS: "wasm" });
  assert.equal(wasm.ran, "wasm");
  const variants = loadNative(words()).info.variants.filter((v) => v.supported);
  assert.ok(variants.length > 0, "this x86-64 CPU runs no variant (AVX2 + FMA at least)");
  for (const v of variants) {
    const native = outputs({ LFADS_KERNELS: "native", LFADS_NATIVE_VARIANT: v.name });
    assert.equal(native.ran, v.name);
    assert.deepEqual(Object.keys(native.values), Object.keys(wasm.values));
    for (const [name, ref] of Object.entries(wasm.values)) {
      const got = native.values[name]!;
      assert.equal(got.length, ref.length, name);
      if (name === "exp" || name.startsWith("mask")) {
        assert.deepEqual(got, ref, `${v.name} ${name}: bitwise`);
        continue;
      }
      // A few ulps of the array's largest value: the measured worst is 1.0e-6 (decoder dFbW, AVX-512; AVX2 5.9e-7).
      const scale = Math.max(...ref.map(Math.abs));
      assert.ok(scale > 0, `${name} is not all zeros`);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!));
      assert.ok(worst <= 1e-5 * scale, `${v.name} ${name}: max |native − wasm| = ${worst} > 1e-5 × ${scale}`);
    }
  }
});

it("native kernels: LFADS_KERNELS picks the path; unset, the addon runs wherever it loads, else wasm with the reason", (t) => {
  assert.throws(() => chooseKernels(words(), "fast"), /LFADS_KERNELS="fast": expected native or wasm/);
  assert.deepEqual(chooseKernels(words(), "wasm"), { kind: "wasm", reason: "LFADS_KERNELS=wasm", requested: true });
  // An addon built from other sources (argument blocks of another size) is refused: wasm, or an error if insisted on.
  // "" is LFADS_KERNELS unset (undefined would read the environment, which `npm run test:wasm` sets to wasm).
  const stale = chooseKernels({ dec: 1, ro: 1 }, "");
  if (!addonOrSkip(t)) return;
  assert.equal(stale.kind, "wasm");
  assert.match(stale.kind === "wasm" ? stale.reason : "", /other kernel sources/);
  assert.throws(() => chooseKernels({ dec: 1, ro: 1 }, "native"), /LFADS_KERNELS=native: .*rebuild it with npm run build:native/);
  const auto = chooseKernels(words(), "");
  assert.equal(auto.kind, "native");
  assert.throws(() => loadNative(words(), "sse9"), /LFADS_NATIVE_VARIANT="sse9": expected one of avx2, avx512/);
});

it("native kernels: with LFADS_KERNELS unset and no usable addon, the wasm kernels run and say so once", (t) => {
  if (!addonOrSkip(t)) return;
  // LFADS_NATIVE_VARIANT naming a variant this CPU lacks stands for an addon that cannot run here.
  const script = `const { kernelRuntime } = require(${JSON.stringify(join(__dirname, "..", "..", "src", "kernels", "runtime.ts"))});
    const { dropoutMaskInto } = require(${JSON.stringify(join(__dirname, "..", "..", "src", "kernels", "mask.ts"))});
    dropoutMaskInto(new Uint32Array([1, 2, 3, 4]), new Float32Array(8), 0.5);
    dropoutMaskInto(new Uint32Array([1, 2, 3, 4]), new Float32Array(8), 0.5);
    console.log(kernelRuntime().native ? "native" : "wasm");`;
  const unsupported = loadNative(words()).info.variants.find((v) => !v.supported)?.name ?? "no-such-variant";
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    env: { ...process.env, LFADS_KERNELS: "", LFADS_NATIVE_VARIANT: unsupported },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "wasm");
  const notes = r.stderr.split("\n").filter((l) => l.includes("the kernels run as WebAssembly"));
  assert.equal(notes.length, 1, r.stderr);
});

it("lfads doctor reports which kernels run, their vector width and the threads", (t) => {
  const doctor = (env: Record<string, string>): Record<string, unknown> => {
    const r = spawnSync(process.execPath, [join(__dirname, "..", "..", "bin", "lfads.js"), "doctor", "--json"], { env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const wasm = doctor({ LFADS_KERNELS: "wasm", LFADS_THREADS: "1" });
  assert.deepEqual([wasm.kernels, wasm.vectorBits, wasm.threads, wasm.detail], ["wasm", 128, 1, "LFADS_KERNELS=wasm"]);
  if (!addonOrSkip(t)) return;
  const expected = loadNative(words());
  const native = doctor({ LFADS_KERNELS: "native", LFADS_THREADS: "2" });
  assert.deepEqual([native.kernels, native.variant, native.vectorBits, native.detail], ["native", expected.variant, expected.width, nativeAddonPath()]);
  assert.equal(native.threads, Math.min(2, (native.cores as number)));
});

it("native kernels: an addon older than a kernel source is not used (it would run the old code)", (t) => {
  if (!addonOrSkip(t)) return;
  assert.equal(newerSource(nativeAddonPath()), undefined, "npm run build:native leaves no kernel source newer than the addon");
  const src = join(dir, "edited");
  mkdirSync(src);
  const file = join(src, "readout.c");
  writeFileSync(file, "/* edited after the build */\n");
  const future = new Date(Date.now() + 60_000);
  utimesSync(file, future, future);
  assert.equal(newerSource(nativeAddonPath(), [src]), file);
  writeFileSync(join(src, "notes.txt"), "not a kernel source");
  utimesSync(file, new Date(0), new Date(0));
  assert.equal(newerSource(nativeAddonPath(), [src]), undefined);
});
