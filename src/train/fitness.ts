/**
 * A trained run's validation cost per epoch, as a tuner (population-based training) compares runs by:
 * the validation reconstruction cost of fitlog.csv and, under sample validation, the held-out
 * elements' cost `recon_sv_valid` of fitlog_diagnostics.csv — the honest one when the model could copy
 * spikes through (augmentation.ts). Both files are rewritten atomically at every epoch's end, so they
 * can be read while the run trains. TF-free.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCsvNumber, splitCsvLine } from "../core/csv.js";
import { DataError } from "../core/errors.js";
import { parseFitLogLine } from "../runs/fit-log-line.js";
import { FITLOG_DIAGNOSTICS_FILE, FITLOG_FILE, runOutputDir } from "../runs/layout.js";

export interface FitnessPoint {
  epoch: number;
  /** Global step at the end of the epoch. */
  step: number;
  /** Validation reconstruction cost (nats per trial; fitlog.csv, 2 decimals). */
  validRecon: number;
  /** Sample validation's held-out reconstruction cost (nats per trial); undefined when SV is off. */
  validReconSv: number | undefined;
}

/** epoch, step and valid recon per fitlog.csv line (the shared label-driven parser). */
function readFitlog(file: string): Omit<FitnessPoint, "validReconSv">[] {
  return fs.readFileSync(file, "utf8").split(/\r?\n/).flatMap((line, k) => {
    if (line.trim() === "") return [];
    const row = parseFitLogLine(line, `${file} line ${k + 1}`);
    return [{ epoch: row.epoch, step: row.step, validRecon: row.recon_valid }];
  });
}

/** recon_sv_valid by epoch, for the epochs whose field is not empty. */
function readSvValid(file: string): Map<number, number> {
  const out = new Map<number, number>();
  if (!fs.existsSync(file)) return out;
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return out;
  const header = splitCsvLine(lines[0]!).map((h) => h.trim());
  const iEpoch = header.indexOf("epoch");
  const iSv = header.indexOf("recon_sv_valid");
  if (iEpoch < 0) throw new DataError(`${file}: the header row has no 'epoch' column (header: ${lines[0]})`);
  if (iSv < 0) return out;
  for (const line of lines.slice(1)) {
    const f = splitCsvLine(line);
    if ((f[iSv] ?? "").trim() !== "") out.set(parseCsvNumber(f[iEpoch]), parseCsvNumber(f[iSv]));
  }
  return out;
}

/**
 * Per epoch of the run in `runDir` (a run folder with `lfadsOutput/`, or a folder holding fitlog.csv
 * itself, as `lfads run-lfads --lfads_save_dir` writes): the step, the validation reconstruction cost and,
 * under sample validation, the held-out one. [] before the first epoch has ended.
 */
export function validationFitnessSeries(runDir: string): FitnessPoint[] {
  const dir = fs.existsSync(path.join(runDir, FITLOG_FILE)) ? runDir : runOutputDir(runDir);
  const fitlog = path.join(dir, FITLOG_FILE);
  if (!fs.existsSync(fitlog)) return [];
  const sv = readSvValid(path.join(dir, FITLOG_DIAGNOSTICS_FILE));
  return readFitlog(fitlog).map((r) => ({ ...r, validReconSv: sv.get(r.epoch) }));
}
