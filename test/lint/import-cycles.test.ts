/**
 * scripts/check-import-cycles.mjs (run by `npm run lint`): planted in a temp tree, a cycle fails the check and the
 * report lists its files, whichever import form closes the loop (type-only ones included); an acyclic tree passes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const script = join(__dirname, "..", "..", "scripts", "check-import-cycles.mjs");

/** Writes `files` (path under src/ → text) into a fresh temp tree and runs the check on its src/. */
function check(files: Record<string, string>): { code: number | null; out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), "import-cycles-"));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, "src", rel)), { recursive: true });
      writeFileSync(join(dir, "src", rel), text);
    }
    const r = spawnSync(process.execPath, [script, join(dir, "src")], { encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("an acyclic tree passes", () => {
  const r = check({
    "core/a.ts": "export const a = 1;\n",
    "runs/b.ts": 'import { a } from "../core/a.js";\nexport const b = a;\n',
    "display/c.ts": 'import { b } from "../runs/b.js";\nimport type { a } from "../core/a.js";\nexport const c = () => import("../runs/b.js");\nexport const d = b;\n',
  });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^No import cycles among the 3 files under /);
});

test("a three-file cycle fails, listing its files and one loop", () => {
  const r = check({
    "runs/run.ts": 'import { prepare } from "../prepare/prepare.js";\nexport const run = prepare;\n',
    "prepare/prepare.ts": 'import { provider } from "./provider.js";\nexport const prepare = provider;\n',
    "prepare/provider.ts": 'import type { run } from "../runs/run.js";\nexport const provider = 1 as unknown as typeof run;\n',
    "core/free.ts": "export const free = 1;\n",
  });
  assert.equal(r.code, 1);
  assert.equal(
    r.err.trim(),
    [
      "1 import cycle under src/ (type-only imports count too):",
      "- 3 files: src/prepare/prepare.ts, src/prepare/provider.ts, src/runs/run.ts",
      "  e.g. src/prepare/prepare.ts → src/prepare/provider.ts → (type) src/runs/run.ts → src/prepare/prepare.ts",
      "Break each loop: move the code both sides need into the earlier room, or have the caller pass it in as a parameter.",
    ].join("\n"),
  );
});

test("every import form closes a loop: type-only, export … from, import(), typeof import(), require, declare module", () => {
  const forms: Record<string, string> = {
    "import type": 'import type { A } from "./a.js";\nexport type B = A;\n',
    "inline type specifiers": 'import { type A } from "./a.js";\nexport type B = A;\n',
    "export from": 'export { a } from "./a.js";\n',
    "export type from": 'export type { A } from "./a.js";\n',
    "export star": 'export * from "./a.js";\n',
    "dynamic import": 'export const b = () => import("./a.js");\n',
    "typeof import": 'export type B = typeof import("./a.js");\n',
    "import type node": 'export type B = import("./a.js").A;\n',
    "require": 'export const b = require("./a.js");\n',
    "declare module": 'declare module "./a.js" { interface A { extra: number } }\nexport {};\n',
  };
  // One folder per form, each a two-file loop closed by that form, checked in one run.
  const folders = Object.keys(forms).map((form) => form.replace(/ /g, "-"));
  const tree: Record<string, string> = {};
  Object.values(forms).forEach((back, i) => {
    tree[`${folders[i]}/a.ts`] = 'import "./b.js";\nexport const a = 1;\nexport interface A { n: number }\n';
    tree[`${folders[i]}/b.ts`] = back;
  });
  const r = check(tree);
  assert.equal(r.code, 1, r.out);
  const missing = folders.filter((f) => !r.err.includes(`- 2 files: src/${f}/a.ts, src/${f}/b.ts\n`));
  assert.deepEqual(missing, [], r.err);
  assert.match(r.err, new RegExp(`^${folders.length} import cycles under src/`));
});

test("several cycles are all reported, and a file importing itself is one", () => {
  const r = check({
    "a/one.ts": 'import "./two.js";\n',
    "a/two.ts": 'import "./one.js";\n',
    "b/self.ts": 'import "./self.js";\nexport const s = 1;\n',
  });
  assert.equal(r.code, 1);
  assert.match(r.err, /^2 import cycles under src\//);
  assert.match(r.err, /^- 2 files: src\/a\/one\.ts, src\/a\/two\.ts$/m);
  assert.match(r.err, /^- 1 file: src\/b\/self\.ts$/m);
});
