/**
 * NWB and NLB benchmark (issue #18). Writes bench/results/nlb.json:
 *
 *   { machine, load: [{ scale, trials, spikes, file_mb, read_s, bin_s, rss_start_mb, rss_h5wasm_mb, peak_rss_mb }],
 *     scores: { bin_ms, steps, baseline: {co-bps, vel R2, psth R2}, truth: {co-bps, fp-bps}, lfads: {…}, lfads_train_and_sample_s } }
 *
 * load: the nlb_maze_like fixture (100 trials, 142 units) and a file LFADS_NLB_SCALE times larger (default 10, about
 * 1,000 trials), each read and binned at NLB's MC_Maze setting (5 ms, −250…450 ms around move_onset_time, 200 ms
 * forward) in its own child process, so that the peak RSS is the load's alone (rss_start_mb is the process before it,
 * rss_h5wasm_mb after h5wasm reserved its memory).
 * scores: on the fixture at LFADS_NLB_BIN_MS (default 5, NLB's ranking bin width), the smoothing baseline and LFADS
 * trained for LFADS_NLB_STEPS steps (default 2000) on the held-in neurons of the train trials, reconstructing held-in
 * and held-out neurons over the window and the forward bins (writeNlbLfadsReconInput; the eval trials are its test
 * split), both scored with the NLB formulas; and the co-bps and fp-bps of the fixture's true rates (the most a model
 * can score on these spikes). LFADS_NLB_STEPS=0 skips LFADS.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../src/io/atomic.js";
import { binNwbTrials, readNwb } from "../src/data/nwb/index.js";
import { generateNlbMaze, writeNlbMazeNwb, type NlbMazeFixture } from "../src/data/synth/nlb-maze.js";
import type { Array3D } from "../src/core/array3d.js";
import type { NwbTrials } from "../src/data/nwb/index.js";
import { evaluateNlb, nlbInputs, nlbRatesFromLfads, nlbTarget, smoothingBaseline, writeNlbLfadsReconInput, type NlbInputs, type NlbScores, type NlbTarget } from "../src/nlb/index.js";

const ROOT = path.resolve(__dirname, "..");
const OUT = process.env.LFADS_NLB_OUT ?? path.join(ROOT, "bench", "results", "nlb.json");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "lfads-bench-nlb-"));

function loadCase(scale: number, file: string): Record<string, number> {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "nlb-load-child.ts"), file], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`load child failed: ${r.stderr}`);
  return { scale, file_mb: fs.statSync(file).size / 2 ** 20, ...(JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>) };
}

async function lfadsScores(inputs: NlbInputs, steps: number): Promise<{ rates: Parameters<typeof evaluateNlb>[1]; seconds: number }> {
  const { runLfads } = await import("../src/run-lfads/run.js");
  const { readModelRuns } = await import("../src/run-lfads/index.js");
  const dataDir = path.join(WORK, "lfads_input");
  const layout = await writeNlbLfadsReconInput(path.join(dataDir, "nlb_fixture"), inputs);
  const model = { data_dir: dataDir, data_filename_stem: "nlb", lfads_save_dir: path.join(WORK, "run"), co_dim: 0, factors_dim: 16, gen_dim: 64, ic_dim: 32, ic_enc_dim: 32, output_dist: "poisson" };
  const t0 = performance.now();
  await runLfads({ kind: "train", ...model, batch_size: 10, learning_rate_init: 0.02, kl_increase_steps: 200, l2_increase_steps: 200, max_steps: steps });
  await runLfads({ kind: "posterior_sample_and_average", ...model, batch_size: 16, checkpoint_pb_load_name: "checkpoint_lve" });
  const seconds = (performance.now() - t0) / 1000;
  const post = async (split: string) => {
    const r = await readModelRuns(path.join(WORK, "run", `model_runs_fixture_${split}_posterior_sample_and_average`), ["output_dist_params"]);
    return { data: r.output_dist_params!.data, shape: r.output_dist_params!.shape as [number, number, number] };
  };
  return { rates: nlbRatesFromLfads(layout, { train: await post("train"), valid: await post("valid"), test: await post("test") }), seconds };
}

/** Expected counts per bin of the eval trials from the fixture's true rates (units `ids`, `bins` bins from `offset`). */
function trueCounts(fixture: NlbMazeFixture, trials: NwbTrials, evalTrials: readonly number[], ids: Float64Array, bins: number, offset: number): Array3D<Float64Array> {
  const w = trials.binWidthMs;
  const out = new Float64Array(evalTrials.length * bins * ids.length);
  evalTrials.forEach((tr, e) => {
    for (let b = 0; b < bins; b++) {
      const t0 = (trials.firstBin[tr]! + offset + b) * w;
      for (let k = 0; k < ids.length; k++) {
        let sum = 0;
        for (let ms = t0; ms < t0 + w; ms++) sum += fixture.rateHz(ms, ids[k]!) / 1000;
        out[(e * bins + b) * ids.length + k] = sum;
      }
    }
  });
  return { data: out, shape: [evalTrials.length, bins, ids.length] };
}

/** co-bps and fp-bps of the fixture's true rates: the most any model can score on these spikes. */
function truthScores(fixture: NlbMazeFixture, trials: NwbTrials, inputs: NlbInputs, target: NlbTarget): { "co-bps": number; "fp-bps": number | undefined } {
  const rates = {
    ...smoothingBaseline(inputs),
    evalRatesHeldout: trueCounts(fixture, trials, inputs.evalTrials, trials.heldoutIds, trials.nBins, 0),
    evalRatesHeldinForward: trueCounts(fixture, trials, inputs.evalTrials, trials.heldinIds, trials.nForward, trials.nBins),
    evalRatesHeldoutForward: trueCounts(fixture, trials, inputs.evalTrials, trials.heldoutIds, trials.nForward, trials.nBins),
  };
  const s = evaluateNlb(target, rates);
  return { "co-bps": s["co-bps"], "fp-bps": s["fp-bps"] };
}

async function main(): Promise<void> {
  const scale = Number(process.env.LFADS_NLB_SCALE ?? 10);
  const binMs = Number(process.env.LFADS_NLB_BIN_MS ?? 5);
  const steps = Number(process.env.LFADS_NLB_STEPS ?? 2000);
  const load = [];
  for (const s of [1, scale]) {
    const { file } = await writeNlbMazeNwb(path.join(WORK, `x${s}`), { nTrials: Math.round(100 * s) });
    load.push(loadCase(s, file));
    console.log(JSON.stringify(load[load.length - 1]));
  }
  const fixture = generateNlbMaze({});
  const content = await readNwb(path.join(WORK, "x1", fs.readdirSync(path.join(WORK, "x1"))[0]!));
  const trials = binNwbTrials(content, { binWidthMs: binMs });
  const inputs = nlbInputs(trials);
  const target = nlbTarget(content, trials);
  const baseline: NlbScores = evaluateNlb(target, smoothingBaseline(inputs));
  console.log(`baseline ${JSON.stringify(baseline)}`);
  const truth = truthScores(fixture, trials, inputs, target);
  console.log(`true rates ${JSON.stringify(truth)}`);
  const scores: Record<string, unknown> = { bin_ms: binMs, steps, baseline, truth };
  if (steps > 0) {
    const lf = await lfadsScores(inputs, steps);
    scores.lfads = evaluateNlb(target, lf.rates);
    scores.lfads_train_and_sample_s = lf.seconds;
    console.log(`lfads ${JSON.stringify(scores.lfads)}`);
  }
  const machine = { cpu: os.cpus()[0]?.model ?? "", cores: os.cpus().length, node: process.version, date: new Date().toISOString(), loadavg_start: os.loadavg() };
  writeFileAtomic(OUT, `${JSON.stringify({ machine, load, scores }, null, 1)}\n`);
  console.log(`wrote ${OUT}`);
  fs.rmSync(WORK, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
