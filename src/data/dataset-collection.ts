/**
 * A named folder holding several datasets (MATLAB `LFADS.DatasetCollection`). Dataset indices in this
 * API are 1-based, as in the Run Manager docs (`RunSpec(name, dc, 1)`), so notebooks can follow them.
 */
import * as os from "node:os";
import * as path from "node:path";
import { DataError, ParamError, didYouMean } from "../core/errors.js";
import { Rendered } from "../core/renderers.js";
import type { Dataset, DatasetInfo } from "./dataset.js";
import { isoDate } from "./dataset-data.js";
import { maxBatchSizeForTrials, minTrialsForBatchSize } from "./rebin-split.js";

/** Expand a leading `~` to the home directory (MATLAB GetFullPath does the same). */
export function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

/** A logical mask (one boolean per item) or 1-based indices. */
export type Selection = readonly boolean[] | readonly number[];

/** Resolve a mask or 1-based indices against `n` items into 0-based indices; errors name the bad entry. */
export function resolveSelection(sel: Selection, n: number, what: string): number[] {
  if (sel.length > 0 && sel.every((x) => typeof x === "boolean")) {
    if (sel.length !== n) throw new ParamError(`${what}: a logical mask must have one entry per item (${n}), got ${sel.length}`);
    return (sel as readonly boolean[]).flatMap((b, i) => (b ? [i] : []));
  }
  return (sel as readonly number[]).map((i) => {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 1 || i > n) {
      throw new ParamError(`${what}: index ${JSON.stringify(i)} is out of range; use 1-based indices in 1..${n} or a logical mask`);
    }
    return i - 1;
  });
}

/** One row of `infoTable()`. */
export interface DatasetInfoRow {
  name: string;
  subject: string;
  /** `YYYY-MM-DD` or "". */
  date: string;
  /** Tags joined with ",". */
  saveTags: string;
  nTrials: number;
  nChannels: number;
}

export interface DatasetInfoTable {
  rows: DatasetInfoRow[];
  /** Aligned plain-text rendering. */
  text: string;
}

export class DatasetCollection extends Rendered {
  static matlabClass = "LFADS.DatasetCollection";

  name: string;
  comment = "";
  /** Root folder; datasets' relPaths are relative to it (a leading `~` is expanded). */
  readonly path: string;
  private list: Dataset[] = [];

  /** `name` defaults to the last component of `path` (`~/lorenz_example/datasets` → `datasets`). */
  constructor(folder: string, name?: string) {
    super();
    if (typeof folder !== "string" || folder === "") throw new ParamError(`DatasetCollection: path must be a non-empty folder path, got ${JSON.stringify(folder)}`);
    this.path = expandHome(folder);
    this.name = name ?? path.basename(path.resolve(this.path));
  }

  get datasets(): readonly Dataset[] {
    return this.list;
  }
  get nDatasets(): number {
    return this.list.length;
  }
  get datasetNames(): string[] {
    return this.list.map((d) => d.name);
  }
  get infoLoaded(): boolean {
    return this.list.every((d) => d.infoLoaded);
  }

  /** Add a dataset; one with the same name is replaced in place (with a printed notice). */
  addDataset(ds: Dataset): void {
    const i = this.list.findIndex((d) => d.name === ds.name);
    if (i >= 0) {
      if (this.list[i] === ds) return;
      console.log(`Replacing existing dataset with matching name ${ds.name}`);
      this.list[i]!.collection = undefined;
      this.list[i] = ds;
    } else {
      this.list.push(ds);
    }
    ds.collection = this;
  }

  clearDatasets(): void {
    for (const d of this.list) d.collection = undefined;
    this.list = [];
  }

  /** Keep only the selected datasets (logical mask or 1-based indices). */
  filterDatasets(selection: Selection): void {
    const keep = new Set(resolveSelection(selection, this.list.length, `DatasetCollection "${this.name}".filterDatasets`));
    this.list = this.list.filter((d, i) => {
      if (!keep.has(i)) d.collection = undefined;
      return keep.has(i);
    });
  }

  /** Keep datasets with at least `minTrials` trials (loads info as needed). */
  async filterHavingMinimumTrials(minTrials: number): Promise<void> {
    await this.loadInfo();
    this.filterDatasets(this.list.map((d) => d.nTrials >= minTrials));
  }

  /**
   * Keep datasets with enough trials for every params' batch size: more training and more validation
   * trials than c_batch_size, the rule training applies (MATLAB's `ceil(c_batch_size·(ratio+1))` allows
   * a validation split of exactly c_batch_size trials, which training refuses).
   */
  async filterHavingMinimumTrialsForBatchSize(params: readonly { c_batch_size: number; trainToTestRatio: number }[]): Promise<void> {
    const minTrials = Math.max(0, ...params.map((p) => minTrialsForBatchSize(p.c_batch_size, p.trainToTestRatio) ?? Infinity));
    await this.filterHavingMinimumTrials(minTrials);
  }

  /**
   * Largest batch size that training accepts for every dataset at a train/test ratio: one below the
   * smaller split of the smallest dataset (MATLAB's `floor(min nTrials / (ratio + 1))` is one more when
   * the trial count divides evenly, and training would refuse it).
   */
  async computeMaxBatchSizeForTrainToRatio(trainToTestRatio: number): Promise<{ maxBatchSize: number; minTrials: number }> {
    await this.loadInfo();
    const minTrials = Math.min(...this.list.map((d) => d.nTrials));
    return { maxBatchSize: maxBatchSizeForTrials(minTrials, trainToTestRatio), minTrials };
  }

  /** Datasets with the given names, in the order asked, and their 1-based indices. */
  matchDatasetsByName(names: string | readonly string[]): { datasets: Dataset[]; indices: number[] } {
    const wanted = typeof names === "string" ? [names] : names;
    const missing = wanted.filter((n) => !this.list.some((d) => d.name === n));
    if (missing.length > 0) {
      const hint = missing.length === 1 ? didYouMean(missing[0]!, this.datasetNames) : "";
      throw new DataError(`Missing datasets ${missing.join(", ")} in DatasetCollection "${this.name}" (has: ${this.datasetNames.join(", ") || "none"}).${hint}`);
    }
    const indices = wanted.map((n) => this.list.findIndex((d) => d.name === n) + 1);
    return { datasets: indices.map((i) => this.list[i - 1]!), indices };
  }

  /** Datasets by name(s), Dataset objects, a logical mask or 1-based indices. */
  findDatasets(search: string | Dataset | Selection | readonly (string | Dataset)[]): Dataset[] {
    const items = typeof search === "string" || !Array.isArray(search) ? [search] : search;
    if (items.length > 0 && items.every((x) => typeof x === "number" || typeof x === "boolean")) {
      return resolveSelection(items as Selection, this.list.length, `DatasetCollection "${this.name}".findDatasets`).map((i) => this.list[i]!);
    }
    return items.map((x) => {
      if (typeof x === "string") return this.matchDatasetsByName(x).datasets[0]!;
      const ds = x as Dataset;
      if (!this.list.includes(ds)) throw new DataError(`Some dataset names could not be found in this DatasetCollection: ${ds.name} is not in "${this.name}"`);
      return ds;
    });
  }

  /** Load every dataset's info (subject, date, trial and channel counts). */
  async loadInfo(reload = false, onProgress?: (done: number, total: number, message: string) => void): Promise<DatasetInfo[]> {
    const out: DatasetInfo[] = [];
    for (const [i, d] of this.list.entries()) {
      onProgress?.(i, this.list.length, `Loading info for dataset ${d.name}`);
      out.push(await d.loadInfo(reload));
    }
    onProgress?.(this.list.length, this.list.length, "done");
    return out;
  }

  /** Info rows for every dataset (loads info first) plus a text rendering. */
  async infoTable(): Promise<DatasetInfoTable> {
    await this.loadInfo();
    const rows = this.list.map((d) => ({
      name: d.name,
      subject: d.subject,
      date: d.datetime ? isoDate(d.datetime) : "",
      saveTags: d.saveTags.join(","),
      nTrials: d.nTrials,
      nChannels: d.nChannels,
    }));
    return { rows, text: renderInfoTable(rows) };
  }

  firstLineHeader(): string {
    return `${(this.constructor as typeof DatasetCollection).matlabClass} "${this.name}"`;
  }

  /** MATLAB display: header, `  <n> datasets in <path>`, one line per dataset. */
  override toString(): string {
    const lines = [this.firstLineHeader(), `  ${this.nDatasets} datasets in ${this.path}`];
    this.list.forEach((d, i) => lines.push(`  [${String(i + 1).padStart(2)}] ${d.firstLineHeader()}`));
    return lines.join("\n");
  }

}

/** Columns: name, subject, date, saveTags, nTrials, nChannels; text left-aligned, numbers right-aligned. */
export function renderInfoTable(rows: readonly DatasetInfoRow[]): string {
  const head = ["", "subject", "date", "saveTags", "nTrials", "nChannels"];
  const cells = rows.map((r) => [r.name, r.subject, r.date, r.saveTags, String(r.nTrials), String(r.nChannels)]);
  const widths = head.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const fmt = (row: string[]): string => row.map((s, c) => (c >= 4 ? s.padStart(widths[c]!) : s.padEnd(widths[c]!))).join("    ").trimEnd();
  return [fmt(head), fmt(widths.map((w, c) => (c === 0 ? "" : "_".repeat(w)))), ...cells.map(fmt)].join("\n");
}
