/**
 * The Neural Latents Benchmark: its metrics from the formulas (co-bps, fp-bps, velocity R², PSTH R²),
 * the smoothing baseline, and the eval target built from binned NWB trials.
 */
export { bitsPerSpike, nullRates, poissonNll } from "./poisson.js";
export { NLB_RIDGE_ALPHAS, kFoldBounds, predict, r2Uniform, ridgeGridCv } from "./ridge.js";
export type { RidgeCvFit, RidgeFit, Rows } from "./ridge.js";
export { velocityR2 } from "./vel-r2.js";
export type { VelocityR2Input } from "./vel-r2.js";
export { psthR2 } from "./psth-r2.js";
export { gaussianWindow, smoothSpikes } from "./smooth.js";
export { fitPoissonGlm, predictPoisson } from "./poisson-glm.js";
export type { PoissonGlm } from "./poisson-glm.js";
export { glmHeldoutRates, smoothingBaseline } from "./baseline.js";
export { writeNlbLfadsInput } from "./lfads-input.js";
export { concatBins, nlbRatesFromLfads, sliceBinsNeurons, writeNlbLfadsReconInput } from "./lfads-recon-input.js";
export type { NlbLfadsLayout } from "./lfads-recon-input.js";
export type { SmoothingBaselineInput, SmoothingBaselineOptions } from "./baseline.js";
export type { NlbRates } from "./rates.js";
export { nlbInputs, nlbPsth, nlbTarget, takeTrials } from "./target.js";
export type { NlbInputs, NlbTarget } from "./target.js";
export { evaluateNlb } from "./evaluate.js";
export type { NlbScores } from "./evaluate.js";
export { concatNeurons } from "./tensor.js";
export type { NlbTensor } from "./tensor.js";
export { readNlbSubmission, readNlbTarget, writeNlbSubmission, writeNlbTarget } from "./files.js";
