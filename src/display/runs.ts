/**
 * Notebook (HTML) displays of RunSpec, RunCollection and Run. The text displays stay the classes' own
 * MATLAB-style `toString()` (src/runs/summary.ts).
 *
 * Each run's state (not prepared, prepared, partly trained, trained, failed) is read from its folder by
 * `runDiskStatus` (src/runs/run-status.ts, shared with the queue): a few `stat`/`readdir` calls, no file
 * opened, so a collection of hundreds of runs still displays instantly.
 *
 * Importing this module registers the displays behind the three classes' `toText()`, `toHtml()` and
 * rich `util.inspect` (subclasses such as the facade's Run and RunCollection inherit them), so a cell
 * ending in `rc` renders the params table, run specs and the runs grid in Jupyter.
 */
import * as path from "node:path";
import { PARAM_TABLE, type ParamSpec, type ParamValue } from "../params/table.js";
import { displayValue, type RunParams } from "../params/run-params.js";
import { Run } from "../runs/run.js";
import { RunCollection } from "../runs/run-collection.js";
import { RunSpec } from "../runs/run-spec.js";
import { code, container, datasetsTableHtml, esc, htmlTable, infoNotLoadedNote, matlabClassOf, MONO, MUTED, mutedLine, section, titleLine, type Cell } from "./datasets.js";
import { registerDisplay } from "./inspect.js";
import { paramsToHtml } from "./run-params.js";
import { LFADS_INPUT_DIR, LFADS_OUTPUT_DIR } from "../runs/layout.js";
import { RUN_DISK_STATES, runDiskStatus, type RunDiskState, type RunDiskStatus } from "../runs/run-status.js";

export { runDiskStatus, type RunDiskState, type RunDiskStatus };

// ---------------------------------------------------------------------------------------------------
// Run state badges

// Solid backgrounds set their own text colour, so badges read the same in light and dark themes.
const STATE_STYLE: Record<RunDiskState, string> = {
  "not prepared": "background:rgba(128,128,128,.2)",
  prepared: "background:#1565C0;color:#fff",
  "partly trained": "background:#E65100;color:#fff",
  trained: "background:#2E7D32;color:#fff",
  failed: "background:#C62828;color:#fff",
};

function badge(s: RunDiskStatus, withTitle = true): string {
  const title = withTitle && s.detail ? ` title="${esc(s.detail)}"` : "";
  return `<span style="padding:0 7px;border-radius:9px;font-size:12px;white-space:nowrap;${STATE_STYLE[s.state]}"${title}>${esc(s.state)}</span>`;
}

// ---------------------------------------------------------------------------------------------------
// Params tables

function valueOf(p: RunParams, spec: ParamSpec): ParamValue {
  return p.values[spec.name as keyof RunParams["values"]] as ParamValue;
}

/** Properties (other than name/version) whose values differ between the given params. */
function sweptSpecs(params: readonly RunParams[]): ParamSpec[] {
  if (params.length < 2) return [];
  return PARAM_TABLE.filter((s) => {
    if (s.name === "name" || s.name === "version") return false;
    const first = JSON.stringify(valueOf(params[0]!, s));
    return params.some((p) => JSON.stringify(valueOf(p, s)) !== first);
  });
}

function hashCell(s: string, title: string): Cell {
  return { html: esc(s), style: `${MONO};white-space:nowrap`, title };
}

/** The params table of a collection: `#`, param hash, data hash, name, the swept values, the differences from the defaults. */
export function paramsTableHtml(params: readonly RunParams[]): string {
  const swept = sweptSpecs(params);
  const head: (string | Cell)[] = [{ html: "#", align: "right" }, "param hash", "data hash", "name"];
  if (swept.length) head.push({ html: "swept", title: "the values that differ between these parameter settings" });
  head.push({ html: "differences from defaults", title: "every value that differs from its default (what the param hash covers)" });
  const rows = params.map((p, i) => {
    const cells: Cell[] = [
      { html: String(i + 1), align: "right", style: MUTED },
      hashCell(p.paramHashString, "input folder of these params: param_XXXXXX/<run spec>"),
      hashCell(p.dataHashString, "shared LFADS input data: data_XXXXXX/<run spec>"),
      { html: p.name ? esc(p.name) : "" },
    ];
    if (swept.length) {
      const v = swept.map((s) => `${esc(s.name)}=<b>${esc(displayValue(s, valueOf(p, s)))}</b>`).join(" ");
      cells.push({ html: v, style: `${MONO};white-space:nowrap` });
    }
    cells.push({ html: esc(p.shortDifferences()), style: `${MONO};font-size:12px` });
    return cells;
  });
  return htmlTable(head, rows, "lfads-params-table");
}

/** The run-specs table: `#`, name, and its datasets (`[index] name` in the collection). */
export function runSpecsTableHtml(specs: readonly RunSpec[]): string {
  const rows = specs.map((s, i): Cell[] => [
    { html: String(i + 1), align: "right", style: MUTED },
    { html: esc(s.name), style: `${MONO};font-weight:600` },
    { html: String(s.nDatasets), align: "right" },
    { html: s.datasets.map((d, j) => `<span style="${MUTED}">[${s.datasetIndsInCollection[j]}]</span>&nbsp;${esc(d.name)}`).join(", "), style: MONO },
  ]);
  return htmlTable([{ html: "#", align: "right" }, "run spec", { html: "datasets", align: "right" }, ""], rows, "lfads-runspecs-table");
}

// ---------------------------------------------------------------------------------------------------
// RunCollection

function countStates(statuses: readonly RunDiskStatus[]): string {
  const counts = RUN_DISK_STATES.map((s) => [s, statuses.filter((x) => x.state === s).length] as const).filter(([, n]) => n > 0);
  return counts.map(([s, n]) => `${n} ${s}`).join(" · ");
}

/**
 * The runs grid: one row per params, one column per run spec, each cell the run's state on disk
 * (hover for the detail and the folder).
 */
function runsGridHtml(rc: RunCollection, statuses: readonly (readonly RunDiskStatus[])[]): string {
  const head: (string | Cell)[] = [{ html: "#", align: "right" }, "params", ...rc.runSpecs.map((s): Cell => ({ html: esc(s.name), style: MONO, align: "center" }))];
  const rows = rc.params.map((p, j): Cell[] => [
    { html: String(j + 1), align: "right", style: MUTED },
    hashCell(p.paramHashString, p.shortDifferences()),
    ...rc.runSpecs.map((_, s): Cell => {
      const st = statuses[s]![j]!;
      const run = rc.runs[s]![j]!;
      return { html: badge(st, false), align: "center", title: `${st.detail}\n${run.path}` };
    }),
  ]);
  return htmlTable(head, rows, "lfads-runs-grid");
}

/** The notebook view of a RunCollection: header, params table, run specs table and the runs grid with each run's state. */
export function runCollectionToHtml(rc: RunCollection): string {
  const dc = rc.datasetCollection;
  const statuses = rc.runs.map((row) => row.map(runDiskStatus));
  const flat = statuses.flat();
  const total = rc.nRunsTotal;
  const parts = [
    titleLine(matlabClassOf(rc), rc.name, `${total} run${total === 1 ? "" : "s"} total (${rc.nParams} params × ${rc.nRunSpecs} run spec${rc.nRunSpecs === 1 ? "" : "s"})`),
    mutedLine(`path ${code(rc.path)} · version ${esc(String(rc.version))}`),
    mutedLine(`dataset collection <span style="${MONO}">&quot;${esc(dc.name)}&quot;</span> (${dc.nDatasets} datasets) in ${code(dc.path)}`),
    rc.comment ? mutedLine(esc(rc.comment)) : "",
    section(`${rc.nParams} parameter setting${rc.nParams === 1 ? "" : "s"}`),
    rc.nParams ? paramsTableHtml(rc.params) : mutedLine(`None yet: ${code("rc.addParams(new RunParams({ … }))")}`),
    section(`${rc.nRunSpecs} run specification${rc.nRunSpecs === 1 ? "" : "s"}`),
    rc.nRunSpecs ? runSpecsTableHtml(rc.runSpecs) : mutedLine(`None yet: ${code("rc.addRunSpec(new RunSpec(name, dc, 1))")}`),
  ];
  if (total > 0) {
    parts.push(section("Runs", countStates(flat)), runsGridHtml(rc, statuses));
  }
  return container("lfads-run-collection", parts);
}

// ---------------------------------------------------------------------------------------------------
// RunSpec and Run

/** The notebook view of a RunSpec: name, collection and its datasets' info. */
export function runSpecToHtml(s: RunSpec): string {
  const dc = s.datasetCollection;
  const parts = [
    titleLine(matlabClassOf(s), s.name, `${s.nDatasets} dataset${s.nDatasets === 1 ? "" : "s"} from collection <span style="${MONO}">&quot;${esc(dc.name)}&quot;</span>`),
    s.comment ? mutedLine(esc(s.comment)) : "",
    datasetsTableHtml(s.datasets, s.datasetIndsInCollection),
    infoNotLoadedNote(s.datasets, "await dc.loadInfo()"),
  ];
  return container("lfads-run-spec", parts);
}

/** The notebook view of a Run: state, folders, its params (summary, full table collapsed) and datasets. */
export function runToHtml(r: Run): string {
  const st = runDiskStatus(r);
  const p = r.params;
  const rel = (f: string) => path.relative(r.runCollection.path, f) || ".";
  const pathRows: [string, string, string][] = [
    ["run folder", r.path, "scripts, logs and done markers"],
    ["data", r.pathCommonData, "shared LFADS input files (one copy per data hash)"],
    [LFADS_INPUT_DIR, r.pathLFADSInput, "links to the input files (what training reads)"],
    [LFADS_OUTPUT_DIR, r.pathLFADSOutput, "checkpoints, fit log, posterior means"],
  ];
  const parts = [
    titleLine(matlabClassOf(r), r.name, `${r.nDatasets} dataset${r.nDatasets === 1 ? "" : "s"}`, badge(st)),
    mutedLine(`in run collection <span style="${MONO}">&quot;${esc(r.runCollection.name)}&quot;</span> ${code(r.runCollection.path)} · ${esc(st.detail)}`),
    htmlTable(
      ["", { html: "path (relative to the collection)", title: r.runCollection.path }],
      pathRows.map(([k, f, t]): Cell[] => [{ html: esc(k), style: MUTED, title: t }, { html: esc(rel(f)), style: MONO, title: f }]),
    ),
    section(`params #${r.paramIndexInRunCollection}`, p.name ? `"${p.name}"` : ""),
    `<div style="${MONO}"><span style="white-space:nowrap">${esc(p.paramHashString)} ${esc(p.dataHashString)}</span> <span style="${MUTED}">${esc(p.shortDifferences())}</span></div>`,
    `<details style="margin-top:2px"><summary style="cursor:pointer">all parameters</summary>${paramsToHtml(p)}</details>`,
    section(`${r.nDatasets} dataset${r.nDatasets === 1 ? "" : "s"}`, `from "${r.datasetCollection.name}"`),
    datasetsTableHtml(r.datasets, r.datasetIndsInCollection),
    infoNotLoadedNote(r.datasets, "await dc.loadInfo()"),
  ];
  return container("lfads-run", parts);
}

// Display is a later stage than runs, so the classes look their renderers up (src/core/renderers.ts);
// the text view is each class's MATLAB-style toString().
registerDisplay(RunCollection, { text: (rc) => rc.toString(), html: runCollectionToHtml });
registerDisplay(RunSpec, { text: (s) => s.toString(), html: runSpecToHtml });
registerDisplay(Run, { text: (r) => r.toString(), html: runToHtml });
