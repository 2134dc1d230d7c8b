/**
 * Write an NWB 2.x file with h5wasm: the Units table (ragged spike times and observation intervals,
 * extra per-unit columns), the trials table (TimeIntervals) and behavioural TimeSeries under
 * `/processing/behavior`, with the schema attributes pynwb checks (`neurodata_type`, `namespace`,
 * `object_id`, `colnames`, VectorIndex `target` references). Written atomically (temp file, then rename).
 *
 * Booleans: h5py stores a bool column as an int8 enum {FALSE, TRUE}; h5wasm cannot create enum types,
 * so boolean columns are written as plain int8 0/1 (pynwb reads them as integers, the reader here as
 * booleans either way).
 */
import { Rng } from "../../core/rng.js";
import { writeH5Atomic, type H5Dataset, type H5Group } from "../../io/h5.js";

/** One column of a DynamicTable: numbers (float64), integers (int64), booleans (int8) or text. */
export type NwbColumnValues =
  | { kind: "float"; values: Float64Array }
  | { kind: "int"; values: readonly number[] | Int32Array }
  | { kind: "bool"; values: readonly boolean[] }
  | { kind: "text"; values: readonly string[] };

export interface NwbColumn {
  name: string;
  description: string;
  data: NwbColumnValues;
}

export interface NwbUnitsInput {
  ids: readonly number[];
  /** Per unit, its spike times in seconds, sorted ascending. */
  spikeTimes: readonly Float64Array[];
  /** Per unit, its observation intervals as [start, end, start, end, …] seconds. */
  obsIntervals: readonly Float64Array[];
  /** Extra per-unit columns (NLB's `heldout`). */
  columns: readonly NwbColumn[];
}

export interface NwbTrialsInput {
  ids: readonly number[];
  startTime: Float64Array;
  stopTime: Float64Array;
  /** Extra per-trial columns (`split`, `move_onset_time`, condition labels …). */
  columns: readonly NwbColumn[];
}

export interface NwbTimeSeriesInput {
  name: string;
  description: string;
  /** Row-major [time, channels]. */
  data: Float64Array;
  nChannels: number;
  unit: string;
  /** Seconds, one per row. */
  timestamps: Float64Array;
  /** nlb_tools reads channel names from a `columns=[x,y]` text here. */
  comments: string;
}

export interface NwbFileInput {
  identifier: string;
  sessionDescription: string;
  /** ISO 8601 with time zone. */
  sessionStartTime: string;
  units: NwbUnitsInput;
  trials: NwbTrialsInput;
  behavior: readonly NwbTimeSeriesInput[];
  /** Seed of the object_id UUIDs (so that one seed gives one byte-identical file). */
  seed: number;
}

const NWB_VERSION = "2.5.0";

/** UUID4 strings from a seeded stream. */
function uuidMaker(seed: number): () => string {
  const rng = new Rng(seed ^ 0x5eed0b1d);
  return () => {
    const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16));
    hex[12] = "4";
    hex[16] = (8 + rng.int(0, 3)).toString(16);
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
}

type Typed = H5Group | H5Dataset;

function typed(obj: Typed, type: string, namespace: "core" | "hdmf-common", uuid: () => string): void {
  obj.create_attribute("namespace", namespace);
  obj.create_attribute("neurodata_type", type);
  obj.create_attribute("object_id", uuid());
}

function strings(group: H5Group, name: string, values: readonly string[], scalar = false): H5Dataset {
  return group.create_dataset({ name, data: scalar ? values[0]! : [...values], ...(scalar ? {} : { shape: [values.length] }) });
}

function columnDataset(group: H5Group, name: string, data: NwbColumnValues, shape?: number[]): H5Dataset {
  switch (data.kind) {
    case "float":
      return group.create_dataset({ name, data: data.values, shape: shape ?? [data.values.length], dtype: "<d" });
    case "int":
      return group.create_dataset({ name, data: BigInt64Array.from(data.values, (v) => BigInt(v)), shape: [data.values.length], dtype: "<q" });
    case "bool":
      return group.create_dataset({ name, data: Int8Array.from(data.values, (v) => (v ? 1 : 0)), shape: [data.values.length], dtype: "<b" });
    case "text":
      return strings(group, name, data.values);
  }
}

function vectorData(table: H5Group, col: NwbColumn, uuid: () => string, shape?: number[]): H5Dataset {
  const ds = columnDataset(table, col.name, col.data, shape);
  typed(ds, "VectorData", "hdmf-common", uuid);
  ds.create_attribute("description", col.description);
  return ds;
}

/** A ragged column: flat values plus `<name>_index` of cumulative exclusive end offsets (uint32). */
function raggedColumn(table: H5Group, name: string, description: string, rows: readonly Float64Array[], width: number, uuid: () => string): void {
  const total = rows.reduce((n, r) => n + r.length, 0);
  const flat = new Float64Array(total);
  const ends = new Uint32Array(rows.length);
  let at = 0;
  rows.forEach((r, i) => {
    flat.set(r, at);
    at += r.length;
    ends[i] = at / width;
  });
  const data = vectorData(table, { name, description, data: { kind: "float", values: flat } }, uuid, width === 1 ? [total] : [total / width, width]);
  const index = table.create_dataset({ name: `${name}_index`, data: ends, shape: [ends.length], dtype: "<I" });
  typed(index, "VectorIndex", "hdmf-common", uuid);
  index.create_attribute("description", `Index for VectorData '${name}'`);
  index.create_attribute("target", data.create_reference());
}

function ids(table: H5Group, values: readonly number[], uuid: () => string): void {
  const ds = table.create_dataset({ name: "id", data: BigInt64Array.from(values, (v) => BigInt(v)), shape: [values.length], dtype: "<q" });
  typed(ds, "ElementIdentifiers", "hdmf-common", uuid);
}

function tableGroup(parent: H5Group, name: string, type: string, description: string, colnames: readonly string[], uuid: () => string): H5Group {
  const g = parent.create_group(name);
  typed(g, type, "core", uuid);
  g.create_attribute("description", description);
  g.create_attribute("colnames", [...colnames]);
  return g;
}

function writeUnits(root: H5Group, u: NwbUnitsInput, uuid: () => string): void {
  const colnames = ["spike_times", "obs_intervals", ...u.columns.map((c) => c.name)];
  const g = tableGroup(root, "units", "Units", "sorted units", colnames, uuid);
  ids(g, u.ids, uuid);
  raggedColumn(g, "spike_times", "the spike times for each unit in seconds", u.spikeTimes, 1, uuid);
  raggedColumn(g, "obs_intervals", "the observation intervals for each unit", u.obsIntervals, 2, uuid);
  for (const c of u.columns) vectorData(g, c, uuid);
}

function writeTrials(root: H5Group, t: NwbTrialsInput, uuid: () => string): void {
  const intervals = root.create_group("intervals");
  const colnames = ["start_time", "stop_time", ...t.columns.map((c) => c.name)];
  const g = tableGroup(intervals, "trials", "TimeIntervals", "experimental trials", colnames, uuid);
  ids(g, t.ids, uuid);
  vectorData(g, { name: "start_time", description: "Start time of epoch, in seconds", data: { kind: "float", values: t.startTime } }, uuid);
  vectorData(g, { name: "stop_time", description: "Stop time of epoch, in seconds", data: { kind: "float", values: t.stopTime } }, uuid);
  for (const c of t.columns) vectorData(g, c, uuid);
}

function writeTimeSeries(parent: H5Group, s: NwbTimeSeriesInput, uuid: () => string): void {
  const g = parent.create_group(s.name);
  typed(g, "TimeSeries", "core", uuid);
  g.create_attribute("description", s.description);
  g.create_attribute("comments", s.comments);
  const rows = s.timestamps.length;
  const data = g.create_dataset({ name: "data", data: s.data, shape: s.nChannels === 1 ? [rows] : [rows, s.nChannels], dtype: "<d" });
  data.create_attribute("unit", s.unit);
  data.create_attribute("conversion", 1.0, null, "<f");
  data.create_attribute("resolution", -1.0, null, "<f");
  data.create_attribute("offset", 0.0, null, "<f");
  const ts = g.create_dataset({ name: "timestamps", data: s.timestamps, shape: [rows], dtype: "<d" });
  ts.create_attribute("interval", 1, null, "<i");
  ts.create_attribute("unit", "seconds");
}

function writeRoot(f: H5Group, input: NwbFileInput, uuid: () => string): void {
  typed(f, "NWBFile", "core", uuid);
  f.create_attribute("nwb_version", NWB_VERSION);
  strings(f, "identifier", [input.identifier], true);
  strings(f, "session_description", [input.sessionDescription], true);
  strings(f, "session_start_time", [input.sessionStartTime], true);
  strings(f, "timestamps_reference_time", [input.sessionStartTime], true);
  strings(f, "file_create_date", [input.sessionStartTime]);
  for (const name of ["acquisition", "analysis", "general", "stimulus", "stimulus/presentation", "stimulus/templates"]) f.create_group(name);
}

/** Write `input` as an NWB file at `file` (atomically). */
export async function writeNwbFile(file: string, input: NwbFileInput): Promise<void> {
  const uuid = uuidMaker(input.seed);
  await writeH5Atomic(file, (f) => {
    writeRoot(f, input, uuid);
    writeUnits(f, input.units, uuid);
    writeTrials(f, input.trials, uuid);
    const processing = f.create_group("processing");
    if (input.behavior.length > 0) {
      const behavior = processing.create_group("behavior");
      typed(behavior, "ProcessingModule", "core", uuid);
      behavior.create_attribute("description", "processed behavioral data");
      for (const s of input.behavior) writeTimeSeries(behavior, s, uuid);
    }
  });
}
