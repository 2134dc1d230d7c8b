// @ts-check
/**
 * Fails when the TypeScript files under src/ import each other in a cycle (issue #15: "no import cycles"), and
 * lists each cycle's files. `npm run lint` runs it; `node scripts/check-import-cycles.mjs [srcDir]` checks another tree.
 *
 * Type-only imports count as much as runtime ones. A runtime cycle can break module loading (a file sees another's
 * exports before they exist); a type-only cycle loads fine but still ties two stages into one, which the one-way
 * stage order forbids. Edges are labelled so a report says which kind of import closes the loop.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** @typedef {"static" | "type" | "dynamic"} EdgeKind  how a file names another: loaded with it, types only, `import()` */
/** @typedef {{ to: string, kind: EdgeKind }} Edge */

const RESOLUTION = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, resolveJsonModule: true };

/** @param {string} text */
const isRelative = (text) => text.startsWith("./") || text.startsWith("../");

/**
 * Every module specifier a file names, with the kind of dependency it makes.
 * @param {ts.SourceFile} sf
 * @returns {{ spec: string, kind: EdgeKind }[]}
 */
function specifiersOf(sf) {
  /** @type {{ spec: string, kind: EdgeKind }[]} */
  const out = [];
  /** @param {ts.Node | undefined} node @param {EdgeKind} kind */
  const add = (node, kind) => {
    if (node && ts.isStringLiteralLike(node)) out.push({ spec: node.text, kind });
  };
  /** @param {ts.Node} node */
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import type {…}`, or `import { type A, type B }` with no default: TypeScript emits no require for it.
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly ? "type" : "static");
    } else if (ts.isExportDeclaration(node)) {
      const typeOnly = node.isTypeOnly || (!!node.exportClause && ts.isNamedExports(node.exportClause) &&
        node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, typeOnly ? "type" : "static");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly ? "type" : "static");
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], "dynamic");
      else if (ts.isIdentifier(node.expression) && node.expression.text === "require") add(node.arguments[0], "static");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, "type"); // `typeof import("x")`, `import("x").T`
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name, "type"); // `declare module "../x.js" { … }` patches that module's types
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * The import graph of the .ts files under `srcDir`: each file's edges to other files of the same tree.
 * @param {string} srcDir
 * @returns {Map<string, Edge[]>} absolute file path → edges
 */
export function importGraph(srcDir) {
  const root = path.resolve(srcDir);
  const files = readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(root, f))
    .sort();
  const known = new Set(files);
  /** @type {Map<string, Edge[]>} */
  const graph = new Map();
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    /** @type {Edge[]} */
    const edges = [];
    for (const { spec, kind } of specifiersOf(sf)) {
      if (!isRelative(spec)) continue; // packages and node: built-ins are outside the tree
      const resolved = ts.resolveModuleName(spec, file, RESOLUTION, ts.sys).resolvedModule?.resolvedFileName;
      if (resolved && known.has(path.resolve(resolved))) edges.push({ to: path.resolve(resolved), kind });
    }
    graph.set(file, edges);
  }
  return graph;
}

/**
 * The import cycles of a graph: one entry per strongly connected group of files (Tarjan), with the group's files
 * and one shortest loop through its first file as an example.
 * @param {Map<string, Edge[]>} graph
 * @returns {{ files: string[], loop: { file: string, kind: EdgeKind }[] }[]}
 */
export function findCycles(graph) {
  let next = 0;
  /** @type {Map<string, number>} */ const index = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {string[]} */ const stack = [];
  const onStack = new Set();
  /** @type {string[][]} */ const groups = [];
  /** @param {string} v */
  const connect = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(v, Math.min(/** @type {number} */ (low.get(v)), /** @type {number} */ (low.get(to))));
      } else if (onStack.has(to)) low.set(v, Math.min(/** @type {number} */ (low.get(v)), /** @type {number} */ (index.get(to))));
    }
    if (low.get(v) === index.get(v)) {
      /** @type {string[]} */ const group = [];
      let w;
      do {
        w = /** @type {string} */ (stack.pop());
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).some((e) => e.to === v);
      if (group.length > 1 || selfLoop) groups.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return groups.sort((a, b) => a[0].localeCompare(b[0])).map((files) => ({ files, loop: shortestLoop(graph, files[0], new Set(files)) }));
}

/**
 * The shortest path from `start` back to itself inside `group` (breadth-first), each step with its edge kind.
 * @param {Map<string, Edge[]>} graph @param {string} start @param {Set<string>} group
 * @returns {{ file: string, kind: EdgeKind }[]}
 */
function shortestLoop(graph, start, group) {
  /** @type {Map<string, { from: string, kind: EdgeKind }>} */
  const via = new Map();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i];
    for (const { to, kind } of graph.get(v) ?? []) {
      if (!group.has(to) || via.has(to)) continue;
      via.set(to, { from: v, kind });
      if (to === start) {
        /** @type {{ file: string, kind: EdgeKind }[]} */
        const loop = [];
        let at = start;
        do {
          const step = /** @type {{ from: string, kind: EdgeKind }} */ (via.get(at));
          loop.unshift({ file: at, kind: step.kind });
          at = step.from;
        } while (at !== start);
        return loop;
      }
      queue.push(to);
    }
  }
  return [];
}

/**
 * A report of the cycles, naming files relative to the folder that holds `srcDir` (so they read `src/runs/run.ts`).
 * @param {string} srcDir @param {ReturnType<typeof findCycles>} cycles
 */
export function formatCycles(srcDir, cycles) {
  const base = path.dirname(path.resolve(srcDir));
  /** @param {string} f */
  const name = (f) => path.relative(base, f).split(path.sep).join("/");
  const lines = [`${cycles.length} import cycle${cycles.length === 1 ? "" : "s"} under ${name(path.resolve(srcDir))}/ (type-only imports count too):`];
  for (const { files, loop } of cycles) {
    lines.push(`- ${files.length} file${files.length === 1 ? "" : "s"}: ${files.map(name).join(", ")}`);
    lines.push(`  e.g. ${name(files[0])}${loop.map((s) => ` →${s.kind === "static" ? "" : ` (${s.kind})`} ${name(s.file)}`).join("")}`);
  }
  lines.push("Break each loop: move the code both sides need into the earlier room, or have the caller pass it in as a parameter.");
  return lines.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = process.argv[2] ?? fileURLToPath(new URL("../src", import.meta.url));
  const graph = importGraph(srcDir);
  const cycles = findCycles(graph);
  if (cycles.length > 0) {
    console.error(formatCycles(srcDir, cycles));
    process.exitCode = 1;
  } else {
    console.log(`No import cycles among the ${graph.size} files under ${srcDir}.`);
  }
}
