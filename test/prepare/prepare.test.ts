import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { array3d } from "../../src/core/array3d.js";
import { DataError, LayoutError, ParamError, ShapeError, setWarningSink } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { generateLorenzDatasets } from "../../src/data/lorenz.js";
import { rebin, splitTrainValid } from "../../src/data/rebin-split.js";
import { readArray, readH5, type H5File } from "../../src/io/h5.js";
import { RunParams } from "../../src/params/run-params.js";
import { readInputInfo } from "../../src/posterior/read-input-info.js";
import { prepare, type AlignmentProvider, type PrepareProgress } from "../../src/prepare/prepare.js";
import { RunCollection } from "../../src/facade/runs.js";
import { RunSpec } from "../../src/runs/run-spec.js";
import type { Run } from "../../src/facade/runs.js";

const PY = "/usr/bin/python3";
const h5pyCheck = spawnSync(PY, ["-c", "import h5py"], { encoding: "utf8" });
const hasH5py = h5pyCheck.status === 0;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-prepare-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

const BASE = new RunParams({ c_learning_rate_stop: 0.001, c_batch_size: 150, c_co_dim: 0, c_ic_enc_dim: 64, c_gen_dim: 64 });
const SWEEP: [number, string, string][] = [
  [2, "param_Z1-4Ne", "data_cq1HAe"],
  [4, "param_UEvXAB", "data_QcdNGf"],
  [6, "param_m8Dk5i", "data_y3K_k3"],
  [8, "param_YOs74u", "data_4MaTKO"],
];
const N_TIME = 101; // odd, so re-binning at 2 ms drops the last input bin

/** Every file and link under `dir` → [lstat ino, mtimeMs]. */
function snapshot(dir: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = fs.lstatSync(p);
        out.set(path.relative(dir, p), [s.ino, s.mtimeMs]);
      }
    }
  };
  walk(dir);
  return out;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

function dtypeOf(f: H5File, key: string): unknown {
  return (f.get(key) as { dtype: unknown }).dtype;
}

async function checkInputFile(run: Run, i: number, dataHash: string): Promise<void> {
  const ds = run.datasets[i]!;
  const raw = await ds.loadData({ keep: false });
  const split = splitTrainValid(raw.nTrials, run.params.trainToTestRatio);
  const T = Math.floor(N_TIME / 2);
  await readH5(run.lfadsInputLinks[i]!, (f) => {
    assert.deepEqual(f.keys().sort(), ["conversion_factor", "train_data", "train_inds", "train_truth", "valid_data", "valid_inds", "valid_truth"]);
    const tr = readArray(f, "train_data");
    const va = readArray(f, "valid_data");
    assert.equal(dtypeOf(f, "train_data"), "<q", "train_data is int64");
    assert.equal(dtypeOf(f, "valid_data"), "<q");
    assert.deepEqual(tr.shape, [split.trainInds.length, T, raw.nChannels]);
    assert.deepEqual(va.shape, [split.validInds.length, T, raw.nChannels]);
    for (const k of ["train_truth", "valid_truth", "train_inds", "valid_inds", "conversion_factor"]) assert.equal(dtypeOf(f, k), "<d", `${k} is float64`);
    assert.deepEqual(Array.from(readArray(f, "train_inds").data), split.trainInds.map((x) => x + 1));
    assert.deepEqual(Array.from(readArray(f, "valid_inds").data), split.validInds.map((x) => x + 1));
    assert.deepEqual(readArray(f, "train_inds").shape, [split.trainInds.length]);
    assert.deepEqual(Array.from(readArray(f, "conversion_factor").data), [0.5]);
    // Re-binned sums equal the raw sums over the kept 2·T input bins.
    const reb = rebin(raw.counts, 1, 2);
    assert.equal(sum(tr.data) + sum(va.data), sum(reb.data));
    let rawKept = 0;
    for (let j = 0; j < raw.counts.data.length; j++) if (j % N_TIME < 2 * T) rawKept += raw.counts.data[j]!;
    assert.equal(sum(tr.data) + sum(va.data), rawKept);
    // First training trial, element by element: [t][channel] of trial train_inds[0].
    const t0 = split.trainInds[0]!;
    for (let t = 0; t < T; t++)
      for (let c = 0; c < raw.nChannels; c++) assert.equal(tr.data[t * raw.nChannels + c], reb.data[(t0 * raw.nChannels + c) * T + t]);
    const truthSum = sum(readArray(f, "train_truth").data) + sum(readArray(f, "valid_truth").data);
    assert.ok(Math.abs(truthSum - sum(rebin(raw.truth!, 1, 2).data)) < 1e-9 * truthSum);
  });
  await readH5(run.lfadsInputInfoLinks[i]!, (f) => {
    assert.deepEqual(f.keys().sort(), ["conditionId", "counts", "paramInputDataHash", "seq_binSizeMs", "seq_timeVector", "trainInds", "truth", "validInds"]);
    assert.equal((f.get("paramInputDataHash") as { value: unknown }).value, dataHash.slice("data_".length));
    assert.deepEqual(Array.from(readArray(f, "validInds").data), split.validInds.map((x) => x + 1));
    assert.deepEqual(Array.from(readArray(f, "trainInds").data), split.trainInds.map((x) => x + 1));
    assert.deepEqual(Array.from(readArray(f, "seq_timeVector").data), Array.from({ length: N_TIME }, (_, t) => t));
    assert.deepEqual(Array.from(readArray(f, "seq_binSizeMs").data), [1]);
    const counts = readArray(f, "counts");
    assert.deepEqual(counts.shape, [raw.nTrials, raw.nChannels, N_TIME], "original, un-rebinned counts of all trials");
    assert.deepEqual(Array.from(counts.data), Array.from(raw.counts.data));
    assert.deepEqual(readArray(f, "truth").shape, [raw.nTrials, raw.nChannels, N_TIME], "truth of all trials");
    assert.deepEqual(Array.from(readArray(f, "conditionId").data), Array.from(raw.conditionId as Float64Array));
    assert.equal(f.get_attribute("format", false), "lfads-ts inputInfo 1");
  });
}

test("prepare: the docs' sweep on small Lorenz data — tree, links, summary, file contents, idempotence, regeneration", async () => {
  const dsDir = path.join(tmp, "datasets");
  await generateLorenzDatasets(dsDir, { nDatasets: 2, nConditions: 8, nTime: N_TIME, minTrialsPerCondition: 5, maxTrialsPerCondition: 6, minChannels: 5, maxChannels: 7, seed: 3, today: "2018-01-31", onProgress: () => {} });
  const dc = new DatasetCollection(dsDir, "lorenz_example");
  new Dataset(dc, "dataset001.h5");
  new Dataset(dc, "dataset002.h5");
  const rc = new RunCollection(path.join(tmp, "runs"), "example", dc);
  rc.addParams(SWEEP.map(([k]) => BASE.with({ c_factors_dim: k })));
  rc.addRunSpec([new RunSpec(dc.datasets[0]!.getSingleRunName(), dc, 1), new RunSpec("all", dc, [1, 2])]);

  const warnings: string[] = [];
  const prevSink = setWarningSink((m) => warnings.push(m));
  try {
    await sweepChecks(rc, dc, warnings);
  } finally {
    setWarningSink(prevSink);
  }
});

async function sweepChecks(rc: RunCollection, dc: DatasetCollection, warnings: string[]): Promise<void> {
  const events: PrepareProgress[] = [];
  const result = await prepare(rc, { onProgress: (e) => events.push(e) });
  assert.equal(result.written.length, 4 * 3 * 2, "one lfads + one inputInfo per data folder and dataset");
  assert.equal(result.linked.length, 4 * 3 * 2);
  assert.deepEqual(events.at(-1), { done: 12, total: 12, message: "done" });
  assert.ok(events.some((e) => e.message === "Writing data_cq1HAe/single_dataset001/lfads_dataset001.h5"), events.map((e) => e.message).join("\n"));
  // 8 conditions × 5–6 trials: far too few for c_batch_size 150. The warning says what training needs, the
  // split it gets, and the fixes that hold: a batch below both splits, or 751 trials (151 valid + 600 train).
  const n1 = dc.datasets[0]!.nTrials;
  const v1 = Math.ceil(n1 / 5);
  const w1 = warnings.find((w) => w.startsWith("Issue with Run single_dataset001 (param_Z1-4Ne): training needs more than c_batch_size=150 training trials and more than 150 validation trials"));
  assert.ok(w1, warnings.join("\n"));
  assert.ok(w1.includes(`dataset001: ${n1} trials → ${n1 - v1} train / ${v1} valid.`), w1);
  assert.ok(w1.includes(`To fix: use c_batch_size <= ${v1 - 1}, or give the dataset at least 751 trials`), w1);
  assert.ok(!w1.includes("c_batch_size <= 0"), w1);

  // Tree of §3.1 (version >= 20171107): data_HASH/<spec>/ files, param_HASH/<spec>/lfadsInput/ relative links.
  const top = fs.readdirSync(rc.path).sort();
  assert.deepEqual(top, [...SWEEP.map((s) => s[2]), ...SWEEP.map((s) => s[1]), "summary.txt"].sort());
  for (const [, p, d] of SWEEP) {
    assert.deepEqual(fs.readdirSync(path.join(rc.path, d, "single_dataset001")).sort(), ["inputInfo_dataset001.h5", "lfads_dataset001.h5"]);
    assert.deepEqual(fs.readdirSync(path.join(rc.path, d, "all")).sort(), ["inputInfo_dataset001.h5", "inputInfo_dataset002.h5", "lfads_dataset001.h5", "lfads_dataset002.h5"]);
    const input = path.join(rc.path, p, "single_dataset001", "lfadsInput");
    assert.deepEqual(fs.readdirSync(input).sort(), ["inputInfo_dataset001.h5", "lfads_dataset001.h5"]);
    for (const f of ["lfads_dataset001.h5", "inputInfo_dataset001.h5"]) {
      assert.ok(fs.lstatSync(path.join(input, f)).isSymbolicLink());
      assert.equal(fs.readlinkSync(path.join(input, f)), `../../../${d}/single_dataset001/${f}`);
    }
    assert.equal(fs.readlinkSync(path.join(rc.path, p, "all", "lfadsInput", "lfads_dataset002.h5")), `../../../${d}/all/lfads_dataset002.h5`);
  }
  assert.equal(fs.readFileSync(rc.fileSummaryText, "utf8"), rc.summary());
  assert.equal(result.summaryFile, rc.fileSummaryText);
  const first = snapshot(rc.path);
  assert.ok(![...first.keys()].some((k) => path.basename(k).startsWith(".")), "no temp files left");

  // Contents, read through the links with h5wasm.
  for (const [, p, d] of SWEEP) await checkInputFile(rc.findRun("single_dataset001", p), 0, d);
  const all = rc.findRun("all", 4);
  await checkInputFile(all, 0, "data_4MaTKO");
  await checkInputFile(all, 1, "data_4MaTKO");

  // h5py (what the Python LFADS uses) sees the same keys, shapes and dtypes.
  if (!hasH5py) {
    console.log(`# skipped the h5py check: ${PY} -c "import h5py" failed: ${h5pyCheck.stderr.trim()}`);
  } else {
    const py = String.raw`
import sys, json, h5py
out = {}
for p in sys.argv[1:]:
    with h5py.File(p, 'r') as f:
        out[p] = {k: [list(f[k].shape), f[k].dtype.str] for k in f.keys()}
        out[p]['__sum'] = int(f['train_data'][()].sum() + f['valid_data'][()].sum())
print(json.dumps(out))`;
    const files = [...all.lfadsInputLinks, ...rc.findRuns("single_dataset001").map((r) => r.lfadsInputLinks[0]!)];
    const r = spawnSync(PY, ["-c", py, ...files], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as Record<string, Record<string, [number[], string] | number>>;
    for (const [i, file] of all.lfadsInputLinks.entries()) {
      const raw = await all.datasets[i]!.loadData({ keep: false });
      const split = splitTrainValid(raw.nTrials, 4);
      const keys = seen[file]!;
      assert.deepEqual(keys.train_data, [[split.trainInds.length, 50, raw.nChannels], "<i8"]);
      assert.deepEqual(keys.valid_data, [[split.validInds.length, 50, raw.nChannels], "<i8"]);
      assert.deepEqual(keys.train_truth, [[split.trainInds.length, 50, raw.nChannels], "<f8"]);
      assert.deepEqual(keys.train_inds, [[split.trainInds.length], "<f8"]);
      assert.deepEqual(keys.valid_inds, [[split.validInds.length], "<f8"]);
      assert.deepEqual(keys.conversion_factor, [[1], "<f8"]);
      assert.equal(keys.__sum, sum(rebin(raw.counts, 1, 2).data));
    }
  }

  // A second prepare leaves every file and link untouched.
  const again = await prepare(rc);
  assert.equal(again.written.length, 0);
  assert.equal(again.linked.length, 0);
  assert.equal(again.kept.length, 24);
  assert.deepEqual(snapshot(rc.path), first);

  // Partial regeneration writes each dataset under its own name (MATLAB bug §10.4 item 3).
  const allDir = path.join(rc.path, "data_4MaTKO", "all");
  fs.rmSync(path.join(allDir, "lfads_dataset002.h5"));
  const partial = await prepare(rc);
  assert.deepEqual(partial.written.map((f) => path.relative(rc.path, f)).sort(), ["data_4MaTKO/all/inputInfo_dataset002.h5", "data_4MaTKO/all/lfads_dataset002.h5"]);
  const afterPartial = snapshot(rc.path);
  assert.deepEqual(afterPartial.get("data_4MaTKO/all/lfads_dataset001.h5"), first.get("data_4MaTKO/all/lfads_dataset001.h5"));
  assert.notDeepEqual(afterPartial.get("data_4MaTKO/all/inputInfo_dataset002.h5"), first.get("data_4MaTKO/all/inputInfo_dataset002.h5"));
  await checkInputFile(all, 1, "data_4MaTKO");

  // regenerate: true rewrites every file (new inodes from the atomic rename) and re-creates the links.
  const regen = await prepare(rc, { regenerate: true });
  assert.equal(regen.written.length, 24);
  assert.equal(regen.linked.length, 24);
  const third = snapshot(rc.path);
  for (const [k, v] of first) {
    if (k === "summary.txt") continue;
    assert.notEqual(third.get(k)![0], v[0], `${k} rewritten`);
  }
  assert.deepEqual(third.get("summary.txt"), first.get("summary.txt"), "unchanged summary text is not rewritten");
  await checkInputFile(rc.findRun("single_dataset001", "Z1-4Ne"), 0, "data_cq1HAe");
}

test("prepare: version < 20171107 shares one flat data folder per data hash", async () => {
  const dc = new DatasetCollection(path.join(tmp, "mem"), "mem");
  const load = (nTrials: number) => () => ({ counts: array3d(new Float64Array(nTrials * 2 * 4).fill(1), [nTrials, 2, 4]) });
  new Dataset(dc, "dataset001", { load: load(10) });
  new Dataset(dc, "dataset002", { load: load(12) });
  const rc = new RunCollection(path.join(tmp, "runs"), "legacy", dc, { version: 201801 });
  // c_batch_size is not in the data hash: both params share data_HASH. 10 trials split 8 train / 2 valid and
  // 12 trials 9 / 3, so a batch of 2 is too big for dataset001 only and a batch of 3 for both.
  rc.addParams([BASE.with({ c_factors_dim: 8, c_batch_size: 2 }), BASE.with({ c_factors_dim: 8, c_batch_size: 3 })]);
  rc.addRunSpec([new RunSpec("single_dataset001", dc, 1), new RunSpec("single_dataset002", dc, 2)]);
  const d = rc.params[0]!.dataHashString;
  const p = rc.params[0]!.paramHashString;
  assert.equal(rc.params[1]!.dataHashString, d);
  const warnings: string[] = [];
  const prev = setWarningSink((m) => warnings.push(m));
  try {
    const r = await prepare(rc);
    assert.equal(r.written.length, 4, "two datasets, written once for both params");
  } finally {
    setWarningSink(prev);
  }
  const p2 = rc.params[1]!.paramHashString;
  assert.deepEqual(warnings.map((w) => w.slice(0, w.indexOf(" training needs"))), [
    `Issue with Run single_dataset001 (${p}):`,
    `Issue with Run single_dataset001 (${p2}):`,
    `Issue with Run single_dataset002 (${p2}):`,
  ]);
  assert.match(warnings[0]!, /Too few: dataset001: 10 trials → 8 train \/ 2 valid\. To fix: use c_batch_size <= 1, or give the dataset at least 11 trials, or set trainToTestRatio = 1 \(half the trials validate; c_batch_size <= 4\)\.$/);
  assert.match(warnings[2]!, /Too few: dataset002: 12 trials → 9 train \/ 3 valid\. To fix: use c_batch_size <= 2, or give the dataset at least 16 trials/);
  assert.deepEqual(fs.readdirSync(path.join(rc.path, d)).sort(), ["inputInfo_dataset001.h5", "inputInfo_dataset002.h5", "lfads_dataset001.h5", "lfads_dataset002.h5"]);
  assert.equal(fs.readlinkSync(path.join(rc.path, p, "single_dataset002", "lfadsInput", "lfads_dataset002.h5")), `../../../${d}/lfads_dataset002.h5`);
  await readH5(path.join(rc.path, p, "single_dataset002", "lfadsInput", "lfads_dataset002.h5"), (f) => {
    assert.deepEqual(readArray(f, "train_data").shape, [9, 2, 2]);
    assert.ok(!f.keys().includes("conversion_factor"), "no conversion_factor without truth or external inputs");
  });
});

test("prepare: version < 20171107 refuses a single-dataset and a stitched spec that would share one input file; each layout gets what each run needs", async () => {
  const dc = new DatasetCollection(path.join(tmp, "mem-mixed"), "mem-mixed");
  const mk = (name: string, nCh: number): Dataset =>
    new Dataset(dc, name, {
      load: () => ({ counts: array3d(Float64Array.from({ length: 10 * nCh * 4 }, (_, i) => i % 3), [10, nCh, 4]), conditionId: Float64Array.from({ length: 10 }, (_, i) => i % 2) }),
    });
  mk("d1", 3);
  mk("d2", 4);
  mk("d3", 2);
  // A recognisable stand-in for the stitching alignment: matrix entries 1 + index, bias 0.5.
  const calls: string[] = [];
  const alignment: AlignmentProvider = (run, data) => {
    calls.push(`${run.name} ${run.paramsString}`);
    return data.map((d) => ({ matrix: Float64Array.from({ length: d.nChannels * 2 }, (_, i) => i + 1), nFactors: 2, bias: new Float64Array(d.nChannels).fill(0.5) }));
  };
  const par = new RunParams({ useAlignmentMatrix: true, c_factors_dim: 2, c_batch_size: 1 });
  const hasAlignment = (link: string): Promise<boolean> => readH5(link, (f) => f.keys().includes("alignment_matrix_cxf"));

  // Legacy flat layout: single_d1 and "all" both link data_HASH/lfads_d1.h5, which must hold an alignment
  // matrix for "all" and none for single_d1. Refused (whatever the spec order), before anything is written.
  for (const [i, specs] of [
    [new RunSpec("single_d1", dc, 1), new RunSpec("all", dc, [1, 2])],
    [new RunSpec("all", dc, [1, 2]), new RunSpec("single_d1", dc, 1)],
  ].entries()) {
    const rc = new RunCollection(path.join(tmp, "runs"), `legacy_mixed${i}`, dc, { version: 201801 });
    rc.addParams(par);
    rc.addRunSpec(specs);
    const refused = (e: Error): boolean =>
      e instanceof LayoutError &&
      e.message.includes(`RunCollection "legacy_mixed${i}" (version 201801)`) &&
      e.message.includes(`${par.dataHashString}/lfads_d1.h5`) &&
      e.message.includes(par.paramHashString) &&
      /single_d1 \(param_\S+\): no alignment matrix/.test(e.message) &&
      /all \(param_\S+\): the alignment matrix of datasets \[d1, d2\] with 2 factors/.test(e.message) &&
      /version >= 20171107/.test(e.message) &&
      /separate RunCollection/.test(e.message);
    await assert.rejects(prepare(rc, { alignment }), refused);
    // Preparing one run alone is refused too: the file is shared with the collection's other run.
    await assert.rejects(rc.findRun("all", 1).prepare({ alignment }), refused);
    await assert.rejects(rc.findRun("single_d1", 1).prepare({ alignment }), refused);
    assert.equal(fs.existsSync(rc.path), false, `order ${i}: refused before anything is written`);
  }
  assert.deepEqual(calls, [], "no alignment was computed for a refused collection");

  // Any layout: RunParams with version < 20171107 leave c_factors_dim out of the data hash, so two such
  // params with different c_factors_dim would share data_HASH/all/lfads_d1.h5 with differently shaped matrices.
  const old2 = par.with({ version: 20170101 });
  const old3 = par.with({ version: 20170101, c_factors_dim: 3 });
  assert.equal(old2.dataHashString, old3.dataHashString);
  const oldParams = new RunCollection(path.join(tmp, "runs"), "old_params", dc);
  oldParams.addParams([old2, old3]);
  oldParams.addRunSpec(new RunSpec("all", dc, [1, 2]));
  await assert.rejects(
    prepare(oldParams, { alignment }),
    (e: Error) =>
      e instanceof LayoutError &&
      e.message.includes(`${old2.dataHashString}/all/lfads_d1.h5`) &&
      e.message.includes(`all (${old2.paramHashString}): the alignment matrix of datasets [d1, d2] with 2 factors`) &&
      e.message.includes(`all (${old3.paramHashString}): the alignment matrix of datasets [d1, d2] with 3 factors`) &&
      /leave RunParams\.version at its default \(20171107\)/.test(e.message),
  );
  assert.equal(fs.existsSync(oldParams.path), false);

  // The fix the error names: the current layout gives each run spec its own data folder.
  const current = new RunCollection(path.join(tmp, "runs"), "current_mixed", dc);
  current.addParams(par);
  current.addRunSpec([new RunSpec("single_d1", dc, 1), new RunSpec("all", dc, [1, 2])]);
  await prepare(current, { alignment });
  assert.equal(await hasAlignment(current.findRun("single_d1", 1).lfadsInputLinks[0]!), false, "single_d1: identity read-in, no alignment matrix");
  await readH5(current.findRun("all", 1).lfadsInputLinks[0]!, (f) => {
    assert.deepEqual(readArray(f, "alignment_matrix_cxf").shape, [3, 2]);
    assert.deepEqual(Array.from(readArray(f, "alignment_matrix_cxf").data), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(readArray(f, "alignment_bias_c").data), [0.5, 0.5, 0.5]);
  });
  assert.equal(await hasAlignment(current.findRun("all", 1).lfadsInputLinks[1]!), true);

  // Legacy layout where the shared files agree: the single-dataset spec is over a dataset "all" does not
  // use, and a second stitched spec has the same datasets (so the same alignment). Each file is written
  // once, with what its runs need.
  calls.length = 0;
  const legacy = new RunCollection(path.join(tmp, "runs"), "legacy_ok", dc, { version: 201801 });
  legacy.addParams(par);
  legacy.addRunSpec([new RunSpec("single_d3", dc, 3), new RunSpec("all", dc, [1, 2]), new RunSpec("all_again", dc, [1, 2])]);
  const r = await prepare(legacy, { alignment });
  assert.equal(r.written.length, 6, "lfads_ + inputInfo_ for d1, d2, d3, once each");
  assert.deepEqual(fs.readdirSync(path.join(legacy.path, par.dataHashString)).filter((f) => f.startsWith("lfads_")).sort(), ["lfads_d1.h5", "lfads_d2.h5", "lfads_d3.h5"]);
  assert.equal(await hasAlignment(legacy.findRun("single_d3", 1).lfadsInputLinks[0]!), false);
  for (const name of ["all", "all_again"]) {
    const run = legacy.findRun(name, 1);
    assert.equal(fs.readlinkSync(run.lfadsInputLinks[1]!), `../../../${par.dataHashString}/lfads_d2.h5`);
    await readH5(run.lfadsInputLinks[1]!, (f) => assert.deepEqual(readArray(f, "alignment_matrix_cxf").shape, [4, 2]));
  }
});

test("prepare: external inputs, string conditions, 3-ms bins and the errors of bad combinations", async () => {
  const dc = new DatasetCollection(path.join(tmp, "mem2"), "mem2");
  const nTrials = 6;
  const nTime = 10; // 3-ms output bins from 1-ms input: T = 3, the 10th bin dropped
  const counts = array3d(Uint8Array.from({ length: nTrials * 2 * nTime }, (_, i) => i % 2), [nTrials, 2, nTime]);
  const ext = array3d(Float64Array.from({ length: nTrials * 1 * nTime }, (_, i) => i / 10), [nTrials, 1, nTime]);
  new Dataset(dc, "ext", { load: () => ({ counts, externalInputs: ext, conditionId: ["a", "b", "a", "b", "a", "b"] }) });
  const rc = new RunCollection(path.join(tmp, "runs"), "ext", dc);
  const par = new RunParams({ spikeBinMs: 3, c_ext_input_dim: 1, c_batch_size: 1, trainToTestRatio: 2 });
  rc.addParams(par);
  rc.addRunSpec(new RunSpec("single_ext", dc, 1));
  await prepare(rc);
  const run = rc.runList[0]!;
  await readH5(run.lfadsInputLinks[0]!, (f) => {
    assert.deepEqual(readArray(f, "train_ext_input").shape, [4, 3, 1]);
    assert.deepEqual(readArray(f, "valid_ext_input").shape, [2, 3, 1]);
    assert.deepEqual(Array.from(readArray(f, "conversion_factor").data), [1 / 3]);
    // valid trial 0, input bins 0..2 summed: (0 + 0.1 + 0.2)
    assert.ok(Math.abs(readArray(f, "valid_ext_input").data[0]! - 0.3) < 1e-12);
    assert.deepEqual(Array.from(readArray(f, "valid_inds").data), [1, 4]);
  });
  await readH5(run.lfadsInputInfoLinks[0]!, (f) => {
    assert.deepEqual((f.get("conditionId") as { value: unknown }).value, ["a", "b", "a", "b", "a", "b"]);
    assert.deepEqual(readArray(f, "externalInputs").shape, [nTrials, 1, nTime]);
    assert.equal(readArray(f, "counts").dtype, "<B");
  });

  const bad = new RunCollection(path.join(tmp, "runs"), "bad", dc);
  bad.addParams(par.with({ c_ext_input_dim: 2 }));
  bad.addRunSpec(new RunSpec("single_ext", dc, 1));
  await assert.rejects(prepare(bad), (e: Error) => e instanceof ParamError && /Run single_ext/.test(e.message) && /dataset ext/.test(e.message) && /1 external inputs but c_ext_input_dim=2/.test(e.message));
  bad.clearParams();
  bad.addParams(par.with({ spikeBinMs: 2.5 }));
  await assert.rejects(prepare(bad), (e: Error) => e instanceof ParamError && /Run single_ext .* dataset ext: rebin: output binsize is not divisible/.test(e.message) && /spikeBinMs=2\.5/.test(e.message));
  bad.clearParams();
  bad.addParams(par.with({ trainToTestRatio: 0 }));
  await assert.rejects(prepare(bad), (e: Error) => /dataset ext: splitTrainValid: 6 trials with trainToTestRatio=0/.test(e.message));
});

test("prepare: alignment matrices from the default src/align provider or a custom one; datasets must share T", async () => {
  const dsDir = path.join(tmp, "stitch-datasets");
  await generateLorenzDatasets(dsDir, { nDatasets: 2, nConditions: 8, nTime: 60, minTrialsPerCondition: 3, maxTrialsPerCondition: 4, minChannels: 5, maxChannels: 7, seed: 11, today: "2018-01-31", onProgress: () => {} });
  const lorenz = new DatasetCollection(dsDir, "lorenz_example");
  new Dataset(lorenz, "dataset001.h5");
  new Dataset(lorenz, "dataset002.h5");
  const rc = new RunCollection(path.join(tmp, "runs"), "stitching", lorenz);
  rc.addParams([new RunParams({ useAlignmentMatrix: true, c_factors_dim: 4, c_batch_size: 2 }), new RunParams({ useSingleDatasetAlignmentMatrix: true, c_factors_dim: 3, c_batch_size: 2 })]);
  rc.addRunSpec([new RunSpec("all", lorenz, [1, 2]), new RunSpec("single_dataset002", lorenz, 2)]);
  await prepare(rc);
  const check = (run: Run, i: number, nFactors: number): Promise<void> =>
    readH5(run.lfadsInputLinks[i]!, (f) => {
      const nCh = run.datasets[i]!.nChannels;
      const m = readArray(f, "alignment_matrix_cxf");
      const b = readArray(f, "alignment_bias_c");
      assert.deepEqual(m.shape, [nCh, nFactors]);
      assert.deepEqual(b.shape, [nCh]);
      assert.ok([...m.data, ...b.data].every(Number.isFinite));
      assert.ok(b.data.every((v) => v >= 0), "biases are channel means of counts");
    });
  await check(rc.findRun("all", 1), 0, 4);
  await check(rc.findRun("all", 1), 1, 4);
  await check(rc.findRun("single_dataset002", 2), 0, 3);
  await readH5(rc.findRun("all", 2).lfadsInputLinks[0]!, (f) => assert.ok(!f.keys().includes("alignment_matrix_cxf"), "useSingleDatasetAlignmentMatrix does not apply to multi-dataset runs"));
  await readH5(rc.findRun("single_dataset002", 1).lfadsInputLinks[0]!, (f) => assert.ok(!f.keys().includes("alignment_matrix_cxf"), "useAlignmentMatrix needs several datasets"));

  const dc = new DatasetCollection(path.join(tmp, "mem3"), "mem3");
  const mk = (name: string, nCh: number, nTime: number): Dataset =>
    new Dataset(dc, name, { load: () => ({ counts: array3d(new Float64Array(5 * nCh * nTime).fill(2), [5, nCh, nTime]) }) });
  mk("d1", 3, 8);
  mk("d2", 4, 8);
  mk("d3", 4, 6);
  const par = new RunParams({ useAlignmentMatrix: true, c_factors_dim: 2, c_batch_size: 1 });
  const noCond = new RunCollection(path.join(tmp, "runs"), "nocond", dc);
  noCond.addParams(par);
  noCond.addRunSpec(new RunSpec("all", dc, [1, 2]));
  await assert.rejects(prepare(noCond), (e: Error) => e instanceof DataError && /Run all/.test(e.message) && /dataset d1/.test(e.message) && /no conditionId/.test(e.message));

  const custom = new RunCollection(path.join(tmp, "runs"), "custom", dc);
  custom.addParams(par);
  custom.addRunSpec(new RunSpec("all", dc, [1, 2]));
  const calls: number[] = [];
  await prepare(custom, {
    alignment: (run, data) => {
      calls.push(run.nDatasets);
      return data.map((d) => ({ matrix: Float64Array.from({ length: d.nChannels * 2 }, (_, i) => i), nFactors: 2, bias: new Float64Array(d.nChannels).fill(2) }));
    },
  });
  assert.deepEqual(calls, [2]);
  await readH5(custom.runList[0]!.lfadsInputLinks[1]!, (f) => {
    assert.deepEqual(readArray(f, "alignment_matrix_cxf").shape, [4, 2]);
    assert.deepEqual(Array.from(readArray(f, "alignment_bias_c").data), [2, 2, 2, 2]);
  });
  const wrong = new RunCollection(path.join(tmp, "runs"), "wrong", dc);
  wrong.addParams(par);
  wrong.addRunSpec(new RunSpec("all", dc, [1, 2]));
  await assert.rejects(
    prepare(wrong, { alignment: (_run, data) => data.map(() => ({ matrix: new Float64Array(2), nFactors: 2, bias: new Float64Array(1) })) }),
    (e: Error) => e instanceof ShapeError && /dataset d1/.test(e.message) && /expected \[3, 2\] and \[3\]/.test(e.message),
  );
  const uneven = new RunCollection(path.join(tmp, "runs"), "uneven", dc);
  uneven.addParams(new RunParams({ c_batch_size: 1 }));
  uneven.addRunSpec(new RunSpec("mixed", dc, [2, 3]));
  await assert.rejects(prepare(uneven), (e: Error) => e instanceof ShapeError && /d2: 4, d3: 3/.test(e.message) && /same time window/.test(e.message));
  assert.equal(fs.existsSync(uneven.path), false, "checked before anything is written");
});

test("prepare: reconCounts become train_recon_data / valid_recon_data (re-binned, int64, h5py reads them); observed bins must re-bin exactly", async (t) => {
  const dc = new DatasetCollection(path.join(tmp, "recon"), "recon");
  const [nTrials, nIn, nOut, nTime, nFwd] = [6, 2, 1, 12, 4];
  const counts = array3d(Float64Array.from({ length: nTrials * nIn * nTime }, (_, i) => i % 3), [nTrials, nIn, nTime]);
  // reconCounts[e, k, b] = counts where k < nIn and b < nTime, else 10 + k (held-out channel / forward bins).
  const recon = array3d(new Float64Array(nTrials * (nIn + nOut) * (nTime + nFwd)), [nTrials, nIn + nOut, nTime + nFwd]);
  for (let e = 0; e < nTrials; e++) for (let k = 0; k < nIn + nOut; k++) for (let b = 0; b < nTime + nFwd; b++) {
    recon.data[(e * (nIn + nOut) + k) * (nTime + nFwd) + b] = k < nIn && b < nTime ? counts.data[(e * nIn + k) * nTime + b]! : 10 + k;
  }
  new Dataset(dc, "rec", { load: () => ({ counts, reconCounts: recon }) });
  const rc = new RunCollection(path.join(tmp, "runs"), "recon", dc);
  const par = new RunParams({ spikeBinMs: 2, c_batch_size: 1, trainToTestRatio: 2 });
  rc.addParams(par);
  rc.addRunSpec(new RunSpec("single_rec", dc, 1));
  await prepare(rc);
  const file = rc.runList[0]!.lfadsInputLinks[0]!;
  await readH5(file, (f) => {
    const tr = readArray(f, "train_recon_data");
    const td = readArray(f, "train_data");
    assert.deepEqual(tr.shape, [4, 8, 3]);
    assert.deepEqual(readArray(f, "valid_recon_data").shape, [2, 8, 3]);
    assert.deepEqual(td.shape, [4, 6, 2]);
    for (let e = 0; e < 4; e++) for (let b = 0; b < 8; b++) for (let k = 0; k < 3; k++) {
      const got = Number(tr.data[(e * 8 + b) * 3 + k]);
      assert.equal(got, b < 6 && k < 2 ? Number(td.data[(e * 6 + b) * 2 + k]) : 2 * (10 + k), `train trial ${e} bin ${b} channel ${k}`);
    }
  });
  // The inputInfo sidecar keeps them un-rebinned, in original trial order, as [trials, time, channels] when read.
  const info = await readInputInfo(rc.runList[0]!.lfadsInputInfoLinks[0]!);
  assert.deepEqual(info.reconCounts?.shape, [nTrials, nTime + nFwd, nIn + nOut]);
  assert.equal(info.reconCounts!.data[(5 * (nTime + nFwd) + 13) * 3 + 2], 12); // trial 6, forward bin 2, held-out channel
  assert.equal(info.reconCounts!.data[(5 * (nTime + nFwd) + 3) * 3 + 1], counts.data[(5 * nIn + 1) * nTime + 3]);
  if (hasH5py) {
    const r = spawnSync(PY, ["-c", "import sys, h5py; f = h5py.File(sys.argv[1]); print(f['train_recon_data'].dtype, f['valid_recon_data'].shape)", file], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), "int64 (2, 8, 3)", r.stderr);
  } else t.diagnostic(`h5py check skipped: ${h5pyCheck.stderr.trim()}`);

  const bad = new RunCollection(path.join(tmp, "runs"), "recon_bad", dc);
  bad.addParams(par.with({ spikeBinMs: 5 }));
  bad.addRunSpec(new RunSpec("single_rec", dc, 1));
  await assert.rejects(prepare(bad), /dataset rec.*12 bins of 1 ms do not divide into bins of 5 input bins; choose spikeBinMs so that 12 is a multiple of spikeBinMs \/ 1/);
});

test("prepare: behavior goes to the inputInfo sidecar only (un-rebinned, NaN kept, h5py reads it), never to the LFADS input", async (t) => {
  const dc = new DatasetCollection(path.join(tmp, "beh"), "beh");
  const [nTrials, nCh, nB, nTime] = [6, 2, 2, 12];
  const counts = array3d(Float64Array.from({ length: nTrials * nCh * nTime }, (_, i) => i % 3), [nTrials, nCh, nTime]);
  // behavior[e, c, b] = e + 0.1·c + 0.01·b, NaN at trial 3, channel 1, bin 5 (an unusable bin).
  const behavior = array3d(Float64Array.from({ length: nTrials * nB * nTime }, (_, i) => Math.floor(i / (nB * nTime)) + 0.1 * (Math.floor(i / nTime) % nB) + 0.01 * (i % nTime)), [nTrials, nB, nTime]);
  behavior.data[(2 * nB + 0) * nTime + 4] = NaN;
  new Dataset(dc, "beh", { load: () => ({ counts, behavior }) });
  const rc = new RunCollection(path.join(tmp, "runs"), "beh", dc);
  rc.addParams(new RunParams({ spikeBinMs: 2, c_batch_size: 1, trainToTestRatio: 2 }));
  rc.addRunSpec(new RunSpec("single_beh", dc, 1));
  await prepare(rc);
  const run = rc.runList[0]!;
  await readH5(run.lfadsInputLinks[0]!, (f) => assert.deepEqual(f.keys().filter((k) => /behav/i.test(k)), [], "the model must not see the behaviour"));
  const info = await readInputInfo(run.lfadsInputInfoLinks[0]!);
  assert.deepEqual(info.behavior?.shape, [nTrials, nTime, nB], "[trials, T_orig, channels], not re-binned");
  for (let e = 0; e < nTrials; e++) for (let b = 0; b < nTime; b++) for (let c = 0; c < nB; c++) {
    const want = behavior.data[(e * nB + c) * nTime + b]!;
    const got = info.behavior!.data[(e * nTime + b) * nB + c]!;
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `trial ${e} bin ${b} channel ${c} stays NaN`);
    else assert.ok(Math.abs(got - want) < 1e-6, `trial ${e} bin ${b} channel ${c}: ${got} vs ${want}`);
  }
  if (hasH5py) {
    const r = spawnSync(PY, ["-c", "import sys, h5py, numpy as np; b = h5py.File(sys.argv[1])['behavior'][:]; print(b.shape, int(np.isnan(b).sum()), round(float(b[5, 1, 11]), 4))", run.lfadsInputInfoLinks[0]!], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), "(6, 2, 12) 1 5.21", r.stderr);
  } else t.diagnostic(`h5py check skipped: ${h5pyCheck.stderr.trim()}`);
});
