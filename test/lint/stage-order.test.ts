/**
 * The stage-order lint rule (eslint/stage-order.mjs) as the repository's real eslint.config.mjs applies it: virtual
 * files planted inside src/ rooms, linted with ESLint's Node API, fail on every way of importing a later room and
 * pass on imports of their own and earlier rooms. The TensorFlow.js rule is checked alongside, since both live in
 * the same config.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ESLint, type Linter } from "eslint";

const root = join(__dirname, "..", "..");
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it were the file `rel` of the repository; the messages of `ruleId`. */
async function lint(rel: string, code: string, ruleId = "stages/stage-order"): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, rel) });
  const fatal = result!.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `${rel} must parse`);
  return result!.messages.filter((m) => m.ruleId === ruleId);
}

test("a backwards import (runs → display) fails, naming the rooms and the fix", async () => {
  const messages = await lint("src/runs/planted.ts", 'import { progress } from "../display/progress.js";\nexport const p = progress;\n');
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.line, 1);
  assert.equal(
    messages[0]!.message,
    "runs may import only runs and earlier rooms (core, io, params, data); '../display/progress.js' is in display. " +
      "Move the code it needs into runs or an earlier room, or have the caller pass it in as a parameter.",
  );
});

test("every import form counts: import type, export … from, import(), typeof import(), require, declare module", async () => {
  const lines = [
    'import type { Figure } from "../display/plots/figure.js";',
    'export { samplePosterior } from "../posterior/sample.js";',
    'export * from "../train/train-run.js";',
    'export const later = () => import("../queue/local.js");',
    'export type Run = typeof import("../run-lfads/run.js");',
    'export type Fit = import("../train/train-run.js").TrainResult;',
    'import cli = require("../cli/args.js");',
    'export const q = require("../queue/status.js");',
    'declare module "../demo/lorenz-demo.js" { interface X { y: number } }',
    "export const f = (x: Figure) => [x, cli];",
  ];
  const messages = await lint("src/runs/planted.ts", lines.join("\n") + "\n");
  assert.deepEqual(messages.map((m) => m.line), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(messages.every((m) => /^runs may import only runs and earlier rooms/.test(m.message)), messages.map((m) => m.message).join("\n"));
});

test("imports of the file's own room, earlier rooms and packages pass", async () => {
  const code = [
    'import "./run.js";',
    'import "../core/errors.js";',
    'import "../data/dataset.js";',
    'import type { RunParams } from "../params/run-params.js";',
    'import "node:path";',
    'import "ml-matrix";',
    'export const later = () => import("../align/alignment.js");',
    'export type P = typeof import("../prepare/prepare.js");',
  ].join("\n");
  assert.deepEqual(await lint("src/posterior/planted.ts", code), []);
  assert.deepEqual(await lint("src/core/deep/planted.ts", 'import "../errors.js";\nimport "./sibling.js";\n'), []);
  // The last room may import every room.
  assert.deepEqual(await lint("src/cli/planted.ts", 'import "../queue/local.js";\nimport "../run-lfads/run.js";\nimport "../display/show.js";\n'), []);
});

test("entry files import anything; rooms may not import them (nor the package's own name)", async () => {
  const everyRoom = 'import "./cli/args.js";\nimport "./display/show.js";\nimport "./core/errors.js";\n';
  for (const entry of ["src/index.ts", "src/tf.ts", "src/cli.ts"]) assert.deepEqual(await lint(entry, everyRoom), [], entry);

  const messages = await lint("src/display/planted.ts", 'import "../index.js";\nimport "lfads-ts/tf";\nimport "../cli.js";\n');
  assert.deepEqual(messages.map((m) => m.line), [1, 2, 3]);
  assert.match(messages[0]!.message, /'\.\.\/index\.js' is the entry file src\/index\.ts, which composes the rooms and is imported by none/);
  assert.match(messages[1]!.message, /'lfads-ts\/tf' is the entry file src\/tf\.ts/);
  // src/cli.ts counts as the cli room: cli/ may import it.
  assert.deepEqual(await lint("src/cli/planted.ts", 'import "../cli.js";\n'), []);
});

test("a file outside every room is reported until its folder joins the stage order", async () => {
  const messages = await lint("src/widgets/planted.ts", 'export const x = 1;\n');
  assert.equal(messages.length, 1);
  assert.match(messages[0]!.message, /^src\/widgets\/planted\.ts is in no room of the stage order \(core → io → .* → cli\): .*add src\/widgets\/ to ROOMS in eslint\/stage-order\.mjs/);
});

test("TensorFlow.js stays in model/, train/, posterior/ and src/tf.ts", async () => {
  const tf = 'import * as tf from "@tensorflow/tfjs";\nexport const t = tf;\n';
  assert.equal((await lint("src/runs/planted.ts", tf, "no-restricted-imports")).length, 1);
  assert.equal((await lint("src/display/planted.ts", tf, "no-restricted-imports")).length, 1);
  for (const ok of ["src/model/planted.ts", "src/train/planted.ts", "src/posterior/planted.ts", "src/tf.ts"]) {
    assert.deepEqual(await lint(ok, tf, "no-restricted-imports"), [], ok);
  }
});
