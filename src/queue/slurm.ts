/**
 * Running a sweep on a Slurm cluster: one job array per submission, one array task per run that is
 * not done. Each task finds its run folder on line `SLURM_ARRAY_TASK_ID + 1` of a tasks file and runs
 * `lfads run-one <run dir>` (the same code as a local worker), so logs and done/failed markers land in
 * the run folders. Files in the collection folder:
 *
 *   slurm/lfads_array_<k>.sh   the sbatch script of submission k
 *   slurm/tasks_<k>.txt        its run folders, one per array task
 *   slurm/logs/<job>_<task>.out  Slurm's own output of each task (startup problems end up here)
 *   slurm_jobs.json            every submission: job id, script, runs — what `lfads status` / `lfads cancel` read
 *
 * The collection folder must be on a file system the compute nodes see (home or a shared scratch).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ParamError, closestName } from "../core/errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { RUN_MARKERS, SLURM_DIR, SLURM_JOBS_FILE, SLURM_LOGS_DIR, slurmArrayScriptName, slurmTasksFileName } from "../runs/layout.js";
import { SlurmError } from "./errors.js";
import { isDone, readRunning } from "./run-files.js";
import { launcherCheckLines, lfadsLauncher, shellQuote, writeRunScripts } from "./scripts.js";
import { checkSweepInputs, sweepOf, sweepRcDir, type SweepSource } from "./sweep-runs.js";

export interface SlurmOptions {
  /** `--partition` (checked against `sinfo`; default: the cluster's default partition). */
  partition?: string;
  /** `--time` per run, e.g. "4:00:00" (default: the partition's). */
  time?: string;
  /** `--mem` per run, e.g. "8G". */
  mem?: string;
  /** `--cpus-per-task` (default 1); also each run's LFADS_THREADS. */
  cpusPerTask?: number;
  /** `--gres`, e.g. "gpu:1". */
  gres?: string;
  /** At most this many runs at once (`--array=…%N`). */
  maxConcurrent?: number;
  /** `--job-name` (default `lfads_<collection folder name>`). */
  jobName?: string;
  /** More `#SBATCH` options, e.g. ["--account=lab", "--qos=short"]. */
  extraArgs?: readonly string[];
  /** Skip runs that have `lfads.done` (default true). */
  onlyIncomplete?: boolean;
  /** Extra arguments for every `lfads train`, e.g. ["--max-epochs", "5"]. */
  trainArgs?: readonly string[];
  /** Write the script and tasks file but do not submit (default false). */
  dryRun?: boolean;
  /** Train only (`lfads run-one --train-only`): no posterior stage, no `lfads.done` (PBT's generations). */
  trainOnly?: boolean;
}

export interface SlurmJobRecord {
  jobId: string;
  /** ISO time. */
  submitted: string;
  script: string;
  tasksFile: string;
  /** Run ids (`param_X/name`), index = array task id. */
  runs: string[];
  /** ISO time `lfads cancel` cancelled it. */
  cancelled?: string;
}

export interface SlurmSubmission {
  rcDir: string;
  /** Undefined when nothing was submitted (all done, or a dry run). */
  jobId: string | undefined;
  script: string | undefined;
  tasksFile: string | undefined;
  /** Runs submitted, in array task order. */
  runs: string[];
  alreadyDone: string[];
  /** Runs left out because a job of this collection is running or queueing them already. */
  active: string[];
  dryRun: boolean;
}

export { SLURM_JOBS_FILE };

const NOT_INSTALLED =
  "Slurm is not available here: 'sbatch' is not on PATH. On a cluster, load it first (e.g. 'module load slurm'); " +
  "on Debian/Ubuntu install it with 'apt-get install slurm-wlm munge'. Or train on this machine: 'lfads run <rcDir> --local' / runLocal(rc).";

/** The full path of an executable on PATH, or undefined. */
function which(cmd: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `sbatch` is on PATH. */
export function slurmInstalled(): boolean {
  return which("sbatch") !== undefined;
}

function run(cmd: string, args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") throw new SlurmError(NOT_INSTALLED);
    throw new SlurmError(`'${cmd} ${args.join(" ")}' failed to run: ${r.error.message}`);
  }
  return { code: r.status, out: r.stdout, err: r.stderr.trim() };
}

export interface SlurmPartition {
  name: string;
  isDefault: boolean;
}

/** Partitions from `sinfo -h -o %P`; throws SlurmError when Slurm is missing or its controller does not answer. */
export function slurmPartitions(): SlurmPartition[] {
  if (!which("sinfo")) throw new SlurmError(NOT_INSTALLED.replace("'sbatch'", "'sinfo'"));
  const r = run("sinfo", ["-h", "-o", "%P"]);
  if (r.code !== 0) {
    throw new SlurmError(`Slurm is installed but its controller does not answer (sinfo exited with ${r.code}: ${r.err || "no message"}); check 'sinfo' and that slurmctld is running`);
  }
  const seen = new Set<string>();
  const parts: SlurmPartition[] = [];
  for (const raw of r.out.split("\n").map((s) => s.trim()).filter(Boolean)) {
    const name = raw.replace(/\*$/, "");
    if (seen.has(name)) continue;
    seen.add(name);
    parts.push({ name, isDefault: raw.endsWith("*") });
  }
  return parts;
}

function listPartitions(parts: readonly SlurmPartition[]): string {
  return parts.map((p) => `${p.name}${p.isDefault ? " (default)" : ""}`).join(", ") || "none";
}

/** Throw SlurmError when `partition` is not one of sinfo's. */
export function checkPartition(partition: string): void {
  const parts = slurmPartitions();
  if (parts.some((p) => p.name === partition)) return;
  const close = closestName(partition, parts.map((p) => p.name));
  throw new SlurmError(`Slurm partition '${partition}' does not exist on this cluster; available partitions: ${listPartitions(parts)}${close ? `. Did you mean '${close}'?` : ""}`);
}

export interface SlurmTask {
  /** `<job>_<task>` (array task) or `<job>`. */
  id: string;
  jobId: string;
  taskId: number | undefined;
  /** PENDING, RUNNING, COMPLETING, … */
  state: string;
  /** Why it is pending, or the node it runs on. */
  reason: string;
  elapsed: string;
}

/**
 * Jobs Slurm still knows (queued, running, just finished), one row per array task, from `squeue`.
 * Undefined when Slurm is not installed or does not answer (status then relies on the run files).
 */
export function squeueTasks(): Map<string, SlurmTask> | undefined {
  if (!which("squeue")) return undefined;
  let r: { code: number | null; out: string; err: string };
  try {
    r = run("squeue", ["-h", "-r", "-o", "%i|%T|%R|%M"]);
  } catch {
    return undefined;
  }
  if (r.code !== 0) return undefined;
  const out = new Map<string, SlurmTask>();
  for (const line of r.out.split("\n")) {
    const [id, state, reason, elapsed] = line.trim().split("|");
    if (!id || !state) continue;
    const m = /^(\d+)(?:_(\d+))?$/.exec(id);
    if (!m) continue;
    out.set(id, { id, jobId: m[1]!, taskId: m[2] === undefined ? undefined : Number(m[2]), state, reason: reason ?? "", elapsed: elapsed ?? "" });
  }
  return out;
}

/** Submissions recorded in `<rcDir>/slurm_jobs.json` ([] when none). */
export function readSlurmJobs(rcDir: string): SlurmJobRecord[] {
  const file = path.join(rcDir, SLURM_JOBS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  try {
    const v = JSON.parse(text) as { jobs?: SlurmJobRecord[] };
    return Array.isArray(v.jobs) ? v.jobs : [];
  } catch (e) {
    throw new SlurmError(`${file} is not valid JSON (${(e as Error).message}); fix or delete it (it only lists submitted job ids)`);
  }
}

function writeSlurmJobs(rcDir: string, jobs: readonly SlurmJobRecord[]): void {
  writeFileAtomic(path.join(rcDir, SLURM_JOBS_FILE), `${JSON.stringify({ jobs }, null, 2)}\n`);
}

/** Squeue rows of this collection's recorded jobs, by run id (the newest submission wins). */
export function activeSlurmRuns(rcDir: string, tasks?: ReadonlyMap<string, SlurmTask>): Map<string, { task: SlurmTask; record: SlurmJobRecord }> {
  const out = new Map<string, { task: SlurmTask; record: SlurmJobRecord }>();
  const records = readSlurmJobs(rcDir);
  // No job of this collection: no need to ask squeue (which takes seconds when the controller is down).
  if (records.length === 0) return out;
  tasks ??= squeueTasks();
  if (!tasks) return out;
  for (const t of tasks.values()) {
    const record = records.find((r) => r.jobId === t.jobId);
    if (!record || t.taskId === undefined) continue;
    const runId = record.runs[t.taskId];
    if (runId !== undefined) out.set(runId, { task: t, record });
  }
  return out;
}

function checkPositive(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ParamError(`submitSlurm: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
}

function checkOptionText(name: string, v: string | undefined): void {
  if (v !== undefined && (v.trim() === "" || /[\n\r]/.test(v))) throw new ParamError(`submitSlurm: ${name} must be one line of text, got ${JSON.stringify(v)}`);
}

/** The sbatch script of one submission. */
function slurmScriptText(rcDir: string, tasksFile: string, nTasks: number, options: SlurmOptions): string {
  const logDir = path.join(rcDir, SLURM_DIR, SLURM_LOGS_DIR);
  const array = `0-${nTasks - 1}${options.maxConcurrent ? `%${options.maxConcurrent}` : ""}`;
  const sb = [
    `--job-name=${options.jobName ?? `lfads_${path.basename(rcDir)}`}`,
    `--array=${array}`,
    `--output=${path.join(logDir, "%A_%a.out")}`,
    `--chdir=${rcDir}`,
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    ...(options.time ? [`--time=${options.time}`] : []),
    ...(options.mem ? [`--mem=${options.mem}`] : []),
    `--cpus-per-task=${options.cpusPerTask ?? 1}`,
    ...(options.gres ? [`--gres=${options.gres}`] : []),
    ...(options.extraArgs ?? []),
  ];
  const log = `${logDir}/\${SLURM_ARRAY_JOB_ID}_\${task}.out`;
  return [
    "#!/bin/bash",
    ...sb.map((a) => `#SBATCH ${a}`),
    "",
    `# lfads-ts sweep of ${rcDir}, written ${new Date().toISOString()} by 'lfads run --slurm' / submitSlurm.`,
    "# Array task i trains and samples the run on line i+1 of the tasks file (lfads run-one), leaving",
    "# lfads.out, lfads.done or lfads.failed in that run's folder. See them all with 'lfads status <rcDir>'.",
    `tasks_file=${shellQuote(tasksFile)}`,
    'task=${SLURM_ARRAY_TASK_ID:?"this script is meant for sbatch --array (SLURM_ARRAY_TASK_ID is unset)"}',
    'run_dir=$(sed -n "$((task + 1))p" "$tasks_file")',
    'if [ -z "$run_dir" ]; then echo "lfads: no run on line $((task + 1)) of $tasks_file" >&2; exit 1; fi',
    'echo "lfads: Slurm job ${SLURM_ARRAY_JOB_ID}_${task} on $(hostname) runs $run_dir"',
    "export LFADS_THREADS=${SLURM_CPUS_PER_TASK:-1}",
    "record_failure() {",
    '    { echo "lfads-ts: this run failed"; echo "stage: setup"; echo "exit code: 1"; echo "signal: "; echo "reason: $1";',
    '      echo "host: $(hostname)"; echo "finished: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "log: ' + log + '"; echo; echo "--- no output ---";',
    `    } > "$run_dir/${RUN_MARKERS.failed}"`,
    "}",
    ...launcherCheckLines(lfadsLauncher(), process.execPath, 'record_failure "$msg"'),
    "",
    `exec "$node_bin" "$lfads_js" run-one "$run_dir"${options.onlyIncomplete === false ? " --retrain" : ""}${options.trainOnly ? " --train-only" : ""}${options.trainArgs && options.trainArgs.length > 0 ? ` -- ${options.trainArgs.map(shellQuote).join(" ")}` : ""}`,
    "",
  ].join("\n");
}

/**
 * Submit every run of the collection (or collection folder) that is not done and not already queued as
 * one Slurm job array; see the module comment. Returns the job id and the runs it covers.
 */
export async function submitSlurm(source: SweepSource, options: SlurmOptions = {}): Promise<SlurmSubmission> {
  checkPositive("cpusPerTask", options.cpusPerTask);
  checkPositive("maxConcurrent", options.maxConcurrent);
  for (const k of ["partition", "time", "mem", "gres", "jobName"] as const) checkOptionText(k, options[k]);
  for (const a of options.extraArgs ?? []) {
    if (!a.startsWith("-") || /[\n\r]/.test(a)) throw new ParamError(`submitSlurm: extraArgs entries are sbatch options such as "--account=lab", got ${JSON.stringify(a)}`);
  }
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !slurmInstalled()) throw new SlurmError(NOT_INSTALLED);
  if (options.partition && !dryRun) checkPartition(options.partition);

  const sweep = sweepOf(source);
  await checkSweepInputs(sweep);
  const rcDir = sweep.rcDir;
  const onlyIncomplete = options.onlyIncomplete ?? true;
  const active = dryRun ? new Map() : activeSlurmRuns(rcDir);
  const alreadyDone: string[] = [];
  const busy: string[] = [];
  const runs = sweep.runs.filter((r) => {
    if (onlyIncomplete && isDone(r.dir)) {
      alreadyDone.push(r.id);
      return false;
    }
    if (active.has(r.id) || readRunning(r.dir)?.alive) {
      busy.push(r.id);
      return false;
    }
    return true;
  });
  const result: SlurmSubmission = { rcDir, jobId: undefined, script: undefined, tasksFile: undefined, runs: runs.map((r) => r.id), alreadyDone, active: busy, dryRun };
  if (runs.length === 0) return result;

  for (const r of runs) writeRunScripts(r.dir);
  const records = readSlurmJobs(rcDir);
  const slurmDir = path.join(rcDir, SLURM_DIR);
  fs.mkdirSync(path.join(slurmDir, SLURM_LOGS_DIR), { recursive: true });
  let k = records.length + 1;
  while (fs.existsSync(path.join(slurmDir, slurmTasksFileName(k)))) k++;
  const tasksFile = path.join(slurmDir, slurmTasksFileName(k));
  const script = path.join(slurmDir, slurmArrayScriptName(k));
  writeFileAtomic(tasksFile, runs.map((r) => `${r.dir}\n`).join(""));
  writeFileAtomic(script, slurmScriptText(rcDir, tasksFile, runs.length, options));
  fs.chmodSync(script, 0o755);
  result.script = script;
  result.tasksFile = tasksFile;
  if (dryRun) return result;

  const r = run("sbatch", ["--parsable", script]);
  if (r.code !== 0) {
    let hint = "";
    if (/partition/i.test(r.err)) hint = `; available partitions: ${listPartitions(slurmPartitions())}`;
    else if (/node configuration is not available|memory|cpu count|gres/i.test(r.err)) hint = "; no node offers what was requested: compare --mem / --cpus-per-task / --gres with 'sinfo -o \"%P %c %m %G\"'";
    else if (/array size|MaxArraySize/i.test(r.err)) hint = `; the cluster's MaxArraySize is below ${runs.length} tasks: submit in parts (maxConcurrent does not help)`;
    throw new SlurmError(`sbatch rejected the job array (exit code ${r.code}): ${r.err || "no message"}${hint}. Script: ${script}`);
  }
  const jobId = r.out.trim().split(";")[0]!.trim();
  if (!/^\d+$/.test(jobId)) throw new SlurmError(`sbatch answered '${r.out.trim()}' instead of a job id; the job may or may not have been submitted (check squeue). Script: ${script}`);
  records.push({ jobId, submitted: new Date().toISOString(), script, tasksFile, runs: runs.map((x) => x.id) });
  writeSlurmJobs(rcDir, records);
  result.jobId = jobId;
  return result;
}

export interface SlurmCancel {
  rcDir: string;
  /** Job ids that had queued or running tasks and were cancelled. */
  cancelled: string[];
  /** Recorded job ids Slurm no longer knows (finished). */
  finished: string[];
}

/** Cancel this collection's Slurm jobs (those recorded in slurm_jobs.json that still have tasks). */
export function cancelSlurm(source: SweepSource): SlurmCancel {
  const rcDir = sweepRcDir(source);
  const records = readSlurmJobs(rcDir);
  const result: SlurmCancel = { rcDir, cancelled: [], finished: [] };
  if (records.length === 0) return result;
  if (!which("scancel")) throw new SlurmError(NOT_INSTALLED.replace("'sbatch'", "'scancel'"));
  const tasks = squeueTasks();
  if (!tasks) throw new SlurmError("Slurm does not answer (squeue failed); check 'squeue' and that slurmctld is running");
  const live = new Set([...tasks.values()].map((t) => t.jobId));
  const now = new Date().toISOString();
  for (const rec of records) {
    if (!live.has(rec.jobId)) {
      result.finished.push(rec.jobId);
      continue;
    }
    const r = run("scancel", [rec.jobId]);
    if (r.code !== 0) throw new SlurmError(`scancel ${rec.jobId} failed (exit code ${r.code}): ${r.err || "no message"}`);
    rec.cancelled = now;
    result.cancelled.push(rec.jobId);
  }
  if (result.cancelled.length > 0) writeSlurmJobs(rcDir, records);
  return result;
}
