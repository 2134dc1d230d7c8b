/**
 * The PBT's live state for `onProgress` and the display: the ledger's latest generation as member rows,
 * with each member's live queue state (queued, training and its epoch) laid over them.
 */
import { pbtDisplay, pbtLedgerRows, type PbtDisplay, type PbtMemberRow, type PbtProgress } from "../display/pbt-view.js";
import type { PbtLedger } from "../runs/pbt-ledger.js";
import type { PbtOptions } from "./options.js";

export class PbtReporter {
  private readonly t0 = Date.now();
  private readonly display: PbtDisplay | undefined;
  private live = new Map<string, { state: PbtMemberRow["state"]; detail?: string }>();
  phase = "starting";

  constructor(
    private readonly rcDir: string,
    private readonly ledger: PbtLedger,
    private readonly options: PbtOptions,
  ) {
    this.display = options.display === false ? undefined : pbtDisplay();
  }

  snapshot(finished = false): PbtProgress {
    const gen = this.ledger.generations.at(-1);
    const members = pbtLedgerRows(this.ledger).map((r) => {
      const l = r.state === "trained" || r.state === "failed" || r.state === "best" ? undefined : this.live.get(r.member);
      return l ? { ...r, state: l.state, ...(l.detail ? { detail: l.detail } : {}) } : r;
    });
    const bestByGeneration = this.ledger.generations.filter((g) => g.evaluated).map((g) => {
      const f = g.members.map((m) => m.fitness).filter((x): x is number => x !== null);
      return f.length > 0 ? Math.min(...f) : null;
    });
    return { rcDir: this.rcDir, generation: gen?.generation ?? 0, maxGenerations: this.ledger.maxGenerations, phase: this.phase, elapsedMs: Date.now() - this.t0, members, bestByGeneration, finished };
  }

  /** A member's live state (from the queue). */
  member(name: string, state: "queued" | "training", detail?: string): void {
    this.live.set(name, { state, ...(detail ? { detail } : {}) });
    const p = this.snapshot();
    this.options.onProgress?.(p);
    this.display?.tick(p);
  }

  /** A new generation starts: the live states of the last one are dropped. */
  newGeneration(): void {
    this.live = new Map();
  }

  event(phase: string, line: string): void {
    this.phase = phase;
    const p = this.snapshot();
    this.options.onProgress?.(p);
    this.display?.event(p, line);
  }

  finish(phase: string): PbtProgress {
    this.phase = phase;
    const p = this.snapshot(true);
    this.options.onProgress?.(p);
    this.display?.finish(p);
    return p;
  }
}
