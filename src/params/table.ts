/**
 * Every LFADS hyperparameter and Run Manager property, in MATLAB declaration order (which is also the
 * display and command-line order). This table is the single source of truth for RunParams: classes,
 * defaults, display groups, which properties enter the param and data hashes, and the docs shown in
 * notebooks. Names keep their exact MATLAB spelling because they are hashed.
 *
 * Defaults follow the Run Manager code where the docs disagree (c_learning_rate_decay_factor 0.98,
 * c_device "/gpu:0").
 */

/** MATLAB class of a property value: it decides validation and the bytes that are hashed. */
export type MatlabClass = "double" | "uint16" | "uint32" | "logical" | "char" | "cell";

/** A property value as held by RunParams. `cell` values are arrays of strings, numbers or logicals. */
export type ParamValue = number | boolean | string | readonly (string | number | boolean)[] | readonly number[];

export type ParamGroup = "logistics" | "tf" | "optimization" | "overfitting" | "underfitting" | "extinputs" | "controller" | "encoder" | "generator" | "stitching" | "posterior" | "debug" | "hidden";

export interface ParamSpec {
  readonly name: string;
  readonly cls: MatlabClass;
  readonly default: ParamValue;
  readonly group: ParamGroup;
  /** Enters the param hash when it differs from its default. */
  readonly paramHash: boolean;
  /** Enters the data hash when it differs from its default; "factors" = only for params version >= 20171107. */
  readonly dataHash: boolean | "factors";
  /** Passed to the LFADS trainer as --<name without c_>. */
  readonly cli: boolean;
  /** Hidden (retired) property: shown and emitted only when it differs from its default. */
  readonly hidden: boolean;
  /**
   * A flag of lfadslite / AutoLFADS-TF1 that TF LFADS's run_lfads.py does not know: passed on the trainer's
   * command line only when it differs from its default (a default keeps the TF LFADS command line).
   */
  readonly cliWhenChanged?: boolean;
  /** How often it needs tuning (seed 003 colour code). */
  readonly tuning: "common" | "occasional" | "rare";
  readonly doc: string;
}

export const GROUP_TITLES: Readonly<Record<ParamGroup, string>> = {
  logistics: "Run Manager logistics and data processing",
  tf: "TensorFlow Logistics",
  optimization: "Optimization",
  overfitting: "Overfitting",
  underfitting: "Underfitting",
  extinputs: "External inputs",
  controller: "Controller and inferred inputs",
  encoder: "Encoder and initial conditions for generator",
  generator: "Generator network, factors, rates",
  stitching: "Stitching multi-session models",
  posterior: "Posterior sampling",
  debug: "TensorFlow Debugging",
  hidden: "Hidden (retired)"
};

export const PARAM_TABLE = [
  { name: "name", cls: "char", default: "", group: "logistics", paramHash: false, dataHash: false, cli: false, hidden: false, tuning: "occasional",
    doc: "Name of this set of parameters, used for convenience only. Does not affect either the param or data hash." },
  { name: "version", cls: "uint32", default: 20171107, group: "logistics", paramHash: false, dataHash: false, cli: false, hidden: false, tuning: "rare",
    doc: "Set automatically to the version of the RunCollection it is added to; used for backwards-compatible layout and hashing rules. Does not affect either hash." },
  { name: "spikeBinMs", cls: "double", default: 2, group: "logistics", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "common",
    doc: "Spike bin width in milliseconds. This must be an integer multiple of the original bin width provided by the `Run` class by `generateCountsForDataset`." },
  { name: "c_allow_gpu_growth", cls: "logical", default: true, group: "tf", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Allow the GPU to dynamically allocate memory instead of allocating all the GPU's memory at the start" },
  { name: "c_max_ckpt_to_keep", cls: "uint16", default: 5, group: "tf", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Max number of checkpoints to keep (rolling)" },
  { name: "c_max_ckpt_to_keep_lve", cls: "uint16", default: 5, group: "tf", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Max number of checkpoints to keep for lowest validation error models (rolling)" },
  { name: "c_device", cls: "char", default: "/gpu:0", group: "tf", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Which visible GPU or CPU to use. Note that GPUs are typically scheduled by setting `CUDA_VISIBLE_DEVICES` rather than using this parameter." },
  { name: "c_learning_rate_init", cls: "double", default: 0.01, group: "optimization", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Initial learning rate" },
  { name: "c_learning_rate_decay_factor", cls: "double", default: 0.98, group: "optimization", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Factor by which to decrease the learning rate if progress isn't being made." },
  { name: "c_learning_rate_n_to_compare", cls: "uint16", default: 6, group: "optimization", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Number of previous costs current cost has to be worse than, in order to lower learning rate." },
  { name: "c_learning_rate_stop", cls: "double", default: 1e-5, group: "optimization", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Stop training when the learning rate reaches this threshold." },
  { name: "c_max_grad_norm", cls: "double", default: 200, group: "optimization", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Max norm of gradient before clipping. This sets a value, above which, the gradients will be clipped. This hp is extremely useful to avoid an infrequent, but highly pathological problem whereby the gradient is so large that it destroys the optimization by setting parameters too large, leading to a vicious cycle that ends in NaNs. If it's too large, it's useless, if it's too small, it essentially becomes the learning rate. It's pretty insensitive, though." },
  { name: "trainToTestRatio", cls: "uint16", default: 4, group: "optimization", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "occasional",
    doc: "Ratio of training vs testing trials used." },
  { name: "c_batch_size", cls: "uint16", default: 256, group: "optimization", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "common",
    doc: "Number of trials to use during each training pass. The total trial count must be >= c_batch_size * (trainToTestRatio + 1)." },
  { name: "c_cell_clip_value", cls: "double", default: 5, group: "optimization", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Max value recurrent cell can take before being clipped. If your optimizations start \"NaN-ing out\", reduce this value so that the values of the network don't grow out of control. Typically, once this parameter is set to a reasonable value, one stops having numerical problems." },
  { name: "c_temporal_spike_jitter_width", cls: "uint16", default: 0, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Enables jittering spike times during training. It appears that the system will happily fit spikes (blessing or curse, depending). You may not want this. Jittering the spikes a bit may help (-/+ bin size, as specified here). The idea is to prevent LFADS from trying to learn very fine temporal structure in the data if you believe this to be noise." },
  { name: "c_keep_prob", cls: "double", default: 0.95, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Fraction of units to randomly drop during each training pass. Dropout is done on the input data, on controller inputs (from encoder), and on outputs from generator to factors." },
  { name: "c_keep_ratio", cls: "double", default: 1, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, cliWhenChanged: true, tuning: "occasional",
    doc: "Coordinated dropout (lfadslite / AutoLFADS): the fraction of data elements (trial, bin, neuron) the encoders see at each training step, 1 − p_cd; the reconstruction gradient comes only from the elements they did not see, so copying spikes through earns nothing. 1 = off (the default)." },
  { name: "c_cd_grad_passthru_prob", cls: "double", default: 0, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, cliWhenChanged: true, tuning: "rare",
    doc: "Coordinated dropout: probability that an element the encoders saw still passes its reconstruction gradient (0 = none, the default). No effect while c_keep_ratio is 1." },
  { name: "c_cv_keep_ratio", cls: "double", default: 1, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, cliWhenChanged: true, tuning: "rare",
    doc: "Sample validation (lfadslite / AutoLFADS): the fraction of data elements of the training and validation trials used as input and training target, 1 − p_sv; the rest, a fixed random set drawn from c_cv_rand_seed, are only scored (recon_sv_train / recon_sv_valid in fitlog_diagnostics.csv). 1 = off (the default)." },
  { name: "c_cv_rand_seed", cls: "uint32", default: 0, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, cliWhenChanged: true, tuning: "rare",
    doc: "Sample validation: seed of the fixed mask of held-out data elements (default 0). No effect while c_cv_keep_ratio is 1." },
  { name: "c_l2_gen_scale", cls: "double", default: 500, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "L2 regularization cost for the generator only." },
  { name: "c_l2_con_scale", cls: "double", default: 500, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "L2 regularization cost for the controller only." },
  { name: "c_co_mean_corr_scale", cls: "double", default: 0, group: "overfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Cost of correlation (through time) in the means of controller output." },
  { name: "c_kl_ic_weight", cls: "double", default: 1, group: "underfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Strength of KL weight on initial conditions KL penalty." },
  { name: "c_kl_co_weight", cls: "double", default: 1, group: "underfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Strength of KL weight on controller output KL penalty." },
  { name: "c_kl_start_step", cls: "uint32", default: 0, group: "underfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Start increasing KL weight after this many steps." },
  { name: "c_kl_increase_steps", cls: "uint32", default: 900, group: "underfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Number of steps over which the KL weight increases." },
  { name: "c_l2_start_step", cls: "uint32", default: 0, group: "underfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Start increasing L2 weight after this many steps" },
  { name: "c_l2_increase_steps", cls: "uint32", default: 900, group: "underfitting", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Number of steps over which the L2 weight increases." },
  { name: "scaleIncreaseStepsWithDatasets", cls: "logical", default: true, group: "underfitting", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "occasional",
    doc: "If true, c_kl_increase_steps and c_l2_increase_steps will be multiplied by the number of datasets in a stitching run." },
  { name: "scaleStartStepWithDatasets", cls: "logical", default: true, group: "underfitting", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "rare",
    doc: "If true, c_kl_start_step and c_l2_start_step are multiplied by the number of datasets in a run, so that stitched runs ramp at the same per-dataset pace." },
  { name: "c_ext_input_dim", cls: "uint16", default: 0, group: "extinputs", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "common",
    doc: "Number of external, known (or observed) inputs." },
  { name: "c_inject_ext_input_to_gen", cls: "logical", default: false, group: "extinputs", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Should the known inputs be input to model via encoders (false) or injected directly into generator (true)?" },
  { name: "c_co_dim", cls: "uint16", default: 4, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "common",
    doc: "Number of inferred inputs (controller outputs). This parameter critically controls whether or not there is a controller (along with controller encoders placed into the LFADS graph. If equal to 0, no controller will be added." },
  { name: "c_prior_ar_atau", cls: "double", default: 10, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Initial autocorrelation of AR(1) priors (in time bins)" },
  { name: "c_do_train_prior_ar_atau", cls: "logical", default: true, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Is the value for atau an initial value (true) or the constant value (false)?" },
  { name: "c_prior_ar_nvar", cls: "double", default: 0.1, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Initial noise variance for AR(1) priors" },
  { name: "c_do_train_prior_ar_nvar", cls: "logical", default: true, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Is the value for the noise var an initial value (true) or the constant value (false)?" },
  { name: "c_do_causal_controller", cls: "logical", default: false, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Restrict input encoder from seeing the future?" },
  { name: "c_do_feed_factors_to_controller", cls: "logical", default: true, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Should factors[t-1] be input to controller at time t? Strictly speaking, feeding either the factors or the rates to the controller violates causality, since the g0 gets to see all the data. This may or may not be only a theoretical concern." },
  { name: "c_feedback_factors_or_rates", cls: "char", default: "factors", group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Feedback the factors or the rates to the controller? Set to either 'factors' or 'rates'" },
  { name: "c_controller_input_lag", cls: "uint16", default: 1, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "common",
    doc: "Time lag on the encoding to controller t-lag for forward, t+lag for reverse." },
  { name: "c_ci_enc_dim", cls: "uint16", default: 128, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Network size for controller input encoder." },
  { name: "c_con_dim", cls: "uint16", default: 128, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Controller dimensionality." },
  { name: "c_co_prior_var_scale", cls: "double", default: 0.1, group: "controller", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Variance of control input prior distribution." },
  { name: "c_num_steps_for_gen_ic", cls: "uint32", default: 4294967295, group: "encoder", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Number of steps to train the generator initial condition." },
  { name: "c_ic_dim", cls: "uint16", default: 64, group: "encoder", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "common",
    doc: "Dimensionality of the initial conditions." },
  { name: "c_ic_enc_dim", cls: "uint16", default: 128, group: "encoder", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Network size for IC encoder." },
  { name: "c_ic_prior_var_min", cls: "double", default: 0.1, group: "encoder", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Minimum variance of IC prior distribution" },
  { name: "c_ic_prior_var_scale", cls: "double", default: 0.1, group: "encoder", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Variance of IC prior distribution" },
  { name: "c_ic_prior_var_max", cls: "double", default: 0.1, group: "encoder", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Maximum variance of IC prior distribution" },
  { name: "c_ic_post_var_min", cls: "double", default: 1e-4, group: "encoder", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Minimum variance of IC posterior distribution" },
  { name: "c_cell_weight_scale", cls: "double", default: 1.0, group: "generator", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Input scaling for input weights in generator. The combined recurrent and input weights of the encoder and controller cells are by default set to scale at ws/sqrt(#inputs) with ws=1.0. You can change this scaling with this parameter." },
  { name: "c_gen_dim", cls: "uint16", default: 100, group: "generator", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "common",
    doc: "Generator network size (number of GRU units)." },
  { name: "c_gen_cell_input_weight_scale", cls: "double", default: 1.0, group: "generator", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Input scaling for input weights in generator, which will be divided by sqrt(#inputs)." },
  { name: "c_gen_cell_rec_weight_scale", cls: "double", default: 1.0, group: "generator", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Input scaling for recurrent weights in generator." },
  { name: "c_factors_dim", cls: "uint16", default: 50, group: "generator", paramHash: true, dataHash: "factors", cli: true, hidden: false, tuning: "common",
    doc: "Dimensionality of factors read out from generator network. This provides dimensionality reduction from generator dimensionality down to factors and then back out to the neural rates. Note that this property does affect the data and param hashes, unlikely the other c_ prefixed parameters, which only affect the param hash." },
  { name: "c_output_dist", cls: "char", default: "poisson", group: "generator", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "occasional",
    doc: "Type of output distribution for rates, either 'poisson' or 'gaussian'" },
  { name: "c_do_train_readin", cls: "logical", default: true, group: "stitching", paramHash: true, dataHash: false, cli: true, hidden: false, tuning: "common",
    doc: "For stitching models, make the readin matrices trainable (true) or fix them to equal the alignment matrices (false). The per-session readin matrices map from neurons to input factors which are fed into the shared encoder. These are initialized by the alignment matrices and can subsequently be fixed or made trainable." },
  { name: "useAlignmentMatrix", cls: "logical", default: false, group: "stitching", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "common",
    doc: "Whether to use an alignment matrix when stitching datasets together." },
  { name: "useSingleDatasetAlignmentMatrix", cls: "logical", default: false, group: "stitching", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "rare",
    doc: "When only using a single dataset, it is also possible to use a readin matrix that reduces the dimensionality of the spikes before inputting these input factors to the encoder networks. If set true, this will set up this readin matrix and seed it with an alignment matrix computed using PCA." },
  { name: "alignmentApproach", cls: "char", default: "regressGlobalPCs", group: "stitching", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "common",
    doc: "Algorithm to use when calculating the initial alignment (readin) matrices that map from each session-specific set of neurons to common input factors. Default 'regressGlobalPCs' computes the PCs of all neurons together, and then regresses those PCs on the neurons from each session separately. This mapping produces the best possible linear reconstruction of the global PCs from each session. 'ridgeRegressGlobalPCs' does the same but uses ridge regression (L2 regularization) for more robustness, using a lambda value optimized via cross-validation. This approach may yield better results if some neurons are quite variable or exhibit sparse firing. Additional modes can be implemented; see LFADS.Run/prepareAlignmentMatrices which you may override in your derived `Run` class." },
  { name: "alignmentExtraArgs", cls: "cell", default: [], group: "stitching", paramHash: true, dataHash: true, cli: false, hidden: false, tuning: "occasional",
    doc: "Extra arguments to be passed by LFADS.Run/prepareAlignmentMatrices, either to LFADS.MultisessionAlignmentTool.computeAlignmentMatricesUsingTrialAveragedPCR in the default implementation, or as additional parameters to a custom alignment algorithm." },
  { name: "posterior_mean_kind", cls: "char", default: "posterior_sample_and_average", group: "posterior", paramHash: false, dataHash: false, cli: false, hidden: false, tuning: "common",
    doc: "Mechanism to obtain the posterior mean. Either 'posterior_sample_and_average' to take a specified number of samples from the posterior distribution, run them through the model, and average the results. Or 'posterior_push_mean' to use the posterior mean of the ICs and inputs and push those through the model directly. Since there are nonlinearities in the network, this need not be equivalent to the mean of the samples, but in practice it's usually pretty close, and is much faster to compute. Note that this parameter does not affect either the param or data hash." },
  { name: "num_samples_posterior", cls: "double", default: 512, group: "posterior", paramHash: false, dataHash: false, cli: false, hidden: false, tuning: "occasional",
    doc: "Number of samples of the posterior to use when using 'posterior_sample_and_average'. Note that this parameter does not affect either the param or data hash." },
  { name: "c_tf_debug_cli", cls: "logical", default: false, group: "debug", paramHash: false, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "TensorFlow debugger command-line interface (TF LFADS only; ignored here)." },
  { name: "c_tf_debug_tensorboard", cls: "logical", default: false, group: "debug", paramHash: false, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "TensorFlow debugger TensorBoard plugin (TF LFADS only; ignored here)." },
  { name: "c_tf_debug_tensorboard_hostport", cls: "char", default: "localhost:6064", group: "debug", paramHash: false, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Host:port of the TensorBoard debugger plugin (TF LFADS only; ignored here)." },
  { name: "c_tf_debug_dump_root", cls: "char", default: "", group: "debug", paramHash: false, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Dump root of the TensorFlow debugger (TF LFADS only; ignored here)." },
  { name: "c_debug_verbose", cls: "logical", default: false, group: "debug", paramHash: false, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Print extra diagnostic output while building and training the model." },
  { name: "c_debug_reduce_timesteps_to", cls: "double", default: [] as readonly number[], group: "debug", paramHash: false, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "If non-empty, truncate every trial to this many time bins (a quick debugging aid)." },
  { name: "c_debug_print_each_step", cls: "logical", default: false, group: "debug", paramHash: false, dataHash: false, cli: true, hidden: false, tuning: "rare",
    doc: "Print the costs after every training step instead of every epoch." },
  { name: "c_in_factors_dim", cls: "uint16", default: 50, group: "hidden", paramHash: true, dataHash: false, cli: true, hidden: true, tuning: "rare",
    doc: "Retired: width of the read-in layer. Hidden; kept so that old hashes reproduce." },
  { name: "setInFactorsMatchDataForSingleDataset", cls: "logical", default: false, group: "hidden", paramHash: true, dataHash: true, cli: false, hidden: true, tuning: "rare",
    doc: "Retired. Hidden; kept so that old hashes reproduce." },
] as const satisfies readonly ParamSpec[];

/** Lookup by exact name. */
export const PARAM_SPECS: ReadonlyMap<string, ParamSpec> = new Map(PARAM_TABLE.map((p): [string, ParamSpec] => [p.name, p]));

type Row = (typeof PARAM_TABLE)[number];
type ValueOfRow<R extends Row> = R["cls"] extends "logical"
  ? boolean
  : R["cls"] extends "char"
    ? string
    : R["cls"] extends "cell"
      ? readonly (string | number | boolean)[]
      : R["default"] extends readonly unknown[]
        ? readonly number[]
        : number;

/** Every property of RunParams with its TypeScript type (derived from the table). */
export type RunParamsValues = { [R in Row as R["name"]]: ValueOfRow<R> };

/** A property name of RunParams. */
export type ParamName = keyof RunParamsValues;

/** The RunParams version at which c_factors_dim enters the data hash and the per-run-spec data folders start. */
export const VERSION_20171107 = 20171107;
