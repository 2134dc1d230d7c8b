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

