/**
 * The report's training section of a run: the training curves (with the lowest-validation-error epoch
 * and any divergence events marked) and a paragraph naming the checkpoint the posterior means were
 * sampled from — which a reader needs to judge the curves against the R² above them.
 */
import * as fs from "node:fs";
import type { FitLog } from "../posterior/fit-log.js";
import type { PosteriorSource } from "../posterior/posterior-source.js";
import type { Run } from "../runs/run.js";

/** What the posterior files say about their checkpoint, and the divergence events, in a paragraph or two. */
export function posteriorCheckpointText(log: FitLog, src: PosteriorSource | undefined): string {
  const lve = log.lveRow;
  const marked = "marked ★ and by the dotted line in the training curves";
  const lveText = lve ? `the lowest-validation-error epoch is ${lve.epoch} (step ${lve.step}, valid cost ${lve.total_valid.toFixed(2)}), ${marked}` : "no epoch after the KL/L2 ramps yet, so no lowest-validation-error epoch";
  let from: string;
  if (!src) from = `The posterior files name no checkpoint (not sampled yet, or written by TF LFADS); ${lveText}.`;
  else if (lve && lve.step === src.step) from = `The posterior means were sampled from checkpoint ${src.checkpoint} (step ${src.step}), the lowest-validation-error epoch ${lve.epoch} (valid cost ${lve.total_valid.toFixed(2)}), ${marked}.`;
  else from = `The posterior means were sampled from checkpoint ${src.checkpoint} (step ${src.step}); ${lveText}.`;
  const events = log.events;
  if (events.length === 0) return from;
  const list = events.map((e) => `epoch ${e.epoch}: ${e.event}`).join("\n");
  return `${from}\n\nThe divergence watch fired ${events.length === 1 ? "once" : `${events.length} times`} (red dashed lines):\n${list}`;
}

/** The run's "Training curves" section, or none before its first epoch. */
export async function trainingSections(run: Run): Promise<{ heading: string; text: string; figure: unknown }[]> {
  if (!fs.existsSync(run.fileFitLog)) return [];
  const { loadRunFitLog, runPosteriorSource } = await import("../posterior/run-results.js");
  const { plotTrainingCurves } = await import("../display/plots/training.js");
  const log = loadRunFitLog(run);
  if (log.nEpochs === 0) return [];
  return [{ heading: "Training curves", text: posteriorCheckpointText(log, await runPosteriorSource(run)), figure: plotTrainingCurves(log) }];
}
