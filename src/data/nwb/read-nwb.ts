/**
 * Read the parts of an NWB 2.x file that spiking-data analyses use, with h5wasm: the Units table
 * (ragged spike times and observation intervals, the NLB `heldout` column), the trials table (every
 * scalar column, in `colnames` order) and behavioural TimeSeries (from `/processing` and `/acquisition`).
 *
 * Ragged columns follow hdmf: row i of a column with index I owns data[I[i−1] : I[i]], I[−1] = 0,
 * for an index of any unsigned width. Times stay in seconds here; binning converts them.
 */
import { DataError, LayoutError } from "../../core/errors.js";
import { readArray, readH5, type H5Dataset, type H5File, type H5Group } from "../../io/h5.js";

/** A trials-table column: numbers (booleans as 0/1), text, or ragged (listed but not loaded). */
export type NwbTrialColumn = { kind: "number"; values: Float64Array } | { kind: "text"; values: string[] } | { kind: "ragged" };

export interface NwbUnits {
  ids: Float64Array;
  /** Per unit: spike times in seconds, in file order (checked for order when binned). */
  spikeTimes: Float64Array[];
  /** Per unit: observation intervals [start, end, start, end, …] in seconds; empty when the file has none. */
  obsIntervals: Float64Array[];
  /** Per unit: NLB's held-out flag; undefined when the file has no `heldout` column. */
  heldout: boolean[] | undefined;
}

export interface NwbTrialsTable {
  ids: Float64Array;
  startTime: Float64Array;
  stopTime: Float64Array;
  /** Every column in `colnames` order (start_time and stop_time included). */
  columns: Map<string, NwbTrialColumn>;
}

export interface NwbTimeSeries {
  /** Row-major [time, channels]. */
  data: Float64Array;
  nChannels: number;
  /** Seconds, one per row. */
  timestamps: Float64Array;
  /** Channel names from a `columns=[x,y]` comment (nlb_tools' convention), else ch0, ch1, … */
  channels: string[];
}

export interface NwbContent {
  file: string;
  units: NwbUnits;
  trials: NwbTrialsTable;
  /** Behavioural series by name (a series inside a container is named `container_child`). */
  behavior: Map<string, NwbTimeSeries>;
}

function isGroup(x: unknown): x is H5Group {
  return x !== null && typeof x === "object" && typeof (x as H5Group).keys === "function";
}

function isDataset(x: unknown): x is H5Dataset {
  return x !== null && typeof x === "object" && "shape" in x && "value" in x && !isGroup(x);
}

function attr(obj: H5Group | H5Dataset, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj.attrs, name) ? obj.get_attribute(name, true) : undefined;
}

function checkNwb(f: H5File, file: string): void {
  const version = attr(f, "nwb_version");
  const type = attr(f, "neurodata_type");
  if (version === undefined && type !== "NWBFile") {
    throw new DataError(
      `${file} is an HDF5 file but not NWB: its root has no nwb_version attribute and neurodata_type ${JSON.stringify(type ?? null)} (not "NWBFile"); ` +
        `root keys: ${f.keys().join(", ") || "(none)"}. Pass an NWB 2.x file (e.g. a DANDI *_behavior+ecephys.nwb); an LFADS input file goes to new Dataset(dc, file) instead`,
    );
  }
}

function group(parent: H5Group, key: string, file: string, what: string): H5Group {
  const g = parent.get(key);
  if (!isGroup(g)) throw new LayoutError(`${file}: NWB group /${key} (${what}) not found; root keys: ${parent.keys().join(", ")}`);
  return g;
}

function colnames(g: H5Group): string[] {
  const c = attr(g, "colnames");
  if (Array.isArray(c)) return c.map(String);
  return typeof c === "string" ? [c] : [];
}

/** Split `flat` by the cumulative exclusive end offsets in `index` (`width` values per row). */
export function splitRagged(flat: ArrayLike<number>, index: ArrayLike<number>, width = 1, what = "column"): Float64Array[] {
  const rows: Float64Array[] = [];
  let prev = 0;
  for (let i = 0; i < index.length; i++) {
    const end = Number(index[i]);
    if (!(end >= prev) || end * width > flat.length) {
      throw new DataError(`${what}_index[${i}] = ${end} is not a valid end offset (previous ${prev}, ${flat.length / width} rows of data); the index must hold non-decreasing cumulative ends`);
    }
    rows.push(Float64Array.from({ length: (end - prev) * width }, (_, j) => Number(flat[prev * width + j])));
    prev = end;
  }
  return rows;
}

function ragged(g: H5Group, name: string, file: string, width = 1): Float64Array[] {
  const data = readArray(g, name, file).data;
  const index = readArray(g, `${name}_index`, file).data;
  return splitRagged(data, index, width, `${file}: ${name}`);
}

function booleans(ds: H5Dataset): boolean[] {
  const v = ds.value;
  if (Array.isArray(v)) return v.map((x) => Boolean(Number(x)));
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => Number(x) !== 0);
  throw new DataError(`heldout column of dtype ${JSON.stringify(ds.dtype)} is not boolean`);
}

function readUnits(f: H5File, file: string): NwbUnits {
  const g = group(f, "units", file, "the Units table with spike_times");
  const cols = colnames(g);
  if (!g.keys().includes("spike_times")) throw new LayoutError(`${file}: /units has no spike_times column; its columns are ${cols.join(", ") || g.keys().join(", ")}`);
  const spikeTimes = ragged(g, "spike_times", file);
  const n = spikeTimes.length;
  const obsIntervals = g.keys().includes("obs_intervals") ? ragged(g, "obs_intervals", file, 2) : spikeTimes.map(() => new Float64Array(0));
  const ids = g.keys().includes("id") ? Float64Array.from(readArray(g, "id", file).data) : Float64Array.from({ length: n }, (_, i) => i);
  const h = g.get("heldout");
  const heldout = isDataset(h) ? booleans(h) : undefined;
  return { ids, spikeTimes, obsIntervals, heldout };
}

function readColumn(g: H5Group, name: string, file: string): NwbTrialColumn {
  if (g.keys().includes(`${name}_index`)) return { kind: "ragged" };
  const ds = g.get(name);
  if (!isDataset(ds)) throw new LayoutError(`${file}: trials column '${name}' is listed in colnames but not stored in /intervals/trials (keys: ${g.keys().join(", ")})`);
  const v = ds.value;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return { kind: "text", values: v as string[] };
  if (Array.isArray(v) && v.every((x) => typeof x === "boolean")) return { kind: "number", values: Float64Array.from(v as boolean[], (x) => (x ? 1 : 0)) };
  return { kind: "number", values: Float64Array.from(readArray(g, name, file).data) };
}

function readTrials(f: H5File, file: string): NwbTrialsTable {
  const intervals = group(f, "intervals", file, "the trials table");
  const g = group(intervals, "trials", file, "the trials table");
  const names = colnames(g);
  const columns = new Map<string, NwbTrialColumn>();
  for (const name of names) columns.set(name, readColumn(g, name, file));
  const times = (name: string): Float64Array => {
    const c = columns.get(name) ?? (g.keys().includes(name) ? readColumn(g, name, file) : undefined);
    if (c?.kind !== "number") throw new LayoutError(`${file}: /intervals/trials has no numeric '${name}' column; its columns are ${names.join(", ")}`);
    return c.values;
  };
  const startTime = times("start_time");
  const stopTime = times("stop_time");
  const ids = g.keys().includes("id") ? Float64Array.from(readArray(g, "id", file).data) : Float64Array.from(startTime, (_, i) => i);
  return { ids, startTime, stopTime, columns };
}

function channelNames(g: H5Group, n: number): string[] {
  const m = /columns=\[([^\]]*)\]/.exec(String(attr(g, "comments") ?? ""));
  const names = m ? m[1]!.split(",").map((s) => s.trim().replace(/^['"]|['"]$/g, "")) : [];
  return names.length === n ? names : Array.from({ length: n }, (_, i) => `ch${i}`);
}

function readSeries(g: H5Group, file: string, name: string): NwbTimeSeries | undefined {
  if (!isDataset(g.get("data"))) return undefined;
  const d = readArray(g, "data", file);
  const rows = d.shape[0] ?? 0;
  const nChannels = d.shape.length > 1 ? d.data.length / Math.max(1, rows) : 1;
  let timestamps: Float64Array;
  if (isDataset(g.get("timestamps"))) timestamps = Float64Array.from(readArray(g, "timestamps", file).data);
  else if (isDataset(g.get("starting_time"))) {
    const st = g.get("starting_time") as H5Dataset;
    const rate = Number(attr(st, "rate"));
    if (!(rate > 0)) throw new DataError(`${file}: behaviour series '${name}' has starting_time without a positive 'rate' attribute (got ${String(attr(st, "rate"))}); store timestamps or a rate in Hz`);
    const t0 = Number(readArray(g, "starting_time", file).data[0]);
    timestamps = Float64Array.from({ length: rows }, (_, i) => t0 + i / rate);
  } else return undefined;
  return { data: Float64Array.from(d.data), nChannels, timestamps, channels: channelNames(g, nChannels) };
}

/** Every TimeSeries below `g` (recursively), named as nlb_tools names them. */
function collectSeries(g: H5Group, file: string, prefix: string, out: Map<string, NwbTimeSeries>): void {
  for (const key of g.keys()) {
    const child = g.get(key);
    if (!isGroup(child)) continue;
    const name = prefix ? `${prefix}_${key}` : key;
    const series = readSeries(child, file, name);
    if (series) out.set(name, series);
    else collectSeries(child, file, attr(child, "neurodata_type") === "ProcessingModule" ? "" : name, out);
  }
}

function readBehavior(f: H5File, file: string): Map<string, NwbTimeSeries> {
  const out = new Map<string, NwbTimeSeries>();
  for (const top of ["acquisition", "processing"]) {
    const g = f.get(top);
    if (isGroup(g)) collectSeries(g, file, "", out);
  }
  return out;
}

/** Read an NWB file's units, trials and behaviour (see the module comment). */
export async function readNwb(file: string): Promise<NwbContent> {
  return readH5(file, (f) => {
    checkNwb(f, file);
    return { file, units: readUnits(f, file), trials: readTrials(f, file), behavior: readBehavior(f, file) };
  });
}
