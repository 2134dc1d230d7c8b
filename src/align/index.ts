/** Stitching alignment (read-in initialisation) — TensorFlow-free. */
export {
  computeAlignment,
  validateAlignment,
  parseAlignmentExtraArgs,
  ALIGNMENT_APPROACHES,
} from "./alignment.js";
export type {
  AlignmentApproach,
  AlignmentDatasetInput,
  AlignmentExtraArgs,
  AlignmentOptions,
  AlignmentResult,
  ConditionId,
  RidgeSelection,
} from "./alignment.js";
export { alignmentReconstructionData } from "./reconstruction.js";
export type {
  AlignmentReconstructionData,
  AlignmentReconstructionOptions,
  ReconstructionPanel,
  ReconstructionTrace,
} from "./reconstruction.js";
export { pca, lstsq, ridgeCv, logspace, matlabSignConvention, mat } from "../core/linalg.js";
export type { Mat, PcaResult, LstsqResult, RidgeCvOptions, RidgeCvResult } from "../core/linalg.js";
