// @ts-check
/**
 * The stage-order lint rule (issue #15): the folders under src/ ("rooms") form one pipeline, and a file may import
 * only its own room and the rooms before it, so data flows one way and no stage reaches forward into a later one.
 * The entry files src/index.ts (`lfads-ts`), src/tf.ts (`lfads-ts/tf`) and src/cli.ts compose the rooms and may
 * import any of them; src/cli.ts counts as the cli room when something imports it.
 *
 * Every way a file can name another one counts: static imports (`import type` too), `export … from`, dynamic
 * `import()`, `typeof import()` type queries, `import x = require()`, `require()` and `declare module` patches.
 */
import path from "node:path";

/** Rooms (folders under src/) in stage order: each may import itself and the rooms before it. */
export const ROOMS = [
  "core", "io", "params", "data", "runs", "align", "prepare", "nlb", "kernels", "model", "train", "posterior", "display",
  "jupyter", "queue", "run-lfads", "pbt", "facade", "demo", "cli",
];

/** Files directly in src/ that compose the rooms: they may import anything. The value is the room a file counts as
 * when another file imports it (null: no room may import it). */
const ENTRY_FILES = new Map([["index.ts", null], ["tf.ts", null], ["cli.ts", "cli"]]);

/** The package's own names resolve to its entry files (a self-import from a room would bypass relative paths). */
const SELF_SPECIFIERS = new Map([["lfads-ts", "index.ts"], ["lfads-ts/tf", "tf.ts"]]);

/**
 * Where a path relative to src/ sits in the stage order: a room, an entry file, or nowhere.
 * @param {string} rel path relative to src/, with `/` separators
 * @returns {{ kind: "room", room: string } | { kind: "entry", file: string, room: string | null } | { kind: "none", name: string }}
 */
function placeOf(rel) {
  const [first, ...rest] = rel.split("/");
  if (rest.length === 0) {
    const asTs = first.replace(/\.(js|ts)$/, ".ts");
    if (ENTRY_FILES.has(asTs)) return { kind: "entry", file: `src/${asTs}`, room: ENTRY_FILES.get(asTs) ?? null };
    return { kind: "none", name: `src/${first}` };
  }
  if (ROOMS.includes(first)) return { kind: "room", room: first };
  return { kind: "none", name: `src/${first}/` };
}

/** "runs may import only runs and earlier rooms (core, io, params, data)". @param {string} room */
function allowedText(room) {
  const earlier = ROOMS.slice(0, ROOMS.indexOf(room));
  return earlier.length === 0 ? `${room} may import only ${room}` : `${room} may import only ${room} and earlier rooms (${earlier.join(", ")})`;
}

/** The module path a node names, when it is a plain string (a computed `import(x)` cannot be checked).
 * @param {any} node an ESTree or typescript-eslint node, or null */
function literalOf(node) {
  if (!node) return undefined;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0) return node.quasis[0].value.cooked ?? undefined;
  return undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
const stageOrder = {
  meta: {
    type: "problem",
    docs: { description: "A room under src/ imports only its own room and earlier rooms of the stage order" },
    schema: [{ type: "object", properties: { srcDir: { type: "string" } }, required: ["srcDir"], additionalProperties: false }],
    messages: {
      backwards:
        "{{allowed}}; '{{spec}}' is in {{target}}. Move the code it needs into {{room}} or an earlier room, " +
        "or have the caller pass it in as a parameter.",
      entry:
        "{{allowed}}; '{{spec}}' is the entry file {{target}}, which composes the rooms and is imported by none. " +
        "Import from the room that defines the symbol instead.",
      noRoom:
        "{{file}} is in no room of the stage order ({{rooms}}): move it into one of them, or add {{name}} to ROOMS " +
        "in eslint/stage-order.mjs at its stage.",
    },
  },
  create(context) {
    const srcDir = path.resolve(context.options[0].srcDir);
    const filename = context.filename;
    const relFile = path.relative(srcDir, filename).split(path.sep).join("/");
    if (relFile.startsWith("../") || path.isAbsolute(relFile)) return {}; // not under src/
    const here = placeOf(relFile);
    if (here.kind === "entry") return {}; // entry files may import anything
    if (here.kind === "none") {
      return {
        Program(node) {
          context.report({ node, messageId: "noRoom", data: { file: `src/${relFile}`, name: here.name, rooms: ROOMS.join(" → ") } });
        },
      };
    }
    const room = here.room;
    const rank = ROOMS.indexOf(room);
    const allowed = allowedText(room);

    /** Reports `spec` when it names a later room or an entry file. @param {any} node @param {string | undefined} spec */
    function check(node, spec) {
      if (spec === undefined) return;
      let target;
      if (SELF_SPECIFIERS.has(spec)) target = placeOf(/** @type {string} */ (SELF_SPECIFIERS.get(spec)));
      else if (spec.startsWith("./") || spec.startsWith("../")) {
        const rel = path.relative(srcDir, path.resolve(path.dirname(filename), spec)).split(path.sep).join("/");
        if (rel.startsWith("../") || rel === "..") return; // outside src/ (package.json, …)
        target = placeOf(rel);
      } else return; // a package or node: built-in
      if (target.kind === "room" && ROOMS.indexOf(target.room) > rank) {
        context.report({ node, messageId: "backwards", data: { allowed, spec, target: target.room, room } });
      } else if (target.kind === "entry" && (target.room === null || ROOMS.indexOf(target.room) > rank)) {
        context.report({ node, messageId: "entry", data: { allowed, spec, target: target.file } });
      }
      // kind "none": the file there is reported by its own noRoom error; once it has a room, imports of it are checked.
    }

    return {
      ImportDeclaration: (node) => check(node.source, literalOf(node.source)),
      ExportNamedDeclaration: (node) => node.source && check(node.source, literalOf(node.source)),
      ExportAllDeclaration: (node) => check(node.source, literalOf(node.source)),
      ImportExpression: (node) => check(node, literalOf(node.source)),
      CallExpression(node) {
        if (node.callee.type === "Identifier" && node.callee.name === "require" && node.arguments.length === 1) {
          check(node, literalOf(node.arguments[0]));
        }
      },
      // TypeScript-only syntax (typescript-eslint node types, which ESLint's own typings do not know).
      // `typeof import("x")` and `import("x").T`.
      TSImportType: (/** @type {any} */ node) => check(node, literalOf(node.source)),
      TSImportEqualsDeclaration(/** @type {any} */ node) {
        if (node.moduleReference.type === "TSExternalModuleReference") check(node, literalOf(node.moduleReference.expression));
      },
      // `declare module "../runs/run.js" { … }` patches another module, so it depends on it.
      TSModuleDeclaration(/** @type {any} */ node) {
        if (node.id.type === "Literal") check(node.id, literalOf(node.id));
      },
    };
  },
};

export default { meta: { name: "lfads-stage-order" }, rules: { "stage-order": stageOrder } };
