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
