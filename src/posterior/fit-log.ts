/**
 * `FitLog`: the per-epoch training log `fitlog.csv` that TF LFADS appends to (lfads-model.md §3.5,
 * run-manager.md §8.5). Two line layouts exist, both label-value pairs separated by commas, with runs of
 * spaces left by Python line continuations:
 *
 * ```
 * epoch,<i>, step,<s>, total,<tr>,<va>,       recon,<tr>,<va>, kl,<tr>,<va>, l2,<l2>,       klweight,<w>, l2weight,<w>
 * epoch,<i>, step,<s>, total,<tr>, recon,<tr>, kl,<tr>,       l2,<l2>, klweight,<w>, l2weight,<w>      (no validation set)
 * ```
 * Parsing is driven by the labels, so either layout (and a file mixing both) reads; values that are not
 * numbers become NaN (`inf`/`nan` as Python prints them are understood).
 *
 * lfads-ts also writes `fitlog_diagnostics.csv` beside it (gradient norms, clipping rate, each posterior's
 * KL, learning rate, divergence events; fit-diagnostics.ts); `loadFitLog` reads it when present, as
 * `fitLog.diagnostics` (TF LFADS and lfads-torch folders have none).
 *
 * `loadFitLog(dir, { dataFrame: true })` / `fitLog.toDataFrame()` give the same tidy table as a danfojs-node
 * DataFrame. danfojs-node is an optional peer dependency, loaded only then (ecosystem.md §4: it needs two
 * npm overrides in the project's root package.json, see DANFO_INSTALL).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, didYouMean, LayoutError, LfadsError, ParamError } from "../core/errors.js";
import { FIT_LOG_COLUMNS, parseFitLogLine, type FitLogColumn, type FitLogRow } from "../runs/fit-log-line.js";
import { FITLOG_DIAGNOSTICS_FILE, FITLOG_FILE } from "../runs/layout.js";
import { FIT_DIAGNOSTICS_COLUMNS, readFitDiagnostics, type FitDiagnosticsColumn, type FitDiagnosticsRow } from "./fit-diagnostics.js";

export { FIT_LOG_COLUMNS, parseFitLogLine } from "../runs/fit-log-line.js";
export type { FitLogColumn, FitLogRow } from "../runs/fit-log-line.js";

/** The parsed fit log of one run. Rows are in file order (one per epoch). */
export class FitLog {
  readonly rows: readonly Readonly<FitLogRow>[];
  /** The file it came from, when read from disk. */
  readonly source?: string;
  /** The rows of `fitlog_diagnostics.csv` when the run has one (lfads-ts training writes it), in file order. */
  readonly diagnostics?: readonly Readonly<FitDiagnosticsRow>[];

  constructor(rows: readonly FitLogRow[], source?: string, diagnostics?: readonly FitDiagnosticsRow[]) {
    this.rows = rows.map((r) => Object.freeze({ ...r }));
    if (source !== undefined) this.source = source;
    if (diagnostics !== undefined) this.diagnostics = diagnostics.map((r) => Object.freeze({ ...r }));
  }

  /** Parse the text of a `fitlog.csv` (blank lines skipped). */
  static parse(text: string, source?: string): FitLog {
    const rows: FitLogRow[] = [];
    text.split(/\r?\n/).forEach((line, k) => {
      if (line.trim() === "") return;
      rows.push(parseFitLogLine(line, `${source ?? "fitlog"} line ${k + 1}`));
    });
    return new FitLog(rows, source);
  }

  /** Number of logged epochs (rows). */
  get nEpochs(): number {
    return this.rows.length;
  }

  /** True when any row carries validation costs. */
  get hasValid(): boolean {
    return this.rows.some((r) => !Number.isNaN(r.total_valid));
  }

  /**
   * A diagnostics column aligned with `rows` (matched by epoch): NaN for epochs the diagnostics file
   * does not cover, undefined when there is no diagnostics file.
   */
  diagnosticColumn(name: FitDiagnosticsColumn): Float64Array | undefined {
    if (!FIT_DIAGNOSTICS_COLUMNS.includes(name)) throw new DataError(`FitLog diagnostics have no column '${name}'; columns: ${FIT_DIAGNOSTICS_COLUMNS.join(", ")}`);
    if (!this.diagnostics) return undefined;
    const byEpoch = new Map(this.diagnostics.map((d) => [d.epoch, d]));
    return Float64Array.from(this.rows, (r) => byEpoch.get(r.epoch)?.[name] ?? NaN);
  }

  /** The epochs whose diagnostics carry an event (a divergence and what was done), in file order. */
  get events(): { epoch: number; step: number; event: string }[] {
    return (this.diagnostics ?? []).filter((d) => d.event !== "").map((d) => ({ epoch: d.epoch, step: d.step, event: d.event }));
  }

  /** One column as a Float64Array (e.g. `column("total_valid")` for a plot). */
  column(name: FitLogColumn): Float64Array {
    if (!FIT_LOG_COLUMNS.includes(name)) throw new DataError(`FitLog has no column '${name}'; columns: ${FIT_LOG_COLUMNS.join(", ")}`);
    return Float64Array.from(this.rows, (r) => r[name]);
  }

  /**
   * 0-based row of the lowest validation total cost among rows after both ramps (`kl_weight == 1 &&
   * l2_weight == 1`), the Run Manager's rule; the first such row on ties. Undefined when no row qualifies
   * (ramps unfinished, or no validation costs).
   */
  get lveIndex(): number | undefined {
    let best: number | undefined;
    this.rows.forEach((r, i) => {
      if (r.kl_weight === 1 && r.l2_weight === 1 && !Number.isNaN(r.total_valid) && (best === undefined || r.total_valid < this.rows[best]!.total_valid)) best = i;
    });
    return best;
  }

  /** The row at `lveIndex`, or undefined. */
  get lveRow(): Readonly<FitLogRow> | undefined {
    const i = this.lveIndex;
    return i === undefined ? undefined : this.rows[i];
  }

  private lve(k: FitLogColumn): number {
    return this.lveRow?.[k] ?? NaN;
  }
  /** Values at the lowest-validation-error row (NaN when `lveIndex` is undefined). */
  get total_train_lve(): number {
    return this.lve("total_train");
  }
  get total_valid_lve(): number {
    return this.lve("total_valid");
  }
  get recon_train_lve(): number {
    return this.lve("recon_train");
  }
  get recon_valid_lve(): number {
    return this.lve("recon_valid");
  }
  get kl_train_lve(): number {
    return this.lve("kl_train");
  }
  get kl_valid_lve(): number {
    return this.lve("kl_valid");
  }
  get l2_lve(): number {
    return this.lve("l2");
  }

  /** Tidy rows (fresh copies), one per epoch. */
  toRows(): FitLogRow[] {
    return this.rows.map((r) => ({ ...r }));
  }

  /**
   * The tidy table as a danfojs-node DataFrame: one row per epoch (file order, index 0…n−1), the columns
   * `FIT_LOG_COLUMNS` in that order, the same numbers as `toRows()` (NaN kept). Loads danfojs-node on the
   * first call; throws a LfadsError with the install command when it is not installed.
   */
  toDataFrame(): FitLogDataFrame {
    const { DataFrame } = loadDanfo("FitLog.toDataFrame()");
    return new DataFrame(
      this.rows.map((r) => FIT_LOG_COLUMNS.map((c) => r[c])),
      { columns: [...FIT_LOG_COLUMNS] },
    );
  }
}

/**
 * What `loadFitLog(…, { dataFrame: true })` returns: a danfojs-node `DataFrame`, typed by the members used
 * here so that these declarations compile without danfojs installed. For danfo's full type write
 * `loadFitLog(dir, { dataFrame: true }) as DataFrame` (with `import { DataFrame } from "danfojs-node"`).
 */
export interface FitLogDataFrame {
  /** `[nEpochs, FIT_LOG_COLUMNS.length]`. */
  readonly shape: number[];
  /** `FIT_LOG_COLUMNS`, in order. */
  readonly columns: string[];
  /** Row labels `0 … nEpochs − 1`. */
  readonly index: (string | number)[];
  /** danfo's dtype per column (`int32` / `float32`; the values themselves are full-precision numbers). */
  readonly dtypes: string[];
  /** Row-major values: one array per epoch, numbers in column order (NaN where the log had none). */
  readonly values: number[][];
  /** One column as a danfo Series: `.values` holds one number per epoch. */
  column(name: FitLogColumn): { readonly values: number[] };
  /** The table as text (danfo's box drawing); `print()` writes it to stdout (shown under a tslab cell). */
  toString(): string;
  print(): void;
}

/** Options of `loadFitLog` / `run.loadFitLog`. */
export interface LoadFitLogOptions {
  /** Return a danfojs-node DataFrame of the tidy table instead of a FitLog (needs danfojs-node, see DANFO_INSTALL). */
  dataFrame?: boolean;
}

/**
 * Shell command that installs danfojs-node into a project. The two overrides must sit in the project's
 * root package.json (npm ignores them in dependencies): without them the install fails fetching xlsx
 * from cdn.sheetjs.com and tries to build @tensorflow/tfjs-node; with them danfo shares this package's
 * TensorFlow.js 4.22 (one @tensorflow/tfjs-core).
 */
export const DANFO_INSTALL =
  "npm pkg set 'overrides.@tensorflow/tfjs-node=npm:@tensorflow/tfjs@4.22.0' 'overrides.xlsx=npm:xlsx@0.18.5' && npm install danfojs-node@1.2.0";

/** The part of the danfojs-node module used here. */
interface DanfoModule {
  DataFrame: new (data: number[][], options: { columns: string[] }) => FitLogDataFrame;
}

let danfo: DanfoModule | undefined;

/**
 * `require("danfojs-node")`, once, on first use (so nothing else pays its ~0.8 s load). `what` names the
 * call that needs it, for the error when it is missing.
 */
function loadDanfo(what: string): DanfoModule {
  if (danfo) return danfo;
  let mod: DanfoModule;
  try {
    mod = require("danfojs-node") as DanfoModule;
  } catch (e) {
    const msg = String((e as Error | undefined)?.message ?? e).split("\n")[0]!;
    if ((e as NodeJS.ErrnoException | undefined)?.code === "MODULE_NOT_FOUND" && msg.includes("'danfojs-node'")) {
      throw new LfadsError(
        `${what} needs the optional package danfojs-node, which is not installed (${msg}). ` +
          `Install it in your project; npm needs two overrides in the project's root package.json for it, and this command adds them: ${DANFO_INSTALL}. ` +
          "Without danfojs, loadFitLog(dir) gives a FitLog, and fitLog.toRows() is the same tidy table as plain rows.",
        { cause: e },
      );
    }
    throw new LfadsError(`${what}: loading danfojs-node failed (${msg}); a working install is: ${DANFO_INSTALL}`, { cause: e });
  }
  if (typeof mod?.DataFrame !== "function") {
    throw new LfadsError(`${what}: the installed danfojs-node has no DataFrame export; install danfojs-node 1.x: ${DANFO_INSTALL}`);
  }
  danfo = mod;
  return mod;
}

/**
 * Read `fitlog.csv` from a run's LFADS output folder (or from the file path itself), with
 * `fitlog_diagnostics.csv` beside it when present (`fitLog.diagnostics`). Missing file → a
 * LayoutError saying the model has not been trained (training writes it, one line per epoch).
 * With `{ dataFrame: true }` the tidy table comes back as a danfojs-node DataFrame (`FitLog.toDataFrame`).
 */
export function loadFitLog(outputDirOrFile: string, options?: LoadFitLogOptions & { dataFrame?: false }): FitLog;
export function loadFitLog(outputDirOrFile: string, options: LoadFitLogOptions & { dataFrame: true }): FitLogDataFrame;
export function loadFitLog(outputDirOrFile: string, options?: LoadFitLogOptions): FitLog | FitLogDataFrame;
export function loadFitLog(outputDirOrFile: string, options: LoadFitLogOptions = {}): FitLog | FitLogDataFrame {
  const asDataFrame = dataFrameOption(options);
  const file = fs.existsSync(outputDirOrFile) && fs.statSync(outputDirOrFile).isDirectory() ? path.join(outputDirOrFile, FITLOG_FILE) : outputDirOrFile;
  if (!fs.existsSync(file)) {
    throw new LayoutError(`${FITLOG_FILE} not found: ${file}; training writes it (one line per epoch) — train the run first (lfads train / run_lfads.py --kind=train)`);
  }
  if (asDataFrame) loadDanfo("loadFitLog option dataFrame: true");
  const parsed = FitLog.parse(fs.readFileSync(file, "utf8"), file);
  // The sidecar belongs to a fitlog.csv in the same folder (not to a renamed copy elsewhere).
  const diagnostics = path.basename(file) === FITLOG_FILE ? readFitDiagnostics(path.join(path.dirname(file), FITLOG_DIAGNOSTICS_FILE)) : undefined;
  const log = diagnostics ? new FitLog(parsed.rows, file, diagnostics) : parsed;
  return asDataFrame ? log.toDataFrame() : log;
}

/** Check the options of loadFitLog (an unknown key or a non-boolean dataFrame is an error naming it). */
function dataFrameOption(options: LoadFitLogOptions): boolean {
  if (options === null || typeof options !== "object") throw new ParamError(`loadFitLog: options must be an object such as { dataFrame: true }; got ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== "dataFrame") throw new ParamError(`loadFitLog: unknown option '${k}'; the only option is dataFrame (true for a danfojs-node DataFrame).${didYouMean(k, ["dataFrame"])}`);
  }
  const v = options.dataFrame;
  if (v !== undefined && typeof v !== "boolean") throw new ParamError(`loadFitLog: dataFrame must be true or false; got ${JSON.stringify(v)}`);
  return v === true;
}
