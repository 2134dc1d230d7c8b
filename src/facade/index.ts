/**
 * The notebook-facing classes (TF-free): Run and RunCollection with the Run Manager's methods. The
 * TensorFlow.js half (samplePosterior with its default progress display) is sample-posterior.ts,
 * exported by `lfads-ts/tf` only.
 */
export { Run, RunCollection } from "./runs.js";
