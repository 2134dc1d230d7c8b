/**
 * Run: one LFADS model = one (RunSpec, RunParams) pair of a RunCollection (MATLAB `LFADS.Run`).
 * Building one touches no files; every path of the Run Manager layout is a getter. The methods that
 * act on a run's files (`prepare()`, `loadPosteriorMeans()`, `score()`, …) belong to the notebook-facing
 * subclass in src/facade/runs.ts, which the RunCollection that users build makes.
 */
import * as path from "node:path";
import { Rendered } from "../core/renderers.js";
import type { Dataset } from "../data/dataset.js";
import type { DatasetCollection } from "../data/dataset-collection.js";
import type { RunParams } from "../params/run-params.js";
import {
  EXPORT_DIR,
  FITLOG_FILE,
  MODEL_PARAMS_FILE,
  RUN_DONE_POSTERIOR_MEAN_ONLY,
  RUN_LOG,
  RUN_LOG_POSTERIOR_MEAN_ONLY,
  RUN_MARKERS,
  RUN_SCRIPTS,
  SEQUENCE_DIR,
  commonDataPath,
  inputInfoFileName,
  lfadsInputFileName,
  runInputDir,
  runOutputDir,
  runPath,
  sequenceFileName,
} from "./layout.js";
import type { RunSpec } from "./run-spec.js";
import { runDisplay } from "./summary.js";

/**
 * What a run reads of the collection that holds it (a RunCollection). An interface rather than the
 * class, so that run.ts and run-collection.ts do not import each other.
 */
export interface RunOwner {
  readonly name: string;
  readonly path: string;
  readonly version: number;
  readonly runList: readonly Run[];
}

export class Run extends Rendered {
  static matlabClass = "LFADS.Run";

  comment = "";

  constructor(
    readonly runCollection: RunOwner,
    readonly runSpec: RunSpec,
    readonly params: RunParams,
    /** 1-based column of these params in the collection. */
    readonly paramIndexInRunCollection: number,
  ) {
    super();
  }

  /** The run-spec name; also the run's folder name. */
  get name(): string {
    return this.runSpec.name;
  }
  /** Layout version, from the collection. */
  get version(): number {
    return this.runCollection.version;
  }
  get datasets(): readonly Dataset[] {
    return this.runSpec.datasets;
  }
  get nDatasets(): number {
    return this.runSpec.nDatasets;
  }
  get datasetNames(): string[] {
    return this.runSpec.datasetNames;
  }
  get datasetCollection(): DatasetCollection {
    return this.runSpec.datasetCollection;
  }
  /** 1-based positions of the datasets in the collection. */
  get datasetIndsInCollection(): readonly number[] {
    return this.runSpec.datasetIndsInCollection;
  }
  /** Sum of the datasets' channel counts (NaN until their info is loaded). */
  get nChannelsTotal(): number {
    return this.datasets.reduce((s, d) => s + d.nChannels, 0);
  }

  /** `param_XXXXXX`. */
  get paramsString(): string {
    return this.params.paramHashString;
  }
  get paramsName(): string {
    return this.params.name;
  }

  /** `<rc.path>/param_XXXXXX/<name>`. */
  get path(): string {
    return runPath(this.runCollection.path, this.params.paramHashString, this.name);
  }
  /** `<rc.path>/data_YYYYYY/<name>` (version >= 20171107) or `<rc.path>/data_YYYYYY` (older). */
  get pathCommonData(): string {
    return commonDataPath(this.runCollection.path, this.params.dataHashString, this.name, this.version);
  }
  get pathSequenceFiles(): string {
    return path.join(this.pathCommonData, SEQUENCE_DIR);
  }
  get sequenceFileNames(): string[] {
    return this.datasetNames.map(sequenceFileName);
  }
  /** `<path>/lfadsInput`: symlinks to the shared input files. */
  get pathLFADSInput(): string {
    return runInputDir(this.path);
  }
  /** `lfads_<ds>.h5` per dataset. */
  get lfadsInputFileNames(): string[] {
    return this.datasetNames.map(lfadsInputFileName);
  }
  /** `inputInfo_<ds>.h5` per dataset. */
  get lfadsInputInfoFileNames(): string[] {
    return this.datasetNames.map(inputInfoFileName);
  }
  /** Full paths of the shared input files in `pathCommonData`. */
  get lfadsInputFiles(): string[] {
    return this.lfadsInputFileNames.map((f) => path.join(this.pathCommonData, f));
  }
  get lfadsInputInfoFiles(): string[] {
    return this.lfadsInputInfoFileNames.map((f) => path.join(this.pathCommonData, f));
  }
  /** Full paths of the links in `pathLFADSInput` (what the trainer reads). */
  get lfadsInputLinks(): string[] {
    return this.lfadsInputFileNames.map((f) => path.join(this.pathLFADSInput, f));
  }
  get lfadsInputInfoLinks(): string[] {
    return this.lfadsInputInfoFileNames.map((f) => path.join(this.pathLFADSInput, f));
  }
  get pathLFADSOutput(): string {
    return runOutputDir(this.path);
  }
  get pathExport(): string {
    return path.join(this.path, EXPORT_DIR);
  }
  get fileShellScriptLFADSTrain(): string {
    return path.join(this.path, RUN_SCRIPTS.train);
  }
  get fileShellScriptLFADSPosteriorMeanSample(): string {
    return path.join(this.path, RUN_SCRIPTS.posteriorMeanSample);
  }
  get fileShellScriptLFADSWriteModelParams(): string {
    return path.join(this.path, RUN_SCRIPTS.writeModelParams);
  }
  /** Tee'd stdout + stderr of training. */
  get fileLFADSOutput(): string {
    return path.join(this.path, RUN_LOG);
  }
  /** Empty marker written when training (and sampling) succeeded. */
  get fileLFADSDone(): string {
    return path.join(this.path, RUN_MARKERS.done);
  }
  get fileLFADSOutputPosteriorMeanOnly(): string {
    return path.join(this.path, RUN_LOG_POSTERIOR_MEAN_ONLY);
  }
  get fileLFADSDonePosteriorMeanOnly(): string {
    return path.join(this.path, RUN_DONE_POSTERIOR_MEAN_ONLY);
  }
  get fileModelParams(): string {
    return path.join(this.pathLFADSOutput, MODEL_PARAMS_FILE);
  }
  get fileFitLog(): string {
    return path.join(this.pathLFADSOutput, FITLOG_FILE);
  }
  get sessionNameTrain(): string {
    return `train_${this.name}__${this.paramsString}`.replace(/\./g, "_");
  }
  get sessionNamePosteriorMean(): string {
    return `pm_${this.name}__${this.paramsString}`.replace(/\./g, "_");
  }
  get sessionNameWriteModelParams(): string {
    return `writeParams_${this.name}_${this.paramsString}`.replace(/\./g, "_");
  }

  /** Same spec, same params (by hash), same collection (MATLAB `eq`). */
  equals(other: Run): boolean {
    return this.runCollection === other.runCollection && this.runSpec.equals(other.runSpec) && this.params.equals(other.params);
  }

  override toString(): string {
    return runDisplay(this);
  }

}
