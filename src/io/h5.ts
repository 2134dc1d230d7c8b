/**
 * HDF5 through h5wasm. h5wasm is an ESM package whose `exports` only has `import` conditions, so it is
 * loaded with a native dynamic `import()` (kept as-is by the `node16` module setting), which also works
 * when this library is required from a tslab notebook cell.
 */
import { DataError, LayoutError } from "../core/errors.js";
import { produceFileAtomic } from "./atomic.js";
import * as fs from "node:fs";

// The h5wasm types are restated here instead of imported: h5wasm is ESM-only, and importing its types
// into this CommonJS package needs a `resolution-mode` import attribute (TS 5.3+ syntax) that would
// reach our published .d.ts files, which tslab's bundled TypeScript 5.0 cannot parse. Only the
// subset lfads-ts uses is declared.

/** h5wasm dtype: a string such as "<f", "<d", "<q", "S", or a compound/array description. */
export type H5Dtype = string | Record<string, unknown> | unknown[];

export interface H5Attribute {
  readonly value: unknown;
  readonly json_value: unknown;
  readonly dtype: H5Dtype;
  readonly shape: number[] | null;
}

interface H5HasAttrs {
  readonly attrs: Record<string, H5Attribute>;
  get_attribute(name: string, json_compatible: boolean): unknown;
  /** Follow an object reference (MATLAB cell arrays are arrays of references). */
  dereference(ref: unknown): H5Dataset | H5Group | null | object;
  create_attribute(name: string, data: unknown, shape?: number[] | null, dtype?: string | null): void;
  /** An object reference to this group or dataset (NWB's VectorIndex `target` attribute holds one). */
  create_reference(): unknown;
}

export interface H5Dataset extends H5HasAttrs {
  readonly shape: number[] | null;
  readonly dtype: H5Dtype;
  readonly value: unknown;
  readonly json_value: unknown;
  readonly metadata: { type: number; size: number; signed?: boolean; littleEndian?: boolean; cset?: number; vlen?: boolean; [key: string]: unknown };
  readonly filters: { id: number; name: string; cd_values?: number[] }[];
  /** Hyperslab read: one [start, stop] (or [] for the whole axis) per dimension. */
  slice(ranges: ([] | [number] | [number, number] | [number, number, number])[]): unknown;
}

export interface H5Group extends H5HasAttrs {
  keys(): string[];
  get(name: string): H5Group | H5Dataset | null | object;
  create_group(name: string): H5Group;
  create_dataset(args: {
    name: string;
    data: unknown;
    shape?: number[] | null;
    dtype?: string | null;
    chunks?: number[] | null;
    compression?: number | "gzip";
    compression_opts?: number | number[];
  }): H5Dataset;
}

export interface H5File extends H5Group {
  readonly filename: string;
  flush(): void;
  close(): unknown;
}

/** The parts of the h5wasm module lfads-ts uses. */
export interface H5Module {
  ready: Promise<unknown>;
  File: new (filename: string, mode?: "r" | "a" | "w" | "x" | "Sr" | "Sa") => H5File;
  Dataset: abstract new (...args: never[]) => H5Dataset;
  Group: abstract new (...args: never[]) => H5Group;
}

let loading: Promise<H5Module> | undefined;

/** The initialised h5wasm module (loaded once per process). */
function h5(): Promise<H5Module> {
  loading ??= (async () => {
    const mod = (await import("h5wasm/node")) as unknown as H5Module;
    await mod.ready;
    return mod;
  })();
  return loading;
}

/** Values we write: typed arrays with an explicit shape, scalars, strings. */
export interface H5Array {
  data: Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;
  shape: number[];
  /** h5wasm dtype string, e.g. "<d", "<f", "<i", "<q" (int64), "<B". Defaults from the array type. */
  dtype?: string;
}

function dtypeOf(a: H5Array): string {
  if (a.dtype) return a.dtype;
  if (a.data instanceof Float64Array) return "<d";
  if (a.data instanceof Float32Array) return "<f";
  if (a.data instanceof Int32Array) return "<i";
  if (a.data instanceof BigInt64Array) return "<q";
  if (a.data instanceof Uint16Array) return "<H";
  return "<B";
}

export interface WriteOptions {
  /** gzip level (0 = none). Chunked along the first axis when > 0. */
  gzip?: number;
}

/** Write one dataset (creating intermediate groups as `a/b/c` names require). */
export function writeArray(group: H5Group, name: string, a: H5Array, opts: WriteOptions = {}): void {
  const gz = opts.gzip ?? 0;
  const chunks = gz > 0 && a.shape.length > 0 && a.data.length > 0 ? [Math.min(a.shape[0]!, Math.max(1, Math.floor(65536 / Math.max(1, a.data.length / a.shape[0]!)))), ...a.shape.slice(1)] : null;
  group.create_dataset({
    name,
    data: a.data as never,
    shape: a.shape,
    dtype: dtypeOf(a),
    ...(chunks ? { chunks, compression: gz } : {}),
  });
}

/** Open `path` for writing at a temp name, run `fill`, close and rename into place. */
export async function writeH5Atomic(path: string, fill: (f: H5File) => void | Promise<void>): Promise<void> {
  const mod = await h5();
  await produceFileAtomic(path, async (tmp) => {
    const f = new mod.File(tmp, "w");
    try {
      await fill(f);
    } finally {
      f.close();
    }
  });
}

/** Open an existing HDF5 (or MATLAB v7.3) file read-only and run `read` on it. */
export async function readH5<T>(path: string, read: (f: H5File) => T | Promise<T>): Promise<T> {
  if (!fs.existsSync(path)) throw new LayoutError(`HDF5 file not found: ${path}`);
  const mod = await h5();
  let f: H5File;
  try {
    f = new mod.File(path, "r");
  } catch (err) {
    throw new DataError(`cannot open ${path} as HDF5: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await read(f);
  } finally {
    f.close();
  }
}

export interface ReadArray {
  data: Float64Array | Float32Array | Int32Array | Uint8Array | Uint16Array | Int16Array | Int8Array | Uint32Array;
  shape: number[];
  dtype: string;
}

/** Read a numeric dataset; int64 (BigInt) data is converted to Float64Array. Throws naming the key if absent. */
export function readArray(f: H5Group, key: string, file = ""): ReadArray {
  const ds = f.get(key);
  if (ds === null || !(ds && typeof (ds as H5Dataset).shape !== "undefined" && "value" in (ds as object))) {
    throw new LayoutError(`dataset '${key}' not found${file ? ` in ${file}` : ""} (keys: ${f.keys().join(", ")})`);
  }
  const d = ds as H5Dataset;
  const v = d.value;
  const shape = d.shape ?? [];
  let data: ReadArray["data"];
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) data = Float64Array.from(v, (x) => Number(x));
  else if (typeof v === "number") data = Float64Array.of(v);
  else if (typeof v === "bigint") data = Float64Array.of(Number(v));
  else if (typeof v === "boolean") data = Float64Array.of(v ? 1 : 0);
  else if (ArrayBuffer.isView(v)) data = v as ReadArray["data"];
  else throw new DataError(`dataset '${key}'${file ? ` in ${file}` : ""} is not numeric (dtype ${JSON.stringify(d.dtype)})`);
  return { data, shape, dtype: typeof d.dtype === "string" ? d.dtype : JSON.stringify(d.dtype) };
}

/** True if `key` names a dataset or group in `f`. */
export function hasKey(f: H5Group, key: string): boolean {
  return f.keys().includes(key);
}
