/**
 * Backpropagation through the decoder as a job: the incoming gradients and the transposed weight
 * panels in the kernels' memory, per-segment weight-gradient partials, the phases (backprop through
 * the steps, then one GEMM per weight gradient and dab), and on finish the partials summed in a
 * fixed order and the gradients copied out.
 */
import { blocks, type Field, writeArgs } from "./decoder-args.js";
import type { DecoderSaved } from "./decoder-saved.js";
import type { DecoderCotangents, DecoderGradients } from "./decoder-types.js";
import { copyIn, copyOut, interleaveIn, packPanels, packWeights, panelBytes, run, transpose, usefulThreads, type Phase } from "./job.js";
import { OP_BWD_DW, OP_DEC_BWD_STEPS, OP_DEC_GEMM_TN, OP_GEMM } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

type Blocks = Partial<Record<Field, number>>;

/** Weight-gradient partials, one per segment of the rows (0: not allocated). */
interface Partials {
  readonly con: number;
  readonly gen: number;
  /** Generator input weights [U,3G] and `rest`'s gradient as row U. */
  readonly genIn: number;
  /** Posterior weights [C,2U] and bias as row C. */
  readonly post: number;
  readonly fac: number;
  /** The factor weights' gradient through the fed-back initial factors (feedback only). */
  readonly fac0: number;
  readonly fb: number;
  /** Controller input weights [A,3C] and bias as row A. */
  readonly ab: number;
}

/** Runs backward on `threads` threads (arguments already checked), writing into `out` where given; releases `saved`. */
export function runDecoderBackward(saved: DecoderSaved, cot: DecoderCotangents, threads: number, out: Partial<DecoderGradients>): DecoderGradients {
  const d = saved.dims;
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A } = d;
  const { arena, exports: ex } = kernelRuntime();
  const temps = packOperands(saved, cot);
  const abWT = packPanels(transpose(saved.w.abW, A, 3 * C), 3 * C, A);
  const dAb = arena.alloc(B * T * A);
  const args = writeArgs({ B, T, C, G, U, F, fb: d.feedback ? 1 : 0, mode: d.sample ? 1 : 0, restFull: d.restFull ? 1 : 0, clip: d.clip, ...saved.ptr, ...temps });
  const segs = ex.gru_dw_segments();
  const part: Partials = {
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
  const free = [args, counter, abWT, dAb, ...scratch, ...blocks({ ...temps, cPcT: undefined, gPcT: undefined }), ...Object.values(part).filter((q) => q !== 0)];
  let grads: DecoderGradients;
  run({
    phases: phases(saved, temps, part, { args, abWT, dAb, counter, scratch }),
    counter,
    finish() {
      sumPartials(saved, part, segs);
      grads = readGradients(saved, temps, part, dAb, out);
      free.forEach((q) => arena.free(q));
      saved.release();
    },
    abort() {
      free.forEach((q) => arena.free(q));
    },
  });
  return grads!;
}

/** The incoming gradients copied in, the transposed weight panels, and the blocks of the step gradients. */
function packOperands(saved: DecoderSaved, cot: DecoderCotangents): Blocks {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, feedback } = saved.dims;
  const { arena } = kernelRuntime();
  const n = B * T;
  const w = saved.w;
  const con = packWeights(w.conWhRU, w.conWhC, C, false, true);
  const gen = packWeights(w.genWhRU, w.genWhC, G, false, true);
  return {
    dS: copyIn(cot.dS),
    dF: copyIn(cot.dF),
    dMV: cot.dMV ? copyIn(cot.dMV) : interleaveIn(n, [cot.dMean, cot.dLogvar], U),
    ...(cot.dK ? { dK: copyIn(cot.dK) } : {}),
    ...(cot.dU ? { dU: copyIn(cot.dU) } : {}),
    cPruT: con.bwd,
    cPcT: con.bwd + panelBytes(C),
    gPruT: gen.bwd,
    gPcT: gen.bwd + panelBytes(G),
    ...(feedback ? { pFbT: packPanels(transpose(w.fbW!, F, 3 * C), 3 * C, F) } : {}),
    pPostT: packPanels(transpose(w.postW, C, 2 * U), 2 * U, C),
    pGuT: packPanels(transpose(w.genWu, U, 3 * G), 3 * G, U),
    pFacT: packPanels(transpose(w.facW, G, F), F, G),
    dXc: arena.alloc(n * 3 * C),
    dXg: arena.alloc(n * 3 * G),
    dMVt: arena.alloc(n * 2 * U),
    dFt: arena.alloc(n * F),
    dk0: arena.alloc(B * C),
    ds0: arena.alloc(B * G),
    ...(feedback ? { dfb0: arena.alloc(B * F) } : {}),
  };
}

/** Backprop through the steps, then the weight gradients of both cells, the posterior, the factors, the feedback and the controller input, then dab. */
function phases(saved: DecoderSaved, temps: Blocks, part: Partials, q: { args: number; abWT: number; dAb: number; counter: number; scratch: readonly number[] }): Phase[] {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A, feedback } = saved.dims;
  const n = B * T;
  const p = saved.ptr;
  const { args, abWT, dAb, counter } = q;
  const each = (f: (scr: number) => number[]): number[][] => q.scratch.map(f);
  return [
    { op: OP_DEC_BWD_STEPS, args: each((scr) => [args, scr, counter]) },
    { op: OP_BWD_DW, args: each((scr) => [p.k0!, p.k!, p.cg!, temps.dXc!, part.con, 0, -1, 0, scr, counter, B, T, C, 0]) },
    { op: OP_BWD_DW, args: each((scr) => [p.s0!, p.s!, p.gg!, temps.dXg!, part.gen, p.u!, U, part.genIn, scr, counter, B, T, G, 0]) },
    { op: OP_DEC_GEMM_TN, args: each((scr) => [p.k!, 0, C, 1, temps.dMVt!, 2 * U, part.post, scr, counter, n]) },
    { op: OP_DEC_GEMM_TN, args: each((scr) => [p.s!, p.mgen ?? 0, G, 0, temps.dFt!, F, part.fac, scr, counter, n]) },
    ...(feedback
      ? ([
          { op: OP_DEC_GEMM_TN, args: each((scr) => [p.s0!, 0, G, 0, temps.dfb0!, F, part.fac0, scr, counter, B]) },
          { op: OP_DEC_GEMM_TN, args: each((scr) => [p.fbIn!, 0, F, 0, temps.dXc!, 3 * C, part.fb, scr, counter, n]) },
        ] satisfies Phase[])
      : []),
    { op: OP_DEC_GEMM_TN, args: each((scr) => [p.ab!, 0, A, 1, temps.dXc!, 3 * C, part.ab, scr, counter, n]) },
    { op: OP_GEMM, args: each((scr) => [temps.dXc!, abWT, 0, dAb, scr, counter, n, 3 * C, A]) },
  ];
}

/** Each partial's segments summed into its first, in a fixed order: the same sum for any thread count. */
function sumPartials(saved: DecoderSaved, part: Partials, segs: number): void {
  const { con: C, gen: G, co: U, factors: F, abDim: A, feedback } = saved.dims;
  const { exports: ex } = kernelRuntime();
  const sum = (q: number, floats: number): void => {
    for (let i = 1; i < segs; i++) ex.gru_add(q, q + 4 * i * floats, floats);
  };
  sum(part.con, 3 * C * C);
  sum(part.gen, 3 * G * G);
  sum(part.genIn, (U + 1) * 3 * G);
  sum(part.post, (C + 1) * 2 * U);
  sum(part.fac, G * F);
  sum(part.ab, (A + 1) * 3 * C);
  if (feedback) {
    sum(part.fac0, G * F);
    ex.gru_add(part.fac, part.fac0, G * F);
    sum(part.fb, F * 3 * C);
  }
}

/** The gradients copied out (into `o`'s arrays where given); with `abFrom`, dab split back into dCf and dCb. */
function readGradients(saved: DecoderSaved, temps: Blocks, part: Partials, dAb: number, o: Partial<DecoderGradients>): DecoderGradients {
  const { batch: B, time: T, con: C, gen: G, co: U, factors: F, abDim: A, feedback, restFull } = saved.dims;
  const { arena, exports: ex } = kernelRuntime();
  const n = B * T;
  const split = saved.abSplit;
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
  return {
    dAb: split ? undefined : copyOut(dAb, n * A, o.dAb),
    ...(split ? { dCf, dCb } : {}),
    dAbW: copyOut(part.ab, A * 3 * C, o.dAbW),
    dAbB: copyOut(part.ab + 4 * A * 3 * C, 3 * C, o.dAbB),
    dRest: restFull ? copyOut(temps.dXg!, n * 3 * G, o.dRest) : copyOut(part.genIn + 4 * U * 3 * G, 3 * G, o.dRest),
    dk0: copyOut(temps.dk0!, B * C, o.dk0),
    ds0: copyOut(temps.ds0!, B * G, o.ds0),
    dConWhRU: copyOut(part.con, 2 * C * C, o.dConWhRU),
    dConWhC: copyOut(part.con + 8 * C * C, C * C, o.dConWhC),
    dGenWhRU: copyOut(part.gen, 2 * G * G, o.dGenWhRU),
    dGenWhC: copyOut(part.gen + 8 * G * G, G * G, o.dGenWhC),
    dFbW: feedback ? copyOut(part.fb, F * 3 * C, o.dFbW) : undefined,
    dPostW: copyOut(part.post, C * 2 * U, o.dPostW),
    dPostB: copyOut(part.post + 4 * C * 2 * U, 2 * U, o.dPostB),
    dGenWu: copyOut(part.genIn, U * 3 * G, o.dGenWu),
    dFacW: copyOut(part.fac, G * F, o.dFacW),
  };
}
