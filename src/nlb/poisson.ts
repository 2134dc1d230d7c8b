/**
 * Poisson negative log-likelihood and bits per spike as NLB's evaluation computes them: elements where
 * the spike count is NaN are left out, a rate of 0 becomes 1e-9, and the null model predicts each
 * neuron's mean count over all trials and bins of the same spikes tensor.
 */
import { DataError } from "../core/errors.js";
import { logFactorial } from "../core/special.js";
import { sameShape, type NlbTensor } from "./tensor.js";

function checkRates(rates: NlbTensor, what: string): void {
  for (let i = 0; i < rates.data.length; i++) {
    const r = rates.data[i]!;
    if (!(r >= 0)) {
      const n = rates.shape[2];
      throw new DataError(`${what}: rate ${r} at [trial ${Math.floor(i / (n * rates.shape[1]))}, bin ${Math.floor(i / n) % rates.shape[1]}, neuron ${i % n}] is ${Number.isNaN(r) ? "NaN" : "negative"}; rates must be non-negative spikes per bin (exp of log-rates)`);
    }
  }
}

/** Σ (r − y ln r + ln y!) over the elements where y is not NaN (r = 0 read as 1e-9). */
export function poissonNll(rates: NlbTensor, spikes: NlbTensor, what = "rates"): number {
  sameShape(rates, spikes, what, "spikes");
  checkRates(rates, what);
  let nll = 0;
  for (let i = 0; i < rates.data.length; i++) {
    const y = spikes.data[i]!;
    if (Number.isNaN(y)) continue;
    const r = rates.data[i] === 0 ? 1e-9 : rates.data[i]!;
    nll += r - y * Math.log(r) + logFactorial(y);
  }
  return nll;
}

/** Each neuron's mean count over trials and bins (NaN skipped), broadcast to the tensor's shape. */
export function nullRates(spikes: NlbTensor): Float64Array {
  const n = spikes.shape[2];
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  for (let i = 0; i < spikes.data.length; i++) {
    const y = spikes.data[i]!;
    if (Number.isNaN(y)) continue;
    sum[i % n] += y;
    count[i % n] += 1;
  }
  const out = new Float64Array(spikes.data.length);
  for (let i = 0; i < out.length; i++) out[i] = sum[i % n]! / count[i % n]!;
  return out;
}

/** Bits per spike: (NLL(null) − NLL(rates)) / (ln 2 · Σ y). */
export function bitsPerSpike(rates: NlbTensor, spikes: NlbTensor, what = "rates"): number {
  const nll = poissonNll(rates, spikes, what);
  const nullNll = poissonNll({ data: nullRates(spikes), shape: spikes.shape }, spikes, "null rates");
  let total = 0;
  for (let i = 0; i < spikes.data.length; i++) if (!Number.isNaN(spikes.data[i]!)) total += spikes.data[i]!;
  return (nullNll - nll) / (Math.LN2 * total);
}
