/**
 * The optional native kernels (native/, binding.gyp): the same C as gru.wasm, compiled for x86-64's AVX2 and
 * AVX-512 vectors as a Node addon, run on the same shared memory with the same arguments. Which kernels run is
 * decided once per process (`chooseKernels`): LFADS_KERNELS=native|wasm, else native wherever the addon was
 * built and this CPU runs one of its variants, else wasm.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { LfadsError } from "../core/errors.js";
import { packageRoot } from "../core/package-root.js";

/** What addon.c's `info()` returns. */
export interface NativeInfo {
  readonly variants: readonly { readonly name: string; readonly cpu: string; readonly width: number; readonly supported: boolean }[];
  readonly ops: readonly string[];
  readonly decArgsWords: number;
  readonly roArgsWords: number;
}

interface NativeAddon {
  info(): NativeInfo;
  run(variant: number, op: number, memory: Uint8Array, ...args: number[]): number;
}

/** A loaded addon and the variant that runs. */
export interface NativeKernels {
  readonly path: string;
  readonly variant: string;
  readonly index: number;
  /** Vector width of the micro-kernel in bits (native/mk.h). */
  readonly width: number;
  readonly info: NativeInfo;
  readonly addon: NativeAddon;
}

/** The outcome: native kernels, or why not (the wasm kernels then run). */
export type KernelChoice = { readonly kind: "native"; readonly native: NativeKernels } | { readonly kind: "wasm"; readonly reason: string; readonly requested: boolean };

/** Where node-gyp puts the addon (scripts/build-native.mjs). */
export function nativeAddonPath(): string {
  return join(packageRoot(__dirname), "build", "Release", "lfads_kernels.node");
}

function kernelSourceDirs(): string[] {
  const kernels = join(packageRoot(__dirname), "src", "kernels");
  return [kernels, join(kernels, "native")];
}

/**
 * A kernel source newer than the addon, if any: in a checkout where someone edited gru.c, readout.c, … and
 * has not run npm run build:native yet, the addon would run the old code. (An installed package's sources
 * carry npm's fixed 1985 timestamps, so there the addon, built at install, is always newer.)
 */
export function newerSource(addon: string, dirs: readonly string[] = kernelSourceDirs()): string | undefined {
  const built = statSync(addon).mtimeMs;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!/\.(c|h)$/.test(name)) continue;
      const file = join(dir, name);
      if (statSync(file).mtimeMs > built) return file;
    }
  }
  return undefined;
}

/** The argument-block sizes that the wasm module reports (decoder.c, readout.c), to check the addon against. */
export interface ArgsWords {
  readonly dec: number;
  readonly ro: number;
}

/**
 * Loads the addon and picks its variant: the first of addon.c's list that this CPU supports (AVX2 before
 * AVX-512, see there), or LFADS_NATIVE_VARIANT (avx2, avx512). Throws with the reason where it cannot run.
 */
export function loadNative(words: ArgsWords, variantEnv: string | undefined = process.env["LFADS_NATIVE_VARIANT"]): NativeKernels {
  const path = nativeAddonPath();
  if (!existsSync(path)) throw new LfadsError(`the native addon is not built (${path} is missing; run npm run build:native in ${packageRoot(__dirname)})`);
  if (process.arch !== "x64") throw new LfadsError(`the native kernels are built for x86-64 only, this is ${process.arch}`);
  const newer = newerSource(path);
  if (newer) throw new LfadsError(`the native addon ${path} is older than ${newer}; rebuild it with npm run build:native`);
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (e) {
    throw new LfadsError(`the native addon ${path} does not load (${(e as Error).message.split("\n")[0]}); rebuild it with npm run build:native`);
  }
  const info = addon.info();
  if (info.decArgsWords !== words.dec || info.roArgsWords !== words.ro) {
    throw new LfadsError(
      `the native addon ${path} was built from other kernel sources than gru.wasm (argument blocks of ${info.decArgsWords}/${info.roArgsWords} words, wasm ${words.dec}/${words.ro}); rebuild it with npm run build:native`,
    );
  }
  const names = info.variants.map((v) => v.name);
  if (variantEnv !== undefined && variantEnv !== "" && !names.includes(variantEnv)) {
    throw new LfadsError(`LFADS_NATIVE_VARIANT=${JSON.stringify(variantEnv)}: expected one of ${names.join(", ")}; unset it for the default (the first this CPU runs)`);
  }
  const index = info.variants.findIndex((v) => v.supported && (variantEnv === undefined || variantEnv === "" || v.name === variantEnv));
  if (index < 0) {
    const wanted = variantEnv ? `the ${variantEnv} variant` : `any of ${info.variants.map((v) => `${v.name} (${v.cpu})`).join(", ")}`;
    throw new LfadsError(`this CPU does not run ${wanted}`);
  }
  const v = info.variants[index]!;
  return { path, variant: v.name, index, width: v.width, info, addon };
}

/**
 * Which kernels run. LFADS_KERNELS=native insists on the addon (an error says why it cannot run),
 * =wasm keeps the portable wasm kernels, unset: native where it loads, else wasm with the reason.
 */
export function chooseKernels(words: ArgsWords, env: string | undefined = process.env["LFADS_KERNELS"]): KernelChoice {
  if (env !== undefined && env !== "" && env !== "native" && env !== "wasm") {
    throw new LfadsError(`LFADS_KERNELS=${JSON.stringify(env)}: expected native or wasm; unset it to use the native kernels where they are built`);
  }
  if (env === "wasm") return { kind: "wasm", reason: "LFADS_KERNELS=wasm", requested: true };
  try {
    return { kind: "native", native: loadNative(words) };
  } catch (e) {
    if (env === "native") throw new LfadsError(`LFADS_KERNELS=native: ${(e as Error).message}`);
    return { kind: "wasm", reason: (e as Error).message, requested: false };
  }
}

/** A kernel export that runs op `name` of the addon on `memory` (pointers stay byte offsets into it). */
export function nativeExport(native: NativeKernels, name: string, memory: { readonly buffer: SharedArrayBuffer }): (...args: number[]) => number {
  const op = native.info.ops.indexOf(name);
  if (op < 0) throw new LfadsError(`the native addon ${native.path} has no kernel ${name}; rebuild it with npm run build:native`);
  const { addon, index } = native;
  let view = new Uint8Array(memory.buffer);
  return (...args) => {
    // The memory grows (same addresses, a longer buffer): a view of the old length would fail the bounds checks.
    if (view.byteLength !== memory.buffer.byteLength) view = new Uint8Array(memory.buffer);
    return addon.run(index, op, view, ...args);
  };
}
