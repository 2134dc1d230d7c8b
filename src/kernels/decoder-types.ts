/** The arguments, outputs and gradients of the fused decoder kernels (decoder.ts has the API). */

export interface DecoderDims {
  readonly batch: number;
  readonly time: number;
  /** C, controller units */
  readonly con: number;
  /** G, generator units */
  readonly gen: number;
  /** U, controller outputs */
  readonly co: number;
  /** F, factors */
  readonly factors: number;
  /** Factors fed back to the controller (then `fbW` is required). */
  readonly feedback: boolean;
  /** State clip of both cells (> 0). */
  readonly clip: number;
}

export interface DecoderForwardArgs extends DecoderDims {
  /** A: width of the controller's encoder input (the lagged CI-encoder states). */
  readonly abDim: number;
  /** The controller's encoder input [B,T,A] (dropped out); or give `abFrom`. */
  readonly ab?: Float32Array;
  /** The same input as the CI encoder's states, shifted and dropped out in the kernels. */
  readonly abFrom?: AbSource;
  /** Its projection [A,3C] and all the controller's biases [3C] (not the +1 forget bias). */
  readonly abW: Float32Array;
  readonly abB: Float32Array;
  /** Generator input projection without the u_t term: [B,T,3G], or one [3G] row for every (b, t). */
  readonly rest: Float32Array;
  readonly k0: Float32Array; // [B,C]
  readonly s0: Float32Array; // [B,G]
  /** Standard-normal noise [B,T,U]: u_t = mean + exp(logvar/2)·eps; absent: u_t = mean. */
  readonly eps?: Float32Array;
  /**
   * Dropout masks (0 or 1/keep_prob) of the fed-back factors [B,T,F] and of the generator states
   * [B,T,G]: arrays, or functions that fill them in place in the kernels' memory (called in the order
   * abFrom's mask, fbMask, genMask).
   */
  readonly fbMask?: MaskSource;
  readonly genMask?: MaskSource;
  readonly conWhRU: Float32Array; // [C,2C]
  readonly conWhC: Float32Array; // [C,C]
  readonly genWhRU: Float32Array; // [G,2G]
  readonly genWhC: Float32Array; // [G,G]
  readonly fbW?: Float32Array; // [F,3C]
  readonly postW: Float32Array; // [C,2U] (mean columns, then logvar)
  readonly postB: Float32Array; // [2U]
  readonly genWu: Float32Array; // [U,3G]
  readonly facW: Float32Array; // [G,F]
  readonly threads?: number;
}

/** Dropout multipliers: given, or written in place by the function when the kernels need them. */
export type MaskSource = Float32Array | ((out: Float32Array) => void);

/**
 * The controller's encoder input from the CI encoder's directions (dec_ab_join in decoder.c):
 * ab[b,t] = [cf[b,t−lag] | cb[b,t+lag]] ⊙ mask, zero where the shifted step falls outside [0, T).
 */
export interface AbSource {
  /** Forward states [B,T,cfDim] and (non-causal) reverse states [B,T,cbDim]. */
  readonly cf: Float32Array;
  readonly cb?: Float32Array;
  readonly cfDim: number;
  readonly cbDim: number;
  readonly lag: number;
  /** The [B,T,abDim] dropout multipliers (absent: no dropout). */
  readonly fillMask?: MaskSource;
}

export interface DecoderOutputs {
  readonly k: Float32Array; // [B,T,C] controller states
  readonly s: Float32Array; // [B,T,G] generator states
  readonly f: Float32Array; // [B,T,F] factors
  readonly mv: Float32Array; // [B,T,2U] controller-output posterior mean ‖ logvar
  readonly u: Float32Array; // [B,T,U] the u_t that drove the generator
}

/**
 * Where `decoderForward` writes its outputs instead of fresh arrays (e.g. views of the tensors that
 * will hold them): each given array is filled, the rest are not copied out at all. `mean` and
 * `logvar` [B,T,U] are `mv`'s two halves.
 */
export interface DecoderOutputTargets {
  readonly k?: Float32Array;
  readonly s?: Float32Array;
  readonly f?: Float32Array;
  readonly mv?: Float32Array;
  readonly mean?: Float32Array;
  readonly logvar?: Float32Array;
  readonly u?: Float32Array;
}

/** Gradients of the loss w.r.t. the outputs; absent ones are zero. `dMean`/`dLogvar` may stand in for `dMV`. */
export interface DecoderCotangents {
  readonly dS: Float32Array;
  readonly dF: Float32Array;
  readonly dMV?: Float32Array;
  readonly dMean?: Float32Array;
  readonly dLogvar?: Float32Array;
  readonly dK?: Float32Array;
  readonly dU?: Float32Array;
}

export interface DecoderGradients {
  /** [B,T,A] for an `ab` input; with `abFrom`, dCf [B,T,cfDim] and dCb [B,T,cbDim] instead. */
  readonly dAb: Float32Array | undefined;
  readonly dCf?: Float32Array | undefined;
  readonly dCb?: Float32Array | undefined;
  readonly dAbW: Float32Array; // [A,3C]
  readonly dAbB: Float32Array; // [3C]
  /** Same shape as `rest`. */
  readonly dRest: Float32Array;
  readonly dk0: Float32Array;
  readonly ds0: Float32Array;
  readonly dConWhRU: Float32Array;
  readonly dConWhC: Float32Array;
  readonly dGenWhRU: Float32Array;
  readonly dGenWhC: Float32Array;
  /** Absent without feedback. */
  readonly dFbW: Float32Array | undefined;
  readonly dPostW: Float32Array;
  readonly dPostB: Float32Array;
  readonly dGenWu: Float32Array;
  readonly dFacW: Float32Array;
}
