/**
 * Score a model's rates against an eval target, as nlb_tools' `evaluate` does for one dataset group:
 * co-bps, velocity R², PSTH R² and fp-bps (each left out when the target lacks what it needs).
 */
import { bitsPerSpike } from "./poisson.js";
import { psthR2 } from "./psth-r2.js";
import type { NlbRates } from "./rates.js";
import type { NlbTarget } from "./target.js";
import { concatNeurons } from "./tensor.js";
import { velocityR2 } from "./vel-r2.js";

/** One row of the NLB table; keys as nlb_tools names them. */
export interface NlbScores {
  "co-bps": number;
  "vel R2"?: number;
  "psth R2"?: number;
  "fp-bps"?: number;
}

export function evaluateNlb(target: NlbTarget, rates: NlbRates): NlbScores {
  const out: NlbScores = { "co-bps": bitsPerSpike(rates.evalRatesHeldout, target.evalSpikesHeldout, "eval_rates_heldout") };
  if (target.trainBehavior && target.evalBehavior) {
    out["vel R2"] = velocityR2({
      trainRates: concatNeurons([rates.trainRatesHeldin, rates.trainRatesHeldout], "train rates"),
      trainBehavior: target.trainBehavior,
      evalRates: concatNeurons([rates.evalRatesHeldin, rates.evalRatesHeldout], "eval rates"),
      evalBehavior: target.evalBehavior,
    });
  }
  if (target.psth && target.evalCondIdx) {
    out["psth R2"] = psthR2(target.psth, concatNeurons([rates.evalRatesHeldin, rates.evalRatesHeldout], "eval rates"), target.evalCondIdx);
  }
  if (target.evalSpikesHeldinForward && target.evalSpikesHeldoutForward && rates.evalRatesHeldinForward && rates.evalRatesHeldoutForward) {
    const spikes = concatNeurons([target.evalSpikesHeldinForward, target.evalSpikesHeldoutForward], "eval forward spikes");
    out["fp-bps"] = bitsPerSpike(concatNeurons([rates.evalRatesHeldinForward, rates.evalRatesHeldoutForward], "eval forward rates"), spikes, "eval_rates_forward");
  }
  return out;
}
