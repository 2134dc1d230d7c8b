/**
 * The PBT section of an HTML report, from a ledger: what was trained and why it stopped, the figure of
 * fitness and hyperparameters across generations (plotPbt), and the last generation's members with the
 * best one's scores.
 */
import { formatG } from "../../core/format.js";
import type { PbtLedger } from "../../runs/pbt-ledger.js";
import { pbtLedgerRows } from "../pbt-view.js";
import { plotPbt } from "../plots/pbt.js";
import type { ReportSection } from "./report.js";

/** One report section for a PBT (module comment). */
export function pbtReportSection(ledger: PbtLedger, heading = "Population-based training"): ReportSection {
  const s = ledger.settings;
  const done = ledger.generations.filter((g) => g.evaluated).length;
  const best = ledger.best;
  const scores = (best?.scores ?? []).map((x) => [x.r2 === undefined ? "" : `${x.dataset}: valid R² ${x.r2.toFixed(3)}`, x.bitsPerSpike === undefined ? "" : `${x.bitsPerSpike.toFixed(3)} bits/spike`].filter(Boolean).join(", ")).filter(Boolean);
  const text = [
    `From ${ledger.startRun}: ${s.population} members, ${done} generation${done === 1 ? "" : "s"} of ${s.generationSteps} steps (the first ${s.burnInSteps} more), ${s.exploit} exploit, seed ${s.seed}. ` +
      `Tuned: ${s.searchSpace.map((d) => `${d.name} [${formatG(d.lo, 3)}, ${formatG(d.hi, 3)}] ${d.scale}`).join("; ")}.`,
    ledger.stopped ? `Stopped after generation ${ledger.stopped.generation + 1}: ${ledger.stopped.reason === "improvement_ratio" ? "the best fitness stopped improving (improvement-ratio rule)" : "the generation budget was used"}.` : "Still running.",
    best ? `Best member: ${best.member} (generation ${best.generation + 1}, fitness ${formatG(best.fitness, 6)})${scores.length > 0 ? ` — ${scores.join("; ")}` : ""}.` : "",
  ].filter(Boolean).join("\n\n");
  const table = pbtLedgerRows(ledger).map((r) => ({
    member: r.member, state: r.state, step: r.step ?? 0, fitness: r.fitness, copied: r.copiedFrom ?? "",
    ...Object.fromEntries(Object.entries(r.hyperparameters).map(([k, v]) => [k, formatG(v, 4)])),
  }));
  return { heading, text, ...(ledger.generations.some((g) => g.applied) ? { figure: plotPbt(ledger) } : {}), table };
}
