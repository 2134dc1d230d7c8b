/**
 * Alignment options: `alignmentApproach` and `alignmentExtraArgs` as the Run Manager's params give
 * them, checked and reduced to the few settings the computation uses.
 */
import { ParamError, didYouMean, warn } from "../core/errors.js";
import { logspace } from "../core/linalg.js";
import { nameList } from "./describe.js";
import { ALIGNMENT_APPROACHES, type AlignmentDatasetInput, type AlignmentExtraArgs, type AlignmentOptions } from "./types.js";

export interface ParsedExtraArgs {
  useRidgeRegression?: boolean;
  ridgeNormalizeEach: boolean;
}

const EXTRA_ARG_NAMES = ["useRidgeRegression", "ridgeNormalizeEach"] as const;

function parseLogical(name: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  if (v === "true" || v === "false") return v === "true";
  throw new ParamError(`alignmentExtraArgs: '${name}' must be logical (true/false), got ${JSON.stringify(v)}`);
}

/** Parse `alignmentExtraArgs` (name/value pairs or an object). */
export function parseAlignmentExtraArgs(extra: AlignmentExtraArgs | undefined): ParsedExtraArgs {
  const pairs: [string, unknown][] = [];
  if (extra === undefined) {
    // nothing
  } else if (Array.isArray(extra)) {
    const list = extra as readonly unknown[];
    if (list.length % 2 !== 0) {
      throw new ParamError(`alignmentExtraArgs must hold name/value pairs, got an odd number (${list.length}) of entries: ${JSON.stringify(list)}`);
    }
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i];
      if (typeof name !== "string") throw new ParamError(`alignmentExtraArgs: entry ${i + 1} should be a parameter name, got ${JSON.stringify(name)}`);
      pairs.push([name, list[i + 1]]);
    }
  } else {
    for (const [k, v] of Object.entries(extra)) pairs.push([k, v]);
  }
  const out: ParsedExtraArgs = { ridgeNormalizeEach: false };
  for (const [name, value] of pairs) {
    // MATLAB's inputParser matches parameter names case-insensitively
    const canonical = EXTRA_ARG_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
    if (canonical === undefined) {
      throw new ParamError(`alignmentExtraArgs: unknown parameter '${name}' (known: ${EXTRA_ARG_NAMES.join(", ")}).${didYouMean(name, EXTRA_ARG_NAMES)}`);
    }
    if (canonical === "useRidgeRegression") out.useRidgeRegression = parseLogical(canonical, value);
    else out.ridgeNormalizeEach = parseLogical(canonical, value);
  }
  return out;
}

/** The checked settings of one alignment computation. */
export interface ResolvedAlignmentOptions {
  readonly nFactors: number;
  /** Ridge regression was asked for (by the approach or by `useRidgeRegression`). */
  readonly useRidge: boolean;
  /** One dataset: its PCA is its alignment (there is nothing to stitch). */
  readonly single: boolean;
  /** Settings of the ridge cross-validation (used only with `useRidge` and several datasets). */
  readonly ridge: { readonly normalizeEach: boolean; readonly kFold: number; readonly lambdas: readonly number[] };
}

/** Check the options against the datasets given; throws ParamError naming the option and the fix. */
export function resolveAlignmentOptions(input: readonly AlignmentDatasetInput[], opts: AlignmentOptions): ResolvedAlignmentOptions {
  const nFactors = opts?.nFactors;
  if (!Number.isInteger(nFactors) || nFactors < 1) {
    throw new ParamError(`alignment: nFactors (c_factors_dim) must be a positive integer, got ${String(nFactors)}`);
  }
  const approach = opts.approach ?? "regressGlobalPCs";
  if (!(ALIGNMENT_APPROACHES as readonly string[]).includes(approach)) {
    throw new ParamError(`Unknown alignmentApproach '${approach}' (known: ${ALIGNMENT_APPROACHES.join(", ")}).${didYouMean(approach, ALIGNMENT_APPROACHES)}`);
  }
  const extra = parseAlignmentExtraArgs(opts.extraArgs);
  if (approach === "ridgeRegressGlobalPCs" && extra.useRidgeRegression === false) {
    throw new ParamError(`alignment: alignmentApproach 'ridgeRegressGlobalPCs' conflicts with alignmentExtraArgs useRidgeRegression=false; use 'regressGlobalPCs' for ordinary least squares`);
  }
  const useRidge = approach === "ridgeRegressGlobalPCs" || extra.useRidgeRegression === true;
  if (!Array.isArray(input) || input.length === 0) throw new ParamError("alignment: no datasets given");
  if (opts.singleDataset && input.length !== 1) {
    throw new ParamError(`alignment: singleDataset (useSingleDatasetAlignmentMatrix) needs exactly one dataset, got ${input.length} (${nameList(input.map((d) => d.name))})`);
  }
  const single = input.length === 1;
  if (single && useRidge) warn("alignment: ridge regression does not apply to a single dataset (its alignment matrix is its PCA coefficients); ignoring it");
  const ridge = { normalizeEach: extra.ridgeNormalizeEach, kFold: opts.ridge?.kFold ?? 10, lambdas: opts.ridge?.lambdas ?? logspace(-5, 2, 15) };
  return { nFactors, useRidge, single, ridge };
}
