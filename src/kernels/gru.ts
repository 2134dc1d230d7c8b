/**
 * Fused GRU recurrence on plain Float32Arrays: the whole forward pass over all time steps, and the
 * whole backpropagation through time, each in one WebAssembly-SIMD call per thread. No TensorFlow.js.
 *
 * Math (batch-major, float32), for t = 0..T-1 (T-1..0 when `reverse`), h the previous state (h0 first):
 * ```
 * r  = sigmoid(xProj[:,t,0:H]   + h·WhRU[:,0:H])
 * u  = sigmoid(xProj[:,t,H:2H]  + h·WhRU[:,H:2H] + 1)      (TF LFADS forget bias)
 * c  = tanh   (xProj[:,t,2H:3H] + (r⊙h)·WhC)
 * h' = clip(u⊙h + (1−u)⊙c, −clip, clip);   states[:,t] = h'
 * ```
 * `states[:,t]` is the state after consuming input t, in both directions. In backward, the clip passes
 * gradient only where the pre-clip value was strictly inside (−clip, clip).
 *
 * Threads: a call runs on `threads` threads (default `min(os.availableParallelism(), LFADS_THREADS)`),
 * which take 4-row blocks of the batch (each over all time steps) from a shared counter, so a
 * thread that the OS preempts delays nobody. Weight gradients are summed over a fixed number of
 * row segments in a fixed order: results are bitwise identical for any thread count. The
 * synchronous functions also compute on the calling thread and block until the workers finish; the
 * `…Async` ones leave the calling thread free.
 */
import { ParamError, ShapeError } from "../core/errors.js";
import { checkLength, copyIn, copyOut, packPanels, packWeights, packWeightsIn, panelBytes, panelBytesIn, perThread, resolveThreads, run, runInWorkers, transpose, usefulThreads, type Job, type Phase } from "./job.js";
import { OP_BWD_DW, OP_BWD_STEPS, OP_FORWARD, OP_GEMM } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

/** Inputs of one recurrence. All arrays are row-major float32. */
export interface GruForwardArgs {
  /** Input projections [batch, time, 3·hidden]: the r, u and c pre-activation blocks, in that order. */
  readonly xProj: Float32Array;
  /** Initial state [batch, hidden]. */
  readonly h0: Float32Array;
  /** Recurrent weights of the r and u gates [hidden, 2·hidden] (r columns first). */
  readonly whRU: Float32Array;
  /** Recurrent weights of the candidate [hidden, hidden]. */
  readonly whC: Float32Array;
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
  /** State clip value (> 0; LFADS uses 5). Infinity disables clipping. */
  readonly clip: number;
  /** Run from t = T−1 down to 0 (the backward encoder). Default false. */
  readonly reverse?: boolean;
  /** Threads for this call (default `defaultThreads()`). 1 runs on the calling thread only. */
  readonly threads?: number;
  /**
   * Array to write the states into (length batch·time·hidden) instead of a new one. Reusing one
   * across calls saves a fresh allocation, whose page faults cost ~0.5 ms per MB once it is above
   * glibc's 32 MB mmap threshold (measured: 30 ms for a 58 MB array).
   */
  readonly outStates?: Float32Array;
  /**
   * Return only the final states [batch, hidden] (t = T−1; t = 0 when reverse), e.g. an encoder whose
   * last state alone is read: the other states stay in the kernels' memory for backward only.
   */
  readonly finalOnly?: boolean;
}

/**
 * Inputs of a recurrence whose input projection runs in the kernels too:
 * `xProj = x·Wx + bias` ([batch·time, inDim]·[inDim, 3·hidden] + [3·hidden]), computed in the
 * kernels' memory, so neither xProj nor its gradient ever crosses into JavaScript.
 */
export interface GruInputForwardArgs extends Omit<GruForwardArgs, "xProj"> {
  /** Inputs [batch, time, inDim] (ignored when inDim = 0). */
  readonly x?: Float32Array;
  /** D ≥ 0; 0: the projection is the bias alone. */
  readonly inDim: number;
  /** Input weights [inDim, 3·hidden] (r, u, c column blocks; ignored when inDim = 0). */
  readonly wx?: Float32Array;
  /** [3·hidden], all biases of the projection (not the +1 forget bias, which the kernel adds). */
  readonly bias: Float32Array;
}

/** Gradients of the loss with respect to the inputs of `gruInputForward`. */
export interface GruInputGradients {
  /** [batch, time, inDim], only when asked for (`inputGrad`) and inDim > 0. */
  readonly dx: Float32Array | undefined;
  /** [inDim, 3·hidden] */
  readonly dWx: Float32Array;
  /** [3·hidden] */
  readonly dBias: Float32Array;
  readonly dh0: Float32Array;
  readonly dWhRU: Float32Array;
  readonly dWhC: Float32Array;
}

export interface GruInputBackwardOptions {
  /** Also compute dx = dXProj·Wxᵀ (default false: the input is data). */
  readonly inputGrad?: boolean;
  /** As in GruBackwardOptions. */
  readonly finalOnly?: boolean;
  readonly keepSaved?: boolean;
  readonly threads?: number;
  /** Arrays to write (some of) the gradients into instead of new ones. */
  readonly out?: Partial<GruInputGradients>;
}

/**
 * What backward needs, kept in the kernels' shared memory (not on the JS heap): h0, the states
 * [batch, time, hidden], the gate activations [batch, time, 3·hidden] (r, u, c of each step), and the
 * packed transposed weights.
 * `gruBackward` releases it unless asked to keep it; `releaseGruSaved` releases it without a
 * backward pass. Forgotten ones are released when garbage-collected, but the collector does not
 * see their size, so release them explicitly in loops.
 */
export interface GruSaved {
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
  readonly clip: number;
  readonly reverse: boolean;
  /** True once released; a released GruSaved cannot be used for backward. */
  readonly released: boolean;
}

export interface GruForwardResult {
  /** All states [batch, time, hidden]. */
  readonly states: Float32Array;
  readonly saved: GruSaved;
}

export interface GruBackwardOptions {
  /** Keep `saved` for another backward pass (default false: it is released). */
  readonly keepSaved?: boolean;
  /** `dStates` is [batch, hidden]: the gradient w.r.t. the final states only (see GruForwardArgs.finalOnly). */
  readonly finalOnly?: boolean;
  readonly threads?: number;
  /** Arrays to write (some of) the gradients into instead of new ones (see `outStates`). */
  readonly out?: Partial<GruGradients>;
}

/** Gradients of the loss with respect to the inputs of `gruForward`. */
export interface GruGradients {
  /** [batch, time, 3·hidden]: the gradients of the r, u, c pre-activations. */
  readonly dXProj: Float32Array;
  /** [batch, hidden] */
  readonly dh0: Float32Array;
  /** [hidden, 2·hidden] */
  readonly dWhRU: Float32Array;
  /** [hidden, hidden] */
  readonly dWhC: Float32Array;
}

const registry = new FinalizationRegistry<number[]>((blocks) => {
  const { arena } = kernelRuntime();
  for (const b of blocks) arena.free(b);
});

class Saved implements GruSaved {
  released = false;
  constructor(
    readonly batch: number,
    readonly time: number,
    readonly hidden: number,
    readonly clip: number,
    readonly reverse: boolean,
    /** Byte offsets: h0, states, gates [B,T,3H] (r|u|c per row), packed transposed weights; x [B,T,D] of a projected recurrence with D > 0. */
    readonly ptr: { h0: number; st: number; g: number; packT: number; x?: number },
    /** Set for `gruInputForward`: the input width and a copy of Wx (for dx). */
    readonly input?: { readonly D: number; readonly wx: Float32Array },
  ) {
    registry.register(this, Object.values(ptr), this);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    registry.unregister(this);
    const { arena } = kernelRuntime();
    for (const b of Object.values(this.ptr)) arena.free(b);
  }
}

/** Releases the activations that `saved` holds (a no-op if already released). */
export function releaseGruSaved(saved: GruSaved): void {
  asSaved(saved).release();
}

function asSaved(saved: GruSaved): Saved {
  if (!(saved instanceof Saved)) throw new ParamError("GRU kernels: `saved` must come from gruForward");
  return saved;
}

function checkDims(fn: string, batch: number, time: number, hidden: number): void {
  for (const [name, v] of [
    ["batch", batch],
    ["time", time],
    ["hidden", hidden],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
  // Offsets are int32 byte addresses inside the 4 GiB wasm32 memory.
  if (batch * time * hidden * 3 * 4 >= 2 ** 31) {
    throw new ShapeError(`${fn}: batch·time·3·hidden = ${batch * time * hidden * 3} floats is too large for one call`);
  }
}

type ForwardSource = { readonly xProj: Float32Array } | { readonly input: GruInputForwardArgs };

function forwardJob(fn: string, args: Omit<GruForwardArgs, "xProj">, src: ForwardSource, save: boolean, threads: number): { job: Job; result: () => GruForwardResult } {
  const { batch: B, time: T, hidden: H, clip } = args;
  checkDims(fn, B, T, H);
  const input = "input" in src ? src.input : undefined;
  const D = input ? input.inDim : -1;
  if (input) {
    if (!Number.isInteger(D) || D < 0) throw new ShapeError(`${fn}: inDim must be a non-negative integer, got ${D}`);
    if (D > 0) {
      checkLength(fn, "x", input.x ?? new Float32Array(0), B * T * D, `[batch=${B}, time=${T}, inDim=${D}]`);
      checkLength(fn, "wx", input.wx ?? new Float32Array(0), D * 3 * H, `[inDim=${D}, 3·hidden=${3 * H}]`);
    }
    checkLength(fn, "bias", input.bias, 3 * H, `[3·hidden=${3 * H}]`);
  } else checkLength(fn, "xProj", (src as { xProj: Float32Array }).xProj, B * T * 3 * H, `[batch=${B}, time=${T}, 3·hidden=${3 * H}]`);
  checkLength(fn, "h0", args.h0, B * H, `[batch=${B}, hidden=${H}]`);
  checkLength(fn, "whRU", args.whRU, 2 * H * H, `[hidden=${H}, 2·hidden=${2 * H}]`);
  checkLength(fn, "whC", args.whC, H * H, `[hidden=${H}, hidden=${H}]`);
  const finalOnly = args.finalOnly ?? false;
  if (args.outStates) checkLength(fn, "outStates", args.outStates, finalOnly ? B * H : B * T * H, finalOnly ? `[batch=${B}, hidden=${H}] (finalOnly)` : `[batch=${B}, time=${T}, hidden=${H}]`);
  if (!(clip > 0)) throw new ParamError(`${fn}: clip must be > 0 (Infinity for none), got ${clip}`);
  const reverse = args.reverse ?? false;
  const { arena, exports: ex } = kernelRuntime();

  const n = B * T * H;
  const temps: number[] = [];
  let xin = 0;
  let x: number;
  const phases: Phase[] = [];
  const counter = arena.alloc(1);
  const nt = usefulThreads(threads, B);
  // With inputs (D > 0) the projection x·Wx + bias runs inside each step (gru.c gru_fwd): xProj is never stored.
  const fusedIn = input !== undefined && D > 0;
  const scratchFloats = Math.max(ex.gru_fwd_scratch_floats(H, fusedIn ? D : 0), input && !fusedIn ? ex.gru_gemm_scratch_floats(0) : 0);
  const scratch = Array.from({ length: nt }, () => arena.alloc(scratchFloats));
  if (input) {
    xin = D > 0 ? copyIn(input.x!) : 0;
    const bias = copyIn(input.bias);
    temps.push(bias);
    if (fusedIn) x = bias;
    else {
      // D = 0: xProj is the bias on every row.
      x = arena.alloc(3 * n);
      temps.push(x);
      phases.push({ op: OP_GEMM, args: scratch.map((scr) => [0, 0, bias, x, scr, counter, B * T, 0, 3 * H]) });
    }
  } else {
    x = copyIn((src as { xProj: Float32Array }).xProj);
    temps.push(x);
  }
  const h0 = copyIn(args.h0);
  const packT = save ? packWeights(args.whRU, args.whC, H, false, true).bwd : 0;
  const pack = fusedIn ? packWeightsIn(input.wx!, args.whRU, args.whC, D, H) : packWeights(args.whRU, args.whC, H, true, false).fwd;
  const pc = pack + panelBytesIn(H, fusedIn ? D : 0); // the WhC panels
  const st = arena.alloc(n);
  const g = save ? arena.alloc(3 * n) : 0;
  const rev = reverse ? 1 : 0;
  const Din = fusedIn ? D : 0;
  phases.push({ op: OP_FORWARD, args: scratch.map((scr) => [x, xin, Din, h0, pack, pc, st, g, scr, counter, B, T, H, clip, rev]) });
  temps.push(pack, counter, ...scratch);
  const kept = save ? [h0, st, g, packT, ...(xin ? [xin] : [])] : [h0, st, ...(xin ? [xin] : [])];
  let states: Float32Array | undefined;
  let saved: Saved | undefined;
  const job: Job = {
    phases,
    counter,
    finish() {
      states = finalOnly ? copyFinalStates(st, B, T, H, reverse, args.outStates) : copyOut(st, n, args.outStates);
      for (const p of temps) arena.free(p);
      if (save) saved = new Saved(B, T, H, clip, reverse, { h0, st, g, packT, ...(xin ? { x: xin } : {}) }, input ? { D, wx: D > 0 ? input.wx!.slice() : new Float32Array(0) } : undefined);
      else for (const p of kept) arena.free(p);
    },
    abort() {
      for (const p of [...temps, ...kept]) arena.free(p);
    },
  };
  return { job, result: () => ({ states: states!, saved: saved! }) };
}

/** The state of the last step processed, [B,H], out of the [B,T,H] states at `st`. */
function copyFinalStates(st: number, B: number, T: number, H: number, reverse: boolean, out?: Float32Array): Float32Array {
  const all = kernelRuntime().arena.f32(st, B * T * H);
  const dst = out ?? new Float32Array(B * H);
  const t = reverse ? 0 : T - 1;
  for (let b = 0; b < B; b++) dst.set(all.subarray((b * T + t) * H, (b * T + t + 1) * H), b * H);
  return dst;
}

/** A fresh [B,T,H] arena block of zeros but for the final step's rows, which are `dFinal` [B,H]. */
function expandFinal(dFinal: Float32Array, B: number, T: number, H: number, reverse: boolean): number {
  const { arena } = kernelRuntime();
  const p = arena.alloc(B * T * H);
  const all = arena.f32(p, B * T * H);
  all.fill(0);
  const t = reverse ? 0 : T - 1;
  for (let b = 0; b < B; b++) all.set(dFinal.subarray(b * H, (b + 1) * H), (b * T + t) * H);
  return p;
}

interface BackwardResult {
  grads: GruGradients | undefined;
  inputGrads: GruInputGradients | undefined;
}

function backwardJob(
  fn: string,
  savedArg: GruSaved,
  dStates: Float32Array,
  options: Omit<GruBackwardOptions, "out"> & Omit<GruInputBackwardOptions, "out"> & { out?: Partial<GruGradients & GruInputGradients> },
  threads: number,
  projected: boolean,
): { job: Job; result: () => BackwardResult } {
  const saved = asSaved(savedArg);
  if (saved.released) throw new ParamError(`${fn}: saved activations were already released (pass keepSaved: true to reuse them)`);
  if (projected !== (saved.input !== undefined)) {
    throw new ParamError(projected ? `${fn}: saved must come from gruInputForward` : `${fn}: saved comes from gruInputForward; use gruInputBackward`);
  }
  const { batch: B, time: T, hidden: H } = saved;
  if (options.finalOnly) checkLength(fn, "dStates", dStates, B * H, `[batch=${B}, hidden=${H}] (finalOnly)`);
  else checkLength(fn, "dStates", dStates, B * T * H, `[batch=${B}, time=${T}, hidden=${H}]`);
  const out = options.out ?? {};
  if (out.dXProj) checkLength(fn, "out.dXProj", out.dXProj, B * T * 3 * H, `[batch=${B}, time=${T}, 3·hidden=${3 * H}]`);
  if (out.dh0) checkLength(fn, "out.dh0", out.dh0, B * H, `[batch=${B}, hidden=${H}]`);
  if (out.dWhRU) checkLength(fn, "out.dWhRU", out.dWhRU, 2 * H * H, `[hidden=${H}, 2·hidden=${2 * H}]`);
  if (out.dWhC) checkLength(fn, "out.dWhC", out.dWhC, H * H, `[hidden=${H}, hidden=${H}]`);
  if (out.dWx && saved.input) checkLength(fn, "out.dWx", out.dWx, saved.input.D * 3 * H, `[inDim=${saved.input.D}, 3·hidden=${3 * H}]`);
  if (out.dBias) checkLength(fn, "out.dBias", out.dBias, 3 * H, `[3·hidden=${3 * H}]`);
  if (out.dx && saved.input) checkLength(fn, "out.dx", out.dx, B * T * saved.input.D, `[batch=${B}, time=${T}, inDim=${saved.input.D}]`);
  const { arena, exports: ex } = kernelRuntime();
  const n = B * T * H;
  const { h0, st, g, packT } = saved.ptr;
  const D = saved.input ? saved.input.D : -1;
  const xin = saved.ptr.x ?? 0;
  const pcT = packT + panelBytes(H); // the WhC panels
  const dS = options.finalOnly ? expandFinal(dStates, B, T, H, saved.reverse) : copyIn(dStates);
  const dX = arena.alloc(3 * n);
  const dh0 = arena.alloc(B * H);
  const segments = ex.gru_dw_segments();
  const dW = arena.alloc(segments * 3 * H * H); // one [H,3H] partial per segment of the B·T rows
  const dWx = D >= 0 ? arena.alloc(segments * (D + 1) * 3 * H) : 0; // likewise [D+1, 3H] (row D: the bias)
  const wantDx = D > 0 && (options.inputGrad ?? false);
  const wxT = wantDx ? packPanels(transpose(saved.input!.wx, D, 3 * H), 3 * H, D) : 0;
  const dx = wantDx ? arena.alloc(B * T * D) : 0;
  const counter = arena.alloc(1);
  const rev = saved.reverse ? 1 : 0;
  const nt = usefulThreads(threads, B);
  const scratchFloats = Math.max(ex.gru_bwd_scratch_floats(H, D), wantDx ? ex.gru_gemm_scratch_floats(3 * H) : 0);
  const { scratch, args: stepArgs } = perThread(nt, scratchFloats, (scr) => [
    ...[dS, h0, st, g, packT, pcT, dX, dh0, scr, counter],
    ...[B, T, H, saved.clip, rev],
  ]);
  const dwArgs = scratch.map((scr) => [h0, st, g, dX, dW, xin, D, dWx, scr, counter, B, T, H, rev]);
  const phases: Phase[] = [
    { op: OP_BWD_STEPS, args: stepArgs },
    { op: OP_BWD_DW, args: dwArgs },
  ];
  if (wantDx) phases.push({ op: OP_GEMM, args: scratch.map((scr) => [dX, wxT, 0, dx, scr, counter, B * T, 3 * H, D]) });
  const temps = [dS, dX, dh0, dW, counter, ...scratch, ...[dWx, wxT, dx].filter((p) => p !== 0)];
  const res: BackwardResult = { grads: undefined, inputGrads: undefined };
  const job: Job = {
    phases,
    counter,
    finish() {
      // The segment partials in a fixed order: the same sum for any thread count.
      for (let i = 1; i < segments; i++) ex.gru_add(dW, dW + 12 * i * H * H, 3 * H * H);
      if (D >= 0) {
        const m = (D + 1) * 3 * H;
        for (let i = 1; i < segments; i++) ex.gru_add(dWx, dWx + 4 * i * m, m);
        res.inputGrads = {
          dx: wantDx ? copyOut(dx, B * T * D, out.dx) : undefined,
          dWx: copyOut(dWx, D * 3 * H, out.dWx),
          dBias: copyOut(dWx + 4 * D * 3 * H, 3 * H, out.dBias),
          dh0: copyOut(dh0, B * H, out.dh0),
          dWhRU: copyOut(dW, 2 * H * H, out.dWhRU),
          dWhC: copyOut(dW + 8 * H * H, H * H, out.dWhC),
        };
      } else {
        res.grads = {
          dXProj: copyOut(dX, 3 * n, out.dXProj),
          dh0: copyOut(dh0, B * H, out.dh0),
          dWhRU: copyOut(dW, 2 * H * H, out.dWhRU),
          dWhC: copyOut(dW + 8 * H * H, H * H, out.dWhC),
        };
      }
      for (const p of temps) arena.free(p);
      if (!options.keepSaved) saved.release();
    },
    abort() {
      for (const p of temps) arena.free(p);
    },
  };
  return { job, result: () => res };
}

/** Runs the recurrence and keeps what backward needs. Synchronous; see the module doc for threads. */
export function gruForward(args: GruForwardArgs): GruForwardResult {
  const threads = resolveThreads("gruForward", args.threads);
  const { job, result } = forwardJob("gruForward", args, args, true, threads);
  run(job);
  return result();
}

/** `gruForward` on worker threads, leaving the calling thread free. */
export async function gruForwardAsync(args: GruForwardArgs): Promise<GruForwardResult> {
  const threads = resolveThreads("gruForwardAsync", args.threads);
  const { job, result } = forwardJob("gruForwardAsync", args, args, true, threads);
  await runInWorkers(job);
  return result();
}

/** Runs the recurrence without keeping anything for backward (posterior sampling, evaluation): states [B,T,H]. */
export function gruForwardOnly(args: GruForwardArgs): Float32Array {
  const threads = resolveThreads("gruForwardOnly", args.threads);
  const { job, result } = forwardJob("gruForwardOnly", args, args, false, threads);
  run(job);
  return result().states;
}

/** `gruForwardOnly` on worker threads. */
export async function gruForwardOnlyAsync(args: GruForwardArgs): Promise<Float32Array> {
  const threads = resolveThreads("gruForwardOnlyAsync", args.threads);
  const { job, result } = forwardJob("gruForwardOnlyAsync", args, args, false, threads);
  await runInWorkers(job);
  return result().states;
}

/**
 * Backpropagation through time. `dStates` [batch, time, hidden] is the gradient of the loss with
 * respect to every state (zeros where a state is unused). Releases `saved` unless `keepSaved`.
 */
export function gruBackward(saved: GruSaved, dStates: Float32Array, options: GruBackwardOptions = {}): GruGradients {
  const threads = resolveThreads("gruBackward", options.threads);
  const { job, result } = backwardJob("gruBackward", saved, dStates, options, threads, false);
  run(job);
  return result().grads!;
}

/** `gruBackward` on worker threads. */
export async function gruBackwardAsync(
  saved: GruSaved,
  dStates: Float32Array,
  options: GruBackwardOptions = {},
): Promise<GruGradients> {
  const threads = resolveThreads("gruBackwardAsync", options.threads);
  const { job, result } = backwardJob("gruBackwardAsync", saved, dStates, options, threads, false);
  await runInWorkers(job);
  return result().grads!;
}

/**
 * Runs the input projection `x·Wx + bias` and the recurrence in one call and keeps what
 * `gruInputBackward` needs (x included). Synchronous.
 */
export function gruInputForward(args: GruInputForwardArgs): GruForwardResult {
  const threads = resolveThreads("gruInputForward", args.threads);
  const { job, result } = forwardJob("gruInputForward", args, { input: args }, true, threads);
  run(job);
  return result();
}

/** `gruInputForward` without keeping anything for backward (posterior sampling): states [B,T,H]. */
export function gruInputForwardOnly(args: GruInputForwardArgs): Float32Array {
  const threads = resolveThreads("gruInputForwardOnly", args.threads);
  const { job, result } = forwardJob("gruInputForwardOnly", args, { input: args }, false, threads);
  run(job);
  return result().states;
}

/** `gruInputForwardOnly` on worker threads. */
export async function gruInputForwardOnlyAsync(args: GruInputForwardArgs): Promise<Float32Array> {
  const threads = resolveThreads("gruInputForwardOnlyAsync", args.threads);
  const { job, result } = forwardJob("gruInputForwardOnlyAsync", args, { input: args }, false, threads);
  await runInWorkers(job);
  return result().states;
}

/**
 * Backpropagation through time and through the input projection of `gruInputForward`: dWx and
 * dBias come out of the same pass over dXProj as the recurrent weight gradients, and dXProj never
 * leaves the kernels' memory. Releases `saved` unless `keepSaved`.
 */
export function gruInputBackward(saved: GruSaved, dStates: Float32Array, options: GruInputBackwardOptions = {}): GruInputGradients {
  const threads = resolveThreads("gruInputBackward", options.threads);
  const { job, result } = backwardJob("gruInputBackward", saved, dStates, options, threads, true);
  run(job);
  return result().inputGrads!;
}

/**
 * Copies the gate activations that `saved` holds into JS memory, as [batch, time, 3·hidden] (r, u
 * and c of each step, like xProj), e.g. to keep them where the garbage collector manages them.
 * Does not release `saved`.
 */
export function copyGruGates(savedArg: GruSaved): Float32Array {
  const saved = asSaved(savedArg);
  if (saved.released) throw new ParamError("copyGruGates: saved activations were already released");
  return copyOut(saved.ptr.g, 3 * saved.batch * saved.time * saved.hidden);
}

/**
 * Everything `saved` holds, copied into JS memory: what `restoreGruSaved` needs, given the
 * recurrent weights (which `saved` keeps only packed). Does not release `saved`.
 */
export function copyGruSaved(savedArg: GruSaved, whRU: Float32Array, whC: Float32Array): GruSavedArrays {
  const saved = asSaved(savedArg);
  if (saved.released) throw new ParamError("copyGruSaved: saved activations were already released");
  const { batch: B, time: T, hidden: H, clip, reverse, ptr, input } = saved;
  const D = input ? input.D : 0;
  return {
    h0: copyOut(ptr.h0, B * H),
    whRU,
    whC,
    states: copyOut(ptr.st, B * T * H),
    gates: copyOut(ptr.g, 3 * B * T * H),
    batch: B,
    time: T,
    hidden: H,
    clip,
    reverse,
    ...(input ? { input: { x: ptr.x ? copyOut(ptr.x, B * T * D) : new Float32Array(0), inDim: D, wx: input.wx } } : {}),
  };
}

/** What `restoreGruSaved` rebuilds a GruSaved from: the forward inputs (less xProj) and outputs. */
export interface GruSavedArrays {
  readonly h0: Float32Array;
  readonly whRU: Float32Array;
  readonly whC: Float32Array;
  /** [batch, time, hidden], as returned by the forward pass. */
  readonly states: Float32Array;
  /** [batch, time, 3·hidden], as returned by `copyGruGates`. */
  readonly gates: Float32Array;
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
  readonly clip: number;
  readonly reverse?: boolean;
  /** For activations of `gruInputForward`: its x [batch, time, inDim], inDim and Wx. */
  readonly input?: { readonly x: Float32Array; readonly inDim: number; readonly wx: Float32Array };
}

/** Rebuilds a GruSaved (in the kernels' memory) from arrays kept in JS memory, for `gruBackward`. */
export function restoreGruSaved(a: GruSavedArrays): GruSaved {
  const fn = "restoreGruSaved";
  const { batch: B, time: T, hidden: H, clip } = a;
  checkDims(fn, B, T, H);
  const n = B * T * H;
  checkLength(fn, "h0", a.h0, B * H, `[batch=${B}, hidden=${H}]`);
  checkLength(fn, "whRU", a.whRU, 2 * H * H, `[hidden=${H}, 2·hidden=${2 * H}]`);
  checkLength(fn, "whC", a.whC, H * H, `[hidden=${H}, hidden=${H}]`);
  checkLength(fn, "states", a.states, n, `[batch=${B}, time=${T}, hidden=${H}]`);
  checkLength(fn, "gates", a.gates, 3 * n, `[batch=${B}, time=${T}, 3·hidden=${3 * H}]`);
  if (!(clip > 0)) throw new ParamError(`${fn}: clip must be > 0 (Infinity for none), got ${clip}`);
  const inp = a.input;
  if (inp) {
    checkLength(fn, "input.x", inp.x, B * T * inp.inDim, `[batch=${B}, time=${T}, inDim=${inp.inDim}]`);
    checkLength(fn, "input.wx", inp.wx, inp.inDim * 3 * H, `[inDim=${inp.inDim}, 3·hidden=${3 * H}]`);
  }
  const ptr = {
    h0: copyIn(a.h0),
    st: copyIn(a.states),
    g: copyIn(a.gates),
    packT: packWeights(a.whRU, a.whC, H, false, true).bwd,
    ...(inp && inp.inDim > 0 ? { x: copyIn(inp.x) } : {}),
  };
  return new Saved(B, T, H, clip, a.reverse ?? false, ptr, inp ? { D: inp.inDim, wx: inp.wx.slice() } : undefined);
}

/** Dense multiply-add FLOPs of one call (the §9 model): forward 6·B·T·H², backward twice that. */
export function gruFlops(batch: number, time: number, hidden: number): { forward: number; backward: number } {
  const forward = 6 * batch * time * hidden * hidden;
  return { forward, backward: 2 * forward };
}

export { defaultThreads } from "./pool.js";
export { shutdownPool as shutdownGruPool } from "./pool.js";
