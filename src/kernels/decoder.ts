/**
 * The coupled LFADS decoder (controller + controller-output sampling + generator + factors, with the
 * factors fed back to the controller) on plain Float32Arrays: the whole forward pass over all time
 * steps, and its whole backpropagation through time, in WebAssembly-SIMD kernels (decoder.c has the
 * math). No TensorFlow.js.
 *
 * ```ts
 * decoderForward(args, { save })   → { k, s, f, mv, u, saved? }     // save: keep what backward needs
 * decoderForwardInto(args, save, { s, f, … }) → saved?             // only the outputs asked for, into given arrays
 * decoderBackward(saved, cot, { out? }) → DecoderGradients         // releases saved
 * releaseDecoderSaved(saved)
 * ```
 *
 * Threads share 4-row blocks of the batch (each block runs all T steps of both cells); the weight
 * gradients are GEMMs over all B·T rows summed over a fixed number of segments in a fixed order, so
 * results are bitwise identical for any thread count.
 */
import { ParamError, ShapeError } from "../core/errors.js";
import { checkLength, copyIn, copyOut, copyOutColumns, interleaveIn, packPanels, packWeights, packWeightsIn, panelBytes, panelBytesIn, resolveThreads, run, transpose, usefulThreads, type Phase } from "./job.js";
import { OP_BWD_DW, OP_DEC_BWD_STEPS, OP_DEC_FORWARD, OP_DEC_GEMM_TN, OP_GEMM } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

export interface DecoderDims {
  readonly batch: number;
  readonly time: number;
  /** C, controller units */
  readonly con: number;
  /** G, generator units */
  readonly gen: number;
  /** U, controller outputs */
  readonly co: number;
  /** F, factors */
  readonly factors: number;
  /** Factors fed back to the controller (then `fbW` is required). */
  readonly feedback: boolean;
  /** State clip of both cells (> 0). */
  readonly clip: number;
}

export interface DecoderForwardArgs extends DecoderDims {
  /** A: width of the controller's encoder input (the lagged CI-encoder states). */
  readonly abDim: number;
  /** The controller's encoder input [B,T,A] (dropped out); or give `abFrom`. */
  readonly ab?: Float32Array;
  /** The same input as the CI encoder's states, shifted and dropped out in the kernels. */
  readonly abFrom?: AbSource;
  /** Its projection [A,3C] and all the controller's biases [3C] (not the +1 forget bias). */
  readonly abW: Float32Array;
  readonly abB: Float32Array;
  /** Generator input projection without the u_t term: [B,T,3G], or one [3G] row for every (b, t). */
  readonly rest: Float32Array;
  readonly k0: Float32Array; // [B,C]
  readonly s0: Float32Array; // [B,G]
  /** Standard-normal noise [B,T,U]: u_t = mean + exp(logvar/2)·eps; absent: u_t = mean. */
  readonly eps?: Float32Array;
  /**
   * Dropout masks (0 or 1/keep_prob) of the fed-back factors [B,T,F] and of the generator states
   * [B,T,G]: arrays, or functions that fill them in place in the kernels' memory (called in the order
   * abFrom's mask, fbMask, genMask).
   */
  readonly fbMask?: MaskSource;
  readonly genMask?: MaskSource;
  readonly conWhRU: Float32Array; // [C,2C]
  readonly conWhC: Float32Array; // [C,C]
  readonly genWhRU: Float32Array; // [G,2G]
  readonly genWhC: Float32Array; // [G,G]
  readonly fbW?: Float32Array; // [F,3C]
  readonly postW: Float32Array; // [C,2U] (mean columns, then logvar)
  readonly postB: Float32Array; // [2U]
  readonly genWu: Float32Array; // [U,3G]
  readonly facW: Float32Array; // [G,F]
  readonly threads?: number;
}

/** Dropout multipliers: given, or written in place by the function when the kernels need them. */
export type MaskSource = Float32Array | ((out: Float32Array) => void);

/** A mask's arena block: a copy of the array, or filled in place. */
function maskIn(m: MaskSource, n: number): number {
  if (m instanceof Float32Array) return copyIn(m);
  const { arena } = kernelRuntime();
  const p = arena.alloc(n);
  m(arena.f32(p, n));
  return p;
}

/**
 * The controller's encoder input from the CI encoder's directions (dec_ab_join in decoder.c):
 * ab[b,t] = [cf[b,t−lag] | cb[b,t+lag]] ⊙ mask, zero where the shifted step falls outside [0, T).
 */
export interface AbSource {
  /** Forward states [B,T,cfDim] and (non-causal) reverse states [B,T,cbDim]. */
  readonly cf: Float32Array;
  readonly cb?: Float32Array;
  readonly cfDim: number;
  readonly cbDim: number;
  readonly lag: number;
  /** The [B,T,abDim] dropout multipliers (absent: no dropout). */
  readonly fillMask?: MaskSource;
}

export interface DecoderOutputs {
  readonly k: Float32Array; // [B,T,C] controller states
  readonly s: Float32Array; // [B,T,G] generator states
  readonly f: Float32Array; // [B,T,F] factors
  readonly mv: Float32Array; // [B,T,2U] controller-output posterior mean ‖ logvar
  readonly u: Float32Array; // [B,T,U] the u_t that drove the generator
}

/**
 * Where `decoderForward` writes its outputs instead of fresh arrays (e.g. views of the tensors that
 * will hold them): each given array is filled, the rest are not copied out at all. `mean` and
 * `logvar` [B,T,U] are `mv`'s two halves.
 */
export interface DecoderOutputTargets {
  readonly k?: Float32Array;
  readonly s?: Float32Array;
  readonly f?: Float32Array;
  readonly mv?: Float32Array;
  readonly mean?: Float32Array;
  readonly logvar?: Float32Array;
  readonly u?: Float32Array;
}

/** Gradients of the loss w.r.t. the outputs; absent ones are zero. `dMean`/`dLogvar` may stand in for `dMV`. */
export interface DecoderCotangents {
  readonly dS: Float32Array;
  readonly dF: Float32Array;
  readonly dMV?: Float32Array;
  readonly dMean?: Float32Array;
  readonly dLogvar?: Float32Array;
  readonly dK?: Float32Array;
  readonly dU?: Float32Array;
}

export interface DecoderGradients {
  /** [B,T,A] for an `ab` input; with `abFrom`, dCf [B,T,cfDim] and dCb [B,T,cbDim] instead. */
  readonly dAb: Float32Array | undefined;
  readonly dCf?: Float32Array | undefined;
  readonly dCb?: Float32Array | undefined;
  readonly dAbW: Float32Array; // [A,3C]
  readonly dAbB: Float32Array; // [3C]
  /** Same shape as `rest`. */
  readonly dRest: Float32Array;
  readonly dk0: Float32Array;
  readonly ds0: Float32Array;
  readonly dConWhRU: Float32Array;
  readonly dConWhC: Float32Array;
  readonly dGenWhRU: Float32Array;
  readonly dGenWhC: Float32Array;
  /** Absent without feedback. */
  readonly dFbW: Float32Array | undefined;
  readonly dPostW: Float32Array;
  readonly dPostB: Float32Array;
  readonly dGenWu: Float32Array;
  readonly dFacW: Float32Array;
}

/** The word order of decoder.c's DecArgs. */
const FIELDS = [
  ..."B T C G U F fb mode restFull clip".split(" "),
  ..."ab rest k0 s0 eps mfb mgen".split(" "),
  ..."cPru cPc gPru gPc pPost bPost pFac".split(" "),
  ..."k s f mv u cg gg fbIn".split(" "),
  ..."dS dF dK dMV dU".split(" "),
  ..."cPruT cPcT gPruT gPcT pFbT pPostT pGuT pFacT".split(" "),
  ..."dXc dXg dMVt dFt dk0 ds0 dfb0".split(" "),
] as const;
type Field = (typeof FIELDS)[number];

/** Writes an argument block into the kernels' memory (missing pointers are 0). */
function writeArgs(values: Partial<Record<Field, number>>): number {
  const { arena, exports: ex, memory } = kernelRuntime();
  if (ex.dec_args_words() !== FIELDS.length) throw new ParamError(`decoder kernels: gru.wasm's DecArgs has ${ex.dec_args_words()} words, decoder.ts writes ${FIELDS.length}; rebuild with scripts/build-wasm.sh`);
  const p = arena.alloc(FIELDS.length);
  const i32 = new Int32Array(memory.buffer, p, FIELDS.length);
  const f32 = new Float32Array(memory.buffer, p, FIELDS.length);
  FIELDS.forEach((name, i) => {
    if (name === "clip") f32[i] = values.clip ?? 0;
    else i32[i] = values[name] ?? 0;
  });
  return p;
}

/** The arena blocks of a pointer record. */
function blocks(ptr: Partial<Record<Field, number>>): number[] {
  return Object.values(ptr).filter((v): v is number => v !== undefined);
}

const registry = new FinalizationRegistry<number[]>((blocks) => {
  const { arena } = kernelRuntime();
  for (const b of blocks) arena.free(b);
});

/** What backward needs, in the kernels' memory until `decoderBackward` or `releaseDecoderSaved`. */
export class DecoderSaved {
  released = false;
  constructor(
    readonly dims: DecoderDims & { readonly abDim: number; readonly restFull: boolean; readonly sample: boolean },
    /** Arena blocks by DecArgs field name. */
    readonly ptr: Partial<Record<Field, number>>,
    /** Weights (for the transposed panels). */
    readonly w: Pick<DecoderForwardArgs, "abW" | "conWhRU" | "conWhC" | "genWhRU" | "genWhC" | "fbW" | "postW" | "genWu" | "facW">,
    /** With `abFrom`: how to split dab back, and its mask's arena block (0: none). */
    readonly abSplit?: { readonly cfDim: number; readonly cbDim: number; readonly lag: number; readonly mask: number },
  ) {
    registry.register(this, this.allBlocks(), this);
  }

  private allBlocks(): number[] {
    return [...blocks(this.ptr), ...(this.abSplit?.mask ? [this.abSplit.mask] : [])];
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    registry.unregister(this);
    const { arena } = kernelRuntime();
    for (const b of this.allBlocks()) arena.free(b);
  }
}

export function releaseDecoderSaved(saved: DecoderSaved): void {
  saved.release();
}

function checkForward(fn: string, a: DecoderForwardArgs): void {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A } = a;
  for (const [name, v] of Object.entries({ batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A })) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
  // Offsets are int32 byte addresses inside the 4 GiB wasm32 memory.
  if (B * T * Math.max(3 * C, 3 * G, A) * 4 >= 2 ** 31) throw new ShapeError(`${fn}: batch·time·max(3·con, 3·gen, abDim) = ${B * T * Math.max(3 * C, 3 * G, A)} floats is too large for one call; use a smaller batch`);
  if (!(a.clip > 0)) throw new ParamError(`${fn}: clip must be > 0 (Infinity for none), got ${a.clip}`);
  const bt = `[batch=${B}, time=${T}`;
  if ((a.ab === undefined) === (a.abFrom === undefined)) throw new ParamError(`${fn}: give exactly one of ab and abFrom`);
  if (a.ab) checkLength(fn, "ab", a.ab, B * T * A, `${bt}, abDim=${A}]`);
  const f = a.abFrom;
  if (f) {
    if (f.cfDim + f.cbDim !== A) throw new ShapeError(`${fn}: abFrom.cfDim + abFrom.cbDim = ${f.cfDim + f.cbDim} must equal abDim = ${A}`);
    if (!Number.isInteger(f.lag) || f.lag < 0) throw new ParamError(`${fn}: abFrom.lag must be a non-negative integer, got ${f.lag}`);
    checkLength(fn, "abFrom.cf", f.cf, B * T * f.cfDim, `${bt}, cfDim=${f.cfDim}]`);
    if (f.cbDim > 0) checkLength(fn, "abFrom.cb", f.cb ?? new Float32Array(0), B * T * f.cbDim, `${bt}, cbDim=${f.cbDim}]`);
  }
  checkLength(fn, "abW", a.abW, A * 3 * C, `[abDim=${A}, 3·con=${3 * C}]`);
  checkLength(fn, "abB", a.abB, 3 * C, `[3·con=${3 * C}]`);
  if (a.rest.length !== 3 * G) checkLength(fn, "rest", a.rest, B * T * 3 * G, `${bt}, 3·gen=${3 * G}] or [${3 * G}]`);
  checkLength(fn, "k0", a.k0, B * C, `[batch=${B}, con=${C}]`);
  checkLength(fn, "s0", a.s0, B * G, `[batch=${B}, gen=${G}]`);
  if (a.eps) checkLength(fn, "eps", a.eps, B * T * U, `${bt}, co=${U}]`);
  if (a.fbMask instanceof Float32Array) checkLength(fn, "fbMask", a.fbMask, B * T * F, `${bt}, factors=${F}]`);
  if (a.genMask instanceof Float32Array) checkLength(fn, "genMask", a.genMask, B * T * G, `${bt}, gen=${G}]`);
  checkLength(fn, "conWhRU", a.conWhRU, 2 * C * C, `[${C}, ${2 * C}]`);
  checkLength(fn, "conWhC", a.conWhC, C * C, `[${C}, ${C}]`);
  checkLength(fn, "genWhRU", a.genWhRU, 2 * G * G, `[${G}, ${2 * G}]`);
  checkLength(fn, "genWhC", a.genWhC, G * G, `[${G}, ${G}]`);
  if (a.feedback) checkLength(fn, "fbW", a.fbW ?? new Float32Array(0), F * 3 * C, `[factors=${F}, 3·con=${3 * C}]`);
  checkLength(fn, "postW", a.postW, C * 2 * U, `[con=${C}, 2·co=${2 * U}]`);
  checkLength(fn, "postB", a.postB, 2 * U, `[2·co=${2 * U}]`);
  checkLength(fn, "genWu", a.genWu, U * 3 * G, `[co=${U}, 3·gen=${3 * G}]`);
  checkLength(fn, "facW", a.facW, G * F, `[gen=${G}, factors=${F}]`);
}

/**
 * Runs the decoder over all time steps. With `save`, returns what `decoderBackward` needs (in the
 * kernels' memory); without, nothing is kept (evaluation, posterior sampling).
 */
export function decoderForward(a: DecoderForwardArgs, options: { save: boolean }): DecoderOutputs & { saved: DecoderSaved | undefined } {
  checkForward("decoderForward", a);
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F } = a;
  const n = B * T;
  const outputs = { k: new Float32Array(n * C), s: new Float32Array(n * G), f: new Float32Array(n * F), mv: new Float32Array(n * 2 * U), u: new Float32Array(n * U) };
  return { ...outputs, saved: forwardInto(a, options.save, outputs) };
}

/** `decoderForward` writing only the outputs that `out` asks for, into its arrays. */
export function decoderForwardInto(a: DecoderForwardArgs, save: boolean, out: DecoderOutputTargets): DecoderSaved | undefined {
  checkForward("decoderForwardInto", a);
  checkTargets("decoderForwardInto", a, out);
  return forwardInto(a, save, out);
}

function forwardInto(a: DecoderForwardArgs, save: boolean, out: DecoderOutputTargets): DecoderSaved | undefined {
  const fn = "decoderForward";
  const threads = resolveThreads(fn, a.threads);
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A } = a;
  const { arena, exports: ex } = kernelRuntime();
  const n = B * T;
  const restFull = a.rest.length !== 3 * G;
  // Blocks kept for backward when saving, freed at the end otherwise.
  const { ab: abIn, mask: abMask } = a.ab ? { ab: copyIn(a.ab), mask: 0 } : joinAb(a.abFrom!, B, T);
  const kept: Partial<Record<Field, number>> = {
    k0: copyIn(a.k0),
    s0: copyIn(a.s0),
    k: arena.alloc(n * C),
    s: arena.alloc(n * G),
    f: arena.alloc(n * F),
    mv: arena.alloc(n * 2 * U),
    u: arena.alloc(n * U),
    ...(a.eps ? { eps: copyIn(a.eps) } : {}),
    ...(a.fbMask ? { mfb: maskIn(a.fbMask, n * F) } : {}),
    ...(a.genMask ? { mgen: maskIn(a.genMask, n * G) } : {}),
    ...(save ? { cg: arena.alloc(n * 3 * C), gg: arena.alloc(n * 3 * G), ...(a.feedback ? { fbIn: arena.alloc(n * F) } : {}) } : {}),
  };
  // Both cells project their small in-loop inputs inside the step: the fed-back factors (F columns) and u_t (U).
  const conPanels = a.feedback ? packWeightsIn(a.fbW!, a.conWhRU, a.conWhC, F, C) : packWeights(a.conWhRU, a.conWhC, C, true, false).fwd;
  const genPanels = packWeightsIn(a.genWu, a.genWhRU, a.genWhC, U, G);
  const abW = packPanels(a.abW, A, 3 * C);
  const abB = copyIn(a.abB);
  const temps: Partial<Record<Field, number>> = {
    ab: arena.alloc(n * 3 * C), // the projection, computed by the first phase
    rest: copyIn(a.rest),
    cPru: conPanels,
    cPc: conPanels + panelBytesIn(C, a.feedback ? F : 0),
    gPru: genPanels,
    gPc: genPanels + panelBytesIn(G, U),
    pPost: packPanels(a.postW, C, 2 * U),
    bPost: copyIn(a.postB),
    pFac: packPanels(a.facW, G, F),
  };
  const args = writeArgs({ B, T, C, G, U, F, fb: a.feedback ? 1 : 0, mode: a.eps ? 1 : 0, restFull: restFull ? 1 : 0, clip: a.clip, ...temps, ...kept });
  const counter = arena.alloc(1);
  const nt = usefulThreads(threads, B);
  const scratch = Array.from({ length: nt }, () => arena.alloc(Math.max(ex.dec_scratch_floats(args), ex.gru_gemm_scratch_floats(A))));
  const free = [args, counter, abW, abB, ...scratch, ...blocks({ ...temps, cPc: undefined, gPc: undefined }), ...(save ? [] : [abIn, ...(abMask ? [abMask] : [])])];
  const freeAll = (blocks: number[]): void => blocks.forEach((p) => arena.free(p));
  run({
    phases: [
      { op: OP_GEMM, args: scratch.map((scr) => [abIn, abW, abB, temps.ab!, scr, counter, n, A, 3 * C]) },
      { op: OP_DEC_FORWARD, args: scratch.map((scr) => [args, scr, counter]) },
    ],
    counter,
    finish() {
      if (out.k) copyOut(kept.k!, n * C, out.k);
      if (out.s) copyOut(kept.s!, n * G, out.s);
      if (out.f) copyOut(kept.f!, n * F, out.f);
      if (out.mv) copyOut(kept.mv!, n * 2 * U, out.mv);
      if (out.mean) copyOutColumns(kept.mv!, n, 2 * U, 0, out.mean);
      if (out.logvar) copyOutColumns(kept.mv!, n, 2 * U, U, out.logvar);
      if (out.u) copyOut(kept.u!, n * U, out.u);
      freeAll(free);
      if (!save) freeAll(blocks(kept));
    },
    abort() {
      freeAll([...free, ...blocks(kept), ...(save ? [abIn, ...(abMask ? [abMask] : [])] : [])]);
    },
  });
  return save
    ? new DecoderSaved({ batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A, feedback: a.feedback, clip: a.clip, restFull, sample: a.eps !== undefined }, { ...kept, ab: abIn }, {
        abW: a.abW.slice(),
        conWhRU: a.conWhRU.slice(),
        conWhC: a.conWhC.slice(),
        genWhRU: a.genWhRU.slice(),
        genWhC: a.genWhC.slice(),
        ...(a.fbW ? { fbW: a.fbW.slice() } : {}),
        postW: a.postW.slice(),
        genWu: a.genWu.slice(),
        facW: a.facW.slice(),
      }, a.abFrom ? { cfDim: a.abFrom.cfDim, cbDim: a.abFrom.cbDim, lag: a.abFrom.lag, mask: abMask } : undefined)
    : undefined;
}

/** ab [B,T,A] in the kernels' memory from `abFrom` (dec_ab_join), and its mask's block (0: none), kept for backward. */
function joinAb(f: AbSource, B: number, T: number): { ab: number; mask: number } {
  const { arena, exports: ex } = kernelRuntime();
  const n = B * T * (f.cfDim + f.cbDim);
  const cf = copyIn(f.cf);
  const cb = f.cbDim > 0 ? copyIn(f.cb!) : 0;
  const mask = f.fillMask ? maskIn(f.fillMask, n) : 0;
  const ab = arena.alloc(n);
  ex.dec_ab_join(ab, cf, cb, mask, B, T, f.cfDim, f.cbDim, f.lag);
  arena.free(cf);
  if (cb) arena.free(cb);
  return { ab, mask };
}

function checkTargets(fn: string, a: DecoderDims, out: DecoderOutputTargets): void {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F } = a;
  const bt = `[batch=${B}, time=${T}`;
  const widths: Record<keyof DecoderOutputTargets, [number, string]> = { k: [C, "con"], s: [G, "gen"], f: [F, "factors"], mv: [2 * U, "2·co"], mean: [U, "co"], logvar: [U, "co"], u: [U, "co"] };
  for (const [name, [w, what]] of Object.entries(widths)) {
    const t = out[name as keyof DecoderOutputTargets];
    if (t) checkLength(fn, `out.${name}`, t, B * T * w, `${bt}, ${what}=${w}]`);
  }
}

/**
 * Backpropagation through the whole decoder. `cot` holds the gradients of the loss with respect to
 * the outputs (dK, dU may be absent: zero). Releases `saved`.
 */
export function decoderBackward(saved: DecoderSaved, cot: DecoderCotangents, options: { threads?: number; out?: Partial<DecoderGradients> } = {}): DecoderGradients {
  const fn = "decoderBackward";
  if (saved.released) throw new ParamError(`${fn}: saved activations were already released`);
  const d = saved.dims;
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A } = d;
  const n = B * T;
  const bt = `[batch=${B}, time=${T}`;
  checkLength(fn, "dS", cot.dS, n * G, `${bt}, gen=${G}]`);
  checkLength(fn, "dF", cot.dF, n * F, `${bt}, factors=${F}]`);
  if (cot.dMV) checkLength(fn, "dMV", cot.dMV, n * 2 * U, `${bt}, 2·co=${2 * U}]`);
  if (cot.dMean) checkLength(fn, "dMean", cot.dMean, n * U, `${bt}, co=${U}]`);
  if (cot.dLogvar) checkLength(fn, "dLogvar", cot.dLogvar, n * U, `${bt}, co=${U}]`);
  if (cot.dK) checkLength(fn, "dK", cot.dK, n * C, `${bt}, con=${C}]`);
  if (cot.dU) checkLength(fn, "dU", cot.dU, n * U, `${bt}, co=${U}]`);
  const split = saved.abSplit;
  if (split && options.out?.dCf) checkLength(fn, "out.dCf", options.out.dCf, n * split.cfDim, `${bt}, cfDim=${split.cfDim}]`);
  if (split && options.out?.dCb) checkLength(fn, "out.dCb", options.out.dCb, n * split.cbDim, `${bt}, cbDim=${split.cbDim}]`);
  const threads = resolveThreads(fn, options.threads);
  const { arena, exports: ex } = kernelRuntime();
  const w = saved.w;
  const con = packWeights(w.conWhRU, w.conWhC, C, false, true);
  const gen = packWeights(w.genWhRU, w.genWhC, G, false, true);
  const p = saved.ptr;
  const temps: Partial<Record<Field, number>> = {
    dS: copyIn(cot.dS),
    dF: copyIn(cot.dF),
    dMV: cot.dMV ? copyIn(cot.dMV) : interleaveIn(n, [cot.dMean, cot.dLogvar], U),
    ...(cot.dK ? { dK: copyIn(cot.dK) } : {}),
    ...(cot.dU ? { dU: copyIn(cot.dU) } : {}),
    cPruT: con.bwd,
    cPcT: con.bwd + panelBytes(C),
    gPruT: gen.bwd,
    gPcT: gen.bwd + panelBytes(G),
    ...(d.feedback ? { pFbT: packPanels(transpose(w.fbW!, F, 3 * C), 3 * C, F) } : {}),
    pPostT: packPanels(transpose(w.postW, C, 2 * U), 2 * U, C),
    pGuT: packPanels(transpose(w.genWu, U, 3 * G), 3 * G, U),
    pFacT: packPanels(transpose(w.facW, G, F), F, G),
    dXc: arena.alloc(n * 3 * C),
    dXg: arena.alloc(n * 3 * G),
    dMVt: arena.alloc(n * 2 * U),
    dFt: arena.alloc(n * F),
    dk0: arena.alloc(B * C),
    ds0: arena.alloc(B * G),
    ...(d.feedback ? { dfb0: arena.alloc(B * F) } : {}),
  };
  const abWT = packPanels(transpose(w.abW, A, 3 * C), 3 * C, A);
  const dAb = arena.alloc(n * A);
  const args = writeArgs({ B, T, C, G, U, F, fb: d.feedback ? 1 : 0, mode: d.sample ? 1 : 0, restFull: d.restFull ? 1 : 0, clip: d.clip, ...p, ...temps });
  const segs = ex.gru_dw_segments();
  // Weight-gradient partials, one per segment of the rows.
  const part = {
    con: arena.alloc(segs * 3 * C * C),
    gen: arena.alloc(segs * 3 * G * G),
    genIn: arena.alloc(segs * (U + 1) * 3 * G),
    post: arena.alloc(segs * (C + 1) * 2 * U),
    fac: arena.alloc(segs * G * F),
    fac0: arena.alloc(segs * G * F),
    fb: d.feedback ? arena.alloc(segs * F * 3 * C) : 0,
    ab: arena.alloc(segs * (A + 1) * 3 * C),
  };
  const counter = arena.alloc(1);
  const nt = usefulThreads(threads, B);
  const tn = (M: number, N: number): number => ex.dec_gemm_tn_scratch_floats(M, N);
  const scratchFloats = Math.max(
    ex.dec_scratch_floats(args),
    ex.gru_bwd_scratch_floats(C, -1),
    ex.gru_bwd_scratch_floats(G, U),
    tn(C, 2 * U),
    tn(G, F),
    tn(F, 3 * C),
    tn(A, 3 * C),
    ex.gru_gemm_scratch_floats(3 * C),
  );
  const scratch = Array.from({ length: nt }, () => arena.alloc(scratchFloats));
  const each = (f: (scr: number) => number[]): number[][] => scratch.map(f);
  const phases: Phase[] = [
    { op: OP_DEC_BWD_STEPS, args: each((scr) => [args, scr, counter]) },
    { op: OP_BWD_DW, args: each((scr) => [p.k0!, p.k!, p.cg!, temps.dXc!, part.con, 0, -1, 0, scr, counter, B, T, C, 0]) },
    { op: OP_BWD_DW, args: each((scr) => [p.s0!, p.s!, p.gg!, temps.dXg!, part.gen, p.u!, U, part.genIn, scr, counter, B, T, G, 0]) },
    { op: OP_DEC_GEMM_TN, args: each((scr) => [p.k!, 0, C, 1, temps.dMVt!, 2 * U, part.post, scr, counter, n]) },
    { op: OP_DEC_GEMM_TN, args: each((scr) => [p.s!, p.mgen ?? 0, G, 0, temps.dFt!, F, part.fac, scr, counter, n]) },
    ...(d.feedback
      ? ([
          { op: OP_DEC_GEMM_TN, args: each((scr) => [p.s0!, 0, G, 0, temps.dfb0!, F, part.fac0, scr, counter, B]) },
          { op: OP_DEC_GEMM_TN, args: each((scr) => [p.fbIn!, 0, F, 0, temps.dXc!, 3 * C, part.fb, scr, counter, n]) },
        ] satisfies Phase[])
      : []),
    { op: OP_DEC_GEMM_TN, args: each((scr) => [p.ab!, 0, A, 1, temps.dXc!, 3 * C, part.ab, scr, counter, n]) },
    { op: OP_GEMM, args: each((scr) => [temps.dXc!, abWT, 0, dAb, scr, counter, n, 3 * C, A]) },
  ];
  const free = [args, counter, abWT, dAb, ...scratch, ...blocks({ ...temps, cPcT: undefined, gPcT: undefined }), ...Object.values(part).filter((q) => q !== 0)];
  const sum = (q: number, floats: number): number => {
    for (let i = 1; i < segs; i++) ex.gru_add(q, q + 4 * i * floats, floats);
    return q;
  };
  let grads: DecoderGradients;
  run({
    phases,
    counter,
    finish() {
      sum(part.con, 3 * C * C);
      sum(part.gen, 3 * G * G);
      sum(part.genIn, (U + 1) * 3 * G);
      sum(part.post, (C + 1) * 2 * U);
      sum(part.fac, G * F);
      sum(part.ab, (A + 1) * 3 * C);
      if (d.feedback) {
        sum(part.fac0, G * F);
        ex.gru_add(part.fac, part.fac0, G * F);
        sum(part.fb, F * 3 * C);
      }
      const o = options.out ?? {};
      let dCf: Float32Array | undefined, dCb: Float32Array | undefined;
      if (split) {
        const cf = arena.alloc(n * split.cfDim);
        const cb = split.cbDim > 0 ? arena.alloc(n * split.cbDim) : 0;
        ex.dec_ab_split(dAb, split.mask, cf, cb, B, T, split.cfDim, split.cbDim, split.lag);
        dCf = copyOut(cf, n * split.cfDim, o.dCf);
        if (cb) dCb = copyOut(cb, n * split.cbDim, o.dCb);
        arena.free(cf);
        if (cb) arena.free(cb);
      }
      grads = {
        dAb: split ? undefined : copyOut(dAb, n * A, o.dAb),
        ...(split ? { dCf, dCb } : {}),
        dAbW: copyOut(part.ab, A * 3 * C, o.dAbW),
        dAbB: copyOut(part.ab + 4 * A * 3 * C, 3 * C, o.dAbB),
        dRest: d.restFull ? copyOut(temps.dXg!, n * 3 * G, o.dRest) : copyOut(part.genIn + 4 * U * 3 * G, 3 * G, o.dRest),
        dk0: copyOut(temps.dk0!, B * C, o.dk0),
        ds0: copyOut(temps.ds0!, B * G, o.ds0),
        dConWhRU: copyOut(part.con, 2 * C * C, o.dConWhRU),
        dConWhC: copyOut(part.con + 8 * C * C, C * C, o.dConWhC),
        dGenWhRU: copyOut(part.gen, 2 * G * G, o.dGenWhRU),
        dGenWhC: copyOut(part.gen + 8 * G * G, G * G, o.dGenWhC),
        dFbW: d.feedback ? copyOut(part.fb, F * 3 * C, o.dFbW) : undefined,
        dPostW: copyOut(part.post, C * 2 * U, o.dPostW),
        dPostB: copyOut(part.post + 4 * C * 2 * U, 2 * U, o.dPostB),
        dGenWu: copyOut(part.genIn, U * 3 * G, o.dGenWu),
        dFacW: copyOut(part.fac, G * F, o.dFacW),
      };
      free.forEach((q) => arena.free(q));
      saved.release();
    },
    abort() {
      free.forEach((q) => arena.free(q));
    },
  });
  return grads!;
}
