/** The arguments, options and results of the fused GRU kernels (gru.ts has the API and the math). */

/** Inputs of one recurrence. All arrays are row-major float32. */
export interface GruForwardArgs {
  /** Input projections [batch, time, 3·hidden]: the r, u and c pre-activation blocks, in that order. */
  readonly xProj: Float32Array;
  /** Initial state [batch, hidden]. */
  readonly h0: Float32Array;
  /** Recurrent weights of the r and u gates [hidden, 2·hidden] (r columns first). */
  readonly whRU: Float32Array;
  /** Recurrent weights of the candidate [hidden, hidden]. */
  readonly whC: Float32Array;
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
  /** State clip value (> 0; LFADS uses 5). Infinity disables clipping. */
  readonly clip: number;
  /** Run from t = T−1 down to 0 (the backward encoder). Default false. */
  readonly reverse?: boolean;
  /** Threads for this call (default `defaultThreads()`). 1 runs on the calling thread only. */
  readonly threads?: number;
  /**
   * Array to write the states into (length batch·time·hidden) instead of a new one. Reusing one
   * across calls saves a fresh allocation, whose page faults cost ~0.5 ms per MB once it is above
   * glibc's 32 MB mmap threshold (measured: 30 ms for a 58 MB array).
   */
  readonly outStates?: Float32Array;
  /**
   * Return only the final states [batch, hidden] (t = T−1; t = 0 when reverse), e.g. an encoder whose
   * last state alone is read: the other states stay in the kernels' memory for backward only.
   */
  readonly finalOnly?: boolean;
}

/**
 * Inputs of a recurrence whose input projection runs in the kernels too:
 * `xProj = x·Wx + bias` ([batch·time, inDim]·[inDim, 3·hidden] + [3·hidden]), computed in the
 * kernels' memory, so neither xProj nor its gradient ever crosses into JavaScript.
 */
export interface GruInputForwardArgs extends Omit<GruForwardArgs, "xProj"> {
  /** Inputs [batch, time, inDim] (ignored when inDim = 0). */
  readonly x?: Float32Array;
  /** D ≥ 0; 0: the projection is the bias alone. */
  readonly inDim: number;
  /** Input weights [inDim, 3·hidden] (r, u, c column blocks; ignored when inDim = 0). */
  readonly wx?: Float32Array;
  /** [3·hidden], all biases of the projection (not the +1 forget bias, which the kernel adds). */
  readonly bias: Float32Array;
}

/** Gradients of the loss with respect to the inputs of `gruInputForward`. */
export interface GruInputGradients {
  /** [batch, time, inDim], only when asked for (`inputGrad`) and inDim > 0. */
  readonly dx: Float32Array | undefined;
  /** [inDim, 3·hidden] */
  readonly dWx: Float32Array;
  /** [3·hidden] */
  readonly dBias: Float32Array;
  readonly dh0: Float32Array;
  readonly dWhRU: Float32Array;
  readonly dWhC: Float32Array;
}

export interface GruInputBackwardOptions {
  /** Also compute dx = dXProj·Wxᵀ (default false: the input is data). */
  readonly inputGrad?: boolean;
  /** As in GruBackwardOptions. */
  readonly finalOnly?: boolean;
  readonly keepSaved?: boolean;
  readonly threads?: number;
  /** Arrays to write (some of) the gradients into instead of new ones. */
  readonly out?: Partial<GruInputGradients>;
}

/**
 * What backward needs, kept in the kernels' shared memory (not on the JS heap): h0, the states
 * [batch, time, hidden], the gate activations [batch, time, 3·hidden] (r, u, c of each step), and the
 * packed transposed weights.
 * `gruBackward` releases it unless asked to keep it; `releaseGruSaved` releases it without a
 * backward pass. Forgotten ones are released when garbage-collected, but the collector does not
 * see their size, so release them explicitly in loops.
 */
export interface GruSaved {
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
  readonly clip: number;
  readonly reverse: boolean;
  /** True once released; a released GruSaved cannot be used for backward. */
  readonly released: boolean;
}

export interface GruForwardResult {
  /** All states [batch, time, hidden]. */
  readonly states: Float32Array;
  readonly saved: GruSaved;
}

export interface GruBackwardOptions {
  /** Keep `saved` for another backward pass (default false: it is released). */
  readonly keepSaved?: boolean;
  /** `dStates` is [batch, hidden]: the gradient w.r.t. the final states only (see GruForwardArgs.finalOnly). */
  readonly finalOnly?: boolean;
  readonly threads?: number;
  /** Arrays to write (some of) the gradients into instead of new ones (see `outStates`). */
  readonly out?: Partial<GruGradients>;
}

/** Gradients of the loss with respect to the inputs of `gruForward`. */
export interface GruGradients {
  /** [batch, time, 3·hidden]: the gradients of the r, u, c pre-activations. */
  readonly dXProj: Float32Array;
  /** [batch, hidden] */
  readonly dh0: Float32Array;
  /** [hidden, 2·hidden] */
  readonly dWhRU: Float32Array;
  /** [hidden, hidden] */
  readonly dWhC: Float32Array;
}

/** What `restoreGruSaved` rebuilds a GruSaved from: the forward inputs (less xProj) and outputs. */
export interface GruSavedArrays {
  readonly h0: Float32Array;
  readonly whRU: Float32Array;
  readonly whC: Float32Array;
  /** [batch, time, hidden], as returned by the forward pass. */
  readonly states: Float32Array;
  /** [batch, time, 3·hidden], as returned by `copyGruGates`. */
  readonly gates: Float32Array;
  readonly batch: number;
  readonly time: number;
  readonly hidden: number;
  readonly clip: number;
  readonly reverse?: boolean;
  /** For activations of `gruInputForward`: its x [batch, time, inDim], inDim and Wx. */
  readonly input?: { readonly x: Float32Array; readonly inDim: number; readonly wx: Float32Array };
}
