/**
 * Stitching alignment matrices — the Run Manager's `LFADS.MultisessionAlignmentTool`
 * (`computeAlignmentMatricesUsingTrialAveragedPCR`, run-manager.md §6.2–6.3) in plain TypeScript.
 *
 * For each dataset the result is a read-in matrix W (nChannels × nFactors) and a bias b (nChannels),
 * written to the LFADS input file as `alignment_matrix_cxf` / `alignment_bias_c`. LFADS initialises
 * its read-in to compute (x − b)·W and its read-out to Wᵀ with bias b (lfads-model.md §1.2); b is
 * the **positive** channel mean and the read-out uses the transpose, not a pseudo-inverse (the
 * Run Manager docs say otherwise; the code and LFADS do this — run-manager.md §10.4 item 12).
 *
 * Algorithm (one pass, no randomness):
 *  1. Condition-average each dataset's *training* trials (NaN-ignoring mean over each condition's
 *     trials; the conditions are the sorted unique ids over all datasets; a condition a dataset lacks
 *     gives NaN columns).
 *  2. Stack all datasets' averages along neurons: A = nNeuronsTotal × (T·nConditions), time fastest.
 *  3. m = per-neuron NaN-ignoring mean; Ac = A − m.
 *  4. PCA of Ac (observations = time×condition), k = min(nFactors, nNeuronsTotal) components,
 *     MATLAB's sign convention (largest-magnitude coefficient of each component positive).
 *  5. One dataset: W = the PCA coefficients, b = m. Several: global target Z = Cᵀ Ac; for each
 *     dataset, least squares (or cross-validated ridge) from its centred rows to Z over the columns
 *     without NaN; W_i zero-padded to nFactors columns; b_i = the dataset's neuron means.
 */
import type { Array3D, NumericArray } from "../core/array3d.js";
import { DataError, ParamError, ShapeError, didYouMean, warn } from "../core/errors.js";
import { type Mat, type RidgeCvResult, logspace, lstsq, mat, pca, ridgeCv } from "../core/linalg.js";

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

interface ParsedExtraArgs {
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

/** "'a', 'b' and 'c'" */
function nameList(names: readonly string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length <= 1 ? (q[0] ?? "") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

function showIds(ids: readonly ConditionId[], max = 6): string {
  const shown = ids.slice(0, max).map((c) => (typeof c === "string" ? JSON.stringify(c) : String(c)));
  return `{${shown.join(", ")}${ids.length > max ? `, … (${ids.length} in all)` : ""}}`;
}

function compareIds(a: ConditionId, b: ConditionId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0; // code-unit order = MATLAB's sort of char arrays
}

function isExcluded(id: ConditionId): boolean {
  return typeof id === "number" ? Number.isNaN(id) : id === "";
}

interface PreparedDataset {
  name: string;
  nTrials: number;
  nChannels: number;
  nTime: number;
  counts: NumericArray;
  train: number[];
  /** condition ids of the training trials (excluded ones removed later) */
  trainIds: ConditionId[];
  kind: "number" | "string" | undefined;
}

function prepareDataset(d: AlignmentDatasetInput, index: number): PreparedDataset {
  const name = typeof d.name === "string" && d.name !== "" ? d.name : `#${index + 1}`;
  const shape = d.counts?.shape;
  if (!shape || shape.length !== 3 || !d.counts.data) {
    throw new ShapeError(`alignment: dataset '${name}': counts must be a 3-D array [nTrials, nChannels, T]`);
  }
  const [nTrials, nChannels, nTime] = shape;
  if (!(nTrials > 0 && nChannels > 0 && nTime > 0)) {
    throw new ShapeError(`alignment: dataset '${name}': counts shape [${shape.join(", ")}] has an empty axis`);
  }
  if (d.counts.data.length !== nTrials * nChannels * nTime) {
    throw new ShapeError(`alignment: dataset '${name}': ${d.counts.data.length} count values do not fill shape [${shape.join(", ")}]`);
  }
  if (!d.conditionIds || d.conditionIds.length !== nTrials) {
    throw new ShapeError(`alignment: dataset '${name}': ${d.conditionIds?.length ?? 0} condition ids for ${nTrials} trials`);
  }
  let kind: "number" | "string" | undefined;
  for (let i = 0; i < d.conditionIds.length; i++) {
    const id = d.conditionIds[i];
    const t = typeof id;
    if (t !== "number" && t !== "string") {
      throw new DataError(`alignment: dataset '${name}': conditionId field must contain numeric or string values (trial ${i} has ${String(id)})`);
    }
    if (kind === undefined) kind = t as "number" | "string";
    else if (kind !== t) {
      throw new DataError(`alignment: dataset '${name}': conditionId field must contain numeric or string values, not a mix of both (trial ${i} is a ${t}, earlier trials are ${kind}s)`);
    }
  }
  const train: number[] = [];
  for (let i = 0; i < d.trainInds.length; i++) {
    const r = d.trainInds[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= nTrials) {
      throw new ParamError(`alignment: dataset '${name}': train index ${r} is not a 0-based trial index in [0, ${nTrials - 1}]`);
    }
    train.push(r);
  }
  if (train.length === 0) throw new DataError(`alignment: dataset '${name}' has no training trials (trainInds is empty)`);
  const stride = nChannels * nTime;
  for (const r of train) {
    for (let j = r * stride; j < (r + 1) * stride; j++) {
      const v = d.counts.data[j]!;
      if (v === Infinity || v === -Infinity) {
        const ch = Math.floor((j - r * stride) / nTime);
        throw new DataError(`alignment: dataset '${name}': infinite count in trial ${r}, channel ${ch}, bin ${(j - r * stride) % nTime}`);
      }
    }
  }
  const trainIds = train.map((r) => d.conditionIds[r]!);
  let trainKind: "number" | "string" | undefined;
  for (const id of trainIds) if (!isExcluded(id)) { trainKind = typeof id as "number" | "string"; break; }
  return { name, nTrials, nChannels, nTime, counts: d.counts.data, train, trainIds, kind: trainKind ?? kind };
}

/**
 * Check alignment matrices and biases before they are written to the LFADS input files (the Run
 * Manager checks any alignment algorithm's output, custom ones included): one per dataset, shapes
 * nChannels × nFactors and nChannels, and no NaN/Inf.
 */
export function validateAlignment(
  matrices: readonly ArrayLike<number>[],
  biases: readonly ArrayLike<number>[],
  expect: { readonly datasetNames: readonly string[]; readonly nChannels: readonly number[]; readonly nFactors: number },
): void {
  const n = expect.datasetNames.length;
  if (matrices.length !== n || biases.length !== n) {
    throw new ShapeError(`alignment: expected one alignment matrix and bias per dataset (${n}), got ${matrices.length} matrices and ${biases.length} biases`);
  }
  for (let d = 0; d < n; d++) {
    const name = expect.datasetNames[d]!;
    const nCh = expect.nChannels[d]!;
    const w = matrices[d]!;
    const b = biases[d]!;
    if (w.length !== nCh * expect.nFactors) {
      throw new ShapeError(`alignment: dataset '${name}': alignment matrix has ${w.length} values, expected ${nCh} channels × ${expect.nFactors} factors = ${nCh * expect.nFactors}`);
    }
    if (b.length !== nCh) throw new ShapeError(`alignment: dataset '${name}': alignment bias has ${b.length} values, expected ${nCh} (one per channel)`);
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i]!)) {
        throw new DataError(`alignment: NaNs in the alignment matrix for dataset '${name}' (channel ${Math.floor(i / expect.nFactors)}, factor ${i % expect.nFactors} is ${w[i]})`);
      }
    }
    for (let i = 0; i < b.length; i++) {
      if (!Number.isFinite(b[i]!)) throw new DataError(`alignment: NaNs in the alignment biases for dataset '${name}' (channel ${i} is ${b[i]})`);
    }
  }
}

/** Marks the columns of `m` (rows r0..r1−1) that hold a NaN; row-major scan. */
function markNaNColumns(m: Mat, r0: number, r1: number, into: Uint8Array): Uint8Array {
  for (let r = r0; r < r1; r++) {
    const base = r * m.cols;
    for (let j = 0; j < m.cols; j++) if (Number.isNaN(m.data[base + j]!)) into[j] = 1;
  }
  return into;
}

/** [rows, T, nC] Array3D from a rows × (T·nC) matrix whose columns are c·T + t (time fastest). */
function toTimeCondition(m: Mat, rows: number, nTime: number, nCond: number): Array3D<Float64Array> {
  const out = new Float64Array(rows * nTime * nCond);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < nCond; c++) for (let t = 0; t < nTime; t++) out[(r * nTime + t) * nCond + c] = m.data[r * m.cols + c * nTime + t]!;
  }
  return { data: out, shape: [rows, nTime, nCond] };
}

/**
 * Compute stitching alignment matrices and biases for a set of datasets (run-manager.md §6).
 *
 * Throws (typed, naming the datasets): ShapeError when datasets have different numbers of time bins
 * or malformed arrays; DataError when there are no condition ids, when no condition is shared by
 * every dataset, when there are too few condition-averaged time points for the requested factors,
 * or when the result holds NaNs; ParamError for bad options.
 */
export function computeAlignment(input: readonly AlignmentDatasetInput[], opts: AlignmentOptions): AlignmentResult {
  // ---------------------------------------------------------------- options
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

  // ---------------------------------------------------------------- datasets
  const ds = input.map(prepareDataset);
  const names = ds.map((d) => d.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new ParamError(`alignment: dataset name '${dup}' appears more than once`);
  const nTime = ds[0]!.nTime;
  if (ds.some((d) => d.nTime !== nTime)) {
    throw new ShapeError(
      `alignment: Number of timepoints (after rebinning) of all datasets must match, got ${ds.map((d) => `'${d.name}' ${d.nTime} bins`).join(", ")}; crop or pad the trials to a common window`,
    );
  }

  // ---------------------------------------------------------------- conditions
  const kinds = new Set(ds.map((d) => d.kind).filter((k) => k !== undefined));
  if (kinds.size > 1) {
    const num = ds.filter((d) => d.kind === "number").map((d) => d.name);
    const str = ds.filter((d) => d.kind === "string").map((d) => d.name);
    throw new DataError(`alignment: condition ids are numbers in ${nameList(num)} but strings in ${nameList(str)}; they must be of one kind to be matched across datasets`);
  }
  const noIds = ds.filter((d) => d.trainIds.every(isExcluded)).map((d) => d.name);
  if (noIds.length > 0) {
    throw new DataError(
      `alignment: no condition ids in the training trials of ${noIds.length === ds.length && ds.length > 1 ? "any dataset (" + nameList(noIds) + ")" : "dataset " + nameList(noIds)}; ` +
        `alignment averages trials by conditionId, so every dataset needs training trials whose conditionId is not NaN/''`,
    );
  }
  const condSets = ds.map((d) => {
    const s = new Set<ConditionId>();
    for (const id of d.trainIds) if (!isExcluded(id)) s.add(id);
    return s;
  });
  const conditions = [...new Set(condSets.flatMap((s) => [...s]))].sort(compareIds);
  const nCond = conditions.length;
  const condIndex = new Map<ConditionId, number>(conditions.map((c, i) => [c, i]));
  const shared = conditions.filter((c) => condSets.every((s) => s.has(c)));
  if (!single) {
    if (shared.length === 0) {
      throw new DataError(
        `alignment: the datasets share no condition id, so their condition averages cannot be matched (mismatched condition ids): ` +
          ds.map((d, i) => `'${d.name}' has ${showIds([...condSets[i]!].sort(compareIds))}`).join("; "),
      );
    }
    if (shared.length < nCond) {
      const missing = ds
        .map((d, i) => ({ d, miss: conditions.filter((c) => !condSets[i]!.has(c)) }))
        .filter((x) => x.miss.length > 0)
        .map((x) => `'${x.d.name}' lacks ${showIds(x.miss)}`);
      warn(`alignment: only ${shared.length} of ${nCond} conditions are present in every dataset; the others are used for the PCA but not the regression (${missing.join("; ")})`);
    }
  }

  // ---------------------------------------------------------------- condition averages → A
  const nCols = nTime * nCond;
  const nTotal = ds.reduce((s, d) => s + d.nChannels, 0);
  const a = mat(nTotal, nCols);
  const rowOffset: number[] = [];
  let row0 = 0;
  const avgByDataset: Mat[] = [];
  for (const d of ds) {
    rowOffset.push(row0);
    const sum = new Float64Array(d.nChannels * nCols);
    const cnt = new Float64Array(d.nChannels * nCols);
    d.train.forEach((r, ti) => {
      const id = d.trainIds[ti]!;
      if (isExcluded(id)) return;
      const c = condIndex.get(id)!;
      for (let ch = 0; ch < d.nChannels; ch++) {
        const src = (r * d.nChannels + ch) * nTime;
        const dst = ch * nCols + c * nTime;
        for (let t = 0; t < nTime; t++) {
          const v = d.counts[src + t]!;
          if (!Number.isNaN(v)) {
            sum[dst + t] += v;
            cnt[dst + t] += 1;
          }
        }
      }
    });
    const avg = mat(d.nChannels, nCols);
    for (let i = 0; i < avg.data.length; i++) avg.data[i] = cnt[i]! > 0 ? sum[i]! / cnt[i]! : NaN;
    avgByDataset.push(avg);
    a.data.set(avg.data, row0 * nCols);
    row0 += d.nChannels;
  }
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] === Infinity || a.data[i] === -Infinity) {
      const r = Math.floor(i / nCols);
      let d = 0;
      while (d + 1 < rowOffset.length && rowOffset[d + 1]! <= r) d++;
      throw new DataError(`alignment: condition average of dataset '${names[d]}' channel ${r - rowOffset[d]!} overflows (counts too large)`);
    }
  }
  const means = new Float64Array(nTotal);
  const ac = mat(nTotal, nCols);
  for (let r = 0; r < nTotal; r++) {
    let s = 0;
    let n = 0;
    for (let j = 0; j < nCols; j++) {
      const v = a.data[r * nCols + j]!;
      if (!Number.isNaN(v)) { s += v; n++; }
    }
    if (n === 0) {
      let d = 0;
      while (d + 1 < rowOffset.length && rowOffset[d + 1]! <= r) d++;
      throw new DataError(`alignment: dataset '${names[d]}' channel ${r - rowOffset[d]!} has only NaN counts in its training trials, so it has no mean (alignment bias)`);
    }
    means[r] = s / n;
    for (let j = 0; j < nCols; j++) ac.data[r * nCols + j] = a.data[r * nCols + j]! - means[r]!;
  }

  // ---------------------------------------------------------------- PCA
  const k = Math.min(nFactors, nTotal);
  const nanCols = markNaNColumns(a, 0, nTotal, new Uint8Array(nCols));
  const usable: number[] = [];
  for (let j = 0; j < nCols; j++) if (!nanCols[j]) usable.push(j);
  if (usable.length < k + 1) {
    const nc = single ? nCond : shared.length;
    throw new DataError(
      `alignment: too few conditions for the requested factors: finding ${k} factor(s) needs at least ${k + 1} condition-averaged time points ` +
        `(${single ? "conditions" : "conditions shared by every dataset"} × time bins), but ${single ? "dataset" : "datasets"} ${nameList(names)} ` +
        `${single ? "has" : "have"} ${usable.length} (${nc} condition(s) × ${nTime} bin(s)${usable.length < nc * nTime ? ", less those with NaN counts" : ""}); ` +
        `lower c_factors_dim or add conditions`,
    );
  }
  const p = pca(ac, k, { scores: single }); // several datasets: Z = Cᵀ Ac is computed below instead
  for (let i = 0; i < p.coeff.data.length; i++) {
    if (!Number.isFinite(p.coeff.data[i]!)) {
      throw new DataError(`alignment: the PCA of ${nameList(names)} produced NaNs (condition averages too large or degenerate)`);
    }
  }

  const matrices: Float64Array[] = [];
  const biases: Float64Array[] = [];
  const reconstructions: Array3D<Float64Array>[] = [];
  const ridge: (RidgeSelection | undefined)[] = [];
  let globalPCs: Array3D<Float64Array>;

  if (single) {
    // Single dataset: matrix = PCA coefficients, bias = channel means. Unlike MATLAB, the matrix is
    // zero-padded with columns up to nFactors (run-manager.md §10.4 item 6: unpadded, LFADS rejects
    // the nNeurons × nNeurons matrix when nNeurons < c_factors_dim). The global PCs are the PCA
    // scores, so the reconstruction plot also works for one dataset (MATLAB leaves them empty).
    const d = ds[0]!;
    const w = new Float64Array(d.nChannels * nFactors);
    for (let ch = 0; ch < d.nChannels; ch++) for (let f = 0; f < k; f++) w[ch * nFactors + f] = p.coeff.data[ch * k + f]!;
    matrices.push(w);
    biases.push(Float64Array.from(means));
    const scoresT = mat(k, nCols);
    for (let j = 0; j < nCols; j++) for (let f = 0; f < k; f++) scoresT.data[f * nCols + j] = p.scores.data[j * k + f]!;
    globalPCs = toTimeCondition(scoresT, k, nTime, nCond);
    const recon = mat(nFactors, nCols);
    recon.data.set(scoresT.data); // rows k..nFactors−1 stay 0, as the padded matrix columns
    reconstructions.push(toTimeCondition(recon, nFactors, nTime, nCond));
    ridge.push(undefined);
  } else {
    // global target Z = Cᵀ Ac (k × TC); NaN wherever any neuron is NaN
    const z = mat(k, nCols);
    for (let r = 0; r < nTotal; r++) {
      const arow = ac.data.subarray(r * nCols, (r + 1) * nCols);
      for (let f = 0; f < k; f++) {
        const c = p.coeff.data[r * k + f]!;
        const zrow = z.data.subarray(f * nCols, (f + 1) * nCols);
        for (let j = 0; j < nCols; j++) zrow[j] += c * arow[j]!; // NaN propagates from any missing neuron
      }
    }
    const zNaN = markNaNColumns(z, 0, k, new Uint8Array(nCols));
    globalPCs = toTimeCondition(z, k, nTime, nCond);
    const ridgeLambdas = opts.ridge?.lambdas ?? logspace(-5, 2, 15);

    ds.forEach((d, di) => {
      const nCh = d.nChannels;
      const r0 = rowOffset[di]!;
      // columns without NaN in this dataset's rows or in Z
      const bad = markNaNColumns(a, r0, r0 + nCh, Uint8Array.from(zNaN));
      const mask: number[] = [];
      for (let j = 0; j < nCols; j++) if (!bad[j]) mask.push(j);
      const nm = mask.length; // ≥ k + 1 ≥ 2: every usable column qualifies
      // centre both on the kept columns; rows = observations (TC), columns = channels / factors
      const xT = mat(nm, nCh);
      const zT = mat(nm, k);
      for (let ch = 0; ch < nCh; ch++) {
        let s = 0;
        for (const j of mask) s += a.data[(r0 + ch) * nCols + j]!;
        const mu = s / nm;
        for (let o = 0; o < nm; o++) xT.data[o * nCh + ch] = a.data[(r0 + ch) * nCols + mask[o]!]! - mu;
      }
      for (let f = 0; f < k; f++) {
        let s = 0;
        for (const j of mask) s += z.data[f * nCols + j]!;
        const mu = s / nm;
        for (let o = 0; o < nm; o++) zT.data[o * k + f] = z.data[f * nCols + mask[o]!]! - mu;
      }
      let wk: Mat;
      if (useRidge) {
        const fit: RidgeCvResult = ridgeCv(zT, xT, { normalizeEach: extra.ridgeNormalizeEach, kFold: opts.ridge?.kFold ?? 10, lambdas: ridgeLambdas });
        wk = fit.w;
        ridge.push({ lambda: fit.lambda, lambdas: fit.lambdas, cvMse: fit.cvMse });
      } else {
        const sol = lstsq(xT, zT);
        wk = sol.x;
        if (sol.rank < nCh) {
          warn(
            `alignment: dataset '${d.name}': its ${nCh} channels are linearly dependent over the ${nm} condition-averaged time points used (rank ${sol.rank}); ` +
              `using the minimum-norm least-squares alignment matrix (consider 'ridgeRegressGlobalPCs')`,
          );
        }
        ridge.push(undefined);
      }
      const w = new Float64Array(nCh * nFactors); // zero-padded beyond k columns
      for (let ch = 0; ch < nCh; ch++) for (let f = 0; f < k; f++) w[ch * nFactors + f] = wk.data[ch * k + f]!;
      matrices.push(w);
      biases.push(means.slice(r0, r0 + nCh));
      // reconstruction Wᵀ Xc on the kept columns, NaN elsewhere
      const recon = mat(nFactors, nCols);
      recon.data.fill(NaN);
      for (let o = 0; o < nm; o++) {
        const j = mask[o]!;
        const xrow = xT.data.subarray(o * nCh, (o + 1) * nCh);
        for (let f = 0; f < nFactors; f++) {
          let acc = 0;
          if (f < k) for (let ch = 0; ch < nCh; ch++) acc += wk.data[ch * k + f]! * xrow[ch]!;
          recon.data[f * nCols + j] = acc; // padded factors reconstruct to 0
        }
      }
      reconstructions.push(toTimeCondition(recon, nFactors, nTime, nCond));
    });
  }

  const nChannels = ds.map((d) => d.nChannels);
  validateAlignment(matrices, biases, { datasetNames: names, nChannels, nFactors });

  return {
    datasetNames: names,
    nChannels,
    nFactors,
    nComponents: k,
    nTime,
    conditions,
    sharedConditions: single ? conditions : shared,
    matrices,
    biases,
    globalPCs,
    reconstructions,
    conditionAverages: avgByDataset.map((m, i) => toTimeCondition(m, nChannels[i]!, nTime, nCond)),
    pcVariances: p.variances,
    pcaRows: p.rows,
    singleDataset: single,
    usingRidgeRegression: useRidge && !single,
    ridge,
  };
}
