/** The inputs, options and result of stitching alignment (see alignment.ts for the algorithm). */
import type { Array3D, NumericArray } from "../core/array3d.js";

/** A trial's condition label. NaN (numbers) or "" (strings) excludes the trial from alignment. */
export type ConditionId = number | string;

export interface AlignmentDatasetInput {
  /** Dataset name, used in every message. */
  readonly name: string;
  /** Re-binned spike counts per bin, [nTrials, nChannels, T] row-major (Run Manager axis order). */
  readonly counts: Array3D<NumericArray>;
  /** One condition id per trial: all numbers or all strings. NaN / "" = exclude the trial. */
  readonly conditionIds: ArrayLike<ConditionId>;
  /** 0-based indices of the training trials; alignment uses these trials only. */
  readonly trainInds: ArrayLike<number>;
}

export const ALIGNMENT_APPROACHES = ["regressGlobalPCs", "ridgeRegressGlobalPCs"] as const;
export type AlignmentApproach = (typeof ALIGNMENT_APPROACHES)[number];

/**
 * `alignmentExtraArgs`: MATLAB-style name/value pairs (`["useRidgeRegression", true]`) or an object.
 * Recognised names: `useRidgeRegression`, `ridgeNormalizeEach` (logical; true/false, 1/0 and
 * "true"/"false" are accepted because RunParams cell values hold only strings and numbers).
 */
export type AlignmentExtraArgs =
  | readonly (string | number | boolean)[]
  | Readonly<Record<string, string | number | boolean>>;

export interface AlignmentOptions {
  /** Number of factors (`c_factors_dim`): the column count of every alignment matrix. */
  readonly nFactors: number;
  /** `alignmentApproach`: "regressGlobalPCs" (OLS, default) or "ridgeRegressGlobalPCs" (ridge, CV'd λ). */
  readonly approach?: string;
  /** `alignmentExtraArgs`. */
  readonly extraArgs?: AlignmentExtraArgs;
  /**
   * PCA read-in for a single dataset (`useSingleDatasetAlignmentMatrix`). Requires exactly one
   * dataset; one dataset always takes this path (there is nothing to stitch), as in MATLAB.
   */
  readonly singleDataset?: boolean;
  /** Ridge cross-validation settings; defaults λ ∈ logspace(−5, 2, 15) and 10 folds. */
  readonly ridge?: { readonly lambdas?: readonly number[]; readonly kFold?: number };
}

export interface RidgeSelection {
  readonly lambda: number;
  readonly lambdas: readonly number[];
  /** Mean held-out MSE per λ. */
  readonly cvMse: readonly number[];
}

export interface AlignmentResult {
  readonly datasetNames: readonly string[];
  readonly nChannels: readonly number[];
  /** Columns of every alignment matrix (= the requested `nFactors`). */
  readonly nFactors: number;
  /** Principal components actually computed: k = min(nFactors, nNeuronsTotal). */
  readonly nComponents: number;
  readonly nTime: number;
  /** Sorted unique condition ids over all datasets (training trials only). */
  readonly conditions: readonly ConditionId[];
  /** The conditions present in every dataset (the only ones the regression can use). */
  readonly sharedConditions: readonly ConditionId[];
  /** Per dataset: nChannels × nFactors, row-major (element (c, f) at c·nFactors + f) — `alignment_matrix_cxf`. */
  readonly matrices: Float64Array[];
  /** Per dataset: the channel means (positive) — `alignment_bias_c`. */
  readonly biases: Float64Array[];
  /** The global PC trajectories, [k, T, nConditions] row-major; NaN where a condition is not shared. */
  readonly globalPCs: Array3D<Float64Array>;
  /** Per dataset: Wᵀ(x − mean) on the condition averages, [nFactors, T, nConditions]; NaN where masked. */
  readonly reconstructions: Array3D<Float64Array>[];
  /** Per dataset: condition averages (counts per bin), [nChannels, T, nConditions]; NaN for absent conditions. */
  readonly conditionAverages: Array3D<Float64Array>[];
  /** Variance of each global PC (descending), length k. */
  readonly pcVariances: Float64Array;
  /** How the PCA treated NaN columns ("all" = there were none). */
  readonly pcaRows: "all" | "pairwise" | "complete";
  readonly singleDataset: boolean;
  readonly usingRidgeRegression: boolean;
  /** Per dataset, the cross-validated ridge penalty (undefined without ridge regression). */
  readonly ridge: (RidgeSelection | undefined)[];
}
