/**
 * The LFADS model (TF original, `lfads.py`): read-in → IC encoder → g0 posterior → (CI encoder →
 * controller) → generator → factors → read-out → observation model, plus the cost terms.
 * Blocks live in their own files; this class wires them and owns the variables (TF names).
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { controllerInputDim, encoderInputDim, generatorInputDim, reconNeuronsOf, reconStepsOf, validateConfig, type LfadsConfig } from "./config.js";
import { padLaggedSteps, padSteps } from "./forward-steps.js";
import { rowPicker } from "./row-picker.js";
import { activeCoupledDecoder } from "./ops/coupled-decoder.js";
import { Decoder, noDropout, type CoSource, type DecoderOutputs, type Dropout } from "./decoder.js";
import { BidirectionalEncoder } from "./encoder.js";
import { tensorsFilledBy } from "./ops/host-tensors.js";
import { Linear } from "./linear.js";
import type { NoiseSource } from "./noise.js";
import type { ObservationModel } from "./observation/observation-model.js";
import { observationModel } from "./observation/registry.js";
import { ParamStore, type ParamInfo, type WeightMap, type WeightValue } from "./params.js";
import { activePoissonReadout, poissonReadoutOp, type PoissonReadoutImpl } from "./ops/poisson-readout.js";
import { DiagGaussianFromInput, IcPrior, klControllerOutputs, klControllerOutputsFused, klGaussians, type Gaussian } from "./priors.js";
import { Readin, Readout } from "./readin-readout.js";
import { pickWeightRows, weightedLogLik, type LikelihoodWeights } from "./likelihood-weights.js";

/**
 * One batch, all trials from one dataset. The likelihood's target is `recon` where given, else `data`;
 * `lgammaSum`, `weights` and `lgammaHeldOut` are over the target's elements.
 */
export interface LfadsBatch {
  datasetIndex: number;
  /** Observations [B,T,N_d] (spike counts as float32 for Poisson): what the encoders read (T = numSteps). */
  data: tf.Tensor3D;
  /**
   * The reconstruction target [B,T_rec,N_rec] when the read-out reconstructs more than the encoders read
   * (lfads-torch's recon_data): `data`'s neurons then the held-out ones, `data`'s bins then the forward
   * bins. Required when the model has held-out neurons or forward bins; absent: the target is `data`.
   */
  recon?: tf.Tensor3D;
  /** External inputs [B,T,X] when c_ext_input_dim > 0 (over the observed bins; zero over forward bins). */
  extInput?: tf.Tensor3D;
  /** Σ_{t,n} lgamma(x+1) per trial [B] of the target (Poisson; see `lgammaRowSums`), weighted as `weights.value` where given. Treated as 0 when absent. */
  lgammaSum?: Float32Array;
  /**
   * What the encoders read instead of `data` [B,T,N] (coordinated dropout, sample validation: the data
   * with some elements zeroed and the rest scaled up); `data` (or `recon`) stays the likelihood's target.
   */
  encoderData?: tf.Tensor3D;
  /** Per-element weights of the log-likelihood over the target [B,T_rec,N_rec] (likelihood-weights.ts); absent: every element counts once. */
  weights?: LikelihoodWeights;
  /** Σ_{t,n} heldOut·lgamma(x+1) per trial [B], with `weights.heldOut`. */
  lgammaHeldOut?: Float32Array;
}

export interface ForwardOptions {
  /** Dropout keep probability: c_keep_prob when training, 1 for evaluation and sampling (default 1). */
  keepProb?: number;
  /** "sample": draw g0 and u_t from their posteriors (train, posterior_sample_and_average); "mean": push the means. */
  latents?: "sample" | "mean";
  noise: NoiseSource;
  /** Also return factors, rates, states and latent statistics (default false). */
  outputs?: boolean;
}

/**
 * The encoders' part of a forward pass (`LfadsModel.encode`), one row per trial: what `decode` needs
 * besides the noise. At keep_prob 1 it depends on the data alone.
 */
export interface LfadsEncoding {
  datasetIndex: number;
  /** The likelihood's targets [B,T_rec,N_rec]: the batch's `recon`, else its `data`. */
  data: tf.Tensor3D;
  lgammaSum?: Float32Array;
  weights?: LikelihoodWeights;
  lgammaHeldOut?: Float32Array;
  /** Dropped-out external inputs for the generator [B,T,X], when injected there. */
  extGen?: tf.Tensor3D;
  /** g0 posterior [B,I] and prior [1,I] (c_ic_dim > 0). */
  post?: Gaussian;
  prior?: Gaussian;
  /** CI encoder states cf / cb [B,T,H_ci], not yet lagged (c_co_dim > 0; cb absent for a causal controller). */
  cf?: tf.Tensor3D;
  cb?: tf.Tensor3D;
}

export interface DecodeOptions extends ForwardOptions {
  /** Encoding row of each decoded row (default: one decoded row per encoding row). */
  rows?: Int32Array;
}

/** Model outputs per trial, TF `write_model_runs` quantities, batch-major. */
export interface LfadsOutputs {
  factors: tf.Tensor3D; // [B,T,F]
  genStates: tf.Tensor3D; // [B,T,G]
  genIcs: tf.Tensor2D; // [B,G] s_{−1}
  /** Poisson rates (counts/bin) [B,T,N] or Gaussian means ‖ variances [B,T,2N] (T = T_rec, N = N_rec). */
  outputDistParams: tf.Tensor3D;
  controllerOutputs?: tf.Tensor3D; // [B,T,U]
  conStates?: tf.Tensor3D; // [B,T,C]
  coMeans?: tf.Tensor3D;
  coLogvars?: tf.Tensor3D;
  postG0Mean?: tf.Tensor2D; // [B,I]
  postG0Logvar?: tf.Tensor2D;
  priorG0Mean?: tf.Tensor2D; // [1,I]
  priorG0Logvar?: tf.Tensor2D;
}

export interface LfadsForward {
  /** log p(x|z) per trial [B] (nats, summed over T and N; each element weighted by `weights.value` where given). */
  logLik: tf.Tensor1D;
  /** The held-out elements' log-likelihood per trial [B] (weighted by `weights.heldOut`, no gradient), where given. */
  logLikHeldOut?: tf.Tensor1D;
  /** KL(q(g0)‖p(g0)) per trial [B], without kl_ic_weight (zeros when c_ic_dim = 0). */
  klIc: tf.Tensor1D;
  /** One-sample KL of the controller outputs per trial [B], without kl_co_weight (zeros when c_co_dim = 0). */
  klCo: tf.Tensor1D;
  /** Inferred-input mean correlation cost (0 unless c_co_mean_corr_scale > 0 and c_co_dim ≥ 2). */
  corr: tf.Scalar;
  outputs?: LfadsOutputs;
}

/** Dropout with masks from `noise` (identity at keep probability 1); `mask`/`maskInto` draw the same masks as plain arrays. */
function makeDropout(keep: number, noise: NoiseSource): Dropout {
  if (keep >= 1) return noDropout;
  const maskInto = (out: Float32Array): void => {
    const drawn = noise.dropoutMask(out.length, keep, out);
    if (drawn !== out) out.set(drawn);
  };
  // The mask is drawn straight into its tensor's memory (host-tensors.ts): no array to copy in.
  const maskTensor = (shape: number[]): tf.Tensor => tensorsFilledBy([shape], ([m]) => maskInto(m!))[0]!;
  const apply = <X extends tf.Tensor>(x: X): X => tf.mul(x, maskTensor(x.shape)) as X;
  return Object.assign(apply, { mask: (n: number) => noise.dropoutMask(n, keep), maskInto });
}

export interface LfadsModelOptions {
  /** Seed of the initialisation (default 0). */
  seed?: number;
}

export class LfadsModel {
  readonly store: ParamStore;
  /** The observation model, from c_output_dist. */
  readonly observation: ObservationModel;
  private readonly readins: Readin[];
  private readonly readouts: Readout[];
  private readonly icEncoder: BidirectionalEncoder | undefined;
  private readonly ciEncoder: BidirectionalEncoder | undefined;
  private readonly icPrior: IcPrior | undefined;
  private readonly icPosterior: DiagGaussianFromInput | undefined;
  private readonly g0ToGen: Linear | undefined;
  private readonly genG0: tf.Variable | undefined;
  private readonly decoder: Decoder;

  constructor(readonly config: LfadsConfig, opts: LfadsModelOptions = {}) {
    validateConfig(config);
    const c = config;
    this.store = new ParamStore(new Rng(opts.seed ?? 0));
    this.observation = observationModel(c.outputDist);
    const s = this.store;
    const din = encoderInputDim(c);
    this.readins = c.datasets.map((d) => new Readin(s, c, d));
    if (c.icDim > 0) {
      this.icEncoder = new BidirectionalEncoder(s, "ic", din, c.icEncDim, c.cellWeightScale, c.cellClipValue, true);
      this.icPrior = new IcPrior(s, c.icDim, c.icPriorVarMin, c.icPriorVarScale, c.icPriorVarMax);
      this.icPosterior = new DiagGaussianFromInput(s, "LFADS/z/ic_enc_2_post_g0", 2 * c.icEncDim, c.icDim, c.icPostVarMin);
      this.g0ToGen = c.icDim === c.genDim ? undefined : new Linear(s, "LFADS/gen/g0_2_gen_ic", c.icDim, c.genDim);
    } else {
      this.genG0 = s.add("LFADS/gen/g0", [1, c.genDim], new Float32Array(c.genDim));
    }
    if (c.coDim > 0) this.ciEncoder = new BidirectionalEncoder(s, "ci", din, c.ciEncDim, c.cellWeightScale, c.cellClipValue, !c.doCausalController);
    this.decoder = new Decoder(s, c, c.coDim > 0 ? controllerInputDim(c) : 0, generatorInputDim(c));
    this.readouts = c.datasets.map((d) => new Readout(s, c, d, this.observation));
  }

  /** Variables with their TF names, shapes and collections. */
  variables(): ParamInfo[] {
    return this.store.list();
  }

  /** Total number of values in all variables (TF's parameter count). */
  parameterCount(): number {
    return this.store.count();
  }

  /** Every variable as a plain array, keyed by TF name (e.g. "LFADS/gen/GenGRU/Gates/h_2_ru/W"). */
  exportWeights(): WeightMap {
    return this.store.exportWeights();
  }

  /** Assign weights by TF name; shapes must match exactly (see ParamStore.importWeights). */
  importWeights(weights: ReadonlyMap<string, WeightValue>, opts: { partial?: boolean } = {}): void {
    this.store.importWeights(weights, opts);
  }

  dispose(): void {
    this.store.dispose();
  }

  private checkBatch(b: LfadsBatch): void {
    const c = this.config;
    const ds = c.datasets[b.datasetIndex];
    if (!ds) throw new ShapeError(`batch.datasetIndex ${b.datasetIndex} is out of range (the model has ${c.datasets.length} datasets)`);
    const [B, T, N] = b.data.shape;
    if (b.data.rank !== 3 || T !== c.numSteps || N !== ds.numNeurons) {
      throw new ShapeError(`batch data for dataset '${ds.name}' has shape [${b.data.shape.join(", ")}], expected [B, ${c.numSteps}, ${ds.numNeurons}] (trials × time bins × neurons)`);
    }
    if (c.extInputDim > 0) {
      const e = b.extInput;
      if (!e || e.shape[0] !== B || e.shape[1] !== T || e.shape[2] !== c.extInputDim) {
        throw new ShapeError(`external inputs for dataset '${ds.name}' have shape [${e ? e.shape.join(", ") : "none"}], expected [${B}, ${T}, ${c.extInputDim}] (c_ext_input_dim)`);
      }
    }
    if (b.lgammaSum && b.lgammaSum.length !== B) throw new ShapeError(`lgammaSum has ${b.lgammaSum.length} values for a batch of ${B} trials`);
    if (b.lgammaHeldOut && b.lgammaHeldOut.length !== B) throw new ShapeError(`lgammaHeldOut has ${b.lgammaHeldOut.length} values for a batch of ${B} trials`);
    if (b.encoderData && b.encoderData.shape.join() !== b.data.shape.join()) {
      throw new ShapeError(`encoderData for dataset '${ds.name}' has shape [${b.encoderData.shape.join(", ")}], expected the data's [${b.data.shape.join(", ")}]`);
    }
    const [Tr, Nr] = [reconStepsOf(c), reconNeuronsOf(ds)];
    const r = b.recon;
    if (r ? r.rank !== 3 || r.shape[0] !== B || r.shape[1] !== Tr || r.shape[2] !== Nr : Tr !== T || Nr !== N) {
      throw new ShapeError(
        `recon data for dataset '${ds.name}' has shape [${r ? r.shape.join(", ") : "none"}], expected [${B}, ${Tr}, ${Nr}] (trials × ${Tr} bins: ${T} observed + ${Tr - T} forward × ${Nr} neurons: ${N} held-in + ${Nr - N} held-out)`,
      );
    }
    for (const [name, w] of Object.entries(b.weights ?? {})) {
      if (w && w.length !== B * Tr * Nr) throw new ShapeError(`weights.${name} has ${w.length} values, expected ${B * Tr * Nr} (one per element of the target [${B}, ${Tr}, ${Nr}])`);
    }
  }

  /**
   * Run the model on a batch: log-likelihood, KL terms and (optionally) all outputs. Call inside tf.tidy.
   * The same as `decode(encode(batch, opts), opts)`: the noise source is asked for the same draws in the
   * same order (dropout of the inputs and of the g0 posterior's input, then the g0 draw, the controller
   * noise, the decoder's dropout).
   */
  forward(batch: LfadsBatch, opts: ForwardOptions): LfadsForward {
    return this.decode(this.encode(batch, opts), opts);
  }

  /**
   * The encoder part of `forward`: read-in, IC encoder → g0 posterior (and prior), CI encoder → lagged
   * controller inputs, one row per trial. It draws no noise but dropout masks (none at keep_prob 1), so at
   * keep_prob 1 it is a function of the data alone and can be computed once per trial and decoded many
   * times (`decode` with `rows`). Call inside tf.tidy.
   */
  encode(batch: LfadsBatch, opts: { keepProb?: number; noise: NoiseSource }): LfadsEncoding {
    this.checkBatch(batch);
    const c = this.config;
    const B = batch.data.shape[0];
    const T = c.numSteps;
    const dropout = makeDropout(opts.keepProb ?? 1, opts.noise);
    const extDo = batch.extInput ? dropout(batch.extInput) : undefined;
    const readin = this.readins[batch.datasetIndex]!;
    let e = readin.apply(dropout(batch.encoderData ?? batch.data));
    // e needs a gradient only through a trainable read-in (otherwise it is data).
    const encOpts = { inputGrad: readin.linear?.W.trainable === true };
    if (extDo && !c.injectExtInputToGen) e = tf.concat([e, extDo], 2);
    const out: LfadsEncoding = { datasetIndex: batch.datasetIndex, data: batch.recon ?? batch.data };
    if (batch.lgammaSum) out.lgammaSum = batch.lgammaSum;
    if (batch.weights) out.weights = batch.weights;
    if (batch.lgammaHeldOut) out.lgammaHeldOut = batch.lgammaHeldOut;
    if (extDo && c.injectExtInputToGen) out.extGen = extDo;

    // g0 posterior from the IC encoder's last states.
    if (this.icEncoder) {
      const K = c.numStepsForGenIc;
      const enc = this.icEncoder.encodeFinal(K < T ? tf.slice(e, [0, 0, 0], [B, K, e.shape[2]]) : e, encOpts);
      out.post = this.icPosterior!.apply(dropout(tf.concat([enc.fwd, enc.rev!], 1) as tf.Tensor2D));
      out.prior = this.icPrior!.params();
    }

    // Controller inputs (the decoder lags them: cf_{t−lag}, cb_{t+lag}).
    if (this.ciEncoder) {
      const enc = this.ciEncoder.encode(e, encOpts);
      out.cf = enc.fwd;
      if (enc.rev) out.cb = enc.rev;
    }
    return out;
  }

  /**
   * The decoder part of `forward` on an encoding: g0 (sampled or the posterior mean) → generator (with
   * the controller) → factors → rates, log-likelihood and KL terms. `opts.rows` decodes encoding row
   * `rows[r]` as row r (e.g. every trial repeated once per posterior sample); default one row per
   * encoding row. Call inside tf.tidy.
   */
  decode(enc: LfadsEncoding, opts: DecodeOptions): LfadsForward {
    const c = this.config;
    const rows = opts.rows;
    const E = enc.data.shape[0];
    if (rows?.some((r) => !(r >= 0 && r < E))) throw new ShapeError(`decode: rows must be encoding rows 0 … ${E - 1}`);
    const B = rows ? rows.length : E;
    // The generator runs T_rec steps; the encoders' sequences (T_obs) are zero over the forward steps.
    const T = reconStepsOf(c);
    const sample = (opts.latents ?? "sample") === "sample";
    const noise = opts.noise;
    const dropout = makeDropout(opts.keepProb ?? 1, noise);
    const pick = rowPicker(rows, E);
    const extGen = enc.extGen ? padSteps(pick(enc.extGen), T) : undefined;

    // Initial condition g0 → s_{-1}.
    let genIc: tf.Tensor2D;
    let klIc: tf.Tensor1D;
    let post: Gaussian | undefined;
    const prior = enc.prior;
    if (enc.post && prior) {
      post = { mean: pick(enc.post.mean), logvar: pick(enc.post.logvar) };
      const g0 = sample ? (tf.add(post.mean, tf.mul(tf.exp(tf.mul(0.5, post.logvar)), tf.tensor2d(noise.normal(B * c.icDim), [B, c.icDim]))) as tf.Tensor2D) : post.mean;
      genIc = this.g0ToGen ? this.g0ToGen.apply(g0) : g0;
      klIc = klGaussians(post, prior);
    } else {
      genIc = tf.tile(this.genG0!, [B, 1]) as tf.Tensor2D;
      klIc = tf.zeros([B]);
    }

    let dec: DecoderOutputs;
    let eps: tf.Tensor3D | undefined;
    const readout = this.readouts[enc.datasetIndex]!;
    // The Poisson tail (the factors stage where the decoder defers it, the read-out, the likelihood) as
    // one fused op where an implementation is active; the identity read-out and other models stay composite.
    const fused = this.observation.fusedPoissonReadout && readout.linear ? activePoissonReadout() : null;
    const deferFactors = fused !== null;
    if (this.ciEncoder) {
      let co: CoSource = { kind: "posterior-mean" };
      if (sample) {
        eps = tf.tensor3d(noise.normal(T * B * c.coDim), [T, B, c.coDim]);
        co = { kind: "posterior-sample", eps };
      }
      const cb = enc.cb ? padSteps(pick(enc.cb), T) : undefined;
      dec = this.decoder.run({ genIc, cf: padLaggedSteps(pick(enc.cf!), T, c.controllerInputLag), ...(cb ? { cb } : {}), ...(extGen ? { extGen } : {}), co, readout, dropout, conStates: opts.outputs ?? false, deferFactors });
    } else {
      dec = this.decoder.run({ genIc, ...(extGen ? { extGen } : {}), readout, dropout, deferFactors });
    }

    const { logLik, heldOut, factors, raw } = this.likelihood(enc, rows, dec, fused, readout, opts.outputs === true);
    let klCo: tf.Tensor1D = tf.zeros([B]);
    if (this.decoder.arPrior && activeCoupledDecoder()) {
      // With the fused decoder, the KL term is one op too (the composite below stays the reference).
      klCo = klControllerOutputsFused(dec.co!, eps, dec.coLogvar!, this.decoder.arPrior);
    } else if (this.decoder.arPrior) {
      const epsBTU = eps ? (tf.transpose(eps, [1, 0, 2]) as tf.Tensor3D) : tf.zeros([B, T, c.coDim]);
      klCo = klControllerOutputs(dec.co!, epsBTU as tf.Tensor3D, dec.coLogvar!, this.decoder.arPrior);
    }
    const corr = c.coMeanCorrScale > 0 && dec.coMean ? coMeanCorrCost(dec.coMean) : tf.scalar(0);
    const result: LfadsForward = { logLik, klIc, klCo, corr, ...(heldOut ? { logLikHeldOut: heldOut } : {}) };
    if (opts.outputs) result.outputs = this.collect(dec, factors!, genIc, raw!, post, prior);
    return result;
  }

  /**
   * The read-out and the log-likelihood of decoded rows `rows` of `enc` (the fused op where `fused`),
   * each element weighted where the encoding has likelihood weights; the factors and raw read-out too.
   */
  private likelihood(enc: LfadsEncoding, rows: Int32Array | undefined, dec: DecoderOutputs, fused: PoissonReadoutImpl | null, readout: Readout, outputs: boolean) {
    const c = this.config;
    const data = rowPicker(rows, enc.data.shape[0])(enc.data);
    const [B, T] = data.shape;
    const pickB = (a: Float32Array | undefined): Float32Array | undefined => (a && rows ? Float32Array.from(rows, (r) => a[r]!) : a);
    const lgammaSum = pickB(enc.lgammaSum);
    const lgammaHeldOut = pickB(enc.lgammaHeldOut);
    const weights = enc.weights && rows ? pickWeightRows(enc.weights, rows, T * data.shape[2]) : enc.weights;
    const lg = lgammaSum ? tf.tensor1d(lgammaSum) : undefined;
    let factors = dec.factors;
    let raw: tf.Tensor3D | undefined;
    let logLik: tf.Tensor1D;
    let heldOut: tf.Tensor1D | undefined;
    if (fused) {
      const lin = readout.linear!;
      const r = poissonReadoutOp(fused, data, dec.factorStage ?? { factors: dec.factors! }, lin.weight(), lin.b!, { factors: outputs, logRates: outputs }, weights);
      logLik = lg ? tf.sub(r.logLik, lg) : r.logLik;
      heldOut = r.heldOutLogLik;
      factors ??= r.factors;
      raw = r.logRates;
    } else {
      raw = tf.reshape(readout.apply(tf.reshape(dec.factors!, [B * T, c.factorsDim])), [B, T, -1]) as tf.Tensor3D;
      if (weights) {
        const w = weightedLogLik(this.observation.elementLogLikelihood(raw, data), weights);
        logLik = lg ? tf.sub(w.logLik, lg) : w.logLik;
        heldOut = w.heldOut;
      } else logLik = this.observation.logLikelihood(raw, data, lg);
    }
    if (heldOut && lgammaHeldOut) heldOut = tf.sub(heldOut, tf.tensor1d(lgammaHeldOut)) as tf.Tensor1D;
    return { logLik, heldOut, factors, raw };
  }

  private collect(dec: DecoderOutputs, factors: tf.Tensor3D, genIc: tf.Tensor2D, raw: tf.Tensor3D, post: Gaussian | undefined, prior: Gaussian | undefined): LfadsOutputs {
    const o: LfadsOutputs = { factors, genStates: dec.genStates, genIcs: genIc, outputDistParams: this.observation.outputParams(raw) };
    if (dec.co) Object.assign(o, { controllerOutputs: dec.co, conStates: dec.conStates, coMeans: dec.coMean, coLogvars: dec.coLogvar });
    if (post && prior) Object.assign(o, { postG0Mean: post.mean, postG0Logvar: post.logvar, priorG0Mean: prior.mean, priorG0Logvar: prior.logvar });
    return o;
  }

  /**
   * Generate trials de novo (TF `prior_sample`): g0 from the learned prior, u_t from the AR(1) prior,
   * no dropout; read out through dataset `datasetIndex`. Returns the outputs only.
   */
  samplePrior(batchSize: number, datasetIndex: number, noise: NoiseSource): LfadsOutputs {
    const c = this.config;
    if (c.extInputDim > 0) throw new ShapeError("samplePrior: the model has external inputs (c_ext_input_dim > 0); prior samples need them and they are not generated");
    const B = batchSize;
    const T = reconStepsOf(c);
    const readout = this.readouts[datasetIndex];
    if (!readout) throw new ShapeError(`samplePrior: datasetIndex ${datasetIndex} is out of range`);
    let genIc: tf.Tensor2D;
    let prior: Gaussian | undefined;
    if (this.icPrior) {
      prior = this.icPrior.params();
      const g0 = tf.add(prior.mean, tf.mul(tf.exp(tf.mul(0.5, prior.logvar)), tf.tensor2d(noise.normal(B * c.icDim), [B, c.icDim]))) as tf.Tensor2D;
      genIc = this.g0ToGen ? this.g0ToGen.apply(g0) : g0;
    } else genIc = tf.tile(this.genG0!, [B, 1]) as tf.Tensor2D;
    let dec: DecoderOutputs;
    if (this.decoder.arPrior) {
      const H = c.ciEncDim;
      const zeros = tf.zeros([B, T, H]) as tf.Tensor3D;
      const u = this.decoder.arPrior.sample(tf.tensor3d(noise.normal(B * T * c.coDim), [B, T, c.coDim]));
      const co: CoSource = { kind: "prior", samples: tf.transpose(u, [1, 0, 2]) as tf.Tensor3D };
      dec = this.decoder.run({ genIc, cf: zeros, ...(c.doCausalController ? {} : { cb: zeros }), co, readout, dropout: noDropout });
    } else dec = this.decoder.run({ genIc, readout, dropout: noDropout });
    const raw = tf.reshape(readout.apply(tf.reshape(dec.factors!, [B * T, c.factorsDim])), [B, T, -1]) as tf.Tensor3D;
    const o = this.collect(dec, dec.factors!, genIc, raw, undefined, undefined);
    if (prior) Object.assign(o, { priorG0Mean: prior.mean, priorG0Logvar: prior.logvar });
    return o;
  }
}

/**
 * TF co_mean_corr cost: for each pair i<j of controller dimensions, s_ij,b = Σ_t μ[b,t,i]·μ[b,t,j];
 * the cost is the mean over pairs and trials of 0.5·s². With fewer than 2 dimensions there are no pairs
 * (TF would take the mean of nothing, NaN); the cost is 0 then.
 */
export function coMeanCorrCost(mean: tf.Tensor3D): tf.Scalar {
  const [B, , U] = mean.shape;
  if (U < 2) return tf.scalar(0);
  const S = tf.matMul(tf.transpose(mean, [0, 2, 1]), mean); // [B,U,U]
  const mask = new Float32Array(U * U);
  for (let i = 0; i < U; i++) for (let j = i + 1; j < U; j++) mask[i * U + j] = 1;
  const pairs = (U * (U - 1)) / 2;
  return tf.div(tf.sum(tf.mul(tf.mul(0.5, tf.square(S)), tf.tensor2d(mask, [U, U]))), pairs * B) as tf.Scalar;
}
