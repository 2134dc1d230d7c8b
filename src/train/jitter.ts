/**
 * TF LFADS temporal spike jitter (shuffle_spikes_in_time): every spike of a count moves by an integer
 * δ drawn from [−w, w−1] (numpy randint, asymmetric), reflected at the trial edges. TF re-jitters the
 * whole split before each batch; jittering only the batch's trials is the same in distribution.
 */
import type { Rng } from "../core/rng.js";

/** x: counts [B,T,N] row-major; returns a new jittered array. */
export function jitterSpikes(x: Float32Array, B: number, T: number, N: number, width: number, rng: Rng): Float32Array {
  if (width <= 0) return x;
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        const count = x[(b * T + t) * N + n]!;
        for (let k = 0; k < count; k++) {
          let s = t + rng.int(-width, width - 1);
          if (s < 0) s = -s;
          if (s > T - 1) s = 2 * (T - 1) - s;
          s = Math.min(Math.max(s, 0), T - 1); // only for w > T, where one reflection is not enough
          out[(b * T + s) * N + n]! += 1;
        }
      }
    }
  }
  return out;
}

/**
 * Bins [t0, t1) of x [B,T,N], as float32 block copies: this runs every training step, where core's sliceBlock
 * (element by element, into float64) would add a conversion each way.
 */
function binRange(x: Float32Array, B: number, T: number, N: number, t0: number, t1: number): Float32Array {
  const out = new Float32Array(B * (t1 - t0) * N);
  for (let b = 0; b < B; b++) out.set(x.subarray((b * T + t0) * N, (b * T + t1) * N), b * (t1 - t0) * N);
  return out;
}

/**
 * Jitter a reconstruction target [B,T,N] whose bins from `tObs` on are forward bins: the observed bins and the
 * forward bins are jittered each within itself (reflected at their own edges), so that no forward spike moves
 * into the bins the encoders read.
 */
export function jitterObservedAndForward(x: Float32Array, B: number, T: number, N: number, tObs: number, width: number, rng: Rng): Float32Array {
  if (width <= 0 || tObs >= T) return jitterSpikes(x, B, T, N, width, rng);
  const obs = jitterSpikes(binRange(x, B, T, N, 0, tObs), B, tObs, N, width, rng);
  const fwd = jitterSpikes(binRange(x, B, T, N, tObs, T), B, T - tObs, N, width, rng);
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    out.set(obs.subarray(b * tObs * N, (b + 1) * tObs * N), b * T * N);
    out.set(fwd.subarray(b * (T - tObs) * N, (b + 1) * (T - tObs) * N), (b * T + tObs) * N);
  }
  return out;
}
