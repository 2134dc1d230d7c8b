/**
 * Training curves from a fit log: train/valid total and reconstruction costs per epoch, the KL and L2
 * ramp weights on a second axis, the learning rate (log scale) on a third when known, the
 * lowest-validation-error (LVE) epoch marked (a star and a dotted line), and divergence events (red
 * dashed lines). With lfads-ts's diagnostics (`fitLog.diagnostics`) two panels follow: each posterior's
 * KL and the gradient norm with the clipping threshold (training-panels.ts).
 * The cost axis leaves out the first epochs' drop when it would flatten the rest (curve-range.ts) and
 * says so on the plot; `yRange: "all"` or `logY` show everything.
 */
import { ParamError } from "../../core/errors.js";
import { FitLog, type FitLogRow } from "../../posterior/fit-log.js";
import { robustCurveRange } from "./curve-range.js";
import { applyStyle, Figure, type FigureStyle, type PlotlyLayout, type PlotlyTrace } from "./figure.js";
import { num } from "./layout.js";
import { diagnosticsPanels, PANEL_DOMAINS } from "./training-panels.js";

export interface TrainingCurveOptions extends FigureStyle {
  /** x axis: "epoch" (default) or "step". */
  x?: "epoch" | "step";
  /** Draw the reconstruction costs (default true). */
  recon?: boolean;
  /** Draw the KL and L2 weights on a right-hand axis (default true). */
  weights?: boolean;
  /**
   * Learning rate per row. Default: the rows' own `learning_rate` or `lr` field when they have one,
   * else the diagnostics' learning rate (fit logs of TF LFADS have neither).
   */
  learningRate?: ArrayLike<number>;
  /** Log-scale cost axis (default false). */
  logY?: boolean;
  /**
   * Cost axis range: "robust" (default) leaves out the first epochs' drop when it would flatten the rest
   * (those epochs run off the top, and a note says so); "all" fits every value.
   */
  yRange?: "robust" | "all";
  /** Draw the diagnostics panels when the fit log has diagnostics (default true). */
  diagnostics?: boolean;
  /** Mark the LVE epoch (default true). */
  markLve?: boolean;
}

const C_TRAIN = "#1f77b4";
const C_VALID = "#ff7f0e";
const C_EVENT = "#d62728";

type RowWithExtras = Readonly<FitLogRow> & { readonly learning_rate?: unknown; readonly lr?: unknown };

function learningRates(log: FitLog, rows: readonly RowWithExtras[], given: ArrayLike<number> | undefined): (number | null)[] | undefined {
  if (given !== undefined) {
    if (given.length !== rows.length) throw new ParamError(`plotTrainingCurves: learningRate has ${given.length} values for ${rows.length} fit-log rows`);
    return Array.from(given, (v) => num(v));
  }
  const key = rows.some((r) => typeof r.learning_rate === "number") ? "learning_rate" : rows.some((r) => typeof r.lr === "number") ? "lr" : undefined;
  if (key !== undefined) return rows.map((r) => (typeof r[key] === "number" ? num(r[key] as number) : null));
  const fromDiagnostics = log.diagnosticColumn("learning_rate");
  return fromDiagnostics && fromDiagnostics.some(Number.isFinite) ? Array.from(fromDiagnostics, num) : undefined;
}

/** A vertical line through every panel at x, as a layout shape. */
const vline = (x: number | null, color: string, dash: string): Record<string, unknown> => ({
  type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: { color, dash, width: 1.2 }, layer: "below",
});

/** The LVE star and its line (when there is an LVE row). */
function lveMarks(fitLog: FitLog, xKey: "epoch" | "step", logY: boolean, data: PlotlyTrace[], annotations: Record<string, unknown>[], shapes: Record<string, unknown>[]): void {
  const lve = fitLog.lveIndex;
  if (lve === undefined) return;
  const r = fitLog.rows[lve]!;
  data.push({
    type: "scatter", mode: "markers", name: `LVE (${xKey} ${r[xKey]})`, x: [num(r[xKey])], y: [num(r.total_valid)], yaxis: "y",
    marker: { symbol: "star", size: 14, color: "#d62728", line: { color: "#000000", width: 1 } },
  });
  annotations.push({ x: num(r[xKey]), y: num(logY ? Math.log10(r.total_valid) : r.total_valid), xref: "x", yref: "y", text: "LVE", showarrow: true, arrowhead: 2, ax: 0, ay: -30 });
  shapes.push(vline(num(r[xKey]), "#555555", "dot"));
}

/** Divergence events: a red dashed line each, and markers on the valid cost whose hover text is the event. */
function eventMarks(fitLog: FitLog, xKey: "epoch" | "step", data: PlotlyTrace[], shapes: Record<string, unknown>[]): void {
  const rowOf = new Map(fitLog.rows.map((r) => [r.epoch, r]));
  const events = fitLog.events.filter((e) => rowOf.has(e.epoch));
  if (events.length === 0) return;
  for (const e of events) shapes.push(vline(num(rowOf.get(e.epoch)![xKey]), C_EVENT, "dash"));
  data.push({
    type: "scatter", mode: "markers", name: `divergence (${events.length})`, yaxis: "y",
    x: events.map((e) => num(rowOf.get(e.epoch)![xKey])), y: events.map((e) => num(rowOf.get(e.epoch)!.total_valid)),
    text: events.map((e) => e.event), hoverinfo: "text", marker: { symbol: "x", size: 11, color: C_EVENT },
  });
}

/** The cost axis: log, robust (with a note on what runs off the top) or autorange. */
function costAxis(cost: (number | null)[][], rows: readonly RowWithExtras[], xKey: "epoch" | "step", opts: TrainingCurveOptions, annotations: Record<string, unknown>[]): Record<string, unknown> {
  const axis: Record<string, unknown> = { title: { text: "cost (nats / trial)" }, type: opts.logY ? "log" : "linear", automargin: true };
  if (opts.logY || (opts.yRange ?? "robust") === "all") return axis;
  const r = robustCurveRange(cost);
  if (!r) return axis;
  axis.range = r.range;
  const first = rows[r.clipped[0]!]![xKey];
  const last = rows[r.clipped[r.clipped.length - 1]!]![xKey];
  const which = r.clipped.length === 1 ? `${xKey} ${first}` : `${xKey}s ${first}–${last}`;
  annotations.push({
    // Top right: after the early drop, costs fall, so that corner is usually empty.
    xref: "x domain", yref: "y domain", x: 0.99, y: 0.99, xanchor: "right", yanchor: "top", showarrow: false, font: { size: 11, color: "#444444" }, bgcolor: "rgba(255,255,255,0.85)",
    text: `↑ ${which} above the axis (up to ${r.top.toFixed(1)})`,
  });
  return axis;
}

/** Training curves of one run (a `FitLog`, or its rows). */
export function plotTrainingCurves(log: FitLog | readonly FitLogRow[], opts: TrainingCurveOptions = {}): Figure {
  const fitLog = log instanceof FitLog ? log : new FitLog(log as readonly FitLogRow[]);
  const rows = fitLog.rows as readonly RowWithExtras[];
  if (rows.length === 0) throw new ParamError("plotTrainingCurves: the fit log has no rows (no epoch finished yet)");
  const xKey = opts.x ?? "epoch";
  if (xKey !== "epoch" && xKey !== "step") throw new ParamError(`plotTrainingCurves: x must be "epoch" or "step", got ${JSON.stringify(xKey)}`);
  if (opts.yRange !== undefined && opts.yRange !== "robust" && opts.yRange !== "all") throw new ParamError(`plotTrainingCurves: yRange must be "robust" or "all", got ${JSON.stringify(opts.yRange)}`);
  const xs = rows.map((r) => num(r[xKey]));
  const col = (k: keyof FitLogRow) => rows.map((r) => num(r[k]));
  const valid = fitLog.hasValid;
  const lr = learningRates(fitLog, rows, opts.learningRate);
  const showWeights = opts.weights ?? true;
  const panels = (opts.diagnostics ?? true) ? diagnosticsPanels(fitLog, xs) : undefined;

  const data: PlotlyTrace[] = [];
  const line = (name: string, y: (number | null)[], color: string, dash: string, yaxis = "y", width = 2): PlotlyTrace => ({
    type: "scatter", mode: "lines", name, x: xs, y, yaxis, line: { color, dash, width },
  });
  const costTraces: PlotlyTrace[] = [line("total (train)", col("total_train"), C_TRAIN, "solid")];
  if (valid) costTraces.push(line("total (valid)", col("total_valid"), C_VALID, "solid"));
  if (opts.recon ?? true) {
    costTraces.push(line("recon (train)", col("recon_train"), C_TRAIN, "dot"));
    if (valid) costTraces.push(line("recon (valid)", col("recon_valid"), C_VALID, "dot"));
  }
  data.push(...costTraces);
  const cost = costTraces.map((t) => t.y as (number | null)[]);
  if (showWeights) {
    data.push(line("KL weight", col("kl_weight"), "#7f7f7f", "dash", "y2", 1.5));
    data.push(line("L2 weight", col("l2_weight"), "#bcbd22", "dashdot", "y2", 1.5));
  }
  if (lr) data.push(line("learning rate", lr, "#2ca02c", "longdash", "y3", 1.5));
  if (panels) data.push(...panels.data);

  const annotations: Record<string, unknown>[] = [];
  const shapes: Record<string, unknown>[] = [];
  if (opts.markLve ?? true) lveMarks(fitLog, xKey, opts.logY === true, data, annotations, shapes);
  eventMarks(fitLog, xKey, data, shapes);

  // Right-hand axes: weights next to the plot, LR further out.
  const right = lr && showWeights ? 0.85 : 1;
  const costDomain = panels ? [...PANEL_DOMAINS.costs] : [0, 1];
  const layout: PlotlyLayout = {
    xaxis: { title: { text: xKey }, domain: [0, right], automargin: true, ...(panels ? { anchor: "y5" } : {}) },
    yaxis: { ...costAxis(cost, rows, xKey, opts, annotations), domain: costDomain },
    height: panels ? 760 : 420,
    margin: { l: 70, r: 30, t: opts.title !== undefined ? 90 : 60, b: 50 },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    hovermode: "x unified",
  };
  if (showWeights) {
    layout.yaxis2 = {
      title: { text: "KL / L2 weight" }, overlaying: "y", side: "right", anchor: "x", range: [0, 1.05], tickvals: [0, 0.25, 0.5, 0.75, 1],
      showgrid: false, zeroline: false, automargin: true,
    };
  }
  if (lr) {
    const lrAxis = { title: { text: "learning rate" }, overlaying: "y", side: "right", type: "log", showgrid: false, tickformat: ".2g", automargin: true };
    layout.yaxis3 = showWeights ? { ...lrAxis, anchor: "free", position: 1 } : { ...lrAxis, anchor: "x" };
  }
  if (panels) Object.assign(layout, panels.axes);
  if (annotations.length > 0) layout.annotations = annotations;
  if (shapes.length > 0) layout.shapes = shapes;
  applyStyle(layout, opts);
  return new Figure({ data, layout }, summary(fitLog, xKey, rows));
}

function summary(fitLog: FitLog, xKey: "epoch" | "step", rows: readonly RowWithExtras[]): string {
  const lve = fitLog.lveIndex;
  const lveText = lve === undefined ? "no LVE yet" : `LVE at ${xKey} ${rows[lve]![xKey]} (valid ${num(rows[lve]!.total_valid)})`;
  const n = fitLog.events.length;
  const events = n > 0 ? `, ${n} divergence event${n === 1 ? "" : "s"}` : "";
  return `Figure "training curves"${fitLog.source ? ` (${fitLog.source})` : ""}: ${rows.length} epochs, ${lveText}${events}`;
}
