/**
 * Train the members of one generation to its target step, through the queue: the local worker pool
 * (`runLocal`, threads shared as the pool shares them) or one Slurm job array (`submitSlurm`, then wait
 * until squeue no longer lists its tasks). Members already at the target (a resumed driver) are left out;
 * members queued or running in a Slurm job of this collection are waited for, not submitted again.
 */
import { runLocal } from "../queue/local.js";
import { readFailure, readRunning } from "../queue/run-files.js";
import { activeSlurmRuns, submitSlurm } from "../queue/slurm.js";
import type { SweepRun } from "../queue/sweep-runs.js";
import type { SweepProgress } from "../queue/progress.js";
import * as path from "node:path";
import { memberStep } from "./members.js";
import type { PbtOptions } from "./options.js";

export interface GenerationRun {
  rcDir: string;
  /** Member folders, by member index. */
  dirs: readonly string[];
  targetStep: number;
  options: PbtOptions;
  /** A member's live state changed ("training epoch 3, step 120", "queued"). */
  onMember: (k: number, state: "queued" | "training", detail?: string) => void;
}

export interface GenerationOutcome {
  /** Stopped by the signal: the members resume from their checkpoints next time. */
  interrupted: boolean;
  /** Why members failed, by index (they stopped short of the target). */
  failed: Map<number, string>;
}

/** `pbt/members/member_03`: the id a member has in the queue's tables and Slurm's task lists. */
const memberId = (rcDir: string, dir: string): string => path.relative(rcDir, dir).split(path.sep).join("/");

function trainArgs(g: GenerationRun): string[] {
  return ["--max-steps", String(g.targetStep), "--reset-learning-rate", ...(g.options.trainArgs ?? [])];
}

/** The members short of the target after a generation's training, with the reason each failed. */
function shortfalls(g: GenerationRun): Map<number, string> {
  const failed = new Map<number, string>();
  g.dirs.forEach((dir, k) => {
    if (memberStep(dir) >= g.targetStep) return;
    failed.set(k, readFailure(dir)?.reason ?? `stopped at step ${memberStep(dir)} of ${g.targetStep} (see ${path.join(dir, "lfads.out")})`);
  });
  return failed;
}

/** One pass of the local pool over `todo`; the members another process still runs (a killed driver's children). */
async function poolPass(g: GenerationRun, todo: SweepRun[]): Promise<{ aborted: boolean; busy: SweepRun[] }> {
  const index = new Map(todo.map((r) => [r.id, g.dirs.indexOf(r.dir)]));
  const res = await runLocal({ rcDir: g.rcDir, runs: todo }, {
    ...(g.options.workers !== undefined ? { workers: g.options.workers } : {}),
    ...(g.options.threads !== undefined ? { threads: g.options.threads } : {}),
    onlyIncomplete: false,
    trainOnly: true,
    trainArgs: trainArgs(g),
    display: false,
    ...(g.options.signal ? { signal: g.options.signal } : {}),
    onProgress: (p: SweepProgress) => {
      for (const r of p.runs) {
        const k = index.get(r.id);
        if (k !== undefined && (r.state === "running" || r.state === "queued")) g.onMember(k, r.state === "running" ? "training" : "queued", r.progress);
      }
    },
  });
  return { aborted: res.interrupted.length > 0 && (g.options.signal?.aborted ?? false), busy: todo.filter((r) => res.busy.includes(r.id)) };
}

/**
 * The local pool, until every member reached the target or failed twice: members still run by a killed
 * driver's children are waited for, and a member that failed (killed, say) is resumed once more from its
 * checkpoint. False when interrupted.
 */
async function trainLocal(g: GenerationRun, todo: SweepRun[]): Promise<boolean> {
  let pending = todo;
  let retried = false;
  while (pending.length > 0) {
    const pass = await poolPass(g, pending);
    if (pass.aborted) return false;
    for (const r of pass.busy) g.onMember(g.dirs.indexOf(r.dir), "training", "run by an earlier driver's process; waiting for it");
    while (pass.busy.some((r) => readRunning(r.dir)?.alive)) {
      await sleep(1000, g.options.signal);
      if (g.options.signal?.aborted) return false;
    }
    const short = todo.filter((r) => memberStep(r.dir) < g.targetStep);
    const failed = short.filter((r) => !pass.busy.includes(r));
    if (failed.length > 0 && retried) pending = pass.busy.filter((r) => short.includes(r));
    else pending = short;
    if (failed.length > 0) retried = true;
  }
  return true;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/** Submit one job array for `todo` (members already queued or running in one are left to it) and wait for them. */
async function slurmPass(g: GenerationRun, todo: SweepRun[]): Promise<boolean> {
  const slurm = g.options.slurm!;
  await submitSlurm({ rcDir: g.rcDir, runs: todo }, { jobName: `lfads_pbt_${path.basename(g.rcDir)}`, ...slurm, onlyIncomplete: false, trainOnly: true, trainArgs: trainArgs(g) });
  const ids = new Set(todo.map((r) => r.id));
  const poll = (g.options.slurmPollSeconds ?? 5) * 1000;
  for (;;) {
    if (g.options.signal?.aborted) return false;
    const active = [...activeSlurmRuns(g.rcDir).entries()].filter(([id]) => ids.has(id));
    const local = todo.filter((r) => readRunning(r.dir)?.alive);
    if (active.length === 0 && local.length === 0) return true;
    for (const [id, a] of active) {
      const k = g.dirs.findIndex((d) => memberId(g.rcDir, d) === id);
      if (k >= 0) g.onMember(k, a.task.state === "PENDING" ? "queued" : "training", `Slurm ${a.task.id} ${a.task.state.toLowerCase()}`);
    }
    await sleep(poll, g.options.signal);
  }
}

/** Slurm, until every member reached the target or failed twice (a failed member is submitted once more). False when interrupted. */
async function trainSlurm(g: GenerationRun, todo: SweepRun[]): Promise<boolean> {
  let pending = todo;
  for (let attempt = 0; ; attempt++) {
    if (!(await slurmPass(g, pending))) return false;
    pending = pending.filter((r) => memberStep(r.dir) < g.targetStep);
    if (pending.length === 0 || attempt === 1) return true;
  }
}

/** Train the generation (module comment). */
export async function trainGeneration(g: GenerationRun): Promise<GenerationOutcome> {
  const todo = g.dirs.filter((d) => memberStep(d) < g.targetStep).map((dir) => ({ id: memberId(g.rcDir, dir), dir }));
  if (todo.length > 0) {
    for (const r of todo) g.onMember(g.dirs.indexOf(r.dir), "queued");
    const finished = g.options.slurm ? await trainSlurm(g, todo) : await trainLocal(g, todo);
    if (!finished) return { interrupted: true, failed: new Map() };
  }
  return { interrupted: false, failed: shortfalls(g) };
}

