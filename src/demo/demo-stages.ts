/**
 * The later stages of `lfads demo` (train → posterior → report) over every run of a prepared
 * RunCollection, shared by the single-session and the stitching demos. Each stage is resumable: a
 * trained run (`lfads.done.train` or `lfads.done`) is skipped, training resumes from its checkpoint,
 * posterior files that exist are kept, and the report is rewritten from what is on disk.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LfadsError } from "../core/errors.js";
import { escapeHtml } from "../core/format.js";
import { writeFileAtomic } from "../io/atomic.js";
import type { RunDashboardRow } from "../display/plots/dashboard.js";
import { renderTableText } from "../display/table.js";
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
  /** Runs trained at the same time (default: the pool's, half the cores). */
  workers?: number;
}

function posteriorMarker(run: Run): string {
  return run.fileLFADSDone;
}

/**
 * Train every run that is not yet trained on the local worker pool (queue/): `workers` runs at a time in
 * child processes, each with cores / workers threads, each run then sampled (`--samples`) as the pool
 * does; a stopped demo resumes from the runs' checkpoints. Fails naming every run that failed.
 */
async function trainStage(opts: DemoStagesOptions): Promise<void> {
  const { runLocal } = await import("../queue/local.js");
  const runs = opts.rc.runList;
  const todo = runs.filter((r) => !fs.existsSync(posteriorMarker(r)));
  opts.log(`[train] ${runs.length - todo.length} of ${runs.length} runs done already; training ${todo.length} (up to ${opts.budget.maxSteps} steps each, ${opts.workers ?? "half the cores as"} workers), then sampling each posterior with ${opts.budget.posteriorSamples} samples per trial`);
  if (todo.length === 0) return;
  const res = await runLocal(opts.rc.path, {
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    trainArgs: ["--max-steps", String(opts.budget.maxSteps)],
    posteriorArgs: ["--samples", String(opts.budget.posteriorSamples), "--kind", "posterior_sample_and_average"],
  });
  if (res.failed.length > 0) {
    const lines = res.failed.map((f) => `  ${f.id}: ${f.failure.reason} (log: ${f.failure.log})`);
    throw new LfadsError(`lfads demo: ${res.failed.length} run(s) failed:\n${lines.join("\n")}\nFix the cause and run the same command again: finished runs are kept and the others resume.`);
  }
  opts.log(`[train] ${res.done.length} runs trained and sampled in ${(res.elapsedMs / 60000).toFixed(1)} min`);
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

/** Score every run, draw the figures and write `<rc.path>/report.html`; returns its path and the run rows. */
async function reportStage(opts: DemoStagesOptions): Promise<{ file: string; rows: RunDashboardRow[] }> {
  const { scoreRun, loadRunFitLog, loadRunPosteriorMeans, runPosteriorSource } = await import("../posterior/run-results.js");
  const { runDashboard, plotSingleTrialRates, plotFactorTrajectories3d } = await import("../display/plots/index.js");
  const { runDiskStatus } = await import("../display/runs.js");
  const { writeReport } = await import("../display/report/index.js");
  const rows: RunDashboardRow[] = [];
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
  return { file, rows };
}

/** The closing table: valid R² and bits/spike of every run, from the report's rows. */
function scoreTable(rows: readonly RunDashboardRow[]): string {
  const f3 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(3));
  return renderTableText(
    rows.map((r) => ({ run: r.name, c_factors_dim: String(r.params?.["c_factors_dim"] ?? "–"), "valid R²": f3(r.r2), "bits/spike": f3(r.bitsPerSpike) })),
  );
}

/** Run the stages from train on, stopping after `until`. */
export async function runDemoStages(opts: DemoStagesOptions): Promise<string | undefined> {
  await trainStage(opts);
  if (opts.until === "train") return undefined;
  await posteriorStage(opts);
  if (opts.until === "posterior") return undefined;
  const { file, rows } = await reportStage(opts);
  opts.log("");
  opts.log("Valid R² of the inferred rates against the true rates (held-out trials):");
  opts.log(scoreTable(rows));
  opts.log("");
  opts.log(`Report: ${file}`);
  return file;
}
