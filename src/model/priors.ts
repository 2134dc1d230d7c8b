/**
 * Priors and posteriors of the latent variables (TF distributions.py):
 * - `IcPrior`: learned-mean diagonal Gaussian for g0 (`z/prior_g0`), variance fixed at
 *   c_ic_prior_var_scale when var_min == var_max, else learned as sigmoid(exp(θ))·(max−min)+min.
 * - `DiagGaussianFromInput`: posterior mean/log-variance linears, optional variance floor.
 * - `Ar1Prior`: independent zero-mean AR(1) processes for the controller outputs (`z/u_prior_ar1`).
 * - the g0 KL (analytic) and the controller-output KL (one-sample, same samples as the generator).
 */
import * as tf from "@tensorflow/tfjs";
import { hostValues, multiOutputOp, tensorsFilledBy } from "./ops/host-tensors.js";
import { Linear } from "./linear.js";
import type { ParamStore } from "./params.js";

const LOG_2PI = Math.log(2 * Math.PI);

export interface Gaussian {
  mean: tf.Tensor2D;
  logvar: tf.Tensor2D;
}

export class IcPrior {
  readonly mean: tf.Variable;
  readonly logvarParam: tf.Variable;
  private readonly learnedVar: boolean;

  constructor(store: ParamStore, dim: number, readonly varMin: number, varScale: number, readonly varMax: number) {
    this.learnedVar = varMax > varMin;
    this.mean = store.add("LFADS/z/prior_g0/mean", [1, dim], new Float32Array(dim));
    this.logvarParam = store.add("LFADS/z/prior_g0/logvar", [1, dim], new Float32Array(dim).fill(Math.log(varScale)), { trainable: this.learnedVar });
  }

  /** Mean and log-variance, [1, I] each. */
  params(): Gaussian {
    const logvar = this.learnedVar
      ? tf.log(tf.add(tf.mul(tf.sigmoid(tf.exp(this.logvarParam)), this.varMax - this.varMin), this.varMin))
      : this.logvarParam;
    return { mean: this.mean as tf.Tensor2D, logvar: logvar as tf.Tensor2D };
  }
}

export class DiagGaussianFromInput {
  private readonly meanLin: Linear;
  private readonly logvarLin: Linear;

  /** Variables `<scope>/mean/{W,b}` and `<scope>/logvar/{W,b}`, std 1/√in. */
  constructor(store: ParamStore, scope: string, inDim: number, outDim: number, readonly varMin: number) {
    this.meanLin = new Linear(store, `${scope}/mean`, inDim, outDim);
    this.logvarLin = new Linear(store, `${scope}/logvar`, inDim, outDim);
  }

  /** x [M, in] → mean, logvar [M, out]; logvar = log(exp(z) + var_min) when var_min > 0. */
  apply(x: tf.Tensor2D): Gaussian {
    const z = this.logvarLin.apply(x);
    const logvar = this.varMin > 0 ? (tf.log(tf.add(tf.exp(z), this.varMin)) as tf.Tensor2D) : z;
    return { mean: this.meanLin.apply(x), logvar };
  }

  /** Both linears fused into one [in, 2·out] matrix (one matmul per controller step). */
  fused(): { W: tf.Tensor2D; b: tf.Tensor2D } {
    return {
      W: tf.concat([this.meanLin.W, this.logvarLin.W], 1) as tf.Tensor2D,
      b: tf.concat([this.meanLin.b!, this.logvarLin.b!], 1) as tf.Tensor2D,
    };
  }
}

/** KL(q‖p) of diagonal Gaussians, summed over dimensions → [B]. p may be [1, I] (broadcast). */
export function klGaussians(q: Gaussian, p: Gaussian): tf.Tensor1D {
  const d = tf.sub(q.mean, p.mean);
  const terms = tf.add(tf.sub(p.logvar, q.logvar), tf.add(tf.exp(tf.sub(q.logvar, p.logvar)), tf.mul(tf.square(d), tf.exp(tf.neg(p.logvar)))));
  return tf.mul(0.5, tf.sum(tf.sub(terms, 1), 1)) as tf.Tensor1D;
}

export interface Ar1Params {
  /** log of the per-step noise variance σ_e², [1, U]. */
  logevar: tf.Tensor2D;
  /** φ = exp(−1/τ), [1, U]. */
  phi: tf.Tensor2D;
  /** log of the stationary variance σ_e²/(1 − φ²), [1, U]. */
  logpvar: tf.Tensor2D;
}

export class Ar1Prior {
  readonly logevars: tf.Variable;
  readonly logatau: tf.Variable;

  constructor(store: ParamStore, dim: number, atau: number, nvar: number, trainAtau: boolean, trainNvar: boolean) {
    this.logevars = store.add("LFADS/z/u_prior_ar1/logevars", [1, dim], new Float32Array(dim).fill(Math.log(nvar)), { trainable: trainNvar });
    this.logatau = store.add("LFADS/z/u_prior_ar1/logatau", [1, dim], new Float32Array(dim).fill(Math.log(atau)), { trainable: trainAtau });
  }

  params(): Ar1Params {
    const phi = tf.exp(tf.neg(tf.exp(tf.neg(this.logatau)))) as tf.Tensor2D;
    const logpvar = tf.sub(this.logevars, tf.log(tf.sub(1, tf.square(phi)))) as tf.Tensor2D;
    return { logevar: this.logevars as tf.Tensor2D, phi, logpvar };
  }

  /** log p(u) per element [B,T,U]: u_0 ~ N(0, pvar), u_t | u_{t−1} ~ N(φ·u_{t−1}, evar). */
  logProb(u: tf.Tensor3D): tf.Tensor3D {
    const [B, T, U] = u.shape;
    const { logevar, phi, logpvar } = this.params();
    const first = gaussLogDensity(tf.slice(u, [0, 0, 0], [B, 1, U]), tf.zeros([B, 1, U]), logpvar);
    if (T === 1) return first as tf.Tensor3D;
    const prev = tf.slice(u, [0, 0, 0], [B, T - 1, U]);
    const rest = gaussLogDensity(tf.slice(u, [0, 1, 0], [B, T - 1, U]), tf.mul(prev, phi), logevar);
    return tf.concat([first, rest], 1) as tf.Tensor3D;
  }

  /** A prior sample path [B,T,U] from standard-normal noise [B,T,U] (TF `prior_sample`). */
  sample(eps: tf.Tensor3D): tf.Tensor3D {
    const [B, T, U] = eps.shape;
    const { logevar, phi, logpvar } = this.params();
    const steps = tf.unstack(eps, 1) as tf.Tensor2D[];
    const out: tf.Tensor2D[] = [];
    let u = tf.mul(steps[0]!, tf.exp(tf.mul(0.5, logpvar))) as tf.Tensor2D;
    out.push(u);
    const sd = tf.exp(tf.mul(0.5, logevar));
    for (let t = 1; t < T; t++) {
      u = tf.add(tf.mul(phi, u), tf.mul(sd, steps[t]!)) as tf.Tensor2D;
      out.push(u);
    }
    return tf.reshape(tf.stack(out, 1), [B, T, U]);
  }
}

/** Per-channel terms of the AR(1) log-density, computed once per call instead of per element. */
function ar1Constants(logevar: Float32Array, logpvar: Float32Array, U: number): { e0: Float64Array; p0: Float64Array; ive: Float64Array; ivp: Float64Array } {
  const e0 = new Float64Array(U), p0 = new Float64Array(U), ive = new Float64Array(U), ivp = new Float64Array(U);
  for (let j = 0; j < U; j++) {
    e0[j] = LOG_2PI + logevar[j]!;
    p0[j] = LOG_2PI + logpvar[j]!;
    ive[j] = Math.exp(-logevar[j]!);
    ivp[j] = Math.exp(-logpvar[j]!);
  }
  return { e0, p0, ive, ivp };
}

function gaussLogDensity(z: tf.Tensor, mean: tf.Tensor, logvar: tf.Tensor): tf.Tensor {
  return tf.mul(-0.5, tf.add(tf.add(LOG_2PI, logvar), tf.mul(tf.square(tf.sub(z, mean)), tf.exp(tf.neg(logvar)))));
}

/**
 * One-sample KL of the controller outputs against the AR(1) prior, summed over T and U → [B]:
 * Σ log q(u_t) − log p(u_t | u_{t−1}), with log q = −0.5(logvar + log 2π + ε²) for the noise ε that
 * produced u_t (the fixed, post-2019 TF version: the conditional uses the previous sample).
 */
export function klControllerOutputs(u: tf.Tensor3D, eps: tf.Tensor3D, logvar: tf.Tensor3D, prior: Ar1Prior): tf.Tensor1D {
  const logq = tf.mul(-0.5, tf.add(tf.add(logvar, LOG_2PI), tf.square(eps)));
  return tf.sum(tf.sub(logq, prior.logProb(u)), [1, 2]) as tf.Tensor1D;
}

/**
 * `klControllerOutputs` as one op with a hand-written gradient: plain loops over the [B,T,U] arrays
 * instead of ~20 tfjs ops (slices, pads, a concat and their gradients; ~15 ms of a controller
 * training step at B=150, T=500). `epsTBU` is the noise in its drawn [T,B,U] layout (absent: zeros,
 * the posterior mean); it is data. Gradients reach u, logvar and the prior's parameters.
 */
export function klControllerOutputsFused(u: tf.Tensor3D, epsTBU: tf.Tensor3D | undefined, logvar: tf.Tensor3D, prior: Ar1Prior): tf.Tensor1D {
  const [B, T, U] = u.shape;
  const { logevar, phi, logpvar } = prior.params();
  const [kl] = multiOutputOp([u, logvar, logevar, phi, logpvar], (ins, save) => {
    save([...ins]);
    const out = tensorsFilledBy([[B]], ([dst]) => {
      const [uv, lv, le, ph, lp] = ins.map(hostValues) as Float32Array[];
      const ev = epsTBU ? hostValues(epsTBU) : undefined;
      const c = ar1Constants(le!, lp!, U);
      for (let b = 0; b < B; b++) {
        let sum = 0;
        for (let t = 0; t < T; t++) {
          const o0 = (b * T + t) * U, e0 = (t * B + b) * U;
          for (let j = 0; j < U; j++) {
            const o = o0 + j;
            const e = ev ? ev[e0 + j]! : 0;
            const logq = -0.5 * (lv![o]! + LOG_2PI + e * e);
            // −log p: t = 0 against N(0, pvar), t ≥ 1 against N(φ·u_{t−1}, evar).
            const r = t === 0 ? uv![o]! : uv![o]! - ph![j]! * uv![o - U]!;
            sum += logq + 0.5 * ((t === 0 ? c.p0[j]! : c.e0[j]!) + r * r * (t === 0 ? c.ivp[j]! : c.ive[j]!));
          }
        }
        dst![b] = sum;
      }
    });
    const backward = ([dKl]: tf.Tensor[], saved: tf.Tensor[]): tf.Tensor[] =>
      tensorsFilledBy([[B, T, U], [B, T, U], [1, U], [1, U], [1, U]], ([du, dlv, dle, dph, dlp]) => {
        const [uv, , le, ph, lp] = saved.map(hostValues) as Float32Array[];
        const g = hostValues(dKl!);
        const { ive, ivp } = ar1Constants(le!, lp!, U);
        const sLe = new Float64Array(U), sPh = new Float64Array(U), sLp = new Float64Array(U);
        du!.fill(0);
        for (let b = 0; b < B; b++) {
          const gb = g[b]!;
          const o0 = b * T * U;
          dlv!.fill(-0.5 * gb, o0, o0 + T * U);
          // −log p: t = 0 against N(0, pvar), t ≥ 1 against N(φ·u_{t−1}, evar).
          for (let j = 0; j < U; j++) {
            const o = o0 + j, iv = ivp[j]!;
            du![o] = du![o]! + gb * uv![o]! * iv;
            sLp[j] += gb * 0.5 * (1 - uv![o]! * uv![o]! * iv);
          }
          for (let t = 1; t < T; t++) {
            for (let j = 0; j < U; j++) {
              const o = o0 + t * U + j, iv = ive[j]!, p = ph![j]!;
              const r = uv![o]! - p * uv![o - U]!;
              du![o] = du![o]! + gb * r * iv;
              du![o - U] = du![o - U]! - gb * p * r * iv;
              sLe[j] += gb * 0.5 * (1 - r * r * iv);
              sPh[j] -= gb * r * uv![o - U]! * iv;
            }
          }
        }
        dle!.set(sLe);
        dph!.set(sPh);
        dlp!.set(sLp);
      });
    return { outputs: out, backward };
  });
  return kl as tf.Tensor1D;
}