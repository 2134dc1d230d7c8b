import { test } from "node:test";
import assert from "node:assert/strict";
import * as util from "node:util";
import { NotSupportedError, ParamError, setWarningSink } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { RunParams } from "../../src/params/run-params.js";
import { RunCollection } from "../../src/facade/runs.js";
import { RunSpec } from "../../src/runs/run-spec.js";

const ROOT = "/data/lorenz_example";
const BASE = new RunParams({ c_learning_rate_stop: 0.001, c_batch_size: 150, c_co_dim: 0, c_ic_enc_dim: 64, c_gen_dim: 64 });
/** docs/index.md: the c_factors_dim sweep and its hashes. */
const SWEEP: [number, string, string][] = [
  [2, "param_Z1-4Ne", "data_cq1HAe"],
  [4, "param_UEvXAB", "data_QcdNGf"],
  [6, "param_m8Dk5i", "data_y3K_k3"],
  [8, "param_YOs74u", "data_4MaTKO"],
];

function collection(n = 3): DatasetCollection {
  const dc = new DatasetCollection(`${ROOT}/datasets`, "lorenz_example");
  for (let k = 1; k <= n; k++) new Dataset(dc, `dataset00${k}.h5`);
  return dc;
}

function captureWarnings(): { warnings: string[]; restore: () => void } {
  const warnings: string[] = [];
  const prev = setWarningSink((m) => warnings.push(m));
  return { warnings, restore: () => setWarningSink(prev) };
}

test("RunSpec: by 1-based index, mask, name or object; errors for empty and unknown selections", () => {
  const dc = collection();
  const ds1 = dc.datasets[0]!;
  const s = new RunSpec(ds1.getSingleRunName(), dc, 1);
  assert.equal(s.name, "single_dataset001");
  assert.deepEqual(s.datasetNames, ["dataset001"]);
  assert.deepEqual(new RunSpec("all", dc, [1, 2, 3]).datasetIndsInCollection, [1, 2, 3]);
  assert.deepEqual(new RunSpec("b", dc, [false, true, true]).datasetNames, ["dataset002", "dataset003"]);
  assert.deepEqual(new RunSpec("c", dc, ["dataset003", "dataset001"]).datasetIndsInCollection, [3, 1]);
  assert.deepEqual(new RunSpec("d", dc, dc.datasets[1]!).datasetNames, ["dataset002"]);
  assert.throws(() => new RunSpec("e", dc, []), (e: Error) => e instanceof ParamError && /no datasets selected/.test(e.message) && /dataset001, dataset002, dataset003/.test(e.message));
  assert.throws(() => new RunSpec("f", dc, 4), (e: Error) => e instanceof ParamError && /index 4 is out of range/.test(e.message) && /1\.\.3/.test(e.message));
  assert.throws(() => new RunSpec("g", dc, [1, 1]), (e: Error) => e instanceof ParamError && /dataset001 is selected twice/.test(e.message));
  assert.throws(() => new RunSpec("h/i", dc, 1), (e: Error) => e instanceof ParamError && /"h\/i" cannot be used as a folder name/.test(e.message));
  assert.throws(() => new RunSpec("j", dc, "dataset009"), (e: Error) => /Missing datasets dataset009/.test(e.message));
  assert.equal(
    util.inspect(new RunSpec("all", dc, [1, 2])),
    ['LFADS.RunSpec "all" (2 datasets)', "  2 datasets from collection lorenz_example", '    [ds 1] LFADS.Dataset "dataset001"', '    [ds 2] LFADS.Dataset "dataset002"'].join("\n"),
  );
});

test("the docs' c_factors_dim sweep gives the four documented param/data hashes and folders", () => {
  const dc = collection(1);
  const rc = new RunCollection(`${ROOT}/runs`, "example", dc);
  rc.addParams(SWEEP.map(([k]) => BASE.with({ c_factors_dim: k })));
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  assert.equal(rc.path, `${ROOT}/runs/example`);
  assert.equal(rc.version, 20171107);
  assert.deepEqual(rc.params.map((p) => p.paramHashString), SWEEP.map((s) => s[1]));
  assert.deepEqual(rc.params.map((p) => p.dataHashString), SWEEP.map((s) => s[2]));
  assert.deepEqual(rc.pathsForParams, SWEEP.map((s) => `${ROOT}/runs/example/${s[1]}`));
  assert.deepEqual(rc.pathsCommonDataForParams, SWEEP.map((s) => `${ROOT}/runs/example/${s[2]}`));
  assert.equal(rc.nRunsTotal, 4);
  assert.equal(rc.fileSummaryText, `${ROOT}/runs/example/summary.txt`);
  assert.equal(rc.fileShellScriptRunQueue, `${ROOT}/runs/example/run_lfadsqueue.py`);
  assert.equal(rc.fileShellScriptTensorboard, `${ROOT}/runs/example/launch_tensorboard.sh`);
  assert.equal(rc.fileShellScriptRunQueuePosteriorMeanOnly, `${ROOT}/runs/example/run_lfadsqueue_posteriorMeanOnly.py`);
  assert.equal(
    util.inspect(rc),
    [
      'LFADS.RunCollection "example" (4 runs total)',
      `  Dataset Collection "lorenz_example" (1 datasets) in ${ROOT}/datasets`,
      `  Path: ${ROOT}/runs/example`,
      "",
      "  4 parameter settings",
      ...SWEEP.map(([k, p, d], i) => `  [${i + 1} ${p} ${d}] LFADS.RunParams "" c_learning_rate_stop=0.001 c_batch_size=150 c_co_dim=0 c_ic_enc_dim=64 c_gen_dim=64 c_factors_dim=${k}`),
      "",
      "  1 run specifications",
      '  [ 1] LFADS.RunSpec "single_dataset001" (1 datasets)',
    ].join("\n"),
  );
});

test("Run: every path of the layout (version >= 20171107)", () => {
  const dc = collection(1);
  const rc = new RunCollection(`${ROOT}/runs`, "exampleSingleSession", dc);
  rc.addParams(BASE.with({ c_factors_dim: 8, name: "first_attempt" }));
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  const run = rc.findRun("single_dataset001", 1);
  const P = `${ROOT}/runs/exampleSingleSession/param_YOs74u/single_dataset001`;
  const D = `${ROOT}/runs/exampleSingleSession/data_4MaTKO/single_dataset001`;
  assert.equal(run.path, P);
  assert.equal(run.pathCommonData, D);
  assert.equal(run.pathLFADSInput, `${P}/lfadsInput`);
  assert.equal(run.pathLFADSOutput, `${P}/lfadsOutput`);
  assert.deepEqual(run.lfadsInputFileNames, ["lfads_dataset001.h5"]);
  assert.deepEqual(run.lfadsInputInfoFileNames, ["inputInfo_dataset001.h5"]);
  assert.deepEqual(run.lfadsInputFiles, [`${D}/lfads_dataset001.h5`]);
  assert.deepEqual(run.lfadsInputLinks, [`${P}/lfadsInput/lfads_dataset001.h5`]);
  assert.deepEqual(run.lfadsInputInfoLinks, [`${P}/lfadsInput/inputInfo_dataset001.h5`]);
  assert.equal(run.pathSequenceFiles, `${D}/seq`);
  assert.deepEqual(run.sequenceFileNames, ["seq_dataset001.mat"]);
  assert.equal(run.fileShellScriptLFADSTrain, `${P}/lfads_train.sh`);
  assert.equal(run.fileShellScriptLFADSPosteriorMeanSample, `${P}/lfads_posterior_mean_sample.sh`);
  assert.equal(run.fileShellScriptLFADSWriteModelParams, `${P}/lfads_write_model_params.sh`);
  assert.equal(run.fileLFADSOutput, `${P}/lfads.out`);
  assert.equal(run.fileLFADSDone, `${P}/lfads.done`);
  assert.equal(run.fileLFADSOutputPosteriorMeanOnly, `${P}/lfads.out.posteriorMeanOnly`);
  assert.equal(run.fileLFADSDonePosteriorMeanOnly, `${P}/lfads.done.posteriorMeanOnly`);
  assert.equal(run.fileModelParams, `${P}/lfadsOutput/model_params`);
  assert.equal(run.fileFitLog, `${P}/lfadsOutput/fitlog.csv`);
  assert.equal(run.pathExport, `${P}/export`);
  assert.equal(run.sessionNameTrain, "train_single_dataset001__param_YOs74u");
  assert.equal(run.sessionNamePosteriorMean, "pm_single_dataset001__param_YOs74u");
  assert.equal(run.sessionNameWriteModelParams, "writeParams_single_dataset001_param_YOs74u");
  assert.equal(run.paramsString, "param_YOs74u");
  assert.equal(run.paramsName, "first_attempt");
  assert.equal(run.paramIndexInRunCollection, 1);
  assert.equal(
    util.inspect(run),
    [
      'LFADS.Run "single_dataset001" (1 datasets)',
      `  Path: ${P}`,
      `  Data: ${D}`,
      '  LFADS.RunParams "first_attempt" : c_learning_rate_stop=0.001 c_batch_size=150 c_co_dim=0 c_ic_enc_dim=64 c_gen_dim=64 c_factors_dim=8',
      "",
      '  1 datasets in "lorenz_example"',
      '    [ 1] LFADS.Dataset "dataset001"',
    ].join("\n"),
  );
});

test("older versions share one data folder per data hash; version < 3 is refused", () => {
  const dc = collection(3);
  const rc = new RunCollection(`${ROOT}/runs`, "exampleStitching", dc, { version: 201801 });
  rc.addParams(BASE.with({ c_factors_dim: 8, useAlignmentMatrix: true, name: "first_attempt_stitching" }));
  rc.addRunSpec(new RunSpec("all", dc, [1, 2, 3]));
  const run = rc.runList[0]!;
  // docs/multisession.md: param_Qr2PeG / data_RE1kuL (the params keep their own version 20171107).
  assert.equal(run.path, `${ROOT}/runs/exampleStitching/param_Qr2PeG/all`);
  assert.equal(run.pathCommonData, `${ROOT}/runs/exampleStitching/data_RE1kuL`);
  assert.throws(() => new RunCollection(ROOT, "x", dc, { version: 2 }), (e: Error) => e instanceof NotSupportedError && /version 2/.test(e.message) && /20171107/.test(e.message));
  assert.throws(() => new RunCollection(ROOT, "x", dc, { version: 1.5 }), (e: Error) => e instanceof ParamError && /positive integer date/.test(e.message) && /1\.5/.test(e.message));
  assert.throws(() => new RunCollection("", "x", dc), (e: Error) => e instanceof ParamError && /rootPath is empty/.test(e.message));
});

test("addParams replaces equal param hashes with a warning; addRunSpec checks the collection", () => {
  const dc = collection(2);
  const rc = new RunCollection(`${ROOT}/runs`, "example", dc);
  const w = captureWarnings();
  try {
    rc.addParams([BASE.with({ c_factors_dim: 2 }), BASE.with({ c_factors_dim: 4 })]);
    rc.addParams(BASE.with({ c_factors_dim: 4, name: "renamed" }));
    assert.equal(rc.nParams, 2);
    assert.equal(rc.params[1]!.name, "renamed");
    assert.deepEqual(w.warnings, ['RunCollection "example": replacing existing params param_UEvXAB (param 2) with equal param hash']);
    rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
    rc.addRunSpec(new RunSpec("single_dataset001", dc, 2));
    assert.equal(rc.nRunSpecs, 1);
    assert.deepEqual(rc.runSpecs[0]!.datasetNames, ["dataset002"]);
    assert.match(w.warnings[1]!, /replacing existing run spec "single_dataset001"/);
  } finally {
    w.restore();
  }
  assert.throws(() => rc.addParams({ c_factors_dim: 3 } as unknown as RunParams), (e: Error) => e instanceof ParamError && /entry 1 is not a RunParams \(got Object\)/.test(e.message));
  const other = collection(1);
  assert.throws(() => rc.addRunSpec(new RunSpec("x", other, 1)), (e: Error) => e instanceof ParamError && /DatasetCollection of RunSpec "x"/.test(e.message) && /must match/.test(e.message));
});

test("findRuns: by name, param_XXXXXX, bare hash, 1-based index, RunParams; MATLAB linear order", () => {
  const dc = collection(2);
  const rc = new RunCollection(`${ROOT}/runs`, "example", dc);
  const params = SWEEP.map(([k]) => BASE.with({ c_factors_dim: k }));
  rc.addParams(params);
  rc.addRunSpec([new RunSpec("single_dataset001", dc, 1), new RunSpec("single_dataset002", dc, 2)]);
  assert.equal(rc.runs.length, 2);
  assert.equal(rc.runs[0]!.length, 4);
  assert.deepEqual(
    rc.runList.map((r) => `${r.name}/${r.paramsString}`).slice(0, 3),
    ["single_dataset001/param_Z1-4Ne", "single_dataset002/param_Z1-4Ne", "single_dataset001/param_UEvXAB"],
    "specs vary fastest",
  );
  const one = rc.findRuns("single_dataset001", 1);
  assert.equal(one.length, 1);
  assert.equal(one[0], rc.runs[0]![0]);
  assert.equal(rc.findRun("single_dataset002", "param_YOs74u"), rc.runs[1]![3]);
  assert.equal(rc.findRun(2, "m8Dk5i"), rc.runs[1]![2]);
  assert.equal(rc.findRun("single_dataset001", params[1]!), rc.runs[0]![1]);
  assert.equal(rc.findRuns(undefined, 4).length, 2);
  assert.equal(rc.findRuns("single_dataset001").length, 4);
  assert.equal(rc.findRuns().length, 8);
  assert.throws(() => rc.findRuns("single_datset001"), (e: Error) => e instanceof ParamError && /Some run spec names could not be found/.test(e.message) && /Did you mean 'single_dataset001'/.test(e.message));
  assert.throws(() => rc.findRuns(undefined, "param_nope00"), (e: Error) => e instanceof ParamError && /Some run params could not be found/.test(e.message) && /param_nope00/.test(e.message));
  assert.throws(() => rc.findRuns(undefined, 5), (e: Error) => e instanceof ParamError && /index 5 is out of range/.test(e.message) && /1\.\.4/.test(e.message));
  assert.throws(() => rc.findRun(undefined, 1), (e: Error) => e instanceof ParamError && /matches 2 runs/.test(e.message));
  // Runs keep their identity when unrelated params are added (cached data survives).
  const before = rc.runs[0]![0];
  rc.addParams(BASE.with({ c_factors_dim: 10 }));
  assert.equal(rc.runs[0]![0], before);
  rc.filterParams([1, 2]);
  assert.equal(rc.nParams, 2);
  rc.filterRunSpecs([false, true]);
  assert.deepEqual(rc.runSpecs.map((s) => s.name), ["single_dataset002"]);
});

test("summary(): the §9.4 text, with every property line as the docs print it", () => {
  const dc = collection(1);
  const rc = new RunCollection(`${ROOT}/runs`, "exampleSingleSession", dc, { version: 20180131 });
  rc.addParams(BASE.with({ c_factors_dim: 8, name: "first_attempt" }));
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  const text = rc.summary();
  const head = [
    'LFADS.RunCollection "exampleSingleSession" (1 runs total)',
    `  Path: ${ROOT}/runs/exampleSingleSession`,
    `  Dataset Collection "lorenz_example" (1 datasets) in ${ROOT}/datasets`,
    "",
    "  ------------------------",
    "",
    "  1 Run Specifications:",
    "",
    '    [runSpec 1] LFADS.RunSpec "single_dataset001" (1 datasets)',
    '      [ds 1] LFADS.Dataset "dataset001"',
    "",
    "  ------------------------",
    "",
    "  1 Parameter Settings:",
    "",
    '    [1 param_YOs74u data_4MaTKO] LFADS.RunParams "first_attempt"',
    "      c_learning_rate_stop=0.001 c_batch_size=150 c_co_dim=0 c_ic_enc_dim=64 c_gen_dim=64 c_factors_dim=8",
    "",
    "      spikeBinMs: 2",
  ].join("\n");
  assert.equal(text.slice(0, head.length), head);
  assert.ok(text.endsWith("      c_debug_print_each_step: false\n\n"), "each params block ends with its newline plus a blank line");
  // The property list of docs/single-session.md (older docs omit a few properties; order and values must agree).
  const docs = `c_allow_gpu_growth: true|c_max_ckpt_to_keep: 5|c_max_ckpt_to_keep_lve: 5|c_device: /gpu:0|c_learning_rate_init: 0.01|c_learning_rate_decay_factor: 0.98|c_learning_rate_n_to_compare: 6|c_learning_rate_stop: 0.001|c_max_grad_norm: 200|trainToTestRatio: 4|c_batch_size: 150|c_cell_clip_value: 5|c_temporal_spike_jitter_width: 0|c_keep_prob: 0.95|c_l2_gen_scale: 500|c_l2_con_scale: 500|c_co_mean_corr_scale: 0|c_kl_ic_weight: 1|c_kl_co_weight: 1|c_kl_start_step: 0|c_kl_increase_steps: 900|c_l2_start_step: 0|c_l2_increase_steps: 900|scaleIncreaseStepsWithDatasets: true|c_ext_input_dim: 0|c_inject_ext_input_to_gen: false|c_co_dim: 0|c_prior_ar_atau: 10|c_do_train_prior_ar_atau: true|c_prior_ar_nvar: 0.1|c_do_train_prior_ar_nvar: true|c_do_causal_controller: false|c_do_feed_factors_to_controller: true|c_feedback_factors_or_rates: factors|c_controller_input_lag: 1|c_ci_enc_dim: 128|c_con_dim: 128|c_co_prior_var_scale: 0.1|c_num_steps_for_gen_ic: 4294967295|c_ic_dim: 64|c_ic_enc_dim: 64|c_ic_prior_var_min: 0.1|c_ic_prior_var_scale: 0.1|c_ic_prior_var_max: 0.1|c_ic_post_var_min: 0.0001|c_cell_weight_scale: 1|c_gen_dim: 64|c_gen_cell_input_weight_scale: 1|c_gen_cell_rec_weight_scale: 1|c_factors_dim: 8|c_output_dist: poisson|c_do_train_readin: true|useAlignmentMatrix: false|useSingleDatasetAlignmentMatrix: false|posterior_mean_kind: posterior_sample_and_average|num_samples_posterior: 512`.split("|");
  const lines = text.split("\n");
  let last = -1;
  for (const d of docs) {
    const i = lines.indexOf(`      ${d}`);
    assert.ok(i > last, `"${d}" present and in order`);
    last = i;
  }
});

test("empty grids: prepare() names what is missing", async () => {
  const dc = collection(1);
  const rc = new RunCollection(`${ROOT}/runs`, "empty", dc);
  await assert.rejects(rc.prepare(), (e: Error) => e instanceof ParamError && /No RunParams have been added. Use rc.addParams/.test(e.message));
  rc.addParams(BASE);
  await assert.rejects(rc.prepare(), (e: Error) => e instanceof ParamError && /No RunSpecs have been added. Use rc.addRunSpec/.test(e.message));
});
