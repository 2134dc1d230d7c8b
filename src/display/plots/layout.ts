/**
 * Helpers shared by the figure builders: plotly subplot grids without plotly's `make_subplots`
 * (explicit axis domains), colour palettes, and conversion of typed arrays into plain JSON numbers.
 */
import { ParamError } from "../../core/errors.js";
import type { PlotlyLayout } from "./figure.js";

/** D3's category10, plotly's default trace colours. */
const CATEGORY10: readonly string[] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/**
 * `n` distinguishable colours: category10 for up to 10, else evenly spaced hues (a colour wheel, which
 * also suits circular condition sets such as reach directions).
 */
export function categoricalColors(n: number): string[] {
  if (n <= CATEGORY10.length) return CATEGORY10.slice(0, n);
  return Array.from({ length: n }, (_, i) => `hsl(${Math.round((360 * i) / n)},70%,45%)`);
}

/** A finite number rounded to 6 significant digits (float32 noise would bloat the JSON), else null. */
export function num(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : null;
}

/** `n` values `a[start], a[start + stride], …` as plain JSON numbers (null for NaN/±Inf). */
export function series(a: ArrayLike<number>, start: number, stride: number, n: number, scale = 1): (number | null)[] {
  const out = new Array<number | null>(n);
  for (let i = 0; i < n; i++) out[i] = num(a[start + i * stride]! * scale);
  return out;
}

/** Resolve "a count n (the first n) or 0-based indices" selections, with a clear error. */
export function pickIndices(sel: number | readonly number[] | undefined, n: number, dflt: number, what: string, fn: string): number[] {
  if (sel === undefined) return Array.from({ length: Math.min(dflt, n) }, (_, i) => i);
  if (typeof sel === "number") {
    if (!Number.isInteger(sel) || sel < 1 || sel > n) throw new ParamError(`${fn}: ${what} count ${sel} must be an integer in [1, ${n}]`);
    return Array.from({ length: sel }, (_, i) => i);
  }
  if (sel.length === 0) throw new ParamError(`${fn}: no ${what}s selected`);
  return sel.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new ParamError(`${fn}: ${what} index ${i} is out of range [0, ${n - 1}] (indices are 0-based)`);
    return i;
  });
}

export interface GridOptions {
  /** Horizontal gap between panels, as a fraction of the plotting width (default 0.04). */
  hgap?: number;
  /** Vertical gap between panels, as a fraction of the plotting height (default 0.06, more with titles). */
  vgap?: number;
  /** Panel titles, `titles[row][col]` (drawn as annotations above each panel). */
  titles?: readonly (readonly (string | undefined)[])[];
  /** Link every panel's x axis to the first one (zoom together). Default true. */
  shareX?: boolean;
  /** Link the y axes within each row. Default false. */
  shareYRows?: boolean;
  /** x-axis title under the bottom row. */
  xTitle?: string;
  /** y-axis title per row (left column). */
  yTitles?: readonly (string | undefined)[];
  /** Right end of the plotting area as a fraction of the width (default 1; less leaves room for extra axes). */
  right?: number;
}

export interface Grid {
  readonly rows: number;
  readonly cols: number;
  /** Axis ids for `trace.xaxis` / `trace.yaxis` of the panel at (row, col), e.g. `{ x: "x3", y: "y3" }`. */
  cell(row: number, col: number): { x: string; y: string };
  /** `xaxis…`/`yaxis…` entries and title annotations to merge into the layout. */
  readonly layout: PlotlyLayout;
}

function axisKey(kind: "x" | "y", i: number): string {
  return i === 1 ? `${kind}axis` : `${kind}axis${i}`;
}
function axisId(kind: "x" | "y", i: number): string {
  return i === 1 ? kind : `${kind}${i}`;
}

/** A rows × cols grid of 2-D panels, row 0 at the top. */
export function makeGrid(rows: number, cols: number, o: GridOptions = {}): Grid {
  if (!(rows >= 1 && cols >= 1)) throw new ParamError(`makeGrid: need at least one row and one column, got ${rows} × ${cols}`);
  const hasTitles = o.titles !== undefined && o.titles.some((r) => r.some((t) => t !== undefined && t !== ""));
  const hgap = cols > 1 ? (o.hgap ?? Math.min(0.06, 0.3 / (cols - 1))) : 0;
  const vgap = rows > 1 ? (o.vgap ?? Math.min(hasTitles ? 0.1 : 0.06, 0.4 / (rows - 1))) : 0;
  const right = o.right ?? 1;
  const w = (right - hgap * (cols - 1)) / cols;
  const h = (1 - vgap * (rows - 1)) / rows;
  const layout: Record<string, unknown> = {};
  const annotations: Record<string, unknown>[] = [];
  const shareX = o.shareX ?? true;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c + 1;
      const x0 = c * (w + hgap);
      const y1 = 1 - r * (h + vgap);
      const xa: Record<string, unknown> = { domain: [round4(x0), round4(x0 + w)], anchor: axisId("y", i), automargin: true };
      const ya: Record<string, unknown> = { domain: [round4(Math.max(0, y1 - h)), round4(y1)], anchor: axisId("x", i), automargin: true };
      if (shareX && i > 1) xa.matches = "x";
      if (o.shareYRows && c > 0) ya.matches = axisId("y", r * cols + 1);
      if (r < rows - 1 && shareX) xa.showticklabels = false;
      if (r === rows - 1 && o.xTitle !== undefined) xa.title = { text: o.xTitle };
      const yt = o.yTitles?.[r];
      if (c === 0 && yt !== undefined) ya.title = { text: yt };
      layout[axisKey("x", i)] = xa;
      layout[axisKey("y", i)] = ya;
      const t = o.titles?.[r]?.[c];
      if (t !== undefined && t !== "") {
        annotations.push({ text: t, showarrow: false, xref: "paper", yref: "paper", x: round4(x0 + w / 2), y: round4(y1), xanchor: "center", yanchor: "bottom" });
      }
    }
  }
  if (annotations.length > 0) layout.annotations = annotations;
  return {
    rows,
    cols,
    cell(row, col) {
      const i = row * cols + col + 1;
      return { x: axisId("x", i), y: axisId("y", i) };
    },
    layout,
  };
}

/** The layout key of an axis id: "x" → "xaxis", "y3" → "yaxis3". */
export function layoutKey(axisId: string): string {
  return `${axisId[0]}axis${axisId.slice(1)}`;
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
