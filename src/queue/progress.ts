/**
 * One progress summary for a whole sweep — runs done / running / failed / queued, elapsed, ETA — as a
 * value (for callbacks), a terminal line, and an HTML table that a notebook updates in place.
 */
import { escapeHtml } from "../core/format.js";
import { inKernel, newDisplayId, sendToKernel, textIsTTY, writeText } from "../display/bridge.js";
import type { FailureInfo, Stage } from "./run-files.js";

export type SweepRunState = "queued" | "running" | "done" | "failed" | "skipped" | "busy" | "interrupted";

export interface SweepRunProgress {
  id: string;
  dir: string;
  state: SweepRunState;
  /** Stage of a running run. */
  stage?: Stage;
  /** ms since epoch when it started (running) / how long it took (finished). */
  startedAt?: number;
  durationMs?: number;
  /** "epoch 3, step 120" while training. */
  progress?: string;
  /** Failure reason / who holds a busy run. */
  message?: string;
  failure?: FailureInfo;
}

export interface SweepProgress {
  rcDir: string;
  total: number;
  /** Finished in this sweep. */
  done: number;
  running: number;
  failed: number;
  queued: number;
  /** Already done before the sweep started. */
  skipped: number;
  /** Being run by another process (another pool or a Slurm task). */
  busy: number;
  interrupted: number;
  workers: number;
  threadsPerWorker: number;
  elapsedMs: number;
  /** Estimated time to finish (from the mean time of the runs finished so far); undefined before the first one. */
  etaMs: number | undefined;
  finished: boolean;
  runs: readonly SweepRunProgress[];
}

/** 7s, 3m05s, 1h02m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** `sweep: 3/8 done, 2 running, 1 failed, 2 queued (1 skipped) · 1m05s · ETA 2m10s`. */
export function progressLine(p: SweepProgress): string {
  const complete = p.done + p.skipped;
  const parts = [`${complete}/${p.total} done`, `${p.running} running`, `${p.failed} failed`, `${p.queued} queued`];
  if (p.busy > 0) parts.push(`${p.busy} running elsewhere`);
  if (p.interrupted > 0) parts.push(`${p.interrupted} interrupted`);
  const extra = p.skipped > 0 ? ` (${p.skipped} already done)` : "";
  const eta = p.finished ? "" : p.etaMs === undefined ? "" : ` · ETA ${formatDuration(p.etaMs)}`;
  return `sweep: ${parts.join(", ")}${extra} · ${formatDuration(p.elapsedMs)}${eta}`;
}

const STATE_COLOR: Record<SweepRunState, string> = {
  queued: "#888",
  running: "#1f77b4",
  done: "#2ca02c",
  skipped: "#2ca02c",
  failed: "#d62728",
  busy: "#9467bd",
  interrupted: "#ff7f0e",
};

function runDetail(r: SweepRunProgress, now: number): string {
  if (r.state === "running") return [r.stage, r.progress, r.startedAt ? formatDuration(now - r.startedAt) : ""].filter(Boolean).join(" · ");
  if (r.state === "done") return r.durationMs !== undefined ? formatDuration(r.durationMs) : "";
  if (r.state === "skipped") return "already done";
  return r.message ?? "";
}

export function progressHtml(p: SweepProgress, now = Date.now()): string {
  const rows = p.runs
    .map(
      (r) =>
        `<tr><td style="text-align:left;font-family:monospace">${escapeHtml(r.id)}</td>` +
        `<td style="text-align:left;color:${STATE_COLOR[r.state]};font-weight:bold">${r.state}</td>` +
        `<td style="text-align:left">${escapeHtml(runDetail(r, now))}</td></tr>`,
    )
    .join("");
  const frac = p.total > 0 ? (p.done + p.skipped) / p.total : 1;
  return (
    `<div class="lfads-sweep" style="font-family:sans-serif;font-size:13px">` +
    `<div><progress value="${frac}" max="1" style="width:240px;vertical-align:middle"></progress> ` +
    `<span style="font-family:monospace">${escapeHtml(progressLine(p))}</span></div>` +
    `<table class="lfads-table" style="margin-top:4px"><thead><tr><th style="text-align:left">run</th><th style="text-align:left">state</th><th style="text-align:left">detail</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>` +
    `<div style="color:#666">${escapeHtml(p.rcDir)} · ${p.workers} worker${p.workers === 1 ? "" : "s"} × ${p.threadsPerWorker} thread${p.threadsPerWorker === 1 ? "" : "s"}</div></div>`
  );
}

/** How often a non-terminal log gets the summary line while runs go on. */
const LOG_LINE_EVERY_MS = 60_000;

export interface SweepDisplay {
  /** A run started or ended: on a terminal or in a log, one line for it; everywhere, a redraw. */
  event(p: SweepProgress, line: string): void;
  /** Periodic redraw (elapsed, ETA, training steps): in a notebook or on a terminal; in a log, a line a minute. */
  tick(p: SweepProgress): void;
  finish(p: SweepProgress): void;
}

/**
 * The built-in display. In a notebook: an HTML table updated in place. On a terminal: a line per
 * event and a summary line redrawn in place. Elsewhere (pipes, files, Slurm logs): a line per event and,
 * while runs go on, the summary line once a minute, so a long run's log shows it is alive.
 */
export function sweepDisplay(): SweepDisplay {
  const id = newDisplayId();
  let sent = false;
  let openLine = false;
  let lastTick = 0;
  let lastLogLine = Date.now();
  const kernel = (p: SweepProgress): boolean => {
    if (!inKernel()) return false;
    sendToKernel({ "text/plain": progressLine(p), "text/html": progressHtml(p) }, id, sent);
    sent = true;
    return true;
  };
  const clearLine = (): void => {
    if (openLine) writeText("\r\x1b[2K");
    openLine = false;
  };
  const drawLine = (p: SweepProgress): void => {
    writeText(`\r\x1b[2K${progressLine(p)}`);
    openLine = true;
  };
  return {
    event(p, line) {
      if (kernel(p)) return;
      if (textIsTTY()) {
        clearLine();
        writeText(`${line}\n`);
        drawLine(p);
      } else {
        writeText(`${line}\n`);
      }
    },
    tick(p) {
      const now = Date.now();
      if (now - lastTick < 500) return;
      lastTick = now;
      if (kernel(p)) return;
      if (textIsTTY()) drawLine(p);
      else if (now - lastLogLine >= LOG_LINE_EVERY_MS) {
        lastLogLine = now;
        writeText(`${progressLine(p)}\n`);
      }
    },
    finish(p) {
      if (kernel(p)) return;
      clearLine();
      writeText(`${progressLine(p)}\n`);
    },
  };
}
