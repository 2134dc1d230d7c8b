/**
 * The conditions of an alignment: the sorted unique condition ids of all datasets' training trials,
 * and those present in every dataset (only these can be matched by the regression).
 */
import { DataError, warn } from "../core/errors.js";
import { compareIds, isExcluded, showIds } from "./condition-ids.js";
import type { PreparedDataset } from "./datasets.js";
import { nameList } from "./describe.js";
import type { ConditionId } from "./types.js";

export interface AlignmentConditions {
  /** Sorted unique condition ids over all datasets. */
  readonly conditions: ConditionId[];
  /** Column block of each condition id. */
  readonly condIndex: ReadonlyMap<ConditionId, number>;
  /** The conditions present in every dataset. */
  readonly shared: ConditionId[];
}

/** Match condition ids across datasets; throws DataError when they cannot be matched. */
export function matchConditions(ds: readonly PreparedDataset[], single: boolean): AlignmentConditions {
  checkConditionKinds(ds);
  const condSets = ds.map((d) => {
    const s = new Set<ConditionId>();
    for (const id of d.trainIds) if (!isExcluded(id)) s.add(id);
    return s;
  });
  const conditions = [...new Set(condSets.flatMap((s) => [...s]))].sort(compareIds);
  const condIndex = new Map<ConditionId, number>(conditions.map((c, i) => [c, i]));
  const shared = conditions.filter((c) => condSets.every((s) => s.has(c)));
  if (!single) checkShared(ds, condSets, conditions, shared);
  return { conditions, condIndex, shared };
}

/** One kind of id (numbers or strings) in all datasets, and some usable id in each. */
function checkConditionKinds(ds: readonly PreparedDataset[]): void {
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
}

/** Several datasets must share a condition; conditions some lack are only warned about. */
function checkShared(ds: readonly PreparedDataset[], condSets: readonly Set<ConditionId>[], conditions: readonly ConditionId[], shared: readonly ConditionId[]): void {
  if (shared.length === 0) {
    throw new DataError(
      `alignment: the datasets share no condition id, so their condition averages cannot be matched (mismatched condition ids): ` +
        ds.map((d, i) => `'${d.name}' has ${showIds([...condSets[i]!].sort(compareIds))}`).join("; "),
    );
  }
  if (shared.length < conditions.length) {
    const missing = ds
      .map((d, i) => ({ d, miss: conditions.filter((c) => !condSets[i]!.has(c)) }))
      .filter((x) => x.miss.length > 0)
      .map((x) => `'${x.d.name}' lacks ${showIds(x.miss)}`);
    warn(`alignment: only ${shared.length} of ${conditions.length} conditions are present in every dataset; the others are used for the PCA but not the regression (${missing.join("; ")})`);
  }
}
