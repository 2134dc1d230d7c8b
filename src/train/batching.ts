/**
 * Epoch batching of TF LFADS (randomize_example_idxs_mod_batch_size + shuffle_and_flatten_datasets):
 * per dataset, all E trials plus (B − E mod B) distinct random extra trials when E is not a multiple
 * of B, shuffled and cut into full batches of B; then the batches of all datasets are shuffled
 * together. Every batch holds trials of one dataset only. TF asserts E > B; so do we, with a message.
 */
import { ParamError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";

export interface BatchRef {
  datasetIndex: number;
  /** Trial indices into the split, length B. */
  indices: Int32Array;
}

export interface SplitSize {
  name: string;
  numTrials: number;
}

/** Check E > B for every dataset and split (TF asserts it); the error names c_batch_size and the count. */
export function checkBatchSize(batchSize: number, datasets: readonly SplitSize[], split: "train" | "valid"): void {
  for (const d of datasets) {
    if (d.numTrials <= batchSize) {
      throw new ParamError(
        `c_batch_size (${batchSize}) must be smaller than the number of ${split} trials (${d.numTrials}) of dataset '${d.name}': LFADS fills every batch with distinct trials. Lower c_batch_size below ${d.numTrials}, or provide more trials.`,
      );
    }
  }
}

export function epochBatches(batchSize: number, datasets: readonly SplitSize[], rng: Rng, split: "train" | "valid"): BatchRef[] {
  checkBatchSize(batchSize, datasets, split);
  const all: BatchRef[] = [];
  datasets.forEach((d, datasetIndex) => {
    const E = d.numTrials;
    const rem = E % batchSize === 0 ? 0 : batchSize - (E % batchSize);
    const idx: number[] = Array.from({ length: E }, (_, i) => i);
    if (rem > 0) {
      const pool = Array.from({ length: E }, (_, i) => i);
      rng.shuffle(pool);
      idx.push(...pool.slice(0, rem));
    }
    rng.shuffle(idx);
    for (let b = 0; b < idx.length; b += batchSize) all.push({ datasetIndex, indices: Int32Array.from(idx.slice(b, b + batchSize)) });
  });
  rng.shuffle(all);
  return all;
}
