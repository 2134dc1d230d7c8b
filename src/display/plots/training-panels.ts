/**
 * The diagnostics panels under the training curves, from lfads-ts's `fitlog_diagnostics.csv`
 * (`fitLog.diagnostics`): the KL of each posterior — initial condition g0 and controller outputs u,
 * train and valid — and the gradient norm per epoch (mean and max over its steps, before clipping; log
 * scale) with the clipping threshold c_max_grad_norm and the share of steps clipped (bars, right axis).
 */
import type { FitLog } from "../../posterior/fit-log.js";
import type { FitDiagnosticsColumn } from "../../posterior/fit-diagnostics.js";
import type { PlotlyLayout, PlotlyTrace } from "./figure.js";
import { num } from "./layout.js";

/** Vertical domains of the three panels when the diagnostics are drawn. */
export const PANEL_DOMAINS = { costs: [0.5, 1], kl: [0.27, 0.44], grad: [0, 0.21] } as const;

const C_TRAIN = "#1f77b4";
const C_VALID = "#ff7f0e";

export interface DiagnosticsPanels {
  data: PlotlyTrace[];
  /** yaxis4 (KL), yaxis5 (gradient norm), yaxis6 (clipped %). */
  axes: PlotlyLayout;
}

/** Whether a column has a non-zero finite value (u's KL is 0 throughout without a controller). */
const informative = (v: Float64Array): boolean => v.some((x) => Number.isFinite(x) && x !== 0);

/** The two panels, or undefined when the fit log has no diagnostics. */
export function diagnosticsPanels(fitLog: FitLog, xs: readonly (number | null)[]): DiagnosticsPanels | undefined {
  if (!fitLog.diagnostics || fitLog.diagnostics.length === 0) return undefined;
  const col = (c: FitDiagnosticsColumn): Float64Array => fitLog.diagnosticColumn(c)!;
  const ys = (v: ArrayLike<number>, scale = 1): (number | null)[] => Array.from(v, (x) => num(x * scale));
  // Each panel has its own legend (one row above it), so the figure's top legend keeps to the costs.
  const line = (name: string, y: (number | null)[], color: string, dash: string, yaxis: string, width = 1.8): PlotlyTrace => ({
    type: "scatter", mode: "lines", name, x: [...xs], y, yaxis, line: { color, dash, width }, legend: yaxis === "y4" ? "legend2" : "legend3",
  });
  const data: PlotlyTrace[] = [];
  for (const [post, label, dash] of [["ic", "g0", "solid"], ["co", "u", "dash"]] as const) {
    const train = col(`kl_${post}_train`);
    const valid = col(`kl_${post}_valid`);
    if (!informative(train) && !informative(valid)) continue;
    data.push(line(`KL ${label} (train)`, ys(train), C_TRAIN, dash, "y4"));
    data.push(line(`KL ${label} (valid)`, ys(valid), C_VALID, dash, "y4"));
  }
  data.push(line("grad norm (mean)", ys(col("grad_norm_mean")), "#9467bd", "solid", "y5"));
  data.push(line("grad norm (max)", ys(col("grad_norm_max")), "#9467bd", "dot", "y5", 1.2));
  data.push(line("clip threshold", ys(col("max_grad_norm")), "#d62728", "dash", "y5", 1.2));
  data.push({ type: "bar", name: "clipped steps (%)", x: [...xs], y: ys(col("clip_fraction"), 100), yaxis: "y6", legend: "legend3", marker: { color: "#d62728" }, opacity: 0.25 });
  const norms = [...col("grad_norm_mean"), ...col("grad_norm_max"), ...col("max_grad_norm")];
  const legendAbove = (top: number): PlotlyLayout => ({ orientation: "h", x: 0, y: top + 0.005, yanchor: "bottom", font: { size: 11 } });
  const axes: PlotlyLayout = {
    yaxis4: { title: { text: "KL (nats / trial)" }, domain: [...PANEL_DOMAINS.kl], anchor: "x", rangemode: "tozero", automargin: true },
    yaxis5: { title: { text: "gradient norm" }, domain: [...PANEL_DOMAINS.grad], anchor: "x", type: "log", tickvals: logTicks(norms), automargin: true },
    yaxis6: { title: { text: "clipped %" }, overlaying: "y5", side: "right", anchor: "x", range: [0, 100], tickvals: [0, 50, 100], showgrid: false, zeroline: false, automargin: true },
    legend2: legendAbove(PANEL_DOMAINS.kl[1]),
    legend3: legendAbove(PANEL_DOMAINS.grad[1]),
  };
  return { data, axes };
}

/** Ticks 1, 2, 5 × 10^k spanning the finite positive values (plotly's own log ticks label the minor ones too). */
export function logTicks(values: readonly number[]): number[] {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  if (pos.length === 0) return [1, 10, 100];
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const hi = Math.ceil(Math.log10(Math.max(...pos)));
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) for (const m of hi - lo > 2 ? [1] : [1, 2, 5]) ticks.push(Number((m * 10 ** k).toPrecision(6)));
  return ticks;
}
