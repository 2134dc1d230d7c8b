/**
 * Decoder: controller (optional) + generator + factors. Without a controller the generator is a
 * single `gruRecurrence` whose input projection is the bias (or the injected external inputs), and
 * factors are one batched matmul after the loop. With a controller, controller and generator are
 * coupled at every step (u_t drives s_t, f_{t−1} feeds the controller): that loop runs as one fused
 * op (coupled-decoder.ts) where an implementation is installed (the wasm kernels on the wasm and cpu
 * backends), else op by op (the reference), with every batched part (encoder inputs, external
 * inputs, masks, noise) prepared outside it. Both draw the same dropout masks in the same order.
 * With `deferFactors` (a fused Poisson read-out, poisson-readout.ts) the no-controller path leaves the
 * factors stage to the caller.
 */
import * as tf from "@tensorflow/tfjs";
import { feedbackDim, reconStepsOf, type LfadsConfig } from "./config.js";
import { activeCoupledDecoder, coupledDecoderOp, type CoupledDecoderImpl } from "./ops/coupled-decoder.js";
import { GenGru } from "./gru-cell.js";
import { hostValues } from "./ops/host-tensors.js";
import { forgetBias3, gruRecurrenceInput, gruStep } from "./ops/gru-recurrence.js";
import { Linear } from "./linear.js";
import type { ParamStore } from "./params.js";
import type { FactorsSource } from "./ops/poisson-readout.js";
import { Ar1Prior, DiagGaussianFromInput } from "./priors.js";
import type { Readout } from "./readin-readout.js";

/**
 * Elementwise dropout with masks from the model's noise source (`noDropout` when keep_prob = 1).
 * `mask(n)` draws the n multipliers that applying it to n values would draw, as a plain array;
 * `maskInto(out)` the same into `out`.
 */
export type Dropout = (<T extends tf.Tensor>(x: T) => T) & { readonly mask?: (n: number) => Float32Array; readonly maskInto?: (out: Float32Array) => void };

/** The dropout of keep_prob = 1: so that the fused decoder can tell that there are no masks to draw. */
export const noDropout: Dropout = (x) => x;

/** [T,B,U] values → a new [B,T,U] array. */
function batchMajor(tbu: Float32Array, T: number, B: number, U: number): Float32Array {
  const out = new Float32Array(tbu.length);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let j = 0; j < U; j++) out[(b * T + t) * U + j] = tbu[(t * B + b) * U + j]!;
  return out;
}

/** `dropout`'s masks as an in-place filler (undefined for `noDropout`): each call draws the next mask. */
function maskFill(dropout: Dropout): ((out: Float32Array) => void) | undefined {
  if (dropout === noDropout) return undefined;
  if (dropout.maskInto) return dropout.maskInto;
  return (out) => out.set(dropoutMask(dropout, [out.length])!);
}

/**
 * The multipliers `dropout` would apply to a tensor of `shape`, drawn now (the same draws, in the same
 * order, as `dropout(x)`); undefined for `noDropout`. For fused ops that take masks as data.
 */
export function dropoutMask(dropout: Dropout, shape: readonly number[]): Float32Array | undefined {
  if (dropout === noDropout) return undefined;
  if (dropout.mask) return dropout.mask(tf.util.sizeFromShape([...shape]));
  return tf.tidy(() => dropout(tf.ones([...shape])).dataSync() as Float32Array);
}

export type CoSource =
  | { kind: "posterior-sample"; eps: tf.Tensor3D } // [T,B,U] standard normal
  | { kind: "posterior-mean" }
  | { kind: "prior"; samples: tf.Tensor3D }; // [T,B,U] AR(1) prior path

export interface DecoderInputs {
  /** s_{−1} [B,G]. */
  genIc: tf.Tensor2D;
  /** The CI encoder's forward states cf [B,T,H_ci] (T = T_rec, zero-padded over forward steps); with a controller only. It reads cf_{t−lag}. */
  cf?: tf.Tensor3D;
  /** Its reverse states cb [B,T,H_ci], read as cb_{t+lag}; absent for a causal controller. */
  cb?: tf.Tensor3D;
  /** Dropped-out external inputs for the generator [B,T,X], when injected there. */
  extGen?: tf.Tensor3D;
  co?: CoSource;
  readout: Readout;
  dropout: Dropout;
  /** Whether the controller states are wanted (default true); training needs none of them. */
  conStates?: boolean;
  /**
   * The caller computes the factors itself (a fused read-out): the no-controller path then returns
   * `factorStage` instead of `factors`, with the dropout mask drawn where the factors would be.
   */
  deferFactors?: boolean;
}

export interface DecoderOutputs {
  genStates: tf.Tensor3D; // [B,T,G]
  /** [B,T,F]; absent only with `deferFactors`, when `factorStage` says how to compute them. */
  factors?: tf.Tensor3D;
  factorStage?: Extract<FactorsSource, { states: tf.Tensor3D }>;
  /** [B,T,C], unless the inputs said `conStates: false`. */
  conStates?: tf.Tensor3D;
  coMean?: tf.Tensor3D; // [B,T,U]
  coLogvar?: tf.Tensor3D;
  /** The u_t that drove the generator [B,T,U]. */
  co?: tf.Tensor3D;
}

export class Decoder {
  readonly generator: GenGru;
  readonly factors: Linear;
  readonly controller: GenGru | undefined;
  readonly conC0: tf.Variable | undefined;
  readonly coPosterior: DiagGaussianFromInput | undefined;
  readonly arPrior: Ar1Prior | undefined;

  constructor(store: ParamStore, readonly cfg: LfadsConfig, conInDim: number, genInDim: number) {
    if (cfg.coDim > 0) {
      this.conC0 = store.add("LFADS/con/c0", [1, cfg.conDim], new Float32Array(cfg.conDim));
      this.controller = new GenGru(store, "LFADS/con", conInDim, cfg.conDim, cfg.cellWeightScale, cfg.cellWeightScale, "con");
      this.coPosterior = new DiagGaussianFromInput(store, "LFADS/con/con_to_post_co", cfg.conDim, cfg.coDim, 0);
      this.arPrior = new Ar1Prior(store, cfg.coDim, cfg.priorArAtau, cfg.priorArNvar, cfg.doTrainPriorArAtau, cfg.doTrainPriorArNvar);
    }
    this.generator = new GenGru(store, "LFADS/gen", genInDim, cfg.genDim, cfg.genCellInputWeightScale, cfg.genCellRecWeightScale, "gen");
    this.factors = new Linear(store, "LFADS/gen/gen_2_fac", cfg.genDim, cfg.factorsDim, { bias: false, normalized: true });
  }

  run(inp: DecoderInputs): DecoderOutputs {
    if (!this.controller) return this.uncoupled(inp);
    const impl = activeCoupledDecoder();
    // The fused op covers fed-back factors (or nothing) and posterior u_t; rates feedback and prior paths stay composite.
    const fits = this.cfg.feedbackFactorsOrRates === "factors" || feedbackDim(this.cfg) === 0;
    return impl && fits && inp.co?.kind !== "prior" ? this.coupledFused(impl, inp) : this.coupled(inp);
  }

  /** f = dropout(s)·normcol(W_fac), batched over [B,T]. */
  private factorsOf(states: tf.Tensor3D, dropout: Dropout): tf.Tensor3D {
    return this.factors.apply3d(dropout(states));
  }

  private uncoupled(inp: DecoderInputs): DecoderOutputs {
    const gen = this.generator;
    const x = inp.extGen && gen.inDim > 0 ? inp.extGen : null;
    const { whRu, whC } = gen.recurrent();
    // The (data) external inputs need no gradient; the bias-only projection runs inside the op.
    const genStates = gruRecurrenceInput(x, x ? gen.inputWeights() : null, gen.bias(), inp.genIc, whRu, whC, reconStepsOf(this.cfg), { clip: this.cfg.cellClipValue, inputGrad: false });
    if (inp.deferFactors) {
      // The mask is drawn by the read-out op's forward, straight into the memory its kernels read.
      const fillMask = maskFill(inp.dropout);
      return { genStates, factorStage: { states: genStates, ...(fillMask ? { fillMask } : {}), facW: this.factors.weight() } };
    }
    return { genStates, factors: this.factorsOf(genStates, inp.dropout) };
  }

  /** The coupled loop as one fused op; inputs prepared exactly as `coupled` prepares them. */
  private coupledFused(impl: CoupledDecoderImpl, inp: DecoderInputs): DecoderOutputs {
    const cfg = this.cfg;
    const con = this.controller!;
    const gen = this.generator;
    const { B, G, T, C, U, fbDim, abDim, conW } = this.controllerDims(inp);
    // The masks are drawn when the kernels fill them, in the composite loop's order: ab, feedback, generator.
    const fill = maskFill(inp.dropout);
    const genW = gen.inputWeights();
    const rest = inp.extGen
      ? tf.reshape(tf.add(tf.matMul(tf.reshape(inp.extGen, [B * T, gen.inDim - U]), tf.slice(genW, [U, 0], [gen.inDim - U, 3 * G])), gen.bias()), [B, T, 3 * G])
      : tf.reshape(gen.bias(), [1, 3 * G]);
    const post = this.coPosterior!.fused();
    const eps = inp.co?.kind === "posterior-sample" ? batchMajor(hostValues(inp.co.eps), T, B, U) : undefined;
    const cw = con.recurrent();
    const gw = gen.recurrent();
    const out = coupledDecoderOp(
      impl,
      {
        cf: inp.cf!,
        ...(inp.cb ? { cb: inp.cb } : {}),
        abW: tf.slice(conW, [0, 0], [abDim, 3 * C]),
        abB: tf.reshape(con.bias(), [1, 3 * C]),
        rest,
        // Broadcast by an add, not tf.tile: Tile's gradient is one Slice and one Add per row (as in encoder.ts).
        k0: tf.add(tf.zeros([B, C]), this.conC0!) as tf.Tensor2D,
        s0: inp.genIc,
        conWhRU: cw.whRu,
        conWhC: cw.whC,
        genWhRU: gw.whRu,
        genWhC: gw.whC,
        postW: post.W,
        postB: post.b,
        genWu: tf.slice(genW, [0, 0], [U, 3 * G]),
        facW: this.factors.weight(),
        ...(fbDim > 0 ? { fbW: tf.slice(conW, [abDim, 0], [fbDim, 3 * C]) } : {}),
      },
      { ...(eps ? { eps } : {}), lag: cfg.controllerInputLag, ...(fill ? { abMask: fill, ...(fbDim > 0 ? { fbMask: fill } : {}), genMask: fill } : {}) },
      { batch: B, time: T, con: C, gen: G, co: U, factors: cfg.factorsDim, feedback: fbDim > 0, clip: cfg.cellClipValue },
      inp.conStates ?? true,
    );
    return out;
  }

  /** Sizes and the controller's input weights [abDim + fbDim, 3C]. */
  private controllerDims(inp: DecoderInputs): { B: number; G: number; T: number; C: number; U: number; fbDim: number; abDim: number; conW: tf.Tensor2D } {
    const cfg = this.cfg;
    const [B, G] = inp.genIc.shape;
    const fbDim = feedbackDim(cfg);
    return { B, G, T: reconStepsOf(cfg), C: cfg.conDim, U: cfg.coDim, fbDim, abDim: this.controller!.inDim - fbDim, conW: this.controller!.inputWeights() };
  }

  /**
   * The encoder part of the controller's input, [cf_{t−lag}, cb_{t+lag}] (zeros where the lagged step
   * falls outside [0, T)), dropped out: the first mask either coupled path draws.
   */
  private controllerInput(inp: DecoderInputs): tf.Tensor3D {
    const lag = this.cfg.controllerInputLag;
    const shift = (x: tf.Tensor3D, forward: boolean): tf.Tensor3D => {
      const [B, T, H] = x.shape;
      if (lag === 0) return x;
      if (lag >= T) return tf.zeros([B, T, H]);
      const z = tf.zeros([B, lag, H]);
      return (forward ? tf.concat([z, tf.slice(x, [0, 0, 0], [B, T - lag, H])], 1) : tf.concat([tf.slice(x, [0, lag, 0], [B, T - lag, H]), z], 1)) as tf.Tensor3D;
    };
    const cf = shift(inp.cf!, true);
    return inp.dropout(inp.cb ? (tf.concat([cf, shift(inp.cb, false)], 2) as tf.Tensor3D) : cf);
  }

  private coupled(inp: DecoderInputs): DecoderOutputs {
    const cfg = this.cfg;
    const con = this.controller!;
    const gen = this.generator;
    const { B, G, T, C, U, fbDim, abDim, conW } = this.controllerDims(inp);
    const ab = this.controllerInput(inp);
    const timeMajor = (x: tf.Tensor3D): tf.Tensor2D[] => tf.unstack(tf.transpose(x, [1, 0, 2])) as tf.Tensor2D[];

    // Controller input: the encoder part is projected for all steps at once.
    // Biases and the +1 forget bias are folded into the batched projections.
    const conBias = tf.add(con.bias(), forgetBias3(C));
    const abProj = timeMajor(tf.reshape(tf.add(tf.matMul(tf.reshape(ab, [B * T, abDim]), tf.slice(conW, [0, 0], [abDim, 3 * C])), conBias), [B, T, 3 * C]));
    const fbW = fbDim > 0 ? tf.slice(conW, [abDim, 0], [fbDim, 3 * C]) : undefined;
    const fbMask = fbDim > 0 ? timeMajor(inp.dropout(tf.ones([B, T, fbDim])) as tf.Tensor3D) : undefined;

    // Generator input projection: u_t·Wx_u per step, the external-input part and the bias batched.
    const genW = gen.inputWeights(); // [U (+X), 3G]
    const genWu = tf.slice(genW, [0, 0], [U, 3 * G]);
    const genBias = tf.add(gen.bias(), forgetBias3(G));
    const genRest = timeMajor(
      inp.extGen
        ? tf.reshape(tf.add(tf.matMul(tf.reshape(inp.extGen, [B * T, gen.inDim - U]), tf.slice(genW, [U, 0], [gen.inDim - U, 3 * G])), genBias), [B, T, 3 * G])
        : (tf.add(tf.zeros([B, T, 3 * G]), tf.reshape(genBias, [1, 1, 3 * G])) as tf.Tensor3D),
    );
    const genMask = timeMajor(inp.dropout(tf.ones([B, T, G])) as tf.Tensor3D);
    const facW = this.factors.weight();
    const post = this.coPosterior!.fused();
    const co = inp.co ?? { kind: "posterior-mean" };
    const eps = co.kind === "posterior-sample" ? (tf.unstack(co.eps) as tf.Tensor2D[]) : undefined;
    const priorU = co.kind === "prior" ? (tf.unstack(co.samples) as tf.Tensor2D[]) : undefined;
    const fbOf = (f: tf.Tensor2D, clip: boolean): tf.Tensor2D =>
      cfg.feedbackFactorsOrRates === "factors" ? f : inp.readout.feedback(f, clip);

    const cw = con.recurrent();
    const gw = gen.recurrent();
    let k = tf.tile(this.conC0!, [B, 1]) as tf.Tensor2D;
    let s = inp.genIc;
    // f_{−1} comes from the undropped initial state; its rates are not clipped (TF).
    let fb = fbDim > 0 ? fbOf(tf.matMul(s, facW), false) : undefined;
    const out = { k: [] as tf.Tensor2D[], s: [] as tf.Tensor2D[], f: [] as tf.Tensor2D[], mean: [] as tf.Tensor2D[], logvar: [] as tf.Tensor2D[], u: [] as tf.Tensor2D[] };
    for (let t = 0; t < T; t++) {
      const xc = fb ? tf.add(abProj[t]!, tf.matMul(tf.mul(fb, fbMask![t]!), fbW!)) : abProj[t]!;
      const [xcRu, xcC] = tf.split(xc, [2 * C, C], 1) as [tf.Tensor2D, tf.Tensor2D];
      k = gruStep(xcRu, xcC, k, cw.whRu, cw.whC, cfg.cellClipValue).h;
      const [mean, logvar] = tf.split(tf.add(tf.matMul(k, post.W), post.b), [U, U], 1) as [tf.Tensor2D, tf.Tensor2D];
      const u = eps ? (tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps[t]!)) as tf.Tensor2D) : priorU ? priorU[t]! : mean;
      const xg = tf.add(genRest[t]!, tf.matMul(u, genWu));
      const [xgRu, xgC] = tf.split(xg, [2 * G, G], 1) as [tf.Tensor2D, tf.Tensor2D];
      s = gruStep(xgRu, xgC, s, gw.whRu, gw.whC, cfg.cellClipValue).h;
      const f = tf.matMul(tf.mul(s, genMask[t]!), facW) as tf.Tensor2D;
      if (fbDim > 0) fb = fbOf(f, true);
      out.k.push(k);
      out.s.push(s);
      out.f.push(f);
      out.mean.push(mean);
      out.logvar.push(logvar);
      out.u.push(u);
    }
    const stack = (xs: tf.Tensor2D[]): tf.Tensor3D => tf.stack(xs, 1) as tf.Tensor3D;
    return { genStates: stack(out.s), factors: stack(out.f), conStates: stack(out.k), coMean: stack(out.mean), coLogvar: stack(out.logvar), co: stack(out.u) };
  }
}
