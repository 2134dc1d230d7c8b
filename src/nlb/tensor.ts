/** The NLB tensor form: [trial, bin, neuron] (or channel), row-major, NaN where nothing was observed. */
import { array3d, type Array3D } from "../core/array3d.js";
import { ShapeError } from "../core/errors.js";

export type NlbTensor = Array3D<Float32Array | Float64Array>;

/** Join tensors along the last axis (held-in ‖ held-out), trial and bin counts must agree. */
export function concatNeurons(parts: readonly NlbTensor[], what: string): Array3D<Float64Array> {
  const [a, b] = parts[0]!.shape;
  for (const p of parts) {
    if (p.shape[0] !== a || p.shape[1] !== b) throw new ShapeError(`${what}: shapes [${parts.map((q) => q.shape.join(", ")).join("] and [")}] differ in trials or bins; they must match to be joined along neurons`);
  }
  const c = parts.reduce((n, p) => n + p.shape[2], 0);
  const out = new Float64Array(a * b * c);
  for (let r = 0; r < a * b; r++) {
    let at = r * c;
    for (const p of parts) {
      const n = p.shape[2];
      for (let k = 0; k < n; k++) out[at + k] = p.data[r * n + k]!;
      at += n;
    }
  }
  return array3d(out, [a, b, c]);
}

/** Check two tensors have the same shape (rates against spikes), naming both. */
export function sameShape(x: NlbTensor, y: NlbTensor, xName: string, yName: string): void {
  if (x.shape.some((n, i) => n !== y.shape[i])) {
    throw new ShapeError(`${xName} has shape [${x.shape.join(", ")}] but ${yName} has [${y.shape.join(", ")}]; they must match (trials, bins, neurons)`);
  }
}
