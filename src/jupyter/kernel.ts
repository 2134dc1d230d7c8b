/**
 * The lfads-ts Jupyter kernel: this package's own tslab, started so that notebooks in any folder import
 * "lfads-ts" and "lfads-ts/tf" with their types (kernel-modules.ts), and so that a failing cell says
 * what failed. tslab reports a failing cell only as stderr text and an `execute_reply` with no
 * `ename`/`evalue` (Jupyter clients then show an empty "<Error>:"); the kernel adds a line naming the
 * missing module and the fix to "Cannot find module" messages, and fills `ename`/`evalue` from what the
 * cell printed. These hooks use tslab 1.0.22's internal modules (converter, executor, jupyter), whose
 * exported functions are plain writable properties; if they are not there, tslab starts unmodified.
 * Its zeromq sockets send one message at a time (send-queue.ts), so bursts of output are not lost.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { format } from "node:util";
import { ensureSelfLink, packageRoot } from "../core/package-root.js";
import { addTypePaths, appendNodePath, localPackageDir, packageParentDir, typePathsOf } from "./kernel-modules.js";
import { missingModuleHint, missingModuleName, type ModuleHintContext } from "./module-hints.js";
import { keepAllPublished, queueSends } from "./send-queue.js";

interface Diagnostic {
  messageText: string;
  code?: number;
}
interface Converter {
  convert(prevDecl: string, src: string): { diagnostics: Diagnostic[] };
  addModule(...args: unknown[]): Diagnostic[];
}
interface Executor {
  execute(src: string): Promise<boolean>;
}
type Console = { log: (...a: unknown[]) => void; error: (...a: unknown[]) => void };
type Reply = { status: string; ename?: string; evalue?: string; traceback?: string[] };
interface TslabInternals {
  main: { startKernel(o: { configPath: string; enableFindLocal: boolean }): void };
  converter: { createConverter: (...a: unknown[]) => Converter };
  executor: { createExecutor: (rootDir: string, convs: unknown, console: Console) => Executor };
  jupyter: { JupyterHandlerImpl: { prototype: { handleExecute(...a: unknown[]): Promise<Reply> } } };
}

/** TypeScript's "Cannot find module" diagnostics (2307; 2792 suggests another moduleResolution). */
const MISSING_MODULE_CODES = new Set([2307, 2792]);

function addHints(diags: Diagnostic[], ctx: ModuleHintContext): Diagnostic[] {
  for (const d of diags) {
    const name = d.code !== undefined && MISSING_MODULE_CODES.has(d.code) ? missingModuleName(d.messageText) : undefined;
    if (name !== undefined) d.messageText = `${d.messageText}\n${missingModuleHint(name, ctx)}`;
  }
  return diags;
}

/** What the current cell printed as its failure: the first error, as `ename`/`evalue` for the reply. */
class FailureRecorder {
  private first: { ename: string; evalue: string } | undefined;
  reset(): void {
    this.first = undefined;
  }
  record(args: unknown[]): void {
    if (this.first) return;
    const e = args[0];
    if (e instanceof Error) this.first = { ename: e.name, evalue: e.message };
    else this.first = { ename: "TSError", evalue: format(...args).trim() };
  }
  take(): { ename: string; evalue: string } | undefined {
    const f = this.first;
    this.first = undefined;
    return f;
  }
}

function hook(t: TslabInternals, ctx: ModuleHintContext): void {
  const createConverter = t.converter.createConverter;
  t.converter.createConverter = (...a: unknown[]) => {
    const conv = createConverter(...a);
    const convert = conv.convert.bind(conv);
    const addModule = conv.addModule.bind(conv);
    return Object.assign(conv, {
      convert: (prevDecl: string, src: string) => {
        const out = convert(prevDecl, src);
        addHints(out.diagnostics, ctx);
        return out;
      },
      addModule: (...m: unknown[]) => addHints(addModule(...m), ctx),
    });
  };

  const failure = new FailureRecorder();
  const createExecutor = t.executor.createExecutor;
  t.executor.createExecutor = (rootDir, convs, cons) => {
    const error = (...args: unknown[]): void => {
      failure.record(args);
      cons.error(...args);
      // A module missing at run time (its types were found): the same hint as for a missing type.
      const name = args[0] instanceof Error && (args[0] as { code?: string }).code === "MODULE_NOT_FOUND" ? missingModuleName(args[0].message) : undefined;
      if (name !== undefined) cons.error(missingModuleHint(name, ctx));
    };
    const ex = createExecutor(rootDir, convs, { log: cons.log, error });
    const execute = ex.execute.bind(ex);
    ex.execute = (src: string) => {
      failure.reset();
      return execute(src);
    };
    return ex;
  };

  const proto = t.jupyter.JupyterHandlerImpl.prototype;
  const handleExecute = proto.handleExecute;
  proto.handleExecute = async function (this: unknown, ...a: unknown[]): Promise<Reply> {
    const reply = await handleExecute.apply(this, a);
    // Only a failed cell takes the record: after a failure tslab aborts the queued cells, so no other cell ran since.
    const f = reply.status === "error" ? failure.take() : undefined;
    // No traceback lines: clients print "ename: evalue" after them, and the text is already in the cell's stderr.
    if (f) Object.assign(reply, { ename: f.ename, evalue: f.evalue, traceback: [] });
    return reply;
  };
}

function loadTslab(root: string): TslabInternals {
  const req = createRequire(join(root, "package.json"));
  const dist = join(dirname(req.resolve("tslab/package.json")), "dist");
  return {
    main: req(join(dist, "main.js")) as TslabInternals["main"],
    converter: req(join(dist, "converter.js")) as TslabInternals["converter"],
    executor: req(join(dist, "executor.js")) as TslabInternals["executor"],
    jupyter: req(join(dist, "jupyter.js")) as TslabInternals["jupyter"],
  };
}

function hookable(t: TslabInternals): boolean {
  return (
    typeof t.converter.createConverter === "function" && typeof t.executor.createExecutor === "function" && typeof t.jupyter.JupyterHandlerImpl?.prototype?.handleExecute === "function"
  );
}

/**
 * Serialise sends on the zeromq that tslab loads (its own dependency, resolved from tslab's folder), before
 * tslab creates its sockets: tslab does not await its sends, and zeromq 6 throws EBUSY on a send made
 * while another is pending; and lift the iopub publisher's high-water mark, past which it drops output
 * silently (send-queue.ts). Returns a note when that zeromq does not look like zeromq 6.
 */
function queueTslabSends(tslabPackageJson: string): string | undefined {
  let zmq: { Socket?: { prototype?: object }; Publisher?: { prototype?: object } };
  try {
    zmq = createRequire(tslabPackageJson)("zeromq") as typeof zmq;
  } catch (e) {
    return `lfads-ts kernel: could not load tslab's zeromq (${(e as Error).message}); starting tslab with its own unqueued sends\n`;
  }
  const pub = zmq.Publisher?.prototype;
  const unbounded = pub !== undefined && keepAllPublished(pub);
  const proto = zmq.Socket?.prototype;
  if (proto !== undefined && queueSends(proto)) return unbounded ? undefined : "lfads-ts kernel: tslab's zeromq has no Publisher.prototype.bind as in zeromq 6; the iopub socket keeps its default high-water mark (a client that reads slowly may miss output past 1,000 messages)\n";
  return "lfads-ts kernel: tslab's zeromq has no Socket.prototype.send as in zeromq 6; starting tslab with its own unqueued sends (a burst of output may lose messages)\n";
}

/**
 * Start the kernel for the notebook in the working directory, talking to Jupyter through the connection
 * file `configPath`. Always this package's tslab (not one found above the notebook), the copy the
 * display bridge and the type mapping were made for.
 */
export function startKernel(configPath: string, root: string = packageRoot()): void {
  const cwd = process.cwd();
  const paths = typePathsOf(root);
  const ctx: ModuleHintContext = { cwd, root, entries: Object.keys(paths) };
  try {
    ensureSelfLink(root);
  } catch {
    // a read-only checkout keeps whatever link it has; the hints say what to do if lfads-ts is missing
  }
  appendNodePath(packageParentDir(root));
  const req = createRequire(join(root, "package.json"));
  const tslabPackageJson = req.resolve("tslab/package.json");
  const tsFile = createRequire(tslabPackageJson).resolve("@tslab/typescript-for-tslab");
  if (localPackageDir(cwd, "lfads-ts") === undefined) addTypePaths(tsFile, paths);
  const sendNote = queueTslabSends(tslabPackageJson);
  if (sendNote !== undefined) process.stderr.write(sendNote);
  const tslab = loadTslab(root);
  if (hookable(tslab)) hook(tslab, ctx);
  else process.stderr.write("lfads-ts kernel: this tslab's internals differ from 1.0.22; starting it without the module hints\n");
  tslab.main.startKernel({ configPath, enableFindLocal: false });
}
