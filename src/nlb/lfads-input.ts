/**
 * An LFADS input file from NLB inputs, for a model that sees held-in neurons only: the train trials'
 * held-in counts as `train_data` and the eval trials' as `valid_data` (int64 [trial, bin, neuron]), so
 * that the posterior gives rates for every trial NLB scores; held-out neurons never reach the model.
 */
import { writeArray, writeH5Atomic } from "../io/h5.js";
import { toInt64 } from "../prepare/input-files.js";
import type { NlbInputs } from "./target.js";
import type { NlbTensor } from "./tensor.js";

/** Counts as the int64 array of an LFADS input file. */
export function int64Counts(x: NlbTensor): { data: BigInt64Array; shape: number[]; dtype: string } {
  return { data: toInt64(Float64Array.from(x.data)), shape: [...x.shape], dtype: "<q" };
}

/** Trial positions as the 1-based `*_inds` of an LFADS input file. */
export function oneBasedInds(positions: readonly number[]): { data: Float64Array; shape: number[] } {
  return { data: Float64Array.from(positions, (i) => i + 1), shape: [positions.length] };
}

/** Write `file` (atomically); train_inds / valid_inds are the 1-based positions among the binned trials. */
export async function writeNlbLfadsInput(file: string, inputs: NlbInputs): Promise<void> {
  await writeH5Atomic(file, (f) => {
    writeArray(f, "train_data", int64Counts(inputs.trainSpikesHeldin), { gzip: 1 });
    writeArray(f, "valid_data", int64Counts(inputs.evalSpikesHeldin), { gzip: 1 });
    writeArray(f, "train_inds", oneBasedInds(inputs.trainTrials));
    writeArray(f, "valid_inds", oneBasedInds(inputs.evalTrials));
  });
}
