/**
 * The typed model configuration: the slice of RunParams the LFADS network needs, plus the data
 * dimensions. Built by `modelConfigFromRunParams`, which implements or rejects every `c_*`
 * hyperparameter that shapes the model (training-loop parameters live in train/train-config.ts).
 *
 * `c_*` settings without an effect here are never silently dropped: changing one warns (NO_EFFECT).
 */
import { NotSupportedError, ParamError, ShapeError, warn } from "../core/errors.js";
import type { RunParams } from "../params/run-params.js";
import { checkOutputDist, type OutputDist } from "./observation/registry.js";

export type { OutputDist };

/** One dataset (session) the model reads and writes. */
export interface DatasetSpec {
  /** Dataset name as in the TF variable names, e.g. "dataset001.h5" for lfads_dataset001.h5. */
  name: string;
  /** Number of neurons (channels) N_d the encoders read (the held-in neurons). */
  numNeurons: number;
  /**
   * Neurons the read-out reconstructs, N_rec ≥ N_d: the N_d held-in neurons first, in the same order,
   * then the held-out ones (lfads-torch's recon_data). Default N_d.
   */
  numReconNeurons?: number;
  /** Optional read-in initialisation [N_d, F] row-major (`alignment_matrix_cxf`). */
  alignmentMatrix?: Float32Array;
  /** Optional channel offsets [N_d] (`alignment_bias_c`). */
  alignmentBias?: Float32Array;
}

export interface LfadsConfig {
  /** T (T_obs): time bins per trial the encoders read. */
  numSteps: number;
  /**
   * T_rec ≥ T: steps the generator, controller, factors and rates run, the observed bins first, then
   * the forward-prediction bins (lfads-torch's recon_seq_len). Default T.
   */
  reconSteps?: number;
  datasets: DatasetSpec[];
  outputDist: OutputDist;
  icDim: number;
  icEncDim: number;
  /** K: steps the IC encoder reads (c_num_steps_for_gen_ic clamped to T). */
  numStepsForGenIc: number;
  ciEncDim: number;
  conDim: number;
  /** U: controller outputs (0 = no controller, no CI encoder). */
  coDim: number;
  genDim: number;
  factorsDim: number;
  extInputDim: number;
  injectExtInputToGen: boolean;
  controllerInputLag: number;
  doCausalController: boolean;
  doFeedFactorsToController: boolean;
  feedbackFactorsOrRates: "factors" | "rates";
  keepProb: number;
  cellClipValue: number;
  cellWeightScale: number;
  genCellInputWeightScale: number;
  genCellRecWeightScale: number;
  icPriorVarMin: number;
  icPriorVarScale: number;
  icPriorVarMax: number;
  icPostVarMin: number;
  priorArAtau: number;
  priorArNvar: number;
  doTrainPriorArAtau: boolean;
  doTrainPriorArNvar: boolean;
  doTrainReadin: boolean;
  klIcWeight: number;
  klCoWeight: number;
  l2GenScale: number;
  l2ConScale: number;
  coMeanCorrScale: number;
}

export interface DataDims {
  numSteps: number;
  /** T_rec when the inputs hold recon data with forward bins (see LfadsConfig.reconSteps). */
  reconSteps?: number;
  datasets: DatasetSpec[];
}

/** Settings of TF LFADS that have no counterpart here, with the reason shown when one is changed. */
const NO_EFFECT = {
  c_allow_gpu_growth: "TensorFlow GPU memory setting; TensorFlow.js backends manage their own memory",
  c_device: "the TensorFlow.js backend is chosen at run time (LFADS_BACKEND=cpu|wasm|tensorflow overrides it)",
  c_co_prior_var_scale: "TF LFADS parses it but never uses it; the controller-output prior is the AR(1) prior (c_prior_ar_atau, c_prior_ar_nvar)",
  c_tf_debug_cli: "it drives the TensorFlow debugger, which TensorFlow.js does not have",
  c_tf_debug_tensorboard: "it drives the TensorFlow debugger, which TensorFlow.js does not have",
  c_tf_debug_tensorboard_hostport: "it configures the TensorFlow debugger, which TensorFlow.js does not have",
  c_tf_debug_dump_root: "it configures the TensorFlow debugger, which TensorFlow.js does not have",
} as const;

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new ParamError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** Derive the model config from RunParams and the data dimensions (validated; see `validateConfig`). */
export function modelConfigFromRunParams(p: RunParams, data: DataDims): LfadsConfig {
  const v = p.values;
  if (!p.isDefault("c_in_factors_dim")) {
    throw new NotSupportedError(`not supported: c_in_factors_dim=${v.c_in_factors_dim} (retired; the read-in width is c_factors_dim for stitched or aligned runs and N otherwise)`);
  }
  for (const [name, why] of Object.entries(NO_EFFECT)) {
    if (!p.isDefault(name as keyof typeof NO_EFFECT)) warn(`${name}=${JSON.stringify(v[name as keyof typeof NO_EFFECT])} has no effect: ${why} (restore the default to silence this)`);
  }
  const cfg: LfadsConfig = {
    numSteps: data.numSteps,
    ...(data.reconSteps !== undefined ? { reconSteps: data.reconSteps } : {}),
    datasets: data.datasets,
    outputDist: checkOutputDist(v.c_output_dist, "c_output_dist"),
    icDim: v.c_ic_dim,
    icEncDim: v.c_ic_enc_dim,
    numStepsForGenIc: Math.min(v.c_num_steps_for_gen_ic, data.numSteps),
    ciEncDim: v.c_ci_enc_dim,
    conDim: v.c_con_dim,
    coDim: v.c_co_dim,
    genDim: v.c_gen_dim,
    factorsDim: v.c_factors_dim,
    extInputDim: v.c_ext_input_dim,
    injectExtInputToGen: v.c_inject_ext_input_to_gen,
    controllerInputLag: v.c_controller_input_lag,
    doCausalController: v.c_do_causal_controller,
    doFeedFactorsToController: v.c_do_feed_factors_to_controller,
    feedbackFactorsOrRates: v.c_feedback_factors_or_rates as "factors" | "rates",
    keepProb: v.c_keep_prob,
    cellClipValue: v.c_cell_clip_value,
    cellWeightScale: v.c_cell_weight_scale,
    genCellInputWeightScale: v.c_gen_cell_input_weight_scale,
    genCellRecWeightScale: v.c_gen_cell_rec_weight_scale,
    icPriorVarMin: v.c_ic_prior_var_min,
    icPriorVarScale: v.c_ic_prior_var_scale,
    icPriorVarMax: v.c_ic_prior_var_max,
    icPostVarMin: v.c_ic_post_var_min,
    priorArAtau: v.c_prior_ar_atau,
    priorArNvar: v.c_prior_ar_nvar,
    doTrainPriorArAtau: v.c_do_train_prior_ar_atau,
    doTrainPriorArNvar: v.c_do_train_prior_ar_nvar,
    doTrainReadin: v.c_do_train_readin,
    klIcWeight: v.c_kl_ic_weight,
    klCoWeight: v.c_kl_co_weight,
    l2GenScale: v.c_l2_gen_scale,
    l2ConScale: v.c_l2_con_scale,
    coMeanCorrScale: v.c_co_mean_corr_scale,
  };
  validateConfig(cfg);
  return cfg;
}

/** Check dimensions and option combinations; errors name the offending parameter and value. */
export function validateConfig(c: LfadsConfig): void {
  positiveInt("numSteps (T, time bins per trial)", c.numSteps);
  if (c.reconSteps !== undefined && !(Number.isInteger(c.reconSteps) && c.reconSteps >= c.numSteps)) {
    throw new ShapeError(`reconSteps (T_rec, the steps the generator runs) is ${c.reconSteps}; it must be an integer ≥ numSteps (${c.numSteps}, the bins the encoders read): the observed bins, then the forward bins`);
  }
  if (c.datasets.length === 0) throw new ParamError("the model needs at least one dataset");
  const names = new Set<string>();
  for (const d of c.datasets) {
    if (names.has(d.name)) throw new ParamError(`duplicate dataset name '${d.name}'`);
    names.add(d.name);
    positiveInt(`numNeurons of dataset '${d.name}'`, d.numNeurons);
    if (d.numReconNeurons !== undefined && !(Number.isInteger(d.numReconNeurons) && d.numReconNeurons >= d.numNeurons)) {
      throw new ShapeError(`numReconNeurons of dataset '${d.name}' is ${d.numReconNeurons}; it must be an integer ≥ its numNeurons (${d.numNeurons}): the held-in neurons, then the held-out ones`);
    }
    if (d.alignmentMatrix && d.alignmentMatrix.length !== d.numNeurons * c.factorsDim) {
      throw new ShapeError(`alignment_matrix_cxf of dataset '${d.name}' has ${d.alignmentMatrix.length} values; expected [${d.numNeurons}, ${c.factorsDim}] (N × c_factors_dim)`);
    }
    if (d.alignmentBias && d.alignmentBias.length !== d.numNeurons) {
      throw new ShapeError(`alignment_bias_c of dataset '${d.name}' has ${d.alignmentBias.length} values; expected ${d.numNeurons} (N)`);
    }
  }
  positiveInt("c_gen_dim", c.genDim);
  positiveInt("c_factors_dim", c.factorsDim);
  if (c.icDim > 0) positiveInt("c_ic_enc_dim (needed because c_ic_dim > 0)", c.icEncDim);
  if (c.coDim > 0) {
    positiveInt("c_con_dim (needed because c_co_dim > 0)", c.conDim);
    positiveInt("c_ci_enc_dim (needed because c_co_dim > 0)", c.ciEncDim);
    if (c.feedbackFactorsOrRates === "rates" && c.doFeedFactorsToController && c.datasets.length > 1) {
      throw new NotSupportedError(`not supported: c_feedback_factors_or_rates='rates' with ${c.datasets.length} datasets (rates feedback needs a single dataset, as in TF LFADS); use 'factors'`);
    }
  }
  positiveInt("c_num_steps_for_gen_ic (after clamping to T)", c.numStepsForGenIc);
  if (!(c.keepProb > 0 && c.keepProb <= 1)) throw new ParamError(`c_keep_prob must be in (0, 1], got ${c.keepProb}`);
  if (!(c.cellClipValue > 0)) throw new ParamError(`c_cell_clip_value must be > 0, got ${c.cellClipValue}`);
  if (c.icDim > 0 && c.icPriorVarMax < c.icPriorVarMin) {
    throw new ParamError(`c_ic_prior_var_max (${c.icPriorVarMax}) must be >= c_ic_prior_var_min (${c.icPriorVarMin})`);
  }
}

/** T_rec: the steps the generator runs (numSteps unless the inputs have forward bins). */
export function reconStepsOf(c: Pick<LfadsConfig, "numSteps" | "reconSteps">): number {
  return c.reconSteps ?? c.numSteps;
}

/** N_rec of a dataset: the neurons its read-out reconstructs (numNeurons unless it has held-out neurons). */
export function reconNeuronsOf(d: Pick<DatasetSpec, "numNeurons" | "numReconNeurons">): number {
  return d.numReconNeurons ?? d.numNeurons;
}

/** Width of the encoder input e_t: N (identity read-in) or F, plus X if ext inputs go to the encoders. */
export function encoderInputDim(c: LfadsConfig): number {
  return readinIsIdentity(c) ? c.datasets[0]!.numNeurons + extToEncoders(c) : c.factorsDim + extToEncoders(c);
}

/** TF: a single dataset without an alignment matrix reads the counts directly (identity read-in). */
export function readinIsIdentity(c: LfadsConfig): boolean {
  return c.datasets.length === 1 && c.datasets[0]!.alignmentMatrix === undefined;
}

function extToEncoders(c: LfadsConfig): number {
  return c.extInputDim > 0 && !c.injectExtInputToGen ? c.extInputDim : 0;
}

/**
 * Width of the controller input [cf_{t-lag}, cb_{t+lag}, f_{t-1} or r_{t-1}]. A causal controller drops
 * cb. As in the TF code (whose comment says otherwise), the fed-back factors are still appended when
 * c_do_feed_factors_to_controller is true; set it to false for a strictly causal controller.
 */
export function controllerInputDim(c: LfadsConfig): number {
  return (c.doCausalController ? 1 : 2) * c.ciEncDim + feedbackDim(c);
}

/** Width of the fed-back signal (0 when nothing is fed back). */
export function feedbackDim(c: LfadsConfig): number {
  if (!feedsBack(c)) return 0;
  return c.feedbackFactorsOrRates === "factors" ? c.factorsDim : reconNeuronsOf(c.datasets[0]!);
}

/** Whether factors (or rates) are fed back to the controller. */
function feedsBack(c: LfadsConfig): boolean {
  return c.coDim > 0 && c.doFeedFactorsToController;
}

/** Width of the generator input: u_t (+ ext inputs when injected to the generator). */
export function generatorInputDim(c: LfadsConfig): number {
  return c.coDim + (c.extInputDim > 0 && c.injectExtInputToGen ? c.extInputDim : 0);
}
