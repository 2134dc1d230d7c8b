/**
 * Joining 3-D arrays [a, b, c] along their last two axes and cutting blocks out of them (held-in ‖ held-out
 * neurons, observed ‖ forward bins).
 */
import { array3d, type Array3D } from "./array3d.js";
import { ShapeError } from "./errors.js";

/** Join along the last axis; the first two sizes must agree. `what` names the data in the error. */
export function concatLastAxis(parts: readonly Array3D[], what: string): Array3D<Float64Array> {
  const [a, b] = parts[0]!.shape;
  for (const p of parts) {
    if (p.shape[0] !== a || p.shape[1] !== b) throw new ShapeError(`${what}: shapes [${parts.map((q) => q.shape.join(", ")).join("] and [")}] differ in their first two sizes; they must match to be joined along the last axis`);
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

/** Join two arrays along the middle axis; the first and last sizes must agree. */
export function concatMiddleAxis(x: Array3D, y: Array3D, what: string): Array3D<Float64Array> {
  const [n, tx, c] = x.shape;
  const ty = y.shape[1];
  if (y.shape[0] !== n || y.shape[2] !== c) throw new ShapeError(`${what}: shapes [${x.shape.join(", ")}] and [${y.shape.join(", ")}] differ in their first or last size; they must match to be joined along the middle axis`);
  const out = new Float64Array(n * (tx + ty) * c);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < tx * c; i++) out[e * (tx + ty) * c + i] = x.data[e * tx * c + i]!;
    for (let i = 0; i < ty * c; i++) out[(e * (tx + ty) + tx) * c + i] = y.data[e * ty * c + i]!;
  }
  return array3d(out, [n, tx + ty, c]);
}

/** The block [0, a) × [b0, b1) × [c0, c1) of a 3-D array (bins [b0, b1) and neurons [c0, c1) of every trial). */
export function sliceBlock(x: Array3D, [b0, b1]: readonly [number, number], [c0, c1]: readonly [number, number]): Array3D<Float64Array> {
  const [a, b, c] = x.shape;
  if (!(0 <= b0 && b0 <= b1 && b1 <= b && 0 <= c0 && c0 <= c1 && c1 <= c)) throw new ShapeError(`sliceBlock: [${b0}, ${b1}) × [${c0}, ${c1}) is outside an array of shape [${x.shape.join(", ")}]`);
  const out = new Float64Array(a * (b1 - b0) * (c1 - c0));
  let at = 0;
  for (let i = 0; i < a; i++) for (let j = b0; j < b1; j++) for (let k = c0; k < c1; k++) out[at++] = x.data[(i * b + j) * c + k]!;
  return array3d(out, [a, b1 - b0, c1 - c0]);
}
