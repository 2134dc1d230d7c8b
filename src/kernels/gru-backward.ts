/**
 * The job of a GRU backward pass over saved activations: the incoming gradient copied in, the
 * gradient blocks and per-segment weight-gradient partials allocated, its phases (backprop through
 * the steps, the weight gradients, optionally dx), and on finish the partials summed in a fixed
 * order and the gradients copied out.
 */
import { ParamError } from "../core/errors.js";
import { checkBackwardInputs } from "./gru-checks.js";
import { asSaved, type Saved } from "./gru-saved.js";
import type { GruBackwardOptions, GruGradients, GruInputBackwardOptions, GruInputGradients, GruSaved } from "./gru-types.js";
import { copyIn, copyOut, packPanels, panelBytes, perThread, transpose, usefulThreads, type Job, type Phase } from "./job.js";
import { OP_BWD_DW, OP_BWD_STEPS, OP_GEMM } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

/** The gradients of a plain (`grads`) or a projected (`inputGrads`) recurrence; the other is undefined. */
export interface BackwardResult {
  grads: GruGradients | undefined;
  inputGrads: GruInputGradients | undefined;
}

export type BackwardOptions = Omit<GruBackwardOptions, "out"> & Omit<GruInputBackwardOptions, "out"> & { out?: Partial<GruGradients & GruInputGradients> };

/** The job of one backward call; `result()` is read once the job has run. Releases `saved` on finish unless `keepSaved`. */
export function backwardJob(fn: string, savedArg: GruSaved, dStates: Float32Array, options: BackwardOptions, threads: number, projected: boolean): { job: Job; result: () => BackwardResult } {
  const saved = usableSaved(fn, savedArg, projected);
  const { batch: B, time: T, hidden: H } = saved;
  const out = options.out ?? {};
  // finalOnly: dStates is the final step's [B,H]; the kernel reads zeros for every other step.
  const finalOnly = options.finalOnly ?? false;
  checkBackwardInputs(fn, { B, T, H, inDim: saved.input?.D }, dStates, finalOnly, out);
  const { arena, exports: ex } = kernelRuntime();
  const n = B * T * H;
  const { h0, st, g, packT } = saved.ptr;
  const D = saved.input ? saved.input.D : -1;
  const xin = saved.ptr.x ?? 0;
  const pcT = packT + panelBytes(H); // the WhC panels
  const dS = copyIn(dStates);
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
    ...[B, T, H, saved.clip, rev, finalOnly ? 1 : 0],
  ]);
  const dwArgs = scratch.map((scr) => [h0, st, g, dX, dW, xin, D, dWx, scr, counter, B, T, H, rev]);
  const phases: Phase[] = [
    { op: OP_BWD_STEPS, args: stepArgs },
    { op: OP_BWD_DW, args: dwArgs },
  ];
  if (wantDx) phases.push({ op: OP_GEMM, args: scratch.map((scr) => [dX, wxT, 0, dx, scr, counter, B * T, 3 * H, D]) });
  const temps = [dS, dX, dh0, dW, counter, ...scratch, ...[dWx, wxT, dx].filter((p) => p !== 0)];
  let res: BackwardResult = { grads: undefined, inputGrads: undefined };
  const job: Job = {
    phases,
    counter,
    finish() {
      res = readGradients({ dX, dh0, dW, dWx, dx, segments }, B, T, H, D, wantDx, out);
      for (const p of temps) arena.free(p);
      if (!options.keepSaved) saved.release();
    },
    abort() {
      for (const p of temps) arena.free(p);
    },
  };
  return { job, result: () => res };
}

/** `saved` as a Saved that can still be used, and from the matching forward (plain or projected). */
function usableSaved(fn: string, savedArg: GruSaved, projected: boolean): Saved {
  const saved = asSaved(savedArg);
  if (saved.released) throw new ParamError(`${fn}: saved activations were already released (pass keepSaved: true to reuse them)`);
  if (projected !== (saved.input !== undefined)) {
    throw new ParamError(projected ? `${fn}: saved must come from gruInputForward` : `${fn}: saved comes from gruInputForward; use gruInputBackward`);
  }
  return saved;
}

/** The arena blocks the kernels write the gradients into (0: not allocated). */
interface GradientBlocks {
  readonly dX: number;
  readonly dh0: number;
  /** `segments` partials of [H,3H]. */
  readonly dW: number;
  /** `segments` partials of [D+1,3H] (projected recurrences only). */
  readonly dWx: number;
  readonly dx: number;
  readonly segments: number;
}

/** Sums the weight-gradient partials (in a fixed order: the same sum for any thread count) and copies the gradients out. */
function readGradients(b: GradientBlocks, B: number, T: number, H: number, D: number, wantDx: boolean, out: Partial<GruGradients & GruInputGradients>): BackwardResult {
  const { exports: ex } = kernelRuntime();
  const { dX, dh0, dW, dWx, dx, segments } = b;
  for (let i = 1; i < segments; i++) ex.gru_add(dW, dW + 12 * i * H * H, 3 * H * H);
  if (D >= 0) {
    const m = (D + 1) * 3 * H;
    for (let i = 1; i < segments; i++) ex.gru_add(dWx, dWx + 4 * i * m, m);
    return {
      grads: undefined,
      inputGrads: {
        dx: wantDx ? copyOut(dx, B * T * D, out.dx) : undefined,
        dWx: copyOut(dWx, D * 3 * H, out.dWx),
        dBias: copyOut(dWx + 4 * D * 3 * H, 3 * H, out.dBias),
        dh0: copyOut(dh0, B * H, out.dh0),
        dWhRU: copyOut(dW, 2 * H * H, out.dWhRU),
        dWhC: copyOut(dW + 8 * H * H, H * H, out.dWhC),
      },
    };
  }
  return {
    grads: {
      dXProj: copyOut(dX, 3 * B * T * H, out.dXProj),
      dh0: copyOut(dh0, B * H, out.dh0),
      dWhRU: copyOut(dW, 2 * H * H, out.dWhRU),
      dWhC: copyOut(dW + 8 * H * H, H * H, out.dWhC),
    },
    inputGrads: undefined,
  };
}
