/**
 * The data a dataset's loader returns — the TypeScript form of what MATLAB's
 * `Run.generateCountsForDataset` returns — and its validation. Axis order is the Run Manager's:
 * [trials, channels, time].
 */
import { array3d, array3dFromNested, type Array3D, type Nested3D, type NumericArray } from "../core/array3d.js";
import { DataError, ShapeError, closestName, warn } from "../core/errors.js";

/**
 * What a loader returns. Only `counts` is required. The 3-D fields take an `array3d(data, shape)` or
 * nested arrays `x[trial][channel][bin]` (converted once, when the data is checked).
 */
export interface DatasetData {
  /** Spike counts per input bin, shape [nTrials, nChannels, nTime]: non-negative integers, not rates. */
  counts: Array3D | Nested3D;
  /** Time of each input bin in ms, length nTime. Default 1..nTime. The bin width is `t[1] − t[0]`. */
  timeVecMs?: Float64Array | readonly number[];
  /** Condition label of each trial (length nTrials): numbers or strings. Used by stitching alignment and plots. */
  conditionId?: Float64Array | readonly number[] | readonly string[];
  /** Ground-truth expected counts per input bin, same shape as `counts` (e.g. Lorenz `true_rates`). */
  truth?: Array3D | Nested3D;
  /** External inputs, shape [nTrials, nExtInputs, nTime]. */
  externalInputs?: Array3D | Nested3D;
  /**
   * Counts the model reconstructs beyond what it reads (held-out neurons and forward bins, lfads-torch's
   * recon_data): shape [nTrials, nChannels + nHeldout, nTime + nForward], the `counts` block first (same
   * channels, same bins) and then held-out channels and forward bins. The encoders read `counts` only.
   */
  reconCounts?: Array3D | Nested3D;
  /**
   * Behaviour to decode from the inferred rates (e.g. hand velocity), shape [nTrials, nBehaviorChannels,
   * nTime]: `counts`' trials and input bins; NaN marks an unusable bin (as NLB does). Kept for scoring
   * (velocity R²) only: the model never sees it.
   */
  behavior?: Array3D | Nested3D;
  /** Metadata; informational only (MATLAB `subject`). */
  subject?: string;
  /** Recording date: a Date or a string `Date` parses (ISO `YYYY-MM-DD` recommended). */
  datetime?: string | Date;
  /** Free-form tags shown in the info table (MATLAB `saveTags`). */
  saveTags?: readonly (number | string)[];
}

/** `DatasetData` with its 3-D fields as `Array3D` (what the file reader returns). */
export interface DatasetArrays extends DatasetData {
  counts: Array3D;
  truth?: Array3D;
  externalInputs?: Array3D;
  reconCounts?: Array3D;
  behavior?: Array3D;
}

/** Validated data: the time vector filled in and the shape numbers at hand. */
export interface CheckedDatasetData extends DatasetArrays {
  readonly timeVecMs: Float64Array;
  readonly conditionId?: Float64Array | readonly string[];
  /** Input bin width in ms (`timeVecMs[1] − timeVecMs[0]`, or 1 for a single bin). */
  readonly binWidthMs: number;
  readonly nTrials: number;
  readonly nChannels: number;
  readonly nTime: number;
}

const NUMERIC_CTORS = [Float32Array, Float64Array, Int32Array, Uint8Array, Uint16Array] as const;

function isNumericArray(x: unknown): x is NumericArray {
  return NUMERIC_CTORS.some((C) => x instanceof C);
}

function isArray3D(x: unknown): x is Array3D {
  if (x === null || typeof x !== "object") return false;
  const a = x as { data?: unknown; shape?: unknown };
  return isNumericArray(a.data) && Array.isArray(a.shape);
}

function where3(shape: readonly number[], flat: number): string {
  const [, b, c] = shape as [number, number, number];
  const i = Math.floor(flat / (b * c));
  const j = Math.floor((flat % (b * c)) / c);
  const k = flat % c;
  return `[trial ${i + 1}, index ${j + 1}, time bin ${k + 1}] (1-based)`;
}

function checkArray3D(ds: string, field: string, x: unknown, axes: string): Array3D {
  // Nested arrays x[trial][channel][bin] are the natural JavaScript shape: copied once into a Float64Array.
  if (Array.isArray(x)) return array3dFromNested(x, field, `Dataset ${ds}: `);
  if (!isArray3D(x)) {
    throw new ShapeError(
      `Dataset ${ds}: ${field} must be a 3-D array: nested arrays ${field}[trial][${axes.includes("nExtInputs") ? "input" : "channel"}][bin], or { data, shape: [${axes}] } ` +
        `with a Float64Array/Float32Array/Int32Array/Uint8Array/Uint16Array; ` +
        `got ${x !== null && typeof x === "object" && "data" in x ? `data: ${describe((x as { data: unknown }).data)}` : describe(x)}; build it with array3d(data, [${axes}]) from "lfads-ts"`,
    );
  }
  if (x.shape.length !== 3 || !x.shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new ShapeError(`Dataset ${ds}: ${field} must be a 3 dim tensor [${axes}] with positive sizes, got shape [${x.shape.join(", ")}]`);
  }
  return array3d(x.data, x.shape as unknown as readonly [number, number, number], `Dataset ${ds}: ${field}`);
}

function describe(x: unknown): string {
  if (x === undefined) return "undefined";
  if (x === null) return "null";
  if (Array.isArray(x)) return `an Array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === "object") return `an object with keys {${Object.keys(x).join(", ")}}`;
  return `${typeof x} ${JSON.stringify(x)}`;
}

function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** Index of the first value that is not a non-negative integer, or -1. */
function firstNonCount(a: NumericArray): number {
  if (a instanceof Uint8Array || a instanceof Uint16Array) return -1;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!(v >= 0) || v !== Math.round(v) || v === Infinity) return i;
  }
  return -1;
}

/**
 * Check a loader's result and fill in defaults. Every error names the dataset, the field, the value seen
 * and how to fix it (MATLAB's `convertDatasetToSequenceStruct` checks, with better messages).
 */
export function checkDatasetData(ds: string, raw: unknown): CheckedDatasetData {
  if (raw !== null && typeof raw === "object") checkFieldNames(ds, raw);
  if (raw === null || typeof raw !== "object" || !("counts" in raw)) {
    throw new DataError(`Dataset ${ds}: the loader returned ${describe(raw)} without a 'counts' field; return { counts, … } with counts[trial][channel][bin] nested arrays or array3d(data, [nTrials, nChannels, nTime]) from "lfads-ts"`);
  }
  const d = raw as DatasetData;
  const counts = checkCounts(ds, d.counts);
  const [nTrials, nChannels, nTime] = counts.shape;
  const timeVecMs = checkTimeVec(ds, d.timeVecMs, counts);
  const binWidthMs = nTime >= 2 ? timeVecMs[1]! - timeVecMs[0]! : 1;
  const conditionId = d.conditionId === undefined ? undefined : checkConditionIds(ds, d.conditionId, nTrials);
  const truth = d.truth === undefined ? undefined : checkTruth(ds, d.truth, counts);
  const externalInputs = d.externalInputs === undefined ? undefined : checkExternalInputs(ds, d.externalInputs, counts);
  const reconCounts = d.reconCounts === undefined ? undefined : checkReconCounts(ds, d.reconCounts, counts);
  const behavior = d.behavior === undefined ? undefined : checkBehavior(ds, d.behavior, counts);
  warnSilentNeurons(ds, counts);

  return {
    ...(d.subject !== undefined ? { subject: d.subject } : {}),
    ...(d.datetime !== undefined ? { datetime: d.datetime } : {}),
    ...(d.saveTags !== undefined ? { saveTags: d.saveTags } : {}),
    counts,
    timeVecMs,
    binWidthMs,
    ...(conditionId !== undefined ? { conditionId } : {}),
    ...(truth !== undefined ? { truth } : {}),
    ...(externalInputs !== undefined ? { externalInputs } : {}),
    ...(reconCounts !== undefined ? { reconCounts } : {}),
    ...(behavior !== undefined ? { behavior } : {}),
    nTrials,
    nChannels,
    nTime,
  };
}

/** The fields of `DatasetData`, and those a checked result adds (returning a checked result again is fine). */
const FIELDS = ["counts", "timeVecMs", "conditionId", "truth", "externalInputs", "reconCounts", "behavior", "subject", "datetime", "saveTags"] as const;
const DERIVED = new Set(["binWidthMs", "nTrials", "nChannels", "nTime"]);
/** Other names for the fields: MATLAB's and the Lorenz files' (`spikes`, `true_rates`) and common spellings. */
const ALIASES: Readonly<Record<string, (typeof FIELDS)[number]>> = {
  spikes: "counts", timeVectorMs: "timeVecMs", timeVector: "timeVecMs", timeMs: "timeVecMs", time: "timeVecMs", tMs: "timeVecMs",
  true_rates: "truth", trueRates: "truth", rates: "truth", conditionIds: "conditionId", conditions: "conditionId", condition: "conditionId",
  extInputs: "externalInputs", inputs: "externalInputs", external_inputs: "externalInputs",
  recon_data: "reconCounts", reconData: "reconCounts",
  behaviour: "behavior", behavior_data: "behavior", behaviorData: "behavior", velocity: "behavior", hand_vel: "behavior", handVel: "behavior",
};

/** A misspelt field would be ignored without a word (a `timeVectorMs` would leave the default 1..nTime): refuse it. */
function checkFieldNames(ds: string, raw: object): void {
  for (const key of Object.keys(raw)) {
    if ((FIELDS as readonly string[]).includes(key) || DERIVED.has(key)) continue;
    const guess = ALIASES[key] ?? closestName(key, FIELDS);
    throw new DataError(
      `Dataset ${ds}: the loader returned an unknown field '${key}'${guess ? ` (did you mean '${guess}'?)` : ""}; ` +
        `${guess ? `rename it to '${guess}'` : "remove it"} — the fields are ${FIELDS.join(", ")}, and any other would be ignored`,
    );
  }
}

/** Spike counts: a 3-D array of finite, non-negative integers. */
function checkCounts(ds: string, x: unknown): Array3D {
  const counts = checkArray3D(ds, "counts", x, "nTrials, nChannels, nTime");
  const bad = firstNonFinite(counts.data);
  if (bad >= 0) {
    throw new DataError(`Dataset ${ds}: spike counts have NaN/Inf values (${counts.data[bad]} at ${where3(counts.shape, bad)}); replace missing bins with 0 or drop those trials`);
  }
  const notCount = firstNonCount(counts.data);
  if (notCount >= 0) {
    throw new DataError(
      `Dataset ${ds}: counts must be non-negative integer spike counts, got ${counts.data[notCount]} at ${where3(counts.shape, notCount)}; ` +
        `pass spike counts per bin, not rates (put expected rates in 'truth')`,
    );
  }
  return counts;
}

/** The time of each bin in ms (default 1..nTime): one finite value per bin, increasing by one constant step. */
function checkTimeVec(ds: string, t: DatasetData["timeVecMs"], counts: Array3D): Float64Array {
  const nTime = counts.shape[2];
  if (t === undefined) return Float64Array.from({ length: nTime }, (_, i) => i + 1);
  if (!(t instanceof Float64Array) && !Array.isArray(t)) {
    throw new ShapeError(`Dataset ${ds}: timeVecMs must be a numeric vector (Float64Array or number[]), got ${describe(t)}`);
  }
  const timeVecMs = Float64Array.from(t as ArrayLike<number>);
  if (timeVecMs.length !== nTime) {
    throw new ShapeError(
      `Dataset ${ds}: timeVecMs has ${timeVecMs.length} entries but counts has nTime = ${nTime} time bins (counts shape [nTrials, nChannels, nTime] = [${counts.shape.join(", ")}]); ` +
        `give one time in ms per bin of counts' last axis, or leave timeVecMs out (default 1..${nTime})`,
    );
  }
  const badT = firstNonFinite(timeVecMs);
  if (badT >= 0) throw new DataError(`Dataset ${ds}: time vector timeVecMs has NaN values (entry ${badT + 1} is ${timeVecMs[badT]}); give the time of every bin in ms`);
  checkUniformSteps(ds, timeVecMs);
  return timeVecMs;
}

/**
 * LFADS takes the bin width from the first step (`timeVecMs(2) − timeVecMs(1)`, as MATLAB does) and
 * re-bins by whole bins, so every step must be that width. Float noise (0.1-ms steps) is tolerated.
 */
function checkUniformSteps(ds: string, t: Float64Array): void {
  if (t.length < 2) return;
  const step = t[1]! - t[0]!;
  if (!(step > 0)) {
    throw new DataError(`Dataset ${ds}: timeVecMs must increase (bin width timeVecMs[1] - timeVecMs[0] = ${step} ms); give bin times in ms in ascending order`);
  }
  for (let i = 2; i < t.length; i++) {
    const d = t[i]! - t[i - 1]!;
    if (Math.abs(d - step) > 1e-6 * step) {
      throw new DataError(
        `Dataset ${ds}: timeVecMs is not uniformly spaced: it steps by ${step} ms at first but by ${d} ms from entry ${i} to ${i + 1} ` +
          `(${t[i - 1]} → ${t[i]}, 1-based); LFADS needs equal bins — give one time per bin at a constant step (re-bin or crop uneven data in the loader)`,
      );
    }
  }
}

/** A neuron without a single spike trains silently to a zero rate: say so, once per dataset (warn() drops repeats). */
function warnSilentNeurons(ds: string, counts: Array3D): void {
  const [nTrials, nChannels, nTime] = counts.shape;
  const total = new Float64Array(nChannels);
  for (let i = 0; i < nTrials; i++) {
    for (let j = 0; j < nChannels; j++) {
      const base = (i * nChannels + j) * nTime;
      for (let k = 0; k < nTime; k++) total[j]! += counts.data[base + k]!;
    }
  }
  const silent = [...total.keys()].filter((j) => total[j] === 0);
  if (silent.length === 0) return;
  const shown = silent.length > 20 ? `${silent.slice(0, 20).join(", ")}, …` : silent.join(", ");
  warn(
    `Dataset ${ds}: ${silent.length} of ${nChannels} neurons have no spikes in any trial (0-based channel ${silent.length === 1 ? "index" : "indices"} ${shown}); ` +
      `LFADS fits them a rate near zero that tells nothing — drop them in the loader, or check the channel mapping`,
  );
}

/** One condition per trial, all numbers (none NaN) or all strings. */
function checkConditionIds(ds: string, c: unknown, nTrials: number): Float64Array | readonly string[] {
  let conditionId: Float64Array | readonly string[];
  if (Array.isArray(c) && c.every((x) => typeof x === "string")) conditionId = Object.freeze([...(c as string[])]);
  else if (c instanceof Float64Array || (Array.isArray(c) && c.every((x) => typeof x === "number"))) conditionId = Float64Array.from(c as ArrayLike<number>);
  else throw new DataError(`Dataset ${ds}: conditionId must be numbers or strings (one per trial), got ${describe(c)}`);
  if (conditionId.length !== nTrials) {
    throw new ShapeError(`Dataset ${ds}: conditionId has ${conditionId.length} entries but counts has nTrials = ${nTrials}; give one condition per trial`);
  }
  if (conditionId instanceof Float64Array) {
    const badC = firstNonFinite(conditionId);
    if (badC >= 0) throw new DataError(`Dataset ${ds}: conditionId has NaN values (trial ${badC + 1}); give every trial a condition`);
  }
  return conditionId;
}

/** True expected counts: the shape of `counts`, all finite. */
function checkTruth(ds: string, x: unknown, counts: Array3D): Array3D {
  const truth = checkArray3D(ds, "truth", x, "nTrials, nChannels, nTime");
  if (truth.shape.some((n, i) => n !== counts.shape[i])) {
    throw new ShapeError(`Dataset ${ds}: size(truth) [${truth.shape.join(", ")}] must be the same as size(counts) [${counts.shape.join(", ")}]`);
  }
  const badTr = firstNonFinite(truth.data);
  if (badTr >= 0) throw new DataError(`Dataset ${ds}: truth has NaN/Inf values (${truth.data[badTr]} at ${where3(truth.shape, badTr)}); omit truth or fill it completely`);
  return truth;
}

/** External inputs: `counts`' trials and time bins, any number of inputs, all finite. */
function checkExternalInputs(ds: string, x: unknown, counts: Array3D): Array3D {
  const externalInputs = checkArray3D(ds, "externalInputs", x, "nTrials, nExtInputs, nTime");
  if (externalInputs.shape[0] !== counts.shape[0] || externalInputs.shape[2] !== counts.shape[2]) {
    throw new ShapeError(
      `Dataset ${ds}: size(externalInputs) [${externalInputs.shape.join(", ")}] must match counts [${counts.shape.join(", ")}] along trials and time; the shape is [nTrials, nExtInputs, nTime]`,
    );
  }
  const badE = firstNonFinite(externalInputs.data);
  if (badE >= 0) throw new DataError(`Dataset ${ds}: externalInputs has NaN/Inf values (${externalInputs.data[badE]} at ${where3(externalInputs.shape, badE)})`);
  return externalInputs;
}

/** Behaviour: `counts`' trials and time bins, any number of channels; NaN marks an unusable bin, ±Inf is an error. */
function checkBehavior(ds: string, x: unknown, counts: Array3D): Array3D {
  const behavior = checkArray3D(ds, "behavior", x, "nTrials, nBehaviorChannels, nTime");
  if (behavior.shape[0] !== counts.shape[0] || behavior.shape[2] !== counts.shape[2]) {
    throw new ShapeError(
      `Dataset ${ds}: size(behavior) [${behavior.shape.join(", ")}] must match counts [${counts.shape.join(", ")}] along trials and time; ` +
        `the shape is [nTrials, nBehaviorChannels, nTime], one value per trial, channel and input bin of counts (NaN for an unusable bin)`,
    );
  }
  for (let i = 0; i < behavior.data.length; i++) {
    const v = behavior.data[i]!;
    if (v === Infinity || v === -Infinity) {
      throw new DataError(`Dataset ${ds}: behavior has an infinite value (${v} at ${where3(behavior.shape, i)}); mark unusable bins with NaN instead`);
    }
  }
  return behavior;
}

/** Reconstructed counts: `counts`' trials, at least its channels and bins, counts `counts` itself in the leading block. */
function checkReconCounts(ds: string, x: unknown, counts: Array3D): Array3D {
  const recon = checkArray3D(ds, "reconCounts", x, "nTrials, nChannels + nHeldout, nTime + nForward");
  const [n, c, t] = counts.shape;
  const [rn, rc, rt] = recon.shape;
  if (rn !== n || rc < c || rt < t) {
    throw new ShapeError(`Dataset ${ds}: size(reconCounts) [${recon.shape.join(", ")}] must have counts' ${n} trials and at least its ${c} channels and ${t} time bins (counts [${counts.shape.join(", ")}]); the shape is [nTrials, nChannels + nHeldout, nTime + nForward]`);
  }
  const bad = firstNonCount(recon.data);
  if (bad >= 0) throw new DataError(`Dataset ${ds}: reconCounts must hold non-negative integer counts; found ${recon.data[bad]} at ${where3(recon.shape, bad)}`);
  for (let e = 0; e < n; e++) {
    for (let k = 0; k < c; k++) {
      for (let b = 0; b < t; b++) {
        if (recon.data[(e * rc + k) * rt + b] !== counts.data[(e * c + k) * t + b]) {
          throw new DataError(`Dataset ${ds}: reconCounts[trial ${e + 1}, channel ${k + 1}, bin ${b + 1}] (1-based) is ${recon.data[(e * rc + k) * rt + b]} but counts has ${counts.data[(e * c + k) * t + b]} there; the leading [nChannels, nTime] block of reconCounts must be counts itself (held-out channels and forward bins come after)`);
        }
      }
    }
  }
  return recon;
}

/** Parse a recording date from a Date, an ISO/`Date`-parsable string or a MATLAB datenum. */
export function parseDatetime(x: unknown): Date | undefined {
  if (x instanceof Date) return Number.isNaN(x.getTime()) ? undefined : x;
  if (typeof x === "number" && Number.isFinite(x)) return datenumToDate(x);
  if (typeof x === "string" && x.trim() !== "") {
    const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(x.trim());
    const d = iso ? new Date(Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]))) : new Date(x);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** MATLAB datenum (days since year 0; 719529 = 1970-01-01) → Date (UTC). */
export function datenumToDate(datenum: number): Date {
  return new Date(Math.round((datenum - 719529) * 86400000));
}

/** `YYYY-MM-DD` of a date in UTC (the form MATLAB's `datestr(..., 'yyyy-mm-dd')` gives). */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
