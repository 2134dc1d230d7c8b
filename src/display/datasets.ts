/**
 * Notebook (HTML) displays of datasets and dataset collections, plus the small HTML kit the run
 * displays (runs.ts) share. The text displays stay the classes' own MATLAB-style `toString()`.
 *
 * Everything is synchronous and reads only what is in memory: a dataset whose info is not loaded shows
 * empty cells and a hint to call `await dc.loadInfo()`.
 *
 * Styling is inline (notebook sanitizers drop `<style>`), and theme-neutral so the views read in light
 * and dark Jupyter themes: text colour is inherited, greys are translucent, and every solid background
 * sets its own text colour.
 *
 * Importing this module registers the displays behind Dataset's and DatasetCollection's `toText()`,
 * `toHtml()` and rich `util.inspect`, so a cell ending in `dc` renders the info table in Jupyter.
 */
import { escapeHtml } from "../core/format.js";
import { Dataset } from "../data/dataset.js";
import { DatasetCollection } from "../data/dataset-collection.js";
import { registerDisplay } from "./inspect.js";

// ---------------------------------------------------------------------------------------------------
// Shared HTML kit (also used by runs.ts)

/** Root container style: the Jupyter UI font at a compact size. */
const ROOT_STYLE = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:13px;line-height:1.4";
export const MONO = "font-family:monospace";
/** Secondary text: translucent, so it works on light and dark backgrounds. */
export const MUTED = "opacity:.7";

/** Escape text for HTML content and double-quoted attributes. */
export const esc = (s: string): string => escapeHtml(s);

/** `<code>` in the monospace font. */
export function code(s: string): string {
  return `<code style="${MONO};background:transparent;padding:0">${esc(s)}</code>`;
}

/** The bold title line: class name, quoted name and extra (already-HTML) parts. */
export function titleLine(cls: string, name: string, ...extra: string[]): string {
  const parts = [`<b>${esc(cls)}</b> <span style="${MONO}">&quot;${esc(name)}&quot;</span>`, ...extra.filter(Boolean)];
  return `<div style="font-size:14px;margin-bottom:2px">${parts.join(` <span style="${MUTED}">·</span> `)}</div>`;
}

/** A secondary line (already HTML). */
export function mutedLine(html: string): string {
  return `<div style="${MUTED}">${html}</div>`;
}

/** A section heading inside a display. */
export function section(title: string, note = ""): string {
  return `<div style="font-weight:600;margin-top:8px">${esc(title)}${note ? ` <span style="font-weight:normal;${MUTED}">${esc(note)}</span>` : ""}</div>`;
}

/** One table cell: HTML content, alignment, optional tooltip and extra style. */
export interface Cell {
  html: string;
  align?: "left" | "right" | "center";
  title?: string;
  style?: string;
}

// Translucent grey rules (#RGBA) read on light and dark backgrounds. Kept short: every cell repeats them.
const TH = "padding:2px 8px;border-bottom:1px solid #8889;font-weight:600";
const TD = "padding:1px 8px;border-bottom:1px solid #8883";

/** Rows shown before a table is cut (with a note saying how many are left out). */
const MAX_ROWS = 200;

/**
 * A compact table. Jupyter's stylesheet right-aligns cells, so every cell states its alignment.
 * `head` cells are plain text (escaped); body cells are HTML (escape their text with `esc`). Rows past
 * `limit` are left out, with a note.
 */
export function htmlTable(head: readonly (string | Cell)[], allRows: readonly (readonly Cell[])[], className = "lfads-table", limit = MAX_ROWS): string {
  const rows = allRows.length > limit ? allRows.slice(0, limit) : allRows;
  const th = head.map((h) => {
    const c: Cell = typeof h === "string" ? { html: esc(h) } : h;
    return `<th style="${TH};text-align:${c.align ?? "left"}${c.style ? `;${c.style}` : ""}"${c.title ? ` title="${esc(c.title)}"` : ""}>${c.html}</th>`;
  });
  const body = rows.map(
    (r) => `<tr>${r.map((c) => `<td style="${TD};text-align:${c.align ?? "left"}${c.style ? `;${c.style}` : ""}"${c.title ? ` title="${esc(c.title)}"` : ""}>${c.html}</td>`).join("")}</tr>`,
  );
  const note = allRows.length > rows.length ? mutedLine(`… ${allRows.length - rows.length} more rows (${allRows.length} total) not shown`) : "";
  return `<table class="${esc(className)}" style="border-collapse:collapse;margin:2px 0 4px 0;border:none"><thead><tr>${th.join("")}</tr></thead><tbody>${body.join("")}</tbody></table>${note}`;
}

/** Wrap display parts in the root container. */
export function container(className: string, parts: readonly string[]): string {
  return `<div class="${esc(className)}" style="${ROOT_STYLE}">\n${parts.filter(Boolean).join("\n")}\n</div>`;
}

/** The display class name: the class's static `matlabClass` (`LFADS.RunCollection`, …) or its JS name. */
export function matlabClassOf(x: object): string {
  return (x.constructor as { matlabClass?: string }).matlabClass ?? x.constructor.name;
}

// ---------------------------------------------------------------------------------------------------
// Datasets

const num = (n: number): Cell => ({ html: Number.isFinite(n) ? esc(String(n)) : "", align: "right" });

/** The info-table row of one dataset, read synchronously (blank cells while its info is not loaded). */
function infoCells(d: Dataset): Cell[] {
  return [
    { html: d.infoLoaded ? esc(d.subject) : "" },
    { html: d.infoLoaded ? esc(d.datestr) : "", style: MONO },
    { html: d.infoLoaded ? esc(d.saveTags.join(",")) : "" },
    num(d.infoLoaded ? d.nTrials : NaN),
    num(d.infoLoaded ? d.nChannels : NaN),
  ];
}

const INFO_HEAD = ["subject", "date", "saveTags", { html: "nTrials", align: "right" } as Cell, { html: "nChannels", align: "right" } as Cell];

/**
 * A table of datasets: `[#] name subject date saveTags nTrials nChannels`. `indices` are the 1-based
 * positions shown in the first column (default 1..n); the file path is the name's tooltip.
 */
export function datasetsTableHtml(datasets: readonly Dataset[], indices?: readonly (number | undefined)[]): string {
  const rows = datasets.map((d, i) => [
    { html: esc(String(indices?.[i] ?? i + 1)), align: "right" as const, style: MUTED },
    { html: esc(d.name), style: `${MONO};font-weight:600`, title: d.path },
    ...infoCells(d),
  ]);
  return htmlTable([{ html: "#", align: "right" }, "name", ...INFO_HEAD], rows);
}

/** A note when some datasets' info is not loaded yet (else ""). */
export function infoNotLoadedNote(datasets: readonly Dataset[], hint: string): string {
  const missing = datasets.filter((d) => !d.infoLoaded).length;
  if (missing === 0) return "";
  return mutedLine(`${missing} of ${datasets.length} datasets have no info loaded yet (blank cells): run ${code(hint)}.`);
}

/** The notebook view of a DatasetCollection: name, path, and the info table of its datasets. */
export function datasetCollectionToHtml(dc: DatasetCollection): string {
  const n = dc.nDatasets;
  const parts = [
    titleLine(matlabClassOf(dc), dc.name, `${n} dataset${n === 1 ? "" : "s"}`),
    mutedLine(`path ${code(dc.path)}`),
    dc.comment ? mutedLine(esc(dc.comment)) : "",
    n === 0 ? mutedLine("No datasets yet: add one with <code>new Dataset(dc, &quot;dataset001.h5&quot;)</code>.") : datasetsTableHtml(dc.datasets),
    infoNotLoadedNote(dc.datasets, "await dc.loadInfo()"),
  ];
  return container("lfads-dataset-collection", parts);
}

/** The notebook view of one Dataset: name, file, collection and its info. */
export function datasetToHtml(d: Dataset): string {
  const where = d.collection ? `in collection <span style="${MONO}">&quot;${esc(d.collection.name)}&quot;</span> (#${d.indexInCollection ?? "?"})` : "not in a collection";
  const parts = [
    titleLine(matlabClassOf(d), d.name, where),
    mutedLine(`file ${code(d.path)}`),
    d.comment ? mutedLine(esc(d.comment)) : "",
    d.infoLoaded
      ? htmlTable(INFO_HEAD, [infoCells(d)])
      : mutedLine(`Info not loaded yet: run ${code("await ds.loadInfo()")} to read subject, date, trial and channel counts.`),
  ];
  return container("lfads-dataset", parts);
}

// Display is a later stage than data, so the classes look their renderers up (src/core/renderers.ts);
// the text view is each class's MATLAB-style toString().
registerDisplay(DatasetCollection, { text: (dc) => dc.toString(), html: datasetCollectionToHtml });
registerDisplay(Dataset, { text: (d) => d.toString(), html: datasetToHtml });
