/**
 * The files in a run folder that record where a run stands. They are the only shared state between the
 * local pool, Slurm array tasks and `lfads status`, so a sweep can be stopped, killed or lose its node
 * and still be resumed or inspected from the folder alone.
 *
 *   lfads.out         stdout + stderr of every stage, appended (a resume keeps the earlier attempts)
 *   lfads.running     JSON {pid, childPid, host, stage, started, slurmJob}; created exclusively when a
 *                     run starts (a lock), its mtime refreshed every 30 s (a heartbeat), removed at the end
 *   lfads.done.train  training finished (a retry after a failed posterior step skips training)
 *   lfads.done        training and posterior sampling both finished (empty, as in the MATLAB queue)
 *   lfads.failed      why the last attempt failed: `key: value` lines, a blank line, the log's last lines
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { tailLines } from "../io/tail-lines.js";
import { RUN_LOG, RUN_MARKERS } from "../runs/layout.js";

// Where a run stands is read in runs/run-status.ts (shared with the notebook displays).
export { describeProgress, isDone, trainProgress, type TrainProgress } from "../runs/run-status.js";
export { RUN_LOG };
export const RUN_RUNNING = RUN_MARKERS.running;
export const RUN_TRAIN_DONE = RUN_MARKERS.trainDone;
export const RUN_DONE = RUN_MARKERS.done;
export const RUN_FAILED = RUN_MARKERS.failed;

/** A `lfads.running` marker older than this (no heartbeat) belongs to a process that is gone. */
const HEARTBEAT_STALE_MS = 120_000;
const HEARTBEAT_INTERVAL_MS = 30_000;

/** First line of every stage header written to lfads.out; failure tails start after the last one. */
export const LOG_HEADER = "===== lfads-ts";

export type Stage = "check" | "train" | "posterior";

export interface FailureInfo {
  stage: Stage | "setup";
  /** Exit code of the stage's process, when it exited by itself. */
  exitCode: number | null;
  /** Signal that ended it (SIGKILL, SIGTERM…), when killed. */
  signal: string | null;
  /** One sentence: what failed and what to look at. */
  reason: string;
  host: string;
  /** ISO time. */
  finished: string;
  /** The log file the tail comes from. */
  log: string;
  /** Last lines of that stage's output. */
  tail: string[];
}

export interface RunningInfo {
  /** The process that owns the run (the pool, or `lfads run-one`). */
  pid: number;
  /** The current stage's process (bash running lfads_train.sh / lfads_posterior_mean_sample.sh). */
  childPid?: number;
  host: string;
  stage: Stage;
  /** ISO time the run started. */
  started: string;
  /** `<array job id>_<task id>` under Slurm. */
  slurmJob?: string;
}

/** The last `n` lines the latest stage wrote to the log (after its header line). */
export function stageTail(logFile: string, n: number): string[] {
  const lines = tailLines(logFile, 400);
  let start = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith(LOG_HEADER)) {
      start = i + 1;
      break;
    }
  }
  return lines.slice(start).slice(-n);
}

const FAILED_KEYS: readonly (keyof FailureInfo)[] = ["stage", "exitCode", "signal", "reason", "host", "finished", "log"];
const FAILED_LABELS: Record<string, string> = { stage: "stage", exitCode: "exit code", signal: "signal", reason: "reason", host: "host", finished: "finished", log: "log" };

function formatFailure(f: FailureInfo): string {
  const head = FAILED_KEYS.map((k) => `${FAILED_LABELS[k]}: ${f[k] ?? ""}`);
  const tail = f.tail.length > 0 ? [`--- last ${f.tail.length} lines of ${path.basename(f.log)} ---`, ...f.tail] : ["--- no output ---"];
  return `lfads-ts: this run failed\n${head.join("\n")}\n\n${tail.join("\n")}\n`;
}

export function writeFailure(runDir: string, f: FailureInfo): void {
  writeFileAtomic(path.join(runDir, RUN_FAILED), formatFailure(f));
}

/** Parse `lfads.failed`; undefined when absent. Unknown or missing keys read as empty. */
export function readFailure(runDir: string): FailureInfo | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, RUN_FAILED), "utf8");
  } catch {
    return undefined;
  }
  const [head = "", ...rest] = text.split(/\n\n/);
  const kv = new Map<string, string>();
  for (const line of head.split("\n")) {
    const i = line.indexOf(": ");
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 2));
  }
  const body = rest.join("\n\n").split("\n");
  if (body[0]?.startsWith("---")) body.shift();
  while (body.length > 0 && body[body.length - 1] === "") body.pop();
  const code = kv.get("exit code");
  return {
    stage: (kv.get("stage") || "train") as FailureInfo["stage"],
    exitCode: code === undefined || code === "" || !Number.isFinite(Number(code)) ? null : Number(code),
    signal: kv.get("signal") || null,
    reason: kv.get("reason") ?? "",
    host: kv.get("host") ?? "",
    finished: kv.get("finished") ?? "",
    log: kv.get("log") ?? path.join(runDir, RUN_LOG),
    tail: body[0] === "--- no output ---" ? [] : body,
  };
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface RunningMarker {
  info: RunningInfo;
  /** Last heartbeat (mtime). */
  updated: Date;
  /** Whether the owner still looks alive: its pid (on this host) or a recent heartbeat (elsewhere). */
  alive: boolean;
}

/** Read `lfads.running`; undefined when absent or unreadable. */
export function readRunning(runDir: string): RunningMarker | undefined {
  const file = path.join(runDir, RUN_RUNNING);
  let info: RunningInfo;
  let updated: Date;
  try {
    updated = fs.statSync(file).mtime;
    info = JSON.parse(fs.readFileSync(file, "utf8")) as RunningInfo;
  } catch {
    return undefined;
  }
  const fresh = Date.now() - updated.getTime() < HEARTBEAT_STALE_MS;
  const alive = info.host === os.hostname() ? pidAlive(info.pid) || pidAlive(info.childPid) : fresh;
  return { info, updated, alive };
}

export interface RunLock {
  /** Record the current stage and its process in the marker. */
  update(patch: Partial<RunningInfo>): void;
  /** Remove the marker and stop the heartbeat. */
  release(): void;
}

/**
 * Take the run: create `lfads.running` exclusively. A marker left by a process that is gone (dead pid
 * on this host, or no heartbeat for 2 minutes elsewhere) is replaced. Returns the live holder instead
 * when someone else is running it.
 */
export function acquireRun(runDir: string, info: RunningInfo): { lock: RunLock } | { holder: RunningMarker } {
  const file = path.join(runDir, RUN_RUNNING);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = readRunning(runDir);
      if (holder?.alive) return { holder };
      fs.rmSync(file, { force: true });
      continue;
    }
    let current = { ...info };
    const beat = setInterval(() => {
      const now = new Date();
      try {
        fs.utimesSync(file, now, now);
      } catch {
        // the folder went away; nothing to keep alive
      }
    }, HEARTBEAT_INTERVAL_MS);
    beat.unref();
    return {
      lock: {
        update(patch) {
          current = { ...current, ...patch };
          writeFileAtomic(file, JSON.stringify(current));
        },
        release() {
          clearInterval(beat);
          fs.rmSync(file, { force: true });
        },
      },
    };
  }
  const holder = readRunning(runDir);
  if (holder) return { holder };
  throw new Error(`could not create ${file}`);
}
