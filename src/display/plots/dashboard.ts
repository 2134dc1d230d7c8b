/**
 * A run-collection dashboard: an HTML table with one row per run — names and hashes, the parameters
 * that differ between runs, status, best validation cost, R², bits per spike and the NLB scores (co-bps,
 * fp-bps, vel R², PSTH R²) — with the best values
 * in bold. It takes plain row objects; the caller fills them (from a RunCollection, fit logs, scores).
 */
import { inspect, type InspectOptions } from "node:util";
import { escapeHtml, formatG } from "../../core/format.js";
import { ParamError } from "../../core/errors.js";
import { inKernel, type MimeBundle } from "../bridge.js";
import { showBundle } from "../show.js";
import { renderTableText, type TableData } from "../table.js";

/** One run. Every field is optional; unknown extra fields become columns after the standard ones. */
export interface RunDashboardRow {
  /** Run name (e.g. `runs/param_ab12cd/single_dataset001`'s last part). */
  name?: string;
  /** RunSpec name. */
  runSpec?: string;
  /** The param hash (`param_<hash>` folder), 6 characters. */
  paramHash?: string;
  /** The data hash (`data_<hash>` folder). */
  dataHash?: string;
  /** Parameter values; only the ones that differ between rows are shown (unless `allParams`). */
  params?: Readonly<Record<string, unknown>>;
  /** e.g. `runDiskStatus(run).state`: "not prepared", "prepared", "partly trained", "trained", "failed"; or "training", "queued". */
  status?: string;
  /** Epochs trained. */
  epochs?: number;
  /** Lowest validation total cost after the ramps (the LVE), nats per trial. Lower is better. */
  bestValidCost?: number;
  /** R² of inferred vs true rates. Higher is better. */
  r2?: number;
  /** Bits per spike on held-out data. Higher is better. */
  bitsPerSpike?: number;
  /** NLB co-bps (held-out neurons) and fp-bps (forward bins), for runs that reconstruct them. Higher is better. */
  coBps?: number;
  fpBps?: number;
  /** NLB velocity decoding R² and PSTH R² (RunScore's velR2 / psthR2), for datasets with behaviour / conditions. Higher is better. */
  velR2?: number;
  psthR2?: number;
  [extra: string]: unknown;
}

export interface RunDashboardOptions {
  /** Caption above the table. */
  title?: string;
  /** Show every parameter, not only those that differ (default false). */
  allParams?: boolean;
  /** Show exactly these parameters (overrides the "differs" rule). */
  paramColumns?: readonly string[];
  /** Significant digits for numbers (default 4). */
  digits?: number;
}

const STANDARD: readonly ("name" | "runSpec" | "paramHash" | "dataHash")[] = ["name", "runSpec", "paramHash", "dataHash"];
const METRICS: readonly { key: "bestValidCost" | "r2" | "bitsPerSpike" | "coBps" | "fpBps" | "velR2" | "psthR2"; label: string; better: "min" | "max" }[] = [
  { key: "bestValidCost", label: "best valid cost", better: "min" },
  { key: "r2", label: "R²", better: "max" },
  { key: "bitsPerSpike", label: "bits/spike", better: "max" },
  { key: "coBps", label: "co-bps", better: "max" },
  { key: "fpBps", label: "fp-bps", better: "max" },
  { key: "velR2", label: "vel R²", better: "max" },
  { key: "psthR2", label: "PSTH R²", better: "max" },
];
const LABELS: Record<string, string> = { name: "run", runSpec: "run spec", paramHash: "param hash", dataHash: "data hash", status: "status", epochs: "epochs" };

const STATUS_COLORS: readonly [RegExp, string][] = [
  [/^(trained|done|complete(d)?|finished|ok|success)/i, "#2ca02c"],
  [/^(training|running|started|in progress|partly)/i, "#1f77b4"],
  [/^(fail|error|crash|killed|cancel)/i, "#d62728"],
  [/^(queued|pending|waiting|prepared|not |new)/i, "#7f7f7f"],
];

function statusColor(s: string): string | undefined {
  return STATUS_COLORS.find(([re]) => re.test(s))?.[1];
}

function valueKey(v: unknown): string {
  if (v === undefined) return "\u0000undefined";
  if (ArrayBuffer.isView(v)) return JSON.stringify(Array.from(v as unknown as ArrayLike<number>));
  return JSON.stringify(v) ?? String(v);
}

interface Column {
  key: string;
  label: string;
  get(row: RunDashboardRow): unknown;
  kind: "text" | "param" | "status" | "metric";
  best?: number;
}

/** The dashboard: show it (`show(d)` or last expression), or put it in a report section as `table`. */
export class RunDashboard {
  readonly rows: readonly RunDashboardRow[];
  readonly options: Readonly<RunDashboardOptions>;
  /** Parameter names shown as columns. */
  readonly paramColumns: readonly string[];

  constructor(rows: readonly RunDashboardRow[], options: RunDashboardOptions = {}) {
    if (!Array.isArray(rows)) throw new ParamError("runDashboard: expected an array of row objects");
    const digits = options.digits ?? 4;
    if (!Number.isInteger(digits) || digits < 1) throw new ParamError(`runDashboard: digits must be a positive integer, got ${digits}`);
    this.rows = rows.map((r) => ({ ...r }));
    this.options = { ...options };
    this.paramColumns = options.paramColumns ? [...options.paramColumns] : pickParams(this.rows, options.allParams ?? false);
  }

  private columns(): Column[] {
    const rows = this.rows;
    const has = (k: string) => rows.some((r) => r[k] !== undefined && r[k] !== null);
    const cols: Column[] = [];
    for (const k of STANDARD) if (has(k)) cols.push({ key: k, label: LABELS[k]!, get: (r) => r[k], kind: "text" });
    for (const p of this.paramColumns) cols.push({ key: `param:${p}`, label: p, get: (r) => r.params?.[p], kind: "param" });
    if (has("status")) cols.push({ key: "status", label: "status", get: (r) => r.status, kind: "status" });
    if (has("epochs")) cols.push({ key: "epochs", label: "epochs", get: (r) => r.epochs, kind: "text" });
    for (const m of METRICS) {
      if (!has(m.key)) continue;
      const vals = rows.map((r) => r[m.key]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      const best = vals.length > 1 ? (m.better === "min" ? Math.min(...vals) : Math.max(...vals)) : undefined;
      cols.push({ key: m.key, label: m.label, get: (r) => r[m.key], kind: "metric", best });
    }
    const known = new Set<string>([...STANDARD, "params", "status", "epochs", ...METRICS.map((m) => m.key)]);
    const extras: string[] = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!known.has(k) && !extras.includes(k)) extras.push(k);
    for (const k of extras) cols.push({ key: k, label: k, get: (r) => r[k], kind: "text" });
    return cols;
  }

  private cellText(v: unknown): string {
    if (v === undefined || v === null) return "";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatG(v, this.options.digits ?? 4);
    if (typeof v === "string") return v;
    if (typeof v === "boolean") return String(v);
    if (ArrayBuffer.isView(v) || Array.isArray(v)) return `[${Array.from(v as ArrayLike<unknown>, (e) => this.cellText(e)).join(", ")}]`;
    return JSON.stringify(v) ?? String(v);
  }

  /** The table as HTML (a `<table class="lfads-table lfads-dashboard">`). */
  toHtml(): string {
    const cols = this.columns();
    const out: string[] = ['<table class="lfads-table lfads-dashboard" style="border-collapse:collapse;font-size:smaller">'];
    if (this.options.title !== undefined) out.push(`<caption style="font-weight:bold;text-align:left">${escapeHtml(this.options.title)}</caption>`);
    const th = (c: Column) => {
      const align = c.kind === "metric" ? "right" : "left";
      const bg = c.kind === "param" ? "background:#f3f6fb;" : "";
      return `<th style="text-align:${align};${bg}padding:2px 8px;border-bottom:1px solid #999"${c.kind === "param" ? ' title="parameter"' : ""}>${escapeHtml(c.label)}</th>`;
    };
    out.push(`<thead><tr>${cols.map(th).join("")}</tr></thead><tbody>`);
    if (this.rows.length === 0) out.push(`<tr><td colspan="${Math.max(1, cols.length)}" style="color:#777">no runs</td></tr>`);
    for (const r of this.rows) {
      const cells = cols.map((c) => {
        const v = c.get(r);
        let text = escapeHtml(this.cellText(v));
        let style = `padding:2px 8px;text-align:${c.kind === "metric" || typeof v === "number" ? "right" : "left"};`;
        if (c.kind === "param") style += "background:#f3f6fb;";
        if (c.kind === "text" && (c.key === "paramHash" || c.key === "dataHash")) style += "font-family:monospace;";
        if (c.kind === "status" && typeof v === "string") {
          const color = statusColor(v);
          if (color) text = `<span style="color:${color}">&#9679;</span> ${text}`;
        }
        if (c.kind === "metric" && c.best !== undefined && typeof v === "number" && v === c.best) text = `<b>${text}</b>`;
        return `<td style="${style}">${text}</td>`;
      });
      out.push(`<tr>${cells.join("")}</tr>`);
    }
    out.push("</tbody></table>");
    return out.join("\n");
  }

  /** The table as aligned text (best values marked with `*`). */
  toText(): string {
    if (this.rows.length === 0) return `${this.options.title ? `${this.options.title}\n` : ""}(no runs)`;
    const cols = this.columns();
    const table: Record<string, string[]> = {};
    for (const c of cols) {
      table[c.label] = this.rows.map((r) => {
        const v = c.get(r);
        const t = this.cellText(v);
        return c.kind === "metric" && c.best !== undefined && v === c.best ? `${t}*` : t;
      });
    }
    const align: Record<string, "right"> = {};
    for (const c of cols) if (c.kind === "metric" || c.key === "epochs") align[c.label] = "right";
    return renderTableText(table as TableData, { caption: this.options.title, limit: Infinity, align });
  }

  toMimeBundle(): MimeBundle {
    return { "text/html": this.toHtml(), "text/plain": this.toText() };
  }

  show(): void {
    showBundle(this.toMimeBundle());
  }

  [inspect.custom](depth: number, options: InspectOptions): string {
    const short = `RunDashboard(${this.rows.length} run${this.rows.length === 1 ? "" : "s"})`;
    const topLevel = options === undefined || depth === options.depth;
    if (!topLevel) return short;
    if (!inKernel()) return this.toText();
    this.show();
    return short;
  }
}

function pickParams(rows: readonly RunDashboardRow[], all: boolean): string[] {
  const names: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.params ?? {})) if (!names.includes(k)) names.push(k);
  if (all) return names;
  return names.filter((k) => new Set(rows.map((r) => valueKey(r.params?.[k]))).size > 1);
}

/** Build a {@link RunDashboard} from plain rows. */
export function runDashboard(rows: readonly RunDashboardRow[], options: RunDashboardOptions = {}): RunDashboard {
  return new RunDashboard(rows, options);
}
