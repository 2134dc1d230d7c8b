/** Dense row-major matrices on Float64Arrays, and the few products the decompositions need. */

/** A dense row-major matrix: element (i, j) at `data[i * cols + j]`. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function mat(rows: number, cols: number, data?: Float64Array): Mat {
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

/** Aᵀ B for row-major A (n×p) and B (n×q) → p×q. */
export function atb(a: Mat, b: Mat): Mat {
  const out = mat(a.cols, b.cols);
  const p = a.cols;
  const q = b.cols;
  for (let r = 0; r < a.rows; r++) {
    const ar = r * p;
    const br = r * q;
    for (let i = 0; i < p; i++) {
      const v = a.data[ar + i]!;
      if (v === 0) continue;
      const oi = i * q;
      for (let j = 0; j < q; j++) out.data[oi + j] += v * b.data[br + j]!;
    }
  }
  return out;
}

/** Columns of a row-major Mat as separate arrays. */
export function columnsOf(a: Mat): Float64Array[] {
  return Array.from({ length: a.cols }, (_, j) => {
    const c = new Float64Array(a.rows);
    for (let i = 0; i < a.rows; i++) c[i] = a.data[i * a.cols + j]!;
    return c;
  });
}
