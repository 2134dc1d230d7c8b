/**
 * RunParams: one immutable set of hyperparameters. Construct it from the values that differ from the
 * defaults; derive variants with `with()`. Hashes and folder names follow the MATLAB Run Manager exactly.
 */
import { inspect, type InspectOptions } from "node:util";
import { ParamError, didYouMean } from "../core/errors.js";
import { formatF, formatG } from "../core/format.js";
import { Rendered } from "../core/renderers.js";
import { matlabHash6, toMatlabValue, type MatlabValue } from "./hash.js";
import {
  PARAM_SPECS,
  PARAM_TABLE,
  VERSION_20171107,
  type ParamName,
  type ParamSpec,
  type ParamValue,
  type RunParamsValues,
} from "./table.js";

/** Allowed values beyond the MATLAB class check: enumerations and numeric ranges. */
const CHOICES: Partial<Record<ParamName, readonly string[]>> = {
  c_output_dist: ["poisson", "gaussian"],
  c_feedback_factors_or_rates: ["factors", "rates"],
  posterior_mean_kind: ["posterior_sample_and_average", "posterior_push_mean"],
  alignmentApproach: ["regressGlobalPCs", "ridgeRegressGlobalPCs"],
};
/** [min, max, minExclusive] for doubles that have a physical range. */
const RANGES: Partial<Record<ParamName, readonly [number, number, boolean]>> = {
  spikeBinMs: [0, Infinity, true],
  c_learning_rate_init: [0, Infinity, true],
  c_learning_rate_decay_factor: [0, 1, true],
  c_learning_rate_stop: [0, Infinity, false],
  c_max_grad_norm: [0, Infinity, true],
  c_cell_clip_value: [0, Infinity, true],
  c_keep_prob: [0, 1, true],
  c_keep_ratio: [0, 1, true],
  c_cd_grad_passthru_prob: [0, 1, false],
  c_cv_keep_ratio: [0, 1, true],
  c_l2_gen_scale: [0, Infinity, false],
  c_l2_con_scale: [0, Infinity, false],
  c_co_mean_corr_scale: [0, Infinity, false],
  c_kl_ic_weight: [0, Infinity, false],
  c_kl_co_weight: [0, Infinity, false],
  c_prior_ar_atau: [0, Infinity, true],
  c_prior_ar_nvar: [0, Infinity, true],
  c_co_prior_var_scale: [0, Infinity, false],
  c_ic_prior_var_min: [0, Infinity, false],
  c_ic_prior_var_scale: [0, Infinity, true],
  c_ic_prior_var_max: [0, Infinity, false],
  c_ic_post_var_min: [0, Infinity, false],
  c_cell_weight_scale: [0, Infinity, true],
  c_gen_cell_input_weight_scale: [0, Infinity, true],
  c_gen_cell_rec_weight_scale: [0, Infinity, true],
  num_samples_posterior: [1, Infinity, false],
};
const INT_MAX: Record<string, number> = { uint16: 65535, uint32: 4294967295 };

function fail(name: string, value: unknown, allowed: string): never {
  throw new ParamError(`RunParams.${name}: invalid value ${JSON.stringify(value)}; ${allowed}`);
}

/** Check `value` against the property's MATLAB class and range; returns the canonical value. */
export function validateParam(spec: ParamSpec, value: unknown): ParamValue {
  const { name } = spec;
  switch (spec.cls) {
    case "logical":
      if (typeof value === "boolean") return value;
      if (value === 0 || value === 1) return value === 1;
      return fail(name, value, "expected true or false (logical)");
    case "char": {
      if (typeof value !== "string") return fail(name, value, "expected a string (char)");
      const choices = CHOICES[name as ParamName];
      if (choices && !choices.includes(value)) return fail(name, value, `allowed: ${choices.map((c) => `'${c}'`).join(", ")}`);
      return value;
    }
    case "cell":
      // MATLAB {'ridgeNormalizeEach', true}: a logical inside a cell stays logical (and hashes as one).
      if (!Array.isArray(value) || !value.every((x) => typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x)))) {
        return fail(name, value, "expected an array of strings, numbers and true/false (a MATLAB cell), e.g. ['ridgeNormalizeEach', true]");
      }
      return Object.freeze([...(value as (string | number | boolean)[])]);
    case "uint16":
    case "uint32": {
      const max = INT_MAX[spec.cls]!;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
        return fail(name, value, `expected an integer in [0, ${max}] (${spec.cls})`);
      }
      return value;
    }
    case "double": {
      if (Array.isArray(spec.default)) {
        if (!Array.isArray(value) || !value.every((x) => typeof x === "number")) {
          if (typeof value === "number") return Object.freeze([value]);
          return fail(name, value, "expected a number or an array of numbers (double)");
        }
        return Object.freeze([...(value as number[])]);
      }
      if (typeof value !== "number" || Number.isNaN(value)) return fail(name, value, "expected a number (double)");
      const range = RANGES[name as ParamName];
      if (range) {
        const [lo, hi, exclusive] = range;
        if ((exclusive ? value <= lo : value < lo) || value > hi) {
          return fail(name, value, `expected a number in ${exclusive ? "(" : "["}${lo}, ${hi === Infinity ? "Inf)" : `${hi}]`}`);
        }
      }
      return value;
    }
  }
}

function sameValue(a: ParamValue, b: ParamValue): boolean {
  // MATLAB isequal: class-insensitive numeric comparison, element-wise for arrays.
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = a as readonly unknown[];
    const y = b as readonly unknown[];
    return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => v === y[i]);
  }
  return a === b;
}

/** Names that never enter the param hash (MATLAB getListPropertiesNotAffectingHash + name/version). */
function inParamHash(spec: ParamSpec): boolean {
  return spec.paramHash;
}

function inDataHash(spec: ParamSpec, version: number): boolean {
  if (spec.dataHash === "factors") return version >= VERSION_20171107;
  return spec.dataHash;
}

export type RunParamsInit = Partial<RunParamsValues>;

/** Serialise a value as the Run Manager's displays do (`%g` doubles, `%i` integers, true/false). */
export function displayValue(spec: ParamSpec, v: ParamValue): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    if (spec.cls === "cell") return `{${(v as (string | number | boolean)[]).map((x) => (typeof x === "string" ? x : typeof x === "boolean" ? String(x) : formatG(x))).join(", ")}}`;
    if (v.length === 0) return "[]";
    return v.length < 6 ? `[${(v as number[]).map((x) => formatG(x)).join(" ")}]` : "[...]";
  }
  return spec.cls === "double" ? formatG(v as number) : String(v);
}

/** Command-line form of a value for the LFADS trainer (`%f` doubles, `%i` integers, true/false). */
export function cliValue(spec: ParamSpec, v: ParamValue): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return (v as number[]).map((x) => String(x)).join(",");
  return spec.cls === "double" ? formatF(v as number) : String(v);
}

/**
 * An immutable set of LFADS hyperparameters and Run Manager settings.
 *
 * ```ts
 * const par = new RunParams({ c_co_dim: 0, c_batch_size: 150, c_factors_dim: 8 });
 * par.paramHashString // "param_YOs74u" (with the seed's other values)
 * const wider = par.with({ c_gen_dim: 128 });
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RunParams extends Rendered {
  /** All values, defaults filled in. */
  readonly values: Readonly<RunParamsValues>;

  constructor(init: RunParamsInit = {}) {
    super();
    const values: Record<string, ParamValue> = {};
    for (const spec of PARAM_TABLE) values[spec.name] = spec.default as ParamValue;
    if (init === null || typeof init !== "object" || Array.isArray(init)) {
      throw new ParamError(`RunParams: expected an object of property values, got ${JSON.stringify(init)}`);
    }
    for (const [name, value] of Object.entries(init)) {
      const spec = PARAM_SPECS.get(name);
      if (!spec) throw new ParamError(`RunParams: unknown property '${name}'.${didYouMean(name, PARAM_SPECS.keys())}`);
      if (value === undefined) continue;
      values[name] = validateParam(spec, value);
    }
    this.values = Object.freeze(values) as unknown as RunParamsValues;
  }

  /** A copy with some values changed (the MATLAB value-class idiom `p2 = p; p2.x = …`). */
  with(changes: RunParamsInit): RunParams {
    return new RunParams({ ...this.nonDefaultValues(true), ...changes });
  }

  get<K extends ParamName>(name: K): RunParamsValues[K] {
    if (!PARAM_SPECS.has(name)) throw new ParamError(`RunParams: unknown property '${String(name)}'.${didYouMean(String(name), PARAM_SPECS.keys())}`);
    return this.values[name];
  }

  /** True if the property equals its class-definition default (MATLAB isequal). */
  isDefault(name: ParamName): boolean {
    const spec = PARAM_SPECS.get(name)!;
    return sameValue(this.values[name] as ParamValue, spec.default as ParamValue);
  }

  /** Properties that differ from their defaults, in declaration order (name/version included only if asked). */
  nonDefaultValues(includeNameVersion = false): RunParamsInit {
    const out: Record<string, ParamValue> = {};
    for (const spec of PARAM_TABLE) {
      if (!includeNameVersion && (spec.name === "name" || spec.name === "version")) continue;
      if (!this.isDefault(spec.name)) out[spec.name] = this.values[spec.name] as ParamValue;
    }
    return out as RunParamsInit;
  }

  private hashStruct(include: (spec: ParamSpec) => boolean): MatlabValue {
    const fields = new Map<string, MatlabValue>();
    for (const spec of PARAM_TABLE) {
      if (!include(spec) || this.isDefault(spec.name)) continue;
      fields.set(spec.name, toMatlabValue(spec.cls, this.values[spec.name]));
    }
    return { cls: "struct", fields };
  }

  /** The struct MATLAB hashes for the param hash (non-default properties that affect training). */
  paramHashStruct(): MatlabValue {
    return this.hashStruct(inParamHash);
  }

  /** The struct MATLAB hashes for the data hash (non-default properties that change the input files). */
  dataHashStruct(): MatlabValue {
    const v = this.values.version;
    return this.hashStruct((s) => inParamHash(s) && inDataHash(s, v));
  }

  /** 6-character param hash, e.g. "YOs74u". */
  get paramHash(): string {
    return matlabHash6(this.paramHashStruct());
  }
  /** Folder name of runs with these params, e.g. "param_YOs74u". */
  get paramHashString(): string {
    return `param_${this.paramHash}`;
  }
  /** 6-character data hash, e.g. "4MaTKO". */
  get dataHash(): string {
    return matlabHash6(this.dataHashStruct());
  }
  /** Folder name of the shared LFADS inputs, e.g. "data_4MaTKO". */
  get dataHashString(): string {
    return `data_${this.dataHash}`;
  }

  /** `k=v k=v …` of every property that differs from its default (MATLAB generateShortDifferencesString). */
  shortDifferences(): string {
    const parts = Object.entries(this.nonDefaultValues()).map(([k, v]) => `${k}=${displayValue(PARAM_SPECS.get(k)!, v as ParamValue)}`);
    return parts.length ? parts.join(" ") : "default";
  }

  /** Equality by param hash, as the Run Manager compares params. */
  equals(other: RunParams): boolean {
    return this.paramHash === other.paramHash;
  }

  /** Properties scaled by the number of datasets in a run (MATLAB getListPropertiesScaleWithNumDatasets). */
  scaledWithDatasets(): ParamName[] {
    const out: ParamName[] = [];
    if (this.values.scaleIncreaseStepsWithDatasets) out.push("c_kl_increase_steps", "c_l2_increase_steps");
    if (this.values.scaleStartStepWithDatasets) out.push("c_kl_start_step", "c_l2_start_step");
    return out;
  }

  /**
   * The `--flag=value` options of the LFADS trainer for a run over `nDatasets` datasets: every visible
   * `c_*` property in declaration order (hidden ones and the lfadslite / AutoLFADS additions only when
   * changed), with the KL/L2 step counts scaled.
   */
  commandLineOptions(nDatasets = 1, omit: readonly ParamName[] = []): string[] {
    const scaled = new Set<string>(this.scaledWithDatasets());
    const out: string[] = [];
    for (const spec of PARAM_TABLE) {
      if (!spec.cli || omit.includes(spec.name)) continue;
      if ((spec.hidden || (spec as ParamSpec).cliWhenChanged === true) && this.isDefault(spec.name)) continue;
      let v = this.values[spec.name] as ParamValue;
      if (typeof v === "string" && v === "") continue;
      if (Array.isArray(v) && v.length === 0) continue;
      if (scaled.has(spec.name)) v = (v as number) * nDatasets;
      out.push(`--${spec.name.slice(2)}=${cliValue(spec, v)}`);
    }
    return out;
  }

  toJSON(): RunParamsInit {
    return this.nonDefaultValues(true);
  }

  /** Before display is loaded: the plain object view (its values), as util.inspect prints it. */
  protected override inspectFallback(options: InspectOptions | undefined): string {
    return inspect(this, { ...options, customInspect: false });
  }
}

// Typed read access `par.c_factors_dim` for every property, generated from the table.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface RunParams extends Readonly<RunParamsValues> {}
for (const spec of PARAM_TABLE) {
  if (spec.name in RunParams.prototype) continue;
  Object.defineProperty(RunParams.prototype, spec.name, {
    get(this: RunParams) {
      return this.values[spec.name];
    },
    set() {
      throw new ParamError(`RunParams.${spec.name} is read-only: RunParams is an immutable value; use par.with({ ${spec.name}: … }) to get a modified copy`);
    },
    enumerable: false,
    configurable: false,
  });
}
