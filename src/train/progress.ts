/**
 * Progress reports of a training run. The notebook display subscribes through `onProgress`; without a
 * callback a plain terminal line per epoch is printed (and per step with c_debug_print_each_step).
 */
import type { EpochDiagnostics } from "./diagnostics.js";
import type { DivergenceEvent } from "./divergence.js";

export interface TrainProgress {
  kind: "step" | "epoch";
  /** Global step after this step / epoch (= Adam updates applied). */
  step: number;
  /** Epoch index, from 0. */
  epoch: number;
  /** Steps done in this epoch, and the epoch's length. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Step: this batch's costs. Epoch: the epoch means. Nats per trial; "cost" includes the ramped KL and L2. */
  trainCost: number;
  trainRecon: number;
  /** Un-ramped KL cost (with kl_ic_weight / kl_co_weight). */
  trainKl: number;
  /** Epoch events only: validation means (dropout off, latents sampled, same ramp weights). */
  validCost?: number;
  validRecon?: number;
  validKl?: number;
  l2Cost: number;
  klWeight: number;
  l2Weight: number;
  learningRate: number;
  /** Step events: global gradient norm before clipping. */
  gradNorm?: number;
  /** Epoch events: the row written to fitlog_diagnostics.csv (gradient norms, clipping rate, each posterior's KL). */
  diagnostics?: EpochDiagnostics;
  /** Epoch events: the divergence the watch saw at the end of this epoch, and what was done about it. */
  divergence?: DivergenceEvent;
  /** Training steps per second, averaged over this epoch so far. */
  stepsPerSecond: number;
  elapsedSeconds: number;
  /** Active tfjs backend and GRU implementation, e.g. "wasm (SIMD, 1 thread) / composite". */
  backend: string;
}

export type ProgressCallback = (p: TrainProgress) => void | Promise<void>;

const n2 = (x: number | undefined): string => (x === undefined ? "-" : x.toFixed(2));

/**
 * One terminal line, e.g. "epoch 3 step 40 | train 812.33 recon 801.10 kl 9.12 | valid … | lr 0.01 | 1.9 steps/s";
 * an epoch at which the divergence watch fired gets a second line, "lfads: divergence at epoch …".
 */
export function formatProgress(p: TrainProgress): string {
  const head = p.kind === "epoch" ? `epoch ${p.epoch} step ${p.step}` : `  step ${p.step} (${p.stepInEpoch}/${p.stepsPerEpoch} of epoch ${p.epoch})`;
  const valid = p.kind === "epoch" ? ` | valid ${n2(p.validCost)} recon ${n2(p.validRecon)} kl ${n2(p.validKl)}` : "";
  const divergence = p.divergence ? `\nlfads: ${p.divergence.message}` : "";
  return `${head} | train ${n2(p.trainCost)} recon ${n2(p.trainRecon)} kl ${n2(p.trainKl)}${valid} | l2 ${p.l2Cost.toFixed(5)} klw ${n2(p.klWeight)} l2w ${n2(p.l2Weight)} lr ${p.learningRate.toPrecision(3)} | ${p.stepsPerSecond.toPrecision(3)} steps/s${divergence}`;
}
