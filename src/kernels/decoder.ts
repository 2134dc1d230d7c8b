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
import { ParamError } from "../core/errors.js";
import { runDecoderBackward } from "./decoder-backward.js";
import { checkCotangents, checkForward, checkTargets } from "./decoder-checks.js";
import { forwardInto } from "./decoder-forward.js";
import type { DecoderSaved } from "./decoder-saved.js";
import type { DecoderCotangents, DecoderForwardArgs, DecoderGradients, DecoderOutputs, DecoderOutputTargets } from "./decoder-types.js";
import { resolveThreads } from "./job.js";

export type { AbSource, DecoderCotangents, DecoderDims, DecoderForwardArgs, DecoderGradients, DecoderOutputs, DecoderOutputTargets, MaskSource } from "./decoder-types.js";
export { DecoderSaved, releaseDecoderSaved } from "./decoder-saved.js";

/**
 * Runs the decoder over all time steps. With `save`, returns what `decoderBackward` needs (in the
 * kernels' memory); without, nothing is kept (evaluation, posterior sampling).
 */
export function decoderForward(a: DecoderForwardArgs, options: { save: boolean }): DecoderOutputs & { saved: DecoderSaved | undefined } {
  checkForward("decoderForward", a);
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F } = a;
  const n = B * T;
  const outputs = { k: new Float32Array(n * C), s: new Float32Array(n * G), f: new Float32Array(n * F), mv: new Float32Array(n * 2 * U), u: new Float32Array(n * U) };
  return { ...outputs, saved: forwardInto(a, options.save, outputs, resolveThreads("decoderForward", a.threads)) };
}

/** `decoderForward` writing only the outputs that `out` asks for, into its arrays. */
export function decoderForwardInto(a: DecoderForwardArgs, save: boolean, out: DecoderOutputTargets): DecoderSaved | undefined {
  checkForward("decoderForwardInto", a);
  checkTargets("decoderForwardInto", a, out);
  return forwardInto(a, save, out, resolveThreads("decoderForward", a.threads));
}

/**
 * Backpropagation through the whole decoder. `cot` holds the gradients of the loss with respect to
 * the outputs (dK, dU may be absent: zero). Releases `saved`.
 */
export function decoderBackward(saved: DecoderSaved, cot: DecoderCotangents, options: { threads?: number; out?: Partial<DecoderGradients> } = {}): DecoderGradients {
  const fn = "decoderBackward";
  if (saved.released) throw new ParamError(`${fn}: saved activations were already released`);
  checkCotangents(fn, saved, cot, options.out);
  return runDecoderBackward(saved, cot, resolveThreads(fn, options.threads), options.out ?? {});
}
