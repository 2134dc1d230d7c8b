/** Public display API: rich Jupyter output with a text fallback, tables, RunParams/dataset/run views, progress. */
export { inKernel, useTslab, setTextOutput, type MimeBundle, type TslabLike, type TextTarget } from "./bridge.js";
export { show, showBundle, bundleOf, saveHtml, newDisplay, type Displayable, type DisplayHandle } from "./show.js";
export { richInspect, attachRichDisplay, type RichRenderers } from "./inspect.js";
export { renderTableHtml, renderTableText, formatCell, type TableData, type TableOptions, type ColumnSpec, type Align } from "./table.js";
export { asTable, TableView } from "./table-view.js";
export { progress, type Progress, type ProgressOptions, type ProgressInfo } from "./progress.js";
export { matlabShort, matlabDisplay } from "./matlab.js";
export { paramsHeader, paramsToText, paramsToHtml, paramsSummaryLine, paramsSummaryText, type ParamsHtmlOptions } from "./run-params.js";
export { datasetCollectionToHtml, datasetToHtml, datasetsTableHtml } from "./datasets.js";
export { runCollectionToHtml, runSpecToHtml, runToHtml, runDiskStatus, paramsTableHtml, runSpecsTableHtml, type RunDiskState, type RunDiskStatus } from "./runs.js";
export { trainingDisplay, trainingProgressHtml, costSparkline } from "./training-progress.js";
export type { TrainingDisplayOptions } from "./training-progress.js";
