/**
 * The on-disk tree as pure path functions (reference §1.6, §3.1). Nothing here touches the disk.
 *
 *   <rootPath>/<rc.name>/                       rc.path
 *     summary.txt
 *     data_<dataHash>/<runName>/                run.pathCommonData (version >= 20171107)
 *       lfads_<ds>.h5, inputInfo_<ds>.h5
 *     data_<dataHash>/                          run.pathCommonData (version < 20171107, shared by specs)
 *     param_<paramHash>/<runName>/              run.path
 *       lfadsInput/{lfads_<ds>.h5, inputInfo_<ds>.h5} -> ../../../data_<dataHash>/[<runName>/]<file>
 *       lfadsOutput/ lfads_train.sh lfads.out lfads.done …
 */
import * as path from "node:path";
import { NotSupportedError, ParamError } from "../core/errors.js";

/** Default RunCollection version; from this version on data folders are per run spec. */
export const DEFAULT_RC_VERSION = 20171107;
export const VERSION_PER_SPEC_DATA = 20171107;

/** Check a RunCollection version: a positive integer, and a layout lfads-ts writes (>= 3). */
export function checkVersion(version: unknown): number {
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1 || version > 4294967295) {
    throw new ParamError(`RunCollection version must be a positive integer date such as 20171107 (YYYYMMDD), got ${JSON.stringify(version)}`);
  }
  if (version < 3) {
    throw new NotSupportedError(`RunCollection version ${version} (< 3) uses the pre-2017 single-params layout, which lfads-ts does not write; use 20171107 or the date you first ran the script (YYYYMMDD)`);
  }
  return version;
}

export const lfadsInputFileName = (ds: string): string => `lfads_${ds}.h5`;
/** Our sidecar is HDF5 (MATLAB wrote a v5 `.mat`, which we cannot write). */
export const inputInfoFileName = (ds: string): string => `inputInfo_${ds}.h5`;
export const sequenceFileName = (ds: string): string => `seq_${ds}.mat`;

export function runPath(rcPath: string, paramHashString: string, runName: string): string {
  return path.join(rcPath, paramHashString, runName);
}

export function commonDataPath(rcPath: string, dataHashString: string, runName: string, version: number): string {
  return version >= VERSION_PER_SPEC_DATA ? path.join(rcPath, dataHashString, runName) : path.join(rcPath, dataHashString);
}

/** Link target as `ln -sfn` gets it, relative to `<run.path>/lfadsInput/`. */
export function relativeLinkTarget(dataHashString: string, runName: string, fileName: string, version: number): string {
  return version >= VERSION_PER_SPEC_DATA ? path.join("..", "..", "..", dataHashString, runName, fileName) : path.join("..", "..", "..", dataHashString, fileName);
}

/**
 * Marker files in a run folder, shared by the trainer, the queue, the demo and the displays:
 * `lfads.done.train` = training finished; `lfads.done` = trained and posterior sampled (as the MATLAB
 * queue's donefile); `lfads.failed` = why the last attempt failed; `lfads.running` = a worker holds it.
 */
export const RUN_MARKERS = {
  trainDone: "lfads.done.train",
  done: "lfads.done",
  failed: "lfads.failed",
  running: "lfads.running",
} as const;
