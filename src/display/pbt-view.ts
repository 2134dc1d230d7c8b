/**
 * PBT's live view: one row per member (generation, step, state, fitness, which member it copied, its
 * hyperparameters) as an HTML table that a notebook updates in place, or event lines on a terminal. The
 * PBT driver (src/pbt) fills a PbtProgress; the rows come from the ledger (runs/pbt-ledger.ts), so the
 * same table renders a finished PBT from its ledger alone (`pbtLedgerRows`).
 */
import { escapeHtml, formatG } from "../core/format.js";
import type { PbtLedger } from "../runs/pbt-ledger.js";
import { inKernel, newDisplayId, sendToKernel, writeText } from "./bridge.js";
import { renderTableHtml, renderTableText } from "./table.js";

export type PbtMemberState = "planned" | "queued" | "training" | "trained" | "failed" | "best";

export interface PbtMemberRow {
  member: string;
  generation: number;
  state: PbtMemberState;
  step: number | null;
  targetStep: number;
  fitness: number | null;
  copiedFrom: string | null;
  hyperparameters: Readonly<Record<string, number>>;
  /** "epoch 3, step 120" while training, or why it failed. */
  detail?: string;
}

export interface PbtProgress {
  rcDir: string;
  generation: number;
  maxGenerations: number;
  /** What the driver does now: "training", "evaluating", "exploiting", "sampling", "done", "stopped". */
  phase: string;
  elapsedMs: number;
  members: readonly PbtMemberRow[];
  /** Best fitness of each evaluated generation. */
  bestByGeneration: readonly (number | null)[];
  finished: boolean;
}

/** The rows of the ledger's latest generation (the best member marked once chosen). */
export function pbtLedgerRows(ledger: PbtLedger): PbtMemberRow[] {
  const gen = ledger.generations.at(-1);
  if (!gen) return [];
  return gen.members.map((m) => ({
    member: m.member,
    generation: gen.generation,
    state: ledger.best?.member === m.member && ledger.best.generation === gen.generation ? "best" : m.failed ? "failed" : m.fitness !== null || (m.step ?? 0) >= gen.targetStep ? "trained" : gen.applied ? "queued" : "planned",
    step: m.step,
    targetStep: gen.targetStep,
    fitness: m.fitness,
    copiedFrom: m.copiedFrom,
    hyperparameters: m.hyperparameters,
    ...(m.failed ? { detail: m.failed } : {}),
  }));
}

/** `pbt: generation 3/10 · training · best 1234.5 · 2m05s`. */
export function pbtProgressLine(p: PbtProgress): string {
  const best = p.bestByGeneration.filter((x): x is number => x !== null);
  const bestText = best.length > 0 ? ` · best ${formatG(Math.min(...best), 6)}` : "";
  const mins = Math.floor(p.elapsedMs / 60000);
  const secs = Math.round((p.elapsedMs % 60000) / 1000);
  return `pbt: generation ${p.generation + 1}/${p.maxGenerations} · ${p.phase}${bestText} · ${mins > 0 ? `${mins}m` : ""}${String(secs).padStart(mins > 0 ? 2 : 1, "0")}s`;
}

const STATE_COLOR: Record<PbtMemberState, string> = { planned: "#888", queued: "#888", training: "#1f77b4", trained: "#2ca02c", failed: "#d62728", best: "#9467bd" };

/** Table records: fixed columns, then one column per hyperparameter. */
function tableRecords(rows: readonly PbtMemberRow[]): Record<string, unknown>[] {
  return rows.map((r) => ({
    member: r.member,
    generation: r.generation + 1,
    state: r.state,
    step: `${r.step ?? 0}/${r.targetStep}`,
    fitness: r.fitness,
    copied: r.copiedFrom ?? "",
    ...Object.fromEntries(Object.entries(r.hyperparameters).map(([k, v]) => [k, formatG(v, 4)])),
    detail: r.detail ?? "",
  }));
}

export function pbtProgressHtml(p: PbtProgress): string {
  const rows = p.members;
  const table = renderTableHtml(tableRecords(rows), {
    limit: Infinity,
    style: { row: (i) => (rows[i] ? `color:${STATE_COLOR[rows[i].state]}` : undefined) },
  });
  return `<div class="lfads-pbt" style="font-family:sans-serif;font-size:13px"><div style="font-family:monospace">${escapeHtml(pbtProgressLine(p))}</div>${table}<div style="color:#666">${escapeHtml(p.rcDir)}</div></div>`;
}

export function pbtProgressText(p: PbtProgress): string {
  return `${pbtProgressLine(p)}\n${renderTableText(tableRecords(p.members), { limit: Infinity })}`;
}

export interface PbtDisplay {
  /** Something changed (a generation, a member's state): in a notebook a redraw, elsewhere the line. */
  event(p: PbtProgress, line: string): void;
  /** Periodic redraw (notebook only). */
  tick(p: PbtProgress): void;
  finish(p: PbtProgress): void;
}

/** The built-in display: an HTML table updated in place in a notebook; event lines elsewhere, the table at the end. */
export function pbtDisplay(): PbtDisplay {
  const id = newDisplayId();
  let sent = false;
  let lastTick = 0;
  const kernel = (p: PbtProgress): boolean => {
    if (!inKernel()) return false;
    sendToKernel({ "text/plain": pbtProgressLine(p), "text/html": pbtProgressHtml(p) }, id, sent);
    sent = true;
    return true;
  };
  return {
    event(p, line) {
      if (!kernel(p)) writeText(`${line}\n`);
    },
    tick(p) {
      const now = Date.now();
      if (now - lastTick < 1000) return;
      lastTick = now;
      kernel(p);
    },
    finish(p) {
      if (!kernel(p)) writeText(`${pbtProgressText(p)}\n`);
    },
  };
}
