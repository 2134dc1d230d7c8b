/**
 * The job of a GRU forward pass: its operands copied and packed into the kernels' memory, the
 * recurrence, and on finish the states copied out and either kept for backward (a `Saved`) or freed.
 */
import { checkForwardInputs, type ForwardSource } from "./gru-checks.js";
import { Saved } from "./gru-saved.js";
import type { GruForwardArgs, GruForwardResult } from "./gru-types.js";
import { copyIn, copyOut, packWeights, packWeightsIn, panelBytesIn, usefulThreads, type Job, type Phase } from "./job.js";
import { OP_FORWARD } from "./pool.js";
import { kernelRuntime } from "./runtime.js";

/** The job of one forward call, after its arguments are checked; `result()` is read once the job has run. */
export function forwardJob(fn: string, args: Omit<GruForwardArgs, "xProj">, src: ForwardSource, save: boolean, threads: number): { job: Job; result: () => GruForwardResult } {
  checkForwardInputs(fn, args, src);
  const { batch: B, time: T, hidden: H, clip } = args;
  const input = "input" in src ? src.input : undefined;
  const D = input ? input.inDim : -1;
  const finalOnly = args.finalOnly ?? false;
  const reverse = args.reverse ?? false;
  const { arena, exports: ex } = kernelRuntime();

  const n = B * T * H;
  const temps: number[] = [];
  let xin = 0;
  let x: number;
  const counter = arena.alloc(1);
  const nt = usefulThreads(threads, B);
  // With inputs the projection x·Wx + bias runs inside each step (gru.c gru_fwd, D >= 0; with D = 0 the
  // bias alone): xProj is never stored. Without, the caller's xProj is read (D = -1).
  const scratch = Array.from({ length: nt }, () => arena.alloc(ex.gru_fwd_scratch_floats(H, Math.max(D, 0))));
  if (input) {
    xin = D > 0 ? copyIn(input.x!) : 0;
    x = copyIn(input.bias);
  } else {
    x = copyIn((src as { xProj: Float32Array }).xProj);
  }
  temps.push(x);
  const h0 = copyIn(args.h0);
  const packT = save ? packWeights(args.whRU, args.whC, H, false, true).bwd : 0;
  const pack = D > 0 ? packWeightsIn(input!.wx!, args.whRU, args.whC, D, H) : packWeights(args.whRU, args.whC, H, true, false).fwd;
  const pc = pack + panelBytesIn(H, Math.max(D, 0)); // the WhC panels
  const st = arena.alloc(n);
  const g = save ? arena.alloc(3 * n) : 0;
  const rev = reverse ? 1 : 0;
  const phases: Phase[] = [{ op: OP_FORWARD, args: scratch.map((scr) => [x, xin, D, h0, pack, pc, st, g, scr, counter, B, T, H, clip, rev]) }];
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
