/**
 * The Poisson read-out tail of LFADS on plain Float32Arrays, in one fused WebAssembly-SIMD pass per
 * direction (readout.c has the math): factors f = (states ⊙ mask)·Wf (optional), log-rates
 * logr = f·Wr + br, and per trial Σ_{t,n} x·logr − exp(logr) (without the lgamma constant), each
 * element optionally weighted: `valueWeights` in the sum, `gradWeights` in its gradient (coordinated
 * dropout), and `heldOutWeights` in a second, gradient-free sum `heldOutLogLik` (sample validation).
 * No TensorFlow.js.
 *
 * ```ts
 * readoutForward(args, { factors?, logRates?, out?, save? })
 *                                    → { logLik [B], heldOutLogLik? [B], factors?, logRates?, saved? (with save) }
 * readoutBackward(args, { dLogLik, dFactors?, dLogRates? }, { out?, saved? })
 *                                    → { dStates?, dFacW?, dFactors?, dWr, dBr }
 * ```
 *
 * Backward takes the forward's inputs again and recomputes f and logr: no [B,T,F] or [B,T,N]
 * results are kept alive between the two calls. With `save`, the forward keeps its copies of x, the
 * states and their mask in the kernels' memory (`ReadoutSaved`) and backward reads those instead of
 * copying the arrays in again; a mask drawn in place (`fillMask`) needs it. Every `out` array is filled in place
 * (e.g. views of the tensors that will hold the results), saving a copy. Threads share rows
 * (forward) or fixed row segments (backward, one weight-gradient partial each, summed in order), so
 * every result is bitwise identical for any thread count.
 */
import { ParamError, ShapeError } from "../core/errors.js";
import { checkLength, copyIn, copyOut, packPanels, perThread, resolveThreads, run, transpose } from "./job.js";
import { OP_RO_BACKWARD, OP_RO_FORWARD, type KernelOp } from "./pool.js";
import { ReadoutSaved, type ReadoutKept } from "./readout-saved.js";
import { kernelRuntime } from "./runtime.js";

export { ReadoutSaved } from "./readout-saved.js";

export interface ReadoutArgs {
  readonly batch: number;
  readonly time: number;
  /** N: width of the observations and log-rates. */
  readonly neurons: number;
  /** F */
  readonly factors: number;
  /** Observations [B,T,N] (counts as float32). */
  readonly x: Float32Array;
  /** The factors stage: generator states [B,T,G] (G = `gen`), their dropout mask [B,T,G] (optional) and Wf [G,F]. */
  readonly gen?: number;
  readonly states?: Float32Array;
  readonly mask?: Float32Array;
  /**
   * Instead of `mask`: draws the mask into the array it is given (a view of the kernels' memory, so the
   * mask is written where the kernels read it, with no copy). Called once, by the forward; its backward
   * then needs the forward's `saved`.
   */
  readonly fillMask?: (out: Float32Array) => void;
  readonly facW?: Float32Array;
  /** Without `states`: the factors [B,T,F]. */
  readonly f?: Float32Array;
  readonly wr: Float32Array; // [F,N]
  readonly br: Float32Array; // [N]
  /** Per-element weights [B,T,N] of the log-likelihood's value (absent: 1). */
  readonly valueWeights?: Float32Array;
  /** Per-element weights [B,T,N] of its gradient (absent: 1; backward only). */
  readonly gradWeights?: Float32Array;
  /** Per-element weights [B,T,N] of the gradient-free second sum `heldOutLogLik` (forward only). */
  readonly heldOutWeights?: Float32Array;
  readonly threads?: number;
}

export interface ReadoutForwardOutputs {
  /** Σ_{t,n} w·(x·logr − exp(logr)) per trial [B], w the value weights (1 without). */
  readonly logLik: Float32Array;
  /** The same sum with the held-out weights [B], with `heldOutWeights` only. */
  readonly heldOutLogLik?: Float32Array;
  /** [B,T,F], only with the factors stage and when asked for. */
  readonly factors?: Float32Array;
  /** [B,T,N], when asked for. */
  readonly logRates?: Float32Array;
}

export interface ReadoutCotangents {
  readonly dLogLik: Float32Array; // [B]
  /** Gradients w.r.t. the factors output [B,T,F] and the log-rates output [B,T,N]; absent: zero. */
  readonly dFactors?: Float32Array;
  readonly dLogRates?: Float32Array;
}

export interface ReadoutGradients {
  /** With the factors stage: [B,T,G] and [G,F]. */
  readonly dStates?: Float32Array;
  readonly dFacW?: Float32Array;
  /** Without it: the gradient w.r.t. the input factors [B,T,F]. */
  readonly dFactors?: Float32Array;
  readonly dWr: Float32Array; // [F,N]
  readonly dBr: Float32Array; // [N]
}

/** Rows per unit of forward work (readout.c RO_ROWS): more threads than units would find nothing to do. */
const FORWARD_ROWS = 64;

/** The word order of readout.c's RoArgs. */
const FIELDS = "R T G F N x s mask fin pWf pWr br rowll fout lout dLL dlin dfin pWrT pWfT dS dF part lw gw hw rowhl".split(" ");

interface Dims {
  B: number;
  T: number;
  N: number;
  F: number;
  /** 0: no factors stage. */
  G: number;
  R: number;
}

function checkArgs(fn: string, a: ReadoutArgs): Dims {
  const { batch: B, time: T, neurons: N, factors: F } = a;
  const G = a.states ? (a.gen ?? NaN) : 0;
  for (const [name, v] of Object.entries({ batch: B, time: T, neurons: N, factors: F, ...(a.states ? { gen: G } : {}) })) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
  const R = B * T;
  // Offsets are int32 byte addresses inside the 4 GiB wasm32 memory.
  if (R * Math.max(N, F, G) * 4 >= 2 ** 31) throw new ShapeError(`${fn}: batch·time·max(neurons, factors, gen) = ${R * Math.max(N, F, G)} floats is too large for one call; use a smaller batch`);
  const bt = `[batch=${B}, time=${T}`;
  checkLength(fn, "x", a.x, R * N, `${bt}, neurons=${N}]`);
  if (a.states) {
    if (a.f) throw new ParamError(`${fn}: give either states (with the factors stage) or f, not both`);
    checkLength(fn, "states", a.states, R * G, `${bt}, gen=${G}]`);
    if (a.mask && a.fillMask) throw new ParamError(`${fn}: give either mask or fillMask, not both`);
    if (a.mask) checkLength(fn, "mask", a.mask, R * G, `${bt}, gen=${G}]`);
    checkLength(fn, "facW", a.facW ?? new Float32Array(0), G * F, `[gen=${G}, factors=${F}]`);
  } else {
    if (a.mask || a.fillMask || a.facW) throw new ParamError(`${fn}: mask, fillMask and facW belong to the factors stage, which needs states`);
    checkLength(fn, "f", a.f ?? new Float32Array(0), R * F, `${bt}, factors=${F}]`);
  }
  checkLength(fn, "wr", a.wr, F * N, `[factors=${F}, neurons=${N}]`);
  checkLength(fn, "br", a.br, N, `[neurons=${N}]`);
  for (const name of ["valueWeights", "gradWeights", "heldOutWeights"] as const) {
    const w = a[name];
    if (w) checkLength(fn, name, w, R * N, `${bt}, neurons=${N}]`);
  }
  return { B, T, N, F, G, R };
}

/**
 * The kept inputs' blocks: from `saved`, else x, the states and the mask copied in (or, where `draw`
 * (forward), the mask drawn in place by `fillMask`); 0 where absent.
 */
function keptInputs(fn: string, a: ReadoutArgs, d: Dims, saved: ReadoutSaved | undefined, draw: boolean): ReadoutKept {
  if (saved) {
    if (saved.released) throw new ParamError(`${fn}: saved was already released (its backward ran)`);
    const { R, N, G } = saved.dims;
    if (R !== d.R || N !== d.N || G !== d.G) throw new ShapeError(`${fn}: saved holds rows=${R}, neurons=${N}, gen=${G}; the arguments give rows=${d.R}, neurons=${d.N}, gen=${d.G}`);
    return saved.ptr;
  }
  if (a.fillMask && !draw) throw new ParamError(`${fn}: the mask was drawn by the forward (fillMask); pass the forward's saved (readoutForward with save: true)`);
  const { arena } = kernelRuntime();
  let mask = 0;
  if (a.mask) mask = copyIn(a.mask);
  else if (a.fillMask) {
    mask = arena.alloc(d.R * d.G);
    try {
      a.fillMask(arena.f32(mask, d.R * d.G));
    } catch (e) {
      arena.free(mask);
      throw e;
    }
  }
  return { x: copyIn(a.x), s: a.states ? copyIn(a.states) : 0, mask };
}

/** The weights (and the factors, without the stage) copied or packed into the kernels' memory (0 where absent). */
function copyWeights(a: ReadoutArgs, d: Dims): Record<"fin" | "pWf" | "pWr" | "br", number> {
  return {
    fin: a.f ? copyIn(a.f) : 0,
    pWf: a.states ? packPanels(a.facW!, d.G, d.F) : 0,
    pWr: packPanels(a.wr, d.F, d.N),
    br: copyIn(a.br),
  };
}

/** Writes an argument block; runs `op` on `threads` threads; `finish` reads the results; everything but `keep` is freed. */
function runJob(d: Dims, ptr: Partial<Record<string, number>>, op: KernelOp, threads: number, keep: ReadoutKept | undefined, finish: () => void): void {
  const { arena, exports: ex, memory } = kernelRuntime();
  if (ex.ro_args_words() !== FIELDS.length) throw new ParamError(`readout kernels: gru.wasm's RoArgs has ${ex.ro_args_words()} words, readout.ts writes ${FIELDS.length}; rebuild with scripts/build-wasm.sh`);
  const args = arena.alloc(FIELDS.length);
  const words = new Int32Array(memory.buffer, args, FIELDS.length);
  const values: Record<string, number> = { R: d.R, T: d.T, G: d.G, F: d.F, N: d.N, ...ptr };
  FIELDS.forEach((name, i) => (words[i] = values[name] ?? 0));
  const counter = arena.alloc(1);
  const { scratch, args: threadArgs } = perThread(threads, ex.ro_scratch_floats(args), (scr) => [args, scr, counter]);
  const kept = new Set(keep ? [keep.x, keep.s, keep.mask] : []);
  const blocks = [args, counter, ...scratch, ...Object.values(ptr).filter((p): p is number => p !== undefined && p !== 0 && !kept.has(p))];
  const freeAll = (): void => blocks.forEach((p) => arena.free(p));
  run({
    phases: [{ op, args: threadArgs }],
    counter,
    finish() {
      try {
        finish();
      } finally {
        freeAll();
      }
    },
    abort: freeAll,
  });
}

/** Checks an `out` array's length, or allocates one. */
function target(fn: string, name: string, out: Float32Array | undefined, n: number, shape: string): Float32Array {
  if (!out) return new Float32Array(n);
  checkLength(fn, `out.${name}`, out, n, shape);
  return out;
}

/** Each trial's rows in order, in double precision: deterministic and more accurate than float32. */
function sumTrials(rows: Float32Array, B: number, T: number, out: Float32Array): void {
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = b * T; i < (b + 1) * T; i++) s += rows[i]!;
    out[b] = s;
  }
}

/**
 * The per-trial Poisson log-likelihood (without Σ lgamma(x+1)) and, when asked for (or given an
 * `out` array), the factors and the log-rates.
 */
export function readoutForward(a: ReadoutArgs, options: { factors?: boolean; logRates?: boolean; out?: Partial<ReadoutForwardOutputs>; save?: boolean } = {}): ReadoutForwardOutputs & { saved?: ReadoutSaved } {
  const fn = "readoutForward";
  const d = checkArgs(fn, a);
  const { B, T, N, F, G, R } = d;
  const out = options.out ?? {};
  const wantF = options.factors === true || out.factors !== undefined;
  const wantL = options.logRates === true || out.logRates !== undefined;
  if (wantF && !G) throw new ParamError(`${fn}: the factors are an output only with the factors stage (states)`);
  const bt = `[batch=${B}, time=${T}`;
  const logLik = target(fn, "logLik", out.logLik, B, `[batch=${B}]`);
  const factors = wantF ? target(fn, "factors", out.factors, R * F, `${bt}, factors=${F}]`) : undefined;
  const logRates = wantL ? target(fn, "logRates", out.logRates, R * N, `${bt}, neurons=${N}]`) : undefined;
  const heldOut = a.heldOutWeights ? target(fn, "heldOutLogLik", out.heldOutLogLik, B, `[batch=${B}]`) : undefined;
  const threads = Math.min(resolveThreads(fn, a.threads), Math.ceil(R / FORWARD_ROWS));
  const { arena } = kernelRuntime();
  const kept = keptInputs(fn, a, d, undefined, true);
  const saved = options.save ? new ReadoutSaved({ R, N, G }, kept) : undefined;
  const ptr = {
    ...kept,
    ...copyWeights(a, d),
    rowll: arena.alloc(R),
    fout: wantF ? arena.alloc(R * F) : 0,
    lout: wantL ? arena.alloc(R * N) : 0,
    lw: a.valueWeights ? copyIn(a.valueWeights) : 0,
    hw: a.heldOutWeights ? copyIn(a.heldOutWeights) : 0,
    rowhl: heldOut ? arena.alloc(R) : 0,
  };
  runJob(d, ptr, OP_RO_FORWARD, threads, saved?.ptr, () => {
    sumTrials(arena.f32(ptr.rowll, R), B, T, logLik);
    if (heldOut) sumTrials(arena.f32(ptr.rowhl, R), B, T, heldOut);
    if (factors) copyOut(ptr.fout, R * F, factors);
    if (logRates) copyOut(ptr.lout, R * N, logRates);
  });
  return { logLik, ...(heldOut ? { heldOutLogLik: heldOut } : {}), ...(factors ? { factors } : {}), ...(logRates ? { logRates } : {}), ...(saved ? { saved } : {}) };
}

/**
 * Gradients of a loss given `cot`, its gradients w.r.t. `readoutForward`'s outputs, from the same inputs;
 * with `saved` (the forward's, once) x, the states and the mask are read from there and then freed.
 */
export function readoutBackward(a: ReadoutArgs, cot: ReadoutCotangents, options: { out?: Partial<ReadoutGradients>; saved?: ReadoutSaved } = {}): ReadoutGradients {
  const fn = "readoutBackward";
  const d = checkArgs(fn, a);
  const { B, T, N, F, G, R } = d;
  const bt = `[batch=${B}, time=${T}`;
  checkLength(fn, "dLogLik", cot.dLogLik, B, `[batch=${B}]`);
  if (cot.dFactors) checkLength(fn, "dFactors", cot.dFactors, R * F, `${bt}, factors=${F}]`);
  if (cot.dLogRates) checkLength(fn, "dLogRates", cot.dLogRates, R * N, `${bt}, neurons=${N}]`);
  const out = options.out ?? {};
  const dWr = target(fn, "dWr", out.dWr, F * N, `[factors=${F}, neurons=${N}]`);
  const dBr = target(fn, "dBr", out.dBr, N, `[neurons=${N}]`);
  const dStates = G ? target(fn, "dStates", out.dStates, R * G, `${bt}, gen=${G}]`) : undefined;
  const dFacW = G ? target(fn, "dFacW", out.dFacW, G * F, `[gen=${G}, factors=${F}]`) : undefined;
  const dFactors = G ? undefined : target(fn, "dFactors", out.dFactors, R * F, `${bt}, factors=${F}]`);
  const { arena, exports: ex } = kernelRuntime();
  const segs = ex.ro_segments();
  const P = ex.ro_part_floats(G, F, N);
  const threads = Math.min(resolveThreads(fn, a.threads), segs);
  const saved = options.saved;
  const ptr = {
    ...keptInputs(fn, a, d, saved, false),
    ...copyWeights(a, d),
    dLL: copyIn(cot.dLogLik),
    gw: a.gradWeights ? copyIn(a.gradWeights) : 0,
    dlin: cot.dLogRates ? copyIn(cot.dLogRates) : 0,
    dfin: cot.dFactors ? copyIn(cot.dFactors) : 0,
    pWrT: packPanels(transpose(a.wr, F, N), N, F),
    pWfT: G ? packPanels(transpose(a.facW!, G, F), F, G) : 0,
    dS: G ? arena.alloc(R * G) : 0,
    dF: G ? 0 : arena.alloc(R * F),
    part: arena.alloc(segs * P),
  };
  try {
    runJob(d, ptr, OP_RO_BACKWARD, threads, saved?.ptr, () => finishBackward(ptr, segs, P, d, { dWr, dBr, dStates, dFacW, dFactors }));
  } finally {
    saved?.release();
  }
  return { dWr, dBr, ...(dStates ? { dStates, dFacW: dFacW! } : { dFactors: dFactors! }) };
}

/** The segments' partials summed in a fixed order (the same sums for any thread count), and the gradients copied out. */
function finishBackward(ptr: { part: number; dS: number; dF: number }, segs: number, P: number, d: Dims, g: { dWr: Float32Array; dBr: Float32Array; dStates?: Float32Array | undefined; dFacW?: Float32Array | undefined; dFactors?: Float32Array | undefined }): void {
  const { exports: ex } = kernelRuntime();
  const { F, N, G, R } = d;
  for (let i = 1; i < segs; i++) ex.gru_add(ptr.part, ptr.part + 4 * i * P, P);
  copyOut(ptr.part, F * N, g.dWr);
  copyOut(ptr.part + 4 * F * N, N, g.dBr);
  if (g.dFacW) copyOut(ptr.part + 4 * (F + 1) * N, G * F, g.dFacW);
  if (g.dStates) copyOut(ptr.dS, R * G, g.dStates);
  if (g.dFactors) copyOut(ptr.dF, R * F, g.dFactors);
}

/** n values through the kernels' vectorised exp (for accuracy tests). */
export function kernelExp(v: Float32Array): Float32Array {
  const { arena, exports: ex } = kernelRuntime();
  const p = copyIn(v);
  try {
    ex.ro_exp(p, v.length);
    return copyOut(p, v.length);
  } finally {
    arena.free(p);
  }
}
