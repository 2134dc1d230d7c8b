// `lfads run-lfads` flag parsing (no TensorFlow): run_lfads.py's flags and defaults (lfads-model.md §6),
// absl syntax, errors that name the flag, and the mapping onto RunParams.
import { test } from "node:test";
import assert from "node:assert/strict";
import { main, type CliIO } from "../../src/cli.js";
import { UsageError } from "../../src/cli/args.js";
import { MAX_INT, parseRunLfadsArgv, RUN_LFADS_FLAGS, runParamsFromFlags } from "../../src/run-lfads/flags.js";
import { PARAM_TABLE } from "../../src/params/table.js";

/** lfads-model.md §6, verbatim: flag → run_lfads.py default. */
const SECTION_6: Record<string, string | number | boolean> = {
  kind: "train", output_dist: "poisson", allow_gpu_growth: false, data_dir: "/tmp/rnn_synth_data_v1.0/",
  data_filename_stem: "chaotic_rnn_inputs_g1p5", lfads_save_dir: "/tmp/lfads_chaotic_rnn_inputs_g1p5/",
  checkpoint_pb_load_name: "checkpoint", checkpoint_name: "lfads_vae", output_filename_stem: "", device: "gpu:0",
  csv_log: "fitlog", max_ckpt_to_keep: 5, max_ckpt_to_keep_lve: 5, ps_nexamples_to_process: MAX_INT,
  ext_input_dim: 0, num_steps_for_gen_ic: MAX_INT, inject_ext_input_to_gen: false, cell_weight_scale: 1.0,
  ic_dim: 64, factors_dim: 50, ic_enc_dim: 128, gen_dim: 200, gen_cell_input_weight_scale: 1.0, gen_cell_rec_weight_scale: 1.0,
  ic_prior_var_min: 0.1, ic_prior_var_scale: 0.1, ic_prior_var_max: 0.1, ic_post_var_min: 1e-4,
  co_prior_var_scale: 0.1, prior_ar_atau: 10.0, prior_ar_nvar: 0.1, do_train_prior_ar_atau: true,
  do_train_prior_ar_nvar: true, co_dim: 1, do_causal_controller: false, do_feed_factors_to_controller: true,
  feedback_factors_or_rates: "factors", controller_input_lag: 1, ci_enc_dim: 128, con_dim: 128,
  batch_size: 128, learning_rate_init: 0.01, learning_rate_decay_factor: 0.95, learning_rate_stop: 1e-5,
  learning_rate_n_to_compare: 6, max_grad_norm: 200.0, cell_clip_value: 5.0, do_train_io_only: false,
  do_train_encoder_only: false, do_reset_learning_rate: false, do_train_readin: true, keep_prob: 0.95,
  temporal_spike_jitter_width: 0, l2_gen_scale: 2000.0, l2_con_scale: 0.0, co_mean_corr_scale: 0.0,
  kl_ic_weight: 1.0, kl_co_weight: 1.0, kl_start_step: 0, kl_increase_steps: 2000, l2_start_step: 0, l2_increase_steps: 2000,
};

/** The TF README's first training command, every flag spelled out (seed 004). */
const README_FULL = `--kind=train --data_dir=/tmp/rnn_synth_data_v1.0/ --data_filename_stem=chaotic_rnn_no_inputs
--lfads_save_dir=/tmp/lfads_chaotic_rnn_no_inputs --co_dim=0 --factors_dim=20 --ext_input_dim=0 --controller_input_lag=1
--output_dist=poisson --do_causal_controller=false --batch_size=128 --learning_rate_init=0.01 --learning_rate_stop=1e-05
--learning_rate_decay_factor=0.95 --learning_rate_n_to_compare=6 --do_reset_learning_rate=false --keep_prob=0.95
--con_dim=128 --gen_dim=200 --ci_enc_dim=128 --ic_dim=64 --ic_enc_dim=128 --ic_prior_var_min=0.1
--gen_cell_input_weight_scale=1.0 --cell_weight_scale=1.0 --do_feed_factors_to_controller=true --kl_start_step=0
--kl_increase_steps=2000 --kl_ic_weight=1.0 --l2_con_scale=0.0 --l2_gen_scale=2000.0 --l2_start_step=0
--l2_increase_steps=2000 --ic_prior_var_scale=0.1 --ic_post_var_min=0.0001 --kl_co_weight=1.0 --prior_ar_nvar=0.1
--cell_clip_value=5.0 --max_ckpt_to_keep_lve=5 --do_train_prior_ar_atau=true --co_prior_var_scale=0.1 --csv_log=fitlog
--feedback_factors_or_rates=factors --do_train_prior_ar_nvar=true --max_grad_norm=200.0 --device=gpu:0
--num_steps_for_gen_ic=100000000 --ps_nexamples_to_process=100000000 --checkpoint_name=lfads_vae
--temporal_spike_jitter_width=0 --checkpoint_pb_load_name=checkpoint --inject_ext_input_to_gen=false
--co_mean_corr_scale=0.0 --gen_cell_rec_weight_scale=1.0 --max_ckpt_to_keep=5 --output_filename_stem=
--ic_prior_var_max=0.1 --prior_ar_atau=10.0 --do_train_io_only=false`.split(/\s+/);

async function inProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  return { code: await main(argv, io), out, err };
}

test("every flag of §6 exists with run_lfads.py's default", () => {
  const { values, given } = parseRunLfadsArgv([]);
  assert.equal(given.size, 0);
  for (const [name, def] of Object.entries(SECTION_6)) {
    assert.ok(name in values, `--${name} is a flag`);
    assert.deepEqual(values[name], def, `--${name} defaults to ${String(def)}`);
  }
  const tf = RUN_LFADS_FLAGS.filter((f) => f.source === "run_lfads.py").map((f) => f.name);
  assert.deepEqual(new Set(tf), new Set(Object.keys(SECTION_6)), "the run_lfads.py group is exactly §6");
});

test("every visible RunParams c_* property that the trainer takes is a flag mapped onto it", () => {
  const mapped = new Set(RUN_LFADS_FLAGS.flatMap((f) => (f.param ? [f.param] : [])));
  for (const spec of PARAM_TABLE) {
    if (!spec.name.startsWith("c_")) continue;
    const flag = spec.name.slice(2);
    assert.ok(RUN_LFADS_FLAGS.some((f) => f.name === flag), `--${flag} exists`);
    // device and allow_gpu_growth are handled by the command (a note), not passed to the model.
    if (flag !== "device" && flag !== "allow_gpu_growth") assert.ok(mapped.has(spec.name), `--${flag} sets ${spec.name}`);
  }
});

test("defaults map onto RunParams with run_lfads.py's values, not the Run Manager's", () => {
  const p = runParamsFromFlags(parseRunLfadsArgv([]));
  const v = p.values;
  assert.equal(v.c_l2_gen_scale, 2000);
  assert.equal(v.c_l2_con_scale, 0);
  assert.equal(v.c_kl_increase_steps, 2000);
  assert.equal(v.c_l2_increase_steps, 2000);
  assert.equal(v.c_co_dim, 1);
  assert.equal(v.c_gen_dim, 200);
  assert.equal(v.c_batch_size, 128);
  assert.equal(v.c_learning_rate_decay_factor, 0.95);
  assert.equal(v.c_num_steps_for_gen_ic, 4294967295, "sys.maxsize clamps to the RunParams maximum (then to T)");
  const q = runParamsFromFlags(parseRunLfadsArgv(["--co_dim=0", "--factors_dim", "20", "--output_dist=gaussian", "--debug_reduce_timesteps_to=30"]));
  assert.equal(q.values.c_co_dim, 0);
  assert.equal(q.values.c_factors_dim, 20);
  assert.equal(q.values.c_output_dist, "gaussian");
  assert.deepEqual(q.values.c_debug_reduce_timesteps_to, [30]);
});

test("the TF README's fully spelled-out command parses", () => {
  const a = parseRunLfadsArgv(README_FULL);
  assert.equal(a.given.size, 59);
  assert.equal(a.values.co_dim, 0);
  assert.equal(a.values.output_filename_stem, "");
  assert.equal(a.values.num_steps_for_gen_ic, 100000000);
  const p = runParamsFromFlags(a);
  assert.equal(p.values.c_factors_dim, 20);
  assert.equal(p.values.c_num_steps_for_gen_ic, 100000000);
});

test("booleans: --flag, --noflag, --flag=true|false|True|f|0|1, one dash; the last occurrence wins", () => {
  const b = (argv: string[]): unknown => parseRunLfadsArgv(argv).values.do_causal_controller;
  assert.equal(b(["--do_causal_controller"]), true);
  assert.equal(b(["--nodo_causal_controller"]), false);
  assert.equal(b(["--do_causal_controller=false"]), false);
  assert.equal(b(["--do_causal_controller=True"]), true);
  assert.equal(b(["--do_causal_controller=t"]), true);
  assert.equal(b(["--do_causal_controller=0"]), false);
  assert.equal(b(["--do_causal_controller=1"]), true);
  assert.equal(b(["-do_causal_controller"]), true);
  assert.equal(b(["--do_causal_controller", "--nodo_causal_controller"]), false);
  assert.equal(parseRunLfadsArgv(["--allow_gpu_growth=True"]).values.allow_gpu_growth, true);
  assert.equal(parseRunLfadsArgv(["--nodo_train_readin"]).values.do_train_readin, false);
  // A boolean does not take the next argument as its value.
  assert.throws(() => parseRunLfadsArgv(["--do_causal_controller", "false"]), /unexpected argument 'false'/);
  assert.throws(() => parseRunLfadsArgv(["--nodo_causal_controller=true"]), (e: unknown) => e instanceof UsageError && /--nodo_causal_controller takes no value/.test(e.message));
  assert.throws(() => parseRunLfadsArgv(["--do_causal_controller=maybe"]), /--do_causal_controller is a boolean flag; got 'maybe'/);
});

test("values: --flag=value and --flag value; ints, floats and choices are checked, errors name the flag and the value", () => {
  const a = parseRunLfadsArgv(["--co_dim", "3", "--learning_rate_init=1e-3", "--output_dist", "gaussian"]);
  assert.equal(a.values.co_dim, 3);
  assert.equal(a.values.learning_rate_init, 0.001);
  assert.equal(a.values.output_dist, "gaussian");
  const usage = (argv: string[], re: RegExp): void => assert.throws(() => runParamsFromFlags(parseRunLfadsArgv(argv)), (e: unknown) => e instanceof UsageError && re.test(e.message), argv.join(" "));
  usage(["--co_dim=abc"], /--co_dim expects an integer; got 'abc'/);
  usage(["--co_dim=1.5"], /--co_dim expects an integer; got '1.5'/);
  usage(["--learning_rate_init=fast"], /--learning_rate_init expects a number; got 'fast'/);
  usage(["--output_dist=gauss"], /--output_dist must be one of poisson, gaussian; got 'gauss' \(did you mean 'gaussian'\?\)/);
  usage(["--kind=posterior_sample"], /--kind must be one of .*; got 'posterior_sample'/);
  usage(["--keep_prob=1.5"], /invalid value for --keep_prob: 1.5 \(expected a number in \(0, 1\]\)/);
  usage(["--co_dim=-1"], /invalid value for --co_dim: -1 \(expected an integer in \[0, 65535\]/);
  usage(["--batch_size"], /--batch_size needs a value/);
  usage(["data.h5"], /unexpected argument 'data.h5'/);
});

test("unknown flags are errors naming the closest flag", () => {
  const unknown = (flag: string, suggestion: string): void =>
    assert.throws(() => parseRunLfadsArgv([flag]), (e: unknown) => e instanceof UsageError && e.message.includes(`did you mean --${suggestion}?`), flag);
  unknown("--co_dm=1", "co_dim");
  unknown("--facotrs_dim=20", "factors_dim");
  unknown("--c_co_dim=1", "co_dim"); // the RunParams spelling
  unknown("--co-dim=1", "co_dim"); // kebab-case
  unknown("--nodo_causal_controler", "do_causal_controller");
  assert.throws(() => parseRunLfadsArgv(["--xyzzy=1"]), (e: unknown) => e instanceof UsageError && /^unknown flag --xyzzy \('lfads run-lfads --help'/.test(e.message));
});

test("lfads run-lfads through the CLI: usage errors exit 2, unsupported values exit 1 naming the flag, --help lists every flag", async () => {
  const r = await inProcess(["run-lfads", "--kind=train", "--co_dm=1"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^lfads run-lfads: unknown flag --co_dm; did you mean --co_dim\?/);
  for (const [flag, re] of [
    ["--checkpoint_name=my_model", /not supported: --checkpoint_name=my_model/],
    ["--csv_log=log", /not supported: --csv_log=log/],
  ] as const) {
    const u = await inProcess(["run-lfads", flag]);
    assert.equal(u.code, 1, flag);
    assert.match(u.err, re);
  }
  const both = await inProcess(["run-lfads", "--do_train_io_only", "--do_train_encoder_only"]);
  assert.equal(both.code, 2);
  assert.match(both.err, /--do_train_io_only and --do_train_encoder_only .* choose one/);
  const lve = await inProcess(["run-lfads", "--kind=train", "--checkpoint_pb_load_name=checkpoint_lve"]);
  assert.equal(lve.code, 1);
  assert.match(lve.err, /not supported: --checkpoint_pb_load_name=checkpoint_lve with --kind=train/);
  const missing = await inProcess(["run-lfads", "--data_dir=/nonexistent/lfads-data"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /LFADS input folder not found: \/nonexistent\/lfads-data/);

  const h = await inProcess(["run-lfads", "--help"]);
  assert.equal(h.code, 0);
  for (const f of RUN_LFADS_FLAGS) assert.ok(h.out.includes(`--${f.name}`), `help lists --${f.name}`);
  assert.match(h.out, /--l2_gen_scale=<float>\s+.*\(default 2000\)/);
  const top = await inProcess(["--help"]);
  assert.match(top.out, /run-lfads\s+TF LFADS's run_lfads.py/);
  assert.match(top.out, /plot-fitlog\s+/);
});

test("lfadslite / AutoLFADS flags: coordinated dropout and sample validation map onto RunParams, off by default", async () => {
  const { recordedFlags } = await import("../../src/run-lfads/files.js");
  const off = parseRunLfadsArgv([]);
  const p0 = runParamsFromFlags(off);
  assert.deepEqual([p0.c_keep_ratio, p0.c_cd_grad_passthru_prob, p0.c_cv_keep_ratio, p0.c_cv_rand_seed], [1, 0, 1, 0]);
  assert.ok(!("keep_ratio" in recordedFlags(off.values)), "defaults leave the hyperparameters file as TF LFADS writes it");
  const on = parseRunLfadsArgv(["--keep_ratio=0.7", "--cd_grad_passthru_prob", "0.1", "--cv_keep_ratio=0.9", "--cv_rand_seed=4"]);
  const p = runParamsFromFlags(on);
  assert.deepEqual([p.c_keep_ratio, p.c_cd_grad_passthru_prob, p.c_cv_keep_ratio, p.c_cv_rand_seed], [0.7, 0.1, 0.9, 4]);
  const rec = recordedFlags(on.values);
  assert.deepEqual([rec["keep_ratio"], rec["cd_grad_passthru_prob"], rec["cv_keep_ratio"], rec["cv_rand_seed"]], [0.7, 0.1, 0.9, 4]);
  assert.ok(RUN_LFADS_FLAGS.filter((f) => f.source === "autolfads").every((f) => f.param === `c_${f.name}`));
  assert.throws(() => runParamsFromFlags(parseRunLfadsArgv(["--keep_ratio=0"])), (e: Error) => e instanceof UsageError && /invalid value for --keep_ratio: 0 \(expected a number in \(0, 1\]\)/.test(e.message));
});
