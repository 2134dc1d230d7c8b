/**
 * The default stitching alignment of `prepare` (MATLAB `Run.prepareAlignmentMatrices`): re-bin each
 * dataset at `spikeBinMs`, take its training trials, and let src/align regress the datasets onto
 * global PCs of the condition averages (`alignmentApproach`, `alignmentExtraArgs`, `c_factors_dim`).
 * Pass `prepare(rc, { alignment })` to use another algorithm.
 */
import { computeAlignment, validateAlignment } from "../align/index.js";
import { DataError } from "../core/errors.js";
import type { CheckedDatasetData } from "../data/dataset-data.js";
import { rebin, splitTrainValid } from "../data/rebin-split.js";
import type { AlignmentForDataset } from "./input-files.js";
import type { Run } from "../runs/run.js";

export function alignmentFromParams(run: Run, data: readonly CheckedDatasetData[]): AlignmentForDataset[] {
  const p = run.params;
  const input = data.map((d, i) => {
    const name = run.datasets[i]!.name;
    if (!d.conditionId) {
      throw new DataError(`Run ${run.name} (${run.paramsString}), dataset ${name}: stitching alignment averages trials by condition, but the loader returned no conditionId; return one per trial`);
    }
    return {
      name,
      counts: rebin(d.counts, d.binWidthMs, p.spikeBinMs, "counts"),
      conditionIds: d.conditionId,
      trainInds: splitTrainValid(d.nTrials, p.trainToTestRatio).trainInds,
    };
  });
  const result = computeAlignment(input, {
    nFactors: p.c_factors_dim,
    approach: p.alignmentApproach,
    extraArgs: p.alignmentExtraArgs,
    singleDataset: run.nDatasets === 1,
  });
  validateAlignment(result.matrices, result.biases, { datasetNames: input.map((x) => x.name), nChannels: data.map((d) => d.nChannels), nFactors: result.nFactors });
  return result.matrices.map((matrix, i) => ({ matrix, nFactors: result.nFactors, bias: result.biases[i]! }));
}
