/**
 * The fused decoder kernels (decoder.ts) as a `CoupledDecoderImpl` for src/model's
 * `setCoupledDecoderImplementation` (matched structurally: src/kernels imports nothing from
 * src/model). `saved` is a `DecoderSaved`: the activations stay in the kernels' memory until
 * backward releases them, or until the token is garbage-collected (an evaluation pass never
 * backpropagates, but it runs without a tape and then nothing is saved at all).
 */
import { ParamError } from "../core/errors.js";
import { DecoderSaved, decoderBackward, decoderForwardInto, type DecoderCotangents, type DecoderForwardArgs, type DecoderGradients, type DecoderOutputTargets } from "./decoder.js";
import { FUSED_KERNELS_NAME } from "./describe.js";

export const wasmDecoderImplementation = {
  name: FUSED_KERNELS_NAME,
  supportsBackend(backendName: string): boolean {
    return backendName === "wasm" || backendName === "cpu";
  },
  forward(a: DecoderForwardArgs, save: boolean, out: DecoderOutputTargets): object | undefined {
    return decoderForwardInto(a, save, out);
  },
  backward(saved: object, cot: DecoderCotangents, out: Partial<DecoderGradients>): void {
    if (!(saved instanceof DecoderSaved)) throw new ParamError("wasmDecoderImplementation.backward: `saved` must come from its forward");
    decoderBackward(saved, cot, { out });
  },
};
