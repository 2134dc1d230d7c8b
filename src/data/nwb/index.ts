/** NWB files: read the Units and trials tables and behaviour, bin aligned trials, write NWB (the synthetic fixture). */
export { readNwb, splitRagged } from "./read-nwb.js";
export type { NwbContent, NwbTimeSeries, NwbTrialColumn, NwbTrialsTable, NwbUnits } from "./read-nwb.js";
export { binNwbTrials, countSpikes, unitRowsByHeldout } from "./bin-trials.js";
export type { NwbBinOptions, NwbTrials } from "./bin-trials.js";
export { NwbDataset } from "./nwb-dataset.js";
export type { NwbDatasetOptions } from "./nwb-dataset.js";
export { writeNwbFile } from "./write-nwb.js";
export type { NwbColumn, NwbColumnValues, NwbFileInput, NwbTimeSeriesInput, NwbTrialsInput, NwbUnitsInput } from "./write-nwb.js";
