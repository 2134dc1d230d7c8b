/**
 * `npm run bench:pbt`: PBT against the same starting point trained without PBT (issue #17). For each case
 * of bench/pbt-cases.ts: prepare the starting run, run `pbt()` on the local pool (the best member sampled
 * from its latest checkpoint and scored: valid R² against the true rates), then train the starting run
 * itself for as many steps as the best member's lineage trained (burn-in + generations × generation steps),
 * through the same queue, sample its latest checkpoint and score it the same way. Writes
 * bench/results/pbt.json after every case (cases of other names already there are kept):
 *
 *   { machine, cases: [{ name, start, pbt_r2, fixed_r2, minutes, population, generations, … }] }
 *
 * A killed bench resumes: the PBT continues from its ledger and the fixed run from its checkpoint.
 *
 * Coordinated dropout, side by side: the default search space has it for a start with a controller and leaves
 * it out for one without (src/pbt/search-space.ts). --no-cd runs a case's PBT again with it off (c_keep_ratio
 * 1, out of the space; a case with a controller) and stores that as the case's `no_cd` entry; --cd runs it
 * again with it searched as AutoLFADS does (a case without a controller) and stores `cd`. Each holds the
 * best member's fitness (smoothed valid reconstruction cost, lower is better) and its R², to show whether
 * without coordinated dropout the fitness prefers a model that copies spikes through.
 *
 * Flags (all optional): --case <name>[,<name>] (default all), --population <n>, --generations <g>,
 * --generation-steps <s>, --burn-in <n>, --samples <n>, --workers <w> (default the case's, else half the cores),
 * --conditions <n> (fewer Lorenz conditions, for a quick check; at least 20 for the batch of 100), --out <file>, --work <dir> (default <tmp>/lfads-pbt-bench),
 * --seed <n> (PBT seed, and Lorenz data seed 21 + n: a repeat of a case on data nobody tuned on; default 0; give a
 *   repeat its own --out and --work, since a case's entry is replaced by name),
 * --default-space (AutoLFADS' default search space instead of the case's changes to it).
 * A quick check that everything runs (a minute or two):
 *   npm run bench:pbt -- --case lorenz_bad_start --population 2 --generations 1 --generation-steps 4 --burn-in 4 --samples 2 --conditions 20 --out /tmp/pbt-check.json
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../src/io/atomic.js";
import { RunParams } from "../src/params/run-params.js";
import { pbt } from "../src/pbt/pbt.js";
import type { SearchSpaceOverrides } from "../src/pbt/search-space.js";
import { runLocal } from "../src/queue/local.js";
import { PBT_CASES, prepareCase, type PbtCase } from "./pbt-cases.js";

interface PbtCaseResult {
  name: string;
  start: string;
  pbt_r2: number | null;
  fixed_r2: number | null;
  /** Wall minutes of the PBT (training and the best member's sampling). */
  minutes: number;
  fixed_minutes: number;
  population: number;
  /** Generations run (the stopping rule may end it before the budget). */
  generations: number;
  generation_steps: number;
  /** Members trained at once (threads each: cores / workers). */
  workers: number | null;
  /** The case's changes to AutoLFADS' default search space ({} = the default space). */
  search_space: SearchSpaceOverrides;
  /** PBT seed (initial draws, tournaments, perturbations); Lorenz cases also draw their data with seed 21 + this. */
  seed: number;
  burn_in_steps: number;
  /** Steps of the best member's lineage, and of the fixed run. */
  steps: number;
  best_member: string | null;
  best_fitness: number | null;
  best_hyperparameters: Record<string, number> | null;
  stopped: string | null;
  /** The same PBT with coordinated dropout off (--no-cd), or searched (--cd). */
  no_cd?: CdVariantResult;
  cd?: CdVariantResult;
}

interface CdVariantResult {
  pbt_r2: number | null;
  best_fitness: number | null;
  minutes: number;
  generations: number;
  steps: number;
  best_member: string | null;
  best_hyperparameters: Record<string, number> | null;
  stopped: string | null;
}

interface PbtJson {
  machine: { cpu: string; cores: number; node: string; date: string; loadavg_start: number[] };
  cases: PbtCaseResult[];
}

const ROOT = path.resolve(__dirname, "..");
const { values: flags } = parseArgs({
  options: {
    case: { type: "string" }, population: { type: "string" }, generations: { type: "string" }, "generation-steps": { type: "string" },
    "burn-in": { type: "string" }, samples: { type: "string" }, workers: { type: "string" }, conditions: { type: "string" }, seed: { type: "string" },
    "no-cd": { type: "boolean" }, cd: { type: "boolean" }, "default-space": { type: "boolean" }, out: { type: "string" }, work: { type: "string" },
  },
});

function int(name: Exclude<keyof typeof flags, "no-cd" | "cd" | "default-space">): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} expects a non-negative integer, got '${String(v)}'`);
  return n;
}

/** PBT seed, and Lorenz data seed 21 + this (--seed; read when used, so a bad value fails through main's catch). */
function seedFlag(): number {
  return int("seed") ?? 0;
}

function chosenCases(): PbtCase[] {
  const names = typeof flags.case === "string" ? flags.case.split(",").map((s) => s.trim()) : undefined;
  for (const n of names ?? []) if (!PBT_CASES.some((c) => c.name === n)) throw new Error(`--case: unknown case '${n}' (known: ${PBT_CASES.map((c) => c.name).join(", ")})`);
  return PBT_CASES.filter((c) => !names || names.includes(c.name));
}

interface CaseBudget {
  population: number;
  generations: number;
  generationSteps: number;
  burnInSteps: number | undefined;
  posteriorSamples: number;
  workers: number | undefined;
}

function budgetOf(c: PbtCase): CaseBudget {
  const b = c.budget;
  return {
    population: int("population") ?? b.population, generations: int("generations") ?? b.generations, generationSteps: int("generation-steps") ?? b.generationSteps,
    burnInSteps: int("burn-in") ?? b.burnInSteps, posteriorSamples: int("samples") ?? b.posteriorSamples, workers: int("workers") ?? b.workers,
  };
}

/** The case's changes to the default search space, unless --default-space. */
function spaceOf(c: PbtCase): SearchSpaceOverrides {
  return flags["default-space"] ? {} : (c.searchSpace ?? {});
}

/** Coordinated dropout in a run of the bench: as the default space has it, off, or searched. */
type CdChoice = "default" | "off" | "searched";

/** Prepare the start under `work` and run the PBT with coordinated dropout as `cd` says. */
async function runPbt(c: PbtCase, work: string, budget: CaseBudget, cd: CdChoice) {
  const { workers } = budget;
  const start = cd === "off" ? { ...c, params: { ...c.params, c_keep_ratio: 1 } } : c;
  const cdSpace: SearchSpaceOverrides = cd === "off" ? { c_keep_ratio: false } : cd === "searched" ? { c_keep_ratio: {} } : {};
  const searchSpace: SearchSpaceOverrides = { ...spaceOf(c), ...cdSpace };
  const seed = seedFlag();
  const rc = await prepareCase(start, work, "bench", int("conditions"), seed);
  const t0 = performance.now();
  const res = await pbt(rc, {
    seed,
    population: budget.population, generations: budget.generations, generationSteps: budget.generationSteps,
    ...(budget.burnInSteps !== undefined ? { burnInSteps: budget.burnInSteps } : {}), posteriorSamples: budget.posteriorSamples,
    ...(workers ? { workers } : {}), searchSpace,
  });
  const minutes = (performance.now() - t0) / 60000;
  const evaluated = res.ledger.generations.filter((g) => g.evaluated);
  const summary = {
    pbt_r2: res.best?.scores?.[0]?.r2 ?? null, best_fitness: res.best?.fitness ?? null, minutes, generations: evaluated.length,
    steps: evaluated.at(-1)!.targetStep, best_member: res.best?.member ?? null, best_hyperparameters: res.best?.hyperparameters ?? null,
    stopped: res.ledger.stopped?.reason ?? null,
  };
  return { rc, burnInSteps: res.ledger.settings.burnInSteps, summary };
}

async function runCase(c: PbtCase, work: string): Promise<PbtCaseResult> {
  const budget = budgetOf(c);
  const { rc, burnInSteps, summary } = await runPbt(c, work, budget, "default");
  // The same start, trained without PBT for the steps the best member's lineage trained, sampled and scored the same way.
  const t1 = performance.now();
  const fixed = await runLocal(rc, { workers: 1, trainArgs: ["--max-steps", String(summary.steps)], posteriorArgs: ["--checkpoint", "latest", "--samples", String(budget.posteriorSamples)] });
  if (!fixed.ok) throw new Error(`the fixed run failed: ${fixed.failed.map((f) => f.failure.reason).join("; ")}`);
  const [fixedScore] = await rc.runList[0]!.score({ reload: true });
  return {
    name: c.name, start: int("conditions") ? `${c.start} [data cut to ${int("conditions")} conditions]` : c.start,
    pbt_r2: summary.pbt_r2, fixed_r2: fixedScore?.r2 ?? null, minutes: summary.minutes, fixed_minutes: (performance.now() - t1) / 60000,
    population: budget.population, generations: summary.generations, generation_steps: budget.generationSteps, burn_in_steps: burnInSteps,
    workers: budget.workers ?? null, search_space: spaceOf(c), seed: seedFlag(),
    steps: summary.steps, best_member: summary.best_member, best_fitness: summary.best_fitness, best_hyperparameters: summary.best_hyperparameters,
    stopped: summary.stopped,
  };
}

async function main(): Promise<void> {
  const out = path.resolve(flags.out ?? path.join(ROOT, "bench", "results", "pbt.json"));
  const workRoot = path.resolve(flags.work ?? path.join(os.tmpdir(), "lfads-pbt-bench"));
  const prev = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, "utf8")) as PbtJson) : undefined;
  const json: PbtJson = {
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version, date: new Date().toISOString(), loadavg_start: os.loadavg() },
    cases: prev?.cases ?? [],
  };
  for (const c of chosenCases()) {
    if (flags["no-cd"] || flags.cd) {
      const variant = flags.cd ? "cd" : "no_cd";
      const flag = flags.cd ? "--cd" : "--no-cd";
      if (flags.cd && flags["no-cd"]) throw new Error("--cd and --no-cd: give one (each is a second run beside a case's default one)");
      // The default space already has coordinated dropout exactly when the start has a controller.
      const controller = Number(new RunParams(c.params).values.c_co_dim) > 0;
      if (controller === (variant === "cd")) throw new Error(`${flag}: ${c.name}'s default run already has coordinated dropout ${controller ? "searched (a controller)" : "out (no controller)"}; use --${controller ? "no-cd" : "cd"}`);
      const had = json.cases.find((x) => x.name === c.name);
      if (!had) throw new Error(`${flag}: run the case ${c.name} first (no entry for it in ${out})`);
      const seed = seedFlag();
      if ((had.seed ?? 0) !== seed) throw new Error(`${flag} --seed ${seed}: the entry for ${c.name} in ${out} is of seed ${had.seed ?? 0}; give the --out of the seed-${seed} run`);
      console.log(`bench:pbt: ${c.name}: the same PBT with coordinated dropout ${variant === "cd" ? "searched" : "off"}`);
      const { summary } = await runPbt(c, path.join(workRoot, `${c.name}_${variant}`), budgetOf(c), variant === "cd" ? "searched" : "off");
      had[variant] = summary;
      writeFileAtomic(out, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`bench:pbt: ${c.name} with coordinated dropout ${variant === "cd" ? "searched" : "off"}: R² ${summary.pbt_r2?.toFixed(3)}, fitness ${summary.best_fitness?.toFixed(4)} (default: R² ${had.pbt_r2?.toFixed(3)}, fitness ${had.best_fitness?.toFixed(4)}); written to ${out}`);
      continue;
    }
    console.log(`bench:pbt: ${c.name}: ${c.start}`);
    const r = await runCase(c, path.join(workRoot, c.name));
    json.cases = [...json.cases.filter((x) => x.name !== r.name), r];
    writeFileAtomic(out, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`bench:pbt: ${c.name}: PBT R² ${r.pbt_r2?.toFixed(3)} in ${r.minutes.toFixed(1)} min vs fixed ${r.fixed_r2?.toFixed(3)} (${r.steps} steps); written to ${out}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
