/**
 * Plain-array data for the alignment reconstruction plot (the Run Manager's
 * `plotAlignmentReconstruction`, run-manager.md §6.4): a grid of panels, factors as rows ×
 * conditions as columns; each panel holds the global PC trace (black, legend "Global") and each
 * dataset's reconstruction of it through its alignment matrix. Drawing is left to display code.
 */
import { ParamError, didYouMean } from "../core/errors.js";
import type { AlignmentResult, ConditionId } from "./types.js";

export interface AlignmentReconstructionOptions {
  /** A count n (the first n factors) or 0-based factor indices. Default: the first min(6, k). */
  readonly factors?: number | readonly number[];
  /** A count n (the first n conditions) or 0-based condition indices. Default: the first min(6, nConditions). */
  readonly conditions?: number | readonly number[];
  /** Select conditions by id instead (overrides `conditions`). */
  readonly conditionIds?: readonly ConditionId[];
  /** Datasets to include, by 0-based index or name. Default: all. */
  readonly datasets?: readonly (number | string)[];
  /** Bin width in ms for the time axis; without it, time is the 0-based bin index. */
  readonly binMs?: number;
}

export interface ReconstructionTrace {
  readonly dataset: string;
  /** One value per time bin; null where the condition is not usable for this dataset (masked). */
  readonly values: (number | null)[];
}

export interface ReconstructionPanel {
  /** 0-based factor index. */
  readonly factor: number;
  /** "Factor 1", … (1-based, as the MATLAB y-labels). */
  readonly factorLabel: string;
  /** 0-based index into `result.conditions`. */
  readonly conditionIndex: number;
  readonly conditionId: ConditionId;
  /** "Condition <id>" (the MATLAB panel title). */
  readonly conditionLabel: string;
  /** The global PC trace ("Global" in the legend); null where not defined. */
  readonly global: (number | null)[];
  /** One trace per selected dataset, in dataset order. */
  readonly datasets: ReconstructionTrace[];
}

export interface AlignmentReconstructionData {
  /** Time axis: bin start times in ms when `binMs` is given, else bin indices. */
  readonly time: number[];
  readonly factors: number[];
  readonly conditions: { readonly index: number; readonly id: ConditionId; readonly label: string }[];
  readonly datasetNames: string[];
  /** panels[i][j]: factor `factors[i]`, condition `conditions[j]`. */
  readonly panels: ReconstructionPanel[][];
}

function pickIndices(sel: number | readonly number[] | undefined, n: number, dflt: number, what: string): number[] {
  if (sel === undefined) return Array.from({ length: Math.min(dflt, n) }, (_, i) => i);
  if (typeof sel === "number") {
    if (!Number.isInteger(sel) || sel < 1 || sel > n) throw new ParamError(`alignment plot: ${what} count ${sel} must be an integer in [1, ${n}]`);
    return Array.from({ length: sel }, (_, i) => i);
  }
  return sel.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new ParamError(`alignment plot: ${what} index ${i} is out of range [0, ${n - 1}] (indices are 0-based)`);
    return i;
  });
}

const toPlain = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Arrange an alignment result as plot-ready plain arrays (see {@link AlignmentReconstructionData}). */
export function alignmentReconstructionData(result: AlignmentResult, opts: AlignmentReconstructionOptions = {}): AlignmentReconstructionData {
  const k = result.nComponents;
  const nCond = result.conditions.length;
  const T = result.nTime;
  const factors = pickIndices(opts.factors, k, 6, "factor");
  let conds: number[];
  if (opts.conditionIds !== undefined) {
    conds = opts.conditionIds.map((id) => {
      const i = result.conditions.findIndex((c) => c === id);
      if (i < 0) {
        throw new ParamError(
          `alignment plot: no condition with id ${JSON.stringify(id)}.` +
            (typeof id === "string" ? didYouMean(id, result.conditions.map(String)) : ` Known ids: ${result.conditions.slice(0, 10).map((c) => JSON.stringify(c)).join(", ")}${nCond > 10 ? ", …" : ""}`),
        );
      }
      return i;
    });
  } else {
    conds = pickIndices(opts.conditions, nCond, 6, "condition");
  }
  const dsIdx = (opts.datasets ?? result.datasetNames.map((_, i) => i)).map((d) => {
    if (typeof d === "string") {
      const i = result.datasetNames.indexOf(d);
      if (i < 0) throw new ParamError(`alignment plot: no dataset named '${d}'.${didYouMean(d, result.datasetNames)}`);
      return i;
    }
    if (!Number.isInteger(d) || d < 0 || d >= result.datasetNames.length) {
      throw new ParamError(`alignment plot: dataset index ${d} is out of range [0, ${result.datasetNames.length - 1}]`);
    }
    return d;
  });
  const binMs = opts.binMs;
  if (binMs !== undefined && !(binMs > 0)) throw new ParamError(`alignment plot: binMs must be positive, got ${binMs}`);
  const time = Array.from({ length: T }, (_, t) => (binMs === undefined ? t : t * binMs));
  const conditionInfo = conds.map((i) => {
    const id = result.conditions[i]!;
    return { index: i, id, label: `Condition ${String(id)}` };
  });

  const g = result.globalPCs;
  const panels = factors.map((f) =>
    conditionInfo.map((c): ReconstructionPanel => {
      const global = time.map((_, t) => toPlain(g.data[(f * T + t) * nCond + c.index]!));
      const datasets = dsIdx.map((d) => {
        const r = result.reconstructions[d]!; // [nFactors, T, nConditions]; f < k ≤ nFactors
        return { dataset: result.datasetNames[d]!, values: time.map((_, t) => toPlain(r.data[(f * T + t) * nCond + c.index]!)) };
      });
      return { factor: f, factorLabel: `Factor ${f + 1}`, conditionIndex: c.index, conditionId: c.id, conditionLabel: c.label, global, datasets };
    }),
  );
  return { time, factors, conditions: conditionInfo, datasetNames: dsIdx.map((d) => result.datasetNames[d]!), panels };
}
