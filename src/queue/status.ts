/**
 * `sweepStatus`: where every run of a sweep stands, read from its folder (runs/run-status.ts: lfads.done,
 * lfads.failed, lfadsOutput) and its lfads.running marker, and, when Slurm answers, from `squeue` for this
 * collection's jobs. The states (done, running, pending, failed, interrupted, not started) are described
 * in runs/run-status.ts.
 */
import * as path from "node:path";
import { renderTableText } from "../display/table.js";
import { RUN_MARKERS } from "../runs/layout.js";
import { RUN_STATES, folderRunState, type RunState } from "../runs/run-status.js";
import { describeProgress, readFailure, readRunning, trainProgress, type FailureInfo, type RunningInfo } from "./run-files.js";
import { activeSlurmRuns, readSlurmJobs, squeueTasks, type SlurmTask } from "./slurm.js";
import { sweepOf, type SweepSource } from "./sweep-runs.js";

export { RUN_STATES, type RunState };

export interface RunStatus {
  id: string;
  dir: string;
  state: RunState;
  /** Training progress from lfadsOutput ("epoch 3, step 120"), when any. */
  progress: string;
  /** One line: failure reason, Slurm task and node, who runs it. */
  detail: string;
  failure?: FailureInfo;
  running?: RunningInfo;
  slurm?: SlurmTask;
}

export interface SweepStatus {
  rcDir: string;
  runs: RunStatus[];
  counts: Record<RunState, number>;
  /** Whether squeue answered (false: no Slurm jobs recorded, or Slurm missing or down; states then come from files only). */
  slurm: boolean;
  /** Job ids recorded in slurm_jobs.json. */
  slurmJobs: string[];
}

/** Read the state of every run; see the module comment. */
export function sweepStatus(source: SweepSource): SweepStatus {
  const sweep = sweepOf(source);
  const jobs = readSlurmJobs(sweep.rcDir).map((j) => j.jobId);
  // squeue only for collections with Slurm jobs (it takes seconds to fail when the controller is down).
  const tasks = jobs.length > 0 ? squeueTasks() : undefined;
  const active = activeSlurmRuns(sweep.rcDir, tasks ?? new Map());
  const runs = sweep.runs.map((r): RunStatus => {
    const tp = trainProgress(r.dir);
    const progress = describeProgress(tp);
    const marker = readRunning(r.dir);
    const sl = active.get(r.id)?.task;
    const base = { id: r.id, dir: r.dir, progress };
    const slurmText = sl ? `Slurm ${sl.id} ${sl.state.toLowerCase()}${sl.reason && sl.reason !== "None" ? ` (${sl.reason})` : ""}` : "";
    if (marker?.alive) {
      const m = marker.info;
      const where = m.slurmJob ? `Slurm ${m.slurmJob} on ${m.host}` : `pid ${m.pid} on ${m.host}`;
      return { ...base, state: "running", detail: `${m.stage} · ${where} · since ${m.started}`, running: m, ...(sl ? { slurm: sl } : {}) };
    }
    if (sl && sl.state !== "PENDING" && !/^(COMPLET|CANCEL|FAIL|TIMEOUT|OUT_OF_ME|NODE_FAIL|PREEMPT|BOOT_FAIL|DEADLINE)/.test(sl.state)) {
      return { ...base, state: "running", detail: slurmText, slurm: sl };
    }
    if (sl?.state === "PENDING") return { ...base, state: "pending", detail: slurmText, slurm: sl };
    const state = folderRunState(r.dir, tp);
    const failure = state === "failed" ? readFailure(r.dir) : undefined;
    if (failure) {
      const how = failure.signal ? failure.signal : failure.exitCode !== null ? `exit code ${failure.exitCode}` : "";
      return { ...base, state, detail: `${failure.stage}${how ? ` (${how})` : ""}: ${failure.reason} — see ${path.relative(sweep.rcDir, path.join(r.dir, RUN_MARKERS.failed))}`, failure };
    }
    if (state === "interrupted") return { ...base, state, detail: "stopped; resumes from its latest checkpoint when the sweep runs again" };
    return { ...base, state, detail: "" };
  });
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, runs.filter((r) => r.state === s).length])) as Record<RunState, number>;
  return { rcDir: sweep.rcDir, runs, counts, slurm: tasks !== undefined, slurmJobs: jobs };
}

/** `4 runs: 2 done, 1 running, 1 failed` (zero counts left out). */
export function statusSummary(s: SweepStatus): string {
  const parts = RUN_STATES.filter((k) => s.counts[k] > 0).map((k) => `${s.counts[k]} ${k}`);
  return `${s.runs.length} run${s.runs.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/** The text `lfads status` prints. */
export function formatStatus(s: SweepStatus): string {
  const head = `${s.rcDir}\n${statusSummary(s)}`;
  const jobs = s.slurmJobs.length > 0 ? `\nSlurm jobs: ${s.slurmJobs.join(", ")}${s.slurm ? "" : " (squeue does not answer: states from the run folders only)"}` : "";
  const table = renderTableText(
    s.runs.map((r) => ({ run: r.id, state: r.state, progress: r.progress, detail: r.detail.length > 160 ? `${r.detail.slice(0, 157)}...` : r.detail })),
    { columns: ["run", "state", "progress", "detail"], limit: Infinity },
  );
  return `${head}${jobs}\n\n${table}\n`;
}
