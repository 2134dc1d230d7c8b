/**
 * One case of the fit-quality grid, as a user runs it: generate a Lorenz dataset with the case's data
 * seed, describe it, prepare one run, train it with `trainRun` (model seed = the case's), sample the
 * posterior of the lowest-validation-error checkpoint and of the last one (`samplePosterior`), and
 * score both against the true rates of the validation trials (`run.score()`).
 *
 * Run as a child of bench/fit.ts: `node --import tsx bench/fit-case.ts '<FitCaseInput json>'`; prints
 * progress on stderr and the FitCaseResult as the last line of stdout. A killed case resumes from its
 * work folder (training from its newest checkpoint; finished posterior files are kept).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Dataset } from "../src/data/dataset.js";
import { DatasetCollection } from "../src/data/dataset-collection.js";
import { generateLorenzDatasets } from "../src/data/lorenz.js";
import { RunCollection } from "../src/facade/runs.js";
import { RunParams, type RunParamsInit } from "../src/params/run-params.js";
import { samplePosterior } from "../src/posterior/sample.js";
import { RunSpec } from "../src/runs/run-spec.js";
import { loadCheckpoint } from "../src/train/checkpoint.js";
import { trainRun } from "../src/train/train-run.js";
import type { FitSetting } from "./fit-settings.js";

export interface FitCaseInput {
  setting: FitSetting;
  dataSeed: number;
  modelSeed: number;
  /** Work folder of this case (datasets and the run collection). */
  work: string;
}

export interface FitCaseResult {
  name: string;
  /** Non-default RunParams values, as params.json stores them. */
  params: RunParamsInit;
  data_seed: number;
  model_seed: number;
  steps: number;
  stop_reason: string;
  /** Global step of the lowest-validation-error checkpoint (null: none was written). */
  lve_step: number | null;
  /** Valid R² (pooled) of the posterior means from the LVE checkpoint, and from the last checkpoint. */
  r2_lve: number | null;
  r2_final: number;
  /** Divergence events the trainer logged (fitlog_diagnostics.csv; null when the trainer wrote none, before the watch existed). */
  divergence_events: string[] | null;
  /** Learning rate at the end of training. */
  final_learning_rate: number;
  /** Wall minutes of training and the two posterior samplings (generation and prepare excluded). */
  minutes: number;
  seconds_per_step: number;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function buildRun(input: FitCaseInput): Promise<{ run: RunCollection["runList"][number]; params: RunParams }> {
  const { setting, dataSeed, work } = input;
  const dsFolder = path.join(work, "datasets");
  if (!fs.existsSync(path.join(dsFolder, "dataset001.h5"))) await generateLorenzDatasets(dsFolder, { ...setting.lorenz, nDatasets: 1, seed: dataSeed });
  const dc = new DatasetCollection(dsFolder, "lorenz_fit");
  new Dataset(dc, "dataset001.h5");
  await dc.loadInfo();
  const rc = new RunCollection(path.join(work, "runs"), "fit", dc);
  const params = new RunParams({ name: setting.name, ...setting.params });
  rc.addParams(params);
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  await rc.prepare();
  return { run: rc.runList[0]!, params };
}

/** Valid R² of the posterior means of one checkpoint ("lve" or "latest"). */
async function scoreCheckpoint(run: RunCollection["runList"][number], checkpoint: "lve" | "latest", samples: number): Promise<{ r2: number; step: number }> {
  const res = await samplePosterior(run, { checkpoint, numSamples: samples, kind: "posterior_sample_and_average", quiet: true });
  const [score] = await run.score({ reload: true });
  if (!score || score.r2 === undefined) throw new Error(`no R² for ${run.path}: the dataset has no true rates`);
  return { r2: score.r2, step: res.step };
}

export async function runFitCase(input: FitCaseInput): Promise<FitCaseResult> {
  const { setting, modelSeed } = input;
  const { run, params } = await buildRun(input);
  const t0 = performance.now();
  const trained = await trainRun(run, {
    maxSteps: setting.steps,
    seed: modelSeed,
    quiet: true,
    onProgress: (p) => {
      if (p.kind === "epoch" && (p.epoch + 1) % 25 === 0) {
        log(`step ${p.step} epoch ${p.epoch + 1} lr ${p.learningRate.toExponential(2)} train ${p.trainCost.toFixed(1)} valid ${p.validCost?.toFixed(1)} valid KL ${p.validKl?.toFixed(2)}`);
      }
    },
  });
  const final = await scoreCheckpoint(run, "latest", setting.posteriorSamples);
  // The LVE posterior last, so that the run folder ends with the files a user samples by default.
  const lve = trained.lveCheckpoint ? await scoreCheckpoint(run, "lve", setting.posteriorSamples) : undefined;
  const minutes = (performance.now() - t0) / 60000;
  const last = trained.checkpoint ? await loadCheckpoint(trained.checkpoint) : undefined;
  const fitLog = run.loadFitLog();
  const events = fitLog.diagnostics ? fitLog.events.map((e) => `epoch ${e.epoch} (step ${e.step}): ${e.event}`) : null;
  return {
    name: setting.name,
    params: params.toJSON(),
    data_seed: input.dataSeed,
    model_seed: modelSeed,
    steps: trained.steps,
    stop_reason: trained.stopReason,
    lve_step: lve ? lve.step : null,
    r2_lve: lve ? lve.r2 : null,
    r2_final: final.r2,
    divergence_events: events,
    final_learning_rate: last ? last.state.lr.learningRate : NaN,
    minutes,
    seconds_per_step: trained.secondsPerStep,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join("bench", "fit-case.ts"))) {
  runFitCase(JSON.parse(process.argv[2] ?? "{}") as FitCaseInput).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
