/**
 * A small argv parser: `--flag=value`, `--flag value`, boolean `--flag` / `--no-flag`, short aliases
 * (`-h`), positionals, and `--` to end options. Unknown flags fail naming the closest known one.
 */
import { UsageError, closestName } from "../core/errors.js";

export { UsageError };

export interface OptionSpec {
  /** Long name without dashes, kebab-case (`sys-prefix`). */
  name: string;
  type: "boolean" | "string" | "number";
  /** One-letter alias without the dash. */
  short?: string;
  /** Help text (one line). */
  help: string;
  /** Placeholder in help, e.g. `<dir>`. */
  valueName?: string;
  /** Allowed values for a string option. */
  choices?: readonly string[];
}

export interface ParsedArgs {
  /** Option values by long name; absent options are undefined. */
  options: Record<string, string | number | boolean | undefined>;
  positionals: string[];
}

function parseValue(spec: OptionSpec, raw: string): string | number | boolean {
  if (spec.type === "number") {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${spec.name} expects a number, got '${raw}'`);
    return n;
  }
  if (spec.type === "boolean") {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new UsageError(`--${spec.name} expects true or false, got '${raw}'`);
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(", ")}; got '${raw}'`);
  }
  return raw;
}

/** Parse `argv` against `specs`. `--help`/`-h` is always accepted (as option `help`). */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const all: OptionSpec[] = [...specs, { name: "help", short: "h", type: "boolean", help: "show this help" }];
  const byName = new Map(all.map((s) => [s.name, s]));
  const byShort = new Map(all.filter((s) => s.short).map((s) => [s.short!, s]));
  const options: ParsedArgs["options"] = {};
  const positionals: string[] = [];

  const unknown = (flag: string): never => {
    const close = closestName(flag, all.map((s) => s.name));
    throw new UsageError(`unknown option '${flag.length === 1 ? "-" : "--"}${flag}'${close ? `; did you mean '--${close}'?` : ""}`);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const key = arg.slice(2, eq < 0 ? undefined : eq);
      let spec = byName.get(key);
      if (!spec && key.startsWith("no-") && byName.get(key.slice(3))?.type === "boolean" && eq < 0) {
        options[key.slice(3)] = false;
        continue;
      }
      if (!spec) spec = unknown(key);
      if (eq >= 0) options[spec.name] = parseValue(spec, arg.slice(eq + 1));
      else if (spec.type === "boolean") options[spec.name] = true;
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`--${spec.name} needs a value${spec.valueName ? ` ${spec.valueName}` : ""}`);
        options[spec.name] = parseValue(spec, next);
        i++;
      }
      continue;
    }
    if (arg.length > 1 && arg.startsWith("-") && !/^-\d/.test(arg)) {
      const spec = byShort.get(arg.slice(1)) ?? unknown(arg.slice(1));
      if (spec.type === "boolean") options[spec.name] = true;
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`-${spec.short} needs a value`);
        options[spec.name] = parseValue(spec, next);
        i++;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { options, positionals };
}
