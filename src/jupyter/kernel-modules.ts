/**
 * How the lfads-ts kernel makes `import … from "lfads-ts"` (and "lfads-ts/tf") work in a notebook in any
 * folder. tslab compiles each cell against `<notebook folder>/__tslab__.ts` with Node10 module resolution
 * and runs it with a `require` made in that folder (reference/ecosystem.md §1.4), so outside the package
 * neither the types nor the code can be found. Two things fix that, both fallbacks only:
 *  - runtime: the folder holding `lfads-ts` goes to the end of NODE_PATH, which Node's `require` searches
 *    after every `node_modules` above the notebook;
 *  - types: TypeScript's `paths` maps each entry of the package's `exports` to its `.d.ts`. tslab fixes its
 *    compiler options in code (no tsconfig), so the kernel hands tslab a TypeScript module whose
 *    `createWatchCompilerHost` adds `paths` to them. When a notebook folder has its own
 *    `node_modules/lfads-ts`, nothing is mapped and that copy serves both types and code.
 */
import { existsSync, readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { basename, delimiter, dirname, join, resolve } from "node:path";

/** `{ "lfads-ts": ["<root>/dist/index.d.ts"], "lfads-ts/tf": ["<root>/dist/tf.d.ts"] }`, from package.json `exports`. */
export function typePathsOf(root: string): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; exports?: Record<string, { types?: string } | string> };
  const out: Record<string, string[]> = {};
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== "object" || target.types === undefined) continue;
    out[sub === "." ? pkg.name : `${pkg.name}/${sub.replace(/^\.\//, "")}`] = [resolve(root, target.types)];
  }
  return out;
}

/** The nearest `node_modules/<name>` at or above `dir`, as Node10 resolution would find it, or undefined. */
export function localPackageDir(dir: string, name: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const candidate = join(d, "node_modules", name);
    if (basename(d) !== "node_modules" && existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * The folder whose `lfads-ts` entry is the package at `root`: the `node_modules` it was installed into,
 * or, for a development checkout, its own `node_modules` (where `ensureSelfLink` put `lfads-ts -> ..`).
 */
export function packageParentDir(root: string): string {
  return basename(dirname(root)) === "node_modules" ? dirname(root) : join(root, "node_modules");
}

/** Append `dir` to NODE_PATH for this process's `require` (Node reads NODE_PATH once, hence `_initPaths`). */
export function appendNodePath(dir: string): void {
  const parts = (process.env.NODE_PATH ?? "").split(delimiter).filter((p) => p !== "");
  if (parts.includes(dir)) return;
  process.env.NODE_PATH = [...parts, dir].join(delimiter);
  (Module as unknown as { _initPaths(): void })._initPaths();
}

type CreateHost = (rootFiles: unknown, options: { paths?: Record<string, string[]> } & Record<string, unknown>, ...rest: unknown[]) => unknown;

/**
 * Make the TypeScript module at `tsFile` (tslab's bundled copy) add `paths` to the compiler options of
 * every watch host it creates. Must run before tslab loads it: its exports are read-only getters, so the
 * module's cache entry gets a copy of them with `createWatchCompilerHost` wrapped.
 */
export function addTypePaths(tsFile: string, paths: Record<string, string[]>): void {
  const req = createRequire(tsFile);
  const ts = req(tsFile) as Record<string, unknown>;
  const create = ts.createWatchCompilerHost as CreateHost;
  if (typeof create !== "function") throw new Error(`${tsFile} has no createWatchCompilerHost`);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(ts)) if (key !== "createWatchCompilerHost") Object.defineProperty(copy, key, { enumerable: true, get: () => ts[key] });
  const withPaths: CreateHost = (rootFiles, options, ...rest) =>
    Array.isArray(rootFiles) && options !== null && typeof options === "object"
      ? create(rootFiles, { ...options, paths: { ...paths, ...options.paths } }, ...rest)
      : create(rootFiles, options, ...rest);
  Object.defineProperty(copy, "createWatchCompilerHost", { enumerable: true, value: withPaths });
  req.cache[tsFile]!.exports = copy;
}
