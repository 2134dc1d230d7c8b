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
import { backwardJob } from "./gru-backward.js";
import { forwardJob } from "./gru-forward.js";
import type { GruBackwardOptions, GruForwardArgs, GruForwardResult, GruGradients, GruInputBackwardOptions, GruInputForwardArgs, GruInputGradients, GruSaved } from "./gru-types.js";
import { resolveThreads, run, runInWorkers } from "./job.js";

export type {
  GruBackwardOptions,
  GruForwardArgs,
  GruForwardResult,
  GruGradients,
  GruInputBackwardOptions,
  GruInputForwardArgs,
  GruInputGradients,
  GruSaved,
  GruSavedArrays,
} from "./gru-types.js";
export { copyGruGates, copyGruSaved, releaseGruSaved, restoreGruSaved } from "./gru-saved.js";

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

/** Dense multiply-add FLOPs of one call (the §9 model): forward 6·B·T·H², backward twice that. */
export function gruFlops(batch: number, time: number, hidden: number): { forward: number; backward: number } {
  const forward = 6 * batch * time * hidden * hidden;
  return { forward, backward: 2 * forward };
}

export { defaultThreads } from "./pool.js";
export { shutdownPool as shutdownGruPool } from "./pool.js";
