// The Run Manager path for an NWB file: NwbDataset → RunCollection → prepare (recon data) → trainRun → samplePosterior
// → run.score(), whose co-bps and fp-bps must equal the NLB formula computed independently by numpy from the files on
// disk (the LFADS input's valid_recon_data and the posterior's output_dist_params).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DatasetCollection, NwbDataset, RunCollection, RunParams, RunSpec, prepare, writeNlbMazeNwb } from "../../src/index.js";
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

test("an NwbDataset run: prepare writes recon data, and run.score() gives co-bps and fp-bps that numpy's NLB formula agrees with", { timeout: 300_000 }, async (t) => {
  const { file } = await writeNlbMazeNwb(path.join(tmp, "data"), { nTrials: 40, nUnits: 24, nHeldout: 6, seed: 5 });
  const dc = new DatasetCollection(path.join(tmp, "data"), "nwb");
  new NwbDataset(dc, path.basename(file), { bin: { binWidthMs: 20, forwardMs: 100 } });
  const rc = new RunCollection(path.join(tmp, "runs"), "nwb", dc);
  rc.addParams(new RunParams({ spikeBinMs: 20, c_co_dim: 0, c_factors_dim: 4, c_gen_dim: 16, c_ic_dim: 8, c_ic_enc_dim: 8, c_batch_size: 4, c_kl_increase_steps: 20, c_l2_increase_steps: 20, c_learning_rate_init: 0.02 }));
  rc.addRunSpec(new RunSpec("single_nwb", dc, 1));
  await prepare(rc);
  const run = rc.runList[0]!;
  const res = await trainRun(run, { maxSteps: 60, quiet: true, checkpointEveryEpochs: 1_000_000 });
  assert.equal(res.steps, 60);
  await samplePosterior(run, { kind: "posterior_push_mean", quiet: true });
  const [score] = await run.score({ kind: "posterior_push_mean" });
  assert.ok(score, "one score for the one dataset");
  assert.ok(Number.isFinite(score.bitsPerSpike) && Number.isFinite(score.coBps) && Number.isFinite(score.fpBps), JSON.stringify(score));

  if (spawnSync(PYTHON, ["-c", "import h5py, numpy"]).status !== 0) return t.skip(`${PYTHON} lacks h5py (apt-get install python3-h5py)`);
  const inputFile = run.lfadsInputLinks[0]!;
  const outDir = path.join(run.path, "lfadsOutput");
  const postFile = fs.readdirSync(outDir).find((f) => /^model_runs_.*_valid_posterior_push_mean$/.test(f));
  assert.ok(postFile, `a valid-split posterior file in ${outDir}: ${fs.readdirSync(outDir).join(", ")}`);
  const r = spawnSync(PYTHON, ["-c", NUMPY_BPS, inputFile, path.join(outDir, postFile), "35", "18"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const np = JSON.parse(r.stdout) as { co: number; fp: number; shape: number[] };
  assert.deepEqual(np.shape.slice(1), [40, 24], "35 window bins + 5 forward bins, 18 held-in + 6 held-out units");
  assert.ok(Math.abs(np.co - score.coBps!) < 1e-4, `co-bps ${score.coBps} vs numpy ${np.co}`);
  assert.ok(Math.abs(np.fp - score.fpBps!) < 1e-4, `fp-bps ${score.fpBps} vs numpy ${np.fp}`);
});
