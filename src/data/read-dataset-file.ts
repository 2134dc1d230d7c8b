/**
 * The default dataset loader: reads an `.h5` file or a MATLAB v7.3 `.mat` file (HDF5 behind a 512-byte
 * userblock) and maps the Lorenz demo's field names to `DatasetData` (spikes → counts, timeMs →
 * timeVecMs, true_rates → truth). Generic names (counts, timeVecMs, truth, externalInputs, reconCounts,
 * behavior) work too.
 *
 * MATLAB writes column-major arrays, so an HDF5 reader sees the dimensions reversed; for `.mat` files we
 * transpose back to the MATLAB shape. Plain `.h5` files are taken as h5py sees them.
 */
import * as fs from "node:fs";
import type { Array3D, NumericArray } from "../core/array3d.js";
import { DataError, LayoutError, ShapeError } from "../core/errors.js";
import { readH5, type H5Dataset, type H5File } from "../io/h5.js";
import { datenumToDate, type DatasetArrays } from "./dataset-data.js";

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Which field names each `DatasetData` field is read from, first match wins. */
const FIELD_ALIASES = {
  counts: ["counts", "spikes"],
  timeVecMs: ["timeVecMs", "timeMs"],
  conditionId: ["conditionId"],
  truth: ["truth", "true_rates"],
  externalInputs: ["externalInputs"],
  reconCounts: ["reconCounts"],
  behavior: ["behavior", "behaviour"],
  subject: ["subject"],
  datetime: ["datetime"],
  saveTags: ["saveTags"],
} as const;

export type FileKind = "hdf5" | "matlab-v73" | "matlab-v5" | "other";

/** Sniff a file: plain HDF5, MATLAB v7.3 (HDF5 after a userblock), an older MAT-file, or something else. */
export function sniffFile(file: string): FileKind {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(2048 + 8);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const at = (off: number): boolean => n >= off + 8 && head.subarray(off, off + 8).equals(HDF5_SIGNATURE);
    const text = head.subarray(0, 19).toString("latin1");
    if (at(0)) return "hdf5";
    if ([512, 1024, 2048].some(at)) return text.startsWith("MATLAB") ? "matlab-v73" : "hdf5";
    if (text === "MATLAB 5.0 MAT-file") return "matlab-v5";
    return "other";
  } finally {
    fs.closeSync(fd);
  }
}

/** Full transpose of a row-major array: data for `shape` → data for `shape.reverse()`. */
export function reverseDims<T extends NumericArray>(data: T, shape: readonly number[]): T {
  const nd = shape.length;
  if (nd < 2 || shape.filter((s) => s > 1).length < 2) return data;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  if (nd === 2) {
    const [a, b] = shape as [number, number];
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[j * a + i] = data[i * b + j]!;
    return out;
  }
  if (nd === 3) {
    const [a, b, c] = shape as [number, number, number];
    for (let i = 0; i < a; i++)
      for (let j = 0; j < b; j++) {
        const src = (i * b + j) * c;
        for (let k = 0; k < c; k++) out[(k * b + j) * a + i] = data[src + k]!;
      }
    return out;
  }
  // General case: walk the source in order and scatter to the reversed position.
  const outStrides = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    outStrides[d] = s; // source axis d is output axis nd-1-d, whose stride is the product of the later output axes
    s *= shape[d]!;
  }
  const idx = new Array<number>(nd).fill(0);
  for (let flat = 0; flat < data.length; flat++) {
    let o = 0;
    for (let d = 0; d < nd; d++) o += idx[d]! * outStrides[d]!;
    out[o] = data[flat]!;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

type FieldValue = { kind: "numeric"; data: NumericArray; shape: number[] } | { kind: "string"; value: string } | { kind: "strings"; value: string[] } | { kind: "absent" };

function toNumeric(v: unknown): NumericArray | undefined {
  if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint16Array) return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v, (x) => Number(x));
  if (v instanceof Int8Array || v instanceof Int16Array || v instanceof Uint32Array) return Float64Array.from(v);
  if (typeof v === "number") return Float64Array.of(v);
  if (typeof v === "bigint") return Float64Array.of(Number(v));
  if (typeof v === "boolean") return Float64Array.of(v ? 1 : 0);
  return undefined;
}

function attrString(d: H5Dataset, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(d.attrs, name)) return undefined;
  const v = d.get_attribute(name, false);
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("latin1");
  return String(v);
}

function charToString(v: unknown): string {
  const codes = toNumeric(v);
  return codes ? String.fromCharCode(...Array.from(codes)) : String(v);
}

/** Read one field; `matlab` = the file is a MATLAB v7.3 MAT-file. */
function readField(f: H5File, key: string, matlab: boolean, dsName: string, file: string): FieldValue {
  const entity = f.get(key);
  if (entity === null || !("shape" in entity) || !("value" in entity)) {
    throw new DataError(`Dataset ${dsName}: '${key}' in ${file} is not a dataset (a MATLAB struct or group?); save plain arrays at the top level (save(file, '-struct', 's', '-v7.3'))`);
  }
  const d = entity as H5Dataset;
  if (matlab) {
    if (Object.prototype.hasOwnProperty.call(d.attrs, "MATLAB_empty")) return { kind: "absent" };
    const cls = attrString(d, "MATLAB_class");
    if (cls === "char") return { kind: "string", value: charToString(d.value) };
    if (cls === "cell") {
      const refs = d.value;
      if (!Array.isArray(refs)) throw new DataError(`Dataset ${dsName}: cell array '${key}' in ${file} could not be read`);
      const out = refs.map((r) => {
        const target = f.dereference(r as never);
        return target && "value" in target ? charToString((target as unknown as H5Dataset).value) : "";
      });
      return { kind: "strings", value: out };
    }
    const num = toNumeric(d.value);
    if (!num) throw new DataError(`Dataset ${dsName}: '${key}' in ${file} has MATLAB class '${cls ?? "?"}', which is not numeric; convert it to double before saving`);
    const shape = [...(d.shape ?? [])];
    return { kind: "numeric", data: reverseDims(num, shape), shape: shape.reverse() };
  }
  const v = d.value;
  if (typeof v === "string") return { kind: "string", value: v };
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return { kind: "strings", value: v as string[] };
  const num = toNumeric(v);
  if (!num) throw new DataError(`Dataset ${dsName}: '${key}' in ${file} has unsupported type ${JSON.stringify(d.dtype)}; store numbers or strings`);
  return { kind: "numeric", data: num, shape: [...(d.shape ?? [])] };
}

/** Drop singleton axes (MATLAB stores vectors as 1×N or N×1). */
function squeezeShape(shape: readonly number[]): number[] {
  return shape.filter((s) => s !== 1);
}

function asArray3D(v: FieldValue, field: string, key: string, dsName: string, axes: string): Array3D {
  if (v.kind !== "numeric") throw new DataError(`Dataset ${dsName}: '${key}' (${field}) must be numeric, got ${v.kind}`);
  let shape = v.shape;
  // MATLAB drops trailing singleton dims (1 trial → nChannels × nTime); pad back to 3-D.
  while (shape.length < 3) shape = [...shape, 1];
  if (shape.length !== 3) throw new ShapeError(`Dataset ${dsName}: '${key}' (${field}) must be a 3 dim tensor [${axes}], got shape [${v.shape.join(", ")}]`);
  return { data: v.data, shape: [shape[0]!, shape[1]!, shape[2]!] };
}

function asVector(v: FieldValue, key: string, dsName: string): Float64Array {
  if (v.kind !== "numeric") throw new DataError(`Dataset ${dsName}: '${key}' must be a numeric vector, got ${v.kind}`);
  if (squeezeShape(v.shape).length > 1) throw new ShapeError(`Dataset ${dsName}: '${key}' must be a vector, got shape [${v.shape.join(", ")}]`);
  return v.data instanceof Float64Array ? v.data : Float64Array.from(v.data);
}

/** Check the file exists and is HDF5 or MATLAB v7.3; returns whether it is a MATLAB file (dims reversed). */
function checkReadable(file: string, dsName: string): boolean {
  if (!fs.existsSync(file)) throw new LayoutError(`Dataset ${dsName}: file not found: ${file}; check the DatasetCollection path and the dataset's relPath`);
  const kind = sniffFile(file);
  if (kind === "matlab-v5") {
    throw new DataError(
      `Dataset ${dsName}: ${file} is a MATLAB v5/v7 MAT-file, which lfads-ts cannot read; re-save it from MATLAB as v7.3 (HDF5), ` +
        `e.g. s = load('${file}'); save('${file}', '-struct', 's', '-v7.3')`,
    );
  }
  if (kind === "other") {
    throw new DataError(`Dataset ${dsName}: ${file} is neither HDF5 (.h5) nor a MATLAB v7.3 MAT-file; save the data as .h5 (h5py) or with save(..., '-v7.3'), or pass a 'load' function to the Dataset`);
  }
  return kind === "matlab-v73";
}

/** Metadata of a dataset file without reading its arrays: shapes, subject, date, tags. */
export interface DatasetFileInfo {
  nTrials: number;
  nChannels: number;
  subject: string;
  datetime: string | undefined;
  saveTags: (number | string)[];
}

/** Read only what an info table needs (the counts' shape and the small metadata fields). */
export async function readDatasetFileInfo(file: string, dsName: string): Promise<DatasetFileInfo> {
  const matlab = checkReadable(file, dsName);
  return readH5(file, (f) => {
    const keys = new Set(f.keys());
    const key = FIELD_ALIASES.counts.find((k) => keys.has(k));
    const entity = key === undefined ? null : f.get(key);
    if (key === undefined || entity === null || !("shape" in entity)) {
      throw new DataError(`Dataset ${dsName}: ${file} has no spike counts (looked for ${FIELD_ALIASES.counts.join(" or ")}; keys: ${[...keys].join(", ")}); add the field or pass a 'load' function`);
    }
    let shape = [...((entity as H5Dataset).shape ?? [])];
    if (matlab) shape = shape.reverse();
    const meta = readMetadata(f, keys, matlab, dsName, file);
    return { nTrials: shape[0] ?? 0, nChannels: shape[1] ?? 1, ...meta };
  });
}

function readMetadata(f: H5File, keys: ReadonlySet<string>, matlab: boolean, dsName: string, file: string): Omit<DatasetFileInfo, "nTrials" | "nChannels"> {
  const get = (field: "subject" | "datetime" | "saveTags"): FieldValue | undefined => {
    const key = FIELD_ALIASES[field].find((k) => keys.has(k));
    if (key === undefined) return undefined;
    const v = readField(f, key, matlab, dsName, file);
    return v.kind === "absent" ? undefined : v;
  };
  const subject = get("subject");
  const dt = get("datetime");
  const tags = get("saveTags");
  let datetime: string | undefined;
  if (dt?.kind === "string") datetime = dt.value;
  else if (dt?.kind === "numeric" && dt.data.length === 1) datetime = datenumToDate(dt.data[0]!).toISOString();
  let saveTags: (number | string)[] = [];
  if (tags?.kind === "numeric") saveTags = Array.from(tags.data);
  else if (tags?.kind === "strings") saveTags = tags.value;
  else if (tags?.kind === "string") saveTags = [tags.value];
  return { subject: subject?.kind === "string" ? subject.value : "", datetime, saveTags };
}

/**
 * Read a dataset file into `DatasetData` (not yet validated; `Dataset.loadData` validates).
 * Throws LayoutError if the file is missing and DataError for unreadable formats (MATLAB v5/v7 MAT-files).
 */
export async function readDatasetFile(file: string, dsName: string): Promise<DatasetArrays> {
  const matlab = checkReadable(file, dsName);
  return readH5(file, (f) => {
    const keys = new Set(f.keys());
    const pick = (field: keyof typeof FIELD_ALIASES): { key: string; value: FieldValue } | undefined => {
      const key = FIELD_ALIASES[field].find((k) => keys.has(k));
      if (key === undefined) return undefined;
      const value = readField(f, key, matlab, dsName, file);
      return value.kind === "absent" ? undefined : { key, value };
    };
    const counts = pick("counts");
    if (!counts) {
      throw new DataError(`Dataset ${dsName}: ${file} has no spike counts (looked for ${FIELD_ALIASES.counts.join(" or ")}; keys: ${[...keys].join(", ")}); add the field or pass a 'load' function`);
    }
    const out: DatasetArrays = { counts: asArray3D(counts.value, "counts", counts.key, dsName, "nTrials, nChannels, nTime") };
    const time = pick("timeVecMs");
    if (time) out.timeVecMs = asVector(time.value, time.key, dsName);
    const cond = pick("conditionId");
    if (cond) {
      if (cond.value.kind === "strings") out.conditionId = cond.value.value;
      else if (cond.value.kind === "string") out.conditionId = [cond.value.value];
      else out.conditionId = asVector(cond.value, cond.key, dsName);
    }
    const truth = pick("truth");
    if (truth) out.truth = asArray3D(truth.value, "truth", truth.key, dsName, "nTrials, nChannels, nTime");
    const ext = pick("externalInputs");
    if (ext) out.externalInputs = asArray3D(ext.value, "externalInputs", ext.key, dsName, "nTrials, nExtInputs, nTime");
    const recon = pick("reconCounts");
    if (recon) out.reconCounts = asArray3D(recon.value, "reconCounts", recon.key, dsName, "nTrials, nChannels + nHeldout, nTime + nForward");
    const behavior = pick("behavior");
    if (behavior) out.behavior = asArray3D(behavior.value, "behavior", behavior.key, dsName, "nTrials, nBehaviorChannels, nTime");
    const meta = readMetadata(f, keys, matlab, dsName, file);
    if (meta.subject !== "") out.subject = meta.subject;
    if (meta.datetime !== undefined) out.datetime = meta.datetime;
    if (meta.saveTags.length > 0) out.saveTags = meta.saveTags;
    return out;
  });
}
