// The Run Manager path for an NWB file: NwbDataset → RunCollection → prepare (recon data, behaviour in the
// input info) → trainRun → samplePosterior → run.score(), whose co-bps, fp-bps, velR2 and psthR2 must equal
// the NLB formulas computed independently by numpy / scikit-learn from the files on disk (the LFADS input's
// valid_recon_data, the input info's behavior / reconCounts / conditionId, the posterior's output_dist_params).
// The NWB file is binned at 10 ms and LFADS runs at 20 ms, so counts are summed and behaviour averaged in pairs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DatasetCollection, NwbDataset, RunCollection, RunParams, RunSpec, prepare, writeNlbMazeNwb } from "../../src/index.js";
import { readInputInfo } from "../../src/posterior/read-input-info.js";
import { samplePosterior, trainRun } from "../../src/tf.js";

const PYTHON = "/usr/bin/python3";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-nwb-rm-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

const NUMPY_BPS = `
import sys, json, h5py, numpy as np
inp, post, t_obs, n_in = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
counts = h5py.File(inp)['valid_recon_data'][:].astype(float)
rates = h5py.File(post)['output_dist_params'][:].astype(float)  # spikes per bin, valid trials in file order
def bps(r, x):
    null = np.tile(x.mean(axis=(0, 1), keepdims=True), (x.shape[0], x.shape[1], 1))
    nll = lambda q: np.sum(q - x * np.log(np.maximum(q, 1e-9)))
    return (nll(null) - nll(r)) / x.sum() / np.log(2)
print(json.dumps({'co': bps(rates[:, :t_obs, n_in:], counts[:, :t_obs, n_in:]), 'fp': bps(rates[:, t_obs:, :], counts[:, t_obs:, :]), 'shape': list(rates.shape)}))
`;

// vel R²: scikit-learn's GridSearchCV(Ridge) over NLB's α grid, fitted on the train trials' (bin, rates) rows
// and scored on the valid trials'. PSTH R²: per condition, the mean over all trials of the re-binned recon
// counts smoothed with a 50-ms Gaussian (2.5 bins, rounded to 2 by Python's round(), as nlb_tools and smoothSpikes do;
// numpy's convolve "same"), against the valid trials' mean rates per condition, sklearn's uniform R² over neurons.
const SKLEARN_DECODE = `
import sys, json, h5py, numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.metrics import r2_score
info, post_train, post_valid, t_obs, rebin = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
f = h5py.File(info)
tr = f['trainInds'][:].astype(int) - 1; va = f['validInds'][:].astype(int) - 1
n = len(tr) + len(va)
beh = f['behavior'][:].astype(float).transpose(0, 2, 1)       # [trials, T_orig, channels]
recon = f['reconCounts'][:].astype(float).transpose(0, 2, 1)  # [trials, T_orig + fwd, N_rec]
cond = f['conditionId'][:]
beh = beh[:, :t_obs * rebin].reshape(n, t_obs, rebin, -1).mean(axis=2)
recon = recon[:, :t_obs * rebin].reshape(n, t_obs, rebin, -1).sum(axis=2)
rates = np.full((n,) + h5py.File(post_valid)['output_dist_params'].shape[1:], np.nan)
rates[tr] = h5py.File(post_train)['output_dist_params'][:]
rates[va] = h5py.File(post_valid)['output_dist_params'][:]
rates = rates[:, :t_obs]
def rows(idx):
    x = rates[idx].reshape(-1, rates.shape[2]); y = beh[idx].reshape(-1, beh.shape[2])
    keep = ~np.isnan(y[:, 0])
    return x[keep], y[keep]
xt, yt = rows(tr); xv, yv = rows(va)
gs = GridSearchCV(Ridge(), {'alpha': np.logspace(-4, 0, 9)}).fit(xt, yt)
vel = r2_score(yv, gs.predict(xv))
sd = int(round(50 / 20)); L = int(np.floor(6 * sd)); c = (L - 1) / 2
w = np.exp(-0.5 * ((np.arange(L) - c) / sd) ** 2); w /= w.sum()
sm = np.apply_along_axis(lambda s: np.convolve(s, w, 'same'), 1, recon)
truth, pred = [], []
for c_ in np.unique(cond):
    ev = va[cond[va] == c_]
    if len(ev) == 0: continue
    truth.append(sm[cond == c_].mean(axis=0)); pred.append(rates[ev].mean(axis=0))
psth = r2_score(np.concatenate(truth), np.concatenate(pred))
print(json.dumps({'vel': vel, 'psth': psth, 'nTrain': int(len(xt)), 'nValid': int(len(xv))}))
`;

const PARAMS = { spikeBinMs: 20, c_co_dim: 0, c_factors_dim: 4, c_gen_dim: 16, c_ic_dim: 8, c_ic_enc_dim: 8, c_batch_size: 4, c_kl_increase_steps: 20, c_l2_increase_steps: 20, c_learning_rate_init: 0.02 };

/** A Run Manager run of `file`'s NwbDataset binned with `bin`, trained for 60 steps and posterior-sampled. */
async function trainedRun(name: string, dataDir: string, file: string, bin: ConstructorParameters<typeof NwbDataset>[2]) {
  const dc = new DatasetCollection(dataDir, name);
  const ds = new NwbDataset(dc, path.basename(file), bin);
  const rc = new RunCollection(path.join(tmp, `runs-${name}`), name, dc);
  rc.addParams(new RunParams(PARAMS));
  rc.addRunSpec(new RunSpec("single_nwb", dc, 1));
  await prepare(rc);
  const run = rc.runList[0]!;
  const res = await trainRun(run, { maxSteps: 60, quiet: true, checkpointEveryEpochs: 1_000_000 });
  assert.equal(res.steps, 60);
  await samplePosterior(run, { kind: "posterior_push_mean", quiet: true });
  return { run, ds };
}

function posteriorFile(outDir: string, split: string): string {
  const f = fs.readdirSync(outDir).find((n) => new RegExp(`^model_runs_.*_${split}_posterior_push_mean$`).test(n));
  assert.ok(f, `a ${split}-split posterior file in ${outDir}: ${fs.readdirSync(outDir).join(", ")}`);
  return path.join(outDir, f);
}

test("an NwbDataset run: run.score() gives co-bps, fp-bps, velR2 and psthR2 that numpy and scikit-learn agree with; behaviour reaches the input info only", { timeout: 300_000 }, async (t) => {
  const dataDir = path.join(tmp, "data");
  const { file } = await writeNlbMazeNwb(dataDir, { nTrials: 40, nUnits: 24, nHeldout: 6, seed: 5 });
  const { run, ds } = await trainedRun("nwb", dataDir, file, { bin: { binWidthMs: 10, forwardMs: 100 } });

  // The input info keeps the binned behaviour exactly ([trial, bin, channel] as NwbDataset binned it); the LFADS input has none.
  const info = await readInputInfo(run.lfadsInputInfoLinks[0]!);
  const beh = ds.trials!.behavior!.data;
  assert.deepEqual(info.behavior!.shape, beh.shape, "[trials, 70 input bins, 2 channels]");
  assert.deepEqual([...info.behavior!.data], [...Float32Array.from(beh.data)]);

  const [score] = await run.score({ kind: "posterior_push_mean" });
  assert.ok(score, "one score for the one dataset");
  for (const k of ["bitsPerSpike", "coBps", "fpBps", "velR2", "psthR2"] as const) assert.ok(Number.isFinite(score[k]), `${k}: ${JSON.stringify(score)}`);

  if (spawnSync(PYTHON, ["-c", "import h5py, numpy, sklearn"]).status !== 0) return t.skip(`${PYTHON} lacks h5py or scikit-learn (apt-get install python3-h5py python3-sklearn)`);
  const inputFile = run.lfadsInputLinks[0]!;
  const keys = spawnSync(PYTHON, ["-c", "import sys, h5py; print(' '.join(h5py.File(sys.argv[1]).keys()))", inputFile], { encoding: "utf8" });
  assert.equal(keys.status, 0, keys.stderr);
  assert.ok(!/behav/i.test(keys.stdout), `the model must not see the behaviour; the LFADS input holds ${keys.stdout}`);

  const outDir = path.join(run.path, "lfadsOutput");
  const r = spawnSync(PYTHON, ["-c", NUMPY_BPS, inputFile, posteriorFile(outDir, "valid"), "35", "18"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const np = JSON.parse(r.stdout) as { co: number; fp: number; shape: number[] };
  assert.deepEqual(np.shape.slice(1), [40, 24], "35 window bins + 5 forward bins, 18 held-in + 6 held-out units");
  assert.ok(Math.abs(np.co - score.coBps!) < 1e-4, `co-bps ${score.coBps} vs numpy ${np.co}`);
  assert.ok(Math.abs(np.fp - score.fpBps!) < 1e-4, `fp-bps ${score.fpBps} vs numpy ${np.fp}`);

  const d = spawnSync(PYTHON, ["-c", SKLEARN_DECODE, run.lfadsInputInfoLinks[0]!, posteriorFile(outDir, "train"), posteriorFile(outDir, "valid"), "35", "2"], { encoding: "utf8" });
  assert.equal(d.status, 0, d.stderr);
  const sk = JSON.parse(d.stdout) as { vel: number; psth: number; nTrain: number; nValid: number };
  assert.ok(sk.nTrain > 0 && sk.nValid > 0, JSON.stringify(sk));
  assert.ok(Math.abs(sk.vel - score.velR2!) < 1e-4, `velR2 ${score.velR2} vs scikit-learn ${sk.vel}`);
  assert.ok(Math.abs(sk.psth - score.psthR2!) < 1e-4, `psthR2 ${score.psthR2} vs numpy/scikit-learn ${sk.psth}`);

  // The same file binned without behaviour: no velR2 (and no behaviour in the input info), the other scores still there.
  const plain = await trainedRun("nwb-nobeh", dataDir, file, { bin: { binWidthMs: 10, forwardMs: 100, behavior: null } });
  assert.equal((await readInputInfo(plain.run.lfadsInputInfoLinks[0]!)).behavior, undefined);
  const [s2] = await plain.run.score({ kind: "posterior_push_mean" });
  assert.equal(s2!.velR2, undefined, JSON.stringify(s2));
  assert.ok(Number.isFinite(s2!.coBps) && Number.isFinite(s2!.psthR2), JSON.stringify(s2));
});
