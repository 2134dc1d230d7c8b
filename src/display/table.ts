/**
 * Generic table rendering to HTML and to aligned text, with arquero `toHTML`-like options: column
 * subset and labels, alignment, per-column formatters, row limit/offset, null text, CSS class and
 * inline styles, escaping. Plain data in, string out.
 */
import { escapeHtml, formatG } from "../core/format.js";
import { ParamError, didYouMean } from "../core/errors.js";

/** Rows (array of records) or columns (record of equal-length arrays, typed arrays allowed). */
export type TableData = readonly Readonly<Record<string, unknown>>[] | { readonly [column: string]: ArrayLike<unknown> };

export type Align = "left" | "center" | "right";

/** Per-column settings; a bare string in `columns` means `{ name }`. */
export interface ColumnSpec {
  name: string;
  /** Header text (default: the name). */
  label?: string;
  /** Default: right for numbers, left otherwise. */
  align?: Align;
  /** Cell text (escaped in HTML unless `escape: false`). */
  format?: (value: unknown, row: number) => string;
  /** Tooltip (HTML `title`) per cell. */
  title?: (value: unknown, row: number) => string | undefined;
}

export interface TableOptions {
  /** Columns to show, in order (default: all, in first-seen order). */
  columns?: readonly (string | ColumnSpec)[];
  /** Alignment by column name (overridden by a ColumnSpec's own `align`). */
  align?: Readonly<Record<string, Align>>;
  /** Formatters by column name (overridden by a ColumnSpec's own `format`). */
  format?: Readonly<Record<string, (value: unknown, row: number) => string>>;
  /** Maximum rows shown (default 100; `Infinity` for all). A note gives the number left out. */
  limit?: number;
  /** First row shown (default 0). */
  offset?: number;
  /** Text for null/undefined cells (default ""). */
  null?: string;
  /** Significant digits for non-integer numbers (default 6, `%g` style). */
  digits?: number;
  /** CSS class of the `<table>` (default "lfads-table"). */
  className?: string;
  /** Inline CSS for the table, header cells, body cells, and per body row. */
  style?: { table?: string; th?: string; td?: string; row?: (row: number) => string | undefined };
  /** HTML-escape cell and header text (default true). `false` inserts formatter output as HTML. */
  escape?: boolean;
  /** Caption above the table. */
  caption?: string;
}

interface ResolvedColumn {
  name: string;
  label: string;
  align: Align;
  format: (value: unknown, row: number) => string;
  title?: (value: unknown, row: number) => string | undefined;
  values: ArrayLike<unknown>;
}

/** True for a non-empty array of plain objects (what `show` renders as a table). */
export function isRecordArray(x: unknown): x is readonly Record<string, unknown>[] {
  if (!Array.isArray(x) || x.length === 0) return false;
  return x.every((r) => r !== null && typeof r === "object" && !Array.isArray(r) && Object.getPrototypeOf(r) === Object.prototype);
}

/** Default cell text: `%g` for fractions, plain integers, true/false, ISO dates, short arrays. */
export function formatCell(v: unknown, digits = 6, nullText = ""): string {
  if (v === null || v === undefined) return nullText;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatG(v, digits);
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = Array.from(v as ArrayLike<unknown>);
    return a.length <= 6 ? `[${a.map((e) => formatCell(e, digits, nullText)).join(", ")}]` : `[${a.length} items]`;
  }
  return JSON.stringify(v) ?? String(v);
}

function toColumns(data: TableData): { names: string[]; columns: Map<string, ArrayLike<unknown>>; nRows: number } {
  const columns = new Map<string, ArrayLike<unknown>>();
  if (Array.isArray(data)) {
    const rows = data as readonly Readonly<Record<string, unknown>>[];
    const seen = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
    const names = [...seen];
    for (const k of names) columns.set(k, rows.map((r) => r[k]));
    return { names, columns, nRows: rows.length };
  }
  const cols = data as { readonly [column: string]: ArrayLike<unknown> };
  const names = Object.keys(cols);
  let nRows = 0;
  for (const k of names) {
    columns.set(k, cols[k]!);
    nRows = Math.max(nRows, cols[k]!.length);
  }
  return { names, columns, nRows };
}

function resolve(data: TableData, o: TableOptions): { cols: ResolvedColumn[]; nRows: number } {
  const { names, columns, nRows } = toColumns(data);
  const specs = (o.columns ?? names).map((c) => (typeof c === "string" ? { name: c } : c));
  const digits = o.digits ?? 6;
  const nullText = o.null ?? "";
  const cols = specs.map((s): ResolvedColumn => {
    const values = columns.get(s.name);
    if (!values) throw new ParamError(`table: unknown column '${s.name}'.${didYouMean(s.name, names)} Columns: ${names.join(", ")}`);
    let numeric = false;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      numeric = typeof v === "number" || typeof v === "bigint";
      break;
    }
    return {
      name: s.name,
      label: s.label ?? s.name,
      align: s.align ?? o.align?.[s.name] ?? (numeric ? "right" : "left"),
      format: s.format ?? o.format?.[s.name] ?? ((v) => formatCell(v, digits, nullText)),
      title: s.title,
      values,
    };
  });
  return { cols, nRows };
}

function rowWindow(nRows: number, o: TableOptions): { start: number; end: number } {
  const start = Math.min(Math.max(0, o.offset ?? 0), nRows);
  const limit = o.limit ?? 100;
  if (!(limit >= 0)) throw new ParamError(`table: limit must be a number >= 0, got ${String(limit)}`);
  return { start, end: Math.min(nRows, start + limit) };
}

function omittedNote(nRows: number, start: number, end: number): string {
  const parts: string[] = [];
  const rows = (n: number) => `${n} row${n === 1 ? "" : "s"}`;
  if (start > 0) parts.push(`${rows(start)} before`);
  if (end < nRows) parts.push(`${rows(nRows - end)} more`);
  return parts.length ? `… ${parts.join(", ")} (${nRows} total)` : "";
}

/** Render a table as HTML (a `<table>` element, plus a note when rows are left out). */
export function renderTableHtml(data: TableData, options: TableOptions = {}): string {
  const { cols, nRows } = resolve(data, options);
  const { start, end } = rowWindow(nRows, options);
  const esc = options.escape === false ? (s: string) => s : escapeHtml;
  const st = options.style ?? {};
  const attr = (name: string, v: string | undefined) => (v ? ` ${name}="${escapeHtml(v)}"` : "");
  const out: string[] = [];
  out.push(`<table class="${escapeHtml(options.className ?? "lfads-table")}"${attr("style", st.table)}>`);
  if (options.caption !== undefined) out.push(`<caption>${esc(options.caption)}</caption>`);
  out.push(`<thead><tr>${cols.map((c) => `<th${attr("style", `text-align:${c.align};${st.th ?? ""}`)}>${esc(c.label)}</th>`).join("")}</tr></thead>`);
  out.push("<tbody>");
  for (let i = start; i < end; i++) {
    const cells = cols.map((c) => {
      const v = c.values[i];
      return `<td${attr("style", `text-align:${c.align};${st.td ?? ""}`)}${attr("title", c.title?.(v, i))}>${esc(c.format(v, i))}</td>`;
    });
    out.push(`<tr${attr("style", st.row?.(i))}>${cells.join("")}</tr>`);
  }
  out.push("</tbody></table>");
  const note = omittedNote(nRows, start, end);
  if (note) out.push(`<div class="lfads-table-note" style="color:#777;font-size:smaller">${escapeHtml(note)}</div>`);
  return out.join("\n");
}

/** Render a table as aligned plain text: header, a rule, rows, and a note when rows are left out. */
export function renderTableText(data: TableData, options: TableOptions = {}): string {
  const { cols, nRows } = resolve(data, options);
  const { start, end } = rowWindow(nRows, options);
  const cells = cols.map((c) => {
    const col = [c.label];
    for (let i = start; i < end; i++) col.push(c.format(c.values[i], i).replace(/\s*\n\s*/g, " "));
    return col;
  });
  const widths = cells.map((col) => Math.max(...col.map((s) => s.length)));
  const pad = (s: string, w: number, a: Align): string => {
    if (a === "right") return s.padStart(w);
    if (a === "center") return s.padStart(Math.floor((w + s.length) / 2)).padEnd(w);
    return s.padEnd(w);
  };
  const line = (r: number) => cols.map((c, j) => pad(cells[j]![r]!, widths[j]!, c.align)).join("  ").replace(/\s+$/, "");
  const lines = [];
  if (options.caption !== undefined) lines.push(options.caption);
  lines.push(line(0), widths.map((w) => "-".repeat(w)).join("  "));
  for (let r = 1; r <= end - start; r++) lines.push(line(r));
  const note = omittedNote(nRows, start, end);
  if (note) lines.push(note);
  return lines.join("\n");
}

