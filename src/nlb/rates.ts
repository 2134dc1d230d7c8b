/** A model's predicted rates (spikes per bin) in the six tensors of an NLB submission. */
import type { NlbTensor } from "./tensor.js";

export interface NlbRates {
  trainRatesHeldin: NlbTensor;
  trainRatesHeldout: NlbTensor;
  evalRatesHeldin: NlbTensor;
  evalRatesHeldout: NlbTensor;
  /** Forward predictions (optional: without them fp-bps is not scored). */
  evalRatesHeldinForward?: NlbTensor;
  evalRatesHeldoutForward?: NlbTensor;
}
