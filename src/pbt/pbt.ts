/**
 * `pbt(rc, options)`: population-based training (AutoLFADS; reference nlb-nwb-autolfads.md §7) over a
 * prepared RunCollection whose first run is the starting point. Synchronous generations: every member
 * trains to the generation's target step (queue: local pool or one Slurm job array), its fitness is read
 * (smoothed validation reconstruction cost, fitness.ts), the ledger records it, the stopping rule is
 * checked, then exploit (losers copy winners' checkpoints, optimizer state included) and explore (the
 * copied hyperparameters perturbed) make the next generation. At the end the best member is sampled and
 * scored. Every decision is in `<rc.path>/pbt/ledger.json` (written atomically) before it is acted on, so
 * the same call after a kill continues where it stood.
 */
import { availableParallelism } from "node:os";
import { Rng } from "../core/rng.js";
import { writePbtLedger, type PbtBest, type PbtLedger, type PbtLedgerGeneration } from "../runs/pbt-ledger.js";
import { runOutputDir } from "../runs/layout.js";
import type { RunCollection } from "../runs/run-collection.js";
import { PbtError } from "./errors.js";
import { bestOf, sampleAndScore } from "./final.js";
import { readMemberFitness } from "./fitness.js";
import { trainGeneration } from "./generation.js";
import { cleanCopyLeftovers, copyMemberOutput, memberParams, memberStep, writeMember } from "./members.js";
import { targetStep, type PbtOptions } from "./options.js";
import { PbtReporter } from "./reporter.js";
import { perturb } from "./search-space.js";
import { shouldStop, tournament, truncation } from "./selection.js";
import { setupPbt, type PbtContext } from "./setup.js";

export interface PbtResult {
  rcDir: string;
  ledger: PbtLedger;
  /** The best member, sampled and scored (unless sampleBest was false or it was interrupted). */
  best: PbtBest | undefined;
  /** Stopped by the signal; the same call continues. */
  interrupted: boolean;
}

/** Put a generation's decisions on disk: losers take their winners' outputs; every member gets its params.json. */
function applyGeneration(ctx: PbtContext, gen: PbtLedgerGeneration): void {
  const byName = new Map(gen.members.map((m, k) => [m.member, k]));
  gen.members.forEach((m, k) => {
    const dir = ctx.memberDirs[k]!;
    cleanCopyLeftovers(dir);
    if (m.copiedFrom !== null) copyMemberOutput(ctx.memberDirs[byName.get(m.copiedFrom)!]!, dir);
    writeMember(dir, ctx.startDir, memberParams(ctx.startParams, m.hyperparameters), ctx.datasetNames);
  });
  gen.applied = true;
  writePbtLedger(ctx.rcDir, ctx.ledger);
}

/** Record every member's fitness (failed members: null, with the reason). */
function evaluateGeneration(ctx: PbtContext, gen: PbtLedgerGeneration, failed: ReadonlyMap<number, string>): void {
  gen.members.forEach((m, k) => {
    const f = readMemberFitness(runOutputDir(ctx.memberDirs[k]!), ctx.plan.smoothing);
    m.step = memberStep(ctx.memberDirs[k]!);
    const reason = failed.get(k);
    if (reason !== undefined) m.failed = reason;
    else delete m.failed;
    m.fitness = reason === undefined && Number.isFinite(f.fitness) ? f.fitness : null;
  });
  if (gen.members.every((m) => m.fitness === null)) {
    throw new PbtError(`pbt: every member failed in generation ${gen.generation}: ${gen.members.map((m) => `${m.member}: ${m.failed ?? "no finite validation cost"}`).join("; ")}`);
  }
  gen.evaluated = true;
  writePbtLedger(ctx.rcDir, ctx.ledger);
}

/** Exploit and explore: the next generation's members (copies and perturbed hyperparameters). */
function nextGeneration(ctx: PbtContext, gen: PbtLedgerGeneration): PbtLedgerGeneration {
  const rng = new Rng(ctx.plan.seed * 7919 + 1000 + gen.generation);
  const fitness = gen.members.map((m) => m.fitness ?? NaN);
  const replaced = ctx.plan.exploit === "tournament" ? tournament(fitness, rng) : truncation(fitness, ctx.plan.exploitFraction, rng);
  const members = gen.members.map((m) => ({ member: m.member, hyperparameters: { ...m.hyperparameters }, copiedFrom: null as string | null, step: null, fitness: null }));
  for (const r of replaced) {
    const winner = gen.members[r.winner]!;
    const hp = Object.fromEntries(ctx.space.map((d) => [d.name, perturb(d, winner.hyperparameters[d.name]!, rng)]));
    members[r.loser] = { member: members[r.loser]!.member, hyperparameters: hp, copiedFrom: winner.member, step: null, fitness: null };
  }
  return { generation: gen.generation + 1, targetStep: targetStep(ctx.plan, gen.generation + 1), applied: false, evaluated: false, members };
}

/** Whether to stop after `gen`; records why in the ledger. */
function stopAfter(ctx: PbtContext, gen: PbtLedgerGeneration): boolean {
  const ledger = ctx.ledger;
  if (ctx.plan.stop) {
    const best = ledger.generations.filter((g) => g.evaluated).map((g) => Math.min(...g.members.map((m) => m.fitness ?? Infinity)));
    if (shouldStop(best, ctx.plan.stop)) ledger.stopped = { generation: gen.generation, reason: "improvement_ratio" };
  }
  if (!ledger.stopped && gen.generation + 1 >= ctx.plan.maxGenerations) ledger.stopped = { generation: gen.generation, reason: "max_generations" };
  return ledger.stopped !== undefined;
}

/** One generation from wherever it stands; false when interrupted. */
async function runGeneration(ctx: PbtContext, gen: PbtLedgerGeneration, report: PbtReporter): Promise<boolean> {
  if (!gen.applied) applyGeneration(ctx, gen);
  if (gen.evaluated) return true;
  report.newGeneration();
  report.event("training", `pbt: generation ${gen.generation + 1}/${ctx.plan.maxGenerations}: training ${ctx.plan.population} members to step ${gen.targetStep}`);
  const out = await trainGeneration({
    rcDir: ctx.rcDir, dirs: ctx.memberDirs, targetStep: gen.targetStep, options: ctx.options,
    onMember: (k, state, detail) => report.member(gen.members[k]!.member, state, detail),
  });
  if (out.interrupted) return false;
  evaluateGeneration(ctx, gen, out.failed);
  const best = bestOf(gen);
  report.event("evaluated", `pbt: generation ${gen.generation + 1}: best ${best ? `${best.member} ${best.fitness.toFixed(3)}` : "none"}${out.failed.size > 0 ? `; ${out.failed.size} failed` : ""}`);
  return true;
}

/** Train a population (module comment). */
export async function pbt(rc: RunCollection | string, options: PbtOptions): Promise<PbtResult> {
  const ctx = await setupPbt(rc, options);
  const report = new PbtReporter(ctx.rcDir, ctx.ledger, options);
  writePbtLedger(ctx.rcDir, ctx.ledger);
  report.event("starting", `pbt: ${ctx.resumed ? "continuing" : "starting"} ${ctx.plan.population} members from ${ctx.startId} in ${ctx.rcDir}; tuning ${ctx.space.map((d) => d.name).join(", ")}`);
  for (;;) {
    const gen = ctx.ledger.generations.at(-1)!;
    if (!(await runGeneration(ctx, gen, report))) return { rcDir: ctx.rcDir, ledger: ctx.ledger, best: ctx.ledger.best, interrupted: (report.finish("interrupted"), true) };
    if (ctx.ledger.stopped || stopAfter(ctx, gen)) break;
    ctx.ledger.generations.push(nextGeneration(ctx, gen));
    writePbtLedger(ctx.rcDir, ctx.ledger);
  }
  writePbtLedger(ctx.rcDir, ctx.ledger);
  await finishBest(ctx, options, report);
  report.finish(options.signal?.aborted ? "interrupted" : "done");
  return { rcDir: ctx.rcDir, ledger: ctx.ledger, best: ctx.ledger.best, interrupted: options.signal?.aborted ?? false };
}

/** Choose, sample and score the best member of the last evaluated generation (once). */
async function finishBest(ctx: PbtContext, options: PbtOptions, report: PbtReporter): Promise<void> {
  const last = [...ctx.ledger.generations].reverse().find((g) => g.evaluated);
  const best = last ? bestOf(last) : undefined;
  if (!best) return;
  if (ctx.ledger.best?.member !== best.member || ctx.ledger.best.generation !== best.generation) ctx.ledger.best = best;
  writePbtLedger(ctx.rcDir, ctx.ledger);
  if (options.sampleBest === false || ctx.ledger.best.scores) return;
  report.event("sampling", `pbt: stopped (${ctx.ledger.stopped?.reason.replace("_", " ")}); sampling the best member ${best.member} (fitness ${best.fitness.toFixed(3)})`);
  const k = last!.members.findIndex((m) => m.member === best.member);
  const threads = options.threads ?? (options.slurm ? undefined : availableParallelism());
  ctx.ledger.best.scores = await sampleAndScore(ctx.memberDirs[k]!, memberParams(ctx.startParams, best.hyperparameters), ctx.datasetNames, {
    ...(options.posteriorSamples !== undefined ? { samples: options.posteriorSamples } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  writePbtLedger(ctx.rcDir, ctx.ledger);
  const r2 = ctx.ledger.best.scores.map((s) => (s.r2 === undefined ? "" : `${s.dataset} R² ${s.r2.toFixed(3)}`)).filter(Boolean).join(", ");
  report.event("done", `pbt: best member ${best.member}${r2 ? `: ${r2}` : ""}`);
}
