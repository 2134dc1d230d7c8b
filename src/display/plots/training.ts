/**
 * Training curves from a fit log: train/valid total and reconstruction costs per epoch, the KL and L2
 * ramp weights on a second axis, the learning rate (log scale) on a third when known, and the
 * lowest-validation-error (LVE) epoch marked.
 */
import { ParamError } from "../../core/errors.js";
import { FitLog, type FitLogRow } from "../../posterior/fit-log.js";
import { applyStyle, Figure, type FigureStyle, type PlotlyLayout, type PlotlyTrace } from "./figure.js";
import { num } from "./layout.js";

export interface TrainingCurveOptions extends FigureStyle {
  /** x axis: "epoch" (default) or "step". */
  x?: "epoch" | "step";
  /** Draw the reconstruction costs (default true). */
  recon?: boolean;
  /** Draw the KL and L2 weights on a right-hand axis (default true). */
  weights?: boolean;
  /**
   * Learning rate per row. Default: the rows' own `learning_rate` or `lr` field when they have one
   * (fit logs read from `fitlog.csv` do not).
   */
  learningRate?: ArrayLike<number>;
  /** Log-scale cost axis (default false). */
  logY?: boolean;
  /** Mark the LVE epoch (default true). */
  markLve?: boolean;
}

const C_TRAIN = "#1f77b4";
const C_VALID = "#ff7f0e";

type RowWithExtras = Readonly<FitLogRow> & { readonly learning_rate?: unknown; readonly lr?: unknown };

function learningRates(rows: readonly RowWithExtras[], given: ArrayLike<number> | undefined): (number | null)[] | undefined {
  if (given !== undefined) {
    if (given.length !== rows.length) throw new ParamError(`plotTrainingCurves: learningRate has ${given.length} values for ${rows.length} fit-log rows`);
    return Array.from(given, (v) => num(v));
  }
  const key = rows.some((r) => typeof r.learning_rate === "number") ? "learning_rate" : rows.some((r) => typeof r.lr === "number") ? "lr" : undefined;
  if (key === undefined) return undefined;
  return rows.map((r) => (typeof r[key] === "number" ? num(r[key] as number) : null));
}

/** Training curves of one run (a `FitLog`, or its rows). */
export function plotTrainingCurves(log: FitLog | readonly FitLogRow[], opts: TrainingCurveOptions = {}): Figure {
  const fitLog = log instanceof FitLog ? log : new FitLog(log as readonly FitLogRow[]);
  const rows = fitLog.rows as readonly RowWithExtras[];
  if (rows.length === 0) throw new ParamError("plotTrainingCurves: the fit log has no rows (no epoch finished yet)");
  const xKey = opts.x ?? "epoch";
  if (xKey !== "epoch" && xKey !== "step") throw new ParamError(`plotTrainingCurves: x must be "epoch" or "step", got ${JSON.stringify(xKey)}`);
  const xs = rows.map((r) => num(r[xKey]));
  const col = (k: keyof FitLogRow) => rows.map((r) => num(r[k]));
  const valid = fitLog.hasValid;
  const lr = learningRates(rows, opts.learningRate);
  const showWeights = opts.weights ?? true;

  const data: PlotlyTrace[] = [];
  const line = (name: string, y: (number | null)[], color: string, dash: string, yaxis = "y", width = 2): PlotlyTrace => ({
    type: "scatter", mode: "lines", name, x: xs, y, yaxis, line: { color, dash, width },
  });
  data.push(line("total (train)", col("total_train"), C_TRAIN, "solid"));
  if (valid) data.push(line("total (valid)", col("total_valid"), C_VALID, "solid"));
  if (opts.recon ?? true) {
    data.push(line("recon (train)", col("recon_train"), C_TRAIN, "dot"));
    if (valid) data.push(line("recon (valid)", col("recon_valid"), C_VALID, "dot"));
  }
  if (showWeights) {
    data.push(line("KL weight", col("kl_weight"), "#7f7f7f", "dash", "y2", 1.5));
    data.push(line("L2 weight", col("l2_weight"), "#bcbd22", "dashdot", "y2", 1.5));
  }
  if (lr) data.push(line("learning rate", lr, "#2ca02c", "longdash", "y3", 1.5));

  const lve = fitLog.lveIndex;
  const annotations: Record<string, unknown>[] = [];
  if ((opts.markLve ?? true) && lve !== undefined) {
    const r = rows[lve]!;
    data.push({
      type: "scatter", mode: "markers", name: `LVE (${xKey} ${r[xKey]})`, x: [num(r[xKey])], y: [num(r.total_valid)], yaxis: "y",
      marker: { symbol: "star", size: 14, color: "#d62728", line: { color: "#000000", width: 1 } },
    });
    annotations.push({ x: num(r[xKey]), y: num(opts.logY ? Math.log10(r.total_valid) : r.total_valid), xref: "x", yref: "y", text: "LVE", showarrow: true, arrowhead: 2, ax: 0, ay: -30 });
  }

  // Right-hand axes: weights next to the plot, LR further out.
  const right = lr && showWeights ? 0.85 : 1;
  const layout: PlotlyLayout = {
    xaxis: { title: { text: xKey }, domain: [0, right], automargin: true },
    yaxis: { title: { text: "cost (nats / trial)" }, type: opts.logY ? "log" : "linear", automargin: true },
    height: 420,
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
  if (annotations.length > 0) layout.annotations = annotations;
  applyStyle(layout, opts);
  const lveText = lve === undefined ? "no LVE yet" : `LVE at ${xKey} ${rows[lve]![xKey]} (valid ${num(rows[lve]!.total_valid)})`;
  return new Figure({ data, layout }, `Figure "training curves"${fitLog.source ? ` (${fitLog.source})` : ""}: ${rows.length} epochs, ${lveText}`);
}
