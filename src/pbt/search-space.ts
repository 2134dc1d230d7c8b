/**
 * PBT's search space: which RunParams it tunes, their ranges, scales and perturbation widths, the
 * initial draw of a member and the explore step (reference nlb-nwb-autolfads.md §7).
 *
 * The defaults are AutoLFADS' published ranges (lfads-torch / NLB TF2), translated to our conventions.
 * Our costs follow TF LFADS: the reconstruction cost is summed over a trial's bins and neurons, while
 * lfads-torch averages it over them (and multiplies the whole loss by 1e4, which changes no ratio). The
 * L2 and KL terms are per-trial in both, so one of lfads-torch's L2/KL scales equals ours divided by the
 * number of reconstructed elements per trial, E = bins × neurons: our range = lfads-torch's range × E.
 * Dropout rate d becomes c_keep_prob = 1 − d; coordinated dropout's cd_rate becomes c_keep_ratio = 1 − cd_rate.
 *
 * One departure: for a start without a controller (c_co_dim 0) the default space leaves coordinated dropout
 * out. Coordinated dropout keeps the model from copying spikes through to its rates; without a controller
 * the only way from a trial's spikes to its rates is the initial condition, with no per-bin path, and on
 * `npm run bench:pbt`'s lorenz_bad_start searching it cost fit (valid R² 0.850 / 0.431 with it, 0.930 /
 * 0.854 without, data seeds 21 / 22). Naming c_keep_ratio in the overrides puts AutoLFADS' dimension back.
 */
import { ParamError, didYouMean } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import { validateParam } from "../params/run-params.js";
import { PARAM_SPECS } from "../params/table.js";

export type SearchScale = "log" | "linear";

/** One tuned hyperparameter. */
export interface SearchDimension {
  /** A RunParams name, e.g. "c_learning_rate_init". */
  name: string;
  /** Range of the initial draw (and the bounds when `enforceBounds`). */
  lo: number;
  hi: number;
  /** Initial draw: 10^U(log10 lo, log10 hi) ("log") or U(lo, hi) ("linear"). */
  scale: SearchScale;
  /** Explore: the value is multiplied by 1 ± u, u ~ U[0.002·width, width]. */
  width: number;
  /** Keep explored values in [lo, hi] (else only >= 0, as AutoLFADS' regularisers). */
  enforceBounds: boolean;
  /** Start members other than the first at this value instead of a draw. */
  init?: number;
}

export type SearchSpace = readonly SearchDimension[];

/**
 * A user's change to the default space, by name: a partial dimension to merge into the default one (or a
 * whole new dimension), or `false` to leave a default dimension out.
 */
export type SearchSpaceOverrides = Readonly<Record<string, Partial<Omit<SearchDimension, "name">> | false>>;

/** What the default space needs to know: reconstructed bins × neurons of one trial, and the model. */
export interface DataShape {
  bins: number;
  neurons: number;
  /** Whether the starting run has a controller (c_co_dim > 0); default true (module comment). */
  controller?: boolean;
}

/** Dimensions the default space leaves out for a start without a controller (module comment). */
const CONTROLLER_ONLY_DEFAULTS: ReadonlySet<string> = new Set(["c_keep_ratio"]);

/** Whether the default space leaves dimension `name` out for this start (module comment). */
function leftOutByDefault(shape: DataShape, name: string): boolean {
  return shape.controller === false && CONTROLLER_ONLY_DEFAULTS.has(name);
}

/** AutoLFADS' search space in our RunParams, less coordinated dropout without a controller (module comment). */
export function defaultSearchSpace(shape: DataShape): SearchDimension[] {
  return autoLfadsSpace(shape).filter((d) => !leftOutByDefault(shape, d.name));
}

/** AutoLFADS' published space, every dimension (module comment). */
function autoLfadsSpace(shape: DataShape): SearchDimension[] {
  const e = shape.bins * shape.neurons;
  return [
    { name: "c_learning_rate_init", lo: 1e-5, hi: 5e-3, scale: "log", width: 0.3, enforceBounds: true, init: 4e-3 },
    { name: "c_keep_prob", lo: 0.4, hi: 1, scale: "linear", width: 0.3, enforceBounds: true },
    { name: "c_keep_ratio", lo: 0.3, hi: 0.99, scale: "linear", width: 0.3, enforceBounds: true, init: 0.5 },
    { name: "c_l2_gen_scale", lo: 1e-4 * e, hi: 1 * e, scale: "log", width: 0.8, enforceBounds: false },
    { name: "c_l2_con_scale", lo: 1e-4 * e, hi: 1 * e, scale: "log", width: 0.8, enforceBounds: false },
    { name: "c_kl_co_weight", lo: 1e-6 * e, hi: 1e-4 * e, scale: "log", width: 0.8, enforceBounds: false },
    { name: "c_kl_ic_weight", lo: 1e-6 * e, hi: 1e-3 * e, scale: "log", width: 0.8, enforceBounds: false },
  ];
}

/** The default space with the user's overrides applied (see SearchSpaceOverrides), then checked. */
export function resolveSearchSpace(shape: DataShape, given?: SearchSpace | SearchSpaceOverrides): SearchDimension[] {
  if (given === undefined) return checkSearchSpace(defaultSearchSpace(shape));
  if (Array.isArray(given)) return checkSearchSpace(given as SearchSpace);
  const overrides = given as SearchSpaceOverrides;
  // A dimension left out for lack of a controller comes back, in AutoLFADS' order, when the overrides change it.
  const out = autoLfadsSpace(shape).filter((d) => !leftOutByDefault(shape, d.name) || (overrides[d.name] !== undefined && overrides[d.name] !== false));
  for (const [name, change] of Object.entries(overrides)) {
    const i = out.findIndex((d) => d.name === name);
    if (change === false) {
      if (i < 0 && leftOutByDefault(shape, name)) continue; // already out: the start has no controller
      if (i < 0) throw new ParamError(`pbt searchSpace: '${name}' is not in the default search space, so it cannot be left out (false);${didYouMean(name, out.map((d) => d.name)) || ` the default space has ${out.map((d) => d.name).join(", ")}`}`);
      out.splice(i, 1);
    } else if (i >= 0) out[i] = { ...out[i]!, ...change };
    else out.push({ scale: "log", width: 0.8, enforceBounds: true, lo: NaN, hi: NaN, ...change, name });
  }
  return checkSearchSpace(out);
}

/** The checks of deliverable "bad input": every error names the hyperparameter, the value and the fix. */
export function checkSearchSpace(space: SearchSpace): SearchDimension[] {
  if (space.length === 0) throw new ParamError("pbt searchSpace is empty: PBT needs at least one hyperparameter to tune (e.g. c_learning_rate_init)");
  const seen = new Set<string>();
  for (const d of space) {
    const spec = PARAM_SPECS.get(d.name);
    if (!spec) throw new ParamError(`pbt searchSpace: unknown hyperparameter '${d.name}'.${didYouMean(d.name, PARAM_SPECS.keys())}`);
    if (spec.cls !== "double" || Array.isArray(spec.default) || spec.dataHash !== false) {
      throw new ParamError(`pbt searchSpace: '${d.name}' cannot be tuned while training (PBT tunes scalar training hyperparameters such as c_learning_rate_init, c_keep_prob, c_l2_gen_scale, c_kl_ic_weight)`);
    }
    if (seen.has(d.name)) throw new ParamError(`pbt searchSpace: '${d.name}' is listed twice; keep one entry`);
    seen.add(d.name);
    const where = `pbt searchSpace.${d.name}`;
    if (!Number.isFinite(d.lo) || !Number.isFinite(d.hi)) throw new ParamError(`${where}: lo and hi must be finite numbers, got lo=${d.lo}, hi=${d.hi}`);
    if (d.lo > d.hi) throw new ParamError(`${where}: inverted range lo=${d.lo} > hi=${d.hi}; swap them`);
    if (d.lo === d.hi) throw new ParamError(`${where}: empty range lo = hi = ${d.lo}; widen it, or leave ${d.name} out of the search and set it in the starting run's RunParams`);
    if (d.scale !== "log" && d.scale !== "linear") throw new ParamError(`${where}: scale must be "log" or "linear", got ${JSON.stringify(d.scale)}`);
    if (d.scale === "log" && d.lo <= 0) throw new ParamError(`${where}: a log-scale range must be above 0, got lo=${d.lo}; use a positive lo or scale "linear"`);
    if (!(d.width > 0 && d.width < 1)) throw new ParamError(`${where}: width must be in (0, 1) (the perturbation factor is 1 ± u, u <= width), got ${d.width}`);
    for (const [k, v] of [["lo", d.lo], ["hi", d.hi], ...(d.init === undefined ? [] : [["init", d.init]])] as [string, number][]) {
      try {
        validateParam(spec, v);
      } catch (e) {
        throw new ParamError(`${where}.${k}: ${(e as Error).message}`);
      }
    }
    if (d.init !== undefined && (d.init < d.lo || d.init > d.hi)) throw new ParamError(`${where}: init ${d.init} is outside [${d.lo}, ${d.hi}]`);
  }
  return space.map((d) => ({ ...d }));
}

/** A member's first value of a dimension: `init` if given, else a draw on the dimension's scale. */
export function drawInitial(d: SearchDimension, rng: Rng): number {
  if (d.init !== undefined) return d.init;
  if (d.scale === "log") return 10 ** (Math.log10(d.lo) + rng.uniform() * (Math.log10(d.hi) - Math.log10(d.lo)));
  return d.lo + rng.uniform() * (d.hi - d.lo);
}

/** Tries before an out-of-bounds perturbation is clipped instead of redrawn (as lfads-torch). */
const MAX_REDRAWS = 100;

/**
 * Explore one value: × (1 + s·u), u ~ U[0.002·width, width], sign s = ±1 with probability ½; redrawn while
 * outside the bounds ([lo, hi] when enforced, else [0, ∞)), clipped after 100 tries.
 */
export function perturb(d: SearchDimension, value: number, rng: Rng): number {
  const [lo, hi] = d.enforceBounds ? [d.lo, d.hi] : [0, Infinity];
  let v = value;
  for (let i = 0; i < MAX_REDRAWS; i++) {
    const u = d.width * (0.002 + 0.998 * rng.uniform());
    v = value * (1 + (rng.uniform() < 0.5 ? -u : u));
    if (v >= lo && v <= hi) return v;
  }
  return Math.min(hi, Math.max(lo, v));
}
