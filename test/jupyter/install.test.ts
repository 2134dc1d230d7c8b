import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelSpec, kernelSpec, kernelsDir, userDataDir } from "../../src/jupyter/install.js";
import { ensureSelfLink, packageRoot } from "../../src/core/package-root.js";
import { LfadsError } from "../../src/core/errors.js";

const root = packageRoot();

test("kernel.json starts the package's kernel entry (its own tslab) with this node", () => {
  const spec = kernelSpec();
  assert.equal(spec.argv[0], process.execPath);
  assert.equal(spec.argv[1], join(root, "dist", "jupyter", "kernel-main.js"));
  assert.ok(existsSync(spec.argv[1]!));
  assert.deepEqual(spec.argv.slice(2), ["--config-path", "{connection_file}"]);
  assert.equal(spec.display_name, "TypeScript (lfads-ts)");
  assert.equal(spec.language, "typescript");
  assert.equal(spec.metadata.lfads_ts.root, root);
});

test("install into a prefix writes <prefix>/share/jupyter/kernels/<name>/kernel.json", () => {
  const tmp = mkdtempSync(join(tmpdir(), "lfads-kernel-"));
  try {
    const k = installKernelSpec({ target: { prefix: tmp }, name: "lfads-test", displayName: "T" });
    assert.equal(k.dir, join(tmp, "share", "jupyter", "kernels", "lfads-test"));
    const json = JSON.parse(readFileSync(join(k.dir, "kernel.json"), "utf8")) as { display_name: string; argv: string[] };
    assert.equal(json.display_name, "T");
    assert.deepEqual(json.argv, k.spec.argv);
    assert.throws(() => installKernelSpec({ target: { prefix: tmp }, name: "Bad Name" }), LfadsError);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("target folders follow Jupyter's rules", () => {
  const env = { HOME: "/home/u", PATH: "" };
  assert.equal(userDataDir(env, "linux"), "/home/u/.local/share/jupyter");
  assert.equal(userDataDir({ ...env, XDG_DATA_HOME: "/x" }, "linux"), "/x/jupyter");
  assert.equal(userDataDir(env, "darwin"), "/home/u/Library/Jupyter");
  assert.equal(userDataDir({ ...env, JUPYTER_DATA_DIR: "/j" }, "linux"), "/j");
  assert.equal(kernelsDir({ user: true }, env), join(userDataDir(env), "kernels"));
  assert.equal(kernelsDir({ prefix: "/opt/p" }, env), "/opt/p/share/jupyter/kernels");
  const isRoot = process.geteuid?.() === 0;
  assert.equal(kernelsDir({}, env), isRoot ? "/usr/local/share/jupyter/kernels" : join(userDataDir(env), "kernels"));

  // --sys-prefix: the prefix of the first `jupyter` on PATH (<prefix>/bin/jupyter).
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), "lfads-prefix-")));
  try {
    mkdirSync(join(tmp, "bin"));
    writeFileSync(join(tmp, "bin", "jupyter"), "#!/bin/sh\n");
    chmodSync(join(tmp, "bin", "jupyter"), 0o755);
    assert.equal(kernelsDir({ sysPrefix: true }, { PATH: `/nonexistent:${join(tmp, "bin")}` }), join(tmp, "share", "jupyter", "kernels"));
    assert.throws(() => kernelsDir({ sysPrefix: true }, { PATH: "/nonexistent" }), /--sys-prefix needs 'jupyter' on PATH/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("self link: created once in a checkout, never inside node_modules", () => {
  const tmp = mkdtempSync(join(tmpdir(), "lfads-link-"));
  try {
    assert.equal(ensureSelfLink(tmp), true);
    assert.equal(realpathSync(join(tmp, "node_modules", "lfads-ts")), realpathSync(tmp));
    assert.equal(ensureSelfLink(tmp), false);
    const nested = join(tmp, "node_modules", "x");
    mkdirSync(nested);
    assert.equal(ensureSelfLink(nested), false);
    assert.ok(!existsSync(join(nested, "node_modules")));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
