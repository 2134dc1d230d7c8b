/**
 * The Run and RunCollection users get from \`lfads-ts\`: the plain data classes of src/runs plus the MATLAB
 * Run Manager's methods, each a one-line call into the stage that does the work (prepare/ writes the
 * inputs; the TF-free readers of posterior/ load and score the outputs). Both classes live in this one
 * file because each names the other (a run's collection, a collection's runs).
 *
 *   await rc.prepare()                                                   → PrepareResult (inputs, links, summary.txt)
 *   await run.prepare()                                                  → PrepareResult
 *   await run.loadPosteriorMeans({ kind?, datasetIndices?, reload? })   → PosteriorMeans[] (one per dataset)
 *   run.loadFitLog()                                                    → FitLog
 *   run.loadFitLog({ dataFrame: true })                                 → danfojs-node DataFrame (optional peer)
 *   await run.loadModelTrainedParams()                                  → ModelTrainedParams
 *   await run.score({ split? })                                         → RunScore[] (R² vs truth, bits/spike)
 */
import type { RunParams } from "../params/run-params.js";
import type { FitLog, FitLogDataFrame, LoadFitLogOptions } from "../posterior/fit-log.js";
import type { PosteriorMeans } from "../posterior/posterior-means.js";
import { loadRunFitLog, loadRunPosteriorMeans, loadRunTrainedParams, scoreRun, type RunPosteriorOptions, type RunScore, type ScoreRunOptions } from "../posterior/run-results.js";
import type { ModelTrainedParams } from "../posterior/trained-params.js";
import { prepare, prepareRuns, type PrepareOptions, type PrepareResult } from "../prepare/prepare.js";
import { RunCollection as RunCollectionData } from "../runs/run-collection.js";
import { Run as RunData } from "../runs/run.js";
import type { RunSpec } from "../runs/run-spec.js";

export class Run extends RunData {
  declare readonly runCollection: RunCollection;

  constructor(runCollection: RunCollection, runSpec: RunSpec, params: RunParams, paramIndexInRunCollection: number) {
    super(runCollection, runSpec, params, paramIndexInRunCollection);
  }

  /** Write this run's LFADS input files and links (see `prepare`). */
  prepare(options: PrepareOptions = {}): Promise<PrepareResult> {
    return prepareRuns([this], options);
  }

  /** The run's posterior means, one per dataset (see `loadRunPosteriorMeans`). */
  loadPosteriorMeans(options?: RunPosteriorOptions): Promise<PosteriorMeans[]> {
    return loadRunPosteriorMeans(this, options);
  }

  /** `lfadsOutput/fitlog.csv` as a FitLog (see `loadFitLog`). */
  loadFitLog(options?: LoadFitLogOptions & { dataFrame?: false }): FitLog;
  /** `lfadsOutput/fitlog.csv` as a danfojs-node DataFrame of the tidy rows (needs the optional danfojs-node). */
  loadFitLog(options: LoadFitLogOptions & { dataFrame: true }): FitLogDataFrame;
  loadFitLog(options?: LoadFitLogOptions): FitLog | FitLogDataFrame;
  loadFitLog(options?: LoadFitLogOptions): FitLog | FitLogDataFrame {
    return loadRunFitLog(this, options);
  }

  /** `lfadsOutput/model_params` as ModelTrainedParams. */
  loadModelTrainedParams(): Promise<ModelTrainedParams> {
    return loadRunTrainedParams(this);
  }

  /** R² vs truth and bits/spike per dataset (see `scoreRun`). */
  score(options?: ScoreRunOptions): Promise<RunScore[]> {
    return scoreRun(this, options);
  }
}

export class RunCollection extends RunCollectionData<Run> {
  /** Write every run's LFADS input files, links and `summary.txt` (see `prepare`). */
  prepare(options: PrepareOptions = {}): Promise<PrepareResult> {
    return prepare(this, options);
  }

  protected override createRun(runSpec: RunSpec, params: RunParams, paramIndex: number): Run {
    return new Run(this, runSpec, params, paramIndex);
  }
}
