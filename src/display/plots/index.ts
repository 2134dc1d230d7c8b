/** Plotly figures: the `Figure` class and builders for LFADS outputs (TensorFlow-free, plain data in). */
export { Figure, figure, showPlotlyJs, toPlainJson, type FigureSpec, type FigureStyle, type FigureHtmlOptions, type PlotlyTrace, type PlotlyLayout, type PlotlyConfig } from "./figure.js";
export { plotSingleTrialRates, type SingleTrialRatesOptions } from "./rates.js";
export {
  plotConditionAveragedFactors, plotFactorTrajectories3d, conditionMeans,
  type ConditionAverageOptions, type ConditionFactorsOptions, type FactorTrajectoryOptions, type ConditionMeans, type TrialSubset,
} from "./factors.js";
export { plotTrainingCurves, type TrainingCurveOptions } from "./training.js";
export { plotPbt, type PbtPlotOptions } from "./pbt.js";
export { plotAlignmentReconstruction, type AlignmentPlotOptions } from "./alignment.js";
export { runDashboard, RunDashboard, type RunDashboardRow, type RunDashboardOptions } from "./dashboard.js";
export { categoricalColors, makeGrid, type Grid, type GridOptions } from "./layout.js";
export { plotlyBundlePath, plotlyVersion } from "./plotly-js.js";
