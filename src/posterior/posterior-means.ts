/**
 * `PosteriorMeans`: the posterior-mean outputs of one LFADS run for one dataset (the Run Manager's
 * `LFADS.PosteriorMeans`, run-manager.md §8.2), in TypeScript layout.
 *
 * Layout: every per-trial array is trial-major and in the **original trial order** of the dataset
 * (train and valid splits re-assembled through the input info's indices; trials missing from the
 * output files are NaN):
 * - 3-D fields: `Array3D<Float32Array>`, shape `[trials, time, dim]` (e.g. `rates` `[nTrials, T, nNeurons]`);
 * - 2-D fields: `Array2D<Float64Array>`, shape `[trials, dim]`;
 * - per-trial scalars: `Float64Array` of length `nTrials`.
 * MATLAB's arrays are the same data with the axes reversed (`dim × T × N`).
 *
 * Output distribution (`outputDist`, the run's `c_output_dist`; its observation model, model/observation/,
 * says which fields it fills): Poisson outputs give `rates` (spikes/s). Gaussian outputs give `means` and
 * `variances` in the data's own units per LFADS bin (no Hz conversion: they are not counts), and no `rates`:
 * reading `rates` (or `ratesPerBin()`, bits per spike) on them throws an error pointing at `means`.
 * `outputMeansPerBin()` is the distribution mean per bin for either.
 */
import { inspect } from "node:util";
import type { Array3D } from "../core/array3d.js";
import { LfadsError, ParamError, ShapeError } from "../core/errors.js";
import { rebinFactor } from "../data/rebin-split.js";
import { OUTPUT_FIELDS, type ObservationModel, type OutputField } from "../model/observation/observation-model.js";
import { poisson } from "../model/observation/poisson.js";
import { DEFAULT_OUTPUT_DIST, OUTPUT_DISTS, isOutputDist, observationModel, type OutputDist } from "../model/observation/registry.js";
import { conditionMeans } from "./condition-average.js";
import type { ConditionIds } from "./read-input-info.js";
import type { Array2D } from "./read-h5.js";

/** The Run Manager's `posterior_mean_kind` values. */
export type PosteriorMeanKind = "posterior_sample_and_average" | "posterior_push_mean";
export const POSTERIOR_MEAN_KINDS: readonly PosteriorMeanKind[] = ["posterior_sample_and_average", "posterior_push_mean"];

/** Which program wrote the output files: TF LFADS (`model_runs_*`) or lfads-torch (`lfads_output_*.h5`). */
export type PosteriorFormat = "tf" | "lfads-torch";

/** The model's observation distribution (`c_output_dist`). */
export type { OutputDist };

/** Fields of shape `[trials, time, dim]`. */
export type TrialTimeField =
  | "rates"
  | "means"
  | "variances"
  | "factors"
  | "generatorStates"
  | "controllerOutputs"
  | "controllerOutputStds"
  | "controllerStates"
  | "generatorInputs"
  | "truth";
/** Fields of shape `[trials, dim]`. */
export type TrialVectorField = "generatorIcs" | "postG0Mean" | "postG0Logvar";
/** Fields with one number per trial. */
export type TrialScalarField = "costs" | "nllBoundVaes" | "nllBoundIwaes";
export type TrialField = TrialTimeField | TrialVectorField | TrialScalarField;

export const TRIAL_TIME_FIELDS: readonly TrialTimeField[] = [
  "rates", "means", "variances", "factors", "generatorStates", "controllerOutputs", "controllerOutputStds", "controllerStates", "generatorInputs", "truth",
];
export const TRIAL_VECTOR_FIELDS: readonly TrialVectorField[] = ["generatorIcs", "postG0Mean", "postG0Logvar"];
export const TRIAL_SCALAR_FIELDS: readonly TrialScalarField[] = ["costs", "nllBoundVaes", "nllBoundIwaes"];

/** Everything a PosteriorMeans holds (the constructor's argument). Arrays are taken over, not copied. */
export interface PosteriorMeansData {
  /** Dataset name as in the file names, e.g. `dataset001` (stitched concatenations join names with `+`). */
  datasetName: string;
  kind: PosteriorMeanKind;
  format: PosteriorFormat;
  /** Width of one LFADS (output) time bin, ms. */
  spikeBinMs: number;
  /** Width of one original (input) bin, ms (`seq_binSizeMs`); `spikeBinMs / inputBinMs` is the re-bin factor. */
  inputBinMs?: number;
  /** ms, start of every output bin, length T (run-manager.md §4.4). */
  time: Float64Array;
  /** Observation distribution of the model; default `"poisson"`. */
  outputDist?: OutputDist;
  /**
   * `[trials, T, nNeurons]`, **spikes/s** (`output_dist_params × 1000 / spikeBinMs`). Poisson outputs only
   * (required for them; a Gaussian PosteriorMeans has `means` / `variances` instead).
   */
  rates?: Array3D<Float32Array>;
  /**
   * Gaussian outputs only (required for them): `[trials, T, nNeurons]`, posterior-mean Gaussian means in
   * the units of the data per LFADS bin — not converted to Hz (TF `output_dist_params[..., :N]`,
   * lfads-torch `output_params`).
   */
  means?: Array3D<Float32Array>;
  /**
   * Gaussian outputs only: `[trials, T, nNeurons]`, the Gaussian variances in data units² (TF
   * `output_dist_params[..., N:]`, which TF writes as `exp(logvar)`); absent when the file held means only
   * (lfads-torch's `run_posterior_sampling` writes means only).
   */
  variances?: Array3D<Float32Array>;
  /** `[trials, T, nFactors]`. */
  factors: Array3D<Float32Array>;
  /** `[trials, T, genDim]` (TF `gen_states`, lfads-torch `gen_states`). */
  generatorStates?: Array3D<Float32Array>;
  /** `[trials, genDim]`, generator initial state (TF `gen_ics`, lfads-torch `gen_init`). */
  generatorIcs?: Array2D;
  /** `[trials, T, coDim]` (TF `controller_outputs`, lfads-torch `co_means`); absent when co_dim = 0. */
  controllerOutputs?: Array3D<Float32Array>;
  /** `[trials, T, coDim]`, lfads-torch `co_stds` only. */
  controllerOutputStds?: Array3D<Float32Array>;
  /** `[trials, T, conDim]`, lfads-torch `con_states` only. */
  controllerStates?: Array3D<Float32Array>;
  /** `[trials, T, coDim + extDim]`, lfads-torch `gen_inputs` only. */
  generatorInputs?: Array3D<Float32Array>;
  /** `[trials, icDim]` (TF `post_g0_mean`, lfads-torch `ic_mean`). */
  postG0Mean?: Array2D;
  /** `[trials, icDim]` (TF `post_g0_logvar`, lfads-torch `2·log(ic_std)`). */
  postG0Logvar?: Array2D;
  /** Per trial, nats (TF only). */
  costs?: Float64Array;
  nllBoundVaes?: Float64Array;
  nllBoundIwaes?: Float64Array;
  /** 0-based original-trial indices of the training split, in LFADS file order. */
  trainInds: Int32Array;
  /** 0-based original-trial indices of the validation split, in LFADS file order. */
  validInds: Int32Array;
  conditionIds?: ConditionIds;
  /** `[trials, T_orig, nNeurons]`, counts per **original** bin (the input info's `counts`). */
  rawCounts?: Array3D;
  /**
   * `[trials, T_orig + forward bins, nNeurons + held-out neurons]`, the counts the model reconstructed per
   * original bin (the input info's `reconCounts`), when it had held-out neurons or forward bins.
   */
  rawReconCounts?: Array3D;
  /** `[trials, T_orig, nExt]`. */
  externalInputs?: Array3D<Float32Array>;
  /** `[trials, T_orig, channels]`, behaviour per **original** bin (the input info's `behavior`), NaN where unusable. */
  behavior?: Array3D<Float32Array>;
  /** `[trials, T, nNeurons]`, true rates as **expected counts per output bin** (`spikeBinMs`), when known. */
  truth?: Array3D<Float32Array>;
  /** 0-based dataset index of every trial (a single dataset repeats one value). */
  datasetIndexByTrial: Int32Array;
  /** The test trials' posterior means (an input's test_data), when they were sampled. */
  test?: PosteriorTestSplit;
}

/**
 * The posterior means of the test trials (the LFADS input's `test_data`: encoded, never trained or
 * validated on), in test_data's trial order, as the TF-style `model_runs_<ds>_test_<kind>` file holds
 * them: the same fields and units as the PosteriorMeans they belong to (rates in spikes/s,
 * `[testTrials, T, nNeurons]` with the same T and nNeurons).
 */
export type PosteriorTestSplit = Pick<
  PosteriorMeansData,
  "rates" | "means" | "variances" | "factors" | "generatorStates" | "generatorIcs" | "controllerOutputs" | "postG0Mean" | "postG0Logvar" | "costs" | "nllBoundVaes" | "nllBoundIwaes"
>;

/** Result of `conditionAverage`: condition labels (sorted unique) and the averaged array (conditions first). */
export interface ConditionAverage<A> {
  readonly conditions: readonly (number | string)[];
  /** Trials that entered each condition's average. */
  readonly nTrialsByCondition: Int32Array;
  readonly value: A;
}

function trialCount(x: { shape: readonly number[] } | Float64Array): number {
  return x instanceof Float64Array ? x.length : x.shape[0]!;
}

/** Units of the output fields, for listings and messages. */
const FIELD_UNITS: Partial<Record<TrialField, string>> = { rates: "spikes/s", means: "data units per bin", variances: "data units²" };

/** Output fields that belong to another observation model than `m` (a Gaussian PosteriorMeans' `rates`). */
export function foreignOutputField(m: ObservationModel, k: TrialField): boolean {
  return (OUTPUT_FIELDS as readonly string[]).includes(k) && !m.outputFields.includes(k as OutputField);
}

export class PosteriorMeans implements Readonly<PosteriorMeansData> {
  declare readonly datasetName: string;
  declare readonly kind: PosteriorMeanKind;
  declare readonly format: PosteriorFormat;
  declare readonly spikeBinMs: number;
  declare readonly inputBinMs?: number;
  declare readonly time: Float64Array;
  declare readonly outputDist: OutputDist;
  /**
   * `[trials, T, nNeurons]`, inferred firing rates in **spikes/s**. Poisson outputs only: on a Gaussian
   * PosteriorMeans reading it throws, naming `means` / `variances` (its outputs are not rates); there it
   * is a non-enumerable accessor, so `{ ...pm }` copies means / variances and no rates.
   */
  declare readonly rates: Array3D<Float32Array>;
  declare readonly means?: Array3D<Float32Array>;
  declare readonly variances?: Array3D<Float32Array>;
  declare readonly factors: Array3D<Float32Array>;
  declare readonly generatorStates?: Array3D<Float32Array>;
  declare readonly generatorIcs?: Array2D;
  declare readonly controllerOutputs?: Array3D<Float32Array>;
  declare readonly controllerOutputStds?: Array3D<Float32Array>;
  declare readonly controllerStates?: Array3D<Float32Array>;
  declare readonly generatorInputs?: Array3D<Float32Array>;
  declare readonly postG0Mean?: Array2D;
  declare readonly postG0Logvar?: Array2D;
  declare readonly costs?: Float64Array;
  declare readonly nllBoundVaes?: Float64Array;
  declare readonly nllBoundIwaes?: Float64Array;
  declare readonly trainInds: Int32Array;
  declare readonly validInds: Int32Array;
  declare readonly conditionIds?: ConditionIds;
  declare readonly rawCounts?: Array3D;
  declare readonly rawReconCounts?: Array3D;
  declare readonly externalInputs?: Array3D<Float32Array>;
  declare readonly behavior?: Array3D<Float32Array>;
  declare readonly truth?: Array3D<Float32Array>;
  declare readonly datasetIndexByTrial: Int32Array;
  declare readonly test?: PosteriorTestSplit;

  constructor(d: PosteriorMeansData) {
    const dist = d.outputDist ?? DEFAULT_OUTPUT_DIST;
    if (!isOutputDist(dist)) throw new ParamError(`PosteriorMeans: outputDist must be one of ${OUTPUT_DISTS.join(", ")}; got ${JSON.stringify(dist)}`);
    const m = observationModel(dist);
    m.checkPosteriorOutputs(d);
    const what = m.meanField;
    const outputs = d[what]!;
    const n = outputs.shape[0];
    const T = outputs.shape[1];
    if (!(d.spikeBinMs > 0)) throw new ParamError(`PosteriorMeans: spikeBinMs must be a positive number of ms; got ${d.spikeBinMs}`);
    if (d.time.length !== T) throw new ShapeError(`PosteriorMeans: time has ${d.time.length} entries but ${what} have T = ${T} bins`);
    const perTrial: [string, { shape: readonly number[] } | Float64Array | undefined][] = [
      ...[...TRIAL_TIME_FIELDS, ...TRIAL_VECTOR_FIELDS, ...TRIAL_SCALAR_FIELDS].map((k) => [k, d[k]] as [string, { shape: readonly number[] } | Float64Array | undefined]),
      ["rawCounts", d.rawCounts],
      ["rawReconCounts", d.rawReconCounts],
      ["externalInputs", d.externalInputs],
      ["behavior", d.behavior],
    ];
    for (const [k, v] of perTrial) {
      if (v !== undefined && trialCount(v) !== n) throw new ShapeError(`PosteriorMeans: ${k} has ${trialCount(v)} trials but ${what} have ${n}`);
    }
    if (d.conditionIds && d.conditionIds.length !== n) {
      throw new ShapeError(`PosteriorMeans: conditionIds has ${d.conditionIds.length} entries but there are ${n} trials`);
    }
    if (d.datasetIndexByTrial.length !== n) throw new ShapeError(`PosteriorMeans: datasetIndexByTrial has ${d.datasetIndexByTrial.length} entries, not ${n}`);
    const testOut = d.test?.[what];
    if (d.test && (!testOut || testOut.shape[1] !== T || testOut.shape[2] !== outputs.shape[2])) {
      throw new ShapeError(`PosteriorMeans: test.${what} has shape [${testOut?.shape.join(", ") ?? "none"}]; expected [test trials, ${T}, ${outputs.shape[2]}] like ${what}`);
    }
    for (const [k, v] of Object.entries(d)) if (v !== undefined) (this as Record<string, unknown>)[k] = v;
    this.outputDist = dist;
    if (foreignOutputField(m, "rates")) {
      const name = d.datasetName;
      const use = m.outputFields.map((f) => `pm.${f} (${FIELD_UNITS[f] ?? "?"})`).join(" and ");
      Object.defineProperty(this, "rates", {
        enumerable: false,
        get(): never {
          throw new LfadsError(
            `PosteriorMeans(${name}): no rates — the model has ${m.label} outputs (outputDist "${m.name}", c_output_dist = '${m.name}'), ` +
              `and rates in spikes/s exist only for Poisson outputs; use ${use}, or pm.outputMeansPerBin()`,
          );
        },
      });
    }
  }

  /** The observation model of the outputs (`outputDist`). */
  private get observation(): ObservationModel {
    return observationModel(this.outputDist);
  }

  /** The per-bin output array that fixes the trial and time axes: rates (Poisson) or means (Gaussian). */
  private get outputs(): Array3D<Float32Array> {
    return this[this.observation.meanField]!;
  }

  /** Number of trials (train + valid), original order. */
  get nTrials(): number {
    return this.outputs.shape[0];
  }
  /** Number of LFADS time bins. */
  get T(): number {
    return this.outputs.shape[1];
  }
  get nNeurons(): number {
    return this.outputs.shape[2];
  }
  get nFactors(): number {
    return this.factors.shape[2];
  }
  get nGeneratorUnits(): number {
    return this.generatorStates?.shape[2] ?? this.generatorIcs?.shape[1] ?? 0;
  }
  get nControllerOutputs(): number {
    return this.controllerOutputs?.shape[2] ?? 0;
  }
  /** Output bin width, ms (= `spikeBinMs`). */
  get binWidthMs(): number {
    return this.spikeBinMs;
  }
  /** Multiply counts per bin by this to get spikes/s: `1000 / binWidthMs`. */
  get scaleFactorCountsToRates(): number {
    return 1000 / this.spikeBinMs;
  }
  /** Re-bin factor from the original bins to LFADS bins (`spikeBinMs / inputBinMs`, a whole number), 1 when unknown. */
  get rebin(): number {
    return this.inputBinMs === undefined ? 1 : rebinFactor(this.inputBinMs, this.spikeBinMs);
  }
  /** 1 for trials that have outputs (not NaN in `factors`), 0 for trials the output files did not hold. */
  get trialHasOutput(): Uint8Array {
    const [n, t, f] = this.factors.shape;
    const out = new Uint8Array(n);
    const stride = t * f;
    for (let i = 0; i < n; i++) out[i] = stride === 0 || !Number.isNaN(this.factors.data[i * stride]!) ? 1 : 0;
    return out;
  }
  /** 1 for validation trials, 0 for training trials, original order. */
  get validMask(): Uint8Array {
    const m = new Uint8Array(this.nTrials);
    for (const i of this.validInds) m[i] = 1;
    return m;
  }
  /** Distinct dataset indices present (one for a single dataset). */
  get datasetIndices(): number[] {
    return [...new Set(this.datasetIndexByTrial)].sort((a, b) => a - b);
  }

  /**
   * `rates` converted back to expected counts per output bin (`rates × spikeBinMs / 1000`), `[trials, T,
   * nNeurons]`. Poisson outputs only (throws for Gaussian ones, like `rates`).
   */
  ratesPerBin(): Array3D<Float32Array> {
    return poisson.meansPerBin({ rates: this.rates }, this.spikeBinMs);
  }

  /**
   * The mean of the output distribution per LFADS bin, `[trials, T, nNeurons]`: expected counts per bin
   * for Poisson outputs (`ratesPerBin()`), the Gaussian means (data units, the `means` array itself) for
   * Gaussian ones. What R² against the truth compares.
   */
  outputMeansPerBin(): Array3D<Float32Array> {
    return this.observation.meansPerBin(this, this.spikeBinMs);
  }

  /**
   * `rawCounts` summed into LFADS bins (`rebin` consecutive original bins; a trailing remainder dropped,
   * as the prepare step does), `[trials, T_orig / rebin, nNeurons]`. Throws when there are no raw counts.
   */
  countsPerBin(): Array3D<Float32Array> {
    if (!this.rawCounts) {
      throw new LfadsError(`PosteriorMeans(${this.datasetName}): no raw counts — the input info file had no 'counts' dataset; re-run the prepare step to write it`);
    }
    return rebinSum(this.rawCounts, this.rebin);
  }

  /**
   * `rawReconCounts` summed into LFADS bins, `[trials, T_rec, N_rec]`: the counts the rates reconstruct
   * (held-in then held-out neurons, observed then forward bins). Throws when the run had none.
   */
  reconCountsPerBin(): Array3D<Float32Array> {
    if (!this.rawReconCounts) {
      throw new LfadsError(`PosteriorMeans(${this.datasetName}): no reconstructed counts — the run's dataset gave no reconCounts (held-out neurons, forward bins), or it was prepared before they were written; re-run the prepare step`);
    }
    return rebinSum(this.rawReconCounts, this.rebin);
  }

  /**
   * `behavior` averaged (not summed: it is a quantity, not a count) over each LFADS bin's `rebin` original
   * bins, `[trials, T_orig / rebin, channels]`, a trailing remainder dropped as for the counts; a bin with a
   * NaN original bin is NaN (unusable). Throws when the run's dataset gave no behaviour.
   */
  behaviorPerBin(): Array3D<Float32Array> {
    if (!this.behavior) {
      throw new LfadsError(`PosteriorMeans(${this.datasetName}): no behaviour — the run's dataset gave no 'behavior' (e.g. an NwbDataset of a file with hand_vel), or it was prepared before behaviour was written; re-run the prepare step`);
    }
    const r = this.rebin;
    const out = rebinSum(this.behavior, r);
    if (r > 1) for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i]! / r;
    return out;
  }

  /**
   * Average `field` over the trials of each condition (`conditionIds` defaults to the input info's), NaN
   * entries (trials without outputs) skipped. Conditions come in sorted order (numbers ascending, or
   * strings by code unit), like MATLAB's `unique`; the trial axis becomes the condition axis.
   */
  conditionAverage(field: TrialTimeField, conditionIds?: ConditionIds): ConditionAverage<Array3D<Float64Array>>;
  conditionAverage(field: TrialVectorField, conditionIds?: ConditionIds): ConditionAverage<Array2D>;
  conditionAverage(field: TrialScalarField, conditionIds?: ConditionIds): ConditionAverage<Float64Array>;
  conditionAverage(field: TrialField, conditionIds?: ConditionIds): ConditionAverage<Array3D<Float64Array> | Array2D | Float64Array> {
    const ids = conditionIds ?? this.conditionIds;
    if (!ids) {
      throw new LfadsError(`conditionAverage: PosteriorMeans(${this.datasetName}) has no conditionIds (the input info had no 'conditionId'); pass them as the second argument`);
    }
    if (ids.length !== this.nTrials) throw new ShapeError(`conditionAverage: ${ids.length} condition ids given for ${this.nTrials} trials`);
    const v = this.field(field);
    const { conditions, nTrialsByCondition, means } = conditionMeans(v instanceof Float64Array ? v : v.data, ids as readonly (number | string)[]);
    const nc = conditions.length;
    let value: Array3D<Float64Array> | Array2D | Float64Array;
    if (v instanceof Float64Array) value = means;
    else if (v.shape.length === 3) value = { data: means, shape: [nc, v.shape[1]!, v.shape[2]!] };
    else value = { data: means, shape: [nc, v.shape[1]!] };
    return { conditions, nTrialsByCondition, value };
  }

  /** A per-trial field by name; throws naming the field when this PosteriorMeans lacks it. */
  field(name: TrialField): Array3D<Float32Array> | Array2D | Float64Array {
    const v = (this as Partial<Record<TrialField, Array3D<Float32Array> | Array2D | Float64Array>>)[name];
    if (v === undefined) {
      const known = [...TRIAL_TIME_FIELDS, ...TRIAL_VECTOR_FIELDS, ...TRIAL_SCALAR_FIELDS] as string[];
      if (!known.includes(name)) throw new ParamError(`PosteriorMeans has no field '${name}'; per-trial fields: ${known.join(", ")}`);
      throw new LfadsError(`PosteriorMeans(${this.datasetName}) has no '${name}': the ${this.format === "tf" ? "TF LFADS" : "lfads-torch"} output did not contain it${name === "controllerOutputs" ? " (co_dim = 0?)" : ""}`);
    }
    return v;
  }

  /** Names of the per-trial fields present (`rates` for Poisson outputs, `means` and maybe `variances` for Gaussian ones). */
  fieldsPresent(): TrialField[] {
    const m = this.observation;
    return ([...TRIAL_TIME_FIELDS, ...TRIAL_VECTOR_FIELDS, ...TRIAL_SCALAR_FIELDS] as TrialField[]).filter((k) => !foreignOutputField(m, k) && this[k] !== undefined);
  }

  /** A MATLAB-like property listing (shapes in `[trials, time, dim]` order). */
  [inspect.custom](): string {
    const rows: [string, string][] = [
      ["datasetName", this.datasetName],
      ["kind", `${this.kind} (${this.format})`],
      ["outputDist", this.outputDist],
      ["time", `[${this.T}] ms, ${this.time[0] ?? ""}…${this.time[this.T - 1] ?? ""}, bin ${this.spikeBinMs} ms`],
    ];
    for (const k of this.fieldsPresent()) {
      const v = this[k]!;
      const unit = FIELD_UNITS[k] ? ` ${FIELD_UNITS[k]}` : "";
      rows.push([k, v instanceof Float64Array ? `[${v.length}]` : `[${v.shape.join(" × ")}]${unit}`]);
    }
    if (this.behavior) rows.push(["behavior", `[${this.behavior.shape.join(" × ")}] per ${this.inputBinMs ?? "?"}-ms bin`]);
    if (this.rawCounts) rows.push(["rawCounts", `[${this.rawCounts.shape.join(" × ")}] counts per ${this.inputBinMs ?? "?"}-ms bin`]);
    rows.push(["trainInds / validInds", `${this.trainInds.length} / ${this.validInds.length}`]);
    if (this.conditionIds) rows.push(["conditions", String(new Set<number | string>(this.conditionIds).size)]);
    rows.push(["nTrials", String(this.nTrials)], ["T", String(this.T)], ["nNeurons", String(this.nNeurons)], ["nFactors", String(this.nFactors)]);
    rows.push(["nGeneratorUnits", String(this.nGeneratorUnits)], ["nControllerOutputs", String(this.nControllerOutputs)]);
    const w = Math.max(...rows.map((r) => r[0].length));
    return `PosteriorMeans\n${rows.map(([k, v]) => `  ${k.padStart(w)}: ${v}`).join("\n")}`;
  }
}

/** Sum `rebin` consecutive bins of the time axis of `[trials, time, dim]`, dropping a trailing remainder. */
export function rebinSum(x: Array3D, rebin: number): Array3D<Float32Array> {
  if (!Number.isInteger(rebin) || rebin < 1) throw new ParamError(`rebinSum: rebin must be a positive integer; got ${rebin}`);
  const [n, t, d] = x.shape;
  const tOut = Math.floor(t / rebin);
  const out = new Float32Array(n * tOut * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < tOut; j++) {
      const o = (i * tOut + j) * d;
      for (let r = 0; r < rebin; r++) {
        const s = (i * t + j * rebin + r) * d;
        for (let k = 0; k < d; k++) out[o + k]! += x.data[s + k]!;
      }
    }
  }
  return { data: out, shape: [n, tOut, d] };
}
