/**
 * trainRun's diagnostics and divergence watch on a tiny model: fitlog_diagnostics.csv against the step
 * events and the fit log; a forced divergence (a huge learning rate after the ramps) recovered from the
 * LVE checkpoint, or only reported; the learning rate lowered alone without an LVE checkpoint; the
 * watch's state and the diagnostics lines surviving a kill and resume; checkpoints written before
 * these fields existed still resuming.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Rng } from "../../src/core/rng.js";
import { writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { RunParams, type RunParamsInit } from "../../src/params/run-params.js";
import { loadFitLog } from "../../src/posterior/fit-log.js";
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from "../../src/train/checkpoint.js";
import { formatProgress, type TrainProgress } from "../../src/train/progress.js";
import { trainRun } from "../../src/train/train-run.js";
import { TINY } from "../model/tiny.js";

const T = 10;
const N = 6;
const rate = (i: number): number => Math.exp(0.8 * Math.sin(((Math.floor(i / N) % T) + 3 * (Math.floor(i / (T * N)) % 3)) / 2 + (i % N)));
const counts = (E: number): BigInt64Array => {
  const rng = new Rng(17);
  return BigInt64Array.from({ length: E * T * N }, (_, i) => BigInt(rng.poisson(rate(i))));
};

const created: string[] = [];
after(() => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

/** A run folder with lfadsInput/lfads_dataset001.h5: 12 train and 6 valid trials of 3 conditions. */
async function makeRun(name: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lfads-diag-${name}-`));
  created.push(dir);
  await writeH5Atomic(path.join(dir, "lfadsInput", "lfads_dataset001.h5"), (f) => {
    writeArray(f, "train_data", { data: counts(12), shape: [12, T, N] });
    writeArray(f, "valid_data", { data: counts(6).reverse(), shape: [6, T, N] });
  });
  return dir;
}

const params = (over: RunParamsInit = {}): RunParams => new RunParams({ ...TINY, c_co_dim: 1, c_learning_rate_init: 0.02, ...over });
const out = (dir: string): string => path.join(dir, "lfadsOutput");
const diagLines = (dir: string): string[] => fs.readFileSync(path.join(out(dir), "fitlog_diagnostics.csv"), "utf8").trimEnd().split("\n");

/** 10 healthy epochs at lr 0.02, then (resumed, lr restarted) epochs at lr 1 until maxEpochs: the costs blow up at epoch 10. */
async function forceDivergence(dir: string, maxEpochs: number, opts: { recoverDivergence?: boolean; signal?: AbortSignal; onProgress?: (p: TrainProgress) => void } = {}): Promise<TrainProgress[]> {
  if (!latestCheckpoint(out(dir), "rolling")) await trainRun(dir, { params: params(), maxEpochs: 10, quiet: true });
  const epochs: TrainProgress[] = [];
  await trainRun(dir, {
    params: params({ c_learning_rate_init: 1 }), resetLearningRate: true, maxEpochs, quiet: true, ...opts,
    onProgress: (p) => {
      if (p.kind === "epoch") epochs.push(p);
      opts.onProgress?.(p);
    },
  });
  return epochs;
}

test("fitlog_diagnostics.csv: gradient norms and clipping from the steps, each posterior's KL adding up to the fit log's, the learning rate", async () => {
  const dir = await makeRun("columns");
  const steps: TrainProgress[] = [];
  // Weights ≠ 1 check the per-posterior KLs are unweighted; a low c_max_grad_norm makes some steps clip.
  await trainRun(dir, { params: params({ c_kl_ic_weight: 0.5, c_kl_co_weight: 2, c_max_grad_norm: 60 }), maxEpochs: 5, quiet: true, onProgress: (p) => void (p.kind === "step" && steps.push(p)) });
  const lines = diagLines(dir);
  assert.equal(lines[0], "epoch,step,learning_rate,grad_norm_mean,grad_norm_max,clip_fraction,max_grad_norm,kl_ic_train,kl_ic_valid,kl_co_train,kl_co_valid,event,recon_sv_train,recon_sv_valid");
  assert.equal(lines.length, 6, "header + 5 epochs");
  const log = loadFitLog(out(dir));
  assert.equal(log.diagnostics?.length, 5);
  let clipped = 0;
  log.diagnostics!.forEach((d, e) => {
    const row = log.rows[e]!;
    assert.deepEqual([d.epoch, d.step], [row.epoch, row.step]);
    const norms = steps.filter((s) => s.epoch === e).map((s) => s.gradNorm!);
    assert.equal(norms.length, 3);
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(b), `epoch ${e} ${what}: ${a} vs ${b}`);
    close(d.grad_norm_mean, norms.reduce((a, x) => a + x, 0) / 3, "grad norm mean");
    close(d.grad_norm_max, Math.max(...norms), "grad norm max");
    assert.equal(d.clip_fraction, Number((norms.filter((g) => g > 60).length / 3).toPrecision(7)));
    clipped += d.clip_fraction;
    assert.equal(d.max_grad_norm, 60);
    assert.equal(d.learning_rate, steps.find((s) => s.epoch === e)!.learningRate);
    // kl = kl_ic_weight·KL_g0 + kl_co_weight·KL_u; the fit log rounds to 0.01 and the epoch mean is over the same batches.
    assert.ok(Math.abs(0.5 * d.kl_ic_train + 2 * d.kl_co_train - row.kl_train) < 0.006, `epoch ${e} train KL ${0.5 * d.kl_ic_train + 2 * d.kl_co_train} vs ${row.kl_train}`);
    assert.ok(Math.abs(0.5 * d.kl_ic_valid + 2 * d.kl_co_valid - row.kl_valid) < 0.006, `epoch ${e} valid KL`);
    assert.ok(d.kl_co_train > 0 && d.kl_ic_train > 0);
    assert.equal(d.event, "");
  });
  assert.ok(clipped > 0, "some steps were clipped at 60");
  assert.deepEqual(Array.from(log.diagnosticColumn("grad_norm_max")!), log.diagnostics!.map((d) => d.grad_norm_max));
});

test("a forced divergence: the watch fires, the LVE weights and Adam moments come back, the learning rate is halved, the logs say so", async () => {
  const dir = await makeRun("recover");
  const epochs = await forceDivergence(dir, 12);
  const ev = epochs.find((p) => p.divergence)?.divergence;
  assert.ok(ev, "the watch fired");
  assert.equal(ev.epoch, 10);
  assert.equal(ev.rule, "valid_rise");
  assert.equal(ev.action, "restored");
  assert.equal(ev.restoredCheckpoint, "lfads_vae_lve.ckpt-30.h5", "the LVE checkpoint of the healthy epochs (epoch 9)");
  const lveFile = path.join(out(dir), ev.restoredCheckpoint);
  const lve = await loadCheckpoint(lveFile);
  assert.equal(ev.restoredStep, lve.state.step);
  assert.equal(ev.learningRateAfter, 0.5 * Math.min(ev.learningRateBefore, lve.state.lr.learningRate));
  assert.equal(ev.learningRateAfter, 0.01, "half of the LVE checkpoint's 0.02");
  // The rolling checkpoint written right after the recovery (step 33) holds the LVE weights and Adam moments, the lowered rate, and the step moved on.
  const after10 = await loadCheckpoint(path.join(out(dir), "lfads_vae.ckpt-33.h5"));
  assert.equal(after10.state.step, 33);
  for (const [what, a, b] of [["weights", after10.weights, lve.weights], ["adam m", after10.adamM, lve.adamM], ["adam v", after10.adamV, lve.adamV]] as const) {
    assert.equal(a.size, b.size);
    for (const [k, w] of b) assert.deepEqual(Array.from(a.get(k)!.data), Array.from(w.data), `${what} ${k}`);
  }
  assert.equal(after10.state.lr.learningRate, 0.01);
  assert.deepEqual(after10.state.divergence?.valid, [], "the watch's windows were reset");
  // The log line, the progress event, the diagnostics row; the fit log keeps every epoch.
  assert.match(formatProgress(epochs.find((p) => p.divergence)!), new RegExp(`\\nlfads: divergence at epoch 10 \\(step 33\\): valid cost [\\d.]+ \\(mean of the last 3 epochs\\) is [\\d.]+% above its lowest [\\d.]+ \\(limit 4\\.0%\\); restored the weights and Adam moments of ${path.basename(lveFile).replaceAll(".", "\\.")} \\(step ${lve.state.step}\\) and lowered the learning rate 0\\.98 → 0\\.01$`));
  const log = loadFitLog(out(dir));
  assert.equal(log.nEpochs, 12);
  assert.deepEqual(log.events.map((e) => [e.epoch, e.step]), [[10, 33]]);
  assert.equal(log.events[0]!.event, ev.message);
  assert.deepEqual(Array.from(log.diagnosticColumn("learning_rate")!.slice(9)), [0.02, 1, 0.01], "the rate each epoch's steps used");
  assert.ok(log.rows[11]!.total_valid < 1.04 * log.rows[9]!.total_valid, "after the recovery the model is back near its best");
});

test("recoverDivergence: false reports the divergence and trains on unchanged", async () => {
  const dir = await makeRun("report");
  const epochs = await forceDivergence(dir, 11, { recoverDivergence: false });
  const ev = epochs[epochs.length - 1]!.divergence!;
  assert.equal(ev.action, "reported");
  assert.equal(ev.learningRateAfter, ev.learningRateBefore);
  assert.match(ev.message, /; recovery is off, training goes on unchanged$/);
  const rolling = await loadCheckpoint(path.join(out(dir), "lfads_vae.ckpt-33.h5"));
  const lve = await loadCheckpoint(latestCheckpoint(out(dir), "lve")!);
  const name = [...lve.weights.keys()][0]!;
  assert.notDeepEqual(Array.from(rolling.weights.get(name)!.data), Array.from(lve.weights.get(name)!.data));
  assert.equal(rolling.state.lr.learningRate, ev.learningRateBefore);
});

test("without an LVE checkpoint (deleted), only the learning rate is lowered, and the message says so", async () => {
  const dir = await makeRun("nolve");
  await trainRun(dir, { params: params(), maxEpochs: 10, quiet: true });
  for (const f of fs.readdirSync(out(dir))) if (f.startsWith("lfads_vae_lve.ckpt-") || f === "checkpoint_lve") fs.rmSync(path.join(out(dir), f));
  const epochs = await forceDivergence(dir, 11);
  const ev = epochs[epochs.length - 1]!.divergence!;
  assert.equal(ev.action, "lowered_lr");
  assert.equal(ev.learningRateAfter, 0.5 * ev.learningRateBefore);
  assert.match(ev.message, /; no lowest-validation-error checkpoint yet, so only the learning rate was lowered, 0\.98 → 0\.49$/);
});

test("killed after a recovery and resumed: the same fit log and diagnostics as an uninterrupted run; old checkpoints still resume", async () => {
  const straight = await makeRun("straight");
  await forceDivergence(straight, 14);
  const killed = await makeRun("killed");
  const ctl = new AbortController();
  await forceDivergence(killed, 14, { signal: ctl.signal, onProgress: (p) => (p.kind === "step" && p.step === 38 ? ctl.abort() : undefined) });
  assert.equal(diagLines(killed).length, 1 + 12, "epochs 0–11 logged before the kill");
  await trainRun(killed, { params: params({ c_learning_rate_init: 1 }), maxEpochs: 14, quiet: true });
  for (const f of ["fitlog.csv", "fitlog_diagnostics.csv"]) assert.equal(fs.readFileSync(path.join(out(killed), f), "utf8"), fs.readFileSync(path.join(out(straight), f), "utf8"), f);

  // A checkpoint from before the diagnostics and the watch: no such fields; it resumes, and the diagnostics file holds the new epochs.
  const ckptFile = latestCheckpoint(out(killed), "rolling")!;
  const ckpt = await loadCheckpoint(ckptFile);
  delete ckpt.state.diagnostics;
  delete ckpt.state.divergence;
  await saveCheckpoint(out(killed), "rolling", ckpt, 5);
  const r = await trainRun(killed, { params: params({ c_learning_rate_init: 1 }), maxEpochs: 15, quiet: true });
  assert.equal(r.resumedFromStep, ckpt.state.step);
  const lines = diagLines(killed);
  assert.equal(lines.length, 2, "header + the one epoch trained after resuming");
  assert.match(lines[1]!, /^14,45,/);
  assert.equal(loadFitLog(out(killed)).nEpochs, 15);
});

test("a bad divergenceRule fails before anything is written", async () => {
  const dir = await makeRun("badrule");
  await assert.rejects(trainRun(dir, { params: params(), divergenceRule: { validWindow: 0 }, quiet: true }), /divergenceRule\.validWindow must be an integer >= 1 \(epochs\); got 0/);
  assert.ok(!fs.existsSync(out(dir)));
});
