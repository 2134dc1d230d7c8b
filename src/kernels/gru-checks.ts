/**
 * Argument checks of the GRU kernels, before anything is copied into the kernels' memory: every
 * message names the function, the argument, its length and the shape it should have.
 */
import { ParamError, ShapeError } from "../core/errors.js";
import type { GruForwardArgs, GruGradients, GruInputForwardArgs, GruInputGradients } from "./gru-types.js";
import { checkLength } from "./job.js";

export function checkGruDims(fn: string, batch: number, time: number, hidden: number): void {
  for (const [name, v] of [
    ["batch", batch],
    ["time", time],
    ["hidden", hidden],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${fn}: ${name} must be a positive integer, got ${v}`);
  }
  // Offsets are int32 byte addresses inside the 4 GiB wasm32 memory.
  if (batch * time * hidden * 3 * 4 >= 2 ** 31) {
    throw new ShapeError(`${fn}: batch·time·3·hidden = ${batch * time * hidden * 3} floats is too large for one call`);
  }
}

/** The input of a forward pass: precomputed projections, or the inputs and weights of a projection in the kernels. */
export type ForwardSource = { readonly xProj: Float32Array } | { readonly input: GruInputForwardArgs };

/** Checks a forward call's dimensions and array lengths. */
export function checkForwardInputs(fn: string, args: Omit<GruForwardArgs, "xProj">, src: ForwardSource): void {
  const { batch: B, time: T, hidden: H, clip } = args;
  checkGruDims(fn, B, T, H);
  if ("input" in src) {
    const input = src.input;
    const D = input.inDim;
    if (!Number.isInteger(D) || D < 0) throw new ShapeError(`${fn}: inDim must be a non-negative integer, got ${D}`);
    if (D > 0) {
      checkLength(fn, "x", input.x ?? new Float32Array(0), B * T * D, `[batch=${B}, time=${T}, inDim=${D}]`);
      checkLength(fn, "wx", input.wx ?? new Float32Array(0), D * 3 * H, `[inDim=${D}, 3·hidden=${3 * H}]`);
    }
    checkLength(fn, "bias", input.bias, 3 * H, `[3·hidden=${3 * H}]`);
  } else checkLength(fn, "xProj", src.xProj, B * T * 3 * H, `[batch=${B}, time=${T}, 3·hidden=${3 * H}]`);
  checkLength(fn, "h0", args.h0, B * H, `[batch=${B}, hidden=${H}]`);
  checkLength(fn, "whRU", args.whRU, 2 * H * H, `[hidden=${H}, 2·hidden=${2 * H}]`);
  checkLength(fn, "whC", args.whC, H * H, `[hidden=${H}, hidden=${H}]`);
  const finalOnly = args.finalOnly ?? false;
  if (args.outStates) checkLength(fn, "outStates", args.outStates, finalOnly ? B * H : B * T * H, finalOnly ? `[batch=${B}, hidden=${H}] (finalOnly)` : `[batch=${B}, time=${T}, hidden=${H}]`);
  if (!(clip > 0)) throw new ParamError(`${fn}: clip must be > 0 (Infinity for none), got ${clip}`);
}

/** The dimensions of saved activations; `inDim` only for those of a projected recurrence. */
export interface BackwardDims {
  readonly B: number;
  readonly T: number;
  readonly H: number;
  readonly inDim: number | undefined;
}

/** Checks a backward call's incoming gradient and the arrays given to write the gradients into. */
export function checkBackwardInputs(fn: string, dims: BackwardDims, dStates: Float32Array, finalOnly: boolean, out: Partial<GruGradients & GruInputGradients>): void {
  const { B, T, H, inDim: D } = dims;
  if (finalOnly) checkLength(fn, "dStates", dStates, B * H, `[batch=${B}, hidden=${H}] (finalOnly)`);
  else checkLength(fn, "dStates", dStates, B * T * H, `[batch=${B}, time=${T}, hidden=${H}]`);
  if (out.dXProj) checkLength(fn, "out.dXProj", out.dXProj, B * T * 3 * H, `[batch=${B}, time=${T}, 3·hidden=${3 * H}]`);
  if (out.dh0) checkLength(fn, "out.dh0", out.dh0, B * H, `[batch=${B}, hidden=${H}]`);
  if (out.dWhRU) checkLength(fn, "out.dWhRU", out.dWhRU, 2 * H * H, `[hidden=${H}, 2·hidden=${2 * H}]`);
  if (out.dWhC) checkLength(fn, "out.dWhC", out.dWhC, H * H, `[hidden=${H}, hidden=${H}]`);
  if (out.dWx && D !== undefined) checkLength(fn, "out.dWx", out.dWx, D * 3 * H, `[inDim=${D}, 3·hidden=${3 * H}]`);
  if (out.dBias) checkLength(fn, "out.dBias", out.dBias, 3 * H, `[3·hidden=${3 * H}]`);
  if (out.dx && D !== undefined) checkLength(fn, "out.dx", out.dx, B * T * D, `[batch=${B}, time=${T}, inDim=${D}]`);
}
