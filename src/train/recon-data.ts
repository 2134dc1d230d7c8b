/**
 * The optional keys of an LFADS input file beyond train_data / valid_data (lfads-torch's encod/recon
 * split, reference nlb-nwb-autolfads.md §5):
 * - `train_recon_data` / `valid_recon_data` [E, T_rec, N_rec]: what the read-out reconstructs. Neurons
 *   0…N_in−1 are the encoders' held-in neurons in the same order, bins 0…T_obs−1 the observed window,
 *   so that block is `*_data` itself; the rest are held-out neurons and forward bins.
 * - `test_data` [E, T_obs, N_in] (with `test_ext_input` under external inputs): encoder input only,
 *   never trained or validated on; posterior sampling samples these trials too.
 * Every check throws an error that names the key, the file, the value and the fix.
 */
import { DataError, LayoutError, ShapeError } from "../core/errors.js";
import { hasKey, readArray, type H5Group } from "../io/h5.js";

/** A checked [E, T, N] array of a file. */
export interface Read3 {
  data: Float32Array;
  shape: [number, number, number];
}

/** Read `key` as a finite [E, T, N] float32 array; `counts`: non-negative integers only (Poisson). */
export function readCounts3(f: H5Group, key: string, file: string, counts: boolean, dist: string): Read3 {
  const a = readArray(f, key, file);
  if (a.shape.length !== 3) throw new ShapeError(`${key} in ${file} has shape [${a.shape.join(", ")}], expected [trials, time, neurons]`);
  const data = Float32Array.from(a.data as ArrayLike<number>);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new DataError(`${key} in ${file} has a non-finite value at flat index ${i}`);
    if (counts && (v < 0 || !Number.isInteger(v))) {
      throw new DataError(`${key} in ${file} must hold non-negative integer spike counts for c_output_dist='${dist}' (found ${v} at flat index ${i})`);
    }
  }
  return { data, shape: a.shape as [number, number, number] };
}

const RECON_FIX = "write recon_data as the held-in neurons then the held-out ones, over the observed bins then the forward bins";

/**
 * Check one split's recon array against its data: at least as long and as wide, the same trials, and
 * the held-in observed block equal to the data (the encoders' input is part of the target).
 */
function checkRecon(split: string, file: string, d: Read3, r: Read3): void {
  const [E, T, N] = d.shape;
  const [Er, Tr, Nr] = r.shape;
  const key = `${split}_recon_data`;
  if (Er !== E) throw new ShapeError(`${key} in ${file} has ${Er} trials, ${split}_data has ${E}: give every ${split} trial its recon row (the same trials in the same order)`);
  if (Tr < T) throw new ShapeError(`${key} in ${file} has ${Tr} time bins, fewer than ${split}_data's ${T} (T_rec must be ≥ T_obs): ${RECON_FIX}`);
  if (Nr < N) throw new ShapeError(`${key} in ${file} has ${Nr} neurons, fewer than ${split}_data's ${N} (N_rec must be ≥ N_in): ${RECON_FIX}`);
  for (let e = 0; e < E; e++) {
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        const x = d.data[(e * T + t) * N + n]!;
        const y = r.data[(e * Tr + t) * Nr + n]!;
        if (x !== y) {
          throw new DataError(
            `${key} in ${file} differs from ${split}_data at trial ${e}, bin ${t}, neuron ${n} (${y} vs ${x}): its first ${N} neurons over its first ${T} bins must be ${split}_data itself; ${RECON_FIX}`,
          );
        }
      }
    }
  }
}

/** The recon arrays of a file and their T_rec, N_rec; undefined when it has none. */
export interface ReconRead {
  train: Read3;
  valid: Read3;
  steps: number;
  neurons: number;
}

/** Read and check `train_recon_data` / `valid_recon_data` (both or neither). */
export function readRecon(f: H5Group, file: string, train: Read3, valid: Read3, counts: boolean, dist: string): ReconRead | undefined {
  const has = { train: hasKey(f, "train_recon_data"), valid: hasKey(f, "valid_recon_data") };
  if (!has.train && !has.valid) return undefined;
  if (has.train !== has.valid) {
    const [present, absent] = has.train ? ["train", "valid"] : ["valid", "train"];
    throw new LayoutError(`${present}_recon_data is in ${file} but ${absent}_recon_data is not: write both splits' recon data (held-out neurons and forward bins), or neither`);
  }
  const tr = readCounts3(f, "train_recon_data", file, counts, dist);
  const va = readCounts3(f, "valid_recon_data", file, counts, dist);
  checkRecon("train", file, train, tr);
  checkRecon("valid", file, valid, va);
  if (tr.shape[1] !== va.shape[1] || tr.shape[2] !== va.shape[2]) {
    throw new ShapeError(`train_recon_data [${tr.shape.join(", ")}] and valid_recon_data [${va.shape.join(", ")}] in ${file} disagree in time bins or neurons; write both with the same T_rec and N_rec`);
  }
  return { train: tr, valid: va, steps: tr.shape[1], neurons: tr.shape[2] };
}

/** Read `test_data` (undefined when absent) and check it against the training data's T_obs and N_in. */
export function readTest(f: H5Group, file: string, T: number, N: number, counts: boolean, dist: string): Read3 | undefined {
  if (!hasKey(f, "test_data")) return undefined;
  const te = readCounts3(f, "test_data", file, counts, dist);
  const [, Tt, Nt] = te.shape;
  if (Tt !== T || Nt !== N) {
    throw new ShapeError(
      `test_data in ${file} has shape [${te.shape.join(", ")}], but train_data has ${T} time bins and ${N} neurons: test_data is encoder input, so write it like train_data (the held-in neurons over the observed bins, [trials, ${T}, ${N}])`,
    );
  }
  return te;
}

/** The held-in observed block [B, T, N] of a target [B, T_rec, N_rec] (the encoders' part of it). */
export function heldInBlock(target: Float32Array, B: number, T: number, N: number, Trec: number, Nrec: number): Float32Array {
  if (T === Trec && N === Nrec) return target;
  const out = new Float32Array(B * T * N);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.set(target.subarray((b * Trec + t) * Nrec, (b * Trec + t) * Nrec + N), (b * T + t) * N);
  return out;
}

/**
 * Per-element values [B, T, N] over the encoders' elements placed into the target's layout
 * [B, T_rec, N_rec] (held-in neurons first, observed bins first), `fill` everywhere else.
 */
export function padToTarget(a: Float32Array, fill: number, B: number, T: number, N: number, Trec: number, Nrec: number): Float32Array {
  if (T === Trec && N === Nrec) return a;
  const out = new Float32Array(B * Trec * Nrec).fill(fill);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.set(a.subarray((b * T + t) * N, (b * T + t + 1) * N), (b * Trec + t) * Nrec);
  return out;
}
