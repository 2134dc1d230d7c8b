/**
 * Which kernels this process runs, for `lfads doctor`, logs and the benchmarks: native (which variant, its
 * vector width) or wasm (which build, and why not native), and on how many threads.
 */
import { defaultThreads } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

/** The implementation name the fused kernels register under (native or wasm alike; kept for setGruImplementation callers). */
export const FUSED_KERNELS_NAME = "wasm-simd";

export interface KernelsInUse {
  readonly kind: "native" | "wasm";
  /** avx512, avx2 (native) or the wasm file (gru-fma.wasm, gru.wasm) */
  readonly variant: string;
  /** vector width of the micro-kernel, bits */
  readonly vectorBits: number;
  /** threads a kernel call uses by default (LFADS_THREADS, the cores) */
  readonly threads: number;
  /** the addon's path (native) or why the wasm kernels run */
  readonly detail: string;
}

/** Loads the kernels if not yet loaded (the choice is made once per process) and says which they are. */
export function kernelsInUse(): KernelsInUse {
  const rt = kernelRuntime();
  const threads = defaultThreads();
  if (rt.native) return { kind: "native", variant: rt.native.variant, vectorBits: rt.native.width, threads, detail: rt.native.path };
  return { kind: "wasm", variant: rt.file, vectorBits: 128, threads, detail: rt.wasmReason ?? "" };
}

/** One line, e.g. "native avx2 (256-bit vectors), 2 threads". */
export function describeKernels(k: KernelsInUse = kernelsInUse()): string {
  return `${k.kind} ${k.variant} (${k.vectorBits}-bit vectors), ${k.threads} thread${k.threads === 1 ? "" : "s"}`;
}
