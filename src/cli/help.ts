/** Help texts for the command table. */
import type { OptionSpec } from "./args.js";
import type { Command } from "./command.js";

function columns(rows: [string, string][]): string[] {
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
}

function optionLabel(o: OptionSpec): string {
  const value = o.type === "boolean" ? "" : ` ${o.valueName ?? (o.type === "number" ? "<n>" : "<value>")}`;
  return `${o.short ? `-${o.short}, ` : ""}--${o.name}${value}`;
}

/** `lfads --help`. */
export function topHelp(all: readonly Command[], version: string): string {
  return [
    `lfads: LFADS and its Run Manager in TypeScript (lfads-ts ${version})`,
    "",
    "Usage: lfads <command> [options]",
    "",
    "Commands:",
    ...columns(all.map((c) => [c.name, c.summary])),
    "",
    "Run 'lfads <command> --help' for a command's options; 'lfads --version' for the version.",
    "",
  ].join("\n");
}

/** `lfads <path> --help`. */
export function commandHelp(path: string, c: Command): string {
  const lines = [`Usage: lfads ${path} ${c.usage}`.trimEnd(), "", c.summary.charAt(0).toUpperCase() + c.summary.slice(1) + "."];
  if (c.description) lines.push("", c.description);
  if (c.subcommands?.length) lines.push("", "Commands:", ...columns(c.subcommands.map((s) => [s.name, s.summary])));
  const opts: OptionSpec[] = [...(c.options ?? []), { name: "help", short: "h", type: "boolean", help: "show this help" }];
  lines.push("", "Options:", ...columns(opts.map((o) => [optionLabel(o), o.help])), "");
  return lines.join("\n");
}
