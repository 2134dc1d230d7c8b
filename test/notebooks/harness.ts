/**
 * Headless notebook execution for tests: the real Jupyter client (Debian's nbclient under
 * /usr/bin/python3) and the real tslab kernel, through a kernel spec installed as a user would
 * (`lfads kernel install --prefix P`, or `--user` into a temporary JUPYTER_DATA_DIR). Every notebook is
 * copied to, and run in, a folder outside the repository, as a user's analysis folder would be: there
 * "lfads-ts" resolves only through the kernel (issue #16), from the built package (`npm run build` first).
 *
 * tslab reports a failing cell only as stderr stream text plus an error reply (no `error` output), so
 * `result.ok`/`failedCell` come from the client, and `kernelErrors()` collects the stderr text.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { installKernelSpec, packageRoot, type InstallTarget } from "../../src/jupyter/index.js";

/** Debian's interpreter: the `python3` first on PATH may be a pyenv without Jupyter. */
export const PYTHON = "/usr/bin/python3";
const RUNNER = join(__dirname, "execute.py");

export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error" | "update_display_data";
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  outputs?: NotebookOutput[];
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export interface ExecuteOptions {
  /** Per-cell timeout in seconds (default 120). */
  cellTimeoutS?: number;
  /** Whole-run limit in seconds; the client is killed after it (default 600). */
  totalTimeoutS?: number;
  /** Kernel working directory, outside the repository; the notebook is copied there (default: a fresh temporary folder). */
  cwd?: string;
  /** How the kernel spec is installed: `lfads kernel install --prefix <tmp>` (default) or `--user` with JUPYTER_DATA_DIR=<tmp>. */
  install?: "prefix" | "user";
  /** Keep the temporary folder (kernel spec and executed notebook) for debugging. */
  keep?: boolean;
}

export interface ExecutedNotebook {
  /** The notebook with outputs, up to and including the failing cell. */
  notebook: Notebook;
  ok: boolean;
  /** Index of the cell that failed (into `notebook.cells`). */
  failedCell: number | null;
  /** The client's error summary (nbclient exception text; tslab's own message is in `kernelErrors`). */
  error: string | null;
  /** The client's stderr (kernel start-up problems show here). */
  clientStderr: string;
  seconds: number;
  /** Size of the executed notebook file as nbformat wrote it (what a user would save). */
  bytes: number;
}

/** Why notebooks cannot run here, or undefined when they can (for `test(…, { skip })`). */
export function notebookSkipReason(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (install python3 with python3-nbclient)`;
  const r = spawnSync(PYTHON, ["-c", "import nbclient, nbformat"], { encoding: "utf8" });
  if (r.status !== 0) return "nbclient is not installed for /usr/bin/python3 (apt-get install python3-nbclient)";
  const root = packageRoot();
  if (!existsSync(join(root, "dist", "index.js"))) return "dist/ is not built (run 'npm run build')";
  return undefined;
}

/** Throws unless `dir` lies outside the package: a notebook test inside it would find "lfads-ts" without the kernel's help. */
export function assertOutsidePackage(dir: string): void {
  const rel = relative(realpathSync(packageRoot()), realpathSync(dir));
  if (!(rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel))) {
    throw new Error(`notebook folder ${dir} is inside the package ${packageRoot()}; notebooks are tested from a folder outside it (set TMPDIR elsewhere)`);
  }
}

/** Execute `path` headless with the lfads-ts kernel, from a folder outside the repository, and return the executed notebook. */
export async function executeNotebook(path: string, options: ExecuteOptions = {}): Promise<ExecutedNotebook> {
  const root = packageRoot();
  if (!existsSync(join(root, "dist", "index.js"))) throw new Error("executeNotebook: dist/ is not built; run 'npm run build' first");
  const tmp = mkdtempSync(join(tmpdir(), "lfads-nb-"));
  const cwd = options.cwd ?? mkdtempSync(join(tmp, "work-"));
  assertOutsidePackage(cwd);
  const src = join(cwd, basename(path));
  if (resolve(path) !== src) copyFileSync(path, src);
  const out = join(tmp, basename(src));
  const dataDir = join(tmp, "share", "jupyter");
  const target: InstallTarget = options.install === "user" ? { user: true } : { prefix: tmp };
  const kernel = installKernelSpec({ target, root, env: { ...process.env, JUPYTER_DATA_DIR: dataDir } });
  const env = {
    ...process.env,
    ...(options.install === "user" ? { JUPYTER_DATA_DIR: dataDir } : { JUPYTER_PATH: dataDir }),
    JUPYTER_RUNTIME_DIR: join(tmp, "runtime"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const args = [RUNNER, src, out, "--kernel", kernel.name, "--timeout", String(options.cellTimeoutS ?? 120), "--cwd", cwd];
  const t0 = performance.now();
  try {
    const { code, stdout, stderr } = await run(PYTHON, args, env, (options.totalTimeoutS ?? 600) * 1000);
    const last = stdout.trim().split("\n").pop() ?? "";
    if (!existsSync(out) || !last.startsWith("{")) {
      throw new Error(`executeNotebook: the Jupyter client failed (exit ${code}) for ${src}:\n${stderr.slice(-3000)}`);
    }
    const status = JSON.parse(last) as { ok: boolean; failed_cell: number | null; error: string | null };
    return {
      notebook: JSON.parse(readFileSync(out, "utf8")) as Notebook,
      ok: status.ok,
      failedCell: status.failed_cell,
      error: status.error,
      clientStderr: stderr,
      seconds: (performance.now() - t0) / 1000,
      bytes: statSync(out).size,
    };
  } finally {
    if (!options.keep) rmSync(tmp, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

const joinText = (t: string | string[] | undefined): string => (Array.isArray(t) ? t.join("") : (t ?? ""));

/**
 * Export an executed notebook to HTML with nbconvert (`--to html`, its default template), as a user
 * would share it; returns the HTML file's path (`<dir>/<name>.html`).
 */
export function nbconvertHtml(nb: Notebook, dir: string, name: string): string {
  const ipynb = join(dir, `${name}.ipynb`);
  writeFileSync(ipynb, JSON.stringify(nb));
  const r = spawnSync(PYTHON, ["-m", "nbconvert", "--to", "html", "--output-dir", dir, ipynb], { encoding: "utf8" });
  const html = join(dir, `${name}.html`);
  if (r.status !== 0 || !existsSync(html)) throw new Error(`nbconvertHtml: nbconvert failed (exit ${r.status}) for ${ipynb}:\n${(r.stderr ?? "").slice(-3000)}`);
  return html;
}

/** All outputs, or those of one cell, in order. */
export function outputs(nb: Notebook, cell?: number): NotebookOutput[] {
  const cells = cell === undefined ? nb.cells : [nb.cells[cell]!];
  return cells.flatMap((c) => c.outputs ?? []);
}

/** Concatenated stream text (`stdout` by default). */
export function streamText(nb: Notebook, options: { name?: "stdout" | "stderr"; cell?: number } = {}): string {
  const name = options.name ?? "stdout";
  return outputs(nb, options.cell)
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => joinText(o.text))
    .join("");
}

/** Payloads of one MIME type from display_data/execute_result outputs (text joined; JSON as stored). */
export function displayData(nb: Notebook, mime: string, options: { cell?: number } = {}): unknown[] {
  return outputs(nb, options.cell)
    .filter((o) => (o.output_type === "display_data" || o.output_type === "execute_result") && o.data && mime in o.data)
    .map((o) => {
      const v = o.data![mime];
      return typeof v === "string" || Array.isArray(v) ? joinText(v as string | string[]) : v;
    });
}

/** What went wrong inside the kernel: stderr text (tslab's errors) and any `error` outputs. */
export function kernelErrors(nb: Notebook, options: { cell?: number } = {}): string[] {
  return outputs(nb, options.cell).flatMap((o) => {
    if (o.output_type === "stream" && o.name === "stderr") return [joinText(o.text)];
    if (o.output_type === "error") return [`${o.ename ?? ""}: ${o.evalue ?? ""}`];
    return [];
  });
}

/** A readable failure report: which cell, its source, and the kernel's stderr. */
export function describeFailure(r: ExecutedNotebook): string {
  if (r.ok) return "ok";
  const i = r.failedCell;
  const src = i === null ? "" : joinText(r.notebook.cells[i]?.source);
  const errs = kernelErrors(r.notebook, i === null ? {} : { cell: i }).join("\n");
  return `notebook failed at cell ${i ?? "?"}:\n${src}\n--- kernel stderr ---\n${errs}\n--- client ---\n${r.error ?? ""}\n${r.clientStderr.slice(-2000)}`;
}

/**
 * What is wrong with a notebook as stored in the repo: outputs or execution counts kept, a kernel other
 * than lfads-ts, or imports from outside the public API ("lfads-ts", "lfads-ts/tf", Node built-ins).
 */
export function storedNotebookProblems(file: string): string[] {
  const nb = JSON.parse(readFileSync(file, "utf8")) as Notebook & { metadata: { kernelspec?: { name?: string } } };
  const problems: string[] = [];
  if (nb.metadata.kernelspec?.name !== "lfads-ts") problems.push(`kernel ${nb.metadata.kernelspec?.name}`);
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    if ((c.outputs ?? []).length > 0) problems.push(`cell ${i} has outputs`);
    if ((c as { execution_count?: unknown }).execution_count !== null) problems.push(`cell ${i} has an execution count`);
    const src = Array.isArray(c.source) ? c.source.join("") : c.source;
    for (const m of src.matchAll(/from\s+"([^"]+)"/g)) {
      if (!(m[1] === "lfads-ts" || m[1] === "lfads-ts/tf" || m[1]!.startsWith("node:"))) problems.push(`cell ${i} imports from ${m[1]}`);
    }
  });
  return problems;
}

/** A fresh working directory for a notebook, outside the repository (the notebook tests run there). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  assertOutsidePackage(dir);
  return dir;
}
