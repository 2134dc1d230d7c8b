/**
 * Averages of a per-trial array by condition (trials first, any row shape), shared by
 * `PosteriorMeans.conditionAverage` and the Run Manager's PSTH target (nlb-scores.ts), so both order the
 * conditions and skip missing values the same way.
 */

/** The sorted distinct condition labels, and each trial's position among them. */
export interface ConditionIndex {
  readonly conditions: readonly (number | string)[];
  readonly index: Int32Array;
}

export function conditionIndex(ids: readonly (number | string)[]): ConditionIndex {
  const conditions = [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pos = new Map(conditions.map((c, i) => [c, i]));
  return { conditions, index: Int32Array.from(ids, (c) => pos.get(c)!) };
}

export interface ConditionMeans extends ConditionIndex {
  /** Trials of each condition. */
  readonly nTrialsByCondition: Int32Array;
  /** `[conditions, rowLen]` flat: per element, the mean over the condition's trials of its non-NaN values (NaN where none). */
  readonly means: Float64Array;
}

/** `data` holds `ids.length` rows of `data.length / ids.length` values each, one row per trial. */
export function conditionMeans(data: ArrayLike<number>, ids: readonly (number | string)[]): ConditionMeans {
  const ci = conditionIndex(ids);
  const nTrials = ids.length;
  const rowLen = nTrials === 0 ? 0 : data.length / nTrials;
  const sum = new Float64Array(ci.conditions.length * rowLen);
  const cnt = new Float64Array(sum.length);
  const nTrialsByCondition = new Int32Array(ci.conditions.length);
  for (let i = 0; i < nTrials; i++) {
    const c = ci.index[i]!;
    nTrialsByCondition[c]!++;
    const o = c * rowLen;
    const s = i * rowLen;
    for (let k = 0; k < rowLen; k++) {
      const x = data[s + k]!;
      if (!Number.isNaN(x)) {
        sum[o + k]! += x;
        cnt[o + k]!++;
      }
    }
  }
  for (let j = 0; j < sum.length; j++) sum[j] = cnt[j]! > 0 ? sum[j]! / cnt[j]! : NaN;
  return { ...ci, nTrialsByCondition, means: sum };
}
