/**
 * `lfads-ts` is the TF-free public entry: loading it (dist/index.js, as a notebook or script does) must load no
 * TensorFlow.js module, so plain Run Manager work starts fast and needs no TF backend. `lfads-ts/tf` loads it; that
 * contrast shows the probe sees TensorFlow.js when it is there. Each entry is loaded in a fresh node process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

/** Requires `spec` in a child node, waits a moment for any `import()` it starts, and lists the TF modules loaded,
 * with the chain of modules that pulled in the first one. */
const PROBE = `
const spec = process.argv[1];
const resolved = require.resolve(spec);
require(spec);
setTimeout(() => {
  const tf = Object.keys(require.cache).filter((f) => /[\\\\/]@tensorflow[\\\\/]/.test(f));
  const chain = [];
  for (let m = tf.length > 0 ? require.cache[tf[0]] : undefined; m; m = m.parent) chain.unshift(m.filename);
  process.stdout.write(JSON.stringify({ resolved, tf, chain }));
}, 200);
`;

function load(spec: string): { resolved: string; tf: string[]; chain: string[] } {
  assert.ok(existsSync(join(root, "dist", "index.js")), "dist/index.js missing: run 'npm run build'");
  const r = spawnSync(process.execPath, ["-e", PROBE, spec], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("importing lfads-ts loads no TensorFlow.js module", () => {
  const { resolved, tf, chain } = load("lfads-ts");
  assert.equal(resolved, join(root, "dist", "index.js"), "lfads-ts must resolve to this checkout's build");
  assert.deepEqual(tf, [], `lfads-ts loads TensorFlow.js via ${chain.map((f) => f.replace(`${root}/`, "")).join(" → ")}`);
});

test("importing lfads-ts/tf does load TensorFlow.js (the probe sees it)", () => {
  const { resolved, tf } = load("lfads-ts/tf");
  assert.equal(resolved, join(root, "dist", "tf.js"));
  assert.ok(tf.some((f) => f.includes(join("node_modules", "@tensorflow", "tfjs"))), tf.join("\n"));
});
