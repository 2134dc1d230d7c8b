// Stitching pays off: on the three Lorenz datasets, the stitched run ("all", read-ins initialised from
// the alignment matrices) infers rates closer to the true rates than a single-session run per dataset
// given the same training budget (the same number of training steps per run; the stitched run spreads
// its steps over the three datasets). Small data and a small network so that the four trainings fit
// in about 2–3 minutes on 2 cores. Everything goes through the public API: buildStitchingDemo →
// prepare → trainRun → samplePosterior → run.score().
//
// Measured (seed 0, wasm backend, 1000 steps per run, valid-trial R² of the push-mean rates):
// see the table this test prints; at the time of writing stitched ≈ 0.46–0.55 vs single ≈ 0.25–0.30.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { prepare, type RunParamsInit } from "../../src/index.js";
import { samplePosterior, trainRun } from "../../src/tf.js";
import { buildStitchingDemo } from "../../src/demo/stitching-demo.js";

/** 20 conditions × 10–12 trials of 500 ms per dataset, 25–35 neurons, re-binned to 50 bins of 10 ms. */
const LORENZ = { nConditions: 20, minTrialsPerCondition: 10, maxTrialsPerCondition: 12, nTime: 500, seed: 0, today: "2018-01-31" };
const PARAMS: RunParamsInit = {
  spikeBinMs: 10,
  c_batch_size: 20,
  c_gen_dim: 32,
  c_ic_enc_dim: 32,
  c_ic_dim: 16,
  c_kl_increase_steps: 100, // × 3 for the stitched run (scaleIncreaseStepsWithDatasets)
  c_l2_increase_steps: 100,
  c_max_ckpt_to_keep: 1,
  c_max_ckpt_to_keep_lve: 1,
};
/** Training steps of every run. */
const STEPS = 1000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-stitching-r2-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

test(`stitched vs single-session runs at ${STEPS} training steps each: R² of the inferred rates against the true rates`, { timeout: 480_000 }, async () => {
  const t0 = performance.now();
  const demo = await buildStitchingDemo({ out: tmp, lorenz: LORENZ, params: PARAMS });
  await prepare(demo.rc);
  const r2 = new Map<string, number[]>();
  const seconds = new Map<string, number>();
  for (const run of [demo.stitched, ...demo.singles]) {
    const t = performance.now();
    const res = await trainRun(run, { maxSteps: STEPS, quiet: true, checkpointEveryEpochs: 1_000_000 });
    assert.equal(res.steps, STEPS);
    await samplePosterior(run, { kind: "posterior_push_mean", quiet: true });
    const scores = await run.score({ kind: "posterior_push_mean" });
    r2.set(run.name, scores.map((s) => s.r2!));
    seconds.set(run.name, (performance.now() - t) / 1000);
  }
  const stitched = r2.get("all")!;
  const single = demo.singles.map((run) => r2.get(run.name)![0]!);
  console.log(`# valid R² (push-mean rates vs true rates), ${STEPS} steps per run:`);
  demo.dc.datasets.forEach((ds, i) => console.log(`#   ${ds.name}: stitched ${stitched[i]!.toFixed(3)}  single ${single[i]!.toFixed(3)}`));
  console.log(`#   seconds: ${[...seconds].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  stitched.forEach((s, i) => {
    assert.ok(s >= single[i]!, `dataset ${i + 1}: stitched R² ${s.toFixed(3)} < single-session R² ${single[i]!.toFixed(3)}`);
    assert.ok(s > 0.35, `dataset ${i + 1}: stitched R² ${s.toFixed(3)} is too low to show that the model learned the dynamics`);
  });
});
