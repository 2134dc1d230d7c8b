/**
 * Finding a Chromium for static export. Nothing is downloaded: we use the system's browser (Debian's
 * `chromium` package, reference/ecosystem.md §2.3), or the one `LFADS_CHROMIUM` names.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { LfadsError } from "../../core/errors.js";

/** Thrown when no Chromium/Chrome executable can be found; the message lists every place searched. */
export class ChromiumNotFoundError extends LfadsError {
  /** Paths and PATH names that were tried, in order. */
  readonly searched: readonly string[];
  constructor(message: string, searched: readonly string[]) {
    super(message);
    this.searched = searched;
  }
}

/** Fixed locations tried after `LFADS_CHROMIUM`. */
export const CHROMIUM_PATHS: readonly string[] = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/snap/bin/chromium",
];
/** Names looked up on PATH after the fixed locations. */
export const CHROMIUM_NAMES: readonly string[] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium executable to use: `$LFADS_CHROMIUM` if set (it must be an executable file), else the
 * first of {@link CHROMIUM_PATHS}, else the first of {@link CHROMIUM_NAMES} on `PATH`. Throws a
 * {@link ChromiumNotFoundError} naming everything searched and how to install one.
 */
export function findChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
  search: { paths?: readonly string[]; names?: readonly string[] } = {},
): string {
  const fromEnv = env.LFADS_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (isExecutableFile(fromEnv)) return fromEnv;
    throw new ChromiumNotFoundError(`LFADS_CHROMIUM=${fromEnv} is not an executable file; point it at a Chromium or Chrome binary, or unset it to search the usual places`, [fromEnv]);
  }
  const searched: string[] = ["$LFADS_CHROMIUM (unset)"];
  for (const p of search.paths ?? CHROMIUM_PATHS) {
    searched.push(p);
    if (isExecutableFile(p)) return p;
  }
  const dirs = (env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  for (const name of search.names ?? CHROMIUM_NAMES) {
    searched.push(`${name} on PATH`);
    for (const d of dirs) {
      const p = join(d, name);
      if (isExecutableFile(p)) return p;
    }
  }
  throw new ChromiumNotFoundError(
    `Static figure export needs Chromium, and none was found. Searched: ${searched.join(", ")}. ` +
      "Install it with `apt-get install chromium` (Debian/Ubuntu), or set LFADS_CHROMIUM to a Chromium/Chrome executable. " +
      "Interactive display in notebooks and HTML reports work without it.",
    searched,
  );
}

/** Like {@link findChromium}, but returns undefined instead of throwing. */
export function chromiumPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
  search: { paths?: readonly string[]; names?: readonly string[] } = {},
): string | undefined {
  try {
    return findChromium(env, search);
  } catch (err) {
    if (err instanceof ChromiumNotFoundError) return undefined;
    throw err;
  }
}

/** Command-line flags Chromium is started with (besides what playwright adds). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
