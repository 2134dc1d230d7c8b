/**
 * One recording session. Its data is loaded lazily through a loader hook: the default reads `.h5` and
 * MATLAB v7.3 `.mat` files; pass `{ load }` or override `readData()` in a subclass for other sources.
 *
 * Displays use the MATLAB package names (`LFADS.Dataset`, `LFADS.RunCollection`, …) for every object,
 * the Lorenz demo included, so that texts line up with the Run Manager's; the docs show
 * `LorenzExperiment.*` only because the MATLAB demo subclasses every class. A subclass may override
 * the static `matlabClass`.
 */
import * as path from "node:path";
import { Rendered } from "../core/renderers.js";
import { checkDatasetData, isoDate, parseDatetime, type CheckedDatasetData, type DatasetData } from "./dataset-data.js";
import { readDatasetFile, readDatasetFileInfo } from "./read-dataset-file.js";

export type DatasetLoader = (ds: Dataset) => Promise<DatasetData> | DatasetData;

/** Metadata shown in info tables; none of it affects processing. */
export interface DatasetInfo {
  subject: string;
  datetime: Date | undefined;
  saveTags: readonly (number | string)[];
  nTrials: number;
  nChannels: number;
}

export type DatasetInfoLoader = (ds: Dataset) => Promise<DatasetInfo> | DatasetInfo;

export interface DatasetOptions {
  /** Returns the dataset's data (default: read `ds.path` as .h5 / MATLAB v7.3 .mat). */
  load?: DatasetLoader;
  /** Returns the metadata without loading everything (default: load the data and read it off). */
  loadInfo?: DatasetInfoLoader;
  comment?: string;
}

export interface LoadDataOptions {
  /** Load again even if cached. Default false. */
  reload?: boolean;
  /** Keep the data cached on the dataset after loading. Default true. */
  keep?: boolean;
}

/** MATLAB `Dataset` name rule: file name without extension, commas replaced by underscores. */
export function datasetNameFromPath(relPath: string): string {
  return path.basename(relPath, path.extname(relPath)).replace(/,/g, "_");
}

/**
 * What a dataset sees of the collection that holds it (a DatasetCollection). An interface rather than
 * the class, so that dataset.ts and dataset-collection.ts do not import each other.
 */
export interface DatasetOwner {
  readonly name: string;
  readonly path: string;
  readonly datasets: readonly Dataset[];
  addDataset(ds: Dataset): void;
}

export class Dataset extends Rendered {
  static matlabClass = "LFADS.Dataset";

  readonly name: string;
  readonly relPath: string;
  comment: string;
  /** Owning collection (set by `DatasetCollection.addDataset`). */
  collection: DatasetOwner | undefined;

  infoLoaded = false;
  subject = "";
  datetime: Date | undefined = undefined;
  saveTags: readonly (number | string)[] = [];
  nTrials = NaN;
  nChannels = NaN;

  private cached: CheckedDatasetData | undefined;
  private readonly loader: DatasetLoader | undefined;
  private readonly infoLoader: DatasetInfoLoader | undefined;

  /** Create a dataset at `relPath` (relative to the collection path) and add it to `collection`, replacing one with the same name. */
  constructor(collection: DatasetOwner | undefined, relPath: string, options: DatasetOptions = {}) {
    super();
    this.relPath = relPath;
    this.name = datasetNameFromPath(relPath);
    this.comment = options.comment ?? "";
    this.loader = options.load;
    this.infoLoader = options.loadInfo;
    this.collection = undefined;
    collection?.addDataset(this);
  }

  /** Absolute-or-as-given file path: `<collection.path>/<relPath>` (or `relPath` without a collection). */
  get path(): string {
    return this.collection ? path.resolve(this.collection.path, this.relPath) : this.relPath;
  }

  /** `YYYY-MM-DD`, or "" when no date is known. */
  get datestr(): string {
    return this.datetime ? isoDate(this.datetime) : "";
  }

  /** `YYYYMMDD`, or "". */
  get datestrNoHyphen(): string {
    return this.datestr.replace(/-/g, "");
  }

  /** 1-based position in the collection (MATLAB `indexInCollection`), or undefined when not in one. */
  get indexInCollection(): number | undefined {
    const i = this.collection?.datasets.indexOf(this) ?? -1;
    return i >= 0 ? i + 1 : undefined;
  }

  /** `single_<name>`: the conventional RunSpec name of a run on this dataset alone. */
  getSingleRunName(): string {
    return `single_${this.name}`;
  }

  /** Hook: produce the raw data. Subclasses may override; the default uses the `load` option or reads the file. */
  protected readData(): Promise<DatasetData> | DatasetData {
    return this.loader ? this.loader(this) : readDatasetFile(this.path, this.name);
  }

  /** Load, validate and (by default) cache the data. */
  async loadData(options: LoadDataOptions = {}): Promise<CheckedDatasetData> {
    if (this.cached && !options.reload) return this.cached;
    const data = checkDatasetData(this.name, await this.readData());
    this.setInfoFromData(data);
    if (options.keep ?? true) this.cached = data;
    return data;
  }

  /** The cached data, if loaded and kept. */
  get loadedData(): CheckedDatasetData | undefined {
    return this.cached;
  }

  /** Drop the cached data (it is reloaded on the next `loadData`). */
  releaseData(): void {
    this.cached = undefined;
  }

  /**
   * Load the metadata. With the default file reader only the shapes and small fields are read; with a
   * custom loader the data is loaded (and kept only if it already was cached).
   */
  async loadInfo(reload = false): Promise<DatasetInfo> {
    if (!this.infoLoaded || reload) {
      if (this.infoLoader) {
        this.setInfo(await this.infoLoader(this));
      } else if (!this.loader && this.readData === Dataset.prototype.readData && !this.cached) {
        const info = await readDatasetFileInfo(this.path, this.name);
        this.setInfo({ ...info, datetime: parseDatetime(info.datetime) });
      } else {
        await this.loadData({ reload, keep: this.cached !== undefined });
      }
    }
    return this.info;
  }

  get info(): DatasetInfo {
    return { subject: this.subject, datetime: this.datetime, saveTags: this.saveTags, nTrials: this.nTrials, nChannels: this.nChannels };
  }

  private setInfoFromData(data: CheckedDatasetData): void {
    this.setInfo({ nTrials: data.nTrials, nChannels: data.nChannels, subject: data.subject ?? "", datetime: parseDatetime(data.datetime), saveTags: data.saveTags ?? [] });
  }

  private setInfo(info: DatasetInfo): void {
    this.nTrials = info.nTrials;
    this.nChannels = info.nChannels;
    this.subject = info.subject;
    this.datetime = info.datetime;
    this.saveTags = [...info.saveTags];
    this.infoLoaded = true;
  }

  /** `LFADS.Dataset "dataset001"` (MATLAB getFirstLineHeader). */
  firstLineHeader(): string {
    return `${(this.constructor as typeof Dataset).matlabClass} "${this.name}"`;
  }

  override toString(): string {
    const lines = [this.firstLineHeader(), `  path: ${this.path}`];
    if (this.infoLoaded) {
      lines.push(`  subject: ${this.subject}  date: ${this.datestr}  nTrials: ${this.nTrials}  nChannels: ${this.nChannels}`);
    }
    return lines.join("\n");
  }

}
