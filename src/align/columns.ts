/**
 * The column layout of the alignment matrices: a column per (condition, time bin), c·T + t (time
 * fastest); NaN marks a condition that a dataset lacks or a bin without counts.
 */
import type { Array3D } from "../core/array3d.js";
import type { Mat } from "../core/linalg.js";

/** Marks the columns of `m` (rows r0..r1−1) that hold a NaN; row-major scan. */
export function markNaNColumns(m: Mat, r0: number, r1: number, into: Uint8Array): Uint8Array {
  for (let r = r0; r < r1; r++) {
    const base = r * m.cols;
    for (let j = 0; j < m.cols; j++) if (Number.isNaN(m.data[base + j]!)) into[j] = 1;
  }
  return into;
}

/** [rows, T, nC] Array3D from a rows × (T·nC) matrix whose columns are c·T + t (time fastest). */
export function toTimeCondition(m: Mat, rows: number, nTime: number, nCond: number): Array3D<Float64Array> {
  const out = new Float64Array(rows * nTime * nCond);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < nCond; c++) for (let t = 0; t < nTime; t++) out[(r * nTime + t) * nCond + c] = m.data[r * m.cols + c * nTime + t]!;
  }
  return { data: out, shape: [rows, nTime, nCond] };
}

/**
 * An nChannels × nFactors alignment matrix from nChannels × k weights, zero-padded beyond k columns
 * (LFADS needs c_factors_dim columns even when there are fewer neurons than factors).
 */
export function padFactors(wk: Mat, nFactors: number): Float64Array {
  const { rows: nCh, cols: k } = wk;
  const w = new Float64Array(nCh * nFactors);
  for (let ch = 0; ch < nCh; ch++) for (let f = 0; f < k; f++) w[ch * nFactors + f] = wk.data[ch * k + f]!;
  return w;
}
