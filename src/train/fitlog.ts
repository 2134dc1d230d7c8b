/**
 * fitlog.csv in the TF LFADS format (lfads.py train_model): one line per epoch,
 *   epoch,<i>, step,<s>, total,<tr>,<va>,       recon,<tr>,<va>, kl,<tr>,<va>, l2,<l2>,       klweight,<w>, l2weight,<w>
 * numbers %.2f except l2 (%.5f); the runs of 7 spaces come from Python backslash continuations inside
 * the format string. "kl" is the un-ramped KL cost, "total" includes the ramped KL and L2.
 * The file is rewritten atomically from the lines kept in memory (and in every checkpoint), so after
 * a restart it holds exactly the epochs of the checkpoint it resumed from.
 */
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { FITLOG_FILE } from "../runs/layout.js";

export interface EpochCosts {
  total: number;
  recon: number;
  kl: number;
}

export interface FitlogRow {
  epoch: number;
  step: number;
  train: EpochCosts;
  valid: EpochCosts;
  l2: number;
  klWeight: number;
  l2Weight: number;
}

/**
 * Python's "%.{digits}f": rounds the exact binary value like toFixed, except that exact ties go to
 * the even digit (toFixed rounds them up: 9.125 → "9.13", Python "9.12"); nan/inf spelled as Python.
 */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x < 0 || Object.is(x, -0)) return `-${pyFixed(-x, digits)}`;
  // toFixed prints exact decimal digits of the binary value, so a tie shows as "…5000…0" at 100 digits.
  const exact = x.toFixed(100);
  const cut = exact.length - 100 + digits;
  if (exact[cut] === "5" && /^0*$/.test(exact.slice(cut + 1))) {
    const kept = exact.slice(0, cut);
    const lastDigit = Number(kept[kept.length - 1] === "." ? kept[kept.length - 2] : kept[kept.length - 1]);
    if (lastDigit % 2 === 0) return kept.endsWith(".") ? kept.slice(0, -1) : kept; // round down to the even digit
  }
  return x.toFixed(digits);
}

const f2 = (x: number): string => pyFixed(x, 2);

export function fitlogLine(r: FitlogRow): string {
  const gap = ",       ";
  return (
    `epoch,${r.epoch}, step,${r.step}, total,${f2(r.train.total)},${f2(r.valid.total)}${gap}` +
    `recon,${f2(r.train.recon)},${f2(r.valid.recon)}, kl,${f2(r.train.kl)},${f2(r.valid.kl)}, l2,${pyFixed(r.l2, 5)}${gap}` +
    `klweight,${f2(r.klWeight)}, l2weight,${f2(r.l2Weight)}`
  );
}

export function writeFitlog(outDir: string, lines: readonly string[]): void {
  writeFileAtomic(path.join(outDir, FITLOG_FILE), lines.map((l) => `${l}\n`).join(""));
}
