/**
 * `lfads train` / `posterior` / `prior-sample` / `write-model-params` end to end through the built
 * launcher (`node bin/lfads.js`, after `npm run build`), on a tiny prepared Lorenz run; and the run
 * params file they read.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunParams } from "../../src/params/run-params.js";
import { RUN_PARAMS_FILE, readRunParamsFile, writeRunParamsFile } from "../../src/runs/run-params-file.js";
import type { Run } from "../../src/runs/run.js";
import { posteriorCheckpointText } from "../../src/demo/training-report.js";
import { loadRunFitLog, runPosteriorSource } from "../../src/posterior/run-results.js";
import { prepareTinyRun } from "../runs/tiny-run.js";

const ROOT = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "bin", "lfads.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-cli-train-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

const PARAMS = new RunParams({ c_batch_size: 4, c_factors_dim: 2, c_gen_dim: 6, c_ic_enc_dim: 4, c_ic_dim: 2, c_co_dim: 0, c_kl_increase_steps: 4, c_l2_increase_steps: 4, num_samples_posterior: 4 });
let run: Run;
let dir: string;

function lfads(args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [LAUNCHER, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, LFADS_DEBUG: "" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  if (!fs.existsSync(path.join(ROOT, "dist", "cli.js"))) throw new Error("dist/cli.js is missing: run 'npm run build' first (npm test does)");
  run = await prepareTinyRun(tmp, PARAMS, { nConditions: 4, nTime: 30, minTrialsPerCondition: 6, maxTrialsPerCondition: 6, minChannels: 5, maxChannels: 5, seed: 2 });
  dir = run.path;
});

test("params.json: written from a Run, read back to the same params; bare values accepted; clear errors", () => {
  const file = writeRunParamsFile(run);
  assert.equal(file, path.join(dir, RUN_PARAMS_FILE));
  const back = readRunParamsFile(dir);
  assert.equal(back.params.paramHashString, run.params.paramHashString);
  assert.equal(back.params.dataHashString, run.params.dataHashString);
  assert.deepEqual(back.datasetNames, ["dataset001"]);
  assert.equal(back.runName, "single_dataset001");
  const mtime = fs.statSync(file).mtimeMs;
  writeRunParamsFile(run);
  assert.equal(fs.statSync(file).mtimeMs, mtime, "unchanged content is not rewritten");
  const bare = path.join(tmp, "bare.json");
  fs.writeFileSync(bare, JSON.stringify({ c_gen_dim: 6, c_batch_size: 4 }));
  assert.equal(readRunParamsFile(bare).params.c_gen_dim, 6);
  assert.throws(() => readRunParamsFile(tmp), /params\.json not found: .* prepare the run again .* writeRunParamsFile\(run\)/);
  fs.writeFileSync(bare, "{ nope");
  assert.throws(() => readRunParamsFile(bare), /bare\.json is not valid JSON/);
  fs.writeFileSync(bare, JSON.stringify({ c_gen_dims: 6 }));
  assert.throws(() => readRunParamsFile(bare), /unknown property 'c_gen_dims'/);
});

test("errors: one line, non-zero exit, before anything is written", () => {
  const missing = lfads(["train", path.join(tmp, "no-such-run")]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, `lfads train: run folder not found: ${path.join(tmp, "no-such-run")}\n`);
  const notRun = lfads(["posterior", tmp]);
  assert.equal(notRun.code, 1);
  assert.match(notRun.err, /^lfads posterior: .* has no lfadsInput\/ folder, so it is not a prepared run; prepare its RunCollection first/);
  assert.equal(notRun.err.trim().split("\n").length, 1);
  const other = path.join(tmp, "runs", "rc", "param_x", "r");
  fs.mkdirSync(path.join(other, "lfadsInput"), { recursive: true });
  const noParams = lfads(["train", other]);
  assert.equal(noParams.code, 1);
  assert.match(noParams.err, /^lfads train: .*params\.json not found: /);
  const untrained = lfads(["posterior", dir]);
  assert.equal(untrained.code, 1);
  assert.match(untrained.err, /^lfads posterior: LFADS output folder not found: .*lfadsOutput; train the run first/);
  const badKind = lfads(["posterior", dir, "--kind", "posterior_mean"]);
  assert.equal(badKind.code, 2);
  assert.match(badKind.err, /--kind must be one of posterior_sample_and_average, posterior_push_mean, both/);
  assert.equal(lfads(["train"]).code, 2);
  assert.ok(!fs.existsSync(run.pathLFADSOutput));
});

test("train, then posterior, prior-sample and write-model-params on the run folder", async () => {
  const t = lfads(["train", dir, "--max-epochs", "3"]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^epoch 2 step 15 \| train [\d.]+ /m);
  assert.match(t.out, /lfads train: done \(max epochs\) after 3 epochs, 15 steps/);
  assert.match(t.out, new RegExp(`outputs in ${run.pathLFADSOutput.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: model_params`));
  assert.ok(fs.existsSync(run.fileModelParams));
  const diag = fs.readFileSync(path.join(run.pathLFADSOutput, "fitlog_diagnostics.csv"), "utf8").trimEnd().split("\n");
  assert.equal(diag.length, 4, "header + 3 epochs");
  assert.match(diag[3]!, /^2,15,0\.01,[\d.]+,[\d.]+,0,200,[\d.e-]+,[\d.e-]+,0,0,,,$/, "epoch 2: lr 0.01, no clipping, u's KL 0 without a controller, no event, no sample validation");

  const p = lfads(["posterior", dir, "--kind", "both"]);
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /lfads posterior: 4 file\(s\) written in .*lfadsOutput \(checkpoint lfads_vae_lve\.ckpt-15\.h5, step 15; posterior_push_mean [\d.e+]+ trials\/s, posterior_sample_and_average [\d.e+]+ trials\/s\)/);
  for (const split of ["train", "valid"]) {
    for (const kind of ["posterior_sample_and_average", "posterior_push_mean"]) assert.ok(fs.existsSync(path.join(run.pathLFADSOutput, `model_runs_dataset001.h5_${split}_${kind}`)));
  }
  // The report's paragraph: the posterior names its checkpoint, the LVE one.
  const src = await runPosteriorSource(run);
  assert.deepEqual([src?.checkpoint, src?.step], ["lfads_vae_lve.ckpt-15.h5", 15]);
  assert.match(posteriorCheckpointText(loadRunFitLog(run), src), /^The posterior means were sampled from checkpoint lfads_vae_lve\.ckpt-15\.h5 \(step 15\), the lowest-validation-error epoch 2 \(valid cost [\d.]+\), marked ★/);
  const again = lfads(["posterior", dir]);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /0 file\(s\) written, 2 existed and were kept/);

  const ps = lfads(["prior-sample", dir, "--samples", "3", "--dataset", "dataset001"]);
  assert.equal(ps.code, 0, ps.err);
  assert.match(ps.out, /3 trials read out through dataset001\.h5 \(step 15\) → .*model_runs_prior_sample/);
  const bad = lfads(["prior-sample", dir, "--dataset", "2"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--dataset '2' is not a dataset of this run; give one of: dataset001 \(or 1\)/);

  const mp = lfads(["write-model-params", dir, "--checkpoint", "latest"]);
  assert.equal(mp.code, 0, mp.err);
  assert.match(mp.out, /step 15 \(.*lfads_vae\.ckpt-15\.h5\) → .*model_params/);
});

test("SIGTERM stops training before the next step: exit 143, resumable", async () => {
  const other = path.join(tmp, "sigterm");
  fs.cpSync(dir, other, { recursive: true, verbatimSymlinks: true });
  fs.rmSync(path.join(other, "lfadsOutput"), { recursive: true, force: true });
  // lfadsInput links are relative to the run folder's depth: point them at the originals.
  for (const n of fs.readdirSync(path.join(other, "lfadsInput"))) {
    const link = path.join(other, "lfadsInput", n);
    fs.rmSync(link);
    fs.symlinkSync(fs.realpathSync(path.join(dir, "lfadsInput", n)), link);
  }
  const child = spawn(process.execPath, [LAUNCHER, "train", other, "--max-epochs", "1000"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let sent = false;
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (!sent && /^epoch 1 step/m.test(out)) {
      sent = true;
      child.kill("SIGTERM");
    }
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  assert.ok(sent, `training printed no epoch line: ${out} ${err}`);
  assert.equal(code, 143, err);
  assert.match(err, /lfads train: SIGTERM: stopping before the next step/);
  assert.match(err, /run 'lfads train .*sigterm' again to resume/);
  const resumed = lfads(["train", other, "--max-epochs", "3", "--no-recover-divergence"]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.out, /resuming from lfads_vae\.ckpt-\d+\.h5/);
});
