/**
 * Jupyter kernel spec for lfads-ts, written without Python: `<data dir>/kernels/lfads-ts/kernel.json`
 * starting this project's own tslab by absolute path (reference/ecosystem.md §1.5: the default argv
 * `"tslab"` needs a global install on Jupyter's PATH, and `tslab install` needs IPython), through
 * `dist/jupyter/kernel-main.js`, which lets notebooks in any folder import "lfads-ts" (kernel.ts).
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { LfadsError } from "../core/errors.js";
import { ensureSelfLink, packageRoot } from "../core/package-root.js";

export const DEFAULT_KERNEL_NAME = "lfads-ts";
export const DEFAULT_DISPLAY_NAME = "TypeScript (lfads-ts)";

/** The kernel.json document. */
export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal";
  metadata: { lfads_ts: { version: string; root: string } };
}

/** Where to install: the user's data dir, a prefix (`<P>/share/jupyter`), Jupyter's own prefix, or the default. */
export type InstallTarget = { user: true } | { prefix: string } | { sysPrefix: true } | Record<string, never>;

export interface KernelSpecOptions {
  /** Kernel name, the folder under `kernels/` (default "lfads-ts"). Lowercase letters, digits, `.`, `_`, `-`. */
  name?: string;
  /** Name in the notebook's kernel menu (default "TypeScript (lfads-ts)"). */
  displayName?: string;
  /** Package whose tslab runs the kernel (default: this package's root). */
  root?: string;
  /** Node executable (default: the one running now). */
  node?: string;
}

/** Absolute path of the tslab launcher that `root` resolves (its own or a hoisted node_modules/tslab). */
export function findTslab(root: string = packageRoot()): string {
  let pkg: string;
  try {
    pkg = require.resolve("tslab/package.json", { paths: [root] });
  } catch {
    throw new LfadsError(`kernel: tslab is not installed under ${root}; run 'npm install' there first`);
  }
  const bin = join(dirname(pkg), "bin", "tslab");
  if (!existsSync(bin)) throw new LfadsError(`kernel: ${bin} is missing; reinstall tslab ('npm install tslab')`);
  return bin;
}

function checkName(name: string): string {
  if (!/^[a-z0-9._-]+$/.test(name)) {
    throw new LfadsError(`kernel: invalid kernel name '${name}'; use lowercase letters, digits, '.', '_' and '-' (e.g. 'lfads-ts')`);
  }
  return name;
}

/** The kernel's entry script under `root` (built by `npm run build`). */
export function kernelMain(root: string = packageRoot()): string {
  const main = join(root, "dist", "jupyter", "kernel-main.js");
  if (!existsSync(main)) throw new LfadsError(`kernel: ${main} is missing; run 'npm run build' in ${root} first`);
  return main;
}

/** The kernel.json content for this installation. */
export function kernelSpec(options: KernelSpecOptions = {}): KernelJson {
  const root = resolve(options.root ?? packageRoot());
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0";
  findTslab(root); // the kernel runs this tslab: fail at install time, not when Jupyter starts it
  return {
    argv: [options.node ?? process.execPath, kernelMain(root), "--config-path", "{connection_file}"],
    display_name: options.displayName ?? DEFAULT_DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { lfads_ts: { version, root } },
  };
}

/** Jupyter's per-user data dir (jupyter_core's `jupyter_data_dir`). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
  const home = env.HOME || homedir();
  if (platform === "darwin") return join(home, "Library", "Jupyter");
  if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME || join(home, ".local", "share"), "jupyter");
}

function isRoot(): boolean {
  return typeof process.geteuid === "function" && process.geteuid() === 0;
}

/** The prefix of the Python that runs `jupyter` (`<prefix>/bin/jupyter`), found on PATH. */
function jupyterPrefix(env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir || /[\\/]\.?pyenv[\\/]shims$/.test(dir)) continue; // a shim's prefix is not the interpreter's
    // realpath: on merged-/usr systems /bin/jupyter is /usr/bin/jupyter, whose prefix is /usr.
    if (existsSync(join(dir, "jupyter"))) return dirname(realpathSync(dir));
  }
  throw new LfadsError("kernel: --sys-prefix needs 'jupyter' on PATH; use --prefix <dir> or --user instead");
}

/** The `kernels/` directory a target installs into (as `jupyter kernelspec install` chooses it). */
export function kernelsDir(target: InstallTarget = {}, env: NodeJS.ProcessEnv = process.env): string {
  if ("prefix" in target) return join(resolve(target.prefix), "share", "jupyter", "kernels");
  if ("sysPrefix" in target) return join(jupyterPrefix(env), "share", "jupyter", "kernels");
  if ("user" in target || !isRoot()) return join(userDataDir(env), "kernels");
  return process.platform === "win32" ? join(env.PROGRAMDATA || "C:\\ProgramData", "jupyter", "kernels") : "/usr/local/share/jupyter/kernels";
}

export interface InstalledKernel {
  /** The folder holding kernel.json. */
  dir: string;
  spec: KernelJson;
  name: string;
}

/**
 * Write the kernel spec (replacing an older one of the same name). When the package is a development
 * checkout, also links `node_modules/lfads-ts` to it so notebooks inside it can `import … from "lfads-ts"`.
 */
export function installKernelSpec(options: KernelSpecOptions & { target?: InstallTarget; env?: NodeJS.ProcessEnv } = {}): InstalledKernel {
  const name = checkName(options.name ?? DEFAULT_KERNEL_NAME);
  const spec = kernelSpec(options);
  const dir = join(kernelsDir(options.target ?? {}, options.env), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), `${JSON.stringify(spec, null, 2)}\n`);
  ensureSelfLink(spec.metadata.lfads_ts.root);
  return { dir, spec, name };
}
