/**
 * Replay the trainer's divergence watch (src/train/divergence.ts, default rule) over existing fit logs:
 * would training have fired it, and where? Used on the fit-quality grid's logs (bench/fit.ts) to show that
 * runs trained before the watch existed are the runs the current trainer trains (the watch acts only
 * when it fires; the diagnostics change no numbers).
 *
 * Usage: node --import tsx scripts/divergence-replay.ts <fitlog.csv> [...]
 * Prints, per file, the epochs and verdicts, or "no verdict"; exits 0 either way.
 */
import * as fs from "node:fs";
import { FitLog } from "../src/posterior/fit-log.js";
import { DivergenceWatch } from "../src/train/divergence.js";

for (const file of process.argv.slice(2)) {
  const log = FitLog.parse(fs.readFileSync(file, "utf8"), file);
  const watch = new DivergenceWatch();
  const verdicts: string[] = [];
  for (const [i, r] of log.rows.entries()) {
    // The trainer's rampsDone is "both ramp weights at 1"; the fit log prints them with two decimals, so an
    // epoch whose weight rounds to 1.00 counts here one epoch early at most.
    const v = watch.observe({ validTotal: r.total_valid, validKl: r.kl_valid, rampsDone: r.kl_weight >= 1 && r.l2_weight >= 1 });
    if (v) verdicts.push(`epoch ${i} (step ${r.step}): ${v.rule}: ${v.text}`);
  }
  console.log(`${file}: ${log.rows.length} epochs, ${verdicts.length ? `${verdicts.length} verdict(s)\n  ${verdicts.join("\n  ")}` : "no verdict"}`);
}
