/**
 * The model's variables under their TF LFADS names (`LFADS/gen/GenGRU/Gates/h_2_ru/W`, …), with the
 * flags TF keeps in collections: trainable, L2 group (l2_gen_reg / l2_con_reg) and IO_transformations.
 * Values are initialised in JavaScript from the seeded Rng so that a seed gives the same model on every
 * backend. tfjs variables get auto-generated unique names (several models may live in one process);
 * the TF name is the key here.
 */
import * as tf from "@tensorflow/tfjs";
import { ShapeError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";

export type L2Group = "gen" | "con";

export interface ParamInfo {
  name: string;
  shape: number[];
  trainable: boolean;
  l2?: L2Group;
  io?: boolean;
  variable: tf.Variable;
}

/** A plain weight value, TF orientation (W is [in, out], biases [1, out]), row-major. */
export interface WeightValue {
  shape: number[];
  data: Float32Array;
}

export type WeightMap = Map<string, WeightValue>;

export class ParamStore {
  private readonly params = new Map<string, ParamInfo>();

  constructor(readonly rng: Rng) {}

  /** Create a variable; `init` is a plain array of the given shape. */
  add(name: string, shape: number[], init: Float32Array, opts: { trainable?: boolean; l2?: L2Group; io?: boolean } = {}): tf.Variable {
    if (this.params.has(name)) throw new ShapeError(`variable '${name}' is defined twice`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (init.length !== n) throw new ShapeError(`variable '${name}': ${init.length} initial values for shape [${shape.join(", ")}]`);
    const trainable = opts.trainable ?? true;
    const initial = tf.tensor(init, shape, "float32");
    const variable = tf.variable(initial, trainable);
    initial.dispose(); // the variable holds its own reference to the data
    this.params.set(name, { name, shape: [...shape], trainable, variable, ...(opts.l2 ? { l2: opts.l2 } : {}), ...(opts.io ? { io: true } : {}) });
    return variable;
  }

  /** Normal(0, std²) initial values (TF `linear`: std = alpha / sqrt(in)). */
  normal(shape: number[], std: number): Float32Array {
    const n = shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = std * this.rng.normal();
    return out;
  }

  get(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new ShapeError(`no variable named '${name}'`);
    return p.variable;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** All variables in creation order. */
  list(): ParamInfo[] {
    return [...this.params.values()];
  }

  trainable(): ParamInfo[] {
    return this.list().filter((p) => p.trainable);
  }

  /** Total number of values over all variables. */
  count(): number {
    return this.list().reduce((a, p) => a + p.variable.size, 0);
  }

  /** Copy every variable out as plain arrays, keyed by TF name. */
  exportWeights(): WeightMap {
    const out: WeightMap = new Map();
    for (const p of this.params.values()) out.set(p.name, { shape: [...p.shape], data: p.variable.dataSync() as Float32Array });
    return out;
  }

  /**
   * Assign weights by TF name. Every variable must be present with its exact shape (`partial` allows
   * missing ones); unknown names are an error, so a mismatched architecture is reported, not ignored.
   */
  importWeights(weights: ReadonlyMap<string, WeightValue>, opts: { partial?: boolean } = {}): void {
    const unknown = [...weights.keys()].filter((k) => !this.params.has(k));
    if (unknown.length) throw new ShapeError(`importWeights: unknown variables ${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ` (+${unknown.length - 5} more)` : ""}`);
    const missing = [...this.params.keys()].filter((k) => !weights.has(k));
    if (missing.length && !opts.partial) throw new ShapeError(`importWeights: missing variables ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` (+${missing.length - 5} more)` : ""}`);
    for (const [name, w] of weights) {
      const p = this.params.get(name)!;
      if (w.shape.length !== p.shape.length || w.shape.some((d, i) => d !== p.shape[i])) {
        throw new ShapeError(`importWeights: '${name}' has shape [${w.shape.join(", ")}], the model expects [${p.shape.join(", ")}]`);
      }
      if (w.data.length !== p.variable.size) throw new ShapeError(`importWeights: '${name}' has ${w.data.length} values for shape [${p.shape.join(", ")}]`);
    }
    for (const [name, w] of weights) {
      const p = this.params.get(name)!;
      tf.tidy(() => p.variable.assign(tf.tensor(w.data, p.shape, "float32")));
    }
  }

  dispose(): void {
    for (const p of this.params.values()) p.variable.dispose();
    this.params.clear();
  }
}

