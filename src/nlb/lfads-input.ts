/**
 * An LFADS input file from NLB inputs, for a model that sees held-in neurons only: the train trials'
 * held-in counts as `train_data` and the eval trials' as `valid_data` (int64 [trial, bin, neuron]), so
 * that the posterior gives rates for every trial NLB scores; held-out neurons never reach the model.
 */
import { writeArray, writeH5Atomic } from "../io/h5.js";
import { toInt64 } from "../prepare/input-files.js";
import type { NlbInputs } from "./target.js";
import type { NlbTensor } from "./tensor.js";

function counts(x: NlbTensor): { data: BigInt64Array; shape: number[]; dtype: string } {
  return { data: toInt64(Float64Array.from(x.data)), shape: [...x.shape], dtype: "<q" };
}

/** Write `file` (atomically); train_inds / valid_inds are the 1-based positions among the binned trials. */
export async function writeNlbLfadsInput(file: string, inputs: NlbInputs): Promise<void> {
  await writeH5Atomic(file, (f) => {
    writeArray(f, "train_data", counts(inputs.trainSpikesHeldin), { gzip: 1 });
    writeArray(f, "valid_data", counts(inputs.evalSpikesHeldin), { gzip: 1 });
    writeArray(f, "train_inds", { data: Float64Array.from(inputs.trainTrials, (i) => i + 1), shape: [inputs.trainTrials.length] });
    writeArray(f, "valid_inds", { data: Float64Array.from(inputs.evalTrials, (i) => i + 1), shape: [inputs.evalTrials.length] });
  });
}
