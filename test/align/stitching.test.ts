// Stitching through the public API: the docs' three-dataset collection (buildStitchingDemo), the
// alignment matrices prepare() writes, the stitched model's read-in/read-out initialisation from them
// (exported model_params before any training step), the ramp scaling by the number of datasets, and
// the errors prepare() raises for datasets that cannot be stitched.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DataError, Dataset, DatasetCollection, Rng, RunCollection, RunParams, RunSpec, ShapeError, loadModelTrainedParams, prepare, setWarningSink,
  type DatasetData, type RunParamsInit,
} from "../../src/index.js";
import { trainConfigFromRunParams, trainRun, type TrainProgress } from "../../src/tf.js";
import { main } from "../../src/cli.js";
import { generateLorenzDatasets } from "../../src/index.js";
import {
  QUICK_TRAIN_PARAMS, buildStitchingDemo, computeRunAlignment, plotRunAlignment, posteriorStitchingDemo, STITCHING_HASHES, trainStitchingDemo, writeAlignmentFigure,
} from "../../src/demo/stitching-demo.js";
import { readArray, readH5 } from "../../src/io/h5.js";
import { AdamTf1 } from "../../src/train/adam.js";
import { RUN_MARKERS } from "../../src/runs/layout.js";
import * as tf from "@tensorflow/tfjs";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-stitching-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Small datasets: 6 conditions × 5–6 trials, 8–12 channels, 200 ms (100 bins at the docs' 2 ms). */
const SMALL = { nConditions: 6, minTrialsPerCondition: 5, maxTrialsPerCondition: 6, minChannels: 8, maxChannels: 12, nTime: 200, seed: 3, today: "2018-01-31" };
/** A tiny network, so that building the model and one step are quick; c_batch_size fits 30–36 trials. */
const TINY_NET: RunParamsInit = { c_batch_size: 4, c_gen_dim: 8, c_ic_enc_dim: 8, c_ic_dim: 4, c_kl_increase_steps: 4, c_l2_increase_steps: 4 };

test("buildStitchingDemo + prepare: the docs' hashes and tree, alignment matrices of the right shapes in 'all' only", async () => {
  const demo = await buildStitchingDemo({ out: path.join(tmp, "demo"), lorenz: SMALL, params: { c_batch_size: 4 } });
  assert.equal(demo.docParams.paramHashString, STITCHING_HASHES.param);
  assert.equal(demo.docParams.dataHashString, STITCHING_HASHES.data);
  assert.equal(demo.params.dataHashString, "data_RE1kuL", "c_batch_size changes the param hash only");
  assert.notEqual(demo.params.paramHashString, "param_Qr2PeG");
  assert.deepEqual(demo.rc.runSpecs.map((s) => s.name), ["all", "single_dataset001", "single_dataset002", "single_dataset003"]);
  assert.equal(demo.stitched.nDatasets, 3);

  await prepare(demo.rc);
  const rcPath = demo.rc.path;
  for (const k of [1, 2, 3]) {
    assert.ok(fs.existsSync(path.join(rcPath, "data_RE1kuL", "all", `lfads_dataset00${k}.h5`)));
    assert.ok(fs.lstatSync(path.join(demo.stitched.path, "lfadsInput", `lfads_dataset00${k}.h5`)).isSymbolicLink());
  }
  const alignment = await computeRunAlignment(demo.stitched);
  assert.deepEqual(alignment.datasetNames, ["dataset001", "dataset002", "dataset003"]);
  assert.equal(alignment.nFactors, 8);
  assert.equal(alignment.nTime, 100);
  for (let i = 0; i < 3; i++) {
    const nCh = demo.stitched.datasets[i]!.nChannels;
    await readH5(demo.stitched.lfadsInputLinks[i]!, (f) => {
      const m = readArray(f, "alignment_matrix_cxf");
      const b = readArray(f, "alignment_bias_c");
      assert.deepEqual(m.shape, [nCh, 8], `alignment_matrix_cxf of dataset ${i + 1} is [nChannels, c_factors_dim]`);
      assert.deepEqual(b.shape, [nCh]);
      assert.deepEqual(Array.from(m.data as ArrayLike<number>), Array.from(alignment.matrices[i]!), "prepare wrote what computeRunAlignment computes");
      assert.deepEqual(Array.from(b.data as ArrayLike<number>), Array.from(alignment.biases[i]!));
      assert.deepEqual(readArray(f, "train_data").shape.slice(1), [100, nCh]);
    });
  }
  for (const run of demo.singles) {
    await readH5(run.lfadsInputLinks[0]!, (f) => assert.ok(!f.keys().includes("alignment_matrix_cxf"), `${run.name}: useAlignmentMatrix applies to several datasets only`));
  }

  const fig = await plotRunAlignment(demo.stitched, { alignment });
  const spec = fig.toJSON();
  // 3 factors × 3 conditions (first, middle, last of 6), each with the global trace and 3 datasets
  assert.equal(spec.data.length, 3 * 3 * 4);
  assert.deepEqual(spec.data.slice(0, 4).map((t) => t.name), ["Global", "dataset001", "dataset002", "dataset003"]);
  const files = await writeAlignmentFigure(demo.stitched, path.join(tmp, "fig"), alignment);
  assert.match(fs.readFileSync(files.html, "utf8"), /Plotly\.newPlot/);
  if (files.svg) assert.match(fs.readFileSync(files.svg, "utf8"), /<svg/);
  else console.log(`# no SVG rendered: ${files.svgError}`);
});

test("the stitched model's read-ins and read-outs start from the alignment matrices; ramps scale with the number of datasets", async () => {
  const demo = await buildStitchingDemo({ out: path.join(tmp, "demo"), lorenz: SMALL, name: "init", params: TINY_NET });
  await prepare(demo.rc);
  const run = demo.stitched;
  const r = await trainRun(run, { maxSteps: 0, quiet: true });
  assert.equal(r.steps, 0);
  const names = run.datasetNames;
  const mp = await loadModelTrainedParams({ outputDir: run.pathLFADSOutput, datasetNames: names });
  const alignment = await computeRunAlignment(run);
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
    assert.equal(a.length, b.length, what);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6 * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  };
  for (let d = 0; d < 3; d++) {
    const W = alignment.matrices[d]!;
    const bias = alignment.biases[d]!;
    const N = alignment.nChannels[d]!;
    const F = 8;
    assert.deepEqual(mp.xToInfacW![d]!.shape, [N, F]);
    close(mp.xToInfacW![d]!.data, W, `${names[d]} read-in W`);
    // read-in bias −bias·W, so that the read-in computes (x − bias)·W
    const bIn = Array.from({ length: F }, (_, f) => -bias.reduce((s, b, n) => s + b * W[n * F + f]!, 0));
    close(mp.xToInfacB![d]!.data, bIn, `${names[d]} read-in b`);
    // read-out: the transpose, bias = the channel means
    assert.deepEqual(mp.factorsToLogratesW![d]!.shape, [F, N]);
    close(mp.factorsToLogratesW![d]!.data, Array.from({ length: F * N }, (_, i) => W[(i % N) * F + Math.floor(i / N)]!), `${names[d]} read-out W`);
    close(mp.factorsToLogratesB![d]!.data, bias, `${names[d]} read-out b`);
  }
  // A single-dataset run of the same params has no alignment matrix: identity read-in, not exported.
  const single = demo.singles[0]!;
  await trainRun(single, { maxSteps: 0, quiet: true });
  const mps = await loadModelTrainedParams({ outputDir: single.pathLFADSOutput, datasetNames: single.datasetNames });
  assert.equal(mps.xToInfacW, undefined);

  // scaleIncreaseStepsWithDatasets / scaleStartStepWithDatasets (defaults true): 3 datasets ramp 3× slower.
  assert.equal(trainConfigFromRunParams(run.params, 3).klIncreaseSteps, 12);
  assert.equal(trainConfigFromRunParams(run.params, 1).klIncreaseSteps, 4);
  const unscaled = run.params.with({ scaleIncreaseStepsWithDatasets: false, c_kl_start_step: 2, c_l2_start_step: 2 });
  assert.deepEqual([trainConfigFromRunParams(unscaled, 3).klIncreaseSteps, trainConfigFromRunParams(unscaled, 3).klStartStep], [4, 6]);
  assert.equal(trainConfigFromRunParams(unscaled.with({ scaleStartStepWithDatasets: false }), 3).l2StartStep, 2);
  // … and the trainer uses them: KL weight after steps 0, 1, 2 (of 12 ramp steps vs 4).
  const klWeights = async (target: typeof run): Promise<number[]> => {
    const w: number[] = [];
    fs.rmSync(target.pathLFADSOutput, { recursive: true, force: true });
    await trainRun(target, { maxSteps: 3, quiet: true, onProgress: (p: TrainProgress) => void (p.kind === "step" && w.push(p.klWeight)) });
    return w;
  };
  close(await klWeights(run), [0, 1 / 12, 2 / 12], "stitched KL weights");
  close(await klWeights(single), [0, 1 / 4, 2 / 4], "single-dataset KL weights");
});

test("Adam in a stitched model: a read-in missing from a batch's gradients gets zero gradient and moves by momentum (TF tf.case)", () => {
  const a = tf.variable(tf.tensor1d([1, 1]));
  const b = tf.variable(tf.tensor1d([1, 1]));
  const adam = new AdamTf1(new Map([["readin_a", a], ["readin_b", b]]));
  adam.apply(new Map([["readin_a", tf.tensor1d([1, -1])], ["readin_b", tf.tensor1d([2, 2])]]), 0.01); // a batch of both (for the test)
  const b1 = Array.from(b.dataSync());
  adam.apply(new Map([["readin_a", tf.tensor1d([1, -1])]]), 0.01); // a batch of dataset a only
  const b2 = Array.from(b.dataSync());
  // m_b = 0.9 · 0.2 = 0.18, v_b = 0.999 · 0.004: b keeps moving in the direction of its last gradient
  const lrT = (0.01 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
  b2.forEach((x, i) => assert.ok(Math.abs(x - (b1[i]! - (lrT * 0.18) / (Math.sqrt(0.999 * 0.004) + 0.1))) < 1e-6, `${x}`));
  assert.throws(() => adam.apply(new Map([["readin_c", tf.tensor1d([1, 1])]]), 0.01), (e: Error) => e instanceof ShapeError && /'readin_c', which is not a parameter/.test(e.message));
  adam.dispose();
  a.dispose();
  b.dispose();
});

test("lfads demo --stitching --quick: prepare, figure and summary; the train and posterior stages on tiny data", async () => {
  // Datasets put in place first are reused: 20 conditions × 10–11 trials (200–220 each: the quick c_batch_size is 39, below the smallest dataset's 40 validation trials), 200 ms.
  const out = path.join(tmp, "cli");
  await generateLorenzDatasets(path.join(out, "datasets"), { nConditions: 20, minTrialsPerCondition: 10, maxTrialsPerCondition: 11, minChannels: 8, maxChannels: 12, nTime: 200, seed: 5, today: "2018-01-31", onProgress: () => {} });
  let text = "";
  let errText = "";
  const code = await main(["demo", "--stitching", "--quick", "--until", "prepare", "--out", out], { out: (t) => void (text += t), err: (t) => void (errText += t) });
  assert.equal(code, 0, errText);
  assert.match(text, /datasets already in/);
  assert.match(text, /^params param_\S{6} data_RE1kuL "first_attempt_stitching" \(docs: param_Qr2PeG data_RE1kuL at c_batch_size 150; here c_batch_size 39\)$/m);
  assert.match(text, /alignment: 8 global PCs over 20 shared conditions × 100 bins; matrices \[\d+, 8\], \[\d+, 8\], \[\d+, 8\]/);
  const rcPath = path.join(out, "runs", "exampleStitching");
  assert.ok(text.includes(fs.readFileSync(path.join(rcPath, "summary.txt"), "utf8").trimEnd()), "summary printed");
  assert.ok(fs.statSync(path.join(rcPath, "alignment_reconstruction.html")).size > 1000);
  assert.ok(fs.existsSync(path.join(rcPath, "alignment_reconstruction.svg")) || /no SVG/.test(text), text);

  // The train and posterior stages (the CLI runs them once `lfads demo` lists them), a few steps only.
  const demo = await buildStitchingDemo({ out, lorenz: {}, params: { c_batch_size: 39 } }); // the params the CLI prepared above
  const recomputed = await computeRunAlignment(demo.stitched);
  await readH5(demo.stitched.lfadsInputLinks[1]!, (f) => assert.deepEqual(Array.from(readArray(f, "alignment_matrix_cxf").data as ArrayLike<number>), Array.from(recomputed.matrices[1]!), "the CLI's recording provider writes the default alignment"));
  const lines: string[] = [];
  const runs = await trainStitchingDemo(demo, { quick: true, steps: 4, log: (l) => lines.push(l) });
  assert.deepEqual(runs.map((r) => r.name), ["all", "single_dataset001", "single_dataset002", "single_dataset003"]);
  assert.ok(runs.every((r) => r.params.spikeBinMs === QUICK_TRAIN_PARAMS.spikeBinMs && fs.existsSync(path.join(r.path, RUN_MARKERS.trainDone))));
  const warnings: string[] = [];
  const previous = setWarningSink((m) => warnings.push(m));
  let rows;
  try {
    rows = await posteriorStitchingDemo(runs, { numSamples: 2, log: (l) => lines.push(l) });
  } finally {
    setWarningSink(previous);
  }
  assert.ok(warnings.every((w) => /no lowest-validation-error checkpoint/.test(w)), "4 steps do not complete the ramps: the latest checkpoint is used");
  assert.deepEqual(rows.map((r) => r.dataset), ["dataset001", "dataset002", "dataset003"]);
  assert.ok(rows.every((r) => Number.isFinite(r.stitched) && Number.isFinite(r.single)));
  assert.match(lines.join("\n"), /^ {2}dataset001 +-?\d+\.\d{3} +-?\d+\.\d{3}$/m);
});

/** In-memory datasets: Poisson counts [trials, channels, time] at `binMs`, conditions as given. */
function memoryCollection(name: string, specs: { name: string; nCh: number; nTime: number; binMs?: number; conditions: readonly (number | string)[] }[]): DatasetCollection {
  const dc = new DatasetCollection(path.join(tmp, name), name);
  specs.forEach((s, k) => {
    new Dataset(dc, s.name, {
      load: (): DatasetData => {
        const rng = new Rng(100 + k);
        const nTrials = s.conditions.length;
        const counts = Float64Array.from({ length: nTrials * s.nCh * s.nTime }, (_, i) => rng.poisson(0.3 + 0.2 * Math.sin(i / 7)));
        const binMs = s.binMs ?? 1;
        return {
          counts: { data: counts, shape: [nTrials, s.nCh, s.nTime] },
          timeVecMs: Float64Array.from({ length: s.nTime }, (_, t) => t * binMs),
          conditionId: typeof s.conditions[0] === "string" ? (s.conditions as string[]) : Float64Array.from(s.conditions as number[]),
        };
      },
    });
  });
  return dc;
}

function stitchedCollection(dc: DatasetCollection, over: RunParamsInit = {}): RunCollection {
  const rc = new RunCollection(path.join(tmp, "runs"), dc.name, dc);
  rc.addParams(new RunParams({ useAlignmentMatrix: true, c_factors_dim: 8, c_batch_size: 1, ...over }));
  rc.addRunSpec(new RunSpec("all", dc, dc.datasets.map((_, i) => i + 1)));
  return rc;
}

const repeat = <T>(ids: readonly T[], n: number): T[] => Array.from({ length: ids.length * n }, (_, i) => ids[i % ids.length]!);

test("prepare refuses datasets that cannot be stitched, naming them", async () => {
  // Same number of input bins, but different numbers after re-binning at spikeBinMs 2: 1-ms bins × 200 → 100, 2-ms bins × 200 → 200.
  const bins = memoryCollection("bins", [
    { name: "monkeyA_day1", nCh: 5, nTime: 200, conditions: repeat([1, 2, 3], 4) },
    { name: "monkeyA_day2", nCh: 6, nTime: 200, binMs: 2, conditions: repeat([1, 2, 3], 4) },
  ]);
  const rcBins = stitchedCollection(bins, { spikeBinMs: 2 });
  await assert.rejects(prepare(rcBins), (e: Error) => e instanceof ShapeError && /monkeyA_day1: 100, monkeyA_day2: 200/.test(e.message) && /different numbers of time bins/.test(e.message));
  assert.equal(fs.existsSync(rcBins.path), false, "nothing is written");

  // Too few conditions for 8 factors: 2 shared conditions × 4 bins = 8 condition-averaged points < 9.
  const few = memoryCollection("few", [
    { name: "s1", nCh: 12, nTime: 8, conditions: repeat([1, 2], 5) },
    { name: "s2", nCh: 10, nTime: 8, conditions: repeat([1, 2], 5) },
    { name: "s3", nCh: 9, nTime: 8, conditions: repeat([1, 2], 5) },
  ]);
  await assert.rejects(
    prepare(stitchedCollection(few, { spikeBinMs: 2 })),
    (e: Error) => e instanceof DataError && /too few conditions for the requested factors/.test(e.message) && /'s1', 's2' and 's3'/.test(e.message) && /2 condition\(s\) × 4 bin\(s\)/.test(e.message) && /lower c_factors_dim/.test(e.message),
  );
  await prepare(stitchedCollection(few, { spikeBinMs: 2, c_factors_dim: 4 })); // 8 points are enough for 4 factors

  // Mismatched condition ids: no condition in common.
  const mismatch = memoryCollection("mismatch", [
    { name: "sessionA", nCh: 5, nTime: 40, conditions: repeat([1, 2, 3], 4) },
    { name: "sessionB", nCh: 5, nTime: 40, conditions: repeat([4, 5, 6], 4) },
  ]);
  await assert.rejects(
    prepare(stitchedCollection(mismatch)),
    (e: Error) => e instanceof DataError && /share no condition id/.test(e.message) && /'sessionA' has \{1, 2, 3\}; 'sessionB' has \{4, 5, 6\}/.test(e.message),
  );
  // … numbers in one dataset, strings in the other.
  const kinds = memoryCollection("kinds", [
    { name: "sessionA", nCh: 5, nTime: 40, conditions: repeat([1, 2, 3], 4) },
    { name: "sessionB", nCh: 5, nTime: 40, conditions: repeat(["left", "right", "up"], 4) },
  ]);
  await assert.rejects(prepare(stitchedCollection(kinds)), (e: Error) => e instanceof DataError && /numbers in 'sessionA' but strings in 'sessionB'/.test(e.message));
  // … partly shared: a warning naming what each dataset lacks, and the alignment uses the shared ones.
  const partial = memoryCollection("partial", [
    { name: "sessionA", nCh: 5, nTime: 40, conditions: repeat([1, 2, 3], 4) },
    { name: "sessionB", nCh: 5, nTime: 40, conditions: repeat([2, 3, 4], 4) },
  ]);
  const warnings: string[] = [];
  const previous = setWarningSink((m) => warnings.push(m));
  try {
    await prepare(stitchedCollection(partial, { c_factors_dim: 3 }));
  } finally {
    setWarningSink(previous);
  }
  assert.ok(warnings.some((w) => /only 2 of 4 conditions are present in every dataset/.test(w) && /'sessionA' lacks \{4\}; 'sessionB' lacks \{1\}/.test(w)), warnings.join("\n"));
});
