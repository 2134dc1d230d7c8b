/** The check every alignment result passes before it is written, the Run Manager's and custom ones alike. */
import { DataError, ShapeError } from "../core/errors.js";

/**
 * Check alignment matrices and biases before they are written to the LFADS input files (the Run
 * Manager checks any alignment algorithm's output, custom ones included): one per dataset, shapes
 * nChannels × nFactors and nChannels, and no NaN/Inf.
 */
export function validateAlignment(
  matrices: readonly ArrayLike<number>[],
  biases: readonly ArrayLike<number>[],
  expect: { readonly datasetNames: readonly string[]; readonly nChannels: readonly number[]; readonly nFactors: number },
): void {
  const n = expect.datasetNames.length;
  if (matrices.length !== n || biases.length !== n) {
    throw new ShapeError(`alignment: expected one alignment matrix and bias per dataset (${n}), got ${matrices.length} matrices and ${biases.length} biases`);
  }
  for (let d = 0; d < n; d++) {
    const name = expect.datasetNames[d]!;
    const nCh = expect.nChannels[d]!;
    const w = matrices[d]!;
    const b = biases[d]!;
    if (w.length !== nCh * expect.nFactors) {
      throw new ShapeError(`alignment: dataset '${name}': alignment matrix has ${w.length} values, expected ${nCh} channels × ${expect.nFactors} factors = ${nCh * expect.nFactors}`);
    }
    if (b.length !== nCh) throw new ShapeError(`alignment: dataset '${name}': alignment bias has ${b.length} values, expected ${nCh} (one per channel)`);
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i]!)) {
        throw new DataError(`alignment: NaNs in the alignment matrix for dataset '${name}' (channel ${Math.floor(i / expect.nFactors)}, factor ${i % expect.nFactors} is ${w[i]})`);
      }
    }
    for (let i = 0; i < b.length; i++) {
      if (!Number.isFinite(b[i]!)) throw new DataError(`alignment: NaNs in the alignment biases for dataset '${name}' (channel ${i} is ${b[i]})`);
    }
  }
}
