/**
 * lfads-ts public entry (TensorFlow-free). Training and sampling live in `lfads-ts/tf`.
 * Named re-exports, grouped by pipeline stage: params + data → runs → prepare → train → posterior → display.
 */

// core
export { LfadsError, ParamError, ShapeError, LayoutError, DataError, NotSupportedError, warn, setWarningSink } from "./core/errors.js";
export { Rng } from "./core/rng.js";
export type { Array3D, NumericArray } from "./core/array3d.js";

// params
export { RunParams, validateParam, displayValue, cliValue } from "./params/run-params.js";
export type { RunParamsInit } from "./params/run-params.js";
export { generateSweep, assertDistinctHashes } from "./params/sweep.js";
export type { SweepAxes } from "./params/sweep.js";
export { PARAM_TABLE, PARAM_SPECS, GROUP_TITLES } from "./params/table.js";
export type { ParamSpec, ParamName, ParamGroup, RunParamsValues, MatlabClass, ParamValue } from "./params/table.js";
export { dataHashBytes, matlabHash6 } from "./params/hash.js";
export type { MatlabValue } from "./params/hash.js";
