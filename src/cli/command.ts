/**
 * What a CLI command is. Each command lives in its own module under src/cli/ and is listed in
 * commands.ts; heavy dependencies (TensorFlow.js, HDF5) are loaded inside `run` with `await import(…)`
 * so that `lfads --help` and light commands start fast.
 */
import type { CliIO } from "../core/errors.js";
import type { OptionSpec, ParsedArgs } from "./args.js";

export type { CliIO };

export interface Command {
  /** The word after `lfads` (or after the parent command for subcommands). */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Synopsis after the command path, e.g. `[options] <json>`. */
  usage: string;
  /** Longer help text (paragraphs, examples), shown by `--help`. */
  description?: string;
  options?: readonly OptionSpec[];
  /** Exact number of positionals allowed, as [min, max] (default [0, 0]; max may be Infinity). */
  positionals?: readonly [number, number];
  /**
   * Parse argv itself instead of through `options` (`lfads run-lfads` takes run_lfads.py's absl-style
   * flags: `--noflag`, `--flag=True`, `-flag value`). Throw UsageError for bad usage.
   */
  parse?(argv: readonly string[]): ParsedArgs;
  /** Subcommands (`lfads kernel install`); a command has either these or `run`. */
  subcommands?: readonly Command[];
  /** Do the work and return the exit code. Throw LfadsError for bad input, UsageError for bad usage. */
  run?(args: ParsedArgs, io: CliIO): Promise<number> | number;
}
