/** A prepared single-dataset run on a small generated Lorenz dataset: the starting point of the CLI and posterior tests. */
import * as path from "node:path";
import { setWarningSink } from "../../src/core/errors.js";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { generateLorenzDatasets, type LorenzOptions } from "../../src/data/lorenz.js";
import type { RunParams } from "../../src/params/run-params.js";
import { prepare } from "../../src/prepare/prepare.js";
import { RunCollection } from "../../src/facade/runs.js";
import { RunSpec } from "../../src/runs/run-spec.js";
import type { Run } from "../../src/facade/runs.js";

/**
 * Generates one Lorenz dataset in `<root>/datasets` (shape from `lorenz`), prepares the run
 * `single_dataset001` with `params` under `<root>/runs` (warnings silenced) and returns it.
 */
export async function prepareTinyRun(root: string, params: RunParams, lorenz: LorenzOptions): Promise<Run> {
  const dsDir = path.join(root, "datasets");
  await generateLorenzDatasets(dsDir, { nDatasets: 1, today: "2020-01-01", onProgress: () => {}, ...lorenz });
  const dc = new DatasetCollection(dsDir, "tiny");
  new Dataset(dc, "dataset001.h5");
  const rc = new RunCollection(path.join(root, "runs"), "rc", dc);
  rc.addParams(params);
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  const prev = setWarningSink(() => {});
  try {
    await prepare(rc);
  } finally {
    setWarningSink(prev);
  }
  return rc.runList[0]!;
}
