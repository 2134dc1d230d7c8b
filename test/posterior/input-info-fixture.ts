/**
 * Test fixture: write an `inputInfo_<ds>.h5` sidecar straight from the layout `readInputInfo` documents,
 * independently of the prepare step's writer (src/prepare/input-files.ts), so reader tests do not depend
 * on prepare and a drift between the two shows up as a failing test.
 */
import type { Array3D } from "../../src/core/array3d.js";
import { writeArray, writeH5Atomic, type H5Array } from "../../src/io/h5.js";
import { bareDataHash, type ConditionIds } from "../../src/posterior/read-input-info.js";

/** What `writeInputInfo` takes: 0-based indices and `[trials, T_orig, dim]` arrays in the original trial order. */
export interface InputInfoContents {
  /** 0-based; written 1-based. */
  trainInds: ArrayLike<number>;
  /** 0-based; written 1-based. */
  validInds: ArrayLike<number>;
  /** With or without the `data_` prefix; written bare. */
  paramInputDataHash: string;
  /** ms, one per original bin. */
  seqTimeVector?: ArrayLike<number>;
  /** ms. */
  seqBinSizeMs?: number;
  conditionIds?: ConditionIds;
  counts?: Array3D;
  truth?: Array3D;
  externalInputs?: Array3D;
}

/**
 * Write `inputInfo_<ds>.h5` in the layout `readInputInfo` documents (atomically; 3-D arrays gzip-compressed).
 * The prepare step may use this so both ends share one definition.
 */
export async function writeInputInfo(file: string, info: InputInfoContents): Promise<void> {
  const oneBased = (x: ArrayLike<number>): H5Array => ({ data: Float64Array.from(x, (v) => v + 1), shape: [x.length] });
  const arr3 = (a: Array3D): H5Array => ({ data: a.data, shape: [...a.shape] });
  await writeH5Atomic(file, (f) => {
    writeArray(f, "trainInds", oneBased(info.trainInds));
    writeArray(f, "validInds", oneBased(info.validInds));
    f.create_dataset({ name: "paramInputDataHash", data: bareDataHash(info.paramInputDataHash) });
    if (info.seqTimeVector) writeArray(f, "seq_timeVector", { data: Float64Array.from(info.seqTimeVector), shape: [info.seqTimeVector.length] });
    if (info.seqBinSizeMs !== undefined) writeArray(f, "seq_binSizeMs", { data: Float64Array.of(info.seqBinSizeMs), shape: [] });
    if (info.conditionIds) {
      const c = info.conditionIds;
      if (c.length > 0 && typeof c[0] === "string") f.create_dataset({ name: "conditionId", data: [...(c as readonly string[])] });
      else writeArray(f, "conditionId", { data: Float64Array.from(c as readonly number[]), shape: [c.length] });
    }
    if (info.counts) writeArray(f, "counts", arr3(info.counts), { gzip: 4 });
    if (info.truth) writeArray(f, "truth", arr3(info.truth), { gzip: 4 });
    if (info.externalInputs) writeArray(f, "externalInputs", arr3(info.externalInputs), { gzip: 4 });
  });
}
