/**
 * RunSpec: names one model "row" and the datasets it trains on (MATLAB `LFADS.RunSpec`). Datasets are
 * chosen by 1-based index, logical mask, name or Dataset object, as in the Run Manager docs.
 */
import { ParamError } from "../core/errors.js";
import { Rendered } from "../core/renderers.js";
import type { Dataset } from "../data/dataset.js";
import { resolveSelection, type DatasetCollection } from "../data/dataset-collection.js";
import { runSpecDisplay, runSpecSummaryText } from "./summary.js";

/** 1-based index/indices, a logical mask, name(s) or Dataset object(s). */
export type DatasetSelection = number | string | Dataset | readonly number[] | readonly boolean[] | readonly (string | Dataset)[];

/** Run and run-spec names become folder names: no separators, not `.`/`..`, not empty. */
export function checkFolderName(what: string, name: unknown): string {
  if (typeof name !== "string" || name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) {
    throw new ParamError(`${what}: name ${JSON.stringify(name)} cannot be used as a folder name; use letters, digits, '_' or '-' (e.g. 'single_dataset001')`);
  }
  return name;
}

export class RunSpec extends Rendered {
  static matlabClass = "LFADS.RunSpec";

  readonly name: string;
  comment = "";
  readonly datasetCollection: DatasetCollection;
  private selected: Dataset[] = [];
  private indices: number[] = [];

  /** `new RunSpec("single_dataset001", dc, 1)` or `new RunSpec("all", dc, [1, 2, 3])` or by name. */
  constructor(name: string, datasetCollection: DatasetCollection, datasets: DatasetSelection) {
    super();
    this.name = checkFolderName("RunSpec", name);
    this.datasetCollection = datasetCollection;
    this.selectDatasets(datasets);
  }

  get datasets(): readonly Dataset[] {
    return this.selected;
  }
  /** 1-based positions of the datasets in the collection. */
  get datasetIndsInCollection(): readonly number[] {
    return this.indices;
  }
  get nDatasets(): number {
    return this.selected.length;
  }
  get datasetNames(): string[] {
    return this.selected.map((d) => d.name);
  }

  /** Choose the datasets (replaces the current choice). An empty choice is an error, not an endless loop. */
  selectDatasets(selection: DatasetSelection): void {
    const dc = this.datasetCollection;
    const items: readonly unknown[] = Array.isArray(selection) ? selection : [selection];
    if (items.length === 0) {
      throw new ParamError(`RunSpec "${this.name}": no datasets selected; pass 1-based indices (1..${dc.nDatasets}), names (${dc.datasetNames.join(", ")}) or Dataset objects`);
    }
    let idx0: number[];
    if (items.every((x) => typeof x === "number" || typeof x === "boolean")) {
      idx0 = resolveSelection(items as readonly number[] | readonly boolean[], dc.nDatasets, `RunSpec "${this.name}"`);
    } else if (items.every((x) => typeof x === "string")) {
      idx0 = dc.matchDatasetsByName(items as string[]).indices.map((i) => i - 1);
    } else {
      idx0 = items.map((x) => {
        const i = typeof x === "string" ? dc.datasetNames.indexOf(x) : dc.datasets.indexOf(x as Dataset);
        if (i < 0) {
          const label = typeof x === "string" ? x : (x as Dataset)?.name;
          throw new ParamError(`RunSpec "${this.name}": dataset ${JSON.stringify(label)} is not in DatasetCollection "${dc.name}" (has: ${dc.datasetNames.join(", ")})`);
        }
        return i;
      });
    }
    if (idx0.length === 0) throw new ParamError(`RunSpec "${this.name}": the selection picks no datasets; select at least one`);
    const dup = idx0.find((v, i) => idx0.indexOf(v) !== i);
    if (dup !== undefined) throw new ParamError(`RunSpec "${this.name}": dataset ${dc.datasets[dup]!.name} is selected twice; list each dataset once`);
    this.selected = idx0.map((i) => dc.datasets[i]!);
    this.indices = idx0.map((i) => i + 1);
  }

  /** Same name, same datasets, same collection (MATLAB `eq`). */
  equals(other: RunSpec): boolean {
    return (
      this.name === other.name &&
      this.datasetCollection === other.datasetCollection &&
      this.selected.length === other.selected.length &&
      this.selected.every((d, i) => d === other.selected[i])
    );
  }

  /** `LFADS.RunSpec "name" (n datasets)`. */
  firstLineHeader(): string {
    return `${(this.constructor as typeof RunSpec).matlabClass} "${this.name}" (${this.nDatasets} datasets)`;
  }

  summaryText(indent = 0, index?: number): string {
    return runSpecSummaryText(this, indent, index);
  }

  override toString(): string {
    return runSpecDisplay(this);
  }

}
