/**
 * `executeRun`: what one worker of the local pool, one Slurm array task (`lfads run-one`) and nothing
 * else does with a run — take the run's lock, check its inputs, run `lfads_train.sh` then
 * `lfads_posterior_mean_sample.sh` (output appended to `lfads.out`), and leave `lfads.done` on success
 * or `lfads.failed` (stage, exit code or signal, the log's last lines) on failure. The trainer resumes
 * from its latest checkpoint by itself; nothing here deletes lfadsOutput/.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LfadsError } from "../core/errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { runOutputDir } from "../runs/layout.js";
import { hasMarker } from "../runs/run-status.js";
import {
  LOG_HEADER,
  RUN_DONE,
  RUN_FAILED,
  RUN_LOG,
  RUN_TRAIN_DONE,
  acquireRun,
  stageTail,
  writeFailure,
  type FailureInfo,
  type RunLock,
  type RunningMarker,
  type Stage,
} from "./run-files.js";
import { checkRunInputs } from "./sweep-runs.js";
import { POSTERIOR_SCRIPT, TRAIN_SCRIPT, writeRunScripts, type RunScriptOptions } from "./scripts.js";

export interface ExecuteOptions {
  /** Extra environment for the stage processes (e.g. `{ LFADS_THREADS: "2" }`). */
  env?: Readonly<Record<string, string>>;
  /** Stops the run: its processes get SIGTERM (SIGKILL 10 s later); the outcome is `interrupted`. */
  signal?: AbortSignal;
  /** Record an interruption as a failure with this reason (Slurm tasks: time limit, scancel). */
  interruptIsFailure?: (signal: AbortSignal) => string | undefined;
  /** Called when a stage starts. */
  onStage?: (stage: Stage) => void;
  /** Skip the input check (the pool checked every run before starting). */
  skipInputCheck?: boolean;
  /** `<job>_<task>` recorded in lfads.running under Slurm. */
  slurmJob?: string;
  /** Lines of the log kept in lfads.failed (default 20). */
  tailLines?: number;
  /** Passed to writeRunScripts. */
  scripts?: RunScriptOptions;
  /** Run the train stage even when `lfads.done.train` says it finished (it resumes from the last checkpoint). */
  retrain?: boolean;
  /** Extra arguments for `lfads train` (appended to lfads_train.sh), e.g. ["--max-epochs", "5"]. */
  trainArgs?: readonly string[];
  /** Extra arguments for `lfads posterior`, e.g. ["--samples", "16"]. */
  posteriorArgs?: readonly string[];
  /** Run the train stage only: no posterior, and `lfads.done` is not written (PBT trains members a generation at a time). */
  trainOnly?: boolean;
}

export type RunOutcome =
  | { state: "done"; durationMs: number }
  | { state: "failed"; failure: FailureInfo; durationMs: number }
  /** Someone else (another pool, a Slurm task) is running it now. */
  | { state: "busy"; holder: RunningMarker }
  | { state: "interrupted"; durationMs: number };

const KILL_GRACE_MS = 10_000;

function describeSignal(signal: string): string {
  if (signal === "SIGKILL") return "killed by SIGKILL (often out of memory; under Slurm also the time limit: raise --mem / --time)";
  if (signal === "SIGTERM") return "terminated by SIGTERM (scancel, a Slurm time limit, or a shutdown)";
  if (signal === "SIGINT") return "interrupted by SIGINT (Ctrl-C)";
  return `killed by ${signal}`;
}

/** Run one script to completion, stdout+stderr appended to the log. Resolves with how it ended. */
function runStage(
  script: string,
  args: readonly string[],
  cwd: string,
  log: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  onSpawn: (pid: number | undefined) => void,
): Promise<{ code: number | null; signal: string | null; aborted: boolean; spawnError?: Error }> {
  return new Promise((resolve) => {
    const fd = fs.openSync(log, "a");
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    // Own process group, so that stopping the run stops the whole tree (bash → node).
    const child = spawn("bash", [script, ...args], { cwd, env, stdio: ["ignore", fd, fd], detached: true });
    fs.closeSync(fd);
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      aborted = true;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    };
    onSpawn(child.pid);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    const done = (r: { code: number | null; signal: string | null; spawnError?: Error }): void => {
      signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      resolve({ ...r, aborted });
    };
    child.once("error", (e) => done({ code: null, signal: null, spawnError: e }));
    child.once("exit", (code, sig) => done({ code, signal: sig }));
  });
}

/** Train then sample one prepared run; see the module comment. Never throws for a failing run. */
export async function executeRun(runDir: string, options: ExecuteOptions = {}): Promise<RunOutcome> {
  const dir = path.resolve(runDir);
  const t0 = Date.now();
  const host = os.hostname();
  if (!fs.existsSync(dir)) {
    // checkRunInputs words this one; nothing can be written into a missing folder.
    await checkRunInputs(dir);
  }
  const got = acquireRun(dir, { pid: process.pid, host, stage: "check", started: new Date(t0).toISOString(), ...(options.slurmJob ? { slurmJob: options.slurmJob } : {}) });
  if ("holder" in got) return { state: "busy", holder: got.holder };
  const run = new RunLog(dir, host, t0, options.tailLines ?? 20);
  try {
    fs.rmSync(path.join(dir, RUN_FAILED), { force: true });
    fs.rmSync(path.join(dir, RUN_DONE), { force: true });
    if (!options.skipInputCheck) {
      const failed = await checkInputsLogged(run);
      if (failed) return failed;
    }
    writeRunScripts(dir, options.scripts);
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    let trained = false;
    for (const stage of options.trainOnly ? (["train"] as const) : (["train", "posterior"] as const)) {
      if (stage === "train" && !options.retrain && hasMarker(dir, "trainDone") && fs.existsSync(runOutputDir(dir))) {
        run.header(`train of ${dir} already finished (${RUN_TRAIN_DONE}); going on with the posterior`);
        continue;
      }
      const failed = await runStageLogged(run, stage, trained, got.lock, env, options);
      if (failed) return failed;
      if (stage === "train") {
        trained = true;
        writeFileAtomic(path.join(dir, RUN_TRAIN_DONE), "");
        // lfads.done means trained *and* sampled; a trainer that marks its own success there is undone here.
        fs.rmSync(path.join(dir, RUN_DONE), { force: true });
      }
    }
    if (!options.trainOnly) writeFileAtomic(path.join(dir, RUN_DONE), "");
    return { state: "done", durationMs: Date.now() - t0 };
  } finally {
    got.lock.release();
  }
}

/** A run's log (`lfads.out`): section headers, its last lines, and failures recorded in `lfads.failed`. */
class RunLog {
  readonly log: string;

  constructor(
    readonly dir: string,
    readonly host: string,
    readonly t0: number,
    private readonly nTail: number,
  ) {
    this.log = path.join(dir, RUN_LOG);
  }

  header(text: string): void {
    fs.appendFileSync(this.log, `${LOG_HEADER} ${text} =====\n`);
  }

  tail(): string[] {
    return stageTail(this.log, this.nTail);
  }

  /** Writes `lfads.failed` and returns the failed outcome. */
  fail(stage: FailureInfo["stage"], exitCode: number | null, signal: string | null, reason: string, tail = this.tail()): RunOutcome {
    const failure: FailureInfo = { stage, exitCode, signal, reason, host: this.host, finished: new Date().toISOString(), log: this.log, tail };
    writeFailure(this.dir, failure);
    return { state: "failed", failure, durationMs: Date.now() - this.t0 };
  }
}

/** The input check, its failure logged and recorded; undefined when the inputs are fine. */
async function checkInputsLogged(run: RunLog): Promise<RunOutcome | undefined> {
  try {
    await checkRunInputs(run.dir);
    return undefined;
  } catch (e) {
    if (!(e instanceof LfadsError)) throw e;
    run.header(`input check of ${run.dir} failed at ${new Date().toISOString()} on ${run.host}`);
    fs.appendFileSync(run.log, `${e.message}\n`);
    return run.fail("check", null, null, e.message);
  }
}

/** Runs one stage's script with headers around its output; the outcome when it did not succeed, else undefined. */
async function runStageLogged(run: RunLog, stage: "train" | "posterior", trained: boolean, lock: RunLock, env: NodeJS.ProcessEnv, options: ExecuteOptions): Promise<RunOutcome | undefined> {
  const script = path.join(run.dir, stage === "train" ? TRAIN_SCRIPT : POSTERIOR_SCRIPT);
  lock.update({ stage });
  options.onStage?.(stage);
  const s0 = Date.now();
  const threads = env["LFADS_THREADS"] ? `, LFADS_THREADS=${env["LFADS_THREADS"]}` : "";
  run.header(`${stage} of ${run.dir} started ${new Date(s0).toISOString()} on ${run.host} (pid ${process.pid}${options.slurmJob ? `, Slurm ${options.slurmJob}` : ""}${threads})`);
  // Fresh training makes earlier posterior files stale: re-make them. After a skipped train stage
  // (a retry of the posterior) the files that exist are kept, so an interrupted sampling resumes.
  const args = stage === "train" ? (options.trainArgs ?? []) : [...(trained ? ["--overwrite"] : []), ...(options.posteriorArgs ?? [])];
  const r = await runStage(script, args, run.dir, run.log, env, options.signal, (pid) => lock.update({ ...(pid === undefined ? {} : { childPid: pid }) }));
  const secs = ((Date.now() - s0) / 1000).toFixed(1);
  const tail = run.tail();
  run.header(`${stage} ended after ${secs}s: ${r.spawnError ? `could not start bash (${r.spawnError.message})` : r.signal ? describeSignal(r.signal) : `exit code ${r.code}`}`);
  if (r.spawnError) return run.fail(stage, null, null, `could not start 'bash ${script}': ${r.spawnError.message}`, tail);
  if (r.aborted && options.signal) {
    const reason = options.interruptIsFailure?.(options.signal);
    if (reason === undefined) return { state: "interrupted", durationMs: Date.now() - run.t0 };
    return run.fail(stage, r.code, r.signal, reason, tail);
  }
  if (r.code !== 0) {
    const what = stage === "train" ? "lfads train" : "lfads posterior";
    const reason = r.signal ? `${what} was ${describeSignal(r.signal)}` : `${what} exited with code ${r.code}`;
    const last = tail.filter((l) => l.trim() !== "").at(-1);
    return run.fail(stage, r.code, r.signal, `${reason}${last ? `: ${last.trim().slice(0, 300)}` : ""}`, tail);
  }
  return undefined;
}
