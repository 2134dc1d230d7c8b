/** NLB files: what h5py sees in our target and submission, an nlb_tools-style target read by us, and `lfads nlb-eval` against scikit-learn. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { binNwbTrials, readNwb } from "../../src/data/index.js";
import { writeNlbMazeNwb } from "../../src/data/synth/index.js";
import { nlbInputs, nlbRatesFromLfads, nlbTarget, readNlbSubmission, readNlbTarget, smoothingBaseline, writeNlbLfadsInput, writeNlbLfadsReconInput, writeNlbSubmission, writeNlbTarget } from "../../src/nlb/index.js";
import { nlbEvalCommand } from "../../src/cli/nlb-eval.js";

const PYTHON = "/usr/bin/python3";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-nlb-files-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

function hasSklearn(t: { skip(why: string): void }): boolean {
  if (spawnSync(PYTHON, ["-c", "import h5py, sklearn"], { encoding: "utf8" }).status === 0) return true;
  t.skip(`${PYTHON} lacks h5py or scikit-learn (apt-get install python3-h5py python3-sklearn)`);
  return false;
}

async function evalCli(sub: string, target: string, json: boolean): Promise<string> {
  let out = "";
  const code = await nlbEvalCommand.run!({ options: json ? { json: true } : {}, positionals: [sub, target] }, { out: (s) => void (out += s), err: () => {} });
  assert.equal(code, 0);
  return out;
}

/** A small fixture at 20 ms, its target and the smoothing baseline's submission, written to disk. */
const files = (async () => {
  const { file } = await writeNlbMazeNwb(path.join(tmp, "nwb"), { nTrials: 24, nUnits: 16, nHeldout: 5, seed: 2 });
  const content = await readNwb(file);
  const trials = binNwbTrials(content, { binWidthMs: 20 });
  const target = nlbTarget(content, trials);
  const rates = smoothingBaseline(nlbInputs(trials), { alpha: 0.1 });
  const fwd = (n: number) => ({ data: new Float32Array(target.evalSpikesHeldinForward!.shape[0] * 10 * n).fill(0.2), shape: [target.evalSpikesHeldinForward!.shape[0], 10, n] as const });
  rates.evalRatesHeldinForward = fwd(11);
  rates.evalRatesHeldoutForward = fwd(5);
  const targetFile = path.join(tmp, "target.h5");
  const subFile = path.join(tmp, "submission.h5");
  await writeNlbTarget(targetFile, { mc_maze_small_20: target });
  await writeNlbSubmission(subFile, { mc_maze_small_20: rates });
  return { target, rates, targetFile, subFile };
})();

const PY_EVAL = String.raw`
import sys, json, h5py, numpy as np
from scipy.special import gammaln
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.metrics import r2_score
t, s = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
name = sys.argv[3]
tg, sg = t[name], s[name]
out = {"target_keys": sorted(tg.keys()), "submission_keys": sorted(sg.keys()),
       "dtypes": sorted({str(sg[k].dtype) for k in sg} | {str(tg[k].dtype) for k in tg if isinstance(tg[k], h5py.Dataset)}),
       "gzip": tg["eval_spikes_heldout"].compression}
def bps(r, y):
    null = np.tile(np.nanmean(y, axis=(0, 1)), (y.shape[0], y.shape[1], 1))
    nll = lambda r: np.nansum(np.where(r == 0, 1e-9, r) - y * np.log(np.where(r == 0, 1e-9, r)) + gammaln(y + 1))
    return float((nll(null) - nll(r)) / (np.nansum(y) * np.log(2)))
def cond_idx(obj):
    return [obj[k][()] for k in sorted(obj.keys(), key=int)] if isinstance(obj, h5py.Group) else list(obj[()])
f64 = lambda d: np.asarray(d[()], dtype=np.float64)
res = {"co-bps": bps(f64(sg["eval_rates_heldout"]), f64(tg["eval_spikes_heldout"]))}
cat = lambda a, b: np.concatenate([f64(a), f64(b)], axis=2)
tr, ev = cat(sg["train_rates_heldin"], sg["train_rates_heldout"]), cat(sg["eval_rates_heldin"], sg["eval_rates_heldout"])
tb, eb = f64(tg["train_behavior"]), f64(tg["eval_behavior"])
X, Y = tr.reshape(-1, tr.shape[2]), tb.reshape(-1, tb.shape[2])
keep = ~np.isnan(Y[:, 0])
gs = GridSearchCV(Ridge(), {"alpha": np.logspace(-4, 0, 9)}).fit(X[keep], Y[keep])
Xe, Ye = ev.reshape(-1, ev.shape[2]), eb.reshape(-1, eb.shape[2])
ke = ~np.isnan(Ye[:, 0])
res["vel R2"] = float(r2_score(Ye[ke], gs.predict(Xe[ke])))
psth, idx = f64(tg["psth"]), cond_idx(tg["eval_cond_idx"])
true_l, pred_l = [], []
for i, ix in enumerate(idx):
    if len(ix) == 0: continue
    keep_t = ~np.isnan(psth[i, :, 0])
    true_l.append(psth[i][keep_t]); pred_l.append(ev[np.asarray(ix)].mean(axis=0)[keep_t])
res["psth R2"] = float(r2_score(np.concatenate(true_l), np.concatenate(pred_l)))
res["fp-bps"] = bps(cat(sg["eval_rates_heldin_forward"], sg["eval_rates_heldout_forward"]), cat(tg["eval_spikes_heldin_forward"], tg["eval_spikes_heldout_forward"]))
out["scores"] = res
print(json.dumps(out))
`;

test("h5py reads our target and submission with nlb_tools' keys, and scikit-learn's scores of them match `lfads nlb-eval --json`", async (t) => {
  const { targetFile, subFile } = await files;
  const got = JSON.parse(await evalCli(subFile, targetFile, true)) as Record<string, Record<string, number>>[];
  assert.deepEqual(Object.keys(got[0]!), ["mc_maze_small_20_split"]);
  const ours = got[0]!.mc_maze_small_20_split!;
  assert.deepEqual(Object.keys(ours), ["co-bps", "vel R2", "psth R2", "fp-bps"]);
  if (!hasSklearn(t)) return;
  const r = spawnSync(PYTHON, ["-c", PY_EVAL, targetFile, subFile, "mc_maze_small_20"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as { target_keys: string[]; submission_keys: string[]; dtypes: string[]; gzip: string; scores: Record<string, number> };
  assert.deepEqual(py.target_keys, ["eval_behavior", "eval_cond_idx", "eval_spikes_heldin_forward", "eval_spikes_heldout", "eval_spikes_heldout_forward", "psth", "train_behavior", "train_cond_idx"]);
  assert.deepEqual(py.submission_keys, ["eval_rates_heldin", "eval_rates_heldin_forward", "eval_rates_heldout", "eval_rates_heldout_forward", "train_rates_heldin", "train_rates_heldout"]);
  assert.deepEqual([py.dtypes, py.gzip], [["float32"], "gzip"]);
  for (const m of ["co-bps", "vel R2", "psth R2", "fp-bps"]) assert.ok(Math.abs(ours[m]! - py.scores[m]!) < 1e-6, `${m}: ours ${ours[m]} vs scikit-learn ${py.scores[m]}`);
  const table = await evalCli(subFile, targetFile, false);
  assert.match(table, /^dataset +co-bps +vel R2 +psth R2 +fp-bps\nmc_maze_small_20 +-?\d\.\d{4} /);
});

test("our files round-trip through our readers", async () => {
  const { target, rates, targetFile, subFile } = await files;
  const t = (await readNlbTarget(targetFile)).get("mc_maze_small_20")!;
  assert.deepEqual(t.evalSpikesHeldout.shape, target.evalSpikesHeldout.shape);
  assert.deepEqual(Array.from(t.evalSpikesHeldout.data), Array.from(target.evalSpikesHeldout.data));
  assert.deepEqual(t.evalCondIdx, target.evalCondIdx);
  const s = (await readNlbSubmission(subFile)).get("mc_maze_small_20")!;
  assert.deepEqual(Array.from(s.evalRatesHeldout.data), Array.from(Float32Array.from(rates.evalRatesHeldout.data)));
});

const PY_TARGET = String.raw`
import sys, h5py, numpy as np
rng = np.random.default_rng(0)
f = h5py.File(sys.argv[1], "w")
g = f.create_group("mc_maze_small")
# as nlb_tools' save_to_h5 writes: float32 tensors, int32 variable-length condition indices
g.create_dataset("eval_spikes_heldout", data=rng.poisson(0.3, (4, 6, 3)).astype("float32"))
g.create_dataset("train_behavior", data=rng.normal(size=(10, 6, 2)).astype("float32"))
g.create_dataset("eval_behavior", data=rng.normal(size=(4, 6, 2)).astype("float32"))
g.create_dataset("psth", data=np.arange(2 * 6 * 5, dtype="float32").reshape(2, 6, 5))
for key, rows in (("train_cond_idx", [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]), ("eval_cond_idx", [[0, 3], [1, 2]])):
    d = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows): d[i] = np.array(r, dtype="int32")
    g.create_dataset(key, data=d, dtype=h5py.vlen_dtype("int32"))
f.close()
`;

test("a target laid out as nlb_tools writes it (h5py, variable-length condition indices) is read and scored", async (t) => {
  if (!hasSklearn(t)) return;
  const file = path.join(tmp, "py-target.h5");
  const r = spawnSync(PYTHON, ["-c", PY_TARGET, file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const tg = (await readNlbTarget(file)).get("mc_maze_small")!;
  assert.deepEqual([tg.evalSpikesHeldout.shape, tg.trainBehavior!.shape, tg.psth!.shape], [[4, 6, 3], [10, 6, 2], [2, 6, 5]]);
  assert.deepEqual(tg.evalCondIdx, [[0, 3], [1, 2]]);
  assert.deepEqual(tg.trainCondIdx, [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]);
  assert.equal(tg.psth!.data[7], 7);
  // a submission whose eval rates equal the PSTH of each trial's condition scores PSTH R² = 1
  const rate = (nT: number, n: number, fill: (tr: number, b: number, k: number) => number) => ({ data: Float32Array.from({ length: nT * 6 * n }, (_, i) => fill(Math.floor(i / (6 * n)), Math.floor(i / n) % 6, i % n)), shape: [nT, 6, n] as const });
  const condOfEval = [0, 1, 1, 0];
  const sub = path.join(tmp, "py-sub.h5");
  await writeNlbSubmission(sub, {
    mc_maze_small: {
      trainRatesHeldin: rate(10, 2, (tr, b) => 0.1 + 0.01 * tr + 0.02 * b),
      trainRatesHeldout: rate(10, 3, () => 0.3),
      evalRatesHeldin: rate(4, 2, (tr, b, k) => tg.psth!.data[(condOfEval[tr]! * 6 + b) * 5 + k]!),
      evalRatesHeldout: rate(4, 3, (tr, b, k) => tg.psth!.data[(condOfEval[tr]! * 6 + b) * 5 + 2 + k]!),
    },
  });
  const got = JSON.parse(await evalCli(sub, file, true)) as Record<string, Record<string, number>>[];
  const scores = got[0]!.mc_maze_small_split!;
  assert.deepEqual(Object.keys(scores), ["co-bps", "vel R2", "psth R2"]);
  assert.ok(Math.abs(scores["psth R2"]! - 1) < 1e-12, `psth R2 ${scores["psth R2"]}`);
});

test("nlb-eval: a submission without the target's groups is refused, naming both", async () => {
  const { targetFile } = await files;
  const other = path.join(tmp, "other.h5");
  const z = { data: new Float32Array(2), shape: [1, 1, 2] as const };
  await writeNlbSubmission(other, { mc_rtt: { trainRatesHeldin: z, trainRatesHeldout: z, evalRatesHeldin: z, evalRatesHeldout: z } });
  await assert.rejects(evalCli(other, targetFile, true), /has no dataset group of .*target\.h5: the target has mc_maze_small_20, the submission mc_rtt/);
  await assert.rejects(evalCli(targetFile, targetFile, true), /lacks train_rates_heldin, train_rates_heldout, eval_rates_heldin, eval_rates_heldout/);
});

test("writeNlbLfadsInput: train trials as train_data, eval trials as valid_data (held-in only, int64), 1-based positions", async (t) => {
  const { file } = await writeNlbMazeNwb(path.join(tmp, "nwb-lfads"), { nTrials: 8, nUnits: 6, nHeldout: 2, seed: 3 });
  const trials = binNwbTrials(await readNwb(file), { binWidthMs: 20 });
  const inputs = nlbInputs(trials);
  const out = path.join(tmp, "lfads", "nlb_small");
  await writeNlbLfadsInput(out, inputs);
  if (spawnSync(PYTHON, ["-c", "import h5py"]).status !== 0) return t.skip("no h5py");
  const script = "import sys, json, h5py; f = h5py.File(sys.argv[1]); print(json.dumps({k: [list(f[k].shape), str(f[k].dtype)] for k in f} | {'inds': f['valid_inds'][:].tolist(), 'sum': int(f['train_data'][:].sum())}))";
  const r = spawnSync(PYTHON, ["-c", script, out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(got.train_data, [[6, 35, 4], "int64"]);
  assert.deepEqual(got.valid_data, [[2, 35, 4], "int64"]);
  assert.deepEqual(got.inds, inputs.evalTrials.map((i) => i + 1));
  assert.equal(got.sum, Array.from(inputs.trainSpikesHeldin.data).reduce((a, b) => a + b, 0));
});

test("writeNlbLfadsReconInput: train trials split every 5th to valid, recon = held-in ‖ held-out over observed ‖ forward, eval trials as test_data; nlbRatesFromLfads cuts it back", async (t) => {
  const { file } = await writeNlbMazeNwb(path.join(tmp, "nwb-recon"), { nTrials: 16, nUnits: 6, nHeldout: 2, seed: 4 });
  const trials = binNwbTrials(await readNwb(file), { binWidthMs: 20 });
  const inputs = nlbInputs(trials);
  const out = path.join(tmp, "lfads", "nlb_recon");
  const layout = await writeNlbLfadsReconInput(out, inputs);
  const nTrain = inputs.trainTrials.length;
  const [, T, nIn] = inputs.trainSpikesHeldin.shape;
  const nFwd = inputs.trainSpikesHeldinForward.shape[1];
  assert.deepEqual(layout.validRows, Array.from({ length: nTrain }, (_, i) => i).filter((i) => i % 5 === 0));
  assert.equal(layout.trainRows.length + layout.validRows.length, nTrain);
  assert.deepEqual([layout.nObs, layout.nFwd, layout.nHeldin, layout.nHeldout], [T, nFwd, 4, 2]);
  await assert.rejects(writeNlbLfadsReconInput(path.join(tmp, "lfads", "bad"), inputs, { validEvery: 1 }), /validEvery must be an integer in \[2, \d+\].*got 1/);

  // The recon tensor's parts, read back with h5py, are the NLB tensors they came from.
  if (spawnSync(PYTHON, ["-c", "import h5py"]).status !== 0) return t.skip("no h5py");
  const script = [
    "import sys, json, h5py, numpy as np", "f = h5py.File(sys.argv[1])", "T, nin = int(sys.argv[2]), int(sys.argv[3])",
    "r = f['train_recon_data'][:]; v = f['valid_recon_data'][:]",
    "print(json.dumps({'shapes': {k: [list(f[k].shape), str(f[k].dtype)] for k in f}, 'same_in': bool((r[:, :T, :nin] == f['train_data'][:]).all() and (v[:, :T, :nin] == f['valid_data'][:]).all()),",
    "  'valid_inds': f['valid_inds'][:].tolist(), 'test_inds': f['test_inds'][:].tolist(), 'heldout_sum': int(r[:, :T, nin:].sum() + v[:, :T, nin:].sum()), 'fwd_sum': int(r[:, T:, :].sum() + v[:, T:, :].sum())}))",
  ].join("\n");
  const r = spawnSync(PYTHON, ["-c", script, out, String(T), String(nIn)], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { shapes: Record<string, unknown>; same_in: boolean; valid_inds: number[]; test_inds: number[]; heldout_sum: number; fwd_sum: number };
  const nValid = layout.validRows.length;
  assert.deepEqual(got.shapes.train_recon_data, [[nTrain - nValid, T + nFwd, 6], "int64"]);
  assert.deepEqual(got.shapes.valid_data, [[nValid, T, 4], "int64"]);
  assert.deepEqual(got.shapes.test_data, [[inputs.evalTrials.length, T, 4], "int64"]);
  assert.equal(got.same_in, true);
  assert.deepEqual(got.valid_inds, layout.validRows.map((i) => inputs.trainTrials[i]! + 1));
  assert.deepEqual(got.test_inds, inputs.evalTrials.map((i) => i + 1));
  const sum = (x: { data: ArrayLike<number> }) => Array.from(x.data).reduce((a, b) => a + b, 0);
  assert.equal(got.heldout_sum, sum(inputs.trainSpikesHeldout));
  assert.equal(got.fwd_sum, sum(inputs.trainSpikesHeldinForward) + sum(inputs.trainSpikesHeldoutForward));

  // Rates equal to the recon counts come back as the NLB train tensors, in NLB trial order.
  const py = (key: string) => JSON.parse(spawnSync(PYTHON, ["-c", `import sys, json, h5py; x = h5py.File(sys.argv[1])['${key}']; print(json.dumps([list(x.shape), x[:].ravel().tolist()]))`, out], { encoding: "utf8" }).stdout) as [number[], number[]];
  const tensor = (key: string) => { const [shape, data] = py(key); return { data: Float64Array.from(data), shape: shape as [number, number, number] }; };
  const test = { data: new Float64Array(inputs.evalTrials.length * (T + nFwd) * 6).map((_, i) => i), shape: [inputs.evalTrials.length, T + nFwd, 6] as [number, number, number] };
  const rates = nlbRatesFromLfads(layout, { train: tensor("train_recon_data"), valid: tensor("valid_recon_data"), test });
  assert.deepEqual(Array.from(rates.trainRatesHeldout.data), Array.from(inputs.trainSpikesHeldout.data));
  assert.deepEqual(Array.from(rates.trainRatesHeldin.data), Array.from(inputs.trainSpikesHeldin.data));
  assert.deepEqual(rates.evalRatesHeldoutForward!.shape, [inputs.evalTrials.length, nFwd, 2]);
  assert.equal(rates.evalRatesHeldoutForward!.data[0], (T * 6) + 4); // test trial 0, first forward bin, first held-out neuron
  assert.equal(rates.evalRatesHeldin.data[5], 6 + 1); // test trial 0, bin 1, neuron 1
  assert.throws(() => nlbRatesFromLfads(layout, { train: test, valid: test, test }), /train rates have shape \[\d+, \d+, 6\], expected \[\d+, \d+, 6\]/);
});
