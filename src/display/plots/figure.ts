/**
 * `Figure`: a plotly figure (`{data, layout, config}` as plain JSON) that displays itself in Jupyter and
 * exports to SVG/PNG/PDF.
 *
 * In a notebook `show(fig)` (or `fig` as a cell's last expression) sends **one** MIME bundle
 * (reference/ecosystem.md §2.1): `application/vnd.plotly.v1+json` (JupyterLab with a plotly renderer,
 * VS Code), a self-contained `text/html` that inlines the offline plotly.js bundle once per figure behind
 * `if (!window.Plotly)` (classic Notebook 6, JupyterLab, VS Code, nbconvert HTML — trusted notebooks),
 * and a one-line `text/plain` summary (everything else, and terminals).
 */
import { inspect, type InspectOptions } from "node:util";
import { randomBytes } from "node:crypto";
import { ParamError } from "../../core/errors.js";
import type { MimeBundle } from "../bridge.js";
import { inKernel } from "../bridge.js";
import { richInspect } from "../inspect.js";
import { showBundle } from "../show.js";
import { saveFigure, renderFigure, type ImageFormat, type SaveOptions } from "../export/export.js";
import { plotlyLoaderJs, scriptJson } from "./plotly-js.js";

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
   * A self-contained HTML fragment: a `<div>` and a `<script>` that defines plotly.js from the inlined
   * bundle unless `window.Plotly` exists already, then draws the figure. Works offline.
   */
  toHtml(opts: FigureHtmlOptions = {}): string {
    const id = opts.divId ?? `lfads-plot-${randomBytes(6).toString("hex")}`;
    const w = typeof this.layout.width === "number" ? `${this.layout.width}px` : "100%";
    const h = typeof this.layout.height === "number" ? `${this.layout.height}px` : "450px";
    const loader = opts.includePlotly === false ? "" : plotlyLoaderJs();
    return (
      `<div id="${id}" class="lfads-plot" style="width:${w};height:${h};max-width:100%"></div>\n` +
      `<script type="text/javascript">(function () {\n${loader}` +
      `window.Plotly.newPlot(document.getElementById(${JSON.stringify(id)}), ${scriptJson(this.data)}, ${scriptJson(this.layout)}, ${scriptJson(this.config)});\n` +
      `})();</script>`
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
