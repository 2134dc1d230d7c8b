// `lfads run-lfads` end to end on tiny models and tiny synthetic data (the TF README's presets at 1% of
// the conditions, 30 bins): train, then every sampling kind; the files TF writes, read back by the
// TF-free readers; Poisson and Gaussian; external inputs both ways; and that controller_input_lag,
// temporal_spike_jitter_width, do_train_io_only and do_train_encoder_only reach the model and trainer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, type CliIO } from "../../src/cli.js";
import { readModelRuns } from "../../src/run-lfads/files.js";
import { writeSynthDataset } from "../../src/data/synth/write.js";
import { loadFitLog } from "../../src/posterior/fit-log.js";
import { loadPosteriorMeans } from "../../src/posterior/read-posterior.js";
import { writeInputInfo } from "../posterior/input-info-fixture.js";
import { loadModelTrainedParams } from "../../src/posterior/trained-params.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";

const T = 30;
const N = 50;
let root = "";
let data = "";

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-run-lfads-"));
  data = path.join(root, "rnn_synth_data_v1.0");
  for (const preset of ["chaotic_rnn_inputs_g2p5", "gaussian_chaotic_rnn_no_inputs", "chaotic_rnns_labeled"]) {
    await writeSynthDataset(data, preset, { scale: 0.01, T: T / 100 });
  }
});
after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function lfads(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t) };
  return { code: await main(["run-lfads", ...argv], io), out, err };
}

async function ok(argv: string[]): Promise<string> {
  const r = await lfads(argv);
  assert.equal(r.code, 0, `lfads run-lfads ${argv.join(" ")}\n${r.err}`);
  return r.out;
}

/** A tiny model: 32 train / 8 valid trials per file, so batches of 4. */
const TINY = ["--factors_dim=4", "--gen_dim=8", "--ic_dim=4", "--ic_enc_dim=6", "--ci_enc_dim=4", "--con_dim=4", "--batch_size=4", "--kl_increase_steps=8", "--l2_increase_steps=8", "--learning_rate_init=0.02"];
const where = (stem: string, save: string): string[] => [`--data_dir=${data}`, `--data_filename_stem=${stem}`, `--lfads_save_dir=${path.join(root, save)}`];
const G2P5 = (save: string): string[] => [...where("chaotic_rnn_inputs_g2p5", save), "--co_dim=1", ...TINY];
const DS = "dataset_N50_S50";

const shape = (r: Record<string, { shape: number[] }>, k: string): number[] => {
  assert.ok(r[k], `key ${k} (keys: ${Object.keys(r).join(", ")})`);
  return r[k].shape;
};

test("train, then every sampling kind: TF's files and keys in lfads_save_dir", { timeout: 600_000 }, async () => {
  const save = path.join(root, "lfads_g2p5");
  const out = await ok(["--kind=train", ...G2P5("lfads_g2p5"), "--max_epochs=3"]);
  assert.match(out, /1 dataset\(s\) .* with stem 'chaotic_rnn_inputs_g2p5' \(dataset_N50_S50\), T = 30/);
  assert.match(out, /done \(max_epochs\) after 3 epochs, 24 steps/);
  for (const f of ["checkpoint", "checkpoint_lve", "fitlog.csv", "hyperparameters-0.txt", "model_params", "lfads_vae.ckpt-24.h5"]) assert.ok(fs.existsSync(path.join(save, f)), f);
  assert.ok(fs.readdirSync(save).some((f) => /^lfads_vae_lve\.ckpt-\d+\.h5$/.test(f)), "an LVE checkpoint");
  assert.equal(loadFitLog(save).nEpochs, 3);
  const hps = JSON.parse(fs.readFileSync(path.join(save, "hyperparameters-0.txt"), "utf8")) as Record<string, unknown>;
  assert.equal(hps.kind, "train");
  assert.deepEqual(hps.dataset_names, [DS]);
  assert.deepEqual(hps.dataset_dims, { [DS]: N });
  assert.equal(hps.num_steps, T);
  assert.equal(hps.num_steps_for_gen_ic, T);
  assert.equal(hps.l2_gen_scale, 2000, "run_lfads.py default");
  assert.equal(hps.do_causal_controller, "false");
  assert.equal(hps.co_dim, 1);

  // posterior_sample_and_average from the LVE checkpoint, --batch_size samples per trial.
  const lveStep = Number(/ckpt-(\d+)/.exec(fs.readFileSync(path.join(save, "checkpoint_lve"), "utf8"))![1]);
  const ps = await ok(["--kind=posterior_sample_and_average", ...G2P5("lfads_g2p5"), "--batch_size=6", "--checkpoint_pb_load_name=checkpoint_lve"]);
  assert.match(ps, /32 trials × 6 samples/);
  for (const [split, E] of [["train", 32], ["valid", 8]] as const) {
    const r = await readModelRuns(path.join(save, `model_runs_${DS}_${split}_posterior_sample_and_average`));
    assert.deepEqual(shape(r, "output_dist_params"), [E, T, N]);
    assert.deepEqual(shape(r, "factors"), [E, T, 4]);
    assert.deepEqual(shape(r, "gen_states"), [E, T, 8]);
    assert.deepEqual(shape(r, "gen_ics"), [E, 8]);
    assert.deepEqual(shape(r, "controller_outputs"), [E, T, 1]);
    for (const k of ["prior_g0_mean", "prior_g0_logvar", "post_g0_mean", "post_g0_logvar"]) assert.deepEqual(shape(r, k), [E, 4]);
    for (const k of ["costs", "nll_bound_vaes", "nll_bound_iwaes", "train_steps"]) assert.deepEqual(shape(r, k), [E]);
    assert.ok(r.output_dist_params!.data.every((x) => x > 0 && Number.isFinite(x)), "rates positive");
    assert.ok(r.train_steps!.data.every((s) => s === lveStep), `train_steps = LVE step ${lveStep}`);
  }
  assert.ok(fs.existsSync(path.join(save, `hyperparameters-${lveStep}.txt`)));

  // posterior_push_mean from the latest checkpoint; only the first --ps_nexamples_to_process trials.
  await ok(["--kind=posterior_push_mean", ...G2P5("lfads_g2p5"), "--ps_nexamples_to_process=3"]);
  const pm = await readModelRuns(path.join(save, `model_runs_${DS}_valid_posterior_push_mean`));
  assert.deepEqual(shape(pm, "output_dist_params"), [3, T, N]);
  assert.ok(pm.train_steps!.data.every((s) => s === 24));

  // prior_sample: --batch_size trials from the priors.
  await ok(["--kind=prior_sample", ...G2P5("lfads_g2p5"), "--batch_size=5"]);
  const prior = await readModelRuns(path.join(save, "model_runs_prior_sample"));
  assert.deepEqual(shape(prior, "gen_ics"), [5, 8]);
  assert.deepEqual(shape(prior, "gen_states"), [5, T, 8]);
  assert.deepEqual(shape(prior, "factors"), [5, T, 4]);
  assert.deepEqual(shape(prior, "output_dist_params"), [5, T, N]);
  assert.deepEqual(shape(prior, "prior_zs_ar_con"), [5, T, 1]);
  assert.deepEqual(shape(prior, "costs"), [1]);

  // write_model_params, read back by the TF-free reader.
  fs.rmSync(path.join(save, "model_params"));
  await ok(["--kind=write_model_params", ...G2P5("lfads_g2p5"), "--checkpoint_pb_load_name=checkpoint_lve"]);
  const mp = await loadModelTrainedParams({ outputDir: save, datasetNames: [DS] });
  assert.deepEqual(mp.generator.hToRuW?.shape, [8, 16]);
  assert.deepEqual(mp.factorsToLogratesW?.[0]?.shape, [4, N]);

  // --output_filename_stem replaces the model_runs_ prefix (and prefixes _model_params), as TF does.
  await ok(["--kind=posterior_push_mean", ...G2P5("lfads_g2p5"), "--output_filename_stem=foo_"]);
  await ok(["--kind=write_model_params", ...G2P5("lfads_g2p5"), "--output_filename_stem=foo"]);
  for (const f of [`foo_${DS}_train_posterior_push_mean`, `foo_${DS}_valid_posterior_push_mean`, "foo_model_params"]) assert.ok(fs.existsSync(path.join(save, f)), f);
  assert.ok(!fs.readdirSync(save).some((f) => f.startsWith(".run-lfads-")), "the scratch folder is removed");
  // prior_sample passes it as the read-out dataset's name (TF's quirk).
  await ok(["--kind=prior_sample", ...G2P5("lfads_g2p5"), "--batch_size=2", `--output_filename_stem=${DS}`]);
  const bad = await lfads(["--kind=prior_sample", ...G2P5("lfads_g2p5"), "--output_filename_stem=nope"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--output_filename_stem='nope' with --kind=prior_sample: .*no dataset 'nope' \(datasets: dataset_N50_S50\)/);

  // Other architecture flags than in training: an error naming them.
  const mismatch = await lfads(["--kind=posterior_push_mean", ...G2P5("lfads_g2p5"), "--gen_dim=9"]);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.err, /does not fit the model.*hyperparameters-\d+\.txt has --gen_dim=8 \(given: 9\)/);

  // Training again resumes from the newest rolling checkpoint.
  const resumed = await ok(["--kind=train", ...G2P5("lfads_g2p5"), "--max_epochs=4"]);
  assert.match(resumed, /resumed from step 24/);
  assert.match(resumed, /after 4 epochs, 32 steps/);
  assert.equal(loadFitLog(save).nEpochs, 4);
});

test("Run Manager inputs (lfads_<ds>.h5 under the stem 'lfads'): posterior means read back by loadPosteriorMeans", { timeout: 300_000 }, async () => {
  const inputDir = path.join(root, "lfadsInput");
  fs.mkdirSync(inputDir);
  fs.copyFileSync(path.join(data, `chaotic_rnn_inputs_g2p5_${DS}`), path.join(inputDir, "lfads_dataset001.h5"));
  await writeInputInfo(path.join(inputDir, "inputInfo_dataset001.h5"), {
    trainInds: Array.from({ length: 32 }, (_, i) => i), validInds: Array.from({ length: 8 }, (_, i) => 32 + i), paramInputDataHash: "data_abcdef", seqBinSizeMs: 10,
  });
  const flags = [`--data_dir=${inputDir}`, "--data_filename_stem=lfads", `--lfads_save_dir=${path.join(root, "lfadsOutput")}`, "--co_dim=1", ...TINY];
  const out = await ok(["--kind=train", ...flags, "--max_epochs=2"]);
  assert.match(out, /stem 'lfads' \(dataset001\.h5\)/);
  await ok(["--kind=posterior_sample_and_average", ...flags, "--batch_size=4"]);
  const [pm] = await loadPosteriorMeans({ outputDir: path.join(root, "lfadsOutput"), inputDir, datasetNames: ["dataset001.h5"], spikeBinMs: 10 });
  assert.ok(pm);
  assert.deepEqual(pm.rates.shape, [40, T, N]);
  assert.ok(pm.truth, "truth from the input file's train_truth / valid_truth");
});

test("Gaussian observations on float data (output_dist=gaussian)", { timeout: 300_000 }, async () => {
  const flags = [...where("gaussian_chaotic_rnn_no_inputs", "lfads_gauss"), "--output_dist=gaussian", "--co_dim=0", ...TINY];
  const poisson = await lfads(["--kind=train", ...where("gaussian_chaotic_rnn_no_inputs", "lfads_gauss_p"), "--co_dim=0", ...TINY, "--max_epochs=1"]);
  assert.equal(poisson.code, 1);
  assert.match(poisson.err, /must hold non-negative integer spike counts for --output_dist='poisson'/);
  await ok(["--kind=train", ...flags, "--max_epochs=2"]);
  await ok(["--kind=posterior_push_mean", ...flags]);
  const r = await readModelRuns(path.join(root, "lfads_gauss", `model_runs_${DS}_valid_posterior_push_mean`));
  assert.deepEqual(shape(r, "output_dist_params"), [8, T, 2 * N], "means ‖ variances");
  assert.ok(!("controller_outputs" in r), "co_dim = 0: no controller outputs");
  const odp = r.output_dist_params!.data;
  for (let i = 0; i < 8 * T; i++) for (let n = N; n < 2 * N; n++) assert.ok(odp[i * 2 * N + n]! > 0, "variances > 0");
  const keys = Object.keys(await readModelRuns(path.join(root, "lfads_gauss", "model_params")));
  assert.ok(keys.includes(`LFADS_glm_fac_2_logvars_${DS}_W:0`) && keys.includes(`LFADS_glm_fac_2_means_${DS}_W:0`));
});

test("external inputs (train_ext_input / valid_ext_input) to the encoders or the generator", { timeout: 300_000 }, async () => {
  const stem = "chaotic_rnns_labeled";
  const ds = "dataset_N50";
  const enc = [...where(stem, "lfads_ext_enc"), "--co_dim=0", "--ext_input_dim=1", ...TINY];
  const gen = [...where(stem, "lfads_ext_gen"), "--co_dim=0", "--ext_input_dim=1", "--inject_ext_input_to_gen", ...TINY];
  for (const flags of [enc, gen]) {
    await ok(["--kind=train", ...flags, "--max_epochs=1"]);
    await ok(["--kind=posterior_push_mean", ...flags]);
  }
  const wEnc = await readModelRuns(path.join(root, "lfads_ext_enc", "model_params"));
  const wGen = await readModelRuns(path.join(root, "lfads_ext_gen", "model_params"));
  // Encoders read [x, ext] (N + X) plus their state; injected, the generator reads ext (U + X = 1).
  assert.deepEqual(wEnc["LFADS_ic_enc_fwd_GRU_Gates_xh_2_ru_W:0"]!.shape, [N + 1 + 6, 12]);
  assert.ok(!("LFADS_gen_GenGRU_Gates_x_2_ru_W:0" in wEnc), "no generator input with co_dim = 0 and ext to the encoders");
  assert.deepEqual(wGen["LFADS_ic_enc_fwd_GRU_Gates_xh_2_ru_W:0"]!.shape, [N + 6, 12]);
  assert.deepEqual(wGen["LFADS_gen_GenGRU_Gates_x_2_ru_W:0"]!.shape, [1, 16]);
  const r = await readModelRuns(path.join(root, "lfads_ext_gen", `model_runs_${ds}_valid_posterior_push_mean`));
  assert.deepEqual(shape(r, "output_dist_params"), [8, T, N]);
  // ext_input_dim on data without *_ext_input: an error naming the flag.
  const missing = await lfads(["--kind=train", ...G2P5("lfads_ext_missing"), "--ext_input_dim=1", "--max_epochs=1"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /train_ext_input is missing in .* but --ext_input_dim = 1/);
});

test("the README's multi-session (stitching with alignment matrices) and integrate-to-bound examples", { timeout: 300_000 }, async () => {
  for (const preset of ["chaotic_rnn_multisession", "itb_rnn"]) await writeSynthDataset(data, preset, { scale: 0.01, T: T / 100 });
  // --factors_dim=10: the alignment dimension of the multi-session files.
  const multi = [...where("chaotic_rnn_multisession", "lfads_multi"), "--factors_dim=10", "--gen_dim=8", "--ic_dim=4", "--ic_enc_dim=6", "--ci_enc_dim=4", "--con_dim=4", "--batch_size=8"];
  const out = await ok(["--kind=train", ...multi, "--max_steps=10"]);
  assert.match(out, /5 dataset\(s\) .*\(dataset_N100_S20_n1, dataset_N100_S20_n2, dataset_N100_S20_n3, dataset_N100_S20_n4, dataset_N100_S20_n5\)/);
  await ok(["--kind=posterior_push_mean", ...multi]);
  for (let n = 1; n <= 5; n++) {
    const r = await readModelRuns(path.join(root, "lfads_multi", `model_runs_dataset_N100_S20_n${n}_valid_posterior_push_mean`), ["output_dist_params"]);
    assert.deepEqual(r.output_dist_params!.shape, [16, T, 20]);
  }
  const w = await readModelRuns(path.join(root, "lfads_multi", "model_params"));
  assert.deepEqual(w["LFADS_x_2_infac_dataset_N100_S20_n3_W:0"]!.shape, [20, 10], "per-session read-in from alignment_matrix_cxf");
  // ITB: --co_dim=1 --controller_input_lag=0.
  await ok(["--kind=train", ...where("itb_rnn", "lfads_itb"), "--co_dim=1", "--controller_input_lag=0", ...TINY, "--max_epochs=1"]);
  const hps = JSON.parse(fs.readFileSync(path.join(root, "lfads_itb", "hyperparameters-0.txt"), "utf8")) as Record<string, unknown>;
  assert.equal(hps.controller_input_lag, 0);
});

test("controller_input_lag and temporal_spike_jitter_width reach the model and the trainer", { timeout: 300_000 }, async () => {
  // Same weights, lag 0 vs 1: other controller inputs, so other inferred inputs.
  await ok(["--kind=train", ...G2P5("lfads_lag"), "--max_epochs=1"]);
  await ok(["--kind=posterior_push_mean", ...G2P5("lfads_lag"), "--output_filename_stem=lag1_"]);
  await ok(["--kind=posterior_push_mean", ...G2P5("lfads_lag"), "--controller_input_lag=0", "--output_filename_stem=lag0_"]);
  const co = async (p: string): Promise<Float64Array> => (await readModelRuns(path.join(root, "lfads_lag", `${p}${DS}_valid_posterior_push_mean`), ["controller_outputs"])).controller_outputs!.data;
  const [c1, c0] = [await co("lag1_"), await co("lag0_")];
  assert.ok(c1.some((x, i) => Math.abs(x - c0[i]!) > 1e-6), "controller outputs depend on the lag");

  // Jitter changes the data the trainer sees; without it a seed reproduces the run exactly.
  const firstRecon = async (save: string, extra: string[]): Promise<number> => {
    await ok(["--kind=train", ...G2P5(save), "--max_epochs=1", "--seed=3", ...extra]);
    return loadFitLog(path.join(root, save)).rows[0]!.recon_train;
  };
  const a = await firstRecon("lfads_j0a", []);
  const b = await firstRecon("lfads_j0b", []);
  const j = await firstRecon("lfads_j2", ["--temporal_spike_jitter_width=2"]);
  assert.equal(a, b, "same seed, same run");
  assert.notEqual(a, j, "jittered spikes");
});

test("do_train_io_only and do_train_encoder_only update only their variables", { timeout: 300_000 }, async () => {
  const changed = async (save: string, flag: string): Promise<string[]> => {
    await ok(["--kind=train", ...G2P5(save), "--max_epochs=1"]);
    const out = await ok(["--kind=train", ...G2P5(save), "--max_epochs=2", flag]);
    assert.match(out, /training only the/);
    const s = path.join(root, save);
    const before = await loadCheckpoint(path.join(s, "lfads_vae.ckpt-8.h5"));
    const afterCk = await loadCheckpoint(path.join(s, "lfads_vae.ckpt-16.h5"));
    const names: string[] = [];
    for (const [name, w] of afterCk.weights) {
      const w0 = before.weights.get(name)!;
      if (w.data.some((x, i) => x !== w0.data[i])) names.push(name);
    }
    return names.sort();
  };
  const io = await changed("lfads_io", "--do_train_io_only");
  assert.deepEqual(io, [`LFADS/glm/fac_2_logrates_${DS}/W`, `LFADS/glm/fac_2_logrates_${DS}/b`]);
  const enc = await changed("lfads_enc", "--do_train_encoder_only");
  assert.ok(enc.length > 0 && enc.every((n) => /^LFADS\/(z\/)?ic_enc_/.test(n)), enc.join(", "));
  assert.ok(enc.some((n) => n.startsWith("LFADS/z/ic_enc_2_post_g0/")) && enc.some((n) => n.startsWith("LFADS/ic_enc_fwd/")));
});
