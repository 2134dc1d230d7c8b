/**
 * `<run>/params.json`: a run's RunParams (and what they were prepared for) stored in its folder, so
 * that the command line (`lfads train <runDir>`, `lfads posterior <runDir>`, the queue's shell
 * scripts) can work from the folder alone, before any training output exists. Written at prepare
 * time (`writeRunParamsFile(run)`), read by `readRunParamsFile(dir)`. TF-free.
 *
 * Format (JSON, one object):
 *
 *   { "format": "lfads-ts run params", "formatVersion": 1,
 *     "runName": "single_dataset001", "paramHash": "param_YOs74u", "dataHash": "data_4MaTKO",
 *     "datasetNames": ["dataset001"], "params": { …RunParams.toJSON(): non-default values, name/version included } }
 *
 * Only `params` is needed to rebuild the RunParams; the rest is recorded to check it (a param hash that
 * no longer matches means the parameter table's defaults changed since the run was prepared).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, LayoutError, warn } from "../core/errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { RunParams, type RunParamsInit } from "../params/run-params.js";
import { RUN_PARAMS_FILE } from "./layout.js";

export { RUN_PARAMS_FILE };

const FORMAT = "lfads-ts run params";
const FORMAT_VERSION = 1;

/** What a run params file holds, parsed. */
export interface RunParamsFile {
  /** Path of the file read. */
  file: string;
  params: RunParams;
  /** The run's name (its folder name), when recorded. */
  runName?: string;
  /** `param_XXXXXX` recorded at prepare time. */
  paramHash?: string;
  /** `data_XXXXXX` recorded at prepare time. */
  dataHash?: string;
  /** Dataset names of the run, e.g. `["dataset001"]`, when recorded. */
  datasetNames?: string[];
}

/** The fields `writeRunParamsFile` needs: a Run of src/runs has them all. */
export interface RunParamsSource {
  path: string;
  name: string;
  params: RunParams;
  datasetNames: readonly string[];
}

/** JSON text of a run's params file. */
function runParamsFileText(run: RunParamsSource): string {
  const doc = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    runName: run.name,
    paramHash: run.params.paramHashString,
    dataHash: run.params.dataHashString,
    datasetNames: [...run.datasetNames],
    params: run.params.toJSON(),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

/**
 * Write `<run.path>/params.json` (atomically; left untouched when the content is the same).
 * Returns its path. Call it from prepare, once the run folder exists.
 */
export function writeRunParamsFile(run: RunParamsSource, options: { force?: boolean } = {}): string {
  const file = path.join(run.path, RUN_PARAMS_FILE);
  const text = runParamsFileText(run);
  // Unchanged content is left alone (prepare without regenerate touches nothing), unless forced.
  let same = false;
  try {
    same = fs.readFileSync(file, "utf8") === text;
  } catch {
    // missing
  }
  if (!same || options.force) writeFileAtomic(file, text);
  return file;
}

/**
 * Read the params of the run in folder `runDir` (or a params JSON file given directly). A bare object of
 * RunParams values (`{ "c_co_dim": 0, … }`) is accepted too, for runs set up by hand.
 * Missing file → LayoutError saying how to create it; malformed → DataError naming the file.
 */
export function readRunParamsFile(runDirOrFile: string): RunParamsFile {
  const isDir = fs.existsSync(runDirOrFile) && fs.statSync(runDirOrFile).isDirectory();
  const file = isDir ? path.join(runDirOrFile, RUN_PARAMS_FILE) : runDirOrFile;
  if (!fs.existsSync(file)) {
    throw new LayoutError(
      `${file} not found: the run's params are stored there at prepare time; prepare the run again with this lfads-ts version, ` +
        `call writeRunParamsFile(run) for it, or pass a JSON file of RunParams values (--params <file>)`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new DataError(`${file} is not valid JSON (${(e as Error).message}); re-write it with writeRunParamsFile(run)`, { cause: e });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new DataError(`${file} must hold a JSON object, got ${Array.isArray(doc) ? "an array" : typeof doc}`);
  const o = doc as Record<string, unknown>;
  const wrapped = o["format"] === FORMAT;
  if (wrapped && typeof o["formatVersion"] === "number" && o["formatVersion"] > FORMAT_VERSION) {
    throw new DataError(`${file} has formatVersion ${o["formatVersion"]}, newer than this lfads-ts reads (${FORMAT_VERSION}); update lfads-ts`);
  }
  const init = wrapped ? o["params"] : o;
  if (init === null || typeof init !== "object" || Array.isArray(init)) throw new DataError(`${file}: "params" must be an object of RunParams values`);
  let params: RunParams;
  try {
    params = new RunParams(init as RunParamsInit);
  } catch (e) {
    throw new DataError(`${file}: ${(e as Error).message}`, { cause: e });
  }
  const out: RunParamsFile = { file, params };
  if (!wrapped) return out;
  const str = (k: string): string | undefined => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  const runName = str("runName");
  const paramHash = str("paramHash");
  const dataHash = str("dataHash");
  if (runName !== undefined) out.runName = runName;
  if (paramHash !== undefined) out.paramHash = paramHash;
  if (dataHash !== undefined) out.dataHash = dataHash;
  if (Array.isArray(o["datasetNames"]) && o["datasetNames"].every((x) => typeof x === "string")) out.datasetNames = o["datasetNames"] as string[];
  if (paramHash !== undefined && paramHash !== params.paramHashString) {
    warn(`${file} was written for ${paramHash} but its values now hash to ${params.paramHashString}: the parameter defaults changed since prepare; the stored values are used`);
  }
  return out;
}
