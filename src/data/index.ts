/** Datasets, the default file loader, split/re-bin and the Lorenz demo generator. */
export { Dataset, datasetNameFromPath } from "./dataset.js";
export type { DatasetInfo, DatasetOwner, DatasetInfoLoader, DatasetLoader, DatasetOptions, LoadDataOptions } from "./dataset.js";
export { DatasetCollection, expandHome, renderInfoTable, resolveSelection } from "./dataset-collection.js";
export type { DatasetInfoRow, DatasetInfoTable, Selection } from "./dataset-collection.js";
export { checkDatasetData, datenumToDate, isoDate, parseDatetime } from "./dataset-data.js";
export type { CheckedDatasetData, DatasetArrays, DatasetData } from "./dataset-data.js";
export { readDatasetFile, readDatasetFileInfo, reverseDims, sniffFile } from "./read-dataset-file.js";
export type { DatasetFileInfo, FileKind } from "./read-dataset-file.js";
export { rebin, rebinFactor, rebinnedLength, rebinToLfadsLayout, splitTrainValid } from "./rebin-split.js";
export type { TrainValidSplit } from "./rebin-split.js";
export { forEachLorenzDataset, generateLorenzDatasets, lorenzTrajectories, simulateLorenz } from "./lorenz.js";
export type { LorenzDataset, LorenzDatasetSummary, LorenzOptions } from "./lorenz.js";
export { NwbDataset, binNwbTrials, countSpikes, readNwb, splitRagged, unitRowsByHeldout, writeNwbFile } from "./nwb/index.js";
export type { NwbBinOptions, NwbContent, NwbDatasetOptions, NwbFileInput, NwbTimeSeries, NwbTrialColumn, NwbTrials, NwbTrialsTable, NwbUnits } from "./nwb/index.js";
