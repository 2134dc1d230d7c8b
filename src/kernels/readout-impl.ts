/**
 * The fused Poisson read-out kernels (readout.ts) as a `PoissonReadoutImpl` for src/model's
 * `setPoissonReadoutImplementation` (matched structurally: src/kernels imports nothing from
 * src/model). Nothing is kept between forward and backward: backward gets the inputs again.
 */
import { readoutBackward, readoutForward, type ReadoutArgs, type ReadoutCotangents, type ReadoutForwardOutputs, type ReadoutGradients } from "./readout.js";
import { FUSED_KERNELS_NAME } from "./describe.js";

export const wasmReadoutImplementation = {
  name: FUSED_KERNELS_NAME,
  supportsBackend(backendName: string): boolean {
    return backendName === "wasm" || backendName === "cpu";
  },
  forward(a: ReadoutArgs, out: ReadoutForwardOutputs): void {
    readoutForward(a, { out });
  },
  backward(a: ReadoutArgs, cot: ReadoutCotangents, out: Partial<ReadoutGradients>): void {
    readoutBackward(a, cot, { out });
  },
};
