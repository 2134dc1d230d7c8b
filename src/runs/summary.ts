/**
 * Plain-text displays and `summary.txt`, in the Run Manager's exact formats (reference §1.3, §1.5,
 * §1.6, §9). Class names are the MATLAB package names (`LFADS.RunParams`, …) throughout, for every
 * collection including the Lorenz demo; see the note in src/data/dataset.ts.
 */
import { PARAM_TABLE, type ParamValue } from "../params/table.js";
import { displayValue, type RunParams } from "../params/run-params.js";

// What the displays read of a run spec, a run and a collection. Structural types, so that the classes'
// files import this module and not the reverse (no import cycle).
interface HasHeader {
  firstLineHeader(): string;
}
interface RunSpecView extends HasHeader {
  readonly nDatasets: number;
  readonly datasets: readonly HasHeader[];
  readonly datasetIndsInCollection: readonly number[];
  readonly datasetCollection: { readonly name: string };
}
interface RunView {
  readonly name: string;
  readonly nDatasets: number;
  readonly path: string;
  readonly pathCommonData: string;
  readonly params: RunParams;
  readonly datasets: readonly HasHeader[];
  readonly datasetCollection: { readonly name: string };
}
interface RunCollectionView {
  readonly name: string;
  readonly path: string;
  readonly nRunsTotal: number;
  readonly nDatasets: number;
  readonly nRunSpecs: number;
  readonly nParams: number;
  readonly runSpecs: readonly RunSpecView[];
  readonly params: readonly RunParams[];
  readonly datasetCollection: { readonly name: string; readonly path: string };
}

/** Display class name of RunParams (it is a value class owned by src/params). */
export const RUN_PARAMS_CLASS = "LFADS.RunParams";

function matlabClassOf(x: object): string {
  return (x.constructor as { matlabClass?: string }).matlabClass ?? x.constructor.name;
}

/** `[3 param_X data_Y] LFADS.RunParams "name" k=v …` — one line of the RunCollection display. */
export function runParamsLine(p: RunParams, index: number): string {
  return `[${index} ${p.paramHashString} ${p.dataHashString}] ${RUN_PARAMS_CLASS} "${p.name}" ${p.shortDifferences()}`;
}

/**
 * MATLAB `RunParams.generateSummaryText(indent, index)`: header, the short differences, a blank line,
 * then `prop: value` for every property (name/version excluded; hidden ones only when changed),
 * ending with a newline.
 */
export function runParamsSummaryText(p: RunParams, indent = 0, index?: number): string {
  const pad = " ".repeat(indent);
  const pad2 = " ".repeat(indent + 2);
  const tag = index === undefined ? `[${p.paramHashString} ${p.dataHashString}]` : `[${index} ${p.paramHashString} ${p.dataHashString}]`;
  const header = `${pad}${tag} ${RUN_PARAMS_CLASS} "${p.name}"\n${pad2}${p.shortDifferences()}\n\n`;
  const lines: string[] = [];
  for (const spec of PARAM_TABLE) {
    if (spec.name === "name" || spec.name === "version") continue;
    if (spec.hidden && p.isDefault(spec.name)) continue;
    lines.push(`${pad2}${spec.name}: ${displayValue(spec, p.values[spec.name] as ParamValue)}`);
  }
  return `${header}${lines.join("\n")}\n`;
}

/** MATLAB `RunSpec.generateSummaryText(indent, index)`. */
export function runSpecSummaryText(s: RunSpecView, indent = 0, index?: number): string {
  const pad = " ".repeat(indent);
  const tag = index === undefined ? "" : `[runSpec ${index}] `;
  let text = `${pad}${tag}${s.firstLineHeader()}\n`;
  s.datasets.forEach((d, i) => {
    text += `${pad}  [ds ${s.datasetIndsInCollection[i]}] ${d.firstLineHeader()}\n`;
  });
  return text;
}

/** MATLAB `RunCollection.generateSummaryText()`: the content of `summary.txt`. */
export function runCollectionSummaryText(rc: RunCollectionView): string {
  const dc = rc.datasetCollection;
  const sep = "------------------------\n";
  let text = `${matlabClassOf(rc)} "${rc.name}" (${rc.nRunsTotal} runs total)\n`;
  text += `  Path: ${rc.path}\n`;
  text += `  Dataset Collection "${dc.name}" (${rc.nDatasets} datasets) in ${dc.path}\n\n`;
  text += `  ${sep}\n  ${rc.nRunSpecs} Run Specifications:\n\n`;
  rc.runSpecs.forEach((s, i) => {
    text += `${runSpecSummaryText(s, 4, i + 1)}\n`;
  });
  text += `  ${sep}\n  ${rc.nParams} Parameter Settings:\n\n`;
  rc.params.forEach((p, i) => {
    text += `${runParamsSummaryText(p, 4, i + 1)}\n`;
  });
  return text;
}

/** The RunCollection display header (§1.5). */
export function runCollectionDisplay(rc: RunCollectionView): string {
  const dc = rc.datasetCollection;
  const lines = [
    `${matlabClassOf(rc)} "${rc.name}" (${rc.nRunsTotal} runs total)`,
    `  Dataset Collection "${dc.name}" (${rc.nDatasets} datasets) in ${dc.path}`,
    `  Path: ${rc.path}`,
    "",
    `  ${rc.nParams} parameter settings`,
    ...rc.params.map((p, i) => `  ${runParamsLine(p, i + 1)}`),
    "",
    `  ${rc.nRunSpecs} run specifications`,
    ...rc.runSpecs.map((s, i) => `  [${String(i + 1).padStart(2)}] ${s.firstLineHeader()}`),
  ];
  return lines.join("\n");
}

/** The RunSpec display header (§1.3). */
export function runSpecDisplay(s: RunSpecView): string {
  const lines = [s.firstLineHeader(), `  ${s.nDatasets} datasets from collection ${s.datasetCollection.name}`];
  s.datasets.forEach((d, i) => lines.push(`    [ds ${s.datasetIndsInCollection[i]}] ${d.firstLineHeader()}`));
  return lines.join("\n");
}

/** The Run display header (§1.6). */
export function runDisplay(r: RunView): string {
  const lines = [
    `${matlabClassOf(r)} "${r.name}" (${r.nDatasets} datasets)`,
    `  Path: ${r.path}`,
    `  Data: ${r.pathCommonData}`,
    `  ${RUN_PARAMS_CLASS} "${r.params.name}" : ${r.params.shortDifferences()}`,
    "",
    `  ${r.nDatasets} datasets in "${r.datasetCollection.name}"`,
    ...r.datasets.map((d, i) => `    [${String(i + 1).padStart(2)}] ${d.firstLineHeader()}`),
  ];
  return lines.join("\n");
}
