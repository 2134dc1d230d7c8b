/**
 * `ModelTrainedParams`: the trained weights TF LFADS writes with `--kind=write_model_params` to
 * `lfadsOutput/model_params` (lfads-model.md §4.5; run-manager.md §8.4). Dataset names in that file are TF
 * variable names with `/` → `_` plus `:0`, e.g. `LFADS_glm_fac_2_logrates_dataset001.h5_W:0`. Every matrix
 * keeps the TensorFlow orientation (`W` is `[in, out]`, biases `[1, out]`), row-major. TF-free.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Array3D } from "../core/array3d.js";
import { LayoutError, ParamError, ShapeError } from "../core/errors.js";
import { readH5, type H5Group } from "../io/h5.js";
import { MODEL_PARAMS_FILE } from "../runs/layout.js";
import { datasetOrUndefined, type Array2D } from "./read-h5.js";

/** A weight matrix in TF orientation, `[rows, cols]` row-major (1-D variables are read as `[1, n]`). */
export type Matrix = Array2D<Float32Array | Float64Array>;

/** The five variables of an encoder GRU (`ic_enc_fwd`, `ic_enc_rev`, `ci_enc_fwd`, `ci_enc_rev`). */
export interface EncoderGruParams {
  /** Learned initial state `[1, H]`. */
  readonly t0?: Matrix;
  /** `[in + H, 2H]`, reset ‖ update gates. */
  readonly xhToRuW?: Matrix;
  readonly xhToRuB?: Matrix;
  /** `[in + H, H]`, candidate. */
  readonly xrhToCW?: Matrix;
  readonly xrhToCB?: Matrix;
}

/** The variables of a generator/controller GenGRU (`gen`, `con`). */
export interface GenGruParams {
  /** `[in, 2H]`, no bias. */
  readonly xToRuW?: Matrix;
  /** `[H, 2H]`. */
  readonly hToRuW?: Matrix;
  readonly hToRuB?: Matrix;
  /** `[in, H]`, no bias. */
  readonly xToCW?: Matrix;
  /** `[H, H]`. */
  readonly rhToCW?: Matrix;
  readonly rhToCB?: Matrix;
}

/** Where `model_params` comes from, for "missing file" messages. */
const MODEL_PARAMS_WRITER = "`run_lfads.py --kind=write_model_params --checkpoint_pb_load_name=checkpoint_lve` (the run's lfads_write_model_params.sh) or lfads-ts's write-model-params step";

/** Optimiser state and counters (keys without `:0`), not model variables. */
const NOT_MODEL = /(_Adam(_\d+)?$)|(beta[12]_power$)|((^|_)learning_rate$)|((^|_)global_step$)/;

export class ModelTrainedParams {
  /** The file read. */
  readonly file: string;
  readonly datasetNames: readonly string[];
  /** Read-in `[N_d, F]` per dataset; undefined when the read-in is the identity (single dataset, no alignment). */
  declare readonly xToInfacW?: readonly Matrix[];
  declare readonly xToInfacB?: readonly Matrix[];
  /** Read-out `[F, N_d]` per dataset (Poisson `glm/fac_2_logrates`). */
  declare readonly factorsToLogratesW?: readonly Matrix[];
  declare readonly factorsToLogratesB?: readonly Matrix[];
  readonly icEncoderFwd: EncoderGruParams;
  readonly icEncoderRev: EncoderGruParams;
  /** Learned g0 prior `[1, I]`. */
  declare readonly priorG0Mean?: Matrix;
  declare readonly priorG0Logvar?: Matrix;
  /** `[2·H_ic, I]` and `[1, I]`. */
  declare readonly icEncToPostG0MeanW?: Matrix;
  declare readonly icEncToPostG0MeanB?: Matrix;
  declare readonly icEncToPostG0LogvarW?: Matrix;
  declare readonly icEncToPostG0LogvarB?: Matrix;
  /** `[I, G]`; absent when I == G (identity). */
  declare readonly g0ToGenIcW?: Matrix;
  declare readonly g0ToGenIcB?: Matrix;
  readonly ciEncoderFwd: EncoderGruParams;
  readonly ciEncoderRev: EncoderGruParams;
  /** AR(1) prior of the controller outputs, `[1, U]` each (log noise variance, log τ in bins). */
  declare readonly priorAr1Logevars?: Matrix;
  declare readonly priorAr1Logatau?: Matrix;
  readonly controller: GenGruParams;
  /** Learned controller initial state `[1, C]` (TF `con/c0`). */
  declare readonly controllerC0?: Matrix;
  declare readonly conToPostCoMeanW?: Matrix;
  declare readonly conToPostCoMeanB?: Matrix;
  declare readonly conToPostCoLogvarW?: Matrix;
  declare readonly conToPostCoLogvarB?: Matrix;
  readonly generator: GenGruParams;
  /** `[G, F]`, raw; LFADS normalises its columns at use (see `genToFactorsWNormalized`). */
  declare readonly genToFactorsW?: Matrix;
  /** Every model variable in the file (Adam slots, learning rate and global step included), without `:0`. */
  readonly keys: readonly string[];
  /** Model variables (not optimiser state) that none of the fields above took. */
  readonly unreadKeys: readonly string[];
  private readonly values: ReadonlyMap<string, Matrix>;

  constructor(file: string, datasetNames: readonly string[], values: ReadonlyMap<string, Matrix>) {
    this.file = file;
    this.datasetNames = [...datasetNames];
    this.values = values;
    this.keys = [...values.keys()];
    const used = new Set<string>();
    const get = (k: string): Matrix | undefined => {
      const v = values.get(k);
      if (v) used.add(k);
      return v;
    };
    const perDataset = (fmt: (ds: string) => string): Matrix[] | undefined => {
      const got = datasetNames.map((ds) => get(fmt(`${ds}.h5`)) ?? get(fmt(ds)));
      return got.every((m) => m !== undefined) ? (got as Matrix[]) : undefined;
    };
    const enc = (e: "ic" | "ci", d: "fwd" | "rev"): EncoderGruParams =>
      strip({
        t0: get(`LFADS_${e}_enc_${d}_${e}_enc_t0_${d}`),
        xhToRuW: get(`LFADS_${e}_enc_${d}_GRU_Gates_xh_2_ru_W`),
        xhToRuB: get(`LFADS_${e}_enc_${d}_GRU_Gates_xh_2_ru_b`),
        xrhToCW: get(`LFADS_${e}_enc_${d}_GRU_Candidate_xrh_2_c_W`),
        xrhToCB: get(`LFADS_${e}_enc_${d}_GRU_Candidate_xrh_2_c_b`),
      });
    const gengru = (s: "gen" | "con"): GenGruParams =>
      strip({
        xToRuW: get(`LFADS_${s}_GenGRU_Gates_x_2_ru_W`),
        hToRuW: get(`LFADS_${s}_GenGRU_Gates_h_2_ru_W`),
        hToRuB: get(`LFADS_${s}_GenGRU_Gates_h_2_ru_b`),
        xToCW: get(`LFADS_${s}_GenGRU_Candidate_x_2_c_W`),
        rhToCW: get(`LFADS_${s}_GenGRU_Candidate_rh_2_c_W`),
        rhToCB: get(`LFADS_${s}_GenGRU_Candidate_rh_2_c_b`),
      });
    const fields: Record<string, unknown> = {
      xToInfacW: perDataset((ds) => `LFADS_x_2_infac_${ds}_W`),
      xToInfacB: perDataset((ds) => `LFADS_x_2_infac_${ds}_b`),
      factorsToLogratesW: perDataset((ds) => `LFADS_glm_fac_2_logrates_${ds}_W`),
      factorsToLogratesB: perDataset((ds) => `LFADS_glm_fac_2_logrates_${ds}_b`),
      priorG0Mean: get("LFADS_z_prior_g0_mean"),
      priorG0Logvar: get("LFADS_z_prior_g0_logvar"),
      icEncToPostG0MeanW: get("LFADS_z_ic_enc_2_post_g0_mean_W"),
      icEncToPostG0MeanB: get("LFADS_z_ic_enc_2_post_g0_mean_b"),
      icEncToPostG0LogvarW: get("LFADS_z_ic_enc_2_post_g0_logvar_W"),
      icEncToPostG0LogvarB: get("LFADS_z_ic_enc_2_post_g0_logvar_b"),
      g0ToGenIcW: get("LFADS_gen_g0_2_gen_ic_W"),
      g0ToGenIcB: get("LFADS_gen_g0_2_gen_ic_b"),
      priorAr1Logevars: get("LFADS_z_u_prior_ar1_logevars"),
      priorAr1Logatau: get("LFADS_z_u_prior_ar1_logatau"),
      controllerC0: get("LFADS_con_c0"),
      conToPostCoMeanW: get("LFADS_con_con_to_post_co_mean_W"),
      conToPostCoMeanB: get("LFADS_con_con_to_post_co_mean_b"),
      conToPostCoLogvarW: get("LFADS_con_con_to_post_co_logvar_W"),
      conToPostCoLogvarB: get("LFADS_con_con_to_post_co_logvar_b"),
      genToFactorsW: get("LFADS_gen_gen_2_fac_W"),
    };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (this as Record<string, unknown>)[k] = v;
    this.icEncoderFwd = enc("ic", "fwd");
    this.icEncoderRev = enc("ic", "rev");
    this.ciEncoderFwd = enc("ci", "fwd");
    this.ciEncoderRev = enc("ci", "rev");
    this.controller = gengru("con");
    this.generator = gengru("gen");
    this.unreadKeys = this.keys.filter((k) => !used.has(k) && !NOT_MODEL.test(k));
  }

  /** Any variable by its file name (with or without `:0`). */
  raw(key: string): Matrix | undefined {
    return this.values.get(key.replace(/:0$/, ""));
  }

  get numDatasets(): number {
    return this.datasetNames.length;
  }

  private readout(): { W: readonly Matrix[]; b: readonly Matrix[] } {
    if (!this.factorsToLogratesW || !this.factorsToLogratesB) {
      throw new LayoutError(
        `${this.file} has no read-out (LFADS_glm_fac_2_logrates_<ds>.h5_W:0 / _b:0) for every dataset of [${this.datasetNames.join(", ")}]; check the dataset names (keys present: ${this.keys.filter((k) => k.includes("logrates")).join(", ") || "none"})`,
      );
    }
    return { W: this.factorsToLogratesW, b: this.factorsToLogratesB };
  }

  /** Neurons per dataset (columns of each read-out W). */
  get numChannelsByDataset(): number[] {
    return this.readout().W.map((w) => w.shape[1]);
  }
  get numChannelsAllDatasets(): number {
    return this.numChannelsByDataset.reduce((a, b) => a + b, 0);
  }
  /** 0-based dataset index of every column of the concatenated read-out. */
  get datasetIdxConcatenated(): Int32Array {
    const out = new Int32Array(this.numChannelsAllDatasets);
    let o = 0;
    this.numChannelsByDataset.forEach((n, d) => out.fill(d, o, (o += n)));
    return out;
  }

  /** All read-outs side by side: `[F, ΣN_d]` (to impute every dataset's neurons from shared factors). */
  get factorsToLogratesWConcatenated(): Matrix {
    const { W } = this.readout();
    const f = W[0]!.shape[0];
    for (const [d, w] of W.entries()) {
      if (w.shape[0] !== f) throw new ShapeError(`read-out of ${this.datasetNames[d]} has ${w.shape[0]} factor rows but ${this.datasetNames[0]} has ${f}`);
    }
    const n = this.numChannelsAllDatasets;
    const out = new Float64Array(f * n);
    let c0 = 0;
    for (const w of W) {
      const nc = w.shape[1];
      for (let r = 0; r < f; r++) for (let c = 0; c < nc; c++) out[r * n + c0 + c] = w.data[r * nc + c]!;
      c0 += nc;
    }
    return { data: out, shape: [f, n] };
  }
  /** All read-out biases side by side: `[1, ΣN_d]`. */
  get factorsToLogratesBConcatenated(): Matrix {
    const { b } = this.readout();
    const out = new Float64Array(this.numChannelsAllDatasets);
    let o = 0;
    for (const m of b) {
      out.set(m.data, o);
      o += m.data.length;
    }
    return { data: out, shape: [1, out.length] };
  }

  /** `genToFactorsW` with every column scaled to unit L2 norm, the matrix LFADS actually applies. */
  genToFactorsWNormalized(): Matrix {
    const w = this.genToFactorsW;
    if (!w) throw new LayoutError(`${this.file} has no LFADS_gen_gen_2_fac_W:0`);
    const [r, c] = w.shape;
    const out = new Float64Array(r * c);
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let i = 0; i < r; i++) s += w.data[i * c + j]! ** 2;
      const inv = 1 / Math.sqrt(Math.max(s, 1e-12));
      for (let i = 0; i < r; i++) out[i * c + j] = w.data[i * c + j]! * inv;
    }
    return { data: out, shape: [r, c] };
  }

  /**
   * Log-rates (per bin) from factors through a read-out: `factors · W + b`. `dataset` is a 0-based dataset
   * index, or `"all"` for the concatenated read-out (every dataset's neurons). `factors` `[trials, T, F]`
   * → `[trials, T, N]`.
   */
  logratesFromFactors(factors: Array3D, dataset: number | "all"): Array3D<Float32Array> {
    let W: Matrix;
    let b: Matrix;
    if (dataset === "all") {
      W = this.factorsToLogratesWConcatenated;
      b = this.factorsToLogratesBConcatenated;
    } else {
      const ro = this.readout();
      if (!Number.isInteger(dataset) || dataset < 0 || dataset >= ro.W.length) {
        throw new ParamError(`logratesFromFactors: dataset must be a 0-based index below ${ro.W.length} or "all"; got ${dataset}`);
      }
      W = ro.W[dataset]!;
      b = ro.b[dataset]!;
    }
    const [n, t, f] = factors.shape;
    const [fw, nOut] = W.shape;
    if (f !== fw) throw new ShapeError(`logratesFromFactors: factors have ${f} dims but the read-out W is [${fw}, ${nOut}]`);
    const out = new Float32Array(n * t * nOut);
    for (let row = 0; row < n * t; row++) {
      const o = row * nOut;
      for (let j = 0; j < nOut; j++) out[o + j] = b.data[j]!;
      for (let k = 0; k < f; k++) {
        const x = factors.data[row * f + k]!;
        for (let j = 0; j < nOut; j++) out[o + j]! += x * W.data[k * nOut + j]!;
      }
    }
    return { data: out, shape: [n, t, nOut] };
  }
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function readAll(g: H5Group, file: string): Map<string, Matrix> {
  const out = new Map<string, Matrix>();
  for (const key of g.keys()) {
    const ds = datasetOrUndefined(g, key);
    if (!ds) continue;
    const v = ds.value;
    let data: Float32Array | Float64Array;
    if (v instanceof Float32Array || v instanceof Float64Array) data = v;
    else if (typeof v === "number") data = Float64Array.of(v);
    else if (typeof v === "bigint") data = Float64Array.of(Number(v));
    else if (v instanceof BigInt64Array || v instanceof BigUint64Array) data = Float64Array.from(v, (x) => Number(x));
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) data = Float64Array.from(v as unknown as ArrayLike<number>);
    else continue; // strings or references: not weights
    const shape = ds.shape ?? [];
    let s: [number, number];
    if (shape.length === 0) s = [1, 1];
    else if (shape.length === 1) s = [1, shape[0]!];
    else if (shape.length === 2) s = [shape[0]!, shape[1]!];
    else throw new ShapeError(`'${key}' in ${file} has ${shape.length} dimensions; LFADS weights are at most 2-D`);
    out.set(key.replace(/:0$/, ""), { data, shape: s });
  }
  return out;
}

/** Options of `loadModelTrainedParams`: the file, or the run's output folder holding `model_params`. */
export interface LoadModelTrainedParamsOptions {
  /** Path of the `model_params` file; defaults to `<outputDir>/model_params`. */
  file?: string;
  /** The run's LFADS output folder (`<run>/lfadsOutput`). */
  outputDir?: string;
  /** Dataset names as in the LFADS file names, e.g. `["dataset001"]`. */
  datasetNames: readonly string[];
}

/** Read `model_params`. Missing file → LayoutError naming it and the command that writes it. */
export async function loadModelTrainedParams(opts: LoadModelTrainedParamsOptions): Promise<ModelTrainedParams> {
  const file = opts.file ?? (opts.outputDir !== undefined ? path.join(opts.outputDir, MODEL_PARAMS_FILE) : undefined);
  if (file === undefined) throw new ParamError("loadModelTrainedParams: give `file` (the model_params path) or `outputDir` (the run's lfadsOutput folder)");
  if (!fs.existsSync(file)) throw new LayoutError(`model_params file not found: ${file}; it is written by ${MODEL_PARAMS_WRITER}`);
  const names = opts.datasetNames.map((d) => d.replace(/\.h5$/, ""));
  const values = await readH5(file, (f) => readAll(f, file));
  return new ModelTrainedParams(file, names, values);
}
