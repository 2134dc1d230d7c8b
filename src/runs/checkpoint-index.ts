/**
 * TF's checkpoint index files (`checkpoint`, `checkpoint_lve`): one `all_model_checkpoint_paths: "<path>"`
 * line per kept checkpoint, oldest first. The one parser that training, run-lfads and the fit-log plot share.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The checkpoint paths an index lists, oldest first, as written (relative or absolute); [] when the file is absent. */
export function readCheckpointIndex(indexFile: string): string[] {
  if (!fs.existsSync(indexFile)) return [];
  const all: string[] = [];
  for (const line of fs.readFileSync(indexFile, "utf8").split("\n")) {
    const m = /^all_model_checkpoint_paths:\s*"(.*)"\s*$/.exec(line);
    if (m) all.push(m[1]!);
  }
  return all;
}

/** The newest checkpoint that `<dir>/<indexName>` lists and that exists on disk (relative paths are taken from `dir`). */
export function newestListedCheckpoint(dir: string, indexName: string): string | undefined {
  const all = readCheckpointIndex(path.join(dir, indexName));
  for (let i = all.length - 1; i >= 0; i--) {
    const p = path.isAbsolute(all[i]!) ? all[i]! : path.join(dir, all[i]!);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}
