/** Stitching alignment (read-in initialisation) — TensorFlow-free. */
export { computeAlignment } from "./alignment.js";
export { validateAlignment } from "./validate.js";
export { parseAlignmentExtraArgs } from "./options.js";
export { ALIGNMENT_APPROACHES } from "./types.js";
export type {
  AlignmentApproach,
  AlignmentDatasetInput,
  AlignmentExtraArgs,
  AlignmentOptions,
  AlignmentResult,
  ConditionId,
  RidgeSelection,
} from "./types.js";
export { alignmentReconstructionData } from "./reconstruction.js";
export type {
  AlignmentReconstructionData,
  AlignmentReconstructionOptions,
  ReconstructionPanel,
  ReconstructionTrace,
} from "./reconstruction.js";
export { pca, lstsq, ridgeCv, logspace, matlabSignConvention, mat } from "../core/linalg.js";
export type { Mat, PcaResult, LstsqResult, RidgeCvOptions, RidgeCvResult } from "../core/linalg.js";
