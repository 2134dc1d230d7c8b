/**
 * Streaming writer of one TF-LFADS-style output file (`model_runs_*`): float64, gzip level 4 (h5py's
 * default for `compression='gzip'`), written to a temp name and renamed into place when complete.
 * Per-time arrays `[E, T, D]` are created empty (first axis extendable, one chunk per trial row group)
 * and filled a trial group at a time, so a split's gen_states never has to sit in memory whole;
 * per-trial vectors and scalars are small and written at the end.
 */
import type { H5Dataset, H5File, H5Group } from "../io/h5.js";
import { writeArray } from "../io/h5.js";

/** h5py's gzip level for `compression='gzip'`. */
const GZIP_LEVEL = 4;
const CHUNK_VALUES = 65536;

/** The parts of h5wasm's Group/Dataset API used here that src/io/h5.ts does not restate. */
interface ExtendableGroup {
  create_dataset(args: {
    name: string;
    data: Float64Array;
    shape: number[];
    dtype: string;
    maxshape: (number | null)[];
    chunks: number[];
    compression: number;
  }): H5Dataset;
}
interface WritableDataset {
  resize(shape: number[]): void;
  write_slice(ranges: ([] | [number, number])[], data: Float64Array): void;
}

/** A `[E, ...rest]` float64 dataset written in trial slices. */
export class TrialSliceDataset {
  private readonly ds: WritableDataset;
  readonly rowLength: number;

  constructor(group: H5Group, readonly name: string, readonly nTrials: number, readonly rest: readonly number[]) {
    this.rowLength = rest.reduce((a, b) => a * b, 1);
    const chunkRows = Math.max(1, Math.min(Math.max(1, nTrials), Math.floor(CHUNK_VALUES / Math.max(1, this.rowLength))));
    const ds = (group as unknown as ExtendableGroup).create_dataset({
      name,
      data: new Float64Array(0),
      shape: [0, ...rest],
      dtype: "<d",
      maxshape: [null, ...rest],
      chunks: [chunkRows, ...rest],
      compression: GZIP_LEVEL,
    });
    this.ds = ds as unknown as WritableDataset;
    if (nTrials > 0) this.ds.resize([nTrials, ...rest]);
  }

  /** Write rows `[e0, e0 + rows)` from `data` (row-major, `rows × rowLength` values). */
  write(e0: number, data: Float64Array): void {
    const rows = data.length / this.rowLength;
    if (rows === 0) return;
    this.ds.write_slice([[e0, e0 + rows], ...this.rest.map((): [] => [])], data);
  }
}

/** Write a whole float64 array `[E, ...rest]` (or a scalar list) with gzip, as h5py's `create_dataset(..., compression='gzip')`. */
export function writeFloat64(f: H5File | H5Group, name: string, data: Float64Array, shape: number[]): void {
  writeArray(f, name, { data, shape }, { gzip: GZIP_LEVEL });
}
