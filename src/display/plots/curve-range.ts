/**
 * A readable y range for training curves. The first epochs' drop (1,100 → 480 in notebook 01's fit)
 * would otherwise squeeze the rest of the curve, the part users look at, into a few pixels. The range
 * covers every value after the first 10% of the epochs (at least the first epoch is left out), so a
 * later divergence stays in view; the earlier values above it run off the top, and the caller says so.
 */

export interface CurveRange {
  /** [low, high] of the axis. */
  range: [number, number];
  /** Indices (epochs in row order) with a value above the range. */
  clipped: number[];
  /** Largest value left out. */
  top: number;
}

/** Epochs at the start that may be left out of the range: 10%, at least 1. */
export const leadingEpochs = (n: number): number => Math.max(1, Math.floor(0.1 * n));

/**
 * The range for `series` (each one value per epoch; null/NaN skipped), or undefined when the full range
 * is readable anyway (the left-out values would widen it by no more than half) or there are fewer than
 * 4 epochs.
 */
export function robustCurveRange(series: readonly (readonly (number | null | undefined)[])[]): CurveRange | undefined {
  const n = Math.max(0, ...series.map((s) => s.length));
  if (n < 4) return undefined;
  const skip = leadingEpochs(n);
  let lo = Infinity;
  let hi = -Infinity;
  let top = -Infinity;
  for (const s of series) {
    s.forEach((v, i) => {
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      lo = Math.min(lo, v);
      top = Math.max(top, v);
      if (i >= skip) hi = Math.max(hi, v);
    });
  }
  if (!Number.isFinite(hi) || !Number.isFinite(lo)) return undefined;
  const span = hi - lo || Math.abs(hi) || 1;
  if (top <= hi + 0.5 * span) return undefined;
  const pad = 0.05 * span;
  const range: [number, number] = [lo - pad, hi + pad];
  const clipped: number[] = [];
  for (let i = 0; i < n; i++) if (series.some((s) => { const v = s[i]; return v !== null && v !== undefined && v > range[1]; })) clipped.push(i);
  return { range, clipped, top };
}
