/**
 * Which runs a sweep has, and whether each is ready to train.
 *
 * From a RunCollection the runs are `rc.runList` (MATLAB linear order). From a folder — what the CLI
 * gets — they are found by scanning `<rcDir>/param_*\/*\/lfadsInput`: the prepared tree is the manifest,
 * so nothing extra has to be written at prepare time and a folder copied to a cluster works as is. A
 * consequence: every prepared run under the folder is part of the sweep, including params that were
 * later removed from the collection (delete their `param_*` folder to drop them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, LayoutError } from "../core/errors.js";
import { readH5 } from "../io/h5.js";
import { LFADS_INPUT_DIR, isInputInfoFileName, isLfadsInputFileName, runInputDir } from "../runs/layout.js";
import type { Run } from "../runs/run.js";
import type { RunCollection } from "../runs/run-collection.js";

/** One run of a sweep, known by its folder. */
export interface SweepRun {
  /** `param_XXXXXX/<run name>`: unique within the collection. */
  id: string;
  /** Absolute run folder (`run.path`). */
  dir: string;
}

export interface Sweep {
  /** Absolute collection folder (`rc.path`). */
  rcDir: string;
  runs: SweepRun[];
}

/** A RunCollection, the path of its folder (`rc.path`), or an explicit list of run folders (PBT's members). */
export type SweepSource = RunCollection | string | Sweep;

/** The collection folder of a sweep source, without listing its runs. */
export function sweepRcDir(source: SweepSource): string {
  if (typeof source === "string") return path.resolve(source);
  return path.resolve("rcDir" in source ? source.rcDir : source.path);
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function runOf(rcDir: string, dir: string): SweepRun {
  return { id: path.relative(rcDir, dir).split(path.sep).join("/"), dir };
}

/** Prepared runs under a collection folder (`param_*\/<name>/lfadsInput`), sorted by id. */
export function discoverRuns(rcDir: string): SweepRun[] {
  const root = path.resolve(rcDir);
  if (!isDir(root)) throw new LayoutError(`run collection folder not found: ${root}; pass the folder of a prepared RunCollection (rc.path)`);
  const runs: SweepRun[] = [];
  for (const p of fs.readdirSync(root).filter((n) => n.startsWith("param_")).sort()) {
    const pdir = path.join(root, p);
    if (!isDir(pdir)) continue;
    for (const name of fs.readdirSync(pdir).sort()) {
      const dir = path.join(pdir, name);
      if (isDir(runInputDir(dir))) runs.push(runOf(root, dir));
    }
  }
  return runs;
}

/** The runs of a RunCollection (all of them, prepared or not), of a folder (the prepared ones), or of an explicit Sweep (as given). */
export function sweepOf(source: SweepSource): Sweep {
  if (typeof source === "string") {
    const rcDir = path.resolve(source);
    const runs = discoverRuns(rcDir);
    if (runs.length === 0) {
      throw new LayoutError(`no prepared runs under ${rcDir} (no param_*/<run>/lfadsInput folders); prepare the RunCollection first (await rc.prepare()), then run the sweep`);
    }
    return { rcDir, runs };
  }
  if ("rcDir" in source) return { rcDir: path.resolve(source.rcDir), runs: source.runs.map((r) => ({ id: r.id, dir: path.resolve(r.dir) })) };
  const rcDir = path.resolve(source.path);
  return { rcDir, runs: source.runList.map((r: Run) => runOf(rcDir, path.resolve(r.path))) };
}

/** The run folder a `lfads run-one` / `lfads status` argument names: it must hold `lfadsInput/`. */
export function checkRunFolder(runDir: string): string {
  const dir = path.resolve(runDir);
  if (!isDir(dir)) throw new LayoutError(`run folder not found: ${dir}; prepare the RunCollection (await rc.prepare()) to create it`);
  if (!isDir(runInputDir(dir))) {
    throw new LayoutError(`run folder ${dir} is not prepared (no ${LFADS_INPUT_DIR}/ folder); run prepare for its RunCollection (await rc.prepare()) first`);
  }
  return dir;
}

/** The `data_XXXXXX` folder a link in lfadsInput points into, or undefined for a plain file. */
function linkedDataHash(link: string): string | undefined {
  let target: string;
  try {
    target = fs.readlinkSync(link);
  } catch {
    return undefined;
  }
  const part = target.split(/[\\/]/).find((s) => /^data_[A-Za-z0-9_-]{6}$/.test(s));
  return part?.slice("data_".length);
}

// Many runs share one inputInfo file (same data hash): read each once per process and version.
const hashCache = new Map<string, string | undefined>();

async function storedDataHash(file: string): Promise<string | undefined> {
  const real = fs.realpathSync(file);
  const st = fs.statSync(real);
  const key = `${real}\0${st.mtimeMs}\0${st.size}`;
  if (hashCache.has(key)) return hashCache.get(key);
  const hash = await readH5(real, (f) => {
    if (f.keys().includes("paramInputDataHash")) {
      const v = (f.get("paramInputDataHash") as { value?: unknown } | null)?.value;
      return typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined;
    }
    const a = (f.attrs as Record<string, { value?: unknown } | undefined>)["paramInputDataHash"]?.value;
    return typeof a === "string" ? a : undefined;
  });
  hashCache.set(key, hash);
  return hash;
}

/**
 * Check that a run can be trained: its folder and `lfadsInput/` exist, every input link resolves, and
 * each `inputInfo_<ds>.h5` carries the data hash of the `data_XXXXXX` folder its inputs link to (a
 * mismatch means the data or params changed after prepare and the inputs are stale).
 * Throws LayoutError / DataError naming the run and the fix.
 */
export async function checkRunInputs(runDir: string): Promise<void> {
  const dir = checkRunFolder(runDir);
  const input = runInputDir(dir);
  const names = fs.readdirSync(input).sort();
  const inputs = names.filter(isLfadsInputFileName);
  if (inputs.length === 0) throw new LayoutError(`run ${dir} has no lfads_<dataset>.h5 files in ${LFADS_INPUT_DIR}/; run prepare for its RunCollection again`);
  for (const n of names) {
    const p = path.join(input, n);
    if (!fs.existsSync(p)) {
      let target = "";
      try {
        target = ` -> ${fs.readlinkSync(p)}`;
      } catch {
        // not a link
      }
      throw new LayoutError(`run ${dir}: input ${LFADS_INPUT_DIR}/${n}${target} is missing (broken link: the data_* folder was moved or deleted); run prepare for its RunCollection again`);
    }
  }
  for (const n of names.filter(isInputInfoFileName)) {
    const p = path.join(input, n);
    const linked = linkedDataHash(p);
    if (linked === undefined) continue;
    let stored: string | undefined;
    try {
      stored = await storedDataHash(p);
    } catch (e) {
      throw new DataError(`run ${dir}: cannot read ${LFADS_INPUT_DIR}/${n} (${(e as Error).message}); run prepare with { regenerate: true } to rewrite it`, { cause: e });
    }
    const bare = stored?.replace(/^data_/, "");
    if (bare !== undefined && bare !== linked) {
      throw new DataError(
        `run ${dir}: the dataset or params changed since prepare: ${LFADS_INPUT_DIR}/${n} was written for data_${bare} but links into data_${linked}; ` +
          `prepare the RunCollection again with { regenerate: true } (lfads-ts will not train on stale inputs)`,
      );
    }
  }
}

/** Check every run (see checkRunInputs); one error lists every run that is not ready. */
export async function checkSweepInputs(sweep: Sweep): Promise<void> {
  const problems: { run: SweepRun; err: Error }[] = [];
  for (const run of sweep.runs) {
    try {
      await checkRunInputs(run.dir);
    } catch (e) {
      if (!(e instanceof LayoutError || e instanceof DataError)) throw e;
      problems.push({ run, err: e });
    }
  }
  if (problems.length === 0) return;
  const first = problems[0]!.err;
  if (problems.length === 1) throw first;
  const Ctor = problems.some((p) => p.err instanceof LayoutError) ? LayoutError : DataError;
  const list = problems.map((p) => `${p.run.id}: ${p.err.message.replace(`run ${p.run.dir}: `, "").replace(`${p.run.dir} `, "")}`);
  throw new Ctor(`${problems.length} of ${sweep.runs.length} runs under ${sweep.rcDir} are not ready to train — ${list.join(" | ")}`);
}
