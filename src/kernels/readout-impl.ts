/**
 * The fused Poisson read-out kernels (readout.ts) as a `PoissonReadoutImpl` for src/model's
 * `setPoissonReadoutImplementation` (matched structurally: src/kernels imports nothing from
 * src/model). With `save` the forward keeps its copies of x, the states and their mask in the kernels'
 * memory (a `ReadoutSaved`) for backward, which then copies none of them in again; without, nothing is
 * kept and backward gets the inputs again (it recomputes f and logr either way).
 */
import { ParamError } from "../core/errors.js";
import { readoutBackward, readoutForward, ReadoutSaved, type ReadoutArgs, type ReadoutCotangents, type ReadoutForwardOutputs, type ReadoutGradients } from "./readout.js";
import { FUSED_KERNELS_NAME } from "./describe.js";

export const wasmReadoutImplementation = {
  name: FUSED_KERNELS_NAME,
  supportsBackend(backendName: string): boolean {
    return backendName === "wasm" || backendName === "cpu";
  },
  forward(a: ReadoutArgs, out: ReadoutForwardOutputs, save = false): object | undefined {
    return readoutForward(a, { out, save }).saved;
  },
  backward(a: ReadoutArgs, cot: ReadoutCotangents, out: Partial<ReadoutGradients>, saved?: object): void {
    if (saved !== undefined && !(saved instanceof ReadoutSaved)) throw new ParamError("wasmReadoutImplementation.backward: `saved` must come from its forward");
    readoutBackward(a, cot, { out, ...(saved ? { saved } : {}) });
  },
};
