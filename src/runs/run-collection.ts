/**
 * RunCollection: the grid of run specs × params (MATLAB `LFADS.RunCollection`). `runs[s][p]` is the
 * run of spec s and params p; `runList` is the same grid in MATLAB's linear (column-major) order,
 * specs varying fastest. Indices in searches are 1-based, as in the Run Manager docs.
 *
 * Versions: `version` (default 20171107) picks the layout; each RunParams keeps its own `version`,
 * which picks the data-hash rule. MATLAB copies rc.version into params only from the second
 * `addParams` call on (reference §1.5 quirk); we never rewrite params, so a params' hashes do not
 * depend on how it was added. The docs' trees (e.g. data_RE1kuL under rc.version 201801) agree.
 *
 * This is the plain data class; `prepare()` and the Runs with result loaders come from its subclass in
 * src/facade/runs.ts (what `lfads-ts` exports), which overrides `createRun`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ParamError, didYouMean, warn } from "../core/errors.js";
import { Rendered } from "../core/renderers.js";
import type { Dataset } from "../data/dataset.js";
import { expandHome, resolveSelection, type DatasetCollection, type Selection } from "../data/dataset-collection.js";
import { writeFileAtomic } from "../io/atomic.js";
import { RunParams } from "../params/run-params.js";
import { checkVersion, DEFAULT_RC_VERSION, RUN_QUEUE_POSTERIOR_MEAN_ONLY_SCRIPT, RUN_QUEUE_SCRIPT, SUMMARY_FILE, TENSORBOARD_SCRIPT } from "./layout.js";
import { Run } from "./run.js";
import { RunSpec, checkFolderName } from "./run-spec.js";
import { runCollectionDisplay, runCollectionSummaryText } from "./summary.js";

export interface RunCollectionOptions {
  /** Layout version (YYYYMMDD). Default 20171107; values < 20171107 share one data folder per data hash. */
  version?: number;
  comment?: string;
}

/** Run specs by name(s), RunSpec object(s) or 1-based index/indices (or a mask). */
export type RunSpecSearch = string | number | RunSpec | readonly (string | number | RunSpec)[] | readonly boolean[];
/** Params by `param_XXXXXX`, bare `XXXXXX`, RunParams (by hash) or 1-based index/indices (or a mask). */
export type ParamSearch = string | number | RunParams | readonly (string | number | RunParams)[] | readonly boolean[];

/** `R`: the class of the collection's runs (a subclass names its own and overrides `createRun`). */
export class RunCollection<R extends Run = Run> extends Rendered {
  static matlabClass = "LFADS.RunCollection";

  readonly name: string;
  readonly rootPath: string;
  readonly datasetCollection: DatasetCollection;
  comment: string;
  private versionValue: number;
  private paramList: RunParams[] = [];
  private specList: RunSpec[] = [];
  private grid: R[][] = [];

  /** `new RunCollection("~/lorenz_example/runs", "example", dc)` → folder `<rootPath>/<name>`. */
  constructor(rootPath: string, name: string, datasetCollection: DatasetCollection, options: RunCollectionOptions = {}) {
    super();
    if (typeof rootPath !== "string" || rootPath === "") throw new ParamError(`RunCollection: rootPath is empty; pass the folder under which runs are stored`);
    if (!datasetCollection || !Array.isArray(datasetCollection.datasets)) {
      throw new ParamError(`RunCollection "${name}": DatasetCollection is empty; pass the DatasetCollection the runs use`);
    }
    this.rootPath = expandHome(rootPath);
    this.name = checkFolderName("RunCollection", name);
    this.datasetCollection = datasetCollection;
    this.comment = options.comment ?? "";
    this.versionValue = checkVersion(options.version ?? DEFAULT_RC_VERSION);
  }

  /** Layout version (YYYYMMDD). Set it right after construction to freeze the layout logic. */
  get version(): number {
    return this.versionValue;
  }
  set version(v: number) {
    this.versionValue = checkVersion(v);
    this.generateRuns();
  }

  get params(): readonly RunParams[] {
    return this.paramList;
  }
  get runSpecs(): readonly RunSpec[] {
    return this.specList;
  }
  /** `runs[s][p]`: nRunSpecs × nParams. */
  get runs(): readonly (readonly R[])[] {
    return this.grid;
  }
  /** All runs in MATLAB linear order (for each params, every spec). */
  get runList(): R[] {
    const out: R[] = [];
    for (let p = 0; p < this.nParams; p++) for (let s = 0; s < this.nRunSpecs; s++) out.push(this.grid[s]![p]!);
    return out;
  }
  get nParams(): number {
    return this.paramList.length;
  }
  get nRunSpecs(): number {
    return this.specList.length;
  }
  get nRunsTotal(): number {
    return this.nParams * this.nRunSpecs;
  }
  get nDatasets(): number {
    return this.datasetCollection.nDatasets;
  }
  get datasetNames(): string[] {
    return this.datasetCollection.datasetNames;
  }
  get datasets(): readonly Dataset[] {
    return this.datasetCollection.datasets;
  }

  /** `<rootPath>/<name>`. */
  get path(): string {
    return path.join(this.rootPath, this.name);
  }
  /** `<path>/param_XXXXXX` per params. */
  get pathsForParams(): string[] {
    return this.paramList.map((p) => path.join(this.path, p.paramHashString));
  }
  /** `<path>/data_YYYYYY` per params. */
  get pathsCommonDataForParams(): string[] {
    return this.paramList.map((p) => path.join(this.path, p.dataHashString));
  }
  get fileShellScriptTensorboard(): string {
    return path.join(this.path, TENSORBOARD_SCRIPT);
  }
  get fileSummaryText(): string {
    return path.join(this.path, SUMMARY_FILE);
  }
  get fileShellScriptRunQueue(): string {
    return path.join(this.path, RUN_QUEUE_SCRIPT);
  }
  get fileShellScriptRunQueuePosteriorMeanOnly(): string {
    return path.join(this.path, RUN_QUEUE_POSTERIOR_MEAN_ONLY_SCRIPT);
  }

  /** Add params (one or many). Params with the param hash of existing ones replace them, with a warning. */
  addParams(params: RunParams | readonly RunParams[]): void {
    const list = Array.isArray(params) ? params : [params];
    list.forEach((p, i) => {
      if (!(p instanceof RunParams)) {
        throw new ParamError(`RunCollection "${this.name}".addParams: entry ${i + 1} is not a RunParams (got ${describe(p)}); build it with new RunParams({ … })`);
      }
    });
    for (const p of list as RunParams[]) {
      const i = this.paramList.findIndex((q) => q.paramHash === p.paramHash);
      if (i >= 0) {
        warn(`RunCollection "${this.name}": replacing existing params ${p.paramHashString} (param ${i + 1}) with equal param hash`);
        this.paramList[i] = p;
      } else {
        this.paramList.push(p);
      }
    }
    this.generateRuns();
  }

  clearParams(): void {
    this.paramList = [];
    this.generateRuns();
  }

  /** Keep the selected params (logical mask or 1-based indices). */
  filterParams(selection: Selection): void {
    this.paramList = resolveSelection(selection, this.nParams, `RunCollection "${this.name}".filterParams`).map((i) => this.paramList[i]!);
    this.generateRuns();
  }

  /** Add run spec(s). Specs with an existing name replace it, with a warning. */
  addRunSpec(specs: RunSpec | readonly RunSpec[]): void {
    const list = Array.isArray(specs) ? specs : [specs];
    list.forEach((s, i) => {
      if (!(s instanceof RunSpec)) throw new ParamError(`RunCollection "${this.name}".addRunSpec: entry ${i + 1} is not a RunSpec (got ${describe(s)})`);
      if (s.datasetCollection !== this.datasetCollection) {
        throw new ParamError(
          `RunCollection "${this.name}".addRunSpec: DatasetCollection of RunSpec "${s.name}" ("${s.datasetCollection.name}") must match the RunCollection's ("${this.datasetCollection.name}")`,
        );
      }
    });
    for (const s of list as RunSpec[]) {
      const i = this.specList.findIndex((q) => q.name === s.name);
      if (i >= 0) {
        warn(`RunCollection "${this.name}": replacing existing run spec "${s.name}" with the one added`);
        this.specList[i] = s;
      } else {
        this.specList.push(s);
      }
    }
    this.generateRuns();
  }

  clearRunSpecs(): void {
    this.specList = [];
    this.generateRuns();
  }

  filterRunSpecs(selection: Selection): void {
    this.specList = resolveSelection(selection, this.nRunSpecs, `RunCollection "${this.name}".filterRunSpecs`).map((i) => this.specList[i]!);
    this.generateRuns();
  }

  clearAll(): void {
    this.specList = [];
    this.paramList = [];
    this.generateRuns();
  }

  /** Rebuild the grid, keeping existing Run objects whose spec and params are unchanged (their caches survive). */
  private generateRuns(): void {
    const old = this.grid.flat();
    this.grid = this.specList.map((s) =>
      this.paramList.map((p, j) => {
        const keep = old.find((r) => r.runSpec === s && r.params.paramHash === p.paramHash && r.paramIndexInRunCollection === j + 1);
        return keep ?? this.createRun(s, p, j + 1);
      }),
    );
  }

  /** The Run of one grid cell (`paramIndex` 1-based). A subclass that names its own `R` must override this. */
  protected createRun(runSpec: RunSpec, params: RunParams, paramIndex: number): R {
    return new Run(this, runSpec, params, paramIndex) as R;
  }

  /** 0-based indices of run specs matching `search`; errors name what was not found. */
  findRunSpecIndices(search: RunSpecSearch): number[] {
    const items: readonly unknown[] = Array.isArray(search) ? search : [search];
    if (items.length > 0 && items.every((x) => typeof x === "boolean" || typeof x === "number")) {
      return resolveSelection(items as Selection, this.nRunSpecs, `RunCollection "${this.name}" run spec search`);
    }
    return items.map((x) => {
      if (typeof x === "number") return resolveSelection([x], this.nRunSpecs, `RunCollection "${this.name}" run spec search`)[0]!;
      const i = typeof x === "string" ? this.specList.findIndex((s) => s.name === x) : x instanceof RunSpec ? this.specList.findIndex((s) => s === x || s.equals(x)) : -1;
      if (i < 0) {
        const label = typeof x === "string" ? x : x instanceof RunSpec ? x.name : JSON.stringify(x);
        const hint = typeof x === "string" ? didYouMean(x, this.specList.map((s) => s.name)) : "";
        throw new ParamError(`Some run spec names could not be found in this RunCollection: "${label}" (has: ${this.specList.map((s) => s.name).join(", ") || "none"}).${hint}`);
      }
      return i;
    });
  }

  /** 0-based indices of params matching `search`; errors name what was not found. */
  findParamIndices(search: ParamSearch): number[] {
    const items: readonly unknown[] = Array.isArray(search) ? search : [search];
    if (items.length > 0 && items.every((x) => typeof x === "boolean" || typeof x === "number")) {
      return resolveSelection(items as Selection, this.nParams, `RunCollection "${this.name}" params search`);
    }
    return items.map((x) => {
      if (typeof x === "number") return resolveSelection([x], this.nParams, `RunCollection "${this.name}" params search`)[0]!;
      let hash: string;
      if (x instanceof RunParams) hash = x.paramHashString;
      else if (typeof x === "string") hash = x.startsWith("param_") ? x : `param_${x}`;
      else throw new ParamError(`RunCollection "${this.name}": params search ${describe(x)} must be 'param_XXXXXX', 'XXXXXX', a RunParams or a 1-based index`);
      const i = this.paramList.findIndex((p) => p.paramHashString === hash);
      if (i < 0) {
        const have = this.paramList.map((p) => p.paramHashString);
        throw new ParamError(`Some run params could not be found in this RunCollection: ${hash} (has: ${have.join(", ") || "none"}).${didYouMean(hash, have)}`);
      }
      return i;
    });
  }

  findRunSpecs(search: RunSpecSearch): RunSpec[] {
    return this.findRunSpecIndices(search).map((i) => this.specList[i]!);
  }

  findParams(search: ParamSearch): RunParams[] {
    return this.findParamIndices(search).map((i) => this.paramList[i]!);
  }

  /**
   * Runs of the selected specs × params (omitted = all), in MATLAB linear order (specs fastest).
   * `rc.findRuns("single_dataset001", 1)`, `rc.findRuns(undefined, "param_YOs74u")`.
   */
  findRuns(specSearch?: RunSpecSearch, paramSearch?: ParamSearch): R[] {
    const rows = specSearch === undefined ? this.specList.map((_, i) => i) : this.findRunSpecIndices(specSearch);
    const cols = paramSearch === undefined ? this.paramList.map((_, i) => i) : this.findParamIndices(paramSearch);
    return cols.flatMap((p) => rows.map((s) => this.grid[s]![p]!));
  }

  /** Exactly one run; errors if the search matches none or several. */
  findRun(specSearch?: RunSpecSearch, paramSearch?: ParamSearch): R {
    const runs = this.findRuns(specSearch, paramSearch);
    if (runs.length !== 1) {
      throw new ParamError(`RunCollection "${this.name}".findRun: the search matches ${runs.length} runs; name one run spec and one params (e.g. findRun("single_dataset001", 1)) or use findRuns`);
    }
    return runs[0]!;
  }

  /** The text of `summary.txt` (MATLAB generateSummaryText). */
  summary(): string {
    return runCollectionSummaryText(this);
  }

  /** Write `summary.txt` atomically (left untouched when the text is unchanged). Returns its path. */
  writeSummaryText(): string {
    const file = this.fileSummaryText;
    const text = this.summary();
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) writeFileAtomic(file, text);
    return file;
  }

  override toString(): string {
    return runCollectionDisplay(this);
  }

}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === "object") return x.constructor?.name ?? "object";
  return `${typeof x} ${JSON.stringify(x)}`;
}
