/**
 * Static export of figures to SVG, PNG and PDF through headless Chromium (plotly's own `toImage` in a
 * real browser, so text measurement, legends and WebGL scenes come out as on screen), and multi-panel
 * pages that put several figures in one grid for papers.
 *
 * - SVG: vector (line and scatter traces, text); heatmaps and 3-D scenes are embedded rasters
 *   (reference/ecosystem.md §2.3). Its `width`/`height` are the figure's size in px; `scale` is ignored.
 * - PNG: `width·scale × height·scale` pixels.
 * - PDF: one page of `width × height` CSS px (1/96 in), drawn from the SVG (vector).
 * Files are written atomically.
 */
import { extname, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { LfadsError, ParamError } from "../../core/errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { escapeHtml } from "../../core/format.js";
import type { PlotlyLayout, PlotlyTrace } from "../plots/plotly-types.js";
import { withBrowser, withScratchPage } from "./session.js";
import { browserCall, COMPOSE_PNG, COUNT_DRAWN_PLOTS, PLOTLY_TO_IMAGE } from "./browser-scripts.js";

export type ImageFormat = "svg" | "png" | "pdf";
export const IMAGE_FORMATS: readonly ImageFormat[] = ["svg", "png", "pdf"];

/** What export needs of a figure (a `Figure`, or any `{data, layout}`). */
export interface FigureLike {
  readonly data: readonly PlotlyTrace[];
  readonly layout?: PlotlyLayout;
}

export interface SaveOptions {
  /** Width in px (default: the layout's width, else 800). */
  width?: number;
  /** Height in px (default: the layout's height, else 450). */
  height?: number;
  /** Pixel density of PNG output (default 1; 2 or 3 for print). SVG and PDF are vector and ignore it. */
  scale?: number;
  /** Font family for all text (overrides the figure's), e.g. "Arial". */
  fontFamily?: string;
  /** Base font size in px (overrides the figure's). */
  fontSize?: number;
  /** Format; default from the file extension. */
  format?: ImageFormat;
}

export const DEFAULT_EXPORT_WIDTH = 800;
export const DEFAULT_EXPORT_HEIGHT = 450;

/** The export format a path's extension names (`.svg`, `.png`, `.pdf`), or a ParamError. */
export function formatFromPath(path: string): ImageFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if ((IMAGE_FORMATS as readonly string[]).includes(ext)) return ext as ImageFormat;
  throw new ParamError(`Cannot tell the image format from '${path}': use a .svg, .png or .pdf file name (or pass {format})`);
}

function positive(v: number | undefined, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!(Number.isFinite(v) && v > 0)) throw new ParamError(`${what} must be a positive number, got ${String(v)}`);
  return v;
}

interface Prepared {
  data: readonly PlotlyTrace[];
  layout: PlotlyLayout;
  width: number;
  height: number;
  scale: number;
}

function prepare(fig: FigureLike, o: { width?: number; height?: number; scale?: number; fontFamily?: string; fontSize?: number }): Prepared {
  const layout: PlotlyLayout = JSON.parse(JSON.stringify(fig.layout ?? {})) as PlotlyLayout;
  const width = Math.round(positive(o.width ?? (typeof layout.width === "number" ? layout.width : undefined), "width", DEFAULT_EXPORT_WIDTH));
  const height = Math.round(positive(o.height ?? (typeof layout.height === "number" ? layout.height : undefined), "height", DEFAULT_EXPORT_HEIGHT));
  const scale = positive(o.scale, "scale", 1);
  if (o.fontFamily !== undefined || o.fontSize !== undefined) {
    const font = { ...((layout.font as Record<string, unknown> | undefined) ?? {}) };
    if (o.fontFamily !== undefined) font.family = o.fontFamily;
    if (o.fontSize !== undefined) font.size = positive(o.fontSize, "fontSize", 12);
    layout.font = font;
  }
  layout.width = width;
  layout.height = height;
  // Interactive-only settings would resize the static image.
  layout.autosize = false;
  return { data: fig.data, layout, width, height, scale };
}

/** Plotly.toImage in the shared page: SVG markup, or PNG bytes. */
async function plotlyImage(p: Prepared, format: "svg" | "png"): Promise<string | Buffer> {
  const arg = { data: p.data, layout: p.layout, width: p.width, height: p.height, scale: p.scale, format };
  const out = (await withBrowser((page) => page.evaluate(browserCall(PLOTLY_TO_IMAGE, arg)))) as { base64?: string; text?: string };
  if (typeof out.base64 === "string") return Buffer.from(out.base64, "base64");
  if (typeof out.text === "string") return out.text;
  throw new LfadsError("Plotly.toImage returned no image");
}

/** Print an SVG document to a one-page PDF of `width × height` px. */
async function svgToPdf(svg: string, width: number, height: number): Promise<Buffer> {
  return withScratchPage(async (page) => {
    await page.setContent(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><style>@page { size: ${width}px ${height}px; margin: 0 } ` +
        `html, body { margin: 0; padding: 0; background: white } svg { display: block }</style></head><body>${svg}</body></html>`,
    );
    return page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, margin: { top: "0", right: "0", bottom: "0", left: "0" }, pageRanges: "1" });
  });
}

/** Render one figure to image bytes (SVG as UTF-8 text). */
export async function renderFigure(fig: FigureLike, format: ImageFormat, opts: SaveOptions = {}): Promise<Uint8Array> {
  if (!(IMAGE_FORMATS as readonly string[]).includes(format)) throw new ParamError(`format must be one of ${IMAGE_FORMATS.join(", ")}; got '${String(format)}'`);
  const p = prepare(fig, opts);
  if (format === "png") return (await plotlyImage(p, "png")) as Buffer;
  const svg = (await plotlyImage(p, "svg")) as string;
  if (format === "svg") return Buffer.from(withXmlHeader(svg), "utf8");
  return svgToPdf(svg, p.width, p.height);
}

function withXmlHeader(svg: string): string {
  return svg.startsWith("<?xml") ? svg : `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n${svg}`;
}

/**
 * Save one figure; the format comes from the extension (`.svg`, `.png`, `.pdf`) unless `opts.format` is
 * given. Written atomically; returns `path`.
 */
export async function saveFigure(fig: FigureLike, path: string, opts: SaveOptions = {}): Promise<string> {
  const format = opts.format ?? formatFromPath(path);
  const bytes = await renderFigure(fig, format, opts);
  writeFileAtomic(path, bytes);
  return path;
}

export interface PanelOptions {
  /** Panels per row (default: all in one row up to 3, else 2 … so the grid is near square). */
  cols?: number;
  /** Size of every panel in px (default 500 × 350). */
  panelWidth?: number;
  panelHeight?: number;
  /** Gap between panels in px (default 10). */
  gap?: number;
  /** PNG pixel density (default 1). */
  scale?: number;
  /** Font for every panel and for the labels. */
  fontFamily?: string;
  fontSize?: number;
  /** Panel letters: true (default) for "A", "B", …; false for none; or your own labels. */
  labels?: boolean | readonly string[];
  /** A title line across the top of the page. */
  title?: string;
  /** Format; default from the file extension. */
  format?: ImageFormat;
}

interface PanelPlan {
  cols: number;
  rows: number;
  pw: number;
  ph: number;
  gap: number;
  top: number;
  width: number;
  height: number;
  labels: string[];
  fontFamily: string;
  fontSize: number;
  title?: string;
  scale: number;
}

function planPanels(n: number, o: PanelOptions): PanelPlan {
  if (n < 1) throw new ParamError("savePanels: give at least one figure");
  const cols = o.cols ?? (n <= 3 ? n : Math.ceil(Math.sqrt(n)));
  if (!Number.isInteger(cols) || cols < 1) throw new ParamError(`savePanels: cols must be a positive integer, got ${String(cols)}`);
  const rows = Math.ceil(n / Math.min(cols, n));
  const pw = Math.round(positive(o.panelWidth, "panelWidth", 500));
  const ph = Math.round(positive(o.panelHeight, "panelHeight", 350));
  const gap = o.gap ?? 10;
  if (!(gap >= 0)) throw new ParamError(`savePanels: gap must be >= 0 px, got ${gap}`);
  const fontSize = positive(o.fontSize, "fontSize", 12);
  const top = o.title !== undefined ? Math.round(fontSize * 2.2) : 0;
  const c = Math.min(cols, n);
  let labels: string[] = [];
  if (o.labels === undefined || o.labels === true) labels = Array.from({ length: n }, (_, i) => panelLetter(i));
  else if (Array.isArray(o.labels)) labels = Array.from({ length: n }, (_, i) => (o.labels as readonly string[])[i] ?? "");
  return {
    cols: c,
    rows,
    pw,
    ph,
    gap,
    top,
    width: c * pw + (c - 1) * gap,
    height: top + rows * ph + (rows - 1) * gap,
    labels,
    fontFamily: o.fontFamily ?? "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif",
    fontSize,
    title: o.title,
    scale: positive(o.scale, "scale", 1),
  };
}

/** "A" … "Z", "AA", … */
function panelLetter(i: number): string {
  let s = "";
  let k = i;
  do {
    s = String.fromCharCode(65 + (k % 26)) + s;
    k = Math.floor(k / 26) - 1;
  } while (k >= 0);
  return s;
}

function panelOrigin(plan: PanelPlan, i: number): { x: number; y: number } {
  const r = Math.floor(i / plan.cols);
  const c = i % plan.cols;
  return { x: c * (plan.pw + plan.gap), y: plan.top + r * (plan.ph + plan.gap) };
}

function escapeXml(s: string): string {
  return escapeHtml(s).replace(/'/g, "&apos;");
}

/** Compose panel SVGs into one SVG document (nested `<svg>` elements placed on the grid). */
function composeSvg(plan: PanelPlan, svgs: readonly string[]): string {
  const font = escapeXml(plan.fontFamily);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${plan.width}" height="${plan.height}" viewBox="0 0 ${plan.width} ${plan.height}">`,
    `<rect x="0" y="0" width="${plan.width}" height="${plan.height}" fill="#ffffff"/>`,
  ];
  if (plan.title !== undefined) {
    parts.push(`<text x="${plan.width / 2}" y="${Math.round(plan.fontSize * 1.5)}" text-anchor="middle" font-family="${font}" font-size="${Math.round(plan.fontSize * 1.3)}" font-weight="bold">${escapeXml(plan.title)}</text>`);
  }
  svgs.forEach((svg, i) => {
    const { x, y } = panelOrigin(plan, i);
    const body = svg.replace(/^<\?xml[^>]*>\s*/, "").replace(/^<svg\b/, `<svg x="${x}" y="${y}"`);
    parts.push(body);
    const label = plan.labels[i];
    if (label) {
      parts.push(`<text x="${x + 4}" y="${y + Math.round(plan.fontSize * 1.35)}" font-family="${font}" font-size="${Math.round(plan.fontSize * 1.35)}" font-weight="bold">${escapeXml(label)}</text>`);
    }
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Compose panel PNGs (already at `scale`) on a canvas, with labels and title. */
async function composePng(plan: PanelPlan, pngs: readonly Buffer[]): Promise<Buffer> {
  const panels = pngs.map((b, i) => ({ src: `data:image/png;base64,${b.toString("base64")}`, ...panelOrigin(plan, i), label: plan.labels[i] ?? "" }));
  const b64 = await withBrowser((page) => page.evaluate(browserCall(COMPOSE_PNG, { plan, panels })));
  if (typeof b64 !== "string") throw new LfadsError("composing the panel PNG failed");
  return Buffer.from(b64, "base64");
}

/**
 * Several figures on one page, in a grid (row-major), with panel letters: SVG (nested vector panels),
 * PNG (panels rendered at `scale`) or PDF (one page, vector). Every panel is drawn at
 * `panelWidth × panelHeight`; the figures' own sizes are ignored.
 */
export async function renderPanels(figures: readonly FigureLike[], format: ImageFormat, opts: PanelOptions = {}): Promise<Uint8Array> {
  if (!(IMAGE_FORMATS as readonly string[]).includes(format)) throw new ParamError(`format must be one of ${IMAGE_FORMATS.join(", ")}; got '${String(format)}'`);
  const plan = planPanels(figures.length, opts);
  const style = { width: plan.pw, height: plan.ph, scale: plan.scale, fontFamily: opts.fontFamily, fontSize: opts.fontSize };
  if (format === "png") {
    const pngs: Buffer[] = [];
    for (const f of figures) pngs.push((await plotlyImage(prepare(f, style), "png")) as Buffer);
    return composePng(plan, pngs);
  }
  const svgs: string[] = [];
  for (const f of figures) svgs.push((await plotlyImage(prepare(f, style), "svg")) as string);
  const svg = composeSvg(plan, svgs);
  if (format === "svg") return Buffer.from(withXmlHeader(svg), "utf8");
  return svgToPdf(svg, plan.width, plan.height);
}

/** {@link renderPanels} into a file (format from the extension), written atomically; returns `path`. */
export async function savePanels(figures: readonly FigureLike[], path: string, opts: PanelOptions = {}): Promise<string> {
  const format = opts.format ?? formatFromPath(path);
  const bytes = await renderPanels(figures, format, opts);
  writeFileAtomic(path, bytes);
  return path;
}

/** What {@link countDrawnPlots} found. */
export interface DrawnPlots {
  /** `.lfads-plot` divs on the page. */
  plots: number;
  /** Of those, how many plotly drew (hold a `.main-svg`). */
  drawn: number;
}

/**
 * Open an HTML file (a report, or a page saved with `saveHtml`) in the export browser and count the
 * figures plotly drew — a check that a report renders offline. Waits up to `timeoutMs` (default 20 s).
 */
export async function countDrawnPlots(htmlFile: string, opts: { timeoutMs?: number } = {}): Promise<DrawnPlots> {
  const url = pathToFileURL(resolvePath(htmlFile)).href;
  return withScratchPage(async (page) => {
    await page.goto(url, { waitUntil: "load", timeout: 60_000 });
    const r = (await page.evaluate(browserCall(COUNT_DRAWN_PLOTS, { timeoutMs: opts.timeoutMs ?? 20_000 }))) as DrawnPlots;
    return { plots: r.plots, drawn: r.drawn };
  });
}
