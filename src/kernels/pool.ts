/**
 * A pool of worker threads, each with its own instance of gru.wasm on the one shared memory. A
 * kernel call is one job per thread for the whole recurrence (all time steps), not a message per
 * time step: the calling thread writes the job into a shared control block and wakes the worker
 * with Atomics.notify; the worker writes its "done" word and notifies back. The threads of a job
 * share its work through a counter in the wasm memory (see gru.c). The calling thread can wait
 * synchronously (Atomics.wait is allowed on Node's main thread), which the synchronous API needs,
 * or asynchronously (Atomics.waitAsync), which keeps the event loop free.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { LfadsError, warn } from "../core/errors.js";
import { kernelRuntime, stackTop, type GruExports } from "./runtime.js";

/** Kernel entry points a job can name (indices into the worker's table, KERNEL_NAMES). */
const OP_EXIT = 0;
export const OP_FORWARD = 1;
export const OP_BWD_STEPS = 2;
export const OP_BWD_DW = 3;
export const OP_GEMM = 4;
export const OP_DEC_FORWARD = 5;
export const OP_DEC_BWD_STEPS = 6;
export const OP_DEC_GEMM_TN = 7;
export const OP_RO_FORWARD = 8;
export const OP_RO_BACKWARD = 9;
export type KernelOp =
  | typeof OP_FORWARD
  | typeof OP_BWD_STEPS
  | typeof OP_BWD_DW
  | typeof OP_GEMM
  | typeof OP_DEC_FORWARD
  | typeof OP_DEC_BWD_STEPS
  | typeof OP_DEC_GEMM_TN
  | typeof OP_RO_FORWARD
  | typeof OP_RO_BACKWARD;
const KERNEL_NAMES = [null, "gru_fwd", "gru_bwd_steps", "gru_bwd_dw", "gru_gemm", "dec_fwd", "dec_bwd_steps", "dec_gemm_tn", "ro_fwd", "ro_bwd"] as const;

/**
 * Units of work (4-row blocks, weight-gradient segments) per kernel call: short calls let V8's
 * optimised code take over during a process's first job (gru.c, "Work sharing"). Native code needs
 * no warm-up: one call does all of a thread's share.
 */
const UNITS_PER_CALL = 2;
const NATIVE_UNITS_PER_CALL = 1 << 30;

function unitsPerCall(): number {
  return kernelRuntime().native ? NATIVE_UNITS_PER_CALL : UNITS_PER_CALL;
}

/** The calling thread's function for `op`: calls the kernel until it reports that no work is left. */
export function kernelFor(ex: GruExports, op: KernelOp): (...args: number[]) => void {
  const kernel = ex[KERNEL_NAMES[op]];
  const units = unitsPerCall();
  return (...args) => {
    while (kernel(...args, units) === units);
  };
}

/** Workers besides the calling thread; each needs a stack in the first MiB (runtime.ts MAX_THREADS). */
const MAX_WORKERS = 63;
const MAX_ARGS = 24;
/** Per worker: int32 words [seq, done, op, nargs, status, ready] then float64 arguments from byte 32. */
const SLOT_BYTES = 32 + 8 * MAX_ARGS;
const SEQ = 0;
const DONE = 1;
const OP = 2;
const NARGS = 3;
const STATUS = 4;
const READY = 5;
const STARTUP_TIMEOUT_MS = 30_000;

// Plain JavaScript, run with `eval: true`, so that it needs no file on disk and no TypeScript loader.
// With the native kernels (native.ts), the worker loads the addon and runs its variant on the same memory.
const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, ctl, slot, stack, native, units } = workerData;
let fns;
if (native) {
  const addon = require(native.path);
  let view = new Uint8Array(memory.buffer);
  fns = ${JSON.stringify(KERNEL_NAMES)}.map((name) => {
    if (!name) return null;
    const op = native.ops.indexOf(name);
    return (...args) => {
      if (view.byteLength !== memory.buffer.byteLength) view = new Uint8Array(memory.buffer);
      return addon.run(native.index, op, view, ...args);
    };
  });
} else {
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  ex.__stack_pointer.value = stack; // a stack of its own (runtime.ts)
  fns = ${JSON.stringify(KERNEL_NAMES)}.map((name) => name && ex[name]);
}
const i32 = new Int32Array(ctl, slot * ${SLOT_BYTES}, 8);
const f64 = new Float64Array(ctl, slot * ${SLOT_BYTES} + 32, ${MAX_ARGS});
Atomics.store(i32, ${READY}, 1);
Atomics.notify(i32, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(i32, ${SEQ}, seen);
  const seq = Atomics.load(i32, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const op = i32[${OP}];
  let status = 0;
  if (op !== ${OP_EXIT}) {
    try {
      const args = Array.from(f64.subarray(0, i32[${NARGS}]));
      args.push(units);
      while (fns[op].apply(null, args) === units);
    } catch (e) {
      status = 1;
      console.error("lfads GRU kernel worker " + slot + ":", e);
    }
  }
  i32[${STATUS}] = status;
  Atomics.store(i32, ${DONE}, seq);
  Atomics.notify(i32, ${DONE});
  if (op === ${OP_EXIT}) break;
}
`;

type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

const ctl = new SharedArrayBuffer(SLOT_BYTES * MAX_WORKERS);
const workers: Worker[] = [];
/** Sequence number of the last job posted to each slot. */
const posted: number[] = [];

function i32(slot: number): Int32Array {
  return new Int32Array(ctl, slot * SLOT_BYTES, 8);
}

/**
 * Default thread count: min(os.availableParallelism(), LFADS_THREADS). A sweep runner that trains
 * several models side by side sets LFADS_THREADS=1 so that they do not oversubscribe the cores.
 */
export function defaultThreads(): number {
  const cores = availableParallelism();
  const env = process.env["LFADS_THREADS"];
  if (env === undefined || env.trim() === "") return cores;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) {
    warn(`LFADS_THREADS=${JSON.stringify(env)} is not a positive integer and was ignored; unset it or set e.g. LFADS_THREADS=1`);
    return cores;
  }
  return Math.min(cores, n);
}

/** Starts workers until there are `n`, waiting (synchronously) until each has its instance. */
function ensureWorkers(n: number): void {
  if (n > MAX_WORKERS) throw new LfadsError(`GRU kernels: at most ${MAX_WORKERS} worker threads, asked for ${n}`);
  if (workers.length >= n) return;
  const { module, memory, native } = kernelRuntime();
  const nativeData = native && { path: native.path, index: native.index, ops: native.info.ops };
  for (let slot = workers.length; slot < n; slot++) {
    const words = i32(slot);
    Atomics.store(words, READY, 0);
    Atomics.store(words, SEQ, 0);
    Atomics.store(words, DONE, 0);
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctl, slot, stack: stackTop(slot + 1), native: nativeData, units: unitsPerCall() }, execArgv: [] });
    // Idle workers must not keep the process alive.
    worker.unref();
    workers.push(worker);
    posted.push(0);
    if (Atomics.wait(words, READY, 0, STARTUP_TIMEOUT_MS) === "timed-out") {
      throw new LfadsError(`GRU kernels: worker thread ${slot} did not start within ${STARTUP_TIMEOUT_MS} ms`);
    }
  }
}

function busy(slot: number): boolean {
  return Atomics.load(i32(slot), DONE) !== posted[slot];
}

function waitSync(slot: number): void {
  const words = i32(slot);
  for (;;) {
    const done = Atomics.load(words, DONE);
    if (done === posted[slot]) return;
    Atomics.wait(words, DONE, done);
  }
}

async function waitDone(slot: number): Promise<void> {
  const words = i32(slot);
  for (;;) {
    const done = Atomics.load(words, DONE);
    if (done === posted[slot]) return;
    const r = waitAsync(words, DONE, done);
    if (r.async) await r.value;
  }
}

function post(slot: number, op: number, args: readonly number[]): void {
  if (args.length > MAX_ARGS) throw new LfadsError(`GRU kernels: ${args.length} arguments exceed ${MAX_ARGS}`);
  const words = i32(slot);
  new Float64Array(ctl, slot * SLOT_BYTES + 32, MAX_ARGS).set(args);
  words[OP] = op;
  words[NARGS] = args.length;
  words[STATUS] = 0;
  const seq = (posted[slot]! + 1) | 0;
  posted[slot] = seq;
  Atomics.store(words, SEQ, seq);
  Atomics.notify(words, SEQ);
}

function checkStatus(slot: number): void {
  if (Atomics.load(i32(slot), STATUS) !== 0) {
    throw new LfadsError(`GRU kernels: the kernel failed in worker thread ${slot} (its error is on stderr)`);
  }
}

/**
 * Runs the kernel `op` on as many threads as there are argument lists and returns when all are
 * done: list 0 on the calling thread (through `local`, the main instance's export), the others on
 * workers 0.. .
 */
export function runSync(op: KernelOp, local: (...args: number[]) => void, threadArgs: readonly (readonly number[])[]): void {
  ensureWorkers(threadArgs.length - 1);
  for (let w = 0; w + 1 < threadArgs.length; w++) {
    waitSync(w); // a job from an earlier async call may still be running there
    post(w, op, threadArgs[w + 1]!);
  }
  let failure: unknown;
  try {
    local(...threadArgs[0]!);
  } catch (e) {
    failure = e;
  }
  for (let w = 0; w + 1 < threadArgs.length; w++) waitSync(w);
  if (failure !== undefined) throw failure;
  for (let w = 0; w + 1 < threadArgs.length; w++) checkStatus(w);
}

let asyncInFlight = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

/** Runs `op` with each argument list on a worker and resolves when all are done; the calling thread stays free. */
export async function runAsync(op: KernelOp, threadArgs: readonly (readonly number[])[]): Promise<void> {
  ensureWorkers(threadArgs.length);
  // Neither Atomics.waitAsync nor the (unref'd) workers keep the event loop alive: hold a timer.
  if (asyncInFlight++ === 0) keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    for (let w = 0; w < threadArgs.length; w++) {
      while (busy(w)) await waitDone(w);
      post(w, op, threadArgs[w]!);
    }
    for (let w = 0; w < threadArgs.length; w++) await waitDone(w);
  } finally {
    if (--asyncInFlight === 0) clearInterval(keepAlive);
  }
  for (let w = 0; w < threadArgs.length; w++) checkStatus(w);
}

/** Stops all workers (after their current job). The next multi-threaded call starts new ones. */
export async function shutdownPool(): Promise<void> {
  const all = workers.splice(0);
  // Referenced again, so that the event loop stays alive until their "exit" events arrive.
  const exited = all.map((worker) => {
    worker.ref();
    return new Promise((resolve) => worker.once("exit", resolve));
  });
  for (let w = 0; w < all.length; w++) {
    await waitDone(w);
    post(w, OP_EXIT, []);
  }
  await Promise.all(exited);
  posted.length = 0;
}
