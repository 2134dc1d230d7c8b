/**
 * Argument checks of the decoder kernels, before anything is copied into the kernels' memory: every
 * message names the function, the argument, its length and the shape it should have.
 */
import { ParamError, ShapeError } from "../core/errors.js";
import type { DecoderSaved } from "./decoder-saved.js";
import type { DecoderCotangents, DecoderDims, DecoderForwardArgs, DecoderGradients, DecoderOutputTargets } from "./decoder-types.js";
import { checkLength } from "./job.js";

/** Checks a forward call's dimensions and array lengths. */
export function checkForward(fn: string, a: DecoderForwardArgs): void {
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

/** Checks the lengths of the arrays given for the outputs. */
export function checkTargets(fn: string, a: DecoderDims, out: DecoderOutputTargets): void {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F } = a;
  const bt = `[batch=${B}, time=${T}`;
  const widths: Record<keyof DecoderOutputTargets, [number, string]> = { k: [C, "con"], s: [G, "gen"], f: [F, "factors"], mv: [2 * U, "2·co"], mean: [U, "co"], logvar: [U, "co"], u: [U, "co"] };
  for (const [name, [w, what]] of Object.entries(widths)) {
    const t = out[name as keyof DecoderOutputTargets];
    if (t) checkLength(fn, `out.${name}`, t, B * T * w, `${bt}, ${what}=${w}]`);
  }
}

/** Checks backward's incoming gradients, and the arrays given for dCf / dCb. */
export function checkCotangents(fn: string, saved: DecoderSaved, cot: DecoderCotangents, out: Partial<DecoderGradients> | undefined): void {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F } = saved.dims;
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
  if (split && out?.dCf) checkLength(fn, "out.dCf", out.dCf, n * split.cfDim, `${bt}, cfDim=${split.cfDim}]`);
  if (split && out?.dCb) checkLength(fn, "out.dCb", out.dCb, n * split.cbDim, `${bt}, cbDim=${split.cbDim}]`);
}
