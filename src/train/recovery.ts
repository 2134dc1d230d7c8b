/**
 * What training does when the divergence watch (divergence.ts) fires. By default it goes back to the
 * lowest-validation-error (LVE) checkpoint's weights and Adam moments and halves the smaller of the
 * current and the LVE learning rate, then goes on: the step count, the RNG stream and the fit logs keep
 * moving forward, so the history shows what happened. Without an LVE checkpoint yet it only lowers the
 * learning rate; with recovery switched off it only reports. (TF LFADS has no such watch: it only
 * decays the learning rate when the training cost stops improving.)
 */
import * as path from "node:path";
import { loadCheckpoint } from "./checkpoint.js";
import type { DivergenceEvent, DivergenceVerdict } from "./divergence.js";
import type { Trainer } from "./trainer.js";

/** The learning rate after a recovery: this factor times the smaller of the current and the LVE one. */
export const RECOVERY_LR_FACTOR = 0.5;

const lrText = (x: number): string => String(Number(x.toPrecision(4)));

/**
 * Act on a verdict at the end of `epoch` (the trainer's step is the epoch's last). `lveCheckpoint` is
 * the newest LVE checkpoint file, if any; `recover` false only reports.
 */
export async function actOnDivergence(trainer: Trainer, verdict: DivergenceVerdict, epoch: number, lveCheckpoint: string | undefined, recover: boolean): Promise<DivergenceEvent> {
  const before = trainer.schedule.learningRate;
  const head = `divergence at epoch ${epoch} (step ${trainer.step}): ${verdict.text}`;
  const base = { rule: verdict.rule, seen: verdict.text, epoch, step: trainer.step, learningRateBefore: before };
  if (!recover) {
    return { ...base, action: "reported", learningRateAfter: before, message: `${head}; recovery is off, training goes on unchanged` };
  }
  if (!lveCheckpoint) {
    const after = RECOVERY_LR_FACTOR * before;
    trainer.schedule.learningRate = after;
    return { ...base, action: "lowered_lr", learningRateAfter: after, message: `${head}; no lowest-validation-error checkpoint yet, so only the learning rate was lowered, ${lrText(before)} → ${lrText(after)}` };
  }
  const ckpt = await loadCheckpoint(lveCheckpoint);
  trainer.rewindTo(ckpt);
  const after = RECOVERY_LR_FACTOR * Math.min(before, ckpt.state.lr.learningRate);
  trainer.schedule.learningRate = after;
  const name = path.basename(lveCheckpoint);
  return {
    ...base, action: "restored", learningRateAfter: after, restoredCheckpoint: name, restoredStep: ckpt.state.step,
    message: `${head}; restored the weights and Adam moments of ${name} (step ${ckpt.state.step}) and lowered the learning rate ${lrText(before)} → ${lrText(after)}`,
  };
}
