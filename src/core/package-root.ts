/** Locating this package on disk, and making it importable by its own name from notebooks inside it. */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { LfadsError } from "./errors.js";

const PACKAGE_NAME = "lfads-ts";

/** The folder of lfads-ts's package.json (walking up from this compiled file). */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // an unreadable package.json on the way up is not ours; keep looking
      }
    }
    if (dirname(dir) === dir) throw new LfadsError(`cannot find the ${PACKAGE_NAME} package root above ${from}`);
  }
}

/**
 * In a development checkout, link `<root>/node_modules/lfads-ts -> ..`. The tslab kernel type-checks
 * cells with Node10 module resolution, which ignores a package's self-reference through "exports", so
 * notebooks under the checkout need this link to `import … from "lfads-ts"`. Does nothing for an
 * installed copy (inside some node_modules) or when the link or a real package is already there.
 * Returns true when it created the link.
 */
export function ensureSelfLink(root: string): boolean {
  if (root.split(sep).includes("node_modules")) return false;
  const modules = join(root, "node_modules");
  const link = join(modules, PACKAGE_NAME);
  try {
    lstatSync(link);
    return false;
  } catch {
    // missing: create it below
  }
  if (!existsSync(modules)) mkdirSync(modules);
  symlinkSync("..", link, "junction");
  return true;
}
