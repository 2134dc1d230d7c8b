/**
 * PBT members on disk: each member is a run folder `<rc.path>/pbt/members/member_<k>/` (names from
 * runs/layout.ts) with `lfadsInput/` linking the starting run's inputs, its own `params.json` (the start's
 * RunParams with its tuned values) and its own `lfadsOutput/` (checkpoints, fit logs), so the queue trains
 * it like any run. Exploiting replaces a loser's `lfadsOutput/` with a copy of the winner's: weights, Adam
 * moments, RNG state and fit log travel together.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError } from "../core/errors.js";
import { symlinkRelative } from "../io/atomic.js";
import type { RunParams } from "../params/run-params.js";
import { CHECKPOINTS, RUN_MARKERS, checkpointFileStep, pbtMemberName, pbtMembersDir, runInputDir, runOutputDir } from "../runs/layout.js";
import { writeRunParamsFile } from "../runs/run-params-file.js";

/** The run folder of member k. */
export function memberDir(rcDir: string, k: number, population: number): string {
  return path.join(pbtMembersDir(rcDir), pbtMemberName(k, population));
}

/**
 * PBT's fixed training settings on top of the start's: the learning-rate schedule off (PBT sets the rate;
 * decay factor 1 and stop 0, as lfads-torch and the NLB baseline turn their schedulers off).
 */
export function memberParams(start: RunParams, hyperparameters: Readonly<Record<string, number>>): RunParams {
  return start.with({ c_learning_rate_decay_factor: 1, c_learning_rate_stop: 0, ...hyperparameters });
}

/** Create (or complete) a member folder: input links to the start run's inputs and its params.json. */
export function writeMember(dir: string, startDir: string, params: RunParams, datasetNames: readonly string[]): void {
  const input = runInputDir(startDir);
  let names: string[];
  try {
    names = fs.readdirSync(input);
  } catch {
    throw new LayoutError(`the starting run ${startDir} has no lfadsInput/ folder; prepare the RunCollection first (await rc.prepare())`);
  }
  for (const n of names) {
    const link = path.join(runInputDir(dir), n);
    // Link the real file (a data_XXXXXX file), so the queue's input check sees the data hash too.
    symlinkRelative(fs.realpathSync(path.join(input, n)), link);
  }
  writeRunParamsFile({ path: dir, name: path.basename(dir), params, datasetNames });
}

/** The newest rolling checkpoint's step of a member (0 when it has none). */
export function memberStep(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(runOutputDir(dir));
  } catch {
    return 0;
  }
  let step = 0;
  for (const n of names) {
    if (!n.startsWith(CHECKPOINTS.rolling.prefix) || !n.endsWith(".h5")) continue;
    step = Math.max(step, checkpointFileStep(n) ?? 0);
  }
  return step;
}

/**
 * The loser takes the winner's outputs: a copy of the winner's lfadsOutput/ is made beside the loser's and
 * renamed over it, so a kill leaves either the old or the new folder (a rerun copies again).
 */
export function copyMemberOutput(winnerDir: string, loserDir: string): void {
  const from = runOutputDir(winnerDir);
  const to = runOutputDir(loserDir);
  const tmp = `${to}.copy-${process.pid}`;
  const old = `${to}.old-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(from, tmp, { recursive: true });
  if (fs.existsSync(to)) fs.renameSync(to, old);
  fs.renameSync(tmp, to);
  fs.rmSync(old, { recursive: true, force: true });
  for (const m of [RUN_MARKERS.trainDone, RUN_MARKERS.failed, RUN_MARKERS.done]) fs.rmSync(path.join(loserDir, m), { force: true });
}

/** Leftovers of a copy that a kill interrupted (`lfadsOutput.copy-*`, `lfadsOutput.old-*`); the folder itself is restored when it is missing. */
export function cleanCopyLeftovers(dir: string): void {
  const out = runOutputDir(dir);
  const base = path.basename(out);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const old = names.filter((n) => n.startsWith(`${base}.old-`));
  if (!fs.existsSync(out) && old[0]) fs.renameSync(path.join(dir, old[0]), out);
  for (const n of names) if (n.startsWith(`${base}.copy-`) || n.startsWith(`${base}.old-`)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}
