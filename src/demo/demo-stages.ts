/**
 * The later stages of `lfads demo` (train → posterior → report) over every run of a prepared
 * RunCollection, shared by the single-session and the stitching demos. Each stage is resumable: a
 * trained run (`lfads.done.train` or `lfads.done`) is skipped, training resumes from its checkpoint,
 * posterior files that exist are kept, and the report is rewritten from what is on disk.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { escapeHtml } from "../core/format.js";
import { writeFileAtomic } from "../io/atomic.js";
import { RUN_MARKERS } from "../runs/layout.js";
import type { Run } from "../runs/run.js";
import type { RunCollection } from "../runs/run-collection.js";
import { trainingSections } from "./training-report.js";

/** Training and sampling budget of a demo. */
export interface DemoBudget {
  /** Training steps per run (the run stops earlier if its learning rate reaches c_learning_rate_stop). */
  maxSteps: number;
  /** Posterior samples per trial for sample-and-average. */
  posteriorSamples: number;
}

export interface DemoStagesOptions {
  rc: RunCollection;
  budget: DemoBudget;
  log: (line: string) => void;
  /** Stop after this stage. */
  until: "train" | "posterior" | "report";
  /** Report title. */
  title: string;
}

/** The trainer's marker of a finished training (it resumes otherwise). */
function trainedMarker(run: Run): string {
  return path.join(run.path, RUN_MARKERS.trainDone);
}

function posteriorMarker(run: Run): string {
  return run.fileLFADSDone;
}

/** Train every run that is not yet trained, one after another (each uses both cores). */
async function trainStage(opts: DemoStagesOptions): Promise<void> {
  const { trainRun } = await import("../train/train-run.js");
  const runs = opts.rc.runList;
  for (const [i, run] of runs.entries()) {
    const label = `[train ${i + 1}/${runs.length}] ${run.paramsString}/${run.name}`;
    if (fs.existsSync(trainedMarker(run))) {
      opts.log(`${label}: trained already`);
      continue;
    }
    opts.log(`${label}: up to ${opts.budget.maxSteps} steps`);
    const res = await trainRun(run, { maxSteps: opts.budget.maxSteps, quiet: false });
    opts.log(`  ${res.steps} steps, ${res.epochs} epochs, ${res.secondsPerStep.toFixed(2)} s/step on ${res.backend.name} (${res.stopReason})`);
  }
}

/** Sample the posterior (sample-and-average with the demo's number of samples) for every trained run. */
async function posteriorStage(opts: DemoStagesOptions): Promise<void> {
  const { samplePosterior } = await import("../posterior/sample.js");
  const runs = opts.rc.runList;
  for (const [i, run] of runs.entries()) {
    const label = `[posterior ${i + 1}/${runs.length}] ${run.paramsString}/${run.name}`;
    if (fs.existsSync(posteriorMarker(run))) {
      opts.log(`${label}: sampled already`);
      continue;
    }
    const res = await samplePosterior(run, { kind: "posterior_sample_and_average", numSamples: opts.budget.posteriorSamples, quiet: true });
    const tps = res.files.filter((f) => !f.skipped).map((f) => f.trialsPerSecond);
    opts.log(`${label}: ${res.written.length} files written${tps.length ? `, ${(tps.reduce((a, b) => a + b, 0) / tps.length).toFixed(1)} trials/s` : ""}`);
    writeFileAtomic(posteriorMarker(run), "");
  }
}

/** Score every run, draw the figures and write `<rc.path>/report.html`; returns its path. */
async function reportStage(opts: DemoStagesOptions): Promise<string> {
  const { scoreRun, loadRunFitLog, loadRunPosteriorMeans, runPosteriorSource } = await import("../posterior/run-results.js");
  const { runDashboard, plotSingleTrialRates, plotFactorTrajectories3d } = await import("../display/plots/index.js");
  const { runDiskStatus } = await import("../display/runs.js");
  const { writeReport } = await import("../display/report/index.js");
  const rows = [];
  let best: { run: Run; r2: number } | undefined;
  for (const run of opts.rc.runList) {
    const log = fs.existsSync(run.fileFitLog) ? loadRunFitLog(run) : undefined;
    const scores = fs.existsSync(posteriorMarker(run)) ? await scoreRun(run) : [];
    const r2 = scores.length ? scores.reduce((a, s) => a + (s.r2 ?? NaN), 0) / scores.length : undefined;
    const bps = scores.length ? scores.reduce((a, s) => a + (s.bitsPerSpike ?? NaN), 0) / scores.length : undefined;
    rows.push({
      name: `${run.paramsString}/${run.name}`,
      runSpec: run.name,
      paramHash: run.params.paramHash,
      dataHash: run.params.dataHash,
      params: run.params.nonDefaultValues(),
      status: runDiskStatus(run).state,
      epochs: log?.nEpochs,
      bestValidCost: log && log.lveIndex !== undefined ? log.total_valid_lve : undefined,
      r2,
      bitsPerSpike: bps,
      "LVE epoch": log?.lveRow?.epoch,
      "posterior checkpoint": (await runPosteriorSource(run))?.checkpoint,
    });
    if (r2 !== undefined && Number.isFinite(r2) && (!best || r2 > best.r2)) best = { run, r2 };
    opts.log(`[report] ${run.paramsString}/${run.name}: ${scores.map((s) => `${s.dataset} R² ${s.r2?.toFixed(3) ?? "–"}, ${s.bitsPerSpike?.toFixed(3) ?? "–"} bits/spike`).join("; ") || "no posterior yet"}`);
  }
  const sections: { heading?: string; text?: string; html?: string; figure?: unknown; table?: unknown }[] = [
    { heading: "Runs", text: `${opts.rc.nRunsTotal} runs in ${opts.rc.path}. R² compares the inferred rates with the true rates on held-out (validation) trials.`, table: runDashboard(rows, { title: "Run collection" }) },
  ];
  if (best) {
    const { run } = best;
    const pms = await loadRunPosteriorMeans(run);
    sections.push({ heading: `Best run: ${run.paramsString}/${run.name} (R² ${best.r2.toFixed(3)})` });
    sections.push(...(await trainingSections(run)));
    for (const pm of pms) {
      sections.push({ heading: `Single-trial rates, ${pm.datasetName}`, figure: plotSingleTrialRates(pm) });
      if (pm.nFactors >= 3) sections.push({ heading: `Factor trajectories, ${pm.datasetName}`, figure: plotFactorTrajectories3d(pm) });
    }
  }
  sections.push({ heading: "Summary", html: `<pre>${escapeHtml(opts.rc.summary())}</pre>` });
  const file = path.join(opts.rc.path, "report.html");
  writeReport(file, { title: opts.title, sections: sections as never });
  return file;
}

/** Run the stages from train on, stopping after `until`. */
export async function runDemoStages(opts: DemoStagesOptions): Promise<string | undefined> {
  await trainStage(opts);
  if (opts.until === "train") return undefined;
  await posteriorStage(opts);
  if (opts.until === "posterior") return undefined;
  const file = await reportStage(opts);
  opts.log(`[report] ${file}`);
  return file;
}
