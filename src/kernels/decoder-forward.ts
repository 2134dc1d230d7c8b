/**
 * The decoder's forward pass as a job: its operands copied and packed into the kernels' memory, the
 * controller's input projection then the coupled recurrence, the asked-for outputs copied out, and
 * what backward needs either kept (a `DecoderSaved`) or freed.
 */
import { blocks, type Field, writeArgs } from "./decoder-args.js";
import { DecoderSaved } from "./decoder-saved.js";
import type { AbSource, DecoderForwardArgs, DecoderOutputTargets, MaskSource } from "./decoder-types.js";
import { copyIn, copyOut, copyOutColumns, packPanels, packWeights, packWeightsIn, panelBytesIn, run, usefulThreads } from "./job.js";
import { OP_DEC_FORWARD, OP_GEMM } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

/** Runs the decoder on `threads` threads (arguments already checked); returns what backward needs when `save`. */
export function forwardInto(a: DecoderForwardArgs, save: boolean, out: DecoderOutputTargets, threads: number): DecoderSaved | undefined {
  const { batch: B, time: T, con: C, gen: G, abDim: A } = a;
  const { arena, exports: ex } = kernelRuntime();
  const n = B * T;
  const restFull = a.rest.length !== 3 * G;
  // Blocks kept for backward when saving, freed at the end otherwise.
  const { ab: abIn, mask: abMask } = a.ab ? { ab: copyIn(a.ab), mask: 0 } : joinAb(a.abFrom!, B, T);
  const kept = allocOutputs(a, save);
  const { temps, abW, abB } = packOperands(a);
  const args = writeArgs({ B, T, C, G, U: a.co, F: a.factors, fb: a.feedback ? 1 : 0, mode: a.eps ? 1 : 0, restFull: restFull ? 1 : 0, clip: a.clip, ...temps, ...kept });
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
      copyOutputs(a, kept, out);
      freeAll(free);
      if (!save) freeAll(blocks(kept));
    },
    abort() {
      freeAll([...free, ...blocks(kept), ...(save ? [abIn, ...(abMask ? [abMask] : [])] : [])]);
    },
  });
  return save ? savedFor(a, { ...kept, ab: abIn }, restFull, abMask) : undefined;
}

/** The blocks the kernels write the outputs (and, when saving, the gate activations) into, with the initial states and the noise and masks. */
function allocOutputs(a: DecoderForwardArgs, save: boolean): Partial<Record<Field, number>> {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F } = a;
  const { arena } = kernelRuntime();
  const n = B * T;
  return {
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
}

/** The weights packed into panels, the biases and `rest` copied in, and the block of the controller's input projection. */
function packOperands(a: DecoderForwardArgs): { temps: Partial<Record<Field, number>>; abW: number; abB: number } {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A } = a;
  const n = B * T;
  // Both cells project their small in-loop inputs inside the step: the fed-back factors (F columns) and u_t (U).
  const conPanels = a.feedback ? packWeightsIn(a.fbW!, a.conWhRU, a.conWhC, F, C) : packWeights(a.conWhRU, a.conWhC, C, true, false).fwd;
  const genPanels = packWeightsIn(a.genWu, a.genWhRU, a.genWhC, U, G);
  const abW = packPanels(a.abW, A, 3 * C);
  const abB = copyIn(a.abB);
  const temps: Partial<Record<Field, number>> = {
    ab: kernelRuntime().arena.alloc(n * 3 * C), // the projection, computed by the first phase
    rest: copyIn(a.rest),
    cPru: conPanels,
    cPc: conPanels + panelBytesIn(C, a.feedback ? F : 0),
    gPru: genPanels,
    gPc: genPanels + panelBytesIn(G, U),
    pPost: packPanels(a.postW, C, 2 * U),
    bPost: copyIn(a.postB),
    pFac: packPanels(a.facW, G, F),
  };
  return { temps, abW, abB };
}

/** Copies into `out` the outputs it asks for. */
function copyOutputs(a: DecoderForwardArgs, kept: Partial<Record<Field, number>>, out: DecoderOutputTargets): void {
  const { con: C, gen: G, co: U, factors: F } = a;
  const n = a.batch * a.time;
  if (out.k) copyOut(kept.k!, n * C, out.k);
  if (out.s) copyOut(kept.s!, n * G, out.s);
  if (out.f) copyOut(kept.f!, n * F, out.f);
  if (out.mv) copyOut(kept.mv!, n * 2 * U, out.mv);
  if (out.mean) copyOutColumns(kept.mv!, n, 2 * U, 0, out.mean);
  if (out.logvar) copyOutColumns(kept.mv!, n, 2 * U, U, out.logvar);
  if (out.u) copyOut(kept.u!, n * U, out.u);
}

/** The handle on the kept blocks, with copies of the weights (for backward's transposed panels). */
function savedFor(a: DecoderForwardArgs, ptr: Partial<Record<Field, number>>, restFull: boolean, abMask: number): DecoderSaved {
  const { batch, time, con, gen, co, factors, abDim, feedback, clip } = a;
  return new DecoderSaved({ batch, time, con, gen, co, factors, abDim, feedback, clip, restFull, sample: a.eps !== undefined }, ptr, {
    abW: a.abW.slice(),
    conWhRU: a.conWhRU.slice(),
    conWhC: a.conWhC.slice(),
    genWhRU: a.genWhRU.slice(),
    genWhC: a.genWhC.slice(),
    ...(a.fbW ? { fbW: a.fbW.slice() } : {}),
    postW: a.postW.slice(),
    genWu: a.genWu.slice(),
    facW: a.facW.slice(),
  }, a.abFrom ? { cfDim: a.abFrom.cfDim, cbDim: a.abFrom.cbDim, lag: a.abFrom.lag, mask: abMask } : undefined);
}

/** A mask's arena block: a copy of the array, or filled in place. */
function maskIn(m: MaskSource, n: number): number {
  if (m instanceof Float32Array) return copyIn(m);
  const { arena } = kernelRuntime();
  const p = arena.alloc(n);
  m(arena.f32(p, n));
  return p;
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
