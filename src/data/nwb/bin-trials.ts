/**
 * Bin an NWB file's spikes into aligned trials the way NLB's make_tensors does: spike times go to
 * 1-ms bins k = ⌊round₆(1000 t)⌋, 1-ms bins are summed into blocks of `binWidthMs` counted from time 0,
 * and a trial keeps the blocks whose start label lies in [a + lo, a + hi) ms, a = the trial's alignment
 * time; `forwardMs` more bins follow the window. Units split by the `heldout` column (held-in first,
 * table order kept). Behaviour is sampled at each bin's label shifted by `lagMs` (linear interpolation;
 * nlb_tools low-pass filters with scipy's decimate first, which for a smooth signal differs little).
 *
 * Instead of NLB's NaN bins, a window that leaves its trial or a unit's observation intervals is an
 * error (or the trial is dropped with `invalidTrials: "drop"`): LFADS cannot train on missing counts.
 */
import { array3d, type Array3D } from "../../core/array3d.js";
import { DataError, ParamError, closestName } from "../../core/errors.js";
import type { NwbContent, NwbTrialColumn } from "./read-nwb.js";

export interface NwbBinOptions {
  /** Bin width in ms (default 5). Must divide the window and forward lengths. */
  binWidthMs?: number;
  /** Trials-table column with the alignment time in seconds (default "move_onset_time"). */
  alignField?: string;
  /** Window around the alignment time in ms, [lo, hi) (default [−250, 450], NLB's MC_Maze window). */
  windowMs?: readonly [number, number];
  /** Forward-prediction bins after the window, in ms (default 200; 0 for none). */
  forwardMs?: number;
  /** Behaviour series to carry along and its lag in ms (default hand_vel at 120 ms when the file has it; null for none). */
  behavior?: { name: string; lagMs: number } | null;
  /** Trials whose `split` is one of these are kept (default train and val; ignored without a split column). */
  splits?: readonly string[];
  /** Trials-table columns whose value tuple is a condition (default trial_type and trial_version when present). */
  conditionFields?: readonly string[];
  /** What to do with a trial whose window leaves the trial or the units' observation intervals (default "error"). */
  invalidTrials?: "error" | "drop";
}

/** Binned trials, NLB axis order [trial, bin, neuron]; counts are integers stored as float32. */
export interface NwbTrials {
  file: string;
  binWidthMs: number;
  alignField: string;
  windowMs: readonly [number, number];
  nBins: number;
  nForward: number;
  /** Trial ids and rows of the trials table, for the kept trials in table order. */
  trialIds: Float64Array;
  trialRows: Int32Array;
  /** Per kept trial: the index of its first window bin on the recording's grid (its label is firstBin · binWidthMs ms). */
  firstBin: Int32Array;
  /** `split` per kept trial ("" without a split column). */
  split: string[];
  /** Condition index per kept trial (sorted unique value tuples), and each condition's tuple as text. */
  conditionIndex: Int32Array;
  conditions: string[];
  heldinIds: Float64Array;
  heldoutIds: Float64Array;
  heldin: Array3D<Float32Array>;
  heldout: Array3D<Float32Array>;
  heldinForward: Array3D<Float32Array>;
  heldoutForward: Array3D<Float32Array>;
  /** The behaviour over the window (shifted by lagMs), [trial, bin, channel]. */
  behavior?: { name: string; lagMs: number; channels: string[]; data: Array3D<Float64Array> };
}

interface Resolved {
  w: number;
  align: string;
  lo: number;
  hi: number;
  nBins: number;
  nForward: number;
  behavior: { name: string; lagMs: number } | null;
  splits: readonly string[];
  conditionFields: string[];
  invalid: "error" | "drop";
}

function resolve(c: NwbContent, o: NwbBinOptions): Resolved {
  const w = o.binWidthMs ?? 5;
  if (!(Number.isInteger(w) && w >= 1)) throw new ParamError(`binWidthMs = ${w}: must be a whole number of ms ≥ 1 (NLB uses 5 or 20)`);
  const [lo, hi] = o.windowMs ?? [-250, 450];
  if (!(hi > lo) || (hi - lo) % w !== 0) throw new ParamError(`windowMs = [${lo}, ${hi}]: hi must exceed lo by a multiple of binWidthMs = ${w} ms (e.g. [-250, 450])`);
  const fwd = o.forwardMs ?? 200;
  if (!(fwd >= 0) || fwd % w !== 0) throw new ParamError(`forwardMs = ${fwd}: must be a multiple of binWidthMs = ${w} ms, or 0`);
  const align = o.alignField ?? "move_onset_time";
  const cols = [...c.trials.columns.keys()];
  if (c.trials.columns.get(align)?.kind !== "number") {
    const near = cols.find((col) => col.startsWith(align)) ?? closestName(align, cols);
    throw new DataError(`${c.file}: alignField '${align}' is not a numeric column of the trials table; its columns are ${cols.join(", ")}${near ? ` (did you mean '${near}'?)` : ""}`);
  }
  const defaultBeh = c.behavior.has("hand_vel") ? { name: "hand_vel", lagMs: 120 } : null;
  const behavior = o.behavior === undefined ? defaultBeh : o.behavior;
  if (behavior && !c.behavior.has(behavior.name)) {
    throw new DataError(`${c.file}: behavior '${behavior.name}' is not a TimeSeries of the file; it has ${[...c.behavior.keys()].join(", ") || "none"} (pass behavior: null to bin spikes only)`);
  }
  const conditionFields = [...(o.conditionFields ?? ["trial_type", "trial_version"].filter((f) => c.trials.columns.has(f)))];
  for (const f of conditionFields) {
    const k = c.trials.columns.get(f)?.kind;
    if (k === undefined || k === "ragged") throw new DataError(`${c.file}: condition field '${f}' is ${k === "ragged" ? "a ragged column" : "not a column"} of the trials table; its columns are ${cols.join(", ")}`);
  }
  return { w, align, lo, hi, nBins: (hi - lo) / w, nForward: fwd / w, behavior, splits: o.splits ?? ["train", "val"], conditionFields, invalid: o.invalidTrials ?? "error" };
}

/** 1-ms bin index of each spike, checking the order (NLB rounds to 6 decimals of ms, then floors). */
function msBins(c: NwbContent, unit: number): Float64Array {
  const t = c.units.spikeTimes[unit]!;
  const k = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    if (i > 0 && !(t[i]! >= t[i - 1]!)) {
      throw new DataError(`${c.file}: units row ${unit} (id ${c.units.ids[unit]}): spike_times are not sorted: spike ${i} at ${t[i]} s comes after ${t[i - 1]} s; NWB requires each unit's spike times in ascending order (sort them when writing the file)`);
    }
    k[i] = Math.floor(Math.round(t[i]! * 1e9) / 1e6);
  }
  return k;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Why the trial's span [ms0, ms1) cannot be binned, or undefined when it can. */
function invalidReason(c: NwbContent, row: number, ms0: number, ms1: number): string | undefined {
  const start = c.trials.startTime[row]! * 1000;
  const stop = c.trials.stopTime[row]! * 1000;
  if (ms0 < Math.round(start * 1e6) / 1e6 - 1e-9 || ms1 > Math.round(stop * 1e6) / 1e6 + 1e-9) {
    return `its bins span [${ms0}, ${ms1}) ms, outside the trial [${start}, ${stop}] ms`;
  }
  for (let u = 0; u < c.units.obsIntervals.length; u++) {
    const iv = c.units.obsIntervals[u]!;
    if (iv.length === 0) continue;
    let inside = false;
    for (let j = 0; j < iv.length && !inside; j += 2) inside = Math.ceil(iv[j]! * 1000 - 1e-6) <= ms0 && ms1 <= Math.floor(iv[j + 1]! * 1000 + 1e-6);
    if (!inside) {
      const text = Array.from({ length: iv.length / 2 }, (_, j) => `[${iv[2 * j]}, ${iv[2 * j + 1]}]`).join(", ");
      return `its bins span [${ms0}, ${ms1}) ms, outside the obs_intervals of units row ${u} (id ${c.units.ids[u]}): ${text} s`;
    }
  }
  return undefined;
}

function keptTrials(c: NwbContent, r: Resolved): { rows: number[]; firstBin: number[] } {
  const align = (c.trials.columns.get(r.align) as { values: Float64Array }).values;
  const split = c.trials.columns.get("split");
  const rows: number[] = [];
  const firstBin: number[] = [];
  for (let row = 0; row < c.trials.ids.length; row++) {
    if (split?.kind === "text" && !r.splits.includes(split.values[row]!)) continue;
    const a = Math.round(align[row]! * 1e9) / 1e6;
    if (!Number.isFinite(a)) continue;
    const j0 = Math.ceil((a + r.lo) / r.w - 1e-9);
    const ms0 = j0 * r.w;
    const ms1 = (j0 + r.nBins + r.nForward) * r.w;
    const why = invalidReason(c, row, ms0, ms1);
    if (why && r.invalid === "error") {
      throw new DataError(
        `${c.file}: trial row ${row} (id ${c.trials.ids[row]}, ${r.align} = ${align[row]} s): ${why}; shrink windowMs = [${r.lo}, ${r.hi}] or forwardMs = ${r.nForward * r.w}, or pass invalidTrials: "drop" to leave such trials out`,
      );
    }
    if (why) continue;
    rows.push(row);
    firstBin.push(j0);
  }
  if (rows.length === 0) throw new DataError(`${c.file}: no trial left to bin (splits ${r.splits.join(", ")}; ${c.trials.ids.length} rows in the trials table); check the splits option and the window`);
  return { rows, firstBin };
}

/**
 * Spike counts of `units` (rows of the Units table) in `nBins` bins of `w` ms starting at bin
 * `firstBin[trial] + offset` of the recording's grid: [trial, bin, unit].
 */
export function countSpikes(c: NwbContent, units: readonly number[], firstBin: ArrayLike<number>, offset: number, nBins: number, w: number): Array3D<Float32Array> {
  const nT = firstBin.length;
  const nU = units.length;
  if (nT === 0 || nU === 0 || nBins === 0) return array3d(new Float32Array(0), [nT, nBins, nU]);
  const out = new Float32Array(nT * nBins * nU);
  units.forEach((unit, n) => {
    const k = msBins(c, unit);
    for (let tr = 0; tr < nT; tr++) {
      const j0 = firstBin[tr]! + offset;
      let p = lowerBound(k, j0 * w);
      for (let b = 0; b < nBins; b++) {
        const end = (j0 + b + 1) * w;
        let count = 0;
        while (p < k.length && k[p]! < end) {
          count++;
          p++;
        }
        out[(tr * nBins + b) * nU + n] = count;
      }
    }
  });
  return array3d(out, [nT, nBins, nU]);
}

function sampleBehavior(c: NwbContent, r: Resolved, firstBin: readonly number[]): NwbTrials["behavior"] {
  if (!r.behavior) return undefined;
  const s = c.behavior.get(r.behavior.name)!;
  const C = s.nChannels;
  const ts = Float64Array.from(s.timestamps, (t) => t * 1000);
  const out = new Float64Array(firstBin.length * r.nBins * C).fill(NaN);
  firstBin.forEach((j0, tr) => {
    for (let b = 0; b < r.nBins; b++) {
      const t = (j0 + b) * r.w + r.behavior!.lagMs;
      const i = lowerBound(ts, t);
      if (i >= ts.length || (i === 0 && ts[0]! > t)) continue;
      const i0 = ts[i] === t ? i : i - 1;
      const i1 = Math.min(i0 + 1, ts.length - 1);
      const f = i1 === i0 ? 0 : (t - ts[i0]!) / (ts[i1]! - ts[i0]!);
      for (let ch = 0; ch < C; ch++) out[(tr * r.nBins + b) * C + ch] = s.data[i0 * C + ch]! * (1 - f) + s.data[i1 * C + ch]! * f;
    }
  });
  return { ...r.behavior, channels: s.channels, data: array3d(out, [firstBin.length, r.nBins, C]) };
}

function valueText(col: NwbTrialColumn, row: number): string | number {
  if (col.kind === "text") return col.values[row]!;
  if (col.kind === "number") return col.values[row]!;
  return "";
}

/** Condition index per trial: the sorted unique tuples of the condition fields' values. */
function conditionsOf(c: NwbContent, rows: readonly number[], fields: readonly string[]): { index: Int32Array; names: string[] } {
  const tuples = rows.map((row) => fields.map((f) => valueText(c.trials.columns.get(f)!, row)));
  const cmp = (a: (string | number)[], b: (string | number)[]): number => {
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      return typeof a[i] === "number" && typeof b[i] === "number" ? (a[i] as number) - (b[i] as number) : String(a[i]) < String(b[i]) ? -1 : 1;
    }
    return 0;
  };
  const unique = [...new Map(tuples.map((t) => [JSON.stringify(t), t])).values()].sort(cmp);
  const keyOf = new Map(unique.map((t, i) => [JSON.stringify(t), i]));
  return { index: Int32Array.from(tuples, (t) => keyOf.get(JSON.stringify(t))!), names: unique.map((t) => t.join("/")) };
}

/** Rows of the Units table: held-in then held-out, each in table order. */
export function unitRowsByHeldout(content: NwbContent): { heldin: number[]; heldout: number[] } {
  const held = content.units.heldout ?? Array.from(content.units.ids, () => false);
  const heldin: number[] = [];
  const heldout: number[] = [];
  held.forEach((h, u) => (h ? heldout : heldin).push(u));
  return { heldin, heldout };
}

/** Bin `content` into aligned trials (see the module comment). */
export function binNwbTrials(content: NwbContent, options: NwbBinOptions = {}): NwbTrials {
  const r = resolve(content, options);
  const { rows, firstBin } = keptTrials(content, r);
  const { heldin: heldinUnits, heldout: heldoutUnits } = unitRowsByHeldout(content);
  const cond = conditionsOf(content, rows, r.conditionFields);
  const split = content.trials.columns.get("split");
  const behavior = sampleBehavior(content, r, firstBin);
  return {
    file: content.file,
    binWidthMs: r.w,
    alignField: r.align,
    windowMs: [r.lo, r.hi],
    nBins: r.nBins,
    nForward: r.nForward,
    trialIds: Float64Array.from(rows, (row) => content.trials.ids[row]!),
    trialRows: Int32Array.from(rows),
    firstBin: Int32Array.from(firstBin),
    split: rows.map((row) => (split?.kind === "text" ? split.values[row]! : "")),
    conditionIndex: cond.index,
    conditions: cond.names,
    heldinIds: Float64Array.from(heldinUnits, (u) => content.units.ids[u]!),
    heldoutIds: Float64Array.from(heldoutUnits, (u) => content.units.ids[u]!),
    heldin: countSpikes(content, heldinUnits, firstBin, 0, r.nBins, r.w),
    heldout: countSpikes(content, heldoutUnits, firstBin, 0, r.nBins, r.w),
    heldinForward: countSpikes(content, heldinUnits, firstBin, r.nBins, r.nForward, r.w),
    heldoutForward: countSpikes(content, heldoutUnits, firstBin, r.nBins, r.nForward, r.w),
    ...(behavior ? { behavior } : {}),
  };
}
