// The pieces the lfads-ts kernel uses to serve "lfads-ts" in any folder, and its hints for missing
// modules. The kernel itself runs in test/notebooks (every notebook test runs outside the repository).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localPackageDir, packageParentDir, typePathsOf } from "../../src/jupyter/kernel-modules.js";
import { missingModuleHint, missingModuleName } from "../../src/jupyter/module-hints.js";
import { packageRoot } from "../../src/core/package-root.js";

const root = packageRoot();

test("type paths come from package.json exports: one .d.ts per entry", () => {
  const paths = typePathsOf(root);
  assert.deepEqual(paths, { "lfads-ts": [join(root, "dist", "index.d.ts")], "lfads-ts/tf": [join(root, "dist", "tf.d.ts")] });
  for (const [file] of Object.values(paths)) assert.ok(existsSync(file!), `${file} built`);
});

test("the folder that holds lfads-ts: node_modules of an installed copy, the checkout's own node_modules otherwise", () => {
  assert.equal(packageParentDir("/p/node_modules/lfads-ts"), "/p/node_modules");
  assert.equal(packageParentDir("/home/u/src/lfads-ts"), "/home/u/src/lfads-ts/node_modules");
  assert.ok(existsSync(join(packageParentDir(root), "lfads-ts", "package.json")), "the checkout's self link");
});

test("a notebook folder's own node_modules/lfads-ts is found as Node10 resolution finds it", () => {
  const tmp = mkdtempSync(join(tmpdir(), "lfads-local-"));
  try {
    const deep = join(tmp, "a", "b");
    mkdirSync(deep, { recursive: true });
    assert.equal(localPackageDir(deep, "lfads-ts-test-pkg"), undefined);
    mkdirSync(join(tmp, "node_modules", "lfads-ts-test-pkg"), { recursive: true });
    writeFileSync(join(tmp, "node_modules", "lfads-ts-test-pkg", "package.json"), "{}");
    assert.equal(localPackageDir(deep, "lfads-ts-test-pkg"), join(tmp, "node_modules", "lfads-ts-test-pkg"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("missing-module hints name the module and the fix", () => {
  const ctx = { cwd: "/home/u/analysis", root: "/opt/lfads-ts", entries: ["lfads-ts", "lfads-ts/tf"] };
  assert.equal(missingModuleName("Cannot find module 'x/y' or its corresponding type declarations."), "x/y");
  assert.equal(missingModuleName("Type 'string' is not assignable to type 'number'."), undefined);
  assert.match(missingModuleHint("lfads-ts", ctx), /'lfads-ts' should come from \/opt\/lfads-ts, but it is not there or not built; run 'npm run build' in \/opt\/lfads-ts, or reinstall the kernel .* 'lfads kernel install'/);
  assert.match(missingModuleHint("lfads-ts/plots", ctx), /lfads-ts has no module 'lfads-ts\/plots'; import from 'lfads-ts' or 'lfads-ts\/tf'$/);
  assert.match(missingModuleHint("@tensorflow/tfjs-node/dist", ctx), /'@tensorflow\/tfjs-node' is not installed .*run 'npm install @tensorflow\/tfjs-node' in \/home\/u\/analysis/);
  assert.match(missingModuleHint("./helpers", ctx), /'\.\/helpers' is a path; relative paths start from the notebook's folder \/home\/u\/analysis/);
});
