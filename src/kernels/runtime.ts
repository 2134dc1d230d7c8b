/**
 * The kernel runtime: the compiled `gru.wasm` module, one shared WebAssembly memory that every thread's
 * instance works in, and a small allocator over that memory. No TensorFlow.js here.
 *
 * The memory is shared (a SharedArrayBuffer underneath) so that worker threads read the inputs and
 * write the outputs in place: a call copies its inputs in once, and nothing large crosses a
 * `postMessage`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { LfadsError, warn } from "../core/errors.js";
import { chooseKernels, nativeExport, type NativeKernels } from "./native.js";

/** The parts of the WebAssembly JS API used here (tsconfig's lib has no DOM, so no global types). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of gru.wasm (gru.c, decoder.c and readout.c; all pointers are byte offsets into the shared memory). */
export interface GruExports {
  gru_pack_fwd(wru: number, wc: number, pru: number, pc: number, H: number): void;
  gru_pack_bwd(wru: number, wc: number, pruT: number, pcT: number, H: number): void;
  gru_pack_fwd_floats(H: number): number;
  gru_pack_fwd_in(wx: number, wru: number, wc: number, pru: number, pc: number, D: number, H: number): void;
  gru_pack_fwd_in_floats(H: number, D: number): number;
  gru_pack_bwd_floats(H: number): number;
  /** D: input columns projected inside each step (gru_fwd with D > 0; 0: none, or the caller's xProj). */
  gru_fwd_scratch_floats(H: number, D: number): number;
  /** D: input width of a projected recurrence (−1: none). */
  gru_bwd_scratch_floats(H: number, D: number): number;
  gru_pack_panels(w: number, p: number, K: number, N: number): void;
  gru_pack_panels_floats(K: number, N: number): number;
  gru_gemm_scratch_floats(K: number): number;
  /** At most the last argument's number of work units (4-row blocks or weight-gradient segments) per call; returns how many it did. */
  gru_fwd(...args: number[]): number;
  gru_bwd_steps(...args: number[]): number;
  gru_bwd_dw(...args: number[]): number;
  gru_gemm(...args: number[]): number;
  gru_dw_segments(): number;
  /** The coupled decoder (decoder.c): its argument block's size in 32-bit words, per-thread scratch. */
  dec_args_words(): number;
  dec_scratch_floats(args: number): number;
  dec_gemm_tn_scratch_floats(M: number, N: number): number;
  dec_fwd(...args: number[]): number;
  dec_bwd_steps(...args: number[]): number;
  dec_gemm_tn(...args: number[]): number;
  dec_ab_join(ab: number, cf: number, cb: number, mask: number, B: number, T: number, H1: number, H2: number, lag: number): void;
  dec_ab_split(dab: number, mask: number, dcf: number, dcb: number, B: number, T: number, H1: number, H2: number, lag: number): void;
  /** The Poisson read-out (readout.c): its argument block's size in 32-bit words, per-thread scratch, segments. */
  ro_args_words(): number;
  ro_scratch_floats(args: number): number;
  ro_segments(): number;
  ro_part_floats(G: number, F: number, N: number): number;
  ro_fwd(...args: number[]): number;
  ro_bwd(...args: number[]): number;
  /** n floats in place through the read-out's vectorised exp (accuracy tests). */
  ro_exp(p: number, n: number): void;
  gru_add(dst: number, src: number, n: number): void;
  /** mask.c: n dropout multipliers from the xoshiro128** state at `state` (4 words, advanced in place). */
  /** lanes: rng_mask_lanes() states, lane k's at draw k·chunk; state: written with the state after the n draws. */
  rng_dropout_mask(lanes: number, state: number, out: number, n: number, chunk: number, threshold: number, all: number, scale: number): void;
  rng_mask_lanes(): number;
  /** The shadow-stack pointer (exported so that each thread's instance gets its own stack). */
  __stack_pointer: { value: number };
}

const PAGE = 65536;
/** wasm32's whole address space; a shared memory must declare its maximum (V8 reserves it virtually). */
const MAX_PAGES = 65536;
/** Rows are read in whole 8-lane groups, so every block carries this much readable slack (gru.c). */
const SLACK_BYTES = 64;
const ALIGN = 64;
/**
 * The kernels have no data or globals but the shadow-stack pointer (clang spills a few vectors there).
 * The first MiB holds the threads' stacks: thread i (0: the calling thread, i ≥ 1: worker i − 1) grows
 * down from STACKS_BASE + (i + 1)·STACK_BYTES; the arena starts above them.
 */
const ARENA_BASE = 1 << 20;
const STACKS_BASE = 128 << 10;
const STACK_BYTES = 8 << 10;
/** Threads that have a stack of their own in the first MiB. */
const MAX_THREADS = (ARENA_BASE - STACKS_BASE) / STACK_BYTES;

/** The initial shadow-stack pointer of thread i (see ARENA_BASE). */
export function stackTop(thread: number): number {
  if (!(Number.isInteger(thread) && thread >= 0 && thread < MAX_THREADS)) throw new LfadsError(`GRU kernels: thread ${thread} has no stack (at most ${MAX_THREADS} threads)`);
  return STACKS_BASE + (thread + 1) * STACK_BYTES;
}

/**
 * First-fit allocator over the shared memory, in bytes. A handful of blocks live at a time (one
 * call's inputs, outputs and scratch, plus the saved activations of pending backward passes), so a
 * sorted free list is plenty. The memory only grows (WebAssembly memories cannot shrink).
 */
class Arena {
  private readonly sizes = new Map<number, number>();
  /** Free blocks, sorted by offset, never adjacent (merged on free). */
  private readonly freeList: { off: number; size: number }[] = [];
  private end: number;

  constructor(readonly memory: WasmMemory) {
    this.end = memory.buffer.byteLength;
    this.freeList.push({ off: ARENA_BASE, size: this.end - ARENA_BASE });
  }

  /** Allocates room for `floats` float32 values (plus slack); returns the byte offset. */
  alloc(floats: number): number {
    const size = Math.ceil((floats * 4 + SLACK_BYTES) / ALIGN) * ALIGN;
    let i = this.freeList.findIndex((b) => b.size >= size);
    if (i < 0) i = this.grow(size);
    const block = this.freeList[i]!;
    const off = block.off;
    if (block.size === size) this.freeList.splice(i, 1);
    else {
      block.off += size;
      block.size -= size;
    }
    this.sizes.set(off, size);
    return off;
  }

  free(off: number): void {
    const size = this.sizes.get(off);
    if (size === undefined) throw new LfadsError(`Arena.free: ${off} is not an allocated block (double free?)`);
    this.sizes.delete(off);
    let i = this.freeList.findIndex((b) => b.off > off);
    if (i < 0) i = this.freeList.length;
    this.freeList.splice(i, 0, { off, size });
    const next = this.freeList[i + 1];
    if (next && off + size === next.off) {
      this.freeList[i]!.size += next.size;
      this.freeList.splice(i + 1, 1);
    }
    const prev = this.freeList[i - 1];
    if (prev && prev.off + prev.size === off) {
      prev.size += this.freeList[i]!.size;
      this.freeList.splice(i, 1);
    }
  }

  /** Bytes currently allocated (for tests and leak checks). */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  /** Bytes the memory has grown to. */
  get capacityBytes(): number {
    return this.end;
  }

  /** A Float32Array view of `n` floats at byte offset `off` (a fresh view: growth replaces the buffer). */
  f32(off: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, off, n);
  }

  /** A Uint32Array view of `n` words at byte offset `off`. */
  u32(off: number, n: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, off, n);
  }

  /** Grows the memory so that a block of `size` bytes fits at the end; returns its free-list index. */
  private grow(size: number): number {
    const last = this.freeList[this.freeList.length - 1];
    const tailFree = last && last.off + last.size === this.end ? last.size : 0;
    // Grow by at least a quarter of the current size, so that a growing workload grows rarely.
    const need = Math.max(size - tailFree, Math.ceil(this.end / 4));
    const pages = Math.ceil(need / PAGE);
    if (this.end / PAGE + pages > MAX_PAGES) {
      throw new LfadsError(
        `GRU kernels: out of WebAssembly memory (need ${size} more bytes, ${this.end} in use of 4 GiB); ` +
          "use a smaller batch or fewer time steps per call",
      );
    }
    this.memory.grow(pages);
    const added = pages * PAGE;
    if (tailFree > 0) last!.size += added;
    else this.freeList.push({ off: this.end, size: added });
    this.end += added;
    return this.freeList.length - 1;
  }
}

/**
 * The compiled module, its shared memory, the main thread's exports and the allocator. With the native
 * kernels (native.ts), the exports' compute entry points are the addon's, on the same memory; packing,
 * sizes and everything else stay the wasm instance's.
 */
export interface KernelRuntime {
  readonly module: object;
  /** Which wasm build was loaded (chooseKernelFile). */
  readonly file: KernelFile;
  readonly memory: WasmMemory;
  readonly exports: GruExports;
  readonly arena: Arena;
  /** The native kernels that run, if any. */
  readonly native?: NativeKernels;
  /** Why the wasm kernels run (LFADS_KERNELS=wasm, or why the addon cannot): undefined with native kernels. */
  readonly wasmReason?: string;
}

/**
 * Where a kernel module lies: beside the running file (src/kernels/ under tsx, or dist/kernels/ when the
 * build copied it there), else in the package's src/kernels/wasm/ (tsc copies no .wasm into dist/).
 */
export function wasmPath(file: KernelFile = "gru.wasm"): string {
  const candidates = [join(__dirname, "wasm", file), join(__dirname, "..", "..", "src", "kernels", "wasm", file)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new LfadsError(`GRU kernels: ${file} not found (looked in ${candidates.join(", ")}); run npm run build:wasm`);
  }
  return found;
}

/** The two builds of the same kernels (scripts/build-wasm.sh): plain SIMD128, and with relaxed-SIMD multiply-adds. */
export type KernelFile = "gru.wasm" | "gru-fma.wasm";

/** Node 20's V8 (11.3) validates relaxed SIMD only behind this flag; from V8 11.4 (Node 22) it is on by default. */
const RELAXED_SIMD_FLAG = "--experimental-wasm-relaxed-simd";

/**
 * Which build runs. gru-fma.wasm (its micro-kernel ~25% faster: simd.h's MADD) wherever the engine accepts
 * relaxed SIMD, turning on V8's flag for it first where it exists but is off (a wasm feature flag: it only
 * widens what validates, and must be set before the module is compiled); else gru.wasm.
 * LFADS_WASM_FMA=0 picks gru.wasm, =1 insists on gru-fma.wasm. `validate` is the engine's (tests pass one
 * that refuses, to stand for an engine without relaxed SIMD).
 */
export function chooseKernelFile(
  env: string | undefined = process.env.LFADS_WASM_FMA,
  validate: (bytes: Uint8Array) => boolean = (bytes) => wasmApi.validate(bytes),
): { file: KernelFile; bytes: Uint8Array } {
  if (env !== undefined && env !== "" && env !== "0" && env !== "1") {
    throw new LfadsError(`LFADS_WASM_FMA=${JSON.stringify(env)}: expected 0 (plain SIMD128 kernels) or 1 (relaxed-SIMD multiply-add kernels); unset it to choose automatically`);
  }
  const plain = (): { file: KernelFile; bytes: Uint8Array } => ({ file: "gru.wasm", bytes: readFileSync(wasmPath("gru.wasm")) });
  if (env === "0") return plain();
  const bytes = readFileSync(wasmPath("gru-fma.wasm"));
  if (!validate(bytes)) setFlagsFromString(RELAXED_SIMD_FLAG);
  if (validate(bytes)) return { file: "gru-fma.wasm", bytes };
  if (env === "1") throw new LfadsError(`LFADS_WASM_FMA=1: this engine (Node ${process.versions.node}, V8 ${process.versions.v8}) does not accept relaxed SIMD, even with ${RELAXED_SIMD_FLAG}; unset LFADS_WASM_FMA to use the plain kernels`);
  return plain();
}

let runtime: KernelRuntime | undefined;

/** Loads and instantiates the kernels synchronously, once per process. */
export function kernelRuntime(): KernelRuntime {
  if (runtime) return runtime;
  const { file, bytes } = chooseKernelFile();
  const module = new wasmApi.Module(bytes);
  const memory = new wasmApi.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
  // Not named `exports`: in the CommonJS that tsc emits, that would shadow the module's own exports.
  const kernels = new wasmApi.Instance(module, { env: { memory } }).exports as unknown as GruExports;
  if (!kernels.__stack_pointer) throw new LfadsError(`GRU kernels: ${wasmPath(file)} does not export its stack pointer; rebuild it with scripts/build-wasm.sh`);
  kernels.__stack_pointer.value = stackTop(0);
  const choice = chooseKernels({ dec: kernels.dec_args_words(), ro: kernels.ro_args_words() });
  if (choice.kind === "native") {
    const native = choice.native;
    const ex: Record<string, unknown> = { ...kernels };
    for (const name of native.info.ops) ex[name] = nativeExport(native, name, memory);
    runtime = { module, file, memory, exports: ex as unknown as GruExports, arena: new Arena(memory), native };
  } else {
    // Said once per process (warn dedupes): these are slower than the native ones (src/kernels/README.md).
    if (!choice.requested) warn(`the kernels run as WebAssembly (${file}, 128-bit SIMD): ${choice.reason}`);
    runtime = { module, file, memory, exports: kernels, arena: new Arena(memory), wasmReason: choice.reason };
  }
  return runtime;
}
