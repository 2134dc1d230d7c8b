/**
 * RunParams displays: the MATLAB grouped text display (reference/run-manager.md §9.1), an HTML table
 * for notebooks (defaults greyed, changes highlighted next to their default, docs as tooltips, tuning
 * frequency colour-coded as in the hyperparameter docs), and the one-line and summary.txt forms (§9.2).
 *
 * Importing this module registers the displays behind RunParams' `toText()`, `toHtml()` and rich
 * `util.inspect`, so a cell ending in `par` renders the table in Jupyter.
 */
import { escapeHtml } from "../core/format.js";
import { RunParams, displayValue } from "../params/run-params.js";
import { GROUP_TITLES, PARAM_TABLE, type ParamGroup, type ParamName, type ParamSpec, type ParamValue } from "../params/table.js";
import { registerDisplay } from "./inspect.js";
import { matlabDisplay } from "./matlab.js";

/** The subset of RunParams the displays read (subclasses and look-alikes work too). */
type Params = Pick<RunParams, "values" | "isDefault" | "shortDifferences" | "paramHash" | "paramHashString" | "dataHash" | "dataHashString">;

function className(p: Params): string {
  return (p as object).constructor?.name || "RunParams";
}

function valueOf(p: Params, spec: ParamSpec): ParamValue {
  return p.values[spec.name as keyof RunParams["values"]] as ParamValue;
}

/** Properties shown in group `g`: all visible ones; hidden (retired) ones only when changed. */
function shownIn(p: Params, g: ParamGroup): ParamSpec[] {
  return PARAM_TABLE.filter((s) => s.group === g && (!s.hidden || !p.isDefault(s.name)));
}

const GROUPS = Object.keys(GROUP_TITLES) as ParamGroup[];

/** `RunParams param_YOs74u data_4MaTKO "first_attempt"` (the name part only when set). */
export function paramsHeader(p: Params): string {
  const name = p.values.name;
  return `${className(p)} ${p.paramHashString} ${p.dataHashString}${name ? ` "${name}"` : ""}`;
}

/** The MATLAB display: header, differences line, then each group with right-aligned `prop: value` lines. */
export function paramsToText(p: Params): string {
  const groups: [string, [string, string][]][] = [
    [
      "Computed hashes",
      [
        ["paramHash", `'${p.paramHash}'`],
        ["paramHashString", `'${p.paramHashString}'`],
        ["dataHash", `'${p.dataHash}'`],
        ["dataHashString", `'${p.dataHashString}'`],
      ],
    ],
  ];
  for (const g of GROUPS) {
    const rows = shownIn(p, g).map((s): [string, string] => [s.name, matlabDisplay(s.cls, valueOf(p, s))]);
    if (rows.length) groups.push([GROUP_TITLES[g], rows]);
  }
  // MATLAB aligns the colons of every group on one column, 4 spaces right of the longest name.
  const width = 4 + Math.max(...groups.flatMap(([, rows]) => rows.map(([n]) => n.length)));
  const blocks = groups.map(([title, rows]) => [`   ${title}`, ...rows.map(([n, v]) => `${n.padStart(width)}: ${v}`)].join("\n"));
  return [paramsHeader(p), p.shortDifferences(), "", blocks.join("\n\n")].join("\n");
}

/** `[3 param_YOs74u data_4MaTKO] RunParams "first_attempt" c_co_dim=0 …` (index optional). */
export function paramsSummaryLine(p: Params, index?: number): string {
  const idx = index === undefined ? "" : `${index} `;
  return `[${idx}${p.paramHashString} ${p.dataHashString}] ${className(p)} "${p.values.name}" ${p.shortDifferences()}`;
}

/**
 * The summary.txt block (MATLAB generateSummaryText): header, differences, a blank line, then every
 * property except name/version as `prop: value` (hidden ones only when changed). No trailing blank line.
 */
export function paramsSummaryText(p: Params, indent = 0, index?: number): string {
  const pad = " ".repeat(indent);
  const idx = index === undefined ? "" : `${index} `;
  const lines = [`${pad}[${idx}${p.paramHashString} ${p.dataHashString}] ${className(p)} "${p.values.name}"`, `${pad}  ${p.shortDifferences()}`, ""];
  for (const s of PARAM_TABLE) {
    if (s.name === "name" || s.name === "version" || (s.hidden && p.isDefault(s.name))) continue;
    lines.push(`${pad}  ${s.name}: ${displayValue(s, valueOf(p, s))}`);
  }
  return lines.join("\n");
}

// Tuning-frequency colours of the LFADS hyperparameter docs (seed 003).
const TUNING_STYLE: Record<ParamSpec["tuning"], string> = {
  common: "background:#F44336;color:#fff;font-weight:bold",
  occasional: "background:#FFCDD2;color:#222",
  rare: "background:#fff;color:#455A64",
};
// Inline styles (kept short: a notebook stores them once per cell) survive output sanitizing, unlike <style>.
const MONO = "font-family:monospace";
const CELL = "text-align:left;padding:1px 6px";
const CHANGED = "background:#FFF59D;font-weight:bold;color:#000";
const DEFAULTED = "color:#9E9E9E";

function htmlValue(spec: ParamSpec, v: ParamValue): string {
  const s = displayValue(spec, v);
  return escapeHtml(typeof v === "string" ? `'${s}'` : s);
}

function row(p: Params, s: ParamSpec, withGroup: boolean): string {
  const v = valueOf(p, s);
  const changed = !p.isDefault(s.name as ParamName);
  const cells = [
    withGroup ? `<td style="${CELL};color:#555;font-family:sans-serif">${escapeHtml(GROUP_TITLES[s.group])}</td>` : "",
    `<td style="${CELL};${TUNING_STYLE[s.tuning]}">${escapeHtml(s.name)}</td>`,
    `<td style="${CELL};${changed ? CHANGED : DEFAULTED}">${htmlValue(s, v)}</td>`,
    changed ? `<td style="${CELL};${DEFAULTED}">${htmlValue(s, s.default as ParamValue)}</td>` : "<td></td>",
    `<td style="${CELL};color:#777;font-family:sans-serif">${s.tuning}</td>`,
  ];
  // font-family is inherited by the cells; Jupyter's CSS sets text-align on each td, so that stays per cell.
  return `<tr title="${escapeHtml(s.doc)}" style="${MONO}">${cells.join("")}</tr>`;
}

function head(withGroup: boolean): string {
  const th = (t: string) => `<th style="${CELL};border-bottom:1px solid #ccc">${t}</th>`;
  return `<thead><tr>${withGroup ? th("group") : ""}${th("property")}${th("value")}${th("default")}${th("tuning")}</tr></thead>`;
}

export interface ParamsHtmlOptions {
  /** Open the full grouped table (default false: only the changed values are visible at first). */
  expanded?: boolean;
}

/**
 * The notebook view: hashes on top, the changed values with their defaults, then every property in its
 * group (in a collapsible section). Hovering a row shows the property's documentation.
 */
export function paramsToHtml(p: Params, options: ParamsHtmlOptions = {}): string {
  const name = p.values.name;
  const changed = PARAM_TABLE.filter((s) => s.name !== "name" && !p.isDefault(s.name));
  const out: string[] = [];
  out.push(`<div class="lfads-runparams" style="font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:13px;line-height:1.4">`);
  out.push(
    `<div style="font-size:14px;margin-bottom:2px"><b>${escapeHtml(className(p))}</b> ` +
      `<code style="${MONO}">${escapeHtml(p.paramHashString)}</code> <code style="${MONO}">${escapeHtml(p.dataHashString)}</code>` +
      `${name ? ` <span>&quot;${escapeHtml(name)}&quot;</span>` : ""}</div>`,
  );
  out.push(
    `<div style="color:#555;margin-bottom:6px">param hash <code style="${MONO}">${escapeHtml(p.paramHash)}</code> · ` +
      `data hash <code style="${MONO}">${escapeHtml(p.dataHash)}</code> · version ${escapeHtml(String(p.values.version))}</div>`,
  );
  const table = `<table class="lfads-runparams-table" style="border-collapse:collapse;margin:0">`;
  if (changed.length) {
    out.push(`${table}${head(true)}<tbody>${changed.map((s) => row(p, s, true)).join("")}</tbody></table>`);
  } else {
    out.push(`<div style="color:#555">All values are the defaults.</div>`);
  }
  const body: string[] = [];
  for (const g of GROUPS) {
    const specs = shownIn(p, g);
    if (!specs.length) continue;
    body.push(`<tr><th colspan="4" style="${CELL};padding-top:8px;background:#8882;border-bottom:1px solid #8886">${escapeHtml(GROUP_TITLES[g])}</th></tr>`);
    body.push(...specs.map((s) => row(p, s, false)));
  }
  const total = PARAM_TABLE.filter((s) => !s.hidden).length;
  out.push(
    `<details${options.expanded ? " open" : ""} style="margin-top:6px"><summary style="cursor:pointer">All ${total} parameters by group ` +
      `(${changed.length} changed; name colour = how often it needs tuning: ` +
      `<span style="padding:0 4px;${TUNING_STYLE.common}">common</span> <span style="padding:0 4px;${TUNING_STYLE.occasional}">occasional</span> ` +
      `<span style="padding:0 4px;border:1px solid #ddd;${TUNING_STYLE.rare}">rare</span>)</summary>`,
  );
  out.push(`${table}${head(false)}<tbody>${body.join("")}</tbody></table></details>`);
  out.push("</div>");
  return out.join("\n");
}

// Display is a later stage than params, so the class looks its renderers up (src/core/renderers.ts).
registerDisplay(RunParams, { text: paramsToText, html: (p) => paramsToHtml(p), short: paramsHeader });
