/**
 * What a notebook user should do when a cell's import cannot be found. tslab prints TypeScript's bare
 * "Cannot find module 'x'"; the lfads-ts kernel appends one of these lines, naming the module and the fix.
 */

/** The module a "Cannot find module 'x' …" message (TypeScript's or Node's) names, or undefined. */
export function missingModuleName(message: string): string | undefined {
  return /Cannot find module '([^']+)'/.exec(message)?.[1];
}

/** Where the kernel looks: the notebook's folder, and the lfads-ts package it serves. */
export interface ModuleHintContext {
  /** The kernel's working directory (the notebook's folder). */
  cwd: string;
  /** The lfads-ts package root the kernel was installed from. */
  root: string;
  /** The importable names of lfads-ts, e.g. ["lfads-ts", "lfads-ts/tf"]. */
  entries: readonly string[];
}

const PACKAGE = "lfads-ts";

/** The package part of a bare specifier: `@scope/name` or `name`. */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** One line for the cell's output: why `name` was not found here and what fixes it. */
export function missingModuleHint(name: string, ctx: ModuleHintContext): string {
  const quoted = (join: string): string => ctx.entries.map((e) => `'${e}'`).join(join);
  if (/^(\.{1,2}\/|\/)/.test(name)) {
    return `lfads-ts kernel: '${name}' is a path; relative paths start from the notebook's folder ${ctx.cwd} — check that the .ts/.js file is there`;
  }
  if (ctx.entries.includes(name)) {
    return (
      `lfads-ts kernel: '${name}' should come from ${ctx.root}, but it is not there or not built; ` +
      `run 'npm run build' in ${ctx.root}, or reinstall the kernel from your lfads-ts installation with 'lfads kernel install'`
    );
  }
  if (packageOf(name) === PACKAGE) return `lfads-ts kernel: lfads-ts has no module '${name}'; import from ${quoted(" or ")}`;
  const pkg = packageOf(name);
  return `lfads-ts kernel: '${pkg}' is not installed where this notebook can see it; run 'npm install ${pkg}' in ${ctx.cwd} (or a folder above it). This kernel provides ${quoted(" and ")} in any folder`;
}
