/**
 * Per-run shell scripts (MATLAB `writeShellScriptLFADSTrain` / `…PosteriorMeanSample`, reference §3.4),
 * adapted to our CLI: the header, a check that the `lfads` launcher and Node.js exist (with a message
 * that says what to do), then `node <package>/bin/lfads.js train|posterior <run dir>`. Paths are
 * absolute, so a script runs from any folder, by hand, from the local pool or from a Slurm task.
 *
 * The scripts are what `lfads run` executes, so they are rewritten (only when their text changes) at
 * the start of every run: a moved package or another Node.js is picked up without re-preparing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { packageRoot } from "../core/package-root.js";
import { RUN_SCRIPTS } from "../runs/layout.js";
import type { Run } from "../runs/run.js";

export const TRAIN_SCRIPT = RUN_SCRIPTS.train;
/** The MATLAB name (`Run.fileShellScriptLFADSPosteriorMeanSample`). */
export const POSTERIOR_SCRIPT = RUN_SCRIPTS.posteriorMeanSample;

export interface RunScriptOptions {
  /** First line (default `#!/bin/bash`), followed by a blank line. */
  header?: string;
  /** The `lfads` launcher (default: `<this package>/bin/lfads.js`). */
  launcher?: string;
  /** Node.js used when `LFADS_NODE` is unset (default: the running `process.execPath`; `node` on PATH if that is gone). */
  node?: string;
}

export interface RunScripts {
  train: string;
  posterior: string;
}

/** `<package root>/bin/lfads.js`. */
export function lfadsLauncher(): string {
  return path.join(packageRoot(), "bin", "lfads.js");
}

/** Single-quote for bash. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The lines that set `$lfads_js` and `$node_bin`, or print what is missing and exit 1. `onError` is a
 * shell command run before `exit 1` (the Slurm task script records a failure marker with it).
 */
export function launcherCheckLines(launcher: string, node: string, onError = ""): string[] {
  const pre = onError ? `${onError}; ` : "";
  return [
    `lfads_js=${shellQuote(launcher)}`,
    `if [ ! -f "$lfads_js" ]; then`,
    `    msg="Error: the lfads launcher $lfads_js was not found. Reinstall lfads-ts there (npm install), or rewrite this run's scripts from the new install (writeRunScripts(run) or 'lfads run')."`,
    `    echo "$msg" >&2; ${pre}exit 1`,
    `fi`,
    `node_bin=\${LFADS_NODE:-}`,
    `if [ -z "$node_bin" ] && [ -x ${shellQuote(node)} ]; then node_bin=${shellQuote(node)}; fi`,
    `if [ -z "$node_bin" ]; then node_bin=$(command -v node || true); fi`,
    `if [ -z "$node_bin" ]; then`,
    `    msg="Error: Node.js (>= 20) not found: neither ${node.replace(/["$`\\]/g, "\\$&")} nor 'node' on PATH. Load it (e.g. 'module load nodejs') or set LFADS_NODE=/path/to/node."`,
    `    echo "$msg" >&2; ${pre}exit 1`,
    `fi`,
  ];
}

/** The text of a run's train or posterior script. */
export function runScriptText(kind: "train" | "posterior", runDir: string, options: RunScriptOptions = {}): string {
  const dir = path.resolve(runDir);
  const header = options.header ?? "#!/bin/bash";
  const launcher = options.launcher ?? lfadsLauncher();
  const node = options.node ?? process.execPath;
  const what =
    kind === "train"
      ? "Train this run's LFADS model; resumes from the latest checkpoint in lfadsOutput/ when there is one."
      : "Sample the posterior means of this run's trained model into lfadsOutput/.";
  return [
    header,
    "",
    `# ${what}`,
    "# Written by lfads-ts (writeRunScripts). LFADS_THREADS caps the CPU threads; LFADS_NODE picks Node.js.",
    ...launcherCheckLines(launcher, node),
    "",
    `exec "$node_bin" "$lfads_js" ${kind} ${shellQuote(dir)} "$@"`,
    "",
  ].join("\n");
}

function writeExecutable(file: string, text: string): void {
  let same = false;
  try {
    same = fs.readFileSync(file, "utf8") === text;
  } catch {
    // missing
  }
  if (!same) writeFileAtomic(file, text);
  fs.chmodSync(file, 0o755);
}

/**
 * Write `lfads_train.sh` and `lfads_posterior_mean_sample.sh` into a run folder, atomically and
 * executable (`chmod 755`); a script whose text is unchanged is left alone. Returns their paths.
 */
export function writeRunScripts(run: Run | string, options: RunScriptOptions = {}): RunScripts {
  const dir = path.resolve(typeof run === "string" ? run : run.path);
  const train = path.join(dir, TRAIN_SCRIPT);
  const posterior = path.join(dir, POSTERIOR_SCRIPT);
  writeExecutable(train, runScriptText("train", dir, options));
  writeExecutable(posterior, runScriptText("posterior", dir, options));
  return { train, posterior };
}
