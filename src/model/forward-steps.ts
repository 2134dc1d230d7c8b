/**
 * Forward-prediction steps (lfads-torch's recon_seq_len > encod_seq_len): the encoders read T_obs
 * bins, the generator runs T_rec ≥ T_obs steps. Over the forward steps t ≥ T_obs the controller's
 * encoder inputs and the external inputs are zero (lfads-torch `decoder.py` pads them after the lag).
 * The inputs are padded here, in TF.js, so that the decoder (composite or fused kernel) sees
 * sequences of T_rec steps and needs no notion of the observed window.
 */
import * as tf from "@tensorflow/tfjs";

/** x [B,T,D] followed by zeros up to [B,steps,D] (x itself when T = steps). */
export function padSteps(x: tf.Tensor3D, steps: number): tf.Tensor3D {
  const [B, T, D] = x.shape;
  if (T >= steps) return x;
  return tf.concat([x, tf.zeros([B, steps - T, D])], 1) as tf.Tensor3D;
}

/**
 * The CI encoder's forward states cf [B,T_obs,H] as a [B,steps,H] sequence that the decoder reads
 * lagged (cf_{t−lag}). lfads-torch lags cf within the observed window, then zero-pads the forward
 * steps, so the controller sees zeros at every t ≥ T_obs: here the states cf_{T_obs−lag} … cf_{T_obs−1},
 * which only those steps would read, are zeroed too. With steps = T_obs the decoder never reads them,
 * and x is returned as it is.
 */
export function padLaggedSteps(cf: tf.Tensor3D, steps: number, lag: number): tf.Tensor3D {
  const [B, T, H] = cf.shape;
  if (T >= steps) return cf;
  const keep = Math.max(0, T - lag);
  const head = keep > 0 ? [tf.slice(cf, [0, 0, 0], [B, keep, H])] : [];
  return tf.concat([...head, tf.zeros([B, steps - keep, H])], 1) as tf.Tensor3D;
}
