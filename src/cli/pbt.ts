/**
 * `lfads pbt <rcDir>`: population-based training over a prepared collection (src/pbt). Members train on
 * the local pool (--workers) or as one Slurm job array per generation (--slurm …). Ctrl-C stops the
 * members; the same command continues from the ledger.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, type ParsedArgs } from "./args.js";
import type { Command } from "./command.js";
import { SLURM_ONLY, SLURM_OPTIONS, slurmOptionsOf } from "./queue-commands.js";
import { intOption, signalExitCode, withStopSignals } from "./train.js";

/** `--search-space`: JSON text or a JSON file, of overrides by name or a whole space (an array). */
function searchSpaceOf(args: ParsedArgs): unknown {
  const raw = args.options["search-space"];
  if (typeof raw !== "string") return undefined;
  const text = fs.existsSync(raw) ? fs.readFileSync(raw, "utf8") : raw;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--search-space expects JSON (or a JSON file), e.g. '{"c_learning_rate_init": {"lo": 1e-4, "hi": 1e-2}, "c_l2_con_scale": false}'; got ${JSON.stringify(raw.slice(0, 80))} (${(e as Error).message})`);
  }
}

function required(args: ParsedArgs, name: string, min: number): number {
  const v = intOption(args, name, min);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export const pbtCommand: Command = {
  name: "pbt",
  summary: "population-based training (AutoLFADS) from the first run of a prepared collection",
  usage: "<rcDir> --population <n> --generations <g> --generation-steps <s> [--workers <w> | --slurm [slurm options]]",
  description: [
    "Trains --population members from the collection's first run (its params, data and layout), --generation-steps steps",
    "per generation (the first adds --burn-in steps, default the KL/L2 ramps), for at most --generations generations or",
    "--max-steps steps per member. After each generation the members' fitness (smoothed validation reconstruction cost)",
    "decides a binary tournament: each loser copies its winner's checkpoint and optimizer state and perturbs its",
    "hyperparameters. It stops early when the best fitness stops improving; the best member is then sampled and scored.",
    "Members are run folders in <rcDir>/pbt/members/; the ledger <rcDir>/pbt/ledger.json records every generation.",
    "Ctrl-C stops it; run the same command to continue. 'lfads status <rcDir>' shows the population.",
    "",
    "Examples:",
    "  lfads pbt runs/example --population 8 --generations 20 --generation-steps 200 --workers 2",
    "  lfads pbt runs/example --population 20 --generations 50 --generation-steps 500 --slurm --cpus-per-task 4 --time 1:00:00",
  ].join("\n"),
  options: [
    { name: "population", type: "number", valueName: "<n>", help: "members trained side by side (AutoLFADS: 20)" },
    { name: "generations", type: "number", valueName: "<g>", help: "generations at most" },
    { name: "generation-steps", type: "number", valueName: "<s>", help: "training steps per generation" },
    { name: "burn-in", type: "number", valueName: "<n>", help: "extra steps of the first generation (default: until the KL/L2 ramps are done)" },
    { name: "max-steps", type: "number", valueName: "<n>", help: "step budget per member (default burn-in + generations × generation-steps)" },
    { name: "exploit", type: "string", valueName: "tournament|truncation", choices: ["tournament", "truncation"], help: "exploit rule (default tournament)" },
    { name: "exploit-fraction", type: "number", valueName: "<f>", help: "truncation: the fraction replaced (default 0.25)" },
    { name: "search-space", type: "string", valueName: "<json|file>", help: "changes to the default search space by name (false drops one), or a whole space (array)" },
    { name: "seed", type: "number", valueName: "<n>", help: "seed of draws, tournaments and perturbations (default 0)" },
    { name: "no-stop", type: "boolean", help: "run every generation (no improvement-ratio stop)" },
    { name: "samples", type: "number", valueName: "<n>", help: "posterior samples per trial for the best member" },
    { name: "train-args", type: "string", valueName: "'<args>'", help: "extra 'lfads train' arguments for every member, space-separated" },
    { name: "local", type: "boolean", help: "train on this machine (default)" },
    { name: "slurm", type: "boolean", help: "train each generation as one Slurm job array" },
    { name: "workers", type: "number", short: "j", valueName: "<n>", help: "--local: members trained at once (default: half the cores)" },
    { name: "threads", type: "number", valueName: "<n>", help: "--local: LFADS_THREADS per member (default: floor(cores / workers))" },
    ...SLURM_OPTIONS.filter((o) => o.name !== "dry-run"),
  ],
  positionals: [1, 1],
  async run(args, io) {
    const rcDir = path.resolve(args.positionals[0]!);
    if (args.options.local && args.options.slurm) throw new UsageError("choose --local or --slurm, not both");
    if (args.options.slurm) for (const o of ["workers", "threads"]) if (args.options[o] !== undefined) throw new UsageError(`--${o} is for --local; with --slurm use --cpus-per-task and --max-concurrent`);
    const misplaced = args.options.slurm ? undefined : SLURM_ONLY.find((o) => args.options[o] !== undefined);
    if (misplaced) throw new UsageError(`--${misplaced} is a Slurm option; add --slurm`);
    const { pbt } = await import("../pbt/pbt.js");
    const opt = (name: string, min = 0): number | undefined => intOption(args, name, min);
    const search = searchSpaceOf(args);
    const extra = typeof args.options["train-args"] === "string" ? (args.options["train-args"] as string).split(/\s+/).filter(Boolean) : [];
    const options = {
      population: required(args, "population", 1), generations: required(args, "generations", 1), generationSteps: required(args, "generation-steps", 1),
      ...(opt("burn-in") !== undefined ? { burnInSteps: opt("burn-in")! } : {}),
      ...(opt("max-steps", 1) !== undefined ? { maxSteps: opt("max-steps", 1)! } : {}),
      ...(typeof args.options["exploit"] === "string" ? { exploit: args.options["exploit"] as "tournament" | "truncation" } : {}),
      ...(typeof args.options["exploit-fraction"] === "number" ? { exploitFraction: args.options["exploit-fraction"] as number } : {}),
      ...(search !== undefined ? { searchSpace: search as Record<string, never> } : {}),
      ...(opt("seed") !== undefined ? { seed: opt("seed")! } : {}),
      ...(args.options["no-stop"] === true ? { stop: false as const } : {}),
      ...(opt("samples", 1) !== undefined ? { posteriorSamples: opt("samples", 1)! } : {}),
      ...(extra.length > 0 ? { trainArgs: extra } : {}),
      ...(args.options.slurm ? { slurm: slurmOptionsOf(args) } : { ...(opt("workers", 1) !== undefined ? { workers: opt("workers", 1)! } : {}), ...(opt("threads", 1) !== undefined ? { threads: opt("threads", 1)! } : {}) }),
    };
    const { value: r, received } = await withStopSignals(
      (signal) => pbt(rcDir, { ...options, signal }),
      (sig) => io.err(`\nlfads pbt: ${sig}: stopping the members (they resume from their checkpoints; run the same command to continue)\n`),
    );
    if (r.interrupted) return signalExitCode(received ?? "SIGTERM");
    const best = r.best;
    io.out(`lfads pbt: ${r.ledger.stopped ? `stopped after generation ${r.ledger.stopped.generation + 1} (${r.ledger.stopped.reason.replace("_", " ")})` : "done"}; ledger ${path.join(rcDir, "pbt", "ledger.json")}\n`);
    if (best) io.out(`  best member ${best.member}: fitness ${best.fitness.toFixed(3)}${(best.scores ?? []).map((s) => (s.r2 === undefined ? "" : `, ${s.dataset} valid R² ${s.r2.toFixed(3)}`)).join("")}\n`);
    return 0;
  },
};
