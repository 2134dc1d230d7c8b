import { ShapeError } from "./errors.js";

/** Numeric storage used for trial tensors: plain typed arrays, row-major. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

/**
 * A dense row-major 3-D array, `shape = [a, b, c]`, element (i, j, k) at `data[(i*b + j)*c + k]`.
 * Spike counts use the LFADS axis order [trials, time, neurons] once prepared, and the Run Manager
 * order [trials, channels, time] as returned by a dataset's loader; each use says which.
 */
export interface Array3D<T extends NumericArray = NumericArray> {
  readonly data: T;
  readonly shape: readonly [number, number, number];
}

export function array3d<T extends NumericArray>(data: T, shape: readonly [number, number, number], what = "array"): Array3D<T> {
  const n = shape[0] * shape[1] * shape[2];
  if (data.length !== n) {
    throw new ShapeError(`${what}: ${data.length} values do not fill shape [${shape.join(", ")}] (${n} expected)`);
  }
  return { data, shape: [shape[0], shape[1], shape[2]] };
}

/** Swap the last two axes: [a, b, c] → [a, c, b]. */
export function swapLastAxes<T extends NumericArray>(x: Array3D<T>): Array3D<T> {
  const [a, b, c] = x.shape;
  const out = new (x.data.constructor as new (n: number) => T)(a * b * c);
  for (let i = 0; i < a; i++) {
    const base = i * b * c;
    for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) out[base + k * b + j] = x.data[base + j * c + k]!;
  }
  return { data: out, shape: [a, c, b] };
}


/** The natural JavaScript form of a 3-D array: `x[i][j][k]`, innermost rows as arrays or typed arrays. */
export type Nested3D = readonly (readonly (readonly number[] | NumericArray)[])[];

function isRow(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/**
 * Copy a nested array `x[a][b][c]` into one row-major Float64Array. It must be rectangular: the first
 * row of a different length is named (`counts[3][7] has 99 entries, counts[0][0] has 100`), and so is
 * the first entry that is not a number.
 */
export function array3dFromNested(x: unknown, what = "array", context = ""): Array3D<Float64Array> {
  if (!Array.isArray(x) || x.length === 0 || !Array.isArray(x[0]) || x[0].length === 0 || !isRow(x[0][0])) {
    throw new ShapeError(`${context}${what}: a nested array must have 3 levels, ${what}[i][j][k], each non-empty; got ${nestedDepthText(x)}`);
  }
  const outer = x as readonly unknown[];
  const first = x[0] as readonly unknown[];
  const shape: [number, number, number] = [outer.length, first.length, (first[0] as ArrayLike<unknown>).length];
  const [a, b, c] = shape;
  const data = new Float64Array(a * b * c);
  for (let i = 0; i < a; i++) {
    const mid = outer[i];
    if (!Array.isArray(mid) || mid.length !== b) {
      throw new ShapeError(`${context}${what}[${i}] has ${Array.isArray(mid) ? entries(mid.length) : `no array (${typeof mid})`} but ${what}[0] has ${b}; nested arrays must be rectangular`);
    }
    for (let j = 0; j < b; j++) {
      const row: unknown = mid[j];
      if (!isRow(row) || row.length !== c) {
        throw new ShapeError(`${context}${what}[${i}][${j}] has ${isRow(row) ? entries(row.length) : `no array (${typeof row})`} but ${what}[0][0] has ${c}; nested arrays must be rectangular`);
      }
      const base = (i * b + j) * c;
      for (let k = 0; k < c; k++) {
        const v = row[k];
        if (typeof v !== "number") throw new ShapeError(`${context}${what}[${i}][${j}][${k}] is ${JSON.stringify(v) ?? typeof v} (${typeof v}); every entry must be a number`);
        data[base + k] = v;
      }
    }
  }
  return { data, shape };
}

const entries = (n: number): string => `${n} ${n === 1 ? "entry" : "entries"}`;

function nestedDepthText(x: unknown): string {
  if (!Array.isArray(x)) return typeof x;
  if (x.length === 0) return "an empty array";
  if (!Array.isArray(x[0])) return `a 1-level array (first entry ${JSON.stringify(x[0]) ?? typeof x[0]})`;
  if (x[0].length === 0) return "an empty first row";
  return `a 2-level array (first entry ${JSON.stringify(x[0][0]) ?? typeof x[0][0]})`;
}
