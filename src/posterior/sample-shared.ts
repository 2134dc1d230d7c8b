/**
 * Helpers shared by posterior sampling and prior samples: option checks, the memory bound of a forward
 * pass, and the cost terms TF evaluates at the restored step.
 */
import * as tf from "@tensorflow/tfjs";
import { ParamError } from "../core/errors.js";
import { reconStepsOf, type LfadsConfig } from "../model/config.js";
import { l2Cost } from "../model/l2.js";
import { rampWeight } from "../train/schedule.js";
import type { TrainedModel } from "./sample-model.js";

export function positiveInt(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new ParamError(`${name} must be a positive integer; got ${x}`);
  return x;
}

/** Bytes of tensors budgeted for one pass (decoder rows, or trials of an encoder pass) when `batchTrials` is not given. */
const DEFAULT_PASS_BYTES = 256 * 2 ** 20;

/**
 * Rough bytes of live tensors per row of a decoder pass with outputs (every intermediate stays alive
 * until the pass's tf.tidy ends): per time step, the GRU gates and states of the controller and the
 * generator, the row's copy of the lagged controller inputs, factors, rates, controller outputs and the
 * row's copy of the data.
 */
function bytesPerRow(c: LfadsConfig, numNeurons: number): number {
  const ci = c.coDim > 0 ? 2 * c.ciEncDim + 10 * c.conDim : 0;
  const perStep = ci + 10 * c.genDim + 6 * (numNeurons + c.factorsDim + c.coDim) + 4 * (c.extInputDim + numNeurons);
  return 4 * reconStepsOf(c) * perStep + 4096;
}

/** Rough bytes of live tensors per trial of an encoder pass: the gates and states of both encoders. */
function encoderBytesPerRow(c: LfadsConfig, numNeurons: number): number {
  const enc = c.icDim > 0 ? 2 * c.icEncDim : 0;
  const ci = c.coDim > 0 ? 2 * c.ciEncDim : 0;
  const perStep = 10 * (enc + ci) + 2 * ci + 4 * (c.extInputDim + numNeurons);
  return 4 * c.numSteps * perStep + 4096;
}

/** Default rows per decoder pass: ~256 MB of tensors, at least 1, at most 4096. */
export function defaultBatchTrials(c: LfadsConfig, maxNeurons: number): number {
  return Math.max(1, Math.min(4096, Math.floor(DEFAULT_PASS_BYTES / bytesPerRow(c, maxNeurons))));
}

/**
 * Trials per group (one encoder pass, then the decoder passes of their samples): ⌊batchTrials / S⌋ when
 * S ≤ batchTrials, else 1; and no more than the trials whose encoder pass plus one decoder row each fit
 * in the memory of batchTrials decoder rows.
 */
export function trialsPerGroup(c: LfadsConfig, numNeurons: number, batchTrials: number, numSamples: number): number {
  const k = numSamples <= batchTrials ? Math.floor(batchTrials / numSamples) : 1;
  const dec = bytesPerRow(c, numNeurons);
  const cap = Math.floor((batchTrials * dec) / (dec + encoderBytesPerRow(c, numNeurons)));
  return Math.max(1, Math.min(k, cap));
}

/** l2_weight · l2_cost and kl_weight at the checkpoint's step (TF evaluates the training cost there). */
export function rampTerms(tm: TrainedModel): { l2Term: number; klWeight: number } {
  const step = tm.checkpoint.state.step;
  const t = tm.train;
  const c = tm.config;
  const l2 = tf.tidy(() => l2Cost(tm.model.store, c.l2GenScale, c.l2ConScale).dataSync()[0]!);
  return { l2Term: rampWeight(step, t.l2StartStep, t.l2IncreaseSteps) * l2, klWeight: rampWeight(step, t.klStartStep, t.klIncreaseSteps) };
}
