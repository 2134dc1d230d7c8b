/**
 * NLB's HDF5 files, one group per dataset (`<name><suffix>`, suffix "" at 5 ms and "_20" at 20 ms):
 *
 *   eval target   eval_spikes_heldout, train_behavior, eval_behavior, eval_spikes_heldin_forward,
 *                 eval_spikes_heldout_forward, psth, train_cond_idx, eval_cond_idx
 *   submission    train_rates_heldin, train_rates_heldout, eval_rates_heldin, eval_rates_heldout,
 *                 eval_rates_heldin_forward, eval_rates_heldout_forward (optional)
 *
 * Tensors are float32 [trial, bin, neuron], gzip-compressed, as nlb_tools' `save_to_h5` writes them.
 * nlb_tools stores `*_cond_idx` as variable-length int arrays; h5wasm can read those but not create
 * them, so the targets written here store each as a group of int32 datasets named 0, 1, … (one per
 * condition), which this reader accepts too (nlb_tools' own evaluation cannot read that form).
 */
import { array3d } from "../core/array3d.js";
import { DataError, LayoutError } from "../core/errors.js";
import { readArray, readH5, writeArray, writeH5Atomic, type H5Dataset, type H5Group } from "../io/h5.js";
import type { NlbRates } from "./rates.js";
import type { NlbTarget } from "./target.js";
import type { NlbTensor } from "./tensor.js";

const TARGET_TENSORS = {
  evalSpikesHeldout: "eval_spikes_heldout",
  trainBehavior: "train_behavior",
  evalBehavior: "eval_behavior",
  evalSpikesHeldinForward: "eval_spikes_heldin_forward",
  evalSpikesHeldoutForward: "eval_spikes_heldout_forward",
  psth: "psth",
} as const;

const SUBMISSION_TENSORS = {
  trainRatesHeldin: "train_rates_heldin",
  trainRatesHeldout: "train_rates_heldout",
  evalRatesHeldin: "eval_rates_heldin",
  evalRatesHeldout: "eval_rates_heldout",
  evalRatesHeldinForward: "eval_rates_heldin_forward",
  evalRatesHeldoutForward: "eval_rates_heldout_forward",
} as const;

function writeTensor(g: H5Group, key: string, x: NlbTensor): void {
  const data = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
  writeArray(g, key, { data, shape: [...x.shape] }, { gzip: 4 });
}

function isGroup(x: unknown): x is H5Group {
  return x !== null && typeof x === "object" && typeof (x as H5Group).keys === "function";
}

function readTensor(g: H5Group, key: string, where: string): NlbTensor {
  const a = readArray(g, key, where);
  if (a.shape.length !== 3) throw new DataError(`${where}: '${key}' has shape [${a.shape.join(", ")}]; NLB tensors are 3-D [trial, bin, neuron]`);
  const data = a.data instanceof Float32Array || a.data instanceof Float64Array ? a.data : Float64Array.from(a.data);
  return array3d(data, a.shape as [number, number, number]);
}

function writeCondIdx(g: H5Group, key: string, idx: readonly (readonly number[])[]): void {
  const sub = g.create_group(key);
  idx.forEach((list, c) => writeArray(sub, String(c), { data: Int32Array.from(list), shape: [list.length] }));
}

function readCondIdx(g: H5Group, key: string, where: string): number[][] {
  const obj = g.get(key);
  if (isGroup(obj)) {
    return obj.keys().sort((a, b) => Number(a) - Number(b)).map((k) => Array.from(readArray(obj, k, where).data, Number));
  }
  const v = (obj as H5Dataset).value;
  if (!Array.isArray(v)) throw new DataError(`${where}: '${key}' is neither a variable-length int array (nlb_tools) nor a group of int arrays`);
  return v.map((row) => Array.from(row as ArrayLike<number | bigint>, Number));
}

function groupsOf(f: H5Group, file: string, what: string): string[] {
  const names = f.keys().filter((k) => isGroup(f.get(k)));
  if (names.length === 0) throw new LayoutError(`${file}: no dataset group in this ${what} (keys: ${f.keys().join(", ") || "none"}); NLB files hold one group per dataset, e.g. mc_maze_small/`);
  return names;
}

/** Write an eval-target file: one group per dataset name. */
export async function writeNlbTarget(file: string, groups: Readonly<Record<string, NlbTarget>>): Promise<void> {
  await writeH5Atomic(file, (f) => {
    for (const [name, t] of Object.entries(groups)) {
      const g = f.create_group(name);
      for (const [field, key] of Object.entries(TARGET_TENSORS)) {
        const x = t[field as keyof typeof TARGET_TENSORS];
        if (x) writeTensor(g, key, x);
      }
      if (t.trainCondIdx) writeCondIdx(g, "train_cond_idx", t.trainCondIdx);
      if (t.evalCondIdx) writeCondIdx(g, "eval_cond_idx", t.evalCondIdx);
    }
  });
}

/** Read an eval-target file (nlb_tools' or ours): dataset name → target. */
export async function readNlbTarget(file: string): Promise<Map<string, NlbTarget>> {
  return readH5(file, (f) => {
    const out = new Map<string, NlbTarget>();
    for (const name of groupsOf(f, file, "eval target")) {
      const g = f.get(name) as H5Group;
      const where = `${file}: ${name}`;
      const keys = g.keys();
      if (!keys.includes("eval_spikes_heldout")) throw new LayoutError(`${where} has no eval_spikes_heldout (keys: ${keys.join(", ")}); is this a submission rather than an eval target?`);
      const t: Partial<NlbTarget> = {};
      for (const [field, key] of Object.entries(TARGET_TENSORS)) if (keys.includes(key)) (t as Record<string, NlbTensor>)[field] = readTensor(g, key, where);
      if (keys.includes("train_cond_idx")) t.trainCondIdx = readCondIdx(g, "train_cond_idx", where);
      if (keys.includes("eval_cond_idx")) t.evalCondIdx = readCondIdx(g, "eval_cond_idx", where);
      out.set(name, t as NlbTarget);
    }
    return out;
  });
}

/** Write a submission file: one group per dataset name with the model's rates (spikes per bin). */
export async function writeNlbSubmission(file: string, groups: Readonly<Record<string, NlbRates>>): Promise<void> {
  await writeH5Atomic(file, (f) => {
    for (const [name, r] of Object.entries(groups)) {
      const g = f.create_group(name);
      for (const [field, key] of Object.entries(SUBMISSION_TENSORS)) {
        const x = r[field as keyof typeof SUBMISSION_TENSORS];
        if (x) writeTensor(g, key, x);
      }
    }
  });
}

/** Read a submission file: dataset name → rates. */
export async function readNlbSubmission(file: string): Promise<Map<string, NlbRates>> {
  return readH5(file, (f) => {
    const out = new Map<string, NlbRates>();
    for (const name of groupsOf(f, file, "submission")) {
      const g = f.get(name) as H5Group;
      const where = `${file}: ${name}`;
      const keys = g.keys();
      const missing = ["train_rates_heldin", "train_rates_heldout", "eval_rates_heldin", "eval_rates_heldout"].filter((k) => !keys.includes(k));
      if (missing.length > 0) throw new LayoutError(`${where} lacks ${missing.join(", ")} (keys: ${keys.join(", ")}); a submission group holds train/eval rates for held-in and held-out neurons`);
      const r: Partial<NlbRates> = {};
      for (const [field, key] of Object.entries(SUBMISSION_TENSORS)) if (keys.includes(key)) (r as Record<string, NlbTensor>)[field] = readTensor(g, key, where);
      out.set(name, r as NlbRates);
    }
    return out;
  });
}
