/**
 * The end of a PBT: the best member (lowest fitness in the last evaluated generation) has its posterior
 * sampled from its latest checkpoint — the weights its fitness was measured on — through the queue's
 * posterior stage (`lfads posterior` in a child process), and is scored against the truth when the data
 * has it (R², as `run.score()`), and in bits per spike.
 */
import { executeRun } from "../queue/execute.js";
import { loadPosteriorMeans } from "../posterior/read-posterior.js";
import { posteriorBitsPerSpike, posteriorRateR2 } from "../posterior/scores.js";
import { checkOutputDist, observationModel } from "../model/observation/registry.js";
import { RUN_MARKERS, runInputDir, runOutputDir } from "../runs/layout.js";
import { hasMarker } from "../runs/run-status.js";
import type { PbtBest, PbtLedgerGeneration } from "../runs/pbt-ledger.js";
import type { RunParams } from "../params/run-params.js";
import { PbtError } from "./errors.js";

/** The best member of a generation, or undefined when no member has a finite fitness. */
export function bestOf(gen: PbtLedgerGeneration): PbtBest | undefined {
  let best: PbtBest | undefined;
  for (const m of gen.members) {
    if (m.fitness === null || m.failed) continue;
    if (!best || m.fitness < best.fitness) best = { member: m.member, generation: gen.generation, fitness: m.fitness, hyperparameters: { ...m.hyperparameters } };
  }
  return best;
}

/** Sample the best member's posterior and score it; returns the scores per dataset. */
export async function sampleAndScore(dir: string, params: RunParams, datasetNames: readonly string[], options: { samples?: number; threads?: number; signal?: AbortSignal }): Promise<NonNullable<PbtBest["scores"]>> {
  // Without lfads.done.train the queue would train the member again first (and PBT's members never stop by themselves).
  if (!hasMarker(dir, "trainDone")) throw new PbtError(`pbt: the best member ${dir} has no ${RUN_MARKERS.trainDone}; rerun the same command to finish its generation first`);
  const out = await executeRun(dir, {
    posteriorArgs: ["--checkpoint", "latest", ...(options.samples !== undefined ? ["--samples", String(options.samples)] : [])],
    ...(options.threads !== undefined ? { env: { LFADS_THREADS: String(options.threads) } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (out.state === "interrupted") throw new PbtError(`pbt: sampling the best member ${dir} was interrupted; rerun the same command to finish`);
  if (out.state === "busy") throw new PbtError(`pbt: the best member ${dir} is being run by pid ${out.holder.info.pid} on ${out.holder.info.host}; wait for it, then rerun`);
  if (out.state === "failed") throw new PbtError(`pbt: sampling the best member failed in ${out.failure.stage}: ${out.failure.reason} (log: ${out.failure.log})`);
  const outputDist = checkOutputDist(String(params.c_output_dist), "c_output_dist");
  const pms = await loadPosteriorMeans({
    outputDir: runOutputDir(dir), inputDir: runInputDir(dir), datasetNames: [...datasetNames], spikeBinMs: params.spikeBinMs,
    dataHash: params.dataHash, kind: params.posterior_mean_kind, format: "tf", outputDist,
  });
  return pms.map((pm) => ({
    dataset: pm.datasetName,
    ...(pm.truth ? { r2: posteriorRateR2(pm, { split: "valid" }).pooled } : {}),
    ...(observationModel(pm.outputDist).countData && pm.rawCounts && pm.nNeurons === pm.rawCounts.shape[2] ? { bitsPerSpike: posteriorBitsPerSpike(pm, { split: "valid" }) } : {}),
  }));
}
