/** The NLB tensor form: [trial, bin, neuron] (or channel), row-major, NaN where nothing was observed. */
import type { Array3D } from "../core/array3d.js";
import { concatLastAxis } from "../core/array3d-concat.js";
import { ShapeError } from "../core/errors.js";

export type NlbTensor = Array3D<Float32Array | Float64Array>;

/** Join tensors along the last axis (held-in ‖ held-out), trial and bin counts must agree. */
export function concatNeurons(parts: readonly NlbTensor[], what: string): Array3D<Float64Array> {
  return concatLastAxis(parts, what);
}

/** Check two tensors have the same shape (rates against spikes), naming both. */
export function sameShape(x: NlbTensor, y: NlbTensor, xName: string, yName: string): void {
  if (x.shape.some((n, i) => n !== y.shape[i])) {
    throw new ShapeError(`${xName} has shape [${x.shape.join(", ")}] but ${yName} has [${y.shape.join(", ")}]; they must match (trials, bins, neurons)`);
  }
}
