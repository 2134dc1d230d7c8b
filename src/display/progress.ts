/**
 * A throttled progress display: an HTML bar updated in place in Jupyter, a redrawn line on a terminal,
 * and an occasional log line when output goes to a file or pipe.
 */
import { escapeHtml } from "../core/format.js";
import { inKernel, textIsTTY } from "./bridge.js";
import { newDisplay } from "./show.js";

export interface ProgressOptions {
  /** Number of steps for 100% (e.g. epochs). */
  total: number;
  /** Text before the bar (default "progress"). */
  label?: string;
  /** Minimum time between redraws in Jupyter or on a terminal, in ms (default 250). */
  intervalMs?: number;
  /** Minimum time between lines when output is not a terminal, in ms (default 10000). */
  logIntervalMs?: number;
}

/** Extra values shown after the bar, e.g. `{ cost: 1.23, lr: 0.01 }`. */
export type ProgressInfo = Readonly<Record<string, string | number>>;

export interface Progress {
  /** Record that `done` of `total` steps are finished (redraws if the interval has passed). */
  update(done: number, info?: ProgressInfo): void;
  /** Final redraw (always shown). `done` defaults to the last value passed to `update`. */
  finish(final?: { done?: number; info?: ProgressInfo; message?: string }): void;
}

function fmt(v: string | number): string {
  return typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : String(v);
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Create a progress display. Nothing is shown until the first `update`. */
export function progress(options: ProgressOptions): Progress {
  const total = Math.max(0, options.total);
  const label = options.label ?? "progress";
  const t0 = Date.now();
  const handle = newDisplay();
  const interval = inKernel() || textIsTTY() ? (options.intervalMs ?? 250) : (options.logIntervalMs ?? 10000);
  let last = -Infinity;
  let lastDone = 0;
  let lastInfo: ProgressInfo | undefined;

  const render = (done: number, info: ProgressInfo | undefined, message: string | undefined) => {
    const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
    const pct = `${Math.floor(frac * 100)}%`;
    const extras = Object.entries(info ?? {}).map(([k, v]) => `${k}=${fmt(v)}`);
    const elapsed = seconds(Date.now() - t0);
    const bar = "#".repeat(Math.round(frac * 20)).padEnd(20, ".");
    const text = [`${label} [${bar}] ${done}/${total} ${pct}`, ...extras, elapsed, message ?? ""].filter(Boolean).join(" ");
    const html =
      `<div class="lfads-progress" style="font-family:sans-serif;font-size:13px">` +
      `<span>${escapeHtml(label)}</span> <progress value="${frac}" max="1" style="width:200px;vertical-align:middle"></progress> ` +
      `<span style="font-family:monospace">${done}/${total} ${pct} ${escapeHtml(extras.join(" "))} · ${elapsed}</span>` +
      `${message ? ` <b>${escapeHtml(message)}</b>` : ""}</div>`;
    handle.updateBundle({ "text/plain": text, "text/html": html });
  };

  return {
    update(done, info) {
      lastDone = done;
      lastInfo = info;
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      render(done, info, undefined);
    },
    finish(final = {}) {
      render(final.done ?? lastDone, final.info ?? lastInfo, final.message);
      handle.close();
    },
  };
}
