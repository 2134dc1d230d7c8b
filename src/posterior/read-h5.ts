/**
 * Small HDF5 helpers shared by the posterior readers (TF-free): optional datasets, strings written by
 * h5py or h5wasm, and trial-by-trial scatter of `[E, …]` datasets into arrays in the original trial
 * order, read in row chunks so a large output file never has to sit in the wasm heap at once.
 */
import { DataError, ShapeError } from "../core/errors.js";
import type { H5Dataset, H5Group } from "../io/h5.js";

/** A dense row-major 2-D array, element (i, j) at `data[i * shape[1] + j]`. */
export interface Array2D<T extends Float32Array | Float64Array = Float64Array> {
  readonly data: T;
  readonly shape: readonly [number, number];
}

/** The dataset called `key` in `g`, or undefined when there is none (a group of that name also gives undefined). */
export function datasetOrUndefined(g: H5Group, key: string): H5Dataset | undefined {
  if (!g.keys().includes(key)) return undefined;
  const e = g.get(key);
  if (e && typeof (e as H5Dataset).shape !== "undefined" && "value" in (e as object)) return e as H5Dataset;
  return undefined;
}

/** Shape of a dataset (scalars give `[]`). */
export function shapeOf(ds: H5Dataset): number[] {
  return ds.shape ?? [];
}

/** Convert any h5wasm numeric output to a Float64Array (BigInt → number, booleans → 0/1). */
export function toFloat64(v: unknown, what: string): Float64Array {
  if (v instanceof Float64Array) return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v, (x) => Number(x));
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float64Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === "number") return Float64Array.of(v);
  if (typeof v === "bigint") return Float64Array.of(Number(v));
  if (typeof v === "boolean") return Float64Array.of(v ? 1 : 0);
  throw new DataError(`${what} is not numeric (got ${Array.isArray(v) ? "an array of strings or references" : typeof v})`);
}

/** A numeric dataset as Float64Array, or undefined when absent. */
export function readFloat64(g: H5Group, key: string, file: string): { data: Float64Array; shape: number[] } | undefined {
  const ds = datasetOrUndefined(g, key);
  if (!ds) return undefined;
  return { data: toFloat64(ds.value, `dataset '${key}' in ${file}`), shape: shapeOf(ds) };
}

/**
 * A text value stored as a dataset or a root attribute: a (scalar or one-element) string, or MATLAB-style
 * character codes (uint16/uint8/double). Undefined when neither exists.
 */
export function readText(g: H5Group, key: string, file: string): string | undefined {
  let v: unknown;
  const ds = datasetOrUndefined(g, key);
  if (ds) v = ds.value;
  else if (key in g.attrs) v = g.get_attribute(key, false);
  else return undefined;
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "string") return v[0];
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) {
    return String.fromCharCode(...Array.from(v as unknown as ArrayLike<number>));
  }
  throw new DataError(`'${key}' in ${file} is not a text value (expected a string, e.g. written by h5py as f["${key}"] = "abc")`);
}

/** A 1-D list of strings (variable- or fixed-length), or undefined if the dataset holds numbers. */
export function readStringList(ds: H5Dataset): string[] | undefined {
  const v = ds.value;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  return undefined;
}

/** Maximum number of values read from a dataset in one slice. */
const CHUNK_VALUES = 1 << 22;

/**
 * Copy the rows of `ds` (first axis = trials, in file order) into `out` at the original-trial rows
 * `dest[r]` (0-based), multiplying by `scale`. Only the first `min(E, dest.length)` file rows are used;
 * a file holding more trials than `dest` lists is an error.
 * @returns the number of rows copied.
 */
export function scatterRows(
  ds: H5Dataset,
  dest: Int32Array,
  out: Float32Array | Float64Array,
  rowLen: number,
  what: string,
  scale = 1,
): number {
  const shape = shapeOf(ds);
  const e = shape[0] ?? 0;
  if (e > dest.length) {
    throw new ShapeError(
      `${what}: the file holds ${e} trials but the input info lists only ${dest.length} trial indices for this split; ` +
        `the outputs belong to different input data — re-run posterior sampling on this run's input`,
    );
  }
  const chunkRows = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, rowLen)));
  for (let r0 = 0; r0 < e; r0 += chunkRows) {
    const r1 = Math.min(e, r0 + chunkRows);
    const raw = ds.slice([[r0, r1]]);
    const chunk = raw instanceof Float64Array || raw instanceof Float32Array ? raw : toFloat64(raw, what);
    if (chunk.length !== (r1 - r0) * rowLen) {
      throw new ShapeError(`${what}: read ${chunk.length} values for rows ${r0}..${r1 - 1}, expected ${(r1 - r0) * rowLen}`);
    }
    for (let r = r0; r < r1; r++) {
      const src = chunk.subarray((r - r0) * rowLen, (r - r0 + 1) * rowLen);
      const off = dest[r]! * rowLen;
      if (scale === 1) out.set(src, off);
      else for (let k = 0; k < rowLen; k++) out[off + k] = src[k]! * scale;
    }
  }
  return e;
}

