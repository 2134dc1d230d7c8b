/**
 * A PBT member's fitness: its smoothed validation reconstruction cost, S_e = 0.3·S_{e−1} + 0.7·v_e with
 * S_0 = v_0, at its last epoch (reference §6, valid/recon_smth; lower is better). v_e is the sample-validation
 * cost `recon_sv_valid` of fitlog_diagnostics.csv when that column is present and filled for every epoch
 * (sample validation on: only it is blind to spikes copied through), else fitlog.csv's validation recon cost.
 * TF-free: reads the files the trainer writes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseFitLogLine } from "../posterior/fit-log.js";
import { FITLOG_DIAGNOSTICS_FILE, FITLOG_FILE } from "../runs/layout.js";

/** Weight of the newest epoch in the smoothed cost (lfads-torch and TF2 AutoLFADS: 0.7). */
export const FITNESS_SMOOTHING = 0.7;
/** The sample-validation column the trainer writes to fitlog_diagnostics.csv when sample validation is on. */
export const SV_VALID_COLUMN = "recon_sv_valid";

export interface MemberFitness {
  /** Smoothed cost at the last epoch; NaN when there is no epoch yet or a cost was not finite. */
  fitness: number;
  /** Per-epoch costs used. */
  values: number[];
  /** Which cost they are. */
  source: "recon_valid" | "recon_sv_valid";
  /** Global step of the last epoch (0 when none). */
  step: number;
}

/** S_e = (1 − α)·S_{e−1} + α·v_e, S_0 = v_0, for every epoch. */
export function smoothCosts(values: readonly number[], alpha = FITNESS_SMOOTHING): number[] {
  const out: number[] = [];
  for (const v of values) out.push(out.length === 0 ? v : (1 - alpha) * out[out.length - 1]! + alpha * v);
  return out;
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
  } catch {
    return [];
  }
}

/** `recon_sv_valid` per epoch when the column exists and every epoch has a number, else undefined. */
function svValues(outputDir: string, epochs: number): number[] | undefined {
  const [header, ...rows] = readLines(path.join(outputDir, FITLOG_DIAGNOSTICS_FILE));
  if (!header) return undefined;
  const col = header.split(",").indexOf(SV_VALID_COLUMN);
  if (col < 0 || rows.length !== epochs || epochs === 0) return undefined;
  const values = rows.map((r) => r.split(",")[col]?.trim() ?? "");
  if (values.some((v) => v === "")) return undefined;
  return values.map(Number);
}

/** The fitness of the run whose outputs are in `outputDir` (module comment). */
export function readMemberFitness(outputDir: string, alpha = FITNESS_SMOOTHING): MemberFitness {
  const file = path.join(outputDir, FITLOG_FILE);
  const rows = readLines(file).map((l, i) => parseFitLogLine(l, `${file} line ${i + 1}`));
  const sv = svValues(outputDir, rows.length);
  const values = sv ?? rows.map((r) => r.recon_valid);
  const smoothed = smoothCosts(values, alpha);
  const last = smoothed.at(-1);
  return { fitness: last !== undefined && Number.isFinite(last) ? last : NaN, values, source: sv ? "recon_sv_valid" : "recon_valid", step: rows.at(-1)?.step ?? 0 };
}
