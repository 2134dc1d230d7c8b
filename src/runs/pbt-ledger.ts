/**
 * The ledger of a population-based training: `<rc.path>/pbt/ledger.json`, one record per generation and
 * member (its hyperparameters, the step it trained to, its fitness, which member it copied). The PBT
 * driver writes it atomically after every decision, so a driver killed at any moment resumes from it;
 * `lfads status`, the notebook table, the figure and the report read it. Plain data here (TF-free).
 */
import * as fs from "node:fs";
import { DataError } from "../core/errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { pbtLedgerPath } from "./layout.js";

export const PBT_LEDGER_FORMAT = "lfads-ts pbt ledger";
export const PBT_LEDGER_VERSION = 1;

/** One member in one generation. */
export interface PbtLedgerMember {
  /** Its run folder name, `member_03`. */
  member: string;
  /** The tuned hyperparameters it trains this generation with (RunParams names). */
  hyperparameters: Record<string, number>;
  /** The member whose checkpoint (weights and optimizer state) it took at the start of this generation; null if none. */
  copiedFrom: string | null;
  /** The step it reached (null until trained). */
  step: number | null;
  /** Smoothed validation cost at the end of the generation (null until evaluated, or not finite). */
  fitness: number | null;
  /** Whether its training this generation failed (it then loses every tournament). */
  failed?: string;
}

export interface PbtLedgerGeneration {
  generation: number;
  /** Every member trains to this global step in this generation. */
  targetStep: number;
  /** The copies and new params of this generation are on disk. */
  applied: boolean;
  /** Every member's fitness is recorded. */
  evaluated: boolean;
  members: PbtLedgerMember[];
}

/** The settings a PBT was started with; a rerun must give the same (except the budget). */
export interface PbtSettings {
  population: number;
  generationSteps: number;
  burnInSteps: number;
  seed: number;
  exploit: "tournament" | "truncation";
  exploitFraction: number;
  smoothing: number;
  searchSpace: { name: string; lo: number; hi: number; scale: "log" | "linear"; width: number; enforceBounds: boolean; init?: number }[];
}

export interface PbtBest {
  member: string;
  generation: number;
  fitness: number;
  hyperparameters: Record<string, number>;
  /** Scores of its sampled posterior (R² against the truth when known), per dataset. */
  scores?: { dataset: string; r2?: number; bitsPerSpike?: number }[];
}

export interface PbtLedger {
  format: typeof PBT_LEDGER_FORMAT;
  formatVersion: number;
  /** The starting run, `param_XXXXXX/<run name>`. */
  startRun: string;
  created: string;
  settings: PbtSettings;
  /** Generations at most (the budget). */
  maxGenerations: number;
  generations: PbtLedgerGeneration[];
  /** Why it stopped, once it has. */
  stopped?: { generation: number; reason: "improvement_ratio" | "max_generations" };
  best?: PbtBest;
}

/** The ledger of the collection at `rcPath`, or undefined when it has none. */
export function readPbtLedger(rcPath: string): PbtLedger | undefined {
  const file = pbtLedgerPath(rcPath);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  let doc: PbtLedger;
  try {
    doc = JSON.parse(text) as PbtLedger;
  } catch (e) {
    throw new DataError(`${file} is not valid JSON (${(e as Error).message}); it is written atomically, so something else changed it: restore it or delete the pbt/ folder to start over`);
  }
  if (doc.format !== PBT_LEDGER_FORMAT || !Array.isArray(doc.generations)) throw new DataError(`${file} is not a PBT ledger of lfads-ts (format ${JSON.stringify(doc.format)})`);
  if (doc.formatVersion > PBT_LEDGER_VERSION) throw new DataError(`${file} has formatVersion ${doc.formatVersion}, newer than this lfads-ts reads (${PBT_LEDGER_VERSION}); update lfads-ts`);
  return doc;
}

/** Write the ledger atomically (temp file, then rename). */
export function writePbtLedger(rcPath: string, ledger: PbtLedger): void {
  writeFileAtomic(pbtLedgerPath(rcPath), `${JSON.stringify(ledger, null, 2)}\n`);
}
