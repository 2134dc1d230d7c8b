/**
 * Concatenation of several PosteriorMeans along the trial axis (the datasets of a stitched run): one
 * field (`concatenateField`) or whole PosteriorMeans (`concatenateOverTrials`, the Run Manager's
 * `concatenateOverTrials`).
 */
import type { Array3D, NumericArray } from "../core/array3d.js";
import { ParamError, ShapeError } from "../core/errors.js";
import { observationModel } from "../model/observation/registry.js";
import {
  foreignOutputField,
  PosteriorMeans,
  TRIAL_SCALAR_FIELDS,
  TRIAL_TIME_FIELDS,
  TRIAL_VECTOR_FIELDS,
  type PosteriorMeansData,
  type PosteriorTestSplit,
  type TrialField,
  type TrialScalarField,
  type TrialTimeField,
  type TrialVectorField,
} from "./posterior-means.js";
import type { Array2D } from "./read-h5.js";

function concatRows<T extends NumericArray>(parts: { data: T; shape: readonly number[] }[], what: string): { data: T; shape: number[] } {
  const rest = parts[0]!.shape.slice(1);
  for (const p of parts) {
    if (p.shape.length !== rest.length + 1 || p.shape.slice(1).some((s, i) => s !== rest[i])) {
      throw new ShapeError(`concatenateOverTrials: '${what}' has per-trial shape [${p.shape.slice(1).join(", ")}] in one dataset and [${rest.join(", ")}] in another`);
    }
  }
  const total = parts.reduce((a, p) => a + p.data.length, 0);
  const out = new (parts[0]!.data.constructor as new (n: number) => T)(total);
  let off = 0;
  for (const p of parts) {
    out.set(p.data as never, off);
    off += p.data.length;
  }
  return { data: out, shape: [parts.reduce((a, p) => a + p.shape[0]!, 0), ...rest] };
}

/** The test splits of several PosteriorMeans, stacked like their trials (fields every one of them has). */
function concatTestSplits(pms: readonly PosteriorMeans[]): PosteriorTestSplit {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(pms[0]!.test!) as (keyof PosteriorTestSplit)[]) {
    const parts = pms.map((p) => p.test![k]);
    if (parts.some((x) => x === undefined)) continue;
    const rows = parts.map((x) => (x instanceof Float64Array ? { data: x, shape: [x.length] } : (x as { data: NumericArray; shape: readonly number[] })));
    const joined = concatRows(rows, `test.${k}`);
    out[k] = parts[0] instanceof Float64Array ? joined.data : joined;
  }
  return out as PosteriorTestSplit;
}

/**
 * Concatenate one per-trial field of several PosteriorMeans along the trial axis (e.g. `factors` of all
 * datasets of a stitched run, whose neuron counts differ). Throws if a PosteriorMeans lacks it or the
 * per-trial shapes differ.
 */
export function concatenateField(pms: readonly PosteriorMeans[], field: TrialTimeField): Array3D<Float32Array>;
export function concatenateField(pms: readonly PosteriorMeans[], field: TrialVectorField): Array2D;
export function concatenateField(pms: readonly PosteriorMeans[], field: TrialScalarField): Float64Array;
export function concatenateField(pms: readonly PosteriorMeans[], field: TrialField): Array3D<Float32Array> | Array2D | Float64Array {
  if (pms.length === 0) throw new ParamError("concatenateField: no PosteriorMeans given");
  const parts = pms.map((p) => p.field(field));
  if (parts[0] instanceof Float64Array) {
    return concatRows((parts as Float64Array[]).map((p) => ({ data: p, shape: [p.length] })), field).data;
  }
  const r = concatRows(parts as { data: Float32Array | Float64Array; shape: readonly number[] }[], field);
  return r as unknown as Array3D<Float32Array> | Array2D;
}

/**
 * Concatenate PosteriorMeans (e.g. all datasets of a stitched run) along the trial axis, like the Run
 * Manager's `concatenateOverTrials`. Trial indices are offset so they index the concatenated trials;
 * `datasetIndexByTrial` records the origin. Optional fields are kept only when every input has them.
 * All inputs must share T, bin widths, kind, format and per-trial shapes (so for stitched datasets with
 * different neuron counts use `concatenateField(pms, "factors")` instead).
 */
export function concatenateOverTrials(pms: readonly PosteriorMeans[]): PosteriorMeans {
  if (pms.length === 0) throw new ParamError("concatenateOverTrials: no PosteriorMeans given");
  const first = pms[0]!;
  if (pms.length === 1) return first;
  const m = observationModel(first.outputDist);
  for (const p of pms) {
    for (const k of ["kind", "format", "outputDist", "spikeBinMs", "inputBinMs", "T"] as const) {
      if (p[k] !== first[k]) throw new ShapeError(`concatenateOverTrials: ${k} is ${String(first[k])} for ${first.datasetName} but ${String(p[k])} for ${p.datasetName}`);
    }
    if (p.nNeurons !== first.nNeurons) {
      throw new ShapeError(
        `concatenateOverTrials: ${first.datasetName} has ${first.nNeurons} neurons but ${p.datasetName} has ${p.nNeurons}; ` +
          `${m.meanField} cannot be stacked — use concatenateField(pms, "factors") (or another latent field) for stitched datasets`,
      );
    }
  }
  const offsets: number[] = [];
  let n = 0;
  for (const p of pms) {
    offsets.push(n);
    n += p.nTrials;
  }
  const shiftInds = (pick: (p: PosteriorMeans) => Int32Array) => {
    const out = new Int32Array(pms.reduce((a, p) => a + pick(p).length, 0));
    let o = 0;
    pms.forEach((p, i) => {
      for (const v of pick(p)) out[o++] = v + offsets[i]!;
    });
    return out;
  };
  const all = <K extends keyof PosteriorMeansData>(k: K) => pms.every((p) => p[k as keyof PosteriorMeans] !== undefined);
  const data: PosteriorMeansData = {
    datasetName: pms.map((p) => p.datasetName).join("+"),
    kind: first.kind,
    format: first.format,
    spikeBinMs: first.spikeBinMs,
    ...(first.inputBinMs !== undefined ? { inputBinMs: first.inputBinMs } : {}),
    time: first.time,
    outputDist: first.outputDist,
    [m.meanField]: concatenateField(pms, m.meanField),
    factors: concatenateField(pms, "factors"),
    trainInds: shiftInds((p) => p.trainInds),
    validInds: shiftInds((p) => p.validInds),
    datasetIndexByTrial: concatRows(pms.map((p) => ({ data: p.datasetIndexByTrial, shape: [p.nTrials] })), "datasetIndexByTrial").data,
  };
  const target = data as unknown as Record<string, unknown>;
  for (const k of [...TRIAL_TIME_FIELDS, ...TRIAL_VECTOR_FIELDS, ...TRIAL_SCALAR_FIELDS]) {
    if (k !== m.meanField && k !== "factors" && !foreignOutputField(m, k) && all(k)) target[k] = concatenateField(pms, k as TrialTimeField);
  }
  if (all("rawCounts")) target.rawCounts = concatRows(pms.map((p) => p.rawCounts!), "rawCounts");
  if (all("test")) target.test = concatTestSplits(pms);
  if (all("rawReconCounts")) target.rawReconCounts = concatRows(pms.map((p) => p.rawReconCounts!), "rawReconCounts");
  if (all("externalInputs")) target.externalInputs = concatRows(pms.map((p) => p.externalInputs!), "externalInputs");
  if (all("behavior")) target.behavior = concatRows(pms.map((p) => p.behavior!), "behavior");
  if (all("conditionIds")) {
    const ids = pms.flatMap((p) => [...p.conditionIds!] as (number | string)[]);
    const numeric = ids.every((x) => typeof x === "number");
    target.conditionIds = numeric ? (ids as number[]) : ids.map(String);
  }
  return new PosteriorMeans(data);
}
