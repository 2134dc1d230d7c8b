/**
 * `runLocal`: train a sweep on this machine with a pool of worker processes (the MATLAB
 * `run_lfadsqueue.py` without tmux, GPUs or Python 2). Each worker takes the next run that is not done,
 * runs its train then posterior script as child processes, and goes on; a failing run gets
 * `lfads.failed` and the sweep continues. `N` workers share the cores: every child gets
 * `LFADS_THREADS = floor(cores / N)` (at least 1). Stopping the sweep (Ctrl-C, `signal`) stops the
 * children; running it again trains only what is not done, resuming from checkpoints.
 */
import { availableParallelism } from "node:os";
import { ParamError } from "../core/errors.js";
import { executeRun, type RunOutcome } from "./execute.js";
import { formatDuration, progressLine, sweepDisplay, type SweepDisplay, type SweepProgress, type SweepRunProgress } from "./progress.js";
import { describeProgress, isDone, readFailure, trainProgress, type FailureInfo } from "./run-files.js";
import { checkSweepInputs, sweepOf, type SweepSource } from "./sweep-runs.js";

export interface LocalRunOptions {
  /** Runs trained at the same time (default: half the cores, at least 1; never more than the runs to do). */
  workers?: number;
  /** Threads per run (default: floor(cores / workers), at least 1); sets LFADS_THREADS of each child. */
  threads?: number;
  /** Skip runs that have `lfads.done` (default true). false re-runs them too (training resumes from the final checkpoint). */
  onlyIncomplete?: boolean;
  /** Called on every change (run started/finished) and about once a second while runs train. */
  onProgress?: (progress: SweepProgress) => void;
  /** Show the built-in progress display (notebook table / terminal line; default true). */
  display?: boolean;
  /** Extra arguments for every `lfads train`, e.g. ["--max-epochs", "5"] for a quick smoke test. */
  trainArgs?: readonly string[];
  /** Extra arguments for every `lfads posterior`, e.g. ["--samples", "16"]. */
  posteriorArgs?: readonly string[];
  /** Abort to stop the sweep: running children get SIGTERM; their runs stay resumable. */
  signal?: AbortSignal;
  /** Train only: no posterior stage and no `lfads.done` (PBT's generations). */
  trainOnly?: boolean;
}

export interface SweepFailure {
  id: string;
  dir: string;
  failure: FailureInfo;
}

export interface LocalRunResult {
  rcDir: string;
  /** Runs finished by this call. */
  done: string[];
  /** Runs that were done already. */
  skipped: string[];
  failed: SweepFailure[];
  /** Runs another process is running (not touched). */
  busy: string[];
  /** Runs stopped by `signal`, plus the ones never started because of it. */
  interrupted: string[];
  elapsedMs: number;
  /** Every run of the sweep is done. */
  ok: boolean;
  progress: SweepProgress;
}

function checkCount(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new ParamError(`runLocal: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Train every run of the collection (or collection folder) that is not done; see the module comment. */
export async function runLocal(source: SweepSource, options: LocalRunOptions = {}): Promise<LocalRunResult> {
  const reqWorkers = checkCount("workers", options.workers);
  const reqThreads = checkCount("threads", options.threads);
  const sweep = sweepOf(source);
  await checkSweepInputs(sweep);
  const onlyIncomplete = options.onlyIncomplete ?? true;
  const cores = availableParallelism();

  const rows: SweepRunProgress[] = sweep.runs.map((r) => ({ id: r.id, dir: r.dir, state: onlyIncomplete && isDone(r.dir) ? "skipped" : "queued" }));
  const todo = rows.filter((r) => r.state === "queued");
  const workers = Math.max(1, Math.min(reqWorkers ?? Math.max(1, Math.floor(cores / 2)), Math.max(1, todo.length)));
  const threads = reqThreads ?? Math.max(1, Math.floor(cores / workers));
  const report = new SweepReport(sweep.rcDir, rows, workers, threads, options);

  const skipped = rows.filter((r) => r.state === "skipped").length;
  report.event(
    `${sweep.runs.length} runs in ${sweep.rcDir}: ${todo.length} to train${skipped ? `, ${skipped} already done` : ""}; ` +
      `${workers} worker${workers === 1 ? "" : "s"} × LFADS_THREADS=${threads} (${cores} cores)`,
  );
  const ticker = setInterval(() => report.tick(), 1000);
  ticker.unref();

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length && !options.signal?.aborted) {
      const row = todo[next++]!;
      report.record(row, await trainRow(row, threads, !onlyIncomplete, options, report));
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, () => worker()));
  } finally {
    clearInterval(ticker);
  }
  for (const r of rows) if (r.state === "queued") r.state = "interrupted";
  return sweepResult(sweep.rcDir, rows, report.finish());
}

/** Train then sample one run of the sweep in child processes; an unexpected error becomes a failed outcome. */
async function trainRow(row: SweepRunProgress, threads: number, retrain: boolean, options: LocalRunOptions, report: SweepReport): Promise<RunOutcome> {
  row.state = "running";
  row.startedAt = Date.now();
  row.stage = "train";
  try {
    return await executeRun(row.dir, {
      env: { LFADS_THREADS: String(threads) },
      skipInputCheck: true,
      retrain,
      ...(options.trainOnly ? { trainOnly: true } : {}),
      ...(options.trainArgs ? { trainArgs: options.trainArgs } : {}),
      ...(options.posteriorArgs ? { posteriorArgs: options.posteriorArgs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onStage: (stage) => {
        row.stage = stage;
        report.event(`${row.id}: ${stage} started`);
      },
    });
  } catch (e) {
    // Only an unexpected error (a folder removed mid-sweep, a full disk) gets here.
    const reason = (e as Error).message;
    return { state: "failed", durationMs: Date.now() - row.startedAt, failure: readFailure(row.dir) ?? { stage: "setup", exitCode: null, signal: null, reason, host: "", finished: new Date().toISOString(), log: "", tail: [] } };
  }
}

/**
 * The sweep's progress as the runs' rows change: snapshots for `onProgress`, timestamped event lines
 * and the ticking display, and an ETA from the mean duration of the runs finished so far.
 */
class SweepReport {
  private readonly t0 = Date.now();
  private readonly durations: number[] = [];
  private readonly display: SweepDisplay | undefined;

  constructor(
    private readonly rcDir: string,
    private readonly rows: SweepRunProgress[],
    private readonly workers: number,
    private readonly threads: number,
    private readonly options: LocalRunOptions,
  ) {
    this.display = options.display === false ? undefined : sweepDisplay();
  }

  snapshot(finished = false): SweepProgress {
    const { rows } = this;
    const now = Date.now();
    const count = (s: SweepRunProgress["state"]) => rows.filter((r) => r.state === s).length;
    const running = rows.filter((r) => r.state === "running");
    let etaMs: number | undefined;
    if (this.durations.length > 0) {
      const mean = this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
      const left = running.reduce((s, r) => s + Math.max(0, mean - (now - (r.startedAt ?? now))), 0) + count("queued") * mean;
      etaMs = left / this.workers;
    }
    return {
      rcDir: this.rcDir,
      total: rows.length,
      done: count("done"),
      running: running.length,
      failed: count("failed"),
      queued: count("queued"),
      skipped: count("skipped"),
      busy: count("busy"),
      interrupted: count("interrupted"),
      workers: this.workers,
      threadsPerWorker: this.threads,
      elapsedMs: now - this.t0,
      etaMs,
      finished,
      runs: rows.map((r) => ({ ...r })),
    };
  }

  /** Reports a change; `line` (if any) goes to the display, with the sweep summary appended when `withSummary`. */
  event(line?: string, withSummary = false): void {
    const p = this.snapshot();
    this.options.onProgress?.(p);
    const summary = withSummary ? ` [${progressLine(p).replace(/^sweep: /, "")}]` : "";
    const clock = `[${formatDuration(Date.now() - this.t0).padStart(6)}]`;
    if (line !== undefined) this.display?.event(p, `${clock} ${line}${summary}`);
  }

  /** The once-a-second update: training progress of the running runs. */
  tick(): void {
    for (const r of this.rows) if (r.state === "running" && r.stage === "train") r.progress = describeProgress(trainProgress(r.dir));
    const p = this.snapshot();
    this.options.onProgress?.(p);
    this.display?.tick(p);
  }

  /** A run's outcome into its row, and the event line that says it. */
  record(row: SweepRunProgress, out: RunOutcome): void {
    row.progress = undefined;
    if (out.state === "done") {
      row.state = "done";
      row.durationMs = out.durationMs;
      this.durations.push(out.durationMs);
      this.event(`${row.id}: done in ${formatDuration(out.durationMs)}`, true);
    } else if (out.state === "failed") {
      row.state = "failed";
      row.durationMs = out.durationMs;
      row.failure = out.failure;
      row.message = `${out.failure.stage}: ${out.failure.reason}`;
      this.event(`${row.id}: FAILED in ${out.failure.stage} — ${out.failure.reason} (log: ${out.failure.log})`, true);
    } else if (out.state === "busy") {
      row.state = "busy";
      const h = out.holder.info;
      row.message = `running in pid ${h.pid} on ${h.host}${h.slurmJob ? ` (Slurm ${h.slurmJob})` : ""} since ${h.started}`;
      this.event(`${row.id}: skipped, already ${row.message}`);
    } else {
      row.state = "interrupted";
      row.durationMs = out.durationMs;
      this.event(`${row.id}: interrupted after ${formatDuration(out.durationMs)} (resumes from its checkpoint next time)`);
    }
  }

  /** The final snapshot, reported and shown. */
  finish(): SweepProgress {
    const progress = this.snapshot(true);
    this.options.onProgress?.(progress);
    this.display?.finish(progress);
    return progress;
  }
}

function sweepResult(rcDir: string, rows: readonly SweepRunProgress[], progress: SweepProgress): LocalRunResult {
  const ids = (s: SweepRunProgress["state"]) => rows.filter((r) => r.state === s).map((r) => r.id);
  return {
    rcDir,
    done: ids("done"),
    skipped: ids("skipped"),
    failed: rows.filter((r) => r.state === "failed").map((r) => ({ id: r.id, dir: r.dir, failure: r.failure! })),
    busy: ids("busy"),
    interrupted: ids("interrupted"),
    elapsedMs: progress.elapsedMs,
    ok: rows.every((r) => r.state === "done" || r.state === "skipped"),
    progress,
  };
}
