/**
 * CLI commands of the sweep runner: `lfads run`, `lfads run-one`, `lfads status`, `lfads cancel`.
 * Listed in src/cli/commands.ts; the queue modules are loaded inside `run`.
 */
import * as path from "node:path";
import { RUN_LOG, RUN_MARKERS } from "../runs/layout.js";
import { UsageError } from "./args.js";
import type { OptionSpec, ParsedArgs } from "./args.js";
import type { CliIO, Command } from "./command.js";
import type { SlurmOptions } from "../queue/slurm.js";

export const SLURM_OPTIONS: OptionSpec[] = [
  { name: "partition", type: "string", valueName: "<name>", help: "Slurm partition (checked against sinfo)" },
  { name: "time", type: "string", valueName: "<d-hh:mm:ss>", help: "time limit per run, e.g. 4:00:00" },
  { name: "mem", type: "string", valueName: "<size>", help: "memory per run, e.g. 8G" },
  { name: "cpus-per-task", type: "number", valueName: "<n>", help: "CPUs per run (default 1); also its LFADS_THREADS" },
  { name: "gpu", type: "boolean", help: "ask for one GPU per run (--gres=gpu:1)" },
  { name: "gres", type: "string", valueName: "<gres>", help: "generic resources per run, e.g. gpu:a100:1" },
  { name: "max-concurrent", type: "number", valueName: "<n>", help: "at most <n> runs at once (--array=…%n)" },
  { name: "job-name", type: "string", valueName: "<name>", help: "job name (default lfads_<folder name>)" },
  { name: "sbatch-args", type: "string", valueName: "'<opts>'", help: "more sbatch options, space-separated, e.g. '--account=lab --qos=short'" },
  { name: "dry-run", type: "boolean", help: "write the sbatch script and tasks file, do not submit" },
];
export const SLURM_ONLY = SLURM_OPTIONS.map((o) => o.name);

function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === "string" ? v : undefined;
}
function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.options[name];
  return typeof v === "number" ? v : undefined;
}

/** Run `body` with SIGINT/SIGTERM turned into an abort; the first signal's name is passed on. */
async function withSignals<T>(body: (signal: AbortSignal, received: () => NodeJS.Signals | undefined) => Promise<T>, onSignal?: (sig: NodeJS.Signals) => void): Promise<T> {
  const ac = new AbortController();
  let got: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals): void => {
    got ??= sig;
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
    onSignal?.(sig);
    ac.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  try {
    return await body(ac.signal, () => got);
  } finally {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  }
}

function trainArgs(args: ParsedArgs): { trainArgs?: string[] } {
  const t = str(args, "train-args")?.split(/\s+/).filter(Boolean);
  return t && t.length > 0 ? { trainArgs: t } : {};
}

async function runLocalCommand(rcDir: string, args: ParsedArgs, io: CliIO): Promise<number> {
  const { runLocal } = await import("../queue/local.js");
  const result = await withSignals(
    (signal) => runLocal(rcDir, { workers: num(args, "workers"), threads: num(args, "threads"), onlyIncomplete: !args.options.rerun, signal, ...trainArgs(args) }),
    (sig) => io.err(`\nlfads run: ${sig}: stopping the running trainings (they resume from their checkpoints next time)\n`),
  );
  if (result.failed.length > 0) {
    const list = result.failed.map((f) => `${f.id} (${f.failure.stage}: ${f.failure.reason})`).join("; ");
    io.err(
      `lfads run: ${result.failed.length} of ${result.progress.total} runs failed: ${list}. ` +
        `Details in each run's lfads.failed and lfads.out; 'lfads status ${rcDir}' lists them; 'lfads run ${rcDir}' again retries them.\n`,
    );
    return 1;
  }
  if (result.interrupted.length > 0) return 130;
  if (result.busy.length > 0) io.err(`lfads run: ${result.busy.length} runs are being trained by another process; check them with 'lfads status ${rcDir}'\n`);
  return 0;
}

/** The Slurm options of a command line (SLURM_OPTIONS), for submitSlurm. */
export function slurmOptionsOf(args: ParsedArgs): SlurmOptions {
  const gres = str(args, "gres") ?? (args.options.gpu ? "gpu:1" : undefined);
  if (args.options.gpu && str(args, "gres")) throw new UsageError("give either --gpu or --gres, not both");
  const extra = str(args, "sbatch-args")?.split(/\s+/).filter(Boolean);
  const opts: SlurmOptions = { partition: str(args, "partition"), time: str(args, "time"), mem: str(args, "mem"), cpusPerTask: num(args, "cpus-per-task"), gres, maxConcurrent: num(args, "max-concurrent"), jobName: str(args, "job-name"), ...(extra ? { extraArgs: extra } : {}) };
  for (const k of Object.keys(opts) as (keyof SlurmOptions)[]) if (opts[k] === undefined) delete opts[k];
  return opts;
}

async function runSlurmCommand(rcDir: string, args: ParsedArgs, io: CliIO): Promise<number> {
  const { submitSlurm } = await import("../queue/slurm.js");
  const sub = await submitSlurm(rcDir, {
    ...slurmOptionsOf(args),
    onlyIncomplete: !args.options.rerun,
    ...trainArgs(args),
    dryRun: args.options["dry-run"] === true,
  });
  const notes = [
    sub.alreadyDone.length > 0 ? `${sub.alreadyDone.length} already done` : "",
    sub.active.length > 0 ? `${sub.active.length} already queued or running` : "",
  ].filter(Boolean);
  const noteText = notes.length > 0 ? ` (${notes.join(", ")})` : "";
  if (sub.runs.length === 0) {
    io.out(`Nothing to submit: no run of ${sub.rcDir} needs training${noteText}.\n`);
    return 0;
  }
  if (sub.dryRun) {
    io.out(`Dry run: would submit ${sub.runs.length} runs${noteText} with\n  sbatch ${sub.script}\n(tasks: ${sub.tasksFile})\n`);
    return 0;
  }
  io.out(
    `Submitted Slurm job array ${sub.jobId}: ${sub.runs.length} run${sub.runs.length === 1 ? "" : "s"}${noteText}.\n` +
      `  script: ${sub.script}\n  follow: lfads status ${sub.rcDir}    cancel: lfads cancel ${sub.rcDir}\n`,
  );
  return 0;
}

const runCommand: Command = {
  name: "run",
  summary: "train every prepared run of a collection that is not done (locally or on Slurm)",
  usage: "<rcDir> [--local [--workers <n>] | --slurm [slurm options]] [--rerun]",
  description: [
    "<rcDir> is the folder of a prepared RunCollection (rc.path); its runs are the param_*/<run>/lfadsInput folders in it.",
    "Each run is trained (lfads_train.sh) then sampled (lfads_posterior_mean_sample.sh); output goes to <run>/lfads.out,",
    "success leaves <run>/lfads.done, failure <run>/lfads.failed (the reason and the log's last lines). Runs already done",
    "are skipped and a run that was stopped resumes from its latest checkpoint, so running the command again after a crash,",
    "a Ctrl-C or a lost node finishes the sweep.",
    "",
    "--local (default): a pool of <n> worker processes on this machine; each run gets LFADS_THREADS=floor(cores/n).",
    "--slurm: one sbatch job array, one task per run (script and logs in <rcDir>/slurm/, job ids in <rcDir>/slurm_jobs.json).",
    "",
    "Examples:",
    "  lfads run ~/lorenz_example/runs/example --workers 2",
    "  lfads run ~/lorenz_example/runs/example --slurm --partition gpu --gpu --time 4:00:00 --mem 8G --max-concurrent 10",
  ].join("\n"),
  options: [
    { name: "local", type: "boolean", help: "train on this machine (default)" },
    { name: "slurm", type: "boolean", help: "submit a Slurm job array" },
    { name: "workers", type: "number", short: "j", valueName: "<n>", help: "--local: runs trained at once (default: half the cores)" },
    { name: "threads", type: "number", valueName: "<n>", help: "--local: LFADS_THREADS per run (default: floor(cores / workers))" },
    { name: "rerun", type: "boolean", help: "also run the runs that are done (training resumes from their last checkpoint)" },
    { name: "train-args", type: "string", valueName: "'<args>'", help: "extra 'lfads train' arguments for every run, space-separated" },
    ...SLURM_OPTIONS,
  ],
  positionals: [1, 1],
  async run(args, io) {
    const rcDir = path.resolve(args.positionals[0]!);
    if (args.options.local && args.options.slurm) throw new UsageError("choose --local or --slurm, not both");
    if (args.options.slurm) {
      for (const o of ["workers", "threads"]) if (args.options[o] !== undefined) throw new UsageError(`--${o} is for --local; with --slurm use --cpus-per-task and --max-concurrent`);
      return runSlurmCommand(rcDir, args, io);
    }
    const misplaced = SLURM_ONLY.find((o) => args.options[o] !== undefined);
    if (misplaced) throw new UsageError(`--${misplaced} is a Slurm option; add --slurm`);
    return runLocalCommand(rcDir, args, io);
  },
};

const runOneCommand: Command = {
  name: "run-one",
  summary: "train then sample one prepared run (what each local worker and Slurm array task runs)",
  usage: "<runDir> [--retrain] [-- <lfads train arguments>]",
  description: [
    "<runDir> is one run folder (param_XXXXXX/<run name>). Runs lfads_train.sh (with the arguments after --; skipped when lfads.done.train exists) then",
    "lfads_posterior_mean_sample.sh, appending their output to <runDir>/lfads.out; writes lfads.done on success and",
    "lfads.failed on failure (exit code 1). Refuses (exit 0) when another live process holds the run (lfads.running).",
    "Honors LFADS_THREADS. SIGTERM/SIGINT stop the run and record why in lfads.failed; it resumes when started again.",
  ].join("\n"),
  options: [
    { name: "retrain", type: "boolean", help: "run the train stage even if lfads.done.train says it finished (resumes from the last checkpoint)" },
    { name: "train-only", type: "boolean", help: "train only: no posterior stage and no lfads.done (PBT's generations)" },
  ],
  positionals: [1, Infinity],
  async run(args, io) {
    const { executeRun } = await import("../queue/execute.js");
    const { checkRunFolder } = await import("../queue/sweep-runs.js");
    const dir = checkRunFolder(args.positionals[0]!);
    const env = process.env;
    const slurmJob = env["SLURM_ARRAY_JOB_ID"] && env["SLURM_ARRAY_TASK_ID"] ? `${env["SLURM_ARRAY_JOB_ID"]}_${env["SLURM_ARRAY_TASK_ID"]}` : env["SLURM_JOB_ID"];
    io.out(`lfads run-one: ${dir} (log: ${path.join(dir, RUN_LOG)})\n`);
    const out = await withSignals((signal, received) =>
      executeRun(dir, {
        signal,
        retrain: args.options.retrain === true,
        ...(args.options["train-only"] === true ? { trainOnly: true } : {}),
        ...(args.positionals.length > 1 ? { trainArgs: args.positionals.slice(1) } : {}),
        ...(slurmJob ? { slurmJob } : {}),
        onStage: (stage) => io.out(`lfads run-one: ${stage} started ${new Date().toISOString()}\n`),
        interruptIsFailure: () => {
          const sig = received() ?? "SIGTERM";
          return `stopped by ${sig}${slurmJob ? " (scancel, the Slurm time limit, or a node shutdown)" : ""}; it resumes from its latest checkpoint when run again`;
        },
      }),
    );
    if (out.state === "done") {
      io.out(`lfads run-one: done in ${(out.durationMs / 1000).toFixed(1)}s\n`);
      return 0;
    }
    if (out.state === "busy") {
      const h = out.holder.info;
      io.err(`lfads run-one: ${dir} is already being run by pid ${h.pid} on ${h.host}${h.slurmJob ? ` (Slurm ${h.slurmJob})` : ""} since ${h.started}; nothing done\n`);
      return 0;
    }
    if (out.state === "failed") {
      io.err(`lfads run-one: FAILED in ${out.failure.stage}: ${out.failure.reason}\n  see ${path.join(dir, RUN_MARKERS.failed)} and ${out.failure.log}\n`);
      return 1;
    }
    io.err(`lfads run-one: interrupted\n`);
    return 130;
  },
};

const statusCommand: Command = {
  name: "status",
  summary: "show each run of a collection: done, running, pending, failed, interrupted, not started",
  usage: "<rcDir> [--json]",
  description: [
    "Reads the run folders (lfads.done, lfads.failed, lfads.running, lfadsOutput/) and, when Slurm answers, squeue for the",
    "jobs recorded in <rcDir>/slurm_jobs.json. Exit code 0 when every run is done, 1 when some failed, 3 otherwise.",
    "A collection trained with 'lfads pbt' also gets its population: generation, each member's step, state, fitness and",
    "hyperparameters, and the best member (from <rcDir>/pbt/ledger.json).",
  ].join("\n"),
  options: [{ name: "json", type: "boolean", help: "print the status as JSON" }],
  positionals: [1, 1],
  async run(args, io) {
    const { sweepStatus, formatStatus } = await import("../queue/status.js");
    const { pbtStatus, formatPbtStatus } = await import("../pbt/status.js");
    const s = sweepStatus(path.resolve(args.positionals[0]!));
    // A PBT collection: its population (from pbt/ledger.json and the members' folders) after the runs.
    const p = pbtStatus(path.resolve(args.positionals[0]!));
    if (args.options.json) io.out(`${JSON.stringify(p ? { ...s, pbt: { ledger: p.ledger, members: p.members } } : s, null, 2)}\n`);
    else io.out(`${formatStatus(s)}${p ? `\n${formatPbtStatus(p)}` : ""}`);
    return s.counts.done === s.runs.length ? 0 : s.counts.failed > 0 ? 1 : 3;
  },
};

const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel the Slurm jobs submitted for a collection",
  usage: "<rcDir>",
  description: [
    "Runs scancel on every job in <rcDir>/slurm_jobs.json that still has queued or running tasks. Stopped runs keep their",
    "checkpoints and resume with the next 'lfads run'. A local sweep ('lfads run --local') is stopped with Ctrl-C instead.",
  ].join("\n"),
  positionals: [1, 1],
  async run(args, io) {
    const { cancelSlurm } = await import("../queue/slurm.js");
    const r = cancelSlurm(path.resolve(args.positionals[0]!));
    if (r.cancelled.length === 0 && r.finished.length === 0) io.out(`No Slurm jobs recorded for ${r.rcDir}.\n`);
    else {
      if (r.cancelled.length > 0) io.out(`Cancelled Slurm job${r.cancelled.length === 1 ? "" : "s"} ${r.cancelled.join(", ")}.\n`);
      if (r.finished.length > 0) io.out(`Already finished: ${r.finished.join(", ")}.\n`);
    }
    return 0;
  },
};

/** The commands this module adds to `lfads`. */
export const queueCommands: readonly Command[] = [runCommand, runOneCommand, statusCommand, cancelCommand];
