/**
 * Live training display: a progress callback for `trainRun` that, in a notebook, keeps one output
 * updated in place (step, epoch, costs, KL/L2 ramp weights, learning rate, the last epoch's gradient
 * norm, clipping rate and per-posterior KL, speed, ETA, a small curve of the train/valid cost per epoch,
 * and the divergence events, in red) and, in a terminal, redraws one line.
 *
 * ```ts
 * await trainRun(run, { maxSteps: 2000, onProgress: trainingDisplay({ maxSteps: 2000 }) });
 * ```
 */
import { escapeHtml } from "../core/format.js";
import type { EpochDiagnostics } from "../train/diagnostics.js";
import type { TrainProgress } from "../train/progress.js";
import { robustCurveRange } from "./plots/curve-range.js";
import { newDisplay } from "./show.js";

export interface TrainingDisplayOptions {
  /** Heading, e.g. the run's name. */
  title?: string;
  /** Step budget, for the progress bar and the ETA (else the ETA is not shown). */
  maxSteps?: number;
  /** Minimum milliseconds between step updates (epoch updates are always shown). Default 500. */
  intervalMs?: number;
}

export interface EpochPoint {
  epoch: number;
  train: number;
  valid?: number;
  /** The epoch's diagnostics row (gradient norms, clipping, each posterior's KL). */
  diagnostics?: EpochDiagnostics;
  /** The divergence message of this epoch, if the watch fired. */
  divergence?: string;
}

const fmt = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));

function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "–";
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : m > 0 ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

/**
 * Inline SVG of the per-epoch train (blue) and valid (orange) costs, divergence epochs as red lines.
 * The first epochs' drop is cut off at the top when it would flatten the rest (plots/curve-range.ts).
 */
export function costSparkline(points: readonly EpochPoint[], width = 320, height = 90): string {
  const vals = points.flatMap((p) => (p.valid === undefined ? [p.train] : [p.train, p.valid])).filter(Number.isFinite);
  if (points.length < 2 || vals.length === 0) return "";
  const robust = robustCurveRange([points.map((p) => p.train), points.map((p) => p.valid)]);
  const lo = robust ? robust.range[0] : Math.min(...vals);
  const hi = robust ? robust.range[1] : Math.max(...vals);
  const x = (i: number) => 4 + ((width - 8) * i) / (points.length - 1);
  const y = (v: number) => height - 4 - ((height - 8) * (Math.min(v, hi) - lo)) / (hi - lo || 1);
  const line = (get: (p: EpochPoint) => number | undefined, color: string) => {
    const d = points
      .map((p, i) => [i, get(p)] as const)
      .filter(([, v]) => v !== undefined && Number.isFinite(v))
      .map(([i, v], k) => `${k === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v!).toFixed(1)}`)
      .join("");
    return d ? `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>` : "";
  };
  const events = points.map((p, i) => (p.divergence ? `<line x1="${x(i).toFixed(1)}" x2="${x(i).toFixed(1)}" y1="2" y2="${height - 2}" stroke="#d62728" stroke-dasharray="3,2"/>` : "")).join("");
  const cut = robust ? `<text x="${width - 6}" y="12" font-size="10" fill="#888" text-anchor="end">first ${robust.clipped.length} epoch${robust.clipped.length === 1 ? "" : "s"} off the top</text>` : "";
  return (
    `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="cost per epoch">` +
    `<rect width="${width}" height="${height}" fill="none" stroke="#8886"/>` +
    events +
    line((p) => p.train, "#1f77b4") +
    line((p) => p.valid, "#ff7f0e") +
    `<text x="6" y="12" font-size="10" fill="#888">${fmt(hi, 1)}</text><text x="6" y="${height - 6}" font-size="10" fill="#888">${fmt(lo, 1)}</text>${cut}</svg>`
  );
}

/** HTML of one progress state (exported for tests). */
export function trainingProgressHtml(p: TrainProgress, points: readonly EpochPoint[], opts: TrainingDisplayOptions = {}): string {
  const eta = opts.maxSteps && p.stepsPerSecond > 0 ? duration((opts.maxSteps - p.step) / p.stepsPerSecond) : undefined;
  const pct = opts.maxSteps ? Math.min(100, (100 * p.step) / opts.maxSteps) : undefined;
  const last = points[points.length - 1];
  const d = [...points].reverse().find((q) => q.diagnostics)?.diagnostics;
  const rows: [string, string][] = [
    ["step", `${p.step}${opts.maxSteps ? ` / ${opts.maxSteps}` : ""} (epoch ${p.epoch}, ${p.stepInEpoch}/${p.stepsPerEpoch})`],
    ["train cost / recon / KL", `${fmt(p.trainCost)} / ${fmt(p.trainRecon)} / ${fmt(p.trainKl)}`],
    ["valid cost (last epoch)", fmt(last?.valid)],
    ["KL weight / L2 weight", `${fmt(p.klWeight)} / ${fmt(p.l2Weight)}`],
    ["learning rate", p.learningRate.toPrecision(3)],
    ...(d
      ? ([
          ["gradient norm mean / max", `${fmt(d.gradNormMean, 1)} / ${fmt(d.gradNormMax, 1)} (${fmt(100 * d.clipFraction, 0)}% of steps clipped at ${d.maxGradNorm})`],
          ["KL g0 / u (valid)", `${fmt(d.klIcValid)} / ${fmt(d.klCoValid)}`],
        ] as [string, string][])
      : []),
    ["speed", `${p.stepsPerSecond.toPrecision(3)} steps/s on ${p.backend}`],
    ["elapsed / ETA", `${duration(p.elapsedSeconds)}${eta ? ` / ${eta}` : ""}`],
  ];
  const events = points.filter((q) => q.divergence).slice(-3);
  const warn = events.length
    ? `<div style="margin-top:4px;padding:3px 6px;border-left:3px solid #d62728;color:#b0201e;max-width:640px">${events.map((q) => escapeHtml(q.divergence!)).join("<br>")}</div>`
    : "";
  const table = rows.map(([k, v]) => `<tr><td style="padding:1px 10px 1px 0;opacity:.7">${escapeHtml(k)}</td><td style="padding:1px 0">${escapeHtml(v)}</td></tr>`).join("");
  return (
    `<div style="font:12px/1.35 system-ui,sans-serif;display:flex;gap:16px;align-items:flex-start">` +
    `<div>${opts.title ? `<b>${escapeHtml(opts.title)}</b><br>` : ""}` +
    (pct !== undefined ? `<progress max="100" value="${pct.toFixed(1)}" style="width:300px"></progress><br>` : "") +
    `<table style="border-collapse:collapse">${table}</table>${warn}</div>` +
    `<div>${costSparkline(points)}<div style="font-size:10px;opacity:.7"><span style="color:#1f77b4">train</span> / <span style="color:#ff7f0e">valid</span> cost per epoch</div></div></div>`
  );
}

/** The text/plain form of a state: one line, with the divergence count when there were any. */
function plainLine(p: TrainProgress, points: readonly EpochPoint[], opts: TrainingDisplayOptions): string {
  const events = points.filter((q) => q.divergence);
  const diverged = events.length ? ` | ${events.length} divergence${events.length === 1 ? "" : "s"} (last at epoch ${events[events.length - 1]!.epoch})` : "";
  return (
    `step ${p.step}${opts.maxSteps ? `/${opts.maxSteps}` : ""} epoch ${p.epoch} | train ${fmt(p.trainCost)} | valid ${fmt(points[points.length - 1]?.valid)} | ` +
    `klw ${fmt(p.klWeight)} l2w ${fmt(p.l2Weight)} | lr ${p.learningRate.toPrecision(3)} | ${p.stepsPerSecond.toPrecision(3)} steps/s${diverged}`
  );
}

/** A `trainRun` progress callback that renders (and updates in place) the training state. */
export function trainingDisplay(opts: TrainingDisplayOptions = {}): (p: TrainProgress) => void {
  const handle = newDisplay();
  const points: EpochPoint[] = [];
  const interval = opts.intervalMs ?? 500;
  let lastShown = 0;
  return (p) => {
    if (p.kind === "epoch") {
      points.push({ epoch: p.epoch, train: p.trainCost, ...(p.validCost !== undefined ? { valid: p.validCost } : {}), ...(p.diagnostics ? { diagnostics: p.diagnostics } : {}), ...(p.divergence ? { divergence: p.divergence.message } : {}) });
    }
    const now = Date.now();
    if (p.kind === "step" && now - lastShown < interval) return;
    lastShown = now;
    handle.updateBundle({ "text/html": trainingProgressHtml(p, points, opts), "text/plain": plainLine(p, points, opts) });
  };
}
