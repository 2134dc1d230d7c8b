/**
 * The RunCollection users build (`new RunCollection(root, name, dc)`): the plain data class of src/runs,
 * whose runs are the facade's Runs (with `prepare()`, `loadPosteriorMeans()`, `score()`, …), plus
 * `rc.prepare()`.
 */
import type { RunParams } from "../params/run-params.js";
import { prepare, type PrepareOptions, type PrepareResult } from "../prepare/prepare.js";
import { RunCollection as RunCollectionData } from "../runs/run-collection.js";
import type { RunSpec } from "../runs/run-spec.js";
import { Run } from "./run.js";

export class RunCollection extends RunCollectionData<Run> {
  /** Write every run's LFADS input files, links and `summary.txt` (see `prepare`). */
  prepare(options: PrepareOptions = {}): Promise<PrepareResult> {
    return prepare(this, options);
  }

  protected override createRun(runSpec: RunSpec, params: RunParams, paramIndex: number): Run {
    return new Run(this, runSpec, params, paramIndex);
  }
}
