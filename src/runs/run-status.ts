/**
 * Where a run stands, read from its folder with a few `stat`/`readdir` calls (synchronous; the queue's
 * training progress also reads the fit log's last line), so a collection of hundreds of runs is read at
 * once. This is the one place that knows which files mean what: the notebook displays
 * (display/runs.ts) and the queue (queue/status.ts, queue/local.ts, queue/execute.ts) both read runs
 * through it, each in its own words.
 *
 * `RunDiskState`, how far a run got (the notebook's runs grid and run view); the first match wins:
 *
 *   trained         lfads.done (trained and posterior sampled) or lfads.done.train (training finished)
 *   failed          lfads.failed, written when the last attempt failed
 *   partly trained  lfadsOutput/ has checkpoints but no done marker (training, or stopped: it resumes)
 *   prepared        every lfadsInput/ link resolves to its input file
 *   not prepared    lfadsInput/ links missing (run `await rc.prepare()`)
 *
 * `RunState`, what a sweep does with it next (`lfads status`). The folder gives, first match wins:
 *
 *   done         lfads.done: trained and sampled
 *   failed       lfads.failed: the last attempt failed; the next sweep retries it
 *   interrupted  lfadsOutput has something but no process runs it: resumes from its checkpoint next time
 *   not started  nothing yet
 *
 * and the queue puts `running` (a live lfads.running, or a running Slurm task) and `pending` (a queued
 * Slurm task) before these. The two differ on purpose for a run whose training finished but whose
 * posterior step failed: the display calls it trained, the queue failed (it retries the posterior).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tailLines } from "../io/tail-lines.js";
import { FITLOG_FILE, RUN_MARKERS, checkpointFileStep, isCheckpointIndexName, runOutputDir } from "./layout.js";
import type { Run } from "./run.js";

export type RunMarker = keyof typeof RUN_MARKERS;

/** Whether the run folder holds a marker file (`done` → `lfads.done`, …; see RUN_MARKERS). */
export function hasMarker(runDir: string, marker: RunMarker): boolean {
  try {
    return fs.statSync(path.join(runDir, RUN_MARKERS[marker])).isFile();
  } catch {
    return false;
  }
}

/** Whether the run is trained and posterior sampled (`lfads.done`). */
export function isDone(runDir: string): boolean {
  return hasMarker(runDir, "done");
}

function folderNames(dir: string): string[] | undefined {
  try {
    return fs.readdirSync(dir);
  } catch {
    return undefined;
  }
}

/** The newest checkpoint step named in `names`: -1 when only index files are there, undefined when no checkpoint. */
function newestCheckpointStep(names: readonly string[]): number | undefined {
  let step: number | undefined;
  for (const n of names) {
    const s = checkpointFileStep(n);
    if (s !== undefined) step = Math.max(step ?? -1, s);
    else if (isCheckpointIndexName(n)) step ??= -1;
  }
  return step;
}

// ---------------------------------------------------------------------------------------------------
// Training progress

/** Training progress read from lfadsOutput: the last fit-log line, or the newest checkpoint's step. */
export interface TrainProgress {
  epoch?: number;
  step?: number;
}

const FITLOG_LINE_RE = /epoch,\s*(\d+),\s*step,\s*(\d+)/;

/**
 * The run's training progress: the fit log's last epoch and step, else the newest checkpoint's step;
 * `{}` when lfadsOutput/ holds other files only; undefined when it is empty or missing.
 */
export function trainProgress(runDir: string): TrainProgress | undefined {
  const out = runOutputDir(runDir);
  const last = tailLines(path.join(out, FITLOG_FILE), 1, 4096)[0];
  const m = last === undefined ? null : FITLOG_LINE_RE.exec(last);
  if (m) return { epoch: Number(m[1]), step: Number(m[2]) };
  const names = folderNames(out);
  if (names === undefined) return undefined;
  const step = newestCheckpointStep(names);
  if (step !== undefined && step >= 0) return { step };
  return names.length > 0 ? {} : undefined;
}

/** "epoch 3, step 120" / "step 120" / "". */
export function describeProgress(p: TrainProgress | undefined): string {
  if (!p) return "";
  const parts: string[] = [];
  if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}`);
  if (p.step !== undefined) parts.push(`step ${p.step}`);
  return parts.join(", ");
}

// ---------------------------------------------------------------------------------------------------
// The display's states

export type RunDiskState = "not prepared" | "prepared" | "partly trained" | "trained" | "failed";
/** In the order the displays count them. */
export const RUN_DISK_STATES: readonly RunDiskState[] = ["not prepared", "prepared", "partly trained", "trained", "failed"];

export interface RunDiskStatus {
  state: RunDiskState;
  /** One line of detail ("trained; posterior not sampled yet", "latest checkpoint at step 1200", …). */
  detail: string;
}

// existsSync follows links, so a dangling link (input file deleted) counts as missing.
const exists = (file: string): boolean => fs.existsSync(file);

/** How far a run got, read cheaply and synchronously from its folder (see the module comment). */
export function runDiskStatus(run: Run): RunDiskStatus {
  if (hasMarker(run.path, "done")) return { state: "trained", detail: `trained and posterior sampled (${RUN_MARKERS.done})` };
  if (hasMarker(run.path, "trainDone")) return { state: "trained", detail: "trained; posterior not sampled yet" };
  if (hasMarker(run.path, "failed")) return { state: "failed", detail: `last attempt failed: see ${path.join(run.path, RUN_MARKERS.failed)}` };
  const names = folderNames(run.pathLFADSOutput);
  const step = names === undefined ? undefined : newestCheckpointStep(names);
  if (step !== undefined) return { state: "partly trained", detail: step >= 0 ? `latest checkpoint at step ${step}` : "has checkpoints" };
  const links = [...run.lfadsInputLinks, ...run.lfadsInputInfoLinks];
  const have = links.filter(exists).length;
  if (links.length > 0 && have === links.length) return { state: "prepared", detail: "LFADS input files in place" };
  return { state: "not prepared", detail: have > 0 ? `${have} of ${links.length} input links present; run prepare()` : "run prepare() to write the LFADS input files" };
}

// ---------------------------------------------------------------------------------------------------
// The queue's states

export type RunState = "done" | "running" | "pending" | "failed" | "interrupted" | "not started";
export const RUN_STATES: readonly RunState[] = ["done", "running", "pending", "failed", "interrupted", "not started"];

/** The states a run folder alone gives; `running` and `pending` need a live process or Slurm. */
export type FolderRunState = Extract<RunState, "done" | "failed" | "interrupted" | "not started">;

/** The queue's state of a run from its folder alone (see the module comment); pass `progress` when already read. */
export function folderRunState(runDir: string, progress: TrainProgress | undefined = trainProgress(runDir)): FolderRunState {
  if (hasMarker(runDir, "done")) return "done";
  if (hasMarker(runDir, "failed")) return "failed";
  return progress !== undefined ? "interrupted" : "not started";
}
