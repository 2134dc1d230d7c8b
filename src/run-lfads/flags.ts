/**
 * The flags of TF LFADS's `run_lfads.py` (lfads-model.md §6), with its names and defaults, parsed the
 * way absl/`tf.app.flags` parses them, and mapped onto RunParams. TensorFlow-free.
 *
 * Syntax: `--flag=value`, `--flag value`, one dash works too; booleans take `--flag`, `--noflag` and
 * `--flag=true|false` (also `t`/`f`, `1`/`0`, any case); the last occurrence of a flag wins; `--` ends
 * the flags. Unknown flags are an error naming the closest known one.
 *
 * Three groups of flags:
 * - `run_lfads.py`: every flag of the final TF code, with its defaults (which differ from the Run
 *   Manager's: l2_gen_scale 2000 vs 500, kl/l2_increase_steps 2000 vs 900, co_dim 1 vs 4, gen_dim 200 vs
 *   100, batch_size 128 vs 256, learning_rate_decay_factor 0.95 vs 0.98, l2_con_scale 0 vs 500, …);
 * - the Run Manager's fork of `run_lfads.py` adds `tf_debug_*`, `debug_*` and the retired
 *   `in_factors_dim` (which the Run Manager's shell scripts pass), with the Run Manager's defaults;
 * - lfadslite / AutoLFADS-TF1 flags: coordinated dropout (`keep_ratio`, `cd_grad_passthru_prob`) and
 *   sample validation (`cv_keep_ratio`, `cv_rand_seed`), with defaults that switch both off;
 * - lfads-ts additions: `max_epochs`, `max_steps`, `seed` (TF trains until the learning rate falls
 *   below learning_rate_stop and has no seed flag).
 */
import { closestName, ParamError, UsageError } from "../core/errors.js";
import { RunParams, validateParam, type RunParamsInit } from "../params/run-params.js";
import { PARAM_SPECS, type ParamName, type ParamValue } from "../params/table.js";
import { MAX_INT, pythonNumberText } from "../train/hyperparameters.js";

export { MAX_INT };

export type FlagType = "string" | "int" | "float" | "bool" | "list";
export type FlagValue = string | number | boolean | readonly number[];
export type FlagSource = "run_lfads.py" | "run-manager" | "autolfads" | "lfads-ts";

export interface RunLfadsFlag {
  readonly name: string;
  readonly type: FlagType;
  readonly default: FlagValue;
  readonly help: string;
  readonly source: FlagSource;
  /** Allowed values of a string flag. */
  readonly choices?: readonly string[];
  /** The RunParams property it sets (`c_<name>`), when it is a model or training hyperparameter. */
  readonly param?: ParamName;
}

export const RUN_LFADS_KINDS = ["train", "posterior_sample_and_average", "posterior_push_mean", "prior_sample", "write_model_params"] as const;
export type RunLfadsKind = (typeof RUN_LFADS_KINDS)[number];

/** `param: false`: a RunParams property that this flag does not set (the flag only prints a note). */
type Def = [name: string, type: FlagType, def: FlagValue, help: string, extra?: { choices?: readonly string[]; param?: false }];

/** run_lfads.py, in its order (help texts shortened from its flag definitions). */
const TF_FLAGS: Def[] = [
  ["kind", "string", "train", "what to do: train, posterior_sample_and_average, posterior_push_mean, prior_sample or write_model_params", { choices: RUN_LFADS_KINDS }],
  ["output_dist", "string", "poisson", "observation model: 'poisson' (integer counts) or 'gaussian' (float data)", { choices: ["poisson", "gaussian"] }],
  ["allow_gpu_growth", "bool", false, "TF GPU memory growth; no effect in TensorFlow.js (a note is printed when set)", { param: false }],
  ["data_dir", "string", "/tmp/rnn_synth_data_v1.0/", "folder of the input HDF5 files"],
  ["data_filename_stem", "string", "chaotic_rnn_inputs_g1p5", "every file of data_dir whose name starts with this is a dataset, named by the rest after one separator (Run Manager inputs: lfads)"],
  ["lfads_save_dir", "string", "/tmp/lfads_chaotic_rnn_inputs_g1p5/", "folder for checkpoints, fitlog.csv and outputs (created if missing)"],
  ["checkpoint_pb_load_name", "string", "checkpoint", "checkpoint index to load for the sampling kinds: 'checkpoint' (latest) or 'checkpoint_lve' (lowest validation error)"],
  ["checkpoint_name", "string", "lfads_vae", "checkpoint file prefix (only the default is supported)"],
  ["output_filename_stem", "string", "", "prefix replacing model_runs_ in the output files of the sampling kinds"],
  ["device", "string", "gpu:0", "TF device; no effect in TensorFlow.js, which picks its backend (LFADS_BACKEND overrides; a note is printed when set)", { param: false }],
  ["csv_log", "string", "fitlog", "name of the fit log (.csv appended; only the default is supported)"],
  ["max_ckpt_to_keep", "int", 5, "rolling checkpoints to keep"],
  ["ps_nexamples_to_process", "int", MAX_INT, "trials to process per split in posterior_sample_and_average / posterior_push_mean (sys.maxsize: all)"],
  ["max_ckpt_to_keep_lve", "int", 5, "lowest-validation-error checkpoints to keep"],
  ["ext_input_dim", "int", 0, "dimension of the external inputs (train_ext_input / valid_ext_input)"],
  ["num_steps_for_gen_ic", "int", MAX_INT, "time steps the IC encoder reads (clamped to T)"],
  ["inject_ext_input_to_gen", "bool", false, "external inputs go straight to the generator (true) or through the encoders (false)"],
  ["cell_weight_scale", "float", 1.0, "initial weight scale of the encoder and controller cells"],
  ["ic_dim", "int", 64, "dimension of the initial condition g0"],
  ["factors_dim", "int", 50, "number of factors"],
  ["ic_enc_dim", "int", 128, "hidden size of the IC encoder"],
  ["gen_dim", "int", 200, "hidden size of the generator"],
  ["gen_cell_input_weight_scale", "float", 1.0, "input weight scale of the generator"],
  ["gen_cell_rec_weight_scale", "float", 1.0, "recurrent weight scale of the generator"],
  ["ic_prior_var_min", "float", 0.1, "minimum variance of the g0 prior"],
  ["ic_prior_var_scale", "float", 0.1, "variance of the g0 prior"],
  ["ic_prior_var_max", "float", 0.1, "maximum variance of the g0 prior"],
  ["ic_post_var_min", "float", 0.0001, "minimum variance of the g0 posterior"],
  ["co_prior_var_scale", "float", 0.1, "variance of the controller-output prior (parsed but unused, as in TF)"],
  ["prior_ar_atau", "float", 10.0, "initial autocorrelation time of the AR(1) prior (bins)"],
  ["prior_ar_nvar", "float", 0.1, "initial noise variance of the AR(1) prior"],
  ["do_train_prior_ar_atau", "bool", true, "learn the AR(1) time constant"],
  ["do_train_prior_ar_nvar", "bool", true, "learn the AR(1) noise variance"],
  ["co_dim", "int", 1, "number of inferred inputs (controller outputs); 0 builds no controller"],
  ["do_causal_controller", "bool", false, "controller sees only the forward encoder"],
  ["do_feed_factors_to_controller", "bool", true, "feed factors[t-1] to the controller at t"],
  ["feedback_factors_or_rates", "string", "factors", "what is fed back to the controller: 'factors' or 'rates'", { choices: ["factors", "rates"] }],
  ["controller_input_lag", "int", 1, "controller at t reads the forward encoder at t-lag and the reverse one at t+lag"],
  ["ci_enc_dim", "int", 128, "hidden size of the controller-input encoder"],
  ["con_dim", "int", 128, "hidden size of the controller"],
  ["batch_size", "int", 128, "training batch size; for the sampling kinds the number of posterior (or prior) samples"],
  ["learning_rate_init", "float", 0.01, "initial learning rate"],
  ["learning_rate_decay_factor", "float", 0.95, "learning-rate decay factor"],
  ["learning_rate_stop", "float", 0.00001, "training stops when the learning rate falls below this"],
  ["learning_rate_n_to_compare", "int", 6, "an epoch cost above the max of this many previous ones decays the learning rate"],
  ["max_grad_norm", "float", 200.0, "global gradient-norm clip"],
  ["cell_clip_value", "float", 5.0, "recurrent state clip"],
  ["do_train_io_only", "bool", false, "train only the read-in and read-out affine maps"],
  ["do_train_encoder_only", "bool", false, "train only the IC encoder and g0 posterior"],
  ["do_reset_learning_rate", "bool", false, "restart the learning rate at learning_rate_init when resuming"],
  ["do_train_readin", "bool", true, "train the read-in matrices of stitched / aligned models"],
  ["keep_prob", "float", 0.95, "dropout keep probability"],
  ["temporal_spike_jitter_width", "int", 0, "jitter spikes by up to this many bins during training (Poisson)"],
  ["l2_gen_scale", "float", 2000.0, "L2 cost of the generator's recurrent weights"],
  ["l2_con_scale", "float", 0.0, "L2 cost of the controller's recurrent weights"],
  ["co_mean_corr_scale", "float", 0.0, "cost of correlations between the inferred-input means"],
  ["kl_ic_weight", "float", 1.0, "weight of the g0 KL"],
  ["kl_co_weight", "float", 1.0, "weight of the controller-output KL"],
  ["kl_start_step", "int", 0, "step at which the KL ramp starts"],
  ["kl_increase_steps", "int", 2000, "steps of the KL ramp"],
  ["l2_start_step", "int", 0, "step at which the L2 ramp starts"],
  ["l2_increase_steps", "int", 2000, "steps of the L2 ramp"],
];

/** The Run Manager's fork of run_lfads.py: flags its shell scripts pass. */
const RUN_MANAGER_FLAGS: Def[] = [
  ["tf_debug_cli", "bool", false, "TensorFlow debugger CLI (no TensorFlow.js counterpart; a warning is printed when set)"],
  ["tf_debug_tensorboard", "bool", false, "TensorFlow debugger TensorBoard plugin (no TensorFlow.js counterpart)"],
  ["tf_debug_tensorboard_hostport", "string", "localhost:6064", "host:port of the TensorBoard debugger (no TensorFlow.js counterpart)"],
  ["tf_debug_dump_root", "string", "", "dump root of the TensorFlow debugger (no TensorFlow.js counterpart)"],
  ["debug_verbose", "bool", false, "print the variables and extra diagnostics"],
  ["debug_reduce_timesteps_to", "list", [], "truncate every trial to this many bins (empty: off)"],
  ["debug_print_each_step", "bool", false, "print the costs after every step"],
  ["in_factors_dim", "int", 50, "retired read-in width (only the default is supported)"],
];

/** lfadslite / AutoLFADS-TF1 run_lfads.py flags (their names; defaults: off). */
const AUTOLFADS_FLAGS: Def[] = [
  ["keep_ratio", "float", 1.0, "coordinated dropout: fraction of data elements the encoders see per training step; gradients come from the others (1 = off)"],
  ["cd_grad_passthru_prob", "float", 0.0, "coordinated dropout: probability that a seen element still passes its reconstruction gradient"],
  ["cv_keep_ratio", "float", 1.0, "sample validation: fraction of data elements used for input and training; the rest are only scored (1 = off)"],
  ["cv_rand_seed", "int", 0, "sample validation: seed of the fixed mask of held-out elements"],
];

/** lfads-ts additions. */
const LFADS_TS_FLAGS: Def[] = [
  ["max_epochs", "int", 0, "train: stop after this many epochs in total (0 = no limit; TF stops only at learning_rate_stop)"],
  ["max_steps", "int", 0, "train: stop after this many steps in total (0 = no limit)"],
  ["seed", "int", 0, "seed of initialisation, batching, dropout and posterior sampling"],
];

/**
 * The RunParams property a flag sets, from the RunParams table: `c_<flag>` where that property is one
 * the Run Manager passes to the trainer as `--<flag>` (`cli`).
 */
function paramOf(name: string, extra: Def[4]): ParamName | undefined {
  const spec = PARAM_SPECS.get(`c_${name}`);
  return spec?.cli && extra?.param !== false ? (spec.name as ParamName) : undefined;
}

function build(defs: Def[], source: FlagSource): RunLfadsFlag[] {
  return defs.map(([name, type, def, help, extra]) => {
    const param = paramOf(name, extra);
    return { name, type, default: def, help, source, ...(extra?.choices ? { choices: extra.choices } : {}), ...(param ? { param } : {}) };
  });
}

export const RUN_LFADS_FLAGS: readonly RunLfadsFlag[] = [
  ...build(TF_FLAGS, "run_lfads.py"),
  ...build(RUN_MANAGER_FLAGS, "run-manager"),
  ...build(AUTOLFADS_FLAGS, "autolfads"),
  ...build(LFADS_TS_FLAGS, "lfads-ts"),
];
const BY_NAME: ReadonlyMap<string, RunLfadsFlag> = new Map(RUN_LFADS_FLAGS.map((f) => [f.name, f]));

export function runLfadsFlag(name: string): RunLfadsFlag | undefined {
  return BY_NAME.get(name);
}

/** Parsed flags: every flag's value (defaults filled in) and the names given on the command line. */
export interface RunLfadsArgs {
  readonly values: Readonly<Record<string, FlagValue>>;
  readonly given: ReadonlySet<string>;
  /** `--help` / `-h` / `--helpfull` was given. */
  readonly help: boolean;
}

const TRUE = new Set(["true", "t", "1"]);
const FALSE = new Set(["false", "f", "0"]);

function parseBool(flag: string, raw: string): boolean {
  const s = raw.toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new UsageError(`--${flag} is a boolean flag; got '${raw}' (use --${flag}, --no${flag}, --${flag}=true or --${flag}=false)`);
}

function parseInt_(flag: string, raw: string): number {
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) throw new UsageError(`--${flag} expects an integer; got '${raw}'`);
  return Number(s);
}

function parseFloat_(flag: string, raw: string): number {
  const s = raw.trim();
  const v = Number(s);
  if (s === "" || !Number.isFinite(v)) throw new UsageError(`--${flag} expects a number; got '${raw}'`);
  return v;
}

function parseValue(f: RunLfadsFlag, raw: string): FlagValue {
  switch (f.type) {
    case "bool":
      return parseBool(f.name, raw);
    case "int":
      return parseInt_(f.name, raw);
    case "float":
      return parseFloat_(f.name, raw);
    case "list": {
      const s = raw.trim().replace(/^\[|\]$/g, "").trim();
      return s === "" ? [] : s.split(/[,\s]+/).map((x) => parseFloat_(f.name, x));
    }
    case "string":
      if (f.choices && !f.choices.includes(raw)) {
        const close = (raw !== "" ? f.choices.find((c) => c.startsWith(raw)) : undefined) ?? closestName(raw, f.choices);
        throw new UsageError(`--${f.name} must be one of ${f.choices.join(", ")}; got '${raw}'${close ? ` (did you mean '${close}'?)` : ""}`);
      }
      return raw;
  }
}

function unknownFlag(key: string): never {
  const names = [...BY_NAME.keys()];
  let close = closestName(key, names);
  // `--c_co_dim` (the RunParams name) or `--co-dim`: suggest the flag itself.
  const normalised = key.replace(/^c_/, "").replaceAll("-", "_");
  if (BY_NAME.has(normalised)) close = normalised;
  if (!close && key.startsWith("no")) close = closestName(key.slice(2), names);
  throw new UsageError(`unknown flag --${key}${close ? `; did you mean --${close}?` : ""} ('lfads run-lfads --help' lists every flag)`);
}

/** Parse run_lfads.py-style argv (absl syntax). */
export function parseRunLfadsArgv(argv: readonly string[]): RunLfadsArgs {
  const values: Record<string, FlagValue> = {};
  for (const f of RUN_LFADS_FLAGS) values[f.name] = f.default;
  const given = new Set<string>();
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      if (i + 1 < argv.length) throw new UsageError(`unexpected argument '${argv[i + 1]}': run_lfads.py takes flags only`);
      break;
    }
    if (!arg.startsWith("-") || arg === "-") throw new UsageError(`unexpected argument '${arg}': run_lfads.py takes flags only (--name=value)`);
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const key = eq < 0 ? body : body.slice(0, eq);
    if (key === "help" || key === "h" || key === "helpfull" || key === "helpshort") {
      help = true;
      continue;
    }
    let f = BY_NAME.get(key);
    if (!f && key.startsWith("no")) {
      const b = BY_NAME.get(key.slice(2));
      if (b && b.type === "bool") {
        if (eq >= 0) throw new UsageError(`--${key} takes no value (it sets --${b.name}=false)`);
        values[b.name] = false;
        given.add(b.name);
        continue;
      }
    }
    if (!f) f = unknownFlag(key);
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (f.type === "bool") raw = "true";
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${f.name} needs a value (--${f.name}=<value>)`);
      raw = next;
      i++;
    }
    values[f.name] = parseValue(f, raw);
    given.add(f.name);
  }
  return { values, given, help };
}

/** The RunParams value of flag `f` (TF's "all" maxima clamp to the RunParams class range). */
function paramValue(f: RunLfadsFlag, v: FlagValue): ParamValue {
  if (f.name === "num_steps_for_gen_ic") return Math.min(v as number, 4294967295);
  return v as ParamValue;
}

/**
 * RunParams holding every mapped flag's value (`c_<flag>`), TF defaults for flags not given. Values are
 * checked against the RunParams classes and ranges; errors name the flag and the value.
 */
export function runParamsFromFlags(args: RunLfadsArgs): RunParams {
  const init: Record<string, ParamValue> = {};
  for (const f of RUN_LFADS_FLAGS) {
    if (!f.param) continue;
    const value = paramValue(f, args.values[f.name]!);
    try {
      init[f.param] = validateParam(PARAM_SPECS.get(f.param)!, value);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      const why = e.message.replace(/^RunParams\.[^:]+: invalid value [^;]*;\s*/, "");
      throw new UsageError(`invalid value for --${f.name}: ${formatFlagValue(args.values[f.name]!)} (${why})`);
    }
  }
  return new RunParams(init as RunParamsInit);
}

/** A value as it would be typed on the command line. */
export function formatFlagValue(v: FlagValue): string {
  if (Array.isArray(v)) return v.join(",");
  return typeof v === "number" ? pythonNumberText(v) : String(v);
}

/** One line per flag, grouped by source, for `--help`. */
export function flagHelp(): string {
  const groups: [FlagSource, string][] = [
    ["run_lfads.py", "run_lfads.py flags (TF LFADS names and defaults):"],
    ["run-manager", "Flags of the Run Manager's run_lfads.py (Run Manager defaults):"],
    ["autolfads", "lfadslite / AutoLFADS flags (coordinated dropout, sample validation; off by default):"],
    ["lfads-ts", "lfads-ts additions:"],
  ];
  const lines: string[] = [];
  for (const [src, title] of groups) {
    const fs = RUN_LFADS_FLAGS.filter((f) => f.source === src);
    const labels = fs.map((f) => `--${f.name}${f.type === "bool" ? "[=true|false]" : "=<" + f.type + ">"}`);
    const w = Math.max(...labels.map((l) => l.length));
    lines.push("", title);
    fs.forEach((f, i) => {
      const d = f.type === "string" && f.default === "" ? '""' : formatFlagValue(f.default);
      lines.push(`  ${labels[i]!.padEnd(w)}  ${f.help} (default ${d})`);
    });
  }
  return lines.join("\n");
}
