/**
 * Shared by the TF and lfads-torch posterior readers: a key of the train and valid output files (or
 * of one file's `train_` / `valid_` keys) re-assembled into the original trial order, NaN where no
 * trial was written; and the record a reader returns.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Array3D } from "../core/array3d.js";
import { LayoutError, ShapeError } from "../core/errors.js";
import { readH5, type H5File, type H5Group } from "../io/h5.js";
import type { OutputDist } from "../model/observation/registry.js";
import type { PosteriorMeansData } from "./posterior-means.js";
import { datasetOrUndefined, scatterRows, shapeOf, type Array2D } from "./read-h5.js";

/** What a format reader returns: the PosteriorMeans fields read from the output files. */
export type PosteriorRead = Omit<
  PosteriorMeansData,
  "datasetName" | "kind" | "format" | "spikeBinMs" | "inputBinMs" | "time" | "trainInds" | "validInds" | "datasetIndexByTrial" | "conditionIds" | "rawCounts" | "rawReconCounts" | "externalInputs" | "behavior" | "outputDist"
> & { outputDist: OutputDist };

/** One split's group of an output file, and where its rows go in the original trial order. */
export interface Split {
  file: string;
  g: H5Group;
  dest: Int32Array;
  prefix: string;
}

type Assembled = { data: Float32Array | Float64Array; shape: number[] };

/** The first of `names` that exists in `dir`, as a path. */
export function firstExisting(dir: string, names: string[]): string | undefined {
  for (const n of names) {
    const p = path.join(dir, n);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Re-assemble one key from both splits into `[N, …rest]` (NaN where no trial was written), scaled by
 * `scale`. Undefined when no split has it; one split without it (that has trials) is an error naming the file.
 */
export function assemble(splits: Split[], key: string, nTrials: number, float32: boolean, scale = 1): Assembled | undefined {
  const found = splits.map((s) => datasetOrUndefined(s.g, s.prefix + key));
  if (found.every((d) => d === undefined)) return undefined;
  const missing = splits.findIndex((s, i) => found[i] === undefined && s.dest.length > 0);
  if (missing >= 0) {
    const other = splits.find((_, i) => found[i] !== undefined)!;
    throw new LayoutError(
      `'${splits[missing]!.prefix + key}' is in ${other.file} but not in ${splits[missing]!.file}: training and validation outputs come from different runs; re-run posterior sampling`,
    );
  }
  let rest: number[] | undefined;
  splits.forEach((s, i) => {
    const d = found[i];
    if (!d) return;
    const r = shapeOf(d).slice(1);
    if (rest === undefined) rest = r;
    else if (r.length !== rest.length || r.some((x, j) => x !== rest![j])) {
      throw new ShapeError(`'${key}' has per-trial shape [${r.join(", ")}] in ${s.file} but [${rest.join(", ")}] in the other split`);
    }
  });
  const rowLen = rest!.reduce((a, b) => a * b, 1);
  const data = float32 ? new Float32Array(nTrials * rowLen) : new Float64Array(nTrials * rowLen);
  data.fill(NaN);
  splits.forEach((s, i) => {
    const d = found[i];
    if (d) scatterRows(d, s.dest, data, rowLen, `'${s.prefix + key}' in ${s.file}`, scale);
  });
  return { data, shape: [nTrials, ...rest!] };
}

export function as3(a: Assembled | undefined, key: string, file: string): Array3D<Float32Array> | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 3) throw new ShapeError(`'${key}' in ${file} has per-trial shape [${a.shape.slice(1).join(", ")}]; expected [T, dim]`);
  return { data: a.data as Float32Array, shape: [a.shape[0]!, a.shape[1]!, a.shape[2]!] };
}
export function as2(a: Assembled | undefined, key: string, file: string): Array2D | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 2) throw new ShapeError(`'${key}' in ${file} has per-trial shape [${a.shape.slice(1).join(", ")}]; expected [dim]`);
  return { data: a.data as Float64Array, shape: [a.shape[0]!, a.shape[1]!] };
}
export function as1(a: Assembled | undefined, key: string, file: string): Float64Array | undefined {
  if (!a) return undefined;
  if (a.shape.length !== 1) throw new ShapeError(`'${key}' in ${file} has per-trial shape [${a.shape.slice(1).join(", ")}]; expected one value per trial`);
  return a.data as Float64Array;
}

/** `{ [key]: v }`, or `{}` when `v` is undefined (for optional fields in object spreads). */
export function pick<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** Run `body` with every file of `files` open. */
export async function withFiles<T>(files: string[], body: (gs: H5File[]) => T): Promise<T> {
  const open = async (i: number, acc: H5File[]): Promise<T> => (i === files.length ? body(acc) : readH5(files[i]!, (f) => open(i + 1, [...acc, f])));
  return open(0, []);
}

export function throwErr(e: Error): never {
  throw e;
}
