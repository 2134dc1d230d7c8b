/**
 * Parameter sweeps: the cartesian product of value lists over a base RunParams (MATLAB
 * `generateSweep`), first property varying fastest as MATLAB's column-major grid does.
 */
import { ParamError, didYouMean } from "../core/errors.js";
import { RunParams } from "./run-params.js";
import { PARAM_SPECS, type ParamName, type RunParamsValues } from "./table.js";
import { displayValue } from "./run-params.js";

export type SweepAxes = { [K in ParamName]?: readonly RunParamsValues[K][] };

/**
 * Every combination of the listed values applied to `base`, each named `<base name> k=v …` (or just
 * `k=v …`). Throws if a property is unknown, a list is empty, or two members share a param hash.
 *
 * ```ts
 * const sweep = generateSweep(par, { c_factors_dim: [2, 4, 6, 8] }); // 4 RunParams
 * ```
 */
export function generateSweep(base: RunParams, axes: SweepAxes): RunParams[] {
  const entries = Object.entries(axes) as [ParamName, readonly unknown[]][];
  if (entries.length === 0) throw new ParamError("generateSweep: no properties given; pass e.g. { c_factors_dim: [2, 4, 6, 8] }");
  for (const [name, values] of entries) {
    if (!PARAM_SPECS.has(name)) throw new ParamError(`generateSweep: unknown property '${name}'.${didYouMean(name, PARAM_SPECS.keys())}`);
    if (!Array.isArray(values) || values.length === 0) {
      throw new ParamError(`generateSweep: value list for ${name} must be a non-empty array, got ${JSON.stringify(values)}`);
    }
  }
  const sizes = entries.map(([, v]) => v.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  const out: RunParams[] = [];
  for (let linear = 0; linear < total; linear++) {
    const changes: Record<string, unknown> = {};
    let rest = linear;
    for (let i = 0; i < entries.length; i++) {
      const [name, values] = entries[i]!;
      changes[name] = values[rest % sizes[i]!];
      rest = Math.floor(rest / sizes[i]!);
    }
    const label = Object.entries(changes)
      .map(([k, v]) => `${k}=${displayValue(PARAM_SPECS.get(k)!, new RunParams({ [k]: v }).values[k as ParamName])}`)
      .join(" ");
    const name = base.name ? `${base.name} ${label}` : label;
    out.push(base.with({ ...(changes as Partial<RunParamsValues>), name }));
  }
  assertDistinctHashes(out, "generateSweep");
  return out;
}

/** Throw if two params share a param hash (they would train into the same folder). */
export function assertDistinctHashes(params: readonly RunParams[], where: string): void {
  const seen = new Map<string, number>();
  params.forEach((p, i) => {
    const j = seen.get(p.paramHash);
    if (j !== undefined) {
      throw new ParamError(
        `${where}: members ${j + 1} ("${params[j]!.name}") and ${i + 1} ("${p.name}") have the same ${p.paramHashString}; ` +
          "they differ only in properties that do not affect training (name, posterior sampling, debug) — remove the duplicate",
      );
    }
    seen.set(p.paramHash, i);
  });
}
