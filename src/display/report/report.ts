/**
 * HTML reports: one self-contained file (plotly.js inlined once, every figure drawn from inline JSON,
 * tables as HTML) that opens offline in any browser — `lfads demo`'s final report, or a notebook's
 * summary to share.
 */
import { escapeHtml } from "../../core/format.js";
import { ParamError } from "../../core/errors.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { renderTableHtml, type TableData, type TableOptions } from "../table.js";
import { Figure, type FigureSpec } from "../plots/figure.js";
import { plotlyScriptTag, plotlyVersion } from "../plots/plotly-js.js";

/** Anything with its own HTML rendering (a `RunDashboard`, a `TableView`, …). */
export interface HtmlRenderable {
  toHtml(): string;
}

/** One section. Its parts appear in this order: heading, text, html, figure(s), table. */
export interface ReportSection {
  heading?: string;
  /** Paragraph text (escaped; blank lines separate paragraphs). */
  text?: string;
  /** Raw HTML, inserted as is. */
  html?: string;
  /** One figure or several (a `Figure` or a plain `{data, layout}` spec). */
  figure?: Figure | FigureSpec | readonly (Figure | FigureSpec)[];
  /** A table: rows/columns data (rendered with `renderTableHtml`) or an object with `toHtml()`. */
  table?: TableData | HtmlRenderable;
  /** Options for a data `table`. */
  tableOptions?: TableOptions;
}

export interface ReportOptions {
  title: string;
  /** A line under the title. */
  subtitle?: string;
  sections: readonly ReportSection[];
  /** Footer timestamp (default now; `false` for none, e.g. reproducible files). */
  generatedAt?: Date | false;
}

const CSS = `
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, "Liberation Sans", sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.lfads-subtitle { color: #666; margin-top: 0; }
.lfads-toc { font-size: 0.95em; }
.lfads-figure { margin: 12px 0; }
table.lfads-table { border-collapse: collapse; font-size: 0.9em; margin: 8px 0; }
table.lfads-table th, table.lfads-table td { padding: 2px 8px; }
table.lfads-table thead th { border-bottom: 1px solid #999; }
table.lfads-table tbody tr:nth-child(even) { background: #fafafa; }
footer { color: #888; font-size: 0.85em; margin-top: 3em; }
`;

function isRenderable(x: unknown): x is HtmlRenderable {
  return x !== null && typeof x === "object" && typeof (x as { toHtml?: unknown }).toHtml === "function";
}

function figuresOf(s: ReportSection): Figure[] {
  if (s.figure === undefined) return [];
  const list = (Array.isArray(s.figure) ? s.figure : [s.figure]) as readonly (Figure | FigureSpec)[];
  return list.map((f) => (f instanceof Figure ? f : new Figure(f)));
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("\n");
}

/** The report as one HTML document (plotly.js inlined once in `<head>`). */
export function reportHtml(opts: ReportOptions): string {
  if (!opts || typeof opts.title !== "string") throw new ParamError("writeReport: expected {title: string, sections: [...]}");
  if (!Array.isArray(opts.sections)) throw new ParamError("writeReport: sections must be an array of {heading, text | html | figure | table}");
  let nFigures = 0;
  const body: string[] = [];
  const toc: string[] = [];
  opts.sections.forEach((s, k) => {
    const id = `section-${k + 1}`;
    body.push(`<section id="${id}">`);
    if (s.heading !== undefined) {
      body.push(`<h2>${escapeHtml(s.heading)}</h2>`);
      toc.push(`<li><a href="#${id}">${escapeHtml(s.heading)}</a></li>`);
    }
    if (s.text !== undefined) body.push(paragraphs(s.text));
    if (s.html !== undefined) body.push(s.html);
    for (const f of figuresOf(s)) {
      nFigures++;
      body.push(`<div class="lfads-figure">${f.toHtml({ includePlotly: false, divId: `lfads-plot-${nFigures}` })}</div>`);
    }
    if (s.table !== undefined) {
      body.push(isRenderable(s.table) ? s.table.toHtml() : renderTableHtml(s.table, { limit: Infinity, ...(s.tableOptions ?? {}) }));
    }
    body.push("</section>");
  });
  const generated = opts.generatedAt === false ? "" : (opts.generatedAt ?? new Date()).toISOString();
  const head = [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${CSS}</style>`,
    // plotly.js once, for every figure below (only when there are figures).
    nFigures > 0 ? plotlyScriptTag() : "",
    "</head><body>",
    `<h1>${escapeHtml(opts.title)}</h1>`,
    opts.subtitle !== undefined ? `<p class="lfads-subtitle">${escapeHtml(opts.subtitle)}</p>` : "",
    toc.length > 3 ? `<nav class="lfads-toc"><ul>${toc.join("")}</ul></nav>` : "",
  ];
  const foot = `<footer>lfads-ts report${generated ? `, generated ${escapeHtml(generated)}` : ""}${nFigures > 0 ? `; figures drawn with plotly.js ${escapeHtml(plotlyVersion())} (inlined, works offline)` : ""}</footer>`;
  return [...head, ...body, foot, "</body></html>", ""].filter((l) => l !== "").join("\n");
}

/** Write the report to `path` (atomically) as one self-contained HTML file; returns `path`. */
export function writeReport(path: string, opts: ReportOptions): string {
  writeFileAtomic(path, reportHtml(opts));
  return path;
}

/** Number of figures a report's sections hold (what a rendered page should draw). */
export function reportFigureCount(opts: ReportOptions): number {
  return opts.sections.reduce((n, s) => n + figuresOf(s).length, 0);
}
