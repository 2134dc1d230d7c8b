/**
 * What every kernel call shares (gru.ts, decoder.ts): argument checks, copies into and out of the
 * kernels' memory, weight packing, and running a job's phases on the calling thread and the workers.
 */
import { ParamError, ShapeError } from "../core/errors.js";
import { defaultThreads, kernelFor, runAsync, runSync, type KernelOp } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

/** Rows per register block in gru.c, the unit of work that threads share. */
const BLOCK_ROWS = 4;

/** Bytes of the packed r/u weight panels (2·H·Hp floats, Hp = H rounded up to 8; gru.c), after which the WhC panels start. */
export function panelBytes(H: number): number {
  return panelBytesIn(H, 0);
}


export function checkLength(fn: string, name: string, a: Float32Array, expected: number, shape: string): void {
  if (!(a instanceof Float32Array)) throw new ShapeError(`${fn}: ${name} must be a Float32Array`);
  if (a.length !== expected) {
    throw new ShapeError(`${fn}: ${name} must have ${expected} elements ${shape}, got ${a.length}`);
  }
}


export function resolveThreads(fn: string, threads: number | undefined): number {
  if (threads === undefined) return defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new ParamError(`${fn}: threads must be a positive integer, got ${threads}`);
  return threads;
}


/**
 * Threads worth starting for a batch: the kernels share 4-row blocks, so more threads than blocks
 * would only wake up to find nothing left.
 */
export function usefulThreads(threads: number, batch: number): number {
  return Math.max(1, Math.min(threads, Math.ceil(batch / BLOCK_ROWS)));
}


/** Copies `a` into a fresh arena block. */
export function copyIn(a: Float32Array): number {
  const { arena } = kernelRuntime();
  const p = arena.alloc(a.length);
  arena.f32(p, a.length).set(a);
  return p;
}


/**
 * Packs the weights into the kernels' panel layouts (gru.c): the forward panels and/or the
 * backward (transposed) ones, each one arena block (0 where not asked for).
 */
export function packWeights(whRU: Float32Array, whC: Float32Array, H: number, forward: boolean, backward: boolean): { fwd: number; bwd: number } {
  const { arena, exports: ex } = kernelRuntime();
  const w = arena.alloc(3 * H * H);
  arena.f32(w, 2 * H * H).set(whRU);
  arena.f32(w + 8 * H * H, H * H).set(whC);
  const fwd = forward ? arena.alloc(ex.gru_pack_fwd_floats(H)) : 0;
  if (forward) ex.gru_pack_fwd(w, w + 8 * H * H, fwd, fwd + panelBytes(H), H);
  const bwd = backward ? arena.alloc(ex.gru_pack_bwd_floats(H)) : 0;
  if (backward) ex.gru_pack_bwd(w, w + 8 * H * H, bwd, bwd + panelBytes(H), H);
  arena.free(w);
  return { fwd, bwd };
}


/**
 * Forward panels of the stacked [Wx; Wh] for a step that projects its D input columns itself
 * (gru.c gru_pack_fwd_in): one arena block, the WhC panels (with their Wx rows) after
 * `panelBytesIn(H, D)` bytes.
 */
export function packWeightsIn(wx: Float32Array, whRU: Float32Array, whC: Float32Array, D: number, H: number): number {
  const { arena, exports: ex } = kernelRuntime();
  const w = arena.alloc(D * 3 * H + 3 * H * H);
  arena.f32(w, D * 3 * H).set(wx);
  arena.f32(w + 4 * D * 3 * H, 2 * H * H).set(whRU);
  arena.f32(w + 4 * (D * 3 * H + 2 * H * H), H * H).set(whC);
  const p = arena.alloc(ex.gru_pack_fwd_in_floats(H, D));
  ex.gru_pack_fwd_in(w, w + 4 * D * 3 * H, w + 4 * (D * 3 * H + 2 * H * H), p, p + panelBytesIn(H, D), D, H);
  arena.free(w);
  return p;
}

/** Bytes of the r/u panels of `packWeightsIn` (2·Hp·(D+H) floats). */
export function panelBytesIn(H: number, D: number): number {
  return 8 * (D + H) * Math.ceil(H / 8) * 8;
}

/** Copies n floats out of the arena into `out` (its length checked beforehand) or a new array. */
export function copyOut(p: number, n: number, out?: Float32Array): Float32Array {
  const view = kernelRuntime().arena.f32(p, n);
  if (!out) return view.slice();
  out.set(view);
  return out;
}

/** Copies columns [col, col + out.length/rows) of a [rows, width] arena block into `out`. */
export function copyOutColumns(p: number, rows: number, width: number, col: number, out: Float32Array): void {
  const src = kernelRuntime().arena.f32(p, rows * width);
  const w = out.length / rows;
  for (let r = 0, o = 0, i = col; r < rows; r++, i += width - w) for (let j = 0; j < w; j++) out[o++] = src[i++]!;
}

/** A fresh [rows, parts·width] arena block holding the [rows, width] `parts` side by side (an absent part: zeros). */
export function interleaveIn(rows: number, parts: readonly (Float32Array | undefined)[], width: number): number {
  const { arena } = kernelRuntime();
  const W = parts.length * width;
  const p = arena.alloc(rows * W);
  const dst = arena.f32(p, rows * W);
  parts.forEach((part, k) => {
    for (let r = 0, i = 0, o = k * width; r < rows; r++, o += W - width) {
      for (let j = 0; j < width; j++) dst[o++] = part ? part[i++]! : 0;
    }
  });
  return p;
}

/** One kernel entry point run by every thread (they share its work through a counter). */
export interface Phase {
  readonly op: KernelOp;
  /** The arguments of each thread (they differ only in the thread's scratch block). */
  readonly args: number[][];
}

export interface Job {
  /** Run one after another; each starts once every thread has finished the one before. */
  readonly phases: Phase[];
  /** Byte offset of the work-sharing counter (reset to 0 before each phase). */
  readonly counter: number;
  /** Copies the results out and frees the call's temporaries. */
  finish(): void;
  /** Frees everything the call allocated (on failure). */
  abort(): void;
}

function resetCounter(job: Job): void {
  new Int32Array(kernelRuntime().memory.buffer, job.counter, 1)[0] = 0;
}

export function run(job: Job): void {
  const ex = kernelRuntime().exports;
  try {
    for (const { op, args } of job.phases) {
      resetCounter(job);
      const kernel = kernelFor(ex, op);
      if (args.length === 1) kernel(...args[0]!);
      else runSync(op, kernel, args);
    }
  } catch (e) {
    job.abort();
    throw e;
  }
  job.finish();
}

export async function runInWorkers(job: Job): Promise<void> {
  try {
    for (const { op, args } of job.phases) {
      resetCounter(job);
      await runAsync(op, args);
    }
  } catch (e) {
    job.abort();
    throw e;
  }
  job.finish();
}

/** Per-thread scratch blocks and the argument lists that differ only in them. */
export function perThread(threads: number, scratchFloats: number, args: (scratch: number) => number[]): { scratch: number[]; args: number[][] } {
  const { arena } = kernelRuntime();
  const scratch = Array.from({ length: threads }, () => arena.alloc(scratchFloats));
  return { scratch, args: scratch.map(args) };
}


/** Packs W [K, N] into 8-column panels (gru.c gru_pack_panels), one arena block. */
export function packPanels(w: Float32Array, K: number, N: number): number {
  const { arena, exports: ex } = kernelRuntime();
  const src = copyIn(w);
  const p = arena.alloc(ex.gru_pack_panels_floats(K, N));
  ex.gru_pack_panels(src, p, K, N);
  arena.free(src);
  return p;
}

export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

