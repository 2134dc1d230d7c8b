/**
 * Coordinated dropout and sample validation in training: the masks (seeded, fixed for SV, fresh per step
 * for CD), the batch they make (encoder input, weights), CD off at evaluation, the recon_sv_* columns of
 * fitlog_diagnostics.csv from a real trainRun on a tiny HDF5 run, and `validationFitnessSeries` reading
 * them back.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Rng } from "../../src/core/rng.js";
import { writeArray, writeH5Atomic } from "../../src/io/h5.js";
import { modelConfigFromRunParams } from "../../src/model/config.js";
import { LfadsModel } from "../../src/model/lfads.js";
import { lgammaRowSums } from "../../src/model/observation/poisson.js";
import { selectBackend } from "../../src/model/ops/backend.js";
import { RunParams, type RunParamsInit } from "../../src/params/run-params.js";
import { parseFitDiagnostics } from "../../src/posterior/fit-diagnostics.js";
import { augmentBatch, drawCoordinatedDropout, SampleValidationMasks } from "../../src/train/augmentation.js";
import { DIAGNOSTICS_COLUMNS, upgradeDiagnosticsLine } from "../../src/train/diagnostics.js";
import { validationFitnessSeries } from "../../src/train/fitness.js";
import type { InputData } from "../../src/train/input-data.js";
import { trainConfigFromRunParams } from "../../src/train/train-config.js";
import { Trainer } from "../../src/train/trainer.js";
import { trainRun } from "../../src/train/train-run.js";
import { RngNoise } from "../../src/model/noise.js";
import { TINY } from "../model/tiny.js";

const T = 10;
const N = 6;
const created: string[] = [];
after(() => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

function countsOf(E: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: E * T * N }, (_, i) => rng.poisson(Math.exp(0.8 * Math.sin((i % (T * N)) / 5))));
}

function inputData(): InputData {
  const split = (E: number, seed: number) => {
    const data = countsOf(E, seed);
    return { data, numTrials: E, lgammaSums: lgammaRowSums(data, E) };
  };
  return { numSteps: T, datasets: [{ name: "dataset001.h5", file: "-", numNeurons: N, train: split(12, 1), valid: split(6, 2) }] };
}

test("SV masks: drawn once from the seed, about the keep ratio, training and validation trials each their own", () => {
  const data = inputData();
  const a = SampleValidationMasks.draw(data, 0.8, 3);
  const b = SampleValidationMasks.draw(data, 0.8, 3);
  const c = SampleValidationMasks.draw(data, 0.8, 4);
  const all = Int32Array.from({ length: 12 }, (_, i) => i);
  const ra = a.rows(0, "train", all);
  assert.deepEqual(b.rows(0, "train", all), ra, "the same seed, the same mask");
  assert.notDeepEqual(c.rows(0, "train", all), ra, "another seed, another mask");
  const used = ra.reduce((s, v) => s + v, 0) / ra.length;
  assert.ok(Math.abs(used - 0.8) < 0.05, `fraction used ${used}`);
  assert.notDeepEqual(a.rows(0, "valid", Int32Array.of(0, 1)), ra.subarray(0, 2 * T * N), "validation trials have their own mask");
  // rows() picks whole trials in the order asked.
  assert.deepEqual(a.rows(0, "train", Int32Array.of(5, 2)), Uint8Array.from([...ra.subarray(5 * T * N, 6 * T * N), ...ra.subarray(2 * T * N, 3 * T * N)]));
});

test("augmentBatch: the encoders read x·s/keep_sv·m/keep_cd; value weights s/keep_sv, gradient only at dropped elements, held-out (1−s)/(1−keep_sv)", () => {
  const x = countsOf(3, 9);
  const rng = new Rng(2);
  const sv = { rows: Uint8Array.from(x, () => (rng.uniform() < 0.8 ? 1 : 0)), keepRatio: 0.8 };
  const cd = drawCoordinatedDropout(new RngNoise(rng), x.length, 0.7, 0);
  const a = augmentBatch(x, 3, { sv, cd }, lgammaRowSums);
  for (let i = 0; i < x.length; i++) {
    const s = sv.rows[i]!;
    assert.equal(a.encoderData[i], Math.fround(x[i]! * (s / 0.8) * cd.keep[i]!));
    assert.equal(a.weights.value![i], Math.fround(s / 0.8));
    assert.equal(a.weights.grad![i], cd.keep[i] === 0 ? Math.fround(s / 0.8) : 0);
    assert.equal(a.weights.heldOut![i], Math.fround((1 - s) / (1 - 0.8)));
  }
  const plain = lgammaRowSums(x, 3);
  for (let b = 0; b < 3; b++) {
    assert.ok(Math.abs(a.lgammaSum![b]! / 1.25 + a.lgammaHeldOut![b]! / 5 - plain[b]!) < 1e-3 * plain[b]!, "the two weighted lgamma sums split the plain one");
  }
  // CD alone: no value weights (every element counts once), no held-out sum.
  const onlyCd = augmentBatch(x, 3, { cd }, lgammaRowSums);
  assert.equal(onlyCd.weights.value, undefined);
  assert.equal(onlyCd.weights.heldOut, undefined);
  assert.equal(onlyCd.lgammaSum, undefined, "the plain lgamma sums stand");
});

test("coordinated dropout is off at evaluation: a trainer with CD evaluates exactly as one without", async () => {
  await selectBackend("cpu");
  const data = inputData();
  const run = (over: RunParamsInit): number[] => {
    const p = new RunParams({ ...TINY, ...over });
    const model = new LfadsModel(modelConfigFromRunParams(p, { numSteps: T, datasets: [{ name: "dataset001.h5", numNeurons: N }] }), { seed: 1 });
    const trainer = new Trainer(model, data, trainConfigFromRunParams(p, 1), 0);
    try {
      const s = trainer.evalBatch({ datasetIndex: 0, indices: Int32Array.of(0, 1, 2, 3) }, "valid");
      return [s.cost, s.recon, s.kl];
    } finally {
      trainer.dispose();
      model.dispose();
    }
  };
  assert.deepEqual(run({ c_keep_ratio: 0.5, c_cd_grad_passthru_prob: 0.3 }), run({}));
});

async function makeRun(name: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lfads-aug-${name}-`));
  created.push(dir);
  const big = (a: Float32Array): BigInt64Array => BigInt64Array.from(a, (v) => BigInt(v));
  await writeH5Atomic(path.join(dir, "lfadsInput", "lfads_dataset001.h5"), (f) => {
    writeArray(f, "train_data", { data: big(countsOf(12, 1)), shape: [12, T, N] });
    writeArray(f, "valid_data", { data: big(countsOf(6, 2)), shape: [6, T, N] });
  });
  return dir;
}

test("trainRun with CD and SV: recon_sv_train / recon_sv_valid per epoch, read back by validationFitnessSeries; empty without SV", async () => {
  const on = await makeRun("on");
  const off = await makeRun("off");
  const base = { ...TINY, c_learning_rate_init: 0.02 };
  await trainRun(on, { params: new RunParams({ ...base, c_keep_ratio: 0.7, c_cv_keep_ratio: 0.8, c_cv_rand_seed: 2 }), maxEpochs: 3, quiet: true });
  await trainRun(off, { params: new RunParams(base), maxEpochs: 3, quiet: true });

  const text = fs.readFileSync(path.join(on, "lfadsOutput", "fitlog_diagnostics.csv"), "utf8");
  assert.equal(text.split("\n")[0], DIAGNOSTICS_COLUMNS.join(","));
  const rows = parseFitDiagnostics(text);
  assert.equal(rows.length, 3);
  for (const r of rows) assert.ok(r.recon_sv_train > 0 && r.recon_sv_valid > 0 && Number.isFinite(r.recon_sv_valid), `epoch ${r.epoch}: ${r.recon_sv_train}, ${r.recon_sv_valid}`);
  const series = validationFitnessSeries(on);
  assert.deepEqual(series.map((p) => [p.epoch, p.validReconSv]), rows.map((r) => [r.epoch, r.recon_sv_valid]));
  const fitlog = fs.readFileSync(path.join(on, "lfadsOutput", "fitlog.csv"), "utf8").trim().split("\n");
  series.forEach((p, i) => {
    const f = fitlog[i]!.split(",").map((s) => s.trim());
    assert.equal(p.step, Number(f[f.indexOf("step") + 1]));
    assert.equal(p.validRecon, Number(f[f.indexOf("recon") + 2]));
  });

  const offRows = fs.readFileSync(path.join(off, "lfadsOutput", "fitlog_diagnostics.csv"), "utf8").trim().split("\n").slice(1);
  for (const line of offRows) assert.ok(line.endsWith(",,"), `SV off: the two columns are empty (${line})`);
  const offSeries = validationFitnessSeries(off);
  assert.equal(offSeries.length, 3);
  assert.ok(offSeries.every((p) => p.validReconSv === undefined && p.validRecon > 0));
  assert.deepEqual(validationFitnessSeries(path.join(off, "lfadsOutput")), offSeries, "the output folder itself works too");
  assert.deepEqual(validationFitnessSeries(path.join(off, "missing")), [], "no fit log yet: no epochs");
});

test("diagnostics lines from before the recon_sv columns get them empty on resume, and the file parses", () => {
  const old = '3,120,0.01,1.5,2,0,200,0.4,0.5,0.1,0.2,"divergence, recovered"';
  const up = upgradeDiagnosticsLine(old);
  assert.equal(up, old + ",,");
  assert.equal(upgradeDiagnosticsLine(up), up, "current lines unchanged");
  const [row] = parseFitDiagnostics([DIAGNOSTICS_COLUMNS.join(","), up].join("\n"));
  assert.equal(row!.event, "divergence, recovered");
  assert.ok(Number.isNaN(row!.recon_sv_valid));
});

test("with CD and SV, a run stopped and resumed follows the same path as one trained straight through", async () => {
  const straight = await makeRun("straight");
  const resumed = await makeRun("resumed");
  const params = new RunParams({ ...TINY, c_learning_rate_init: 0.02, c_keep_ratio: 0.6, c_cd_grad_passthru_prob: 0.1, c_cv_keep_ratio: 0.7, c_cv_rand_seed: 5 });
  await trainRun(straight, { params, maxEpochs: 3, quiet: true });
  await trainRun(resumed, { params, maxEpochs: 1, quiet: true });
  await trainRun(resumed, { params, maxEpochs: 3, quiet: true });
  for (const file of ["fitlog.csv", "fitlog_diagnostics.csv"]) {
    assert.equal(fs.readFileSync(path.join(resumed, "lfadsOutput", file), "utf8"), fs.readFileSync(path.join(straight, "lfadsOutput", file), "utf8"), file);
  }
});
