/**
 * Steps 1–3 of the alignment: each dataset's training trials averaged per condition, stacked along
 * neurons into A (nNeuronsTotal × T·nConditions, time fastest), and A centred by each neuron's
 * NaN-ignoring mean.
 */
import { DataError } from "../core/errors.js";
import { type Mat, mat } from "../core/linalg.js";
import { isExcluded } from "./condition-ids.js";
import type { PreparedDataset } from "./datasets.js";
import type { ConditionId } from "./types.js";

export interface StackedAverages {
  /** A: every dataset's condition averages, one row per neuron; NaN where a condition has no trial. */
  readonly a: Mat;
  /** A − m, each row centred by its mean. */
  readonly ac: Mat;
  /** m: each neuron's NaN-ignoring mean (the alignment biases). */
  readonly means: Float64Array;
  /** First row of each dataset in A. */
  readonly rowOffset: readonly number[];
  /** Each dataset's own block of A (nChannels × T·nConditions). */
  readonly averages: Mat[];
}

/** Condition-average, stack and centre; throws DataError naming the dataset and channel that overflow or lack a mean. */
export function stackConditionAverages(ds: readonly PreparedDataset[], condIndex: ReadonlyMap<ConditionId, number>, nTime: number): StackedAverages {
  const nCols = nTime * condIndex.size;
  const nTotal = ds.reduce((s, d) => s + d.nChannels, 0);
  const a = mat(nTotal, nCols);
  const rowOffset: number[] = [];
  const averages: Mat[] = [];
  let row0 = 0;
  for (const d of ds) {
    rowOffset.push(row0);
    const avg = conditionAverage(d, condIndex, nTime, nCols);
    averages.push(avg);
    a.data.set(avg.data, row0 * nCols);
    row0 += d.nChannels;
  }
  const where = (r: number): string => {
    let d = 0;
    while (d + 1 < rowOffset.length && rowOffset[d + 1]! <= r) d++;
    return `dataset '${ds[d]!.name}' channel ${r - rowOffset[d]!}`;
  };
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] === Infinity || a.data[i] === -Infinity) {
      throw new DataError(`alignment: condition average of ${where(Math.floor(i / nCols))} overflows (counts too large)`);
    }
  }
  const { ac, means } = centreRows(a, (r) => `alignment: ${where(r)} has only NaN counts in its training trials, so it has no mean (alignment bias)`);
  return { a, ac, means, rowOffset, averages };
}

/** One dataset's NaN-ignoring mean over the training trials of each condition; NaN for absent conditions. */
function conditionAverage(d: PreparedDataset, condIndex: ReadonlyMap<ConditionId, number>, nTime: number, nCols: number): Mat {
  const sum = new Float64Array(d.nChannels * nCols);
  const cnt = new Float64Array(d.nChannels * nCols);
  d.train.forEach((r, ti) => {
    const id = d.trainIds[ti]!;
    if (isExcluded(id)) return;
    const c = condIndex.get(id)!;
    for (let ch = 0; ch < d.nChannels; ch++) {
      const src = (r * d.nChannels + ch) * nTime;
      const dst = ch * nCols + c * nTime;
      for (let t = 0; t < nTime; t++) {
        const v = d.counts[src + t]!;
        if (!Number.isNaN(v)) {
          sum[dst + t] += v;
          cnt[dst + t] += 1;
        }
      }
    }
  });
  const avg = mat(d.nChannels, nCols);
  for (let i = 0; i < avg.data.length; i++) avg.data[i] = cnt[i]! > 0 ? sum[i]! / cnt[i]! : NaN;
  return avg;
}

/** Each row's NaN-ignoring mean and the row minus it; `noMean(r)` words the error for an all-NaN row. */
function centreRows(a: Mat, noMean: (row: number) => string): { ac: Mat; means: Float64Array } {
  const { rows, cols } = a;
  const means = new Float64Array(rows);
  const ac = mat(rows, cols);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    let n = 0;
    for (let j = 0; j < cols; j++) {
      const v = a.data[r * cols + j]!;
      if (!Number.isNaN(v)) { s += v; n++; }
    }
    if (n === 0) throw new DataError(noMean(r));
    means[r] = s / n;
    for (let j = 0; j < cols; j++) ac.data[r * cols + j] = a.data[r * cols + j]! - means[r]!;
  }
  return { ac, means };
}
