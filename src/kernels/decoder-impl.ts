/**
 * The fused decoder kernels (decoder.ts) as a `CoupledDecoderImpl` for src/model's
 * `setCoupledDecoderImplementation` (matched structurally: src/kernels imports nothing from
 * src/model). `saved` is a `DecoderSaved`: the activations stay in the kernels' memory until
 * backward releases them, or until the token is garbage-collected (an evaluation pass never
 * backpropagates, but it runs without a tape and then nothing is saved at all).
 */
import { ParamError } from "../core/errors.js";
import { DecoderSaved, decoderBackward, decoderForward, type DecoderCotangents, type DecoderForwardArgs, type DecoderGradients, type DecoderOutputs } from "./decoder.js";

export const wasmDecoderImplementation = {
  name: "wasm-simd",
  supportsBackend(backendName: string): boolean {
    return backendName === "wasm" || backendName === "cpu";
  },
  forward(a: DecoderForwardArgs, save: boolean): { outputs: DecoderOutputs; saved: object | undefined } {
    const { saved, ...outputs } = decoderForward(a, { save });
    return { outputs, saved };
  },
  backward(saved: object, cot: DecoderCotangents): DecoderGradients {
    if (!(saved instanceof DecoderSaved)) throw new ParamError("wasmDecoderImplementation.backward: `saved` must come from its forward");
    return decoderBackward(saved, cot);
  },
};
