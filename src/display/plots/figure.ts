/**
 * `Figure`: a plotly figure (`{data, layout, config}` as plain JSON) that displays itself in Jupyter and
 * exports to SVG/PNG/PDF.
 *
 * In a notebook `show(fig)` (or `fig` as a cell's last expression) sends **one** MIME bundle
 * (reference/ecosystem.md §2.1): `application/vnd.plotly.v1+json` (JupyterLab with a plotly renderer,
 * VS Code), a `text/html` that draws with the offline plotly.js (classic Notebook 6, JupyterLab, VS Code,
 * nbconvert HTML — trusted notebooks), and a one-line `text/plain` summary (everything else, terminals).
 * `toHtml()` inlines plotly.js behind `if (!window.Plotly)`; on the way to the kernel only the session's
 * first figure keeps it (plotly-carrier.ts) and later ones wait for `window.Plotly`.
 */
import { inspect, type InspectOptions } from "node:util";
import { randomBytes } from "node:crypto";
import { ParamError } from "../../core/errors.js";
import { escapeHtml } from "../../core/format.js";
import type { MimeBundle } from "../bridge.js";
import { inKernel } from "../bridge.js";
import { richInspect } from "../inspect.js";
import { showBundle } from "../show.js";
import { saveFigure, renderFigure, type ImageFormat, type SaveOptions } from "../export/export.js";
import { kernelPlotly } from "./plotly-carrier.js";
import { PLOTLY_JS_CLASS, PLOTLY_READY_EVENT, plotlyScriptTag, plotlyVersion, scriptJson } from "./plotly-js.js";

import type { PlotlyConfig, PlotlyLayout, PlotlyTrace } from "./plotly-types.js";

export type { PlotlyConfig, PlotlyLayout, PlotlyTrace };

/** What a Figure is made from: plotly's own figure shape. Typed arrays are accepted and copied to plain arrays. */
export interface FigureSpec {
  data: readonly PlotlyTrace[];
  layout?: PlotlyLayout;
  config?: PlotlyConfig;
}

/** Size and font settings every builder and `Figure.style` accept. Sizes in CSS pixels. */
export interface FigureStyle {
  /** Width in px (default: the notebook's width inline; 800 for static export). */
  width?: number;
  /** Height in px. */
  height?: number;
  /** CSS font family for all text, e.g. "Arial" or "DejaVu Serif, serif". */
  fontFamily?: string;
  /** Base font size in px (tick labels, titles and legends scale from plotly's defaults). */
  fontSize?: number;
  /** Figure title. */
  title?: string;
}

/** Options of `Figure.toHtml`. */
export interface FigureHtmlOptions {
  /**
   * Inline the plotly.js bundle (default true). `false` leaves it out for pages that load plotly once
   * themselves (the report writer does).
   */
  includePlotly?: boolean;
  /** The plot `<div>`'s id (default: a fresh random one). */
  divId?: string;
}

const DEFAULT_CONFIG: PlotlyConfig = { displaylogo: false, responsive: true };

/** Deep copy into plain JSON: typed arrays become arrays, NaN/±Inf become null, functions are dropped. */
export function toPlainJson<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v)),
  ) as T;
}

function checkPositive(v: number | undefined, what: string): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new ParamError(`${what} must be a positive number of px, got ${String(v)}`);
}

/** Apply `FigureStyle` to a layout object in place. */
export function applyStyle(layout: PlotlyLayout, s: FigureStyle): void {
  checkPositive(s.width, "width");
  checkPositive(s.height, "height");
  checkPositive(s.fontSize, "fontSize");
  if (s.width !== undefined) layout.width = s.width;
  if (s.height !== undefined) layout.height = s.height;
  if (s.fontFamily !== undefined || s.fontSize !== undefined) {
    const font = { ...((layout.font as Record<string, unknown> | undefined) ?? {}) };
    if (s.fontFamily !== undefined) font.family = s.fontFamily;
    if (s.fontSize !== undefined) font.size = s.fontSize;
    layout.font = font;
  }
  if (s.title !== undefined) layout.title = { ...((layout.title as Record<string, unknown> | undefined) ?? {}), text: s.title };
}

export class Figure {
  /** Traces, plain JSON (edit freely before showing or saving). */
  data: PlotlyTrace[];
  /** Layout, plain JSON. */
  layout: PlotlyLayout;
  /** Plotly config for interactive display (`{displaylogo: false, responsive: true}` by default). */
  config: PlotlyConfig;
  /** One-line description used as the `text/plain` display. */
  summary: string;

  constructor(spec: FigureSpec, summary?: string) {
    if (!spec || !Array.isArray(spec.data)) throw new ParamError("Figure: expected {data: traces[], layout?, config?}");
    const plain = toPlainJson({ data: spec.data, layout: spec.layout ?? {}, config: { ...DEFAULT_CONFIG, ...(spec.config ?? {}) } });
    this.data = plain.data as PlotlyTrace[];
    this.layout = plain.layout;
    this.config = plain.config;
    this.summary = summary ?? defaultSummary(this.data, this.layout);
  }

  /** The title text, if any. */
  get title(): string | undefined {
    const t = this.layout.title;
    if (typeof t === "string") return t;
    const text = (t as { text?: unknown } | undefined)?.text;
    return typeof text === "string" ? text : undefined;
  }

  /** Set size, fonts and title in place (returns this, for chaining: `fig.style({width: 600}).show()`). */
  style(s: FigureStyle): this {
    applyStyle(this.layout, s);
    return this;
  }

  /** A deep copy. */
  clone(): Figure {
    return new Figure(this.toJSON(), this.summary);
  }

  /** `{data, layout, config}` as plain JSON (what `application/vnd.plotly.v1+json` carries). */
  toJSON(): { data: PlotlyTrace[]; layout: PlotlyLayout; config: PlotlyConfig } {
    return toPlainJson({ data: this.data, layout: this.layout, config: this.config });
  }

  /** One line: title, traces and panels. */
  toText(): string {
    return this.summary;
  }

  toString(): string {
    return this.summary;
  }

  /**
   * A self-contained HTML fragment: a `<div>`, a `<script>` that defines plotly.js from the inlined
   * bundle unless `window.Plotly` exists already, and a `<script>` that draws the figure — at once when
   * plotly.js is there, else when it arrives (see {@link drawScript}). Works offline. Until it is drawn
   * the `<div>` says what it holds and that it needs scripts (an untrusted notebook runs none).
   */
  toHtml(opts: FigureHtmlOptions = {}): string {
    const id = opts.divId ?? `lfads-plot-${randomBytes(6).toString("hex")}`;
    const w = typeof this.layout.width === "number" ? `${this.layout.width}px` : "100%";
    const h = typeof this.layout.height === "number" ? `${this.layout.height}px` : "450px";
    return (
      `<div id="${id}" class="lfads-plot" style="width:${w};height:${h};max-width:100%">` +
      `<div class="lfads-plot-note" style="color:#777;font-size:0.9em;padding:8px">${escapeHtml(this.summary)}. ${NEEDS_SCRIPTS}</div></div>\n` +
      (opts.includePlotly === false ? "" : plotlyScriptTag()) +
      `<script type="text/javascript">${drawScript(id, this)}</script>`
    );
  }

  /** The one display bundle: plotly JSON + self-contained HTML + text summary. */
  toMimeBundle(): MimeBundle {
    return {
      "application/vnd.plotly.v1+json": this.toJSON(),
      "text/html": this.toHtml(),
      "text/plain": this.toText(),
    };
  }

  /** Display inline in Jupyter (the summary line elsewhere). */
  show(): void {
    showBundle(this.toMimeBundle());
  }

  /**
   * Export to a file, the format from the extension (`.svg`, `.png`, `.pdf`), through headless Chromium.
   * Written atomically; returns the path. Size: `opts`, else the layout's, else 800 × 450 px.
   */
  save(path: string, opts: SaveOptions = {}): Promise<string> {
    return saveFigure(this, path, opts);
  }

  /** Render to image bytes in memory (SVG as UTF-8). */
  toImage(format: ImageFormat, opts: SaveOptions = {}): Promise<Uint8Array> {
    return renderFigure(this, format, opts);
  }

  [inspect.custom](depth: number, options: InspectOptions): string {
    // Outside a kernel only the summary is needed: skip building the 4.8 MB HTML.
    if (!inKernel()) return this.summary;
    return richInspect(this, this.summary, depth, options);
  }
}

function defaultSummary(data: readonly PlotlyTrace[], layout: PlotlyLayout): string {
  const types = [...new Set(data.map((t) => (typeof t.type === "string" ? t.type : "scatter")))];
  const t = layout.title;
  const title = typeof t === "string" ? t : typeof (t as { text?: unknown } | undefined)?.text === "string" ? (t as { text: string }).text : undefined;
  return `Figure${title ? ` "${title}"` : ""}: ${data.length} trace${data.length === 1 ? "" : "s"} (${types.join(", ") || "none"})`;
}

/** Make a Figure from a plain plotly spec (or return a Figure unchanged). */
export function figure(spec: FigureSpec | Figure, style: FigureStyle = {}): Figure {
  const f = spec instanceof Figure ? spec : new Figure(spec);
  return f.style(style);
}

const NEEDS_SCRIPTS = "It is drawn by plotly.js when scripts run: in Jupyter, trust the notebook (File → Trust Notebook).";
const FIX = "Run showPlotlyJs() from lfads-ts in any cell to send it again.";
const NO_PLOTLY = `plotly.js, which draws this figure, is in no output on this page: the output that carried it (the kernel session's first figure) was cleared or its cell re-run. ${FIX}`;
const PLOTLY_LEFT = `plotly.js is no longer in an output of this notebook (the output that carried it was cleared or re-run): figures draw now, but not when the saved notebook is reopened. ${FIX}`;

/**
 * The script that draws a figure into its `<div>`: now if `window.Plotly` exists, else when the library's
 * script fires its ready event (or `window.Plotly` appears), so outputs may come in any order. After
 * 5 s without plotly.js the `<div>` says how to bring it back, and still draws if it comes. In classic
 * Notebook (`window.Jupyter.notebook`), a figure drawn while no output holds the library says so under
 * the plot (until the library is sent again): the page still has `window.Plotly`, the saved notebook
 * would not.
 */
function drawScript(id: string, fig: { data: unknown; layout: unknown; config: unknown }): string {
  const ready = JSON.stringify(PLOTLY_READY_EVENT);
  return `(function () {
var div = document.getElementById(${JSON.stringify(id)}), waited = 0;
function draw() {
  if (div.getAttribute("data-lfads-drawn")) return;
  div.setAttribute("data-lfads-drawn", "1");
  window.removeEventListener(${ready}, draw);
  var n = div.querySelector(".lfads-plot-note"); if (n) div.removeChild(n);
  window.Plotly.newPlot(div, ${scriptJson(fig.data)}, ${scriptJson(fig.layout)}, ${scriptJson(fig.config)});
  if (window.Jupyter && window.Jupyter.notebook && !document.querySelector("script.${PLOTLY_JS_CLASS}")) {
    var w = document.createElement("div"); w.className = "lfads-plot-warning"; w.style.color = "#b35900";
    w.textContent = ${JSON.stringify(PLOTLY_LEFT)}; div.parentNode.insertBefore(w, div.nextSibling);
    window.addEventListener(${ready}, function () { if (w.parentNode) w.parentNode.removeChild(w); });
  }
}
function poll() {
  if (window.Plotly) { draw(); return; }
  if ((waited += 100) < 5000) { setTimeout(poll, 100); return; }
  var n = div.querySelector(".lfads-plot-note"); if (n) n.textContent = ${JSON.stringify(NO_PLOTLY)};
}
if (window.Plotly) { draw(); return; }
window.addEventListener(${ready}, draw);
poll();
})();`;
}

/**
 * Send plotly.js to the notebook again, as an output of its own (a one-line note), for when the figure
 * output that carried it was cleared or its cell re-run: figures of this notebook that miss it draw
 * then, and the saved notebook holds it. In a kernel only; elsewhere prints the note.
 */
export function showPlotlyJs(): void {
  kernelPlotly.release();
  const text = `plotly.js ${plotlyVersion()} for the figures of this notebook`;
  showBundle({ "text/html": `<div class="lfads-plotly-note" style="color:#777;font-size:0.9em">${escapeHtml(text)}</div>${plotlyScriptTag()}`, "text/plain": text });
}
