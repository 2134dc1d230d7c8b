/**
 * `lfads status` of a PBT collection: where the population stands, from the ledger and the members'
 * folders alone (which generation, each member's step, state, fitness and hyperparameters, the best member).
 */
import * as path from "node:path";
import { formatG } from "../core/format.js";
import { pbtLedgerRows, type PbtMemberRow } from "../display/pbt-view.js";
import { renderTableText } from "../display/table.js";
import { readRunning, trainProgress, describeProgress } from "../queue/run-files.js";
import { pbtMembersDir } from "../runs/layout.js";
import { readPbtLedger, type PbtLedger } from "../runs/pbt-ledger.js";
import { memberStep } from "./members.js";

export interface PbtStatus {
  rcDir: string;
  ledger: PbtLedger;
  /** The latest generation's members, with live states (training, from lfads.running) and steps read from their folders. */
  members: PbtMemberRow[];
}

/** The PBT of the collection at `rcDir`, or undefined when it has none. */
export function pbtStatus(rcDir: string): PbtStatus | undefined {
  const dir = path.resolve(rcDir);
  const ledger = readPbtLedger(dir);
  if (!ledger) return undefined;
  const members = pbtLedgerRows(ledger).map((r): PbtMemberRow => {
    const mdir = path.join(pbtMembersDir(dir), r.member);
    const running = readRunning(mdir);
    const step = memberStep(mdir);
    if (running?.alive) return { ...r, state: "training", step, detail: `${describeProgress(trainProgress(mdir))} · pid ${running.info.pid} on ${running.info.host}` };
    return { ...r, step: r.step ?? step };
  });
  return { rcDir: dir, ledger, members };
}

/** The text `lfads status` adds for a PBT collection. */
export function formatPbtStatus(s: PbtStatus): string {
  const l = s.ledger;
  const gen = l.generations.at(-1);
  const head = [
    `PBT from ${l.startRun}: population ${l.settings.population}, generation ${(gen?.generation ?? 0) + 1} of at most ${l.maxGenerations}, ${l.settings.generationSteps} steps each (burn-in ${l.settings.burnInSteps})`,
    l.stopped ? `stopped after generation ${l.stopped.generation + 1}: ${l.stopped.reason.replace("_", " ")}` : "in progress (rerun the same 'lfads pbt' command to continue it)",
    l.best ? `best: ${l.best.member} (generation ${l.best.generation + 1}, fitness ${formatG(l.best.fitness, 6)})${(l.best.scores ?? []).map((x) => (x.r2 === undefined ? "" : `, ${x.dataset} R² ${x.r2.toFixed(3)}`)).join("")}` : "",
  ].filter(Boolean);
  const rows = s.members.map((r) => ({
    member: r.member, state: r.state, step: `${r.step ?? 0}/${r.targetStep}`, fitness: r.fitness === null ? "" : formatG(r.fitness, 6), copied: r.copiedFrom ?? "",
    ...Object.fromEntries(Object.entries(r.hyperparameters).map(([k, v]) => [k, formatG(v, 4)])),
    detail: (r.detail ?? "").slice(0, 120),
  }));
  return `${head.join("\n")}\n\n${renderTableText(rows, { limit: Infinity })}\n`;
}
