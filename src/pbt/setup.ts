/**
 * Everything `pbt()` decides before training: the starting run (the collection's first run, or the one the
 * ledger names), its params and data shape, the checked options and search space, and the ledger — read
 * back when one exists (then the settings must match: a rerun of the same command continues), else the
 * first generation's draws. Nothing is written here; every bad input is an error before any training.
 */
import * as path from "node:path";
import { ParamError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { RunParams } from "../params/run-params.js";
import { checkRunInputs, discoverRuns } from "../queue/sweep-runs.js";
import { inputSummary } from "../run-lfads/files.js";
import { LFADS_INPUT_STEM, pbtMemberName, runInputDir } from "../runs/layout.js";
import { PBT_LEDGER_FORMAT, PBT_LEDGER_VERSION, readPbtLedger, type PbtLedger, type PbtSettings } from "../runs/pbt-ledger.js";
import type { RunCollection } from "../runs/run-collection.js";
import { readRunParamsFile } from "../runs/run-params-file.js";
import { memberDir, memberParams } from "./members.js";
import { planPbt, targetStep, type PbtOptions, type PbtPlan } from "./options.js";
import { drawInitial, resolveSearchSpace, type SearchDimension } from "./search-space.js";

/** What the driver works with. */
export interface PbtContext {
  rcDir: string;
  startId: string;
  startDir: string;
  startParams: RunParams;
  datasetNames: string[];
  plan: PbtPlan;
  space: SearchDimension[];
  ledger: PbtLedger;
  /** The ledger was read from disk (a resumed PBT). */
  resumed: boolean;
  memberDirs: string[];
  options: PbtOptions;
}

/** Where the first run of a collection object or folder is. */
function startRunOf(source: RunCollection | string, rcDir: string, wanted: string | undefined): { id: string; dir: string } {
  const runs = typeof source === "string" ? discoverRuns(rcDir) : source.runList.map((r) => ({ id: path.relative(rcDir, path.resolve(r.path)).split(path.sep).join("/"), dir: path.resolve(r.path) }));
  if (runs.length === 0) throw new ParamError(`pbt: the collection ${rcDir} has no runs; add params and a run spec and prepare it (its first run is PBT's starting point)`);
  if (wanted === undefined) return runs[0]!;
  const hit = runs.find((r) => r.id === wanted);
  if (!hit) throw new ParamError(`pbt: startRun '${wanted}' is not a run of ${rcDir}; its runs are ${runs.map((r) => r.id).join(", ")}`);
  return hit;
}

function settingsOf(plan: PbtPlan, space: readonly SearchDimension[]): PbtSettings {
  return {
    population: plan.population, generationSteps: plan.generationSteps, burnInSteps: plan.burnInSteps, seed: plan.seed,
    exploit: plan.exploit, exploitFraction: plan.exploitFraction, smoothing: plan.smoothing, searchSpace: space.map((d) => ({ ...d })),
  };
}

/** A rerun must train the same PBT: every setting but the budget must match the ledger's. */
function checkSameSettings(ledger: PbtLedger, settings: PbtSettings, rcDir: string): void {
  const old = ledger.settings as unknown as Record<string, unknown>;
  const now = settings as unknown as Record<string, unknown>;
  for (const k of Object.keys(now)) {
    if (JSON.stringify(old[k]) !== JSON.stringify(now[k])) {
      throw new ParamError(
        `pbt: ${path.join(rcDir, "pbt")} holds a PBT started with ${k} = ${JSON.stringify(old[k])}, but this call gives ${JSON.stringify(now[k])}; ` +
          `rerun with the same settings to continue it (only generations and maxSteps may change), or delete that folder to start a new one`,
      );
    }
  }
}

/** The first generation: member 0 keeps the start's values, the others draw theirs from the search space. */
function firstGeneration(ctx: Omit<PbtContext, "ledger" | "resumed" | "memberDirs" | "options">): PbtLedger["generations"][number] {
  const rng = new Rng(ctx.plan.seed * 7919 + 1);
  const members = Array.from({ length: ctx.plan.population }, (_, k) => {
    const hyperparameters = Object.fromEntries(ctx.space.map((d) => [d.name, k === 0 ? Number(ctx.startParams.values[d.name as keyof RunParams["values"]]) : drawInitial(d, rng)]));
    memberParams(ctx.startParams, hyperparameters); // a value RunParams refuses fails here, before training
    return { member: pbtMemberName(k, ctx.plan.population), hyperparameters, copiedFrom: null, step: null, fitness: null };
  });
  return { generation: 0, targetStep: targetStep(ctx.plan, 0), applied: false, evaluated: false, members };
}

/** Resolve the start, the options and the ledger (module comment). */
export async function setupPbt(source: RunCollection | string, options: PbtOptions): Promise<PbtContext> {
  const rcDir = path.resolve(typeof source === "string" ? source : source.path);
  const existing = readPbtLedger(rcDir);
  const start = startRunOf(source, rcDir, options.startRun ?? existing?.startRun);
  await checkRunInputs(start.dir);
  const startParams = readRunParamsFile(start.dir).params;
  const summary = await inputSummary(runInputDir(start.dir), LFADS_INPUT_STEM);
  const datasetNames = summary.datasetNames.map((n) => n.replace(/\.h5$/, ""));
  const plan = planPbt(options, startParams, Math.max(1, datasetNames.length));
  // The reconstructed elements per trial: T_rec × N_rec where the inputs have held-out neurons and forward bins.
  const first = summary.datasets[0];
  const shape = { bins: summary.reconSteps ?? summary.numSteps, neurons: first ? (first.numReconNeurons ?? first.numNeurons) : 1, controller: Number(startParams.values.c_co_dim) > 0 };
  const space = resolveSearchSpace(shape, options.searchSpace);
  const base = { rcDir, startId: start.id, startDir: start.dir, startParams, datasetNames, plan, space };
  const memberDirs = Array.from({ length: plan.population }, (_, k) => memberDir(rcDir, k, plan.population));
  const settings = settingsOf(plan, space);
  if (existing) {
    checkSameSettings(existing, settings, rcDir);
    existing.maxGenerations = plan.maxGenerations;
    if (existing.stopped?.reason === "max_generations" && existing.generations.length < plan.maxGenerations) delete existing.stopped;
    return { ...base, ledger: existing, resumed: true, memberDirs, options };
  }
  const ledger: PbtLedger = {
    format: PBT_LEDGER_FORMAT, formatVersion: PBT_LEDGER_VERSION, startRun: start.id, created: new Date().toISOString(),
    settings, maxGenerations: plan.maxGenerations, generations: [],
  };
  ledger.generations.push(firstGeneration(base));
  return { ...base, ledger, resumed: false, memberDirs, options };
}
