/**
 * Which files of a data folder are LFADS datasets, with TF LFADS's rule (`utils.read_datasets`,
 * lfads-model.md §5): every file whose name **starts with** the stem is one dataset, named
 * `filename[len(stem) + 1:]` — the character after the stem (usually `_`) is dropped and any extension
 * stays. So `run_lfads.py --data_filename_stem=chaotic_rnn_inputs_g2p5` reads
 * `chaotic_rnn_inputs_g2p5_dataset_N50_S50` as dataset `dataset_N50_S50`, and the Run Manager's
 * `lfads_dataset001.h5` under the stem `lfads` is dataset `dataset001.h5`.
 *
 * Differences from TF, all on purpose: files are sorted by name (Python's `os.listdir` order is
 * arbitrary, and the first dataset decides `prior_sample`'s read-out); folders and hidden files (our
 * atomic writes' `.<name>.tmp-…`) are skipped; a file named exactly like the stem, which TF would load
 * as a dataset with an empty name, is an error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LayoutError, ParamError } from "../core/errors.js";
import { LFADS_INPUT_STEM } from "../runs/layout.js";

/** The stem of the Run Manager's input files (`lfads_<dataset>.h5`). */
export const RUN_MANAGER_STEM = LFADS_INPUT_STEM;

export interface InputFile {
  /** Absolute or folder-relative path, as `path.join(dir, fileName)`. */
  file: string;
  /** TF dataset name: the file name after the stem and one separator character. */
  name: string;
}

/** TF dataset name of `fileName` under `stem`, or undefined when the file does not start with the stem. */
function datasetNameFor(fileName: string, stem: string): string | undefined {
  if (!fileName.startsWith(stem)) return undefined;
  return fileName.slice(stem.length + 1);
}

/**
 * The dataset files of `dir` under `stem`, sorted by file name. Throws when the folder is missing or no
 * file matches (naming what is there, to catch a wrong stem).
 */
export function listInputFilesByStem(dir: string, stem: string = RUN_MANAGER_STEM): InputFile[] {
  if (stem === "") throw new ParamError("the data file-name stem is empty; every file in the folder would be a dataset (pass --data_filename_stem)");
  if (!fs.existsSync(dir)) throw new LayoutError(`LFADS input folder not found: ${dir}`);
  if (!fs.statSync(dir).isDirectory()) throw new LayoutError(`LFADS input folder ${dir} is not a folder`);
  const entries = fs.readdirSync(dir).sort();
  const out: InputFile[] = [];
  for (const f of entries) {
    if (f.startsWith(".")) continue;
    const name = datasetNameFor(f, stem);
    if (name === undefined) continue;
    const file = path.join(dir, f);
    let st: fs.Stats;
    try {
      st = fs.statSync(file); // follows symlinks (the Run Manager links its inputs)
    } catch {
      throw new LayoutError(`input file ${file} cannot be read (a dangling link?)`);
    }
    if (!st.isFile()) continue;
    if (name === "") throw new LayoutError(`input file ${file} is named exactly like the stem '${stem}', so it has no dataset name; rename it to ${stem}_<name>`);
    out.push({ file, name });
  }
  if (out.length === 0) {
    const others = entries.filter((f) => !f.startsWith(".")).slice(0, 8);
    throw new LayoutError(
      `no input files starting with '${stem}' in ${dir}` + (others.length ? ` (found: ${others.join(", ")}${entries.length > others.length ? ", …" : ""})` : " (the folder is empty)"),
    );
  }
  return out;
}
