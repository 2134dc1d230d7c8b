/**
 * The fused Poisson read-out kernels (readout.ts) as a `PoissonReadoutImpl` for src/model's
 * `setPoissonReadoutImplementation` (matched structurally: src/kernels imports nothing from
 * src/model). Nothing is kept between forward and backward: backward gets the inputs again.
 */
import { readoutBackward, readoutForward, type ReadoutArgs, type ReadoutCotangents, type ReadoutForwardOutputs, type ReadoutGradients } from "./readout.js";

export const wasmReadoutImplementation = {
  name: "wasm-simd",
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
