/**
 * A Run whose folders exist but hold nothing yet (no prepare, no training): tests then write the files
 * that TF LFADS / lfads-torch would have written into `run.pathLFADSInput` / `run.pathLFADSOutput`.
 * One dataset, `dataset001`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Dataset } from "../../src/data/dataset.js";
import { DatasetCollection } from "../../src/data/dataset-collection.js";
import { RunParams } from "../../src/params/run-params.js";
import "../../src/posterior/run-results.js";
import { RunCollection } from "../../src/facade/runs.js";
import { RunSpec } from "../../src/runs/run-spec.js";
import type { Run } from "../../src/facade/runs.js";

export function runWithOutput(root: string, params: RunParams = new RunParams({ spikeBinMs: 2 })): Run {
  const dc = new DatasetCollection(path.join(root, "datasets"), "fixture");
  new Dataset(dc, "dataset001.h5");
  const rc = new RunCollection(path.join(root, "runs"), "rc", dc);
  rc.addParams(params);
  rc.addRunSpec(new RunSpec("single_dataset001", dc, 1));
  const run = rc.runList[0]!;
  fs.mkdirSync(run.pathLFADSInput, { recursive: true });
  fs.mkdirSync(run.pathLFADSOutput, { recursive: true });
  return run;
}
