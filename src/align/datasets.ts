/** The datasets of an alignment, checked: shapes, condition-id kinds, training trials, matching lengths. */
import type { NumericArray } from "../core/array3d.js";
import { DataError, ParamError, ShapeError } from "../core/errors.js";
import { isExcluded } from "./condition-ids.js";
import type { AlignmentDatasetInput, ConditionId } from "./types.js";

/** One dataset's checked input. */
export interface PreparedDataset {
  name: string;
  nTrials: number;
  nChannels: number;
  nTime: number;
  counts: NumericArray;
  train: number[];
  /** condition ids of the training trials (excluded ones removed later) */
  trainIds: ConditionId[];
  kind: "number" | "string" | undefined;
}

/** Check one dataset's arrays, condition ids and training trials; throws naming the dataset. */
function prepareDataset(d: AlignmentDatasetInput, index: number): PreparedDataset {
  const name = typeof d.name === "string" && d.name !== "" ? d.name : `#${index + 1}`;
  const shape = d.counts?.shape;
  if (!shape || shape.length !== 3 || !d.counts.data) {
    throw new ShapeError(`alignment: dataset '${name}': counts must be a 3-D array [nTrials, nChannels, T]`);
  }
  const [nTrials, nChannels, nTime] = shape;
  if (!(nTrials > 0 && nChannels > 0 && nTime > 0)) {
    throw new ShapeError(`alignment: dataset '${name}': counts shape [${shape.join(", ")}] has an empty axis`);
  }
  if (d.counts.data.length !== nTrials * nChannels * nTime) {
    throw new ShapeError(`alignment: dataset '${name}': ${d.counts.data.length} count values do not fill shape [${shape.join(", ")}]`);
  }
  if (!d.conditionIds || d.conditionIds.length !== nTrials) {
    throw new ShapeError(`alignment: dataset '${name}': ${d.conditionIds?.length ?? 0} condition ids for ${nTrials} trials`);
  }
  let kind: "number" | "string" | undefined;
  for (let i = 0; i < d.conditionIds.length; i++) {
    const id = d.conditionIds[i];
    const t = typeof id;
    if (t !== "number" && t !== "string") {
      throw new DataError(`alignment: dataset '${name}': conditionId field must contain numeric or string values (trial ${i} has ${String(id)})`);
    }
    if (kind === undefined) kind = t as "number" | "string";
    else if (kind !== t) {
      throw new DataError(`alignment: dataset '${name}': conditionId field must contain numeric or string values, not a mix of both (trial ${i} is a ${t}, earlier trials are ${kind}s)`);
    }
  }
  const train: number[] = [];
  for (let i = 0; i < d.trainInds.length; i++) {
    const r = d.trainInds[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= nTrials) {
      throw new ParamError(`alignment: dataset '${name}': train index ${r} is not a 0-based trial index in [0, ${nTrials - 1}]`);
    }
    train.push(r);
  }
  if (train.length === 0) throw new DataError(`alignment: dataset '${name}' has no training trials (trainInds is empty)`);
  const stride = nChannels * nTime;
  for (const r of train) {
    for (let j = r * stride; j < (r + 1) * stride; j++) {
      const v = d.counts.data[j]!;
      if (v === Infinity || v === -Infinity) {
        const ch = Math.floor((j - r * stride) / nTime);
        throw new DataError(`alignment: dataset '${name}': infinite count in trial ${r}, channel ${ch}, bin ${(j - r * stride) % nTime}`);
      }
    }
  }
  const trainIds = train.map((r) => d.conditionIds[r]!);
  let trainKind: "number" | "string" | undefined;
  for (const id of trainIds) if (!isExcluded(id)) { trainKind = typeof id as "number" | "string"; break; }
  return { name, nTrials, nChannels, nTime, counts: d.counts.data, train, trainIds, kind: trainKind ?? kind };
}

/** Check every dataset, and that their names are unique and their trials equally long. */
export function prepareDatasets(input: readonly AlignmentDatasetInput[]): PreparedDataset[] {
  const ds = input.map(prepareDataset);
  const names = ds.map((d) => d.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new ParamError(`alignment: dataset name '${dup}' appears more than once`);
  const nTime = ds[0]!.nTime;
  if (ds.some((d) => d.nTime !== nTime)) {
    throw new ShapeError(
      `alignment: Number of timepoints (after rebinning) of all datasets must match, got ${ds.map((d) => `'${d.name}' ${d.nTime} bins`).join(", ")}; crop or pad the trials to a common window`,
    );
  }
  return ds;
}
