/**
 * The `lfads` command line: dispatches argv through the command table (src/cli/commands.ts). The
 * launcher bin/lfads.js sets the exit code from `main`'s result; nothing here calls process.exit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LfadsError, closestName } from "./core/errors.js";
import { packageRoot } from "./core/package-root.js";
import { UsageError, parseArgs } from "./cli/args.js";
import type { CliIO, Command } from "./cli/command.js";
import { commands } from "./cli/commands.js";
import { commandHelp, topHelp } from "./cli/help.js";

export { registerCommand } from "./cli/commands.js";
export { parseArgs, UsageError, type OptionSpec, type ParsedArgs } from "./cli/args.js";
export type { Command, CliIO } from "./cli/command.js";

const processIO: CliIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

const isHelp = (a: string | undefined) => a === "--help" || a === "-h";

function pick(list: readonly Command[], name: string, path: string): Command {
  const c = list.find((x) => x.name === name);
  if (c) return c;
  const close = closestName(name, list.map((x) => x.name));
  const what = path ? `${path} subcommand` : "command";
  throw new UsageError(`unknown ${what} '${name}'${close ? `; did you mean '${close}'?` : ""} (known: ${list.map((x) => x.name).join(", ")})`);
}

async function dispatch(argv: readonly string[], io: CliIO, at: { path: string }): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || isHelp(first)) {
    io.out(topHelp(commands(), version()));
    return 0;
  }
  if (first === "--version" || first === "-V") {
    io.out(`${version()}\n`);
    return 0;
  }
  if (first === "help") {
    if (rest[0] === undefined) return dispatch([], io, at);
    return dispatch([...rest, "--help"], io, at);
  }
  let cmd = pick(commands(), first, "");
  at.path = cmd.name;
  let args = rest;
  while (cmd.subcommands) {
    const sub = args[0];
    if (sub === undefined || isHelp(sub)) {
      if (sub === undefined) throw new UsageError(`missing subcommand (${cmd.subcommands.map((s) => s.name).join(", ")})`);
      io.out(commandHelp(at.path, cmd));
      return 0;
    }
    cmd = pick(cmd.subcommands, sub, at.path);
    at.path = `${at.path} ${cmd.name}`;
    args = args.slice(1);
  }
  const parsed = cmd.parse ? cmd.parse(args) : parseArgs(args, cmd.options ?? []);
  if (parsed.options.help) {
    io.out(commandHelp(at.path, cmd));
    return 0;
  }
  const [min, max] = cmd.positionals ?? [0, 0];
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const extra = n > max ? `unexpected argument '${parsed.positionals[max]}'` : `missing argument (${cmd.usage})`;
    throw new UsageError(extra);
  }
  return cmd.run ? await cmd.run(parsed, io) : 0;
}

/** Run the CLI with `argv` (without node and script). Returns the exit code; errors are printed, not thrown. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const at = { path: "" };
  try {
    return await dispatch(argv, io, at);
  } catch (e) {
    const where = at.path ? `lfads ${at.path}` : "lfads";
    if (e instanceof UsageError) {
      io.err(`${where}: ${e.message} (see '${where} --help')\n`);
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    // Our own errors and system errors (EACCES, ENOENT, …) carry a message meant for the user.
    const expected = e instanceof LfadsError || typeof (e as { code?: unknown }).code === "string";
    io.err(`${where}: ${expected ? "" : "internal error: "}${err.message.split("\n")[0]}\n`);
    if (process.env.LFADS_DEBUG) io.err(`${err.stack ?? ""}\n`);
    return 1;
  }
}
