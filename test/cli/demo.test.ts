/**
 * `lfads demo` end to end through the real launcher (bin/lfads.js → dist/cli.js; `npm test` builds first)
 * with a tiny training budget: the docs' four-run sweep is generated, prepared, trained on the local worker
 * pool (child processes), sampled, scored and reported; the closing table lists every run; a second call
 * resumes without training again. The fit itself is measured in the README, not here (30 steps learn nothing).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

function demo(args: string[]): { code: number | null; out: string; err: string } {
  assert.ok(existsSync(join(root, "dist", "cli.js")), "dist/cli.js missing: run 'npm run build'");
  const r = spawnSync(process.execPath, [join(root, "bin", "lfads.js"), "demo", ...args], { encoding: "utf8", timeout: 600_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("lfads demo: the four-run sweep on the pool, a table of R² per run, the report; a second call resumes", { timeout: 900_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), "lfads-demo-"));
  try {
    const first = demo(["--out", out, "--steps", "30", "--workers", "2"]);
    assert.equal(first.code, 0, `${first.out}\n${first.err}`);
    for (const stage of ["[generate]", "[prepare]", "[train]", "[report]"]) assert.ok(first.out.includes(stage), `no ${stage} line:\n${first.out}`);
    const runs = join(out, "runs", "example");
    const params = readdirSync(runs).filter((n) => n.startsWith("param_"));
    assert.equal(params.length, 4, `four param_ folders, got ${params.join(", ")}`);
    // The closing table: one row per run with its c_factors_dim and a valid R², then the report path.
    const table = first.out.slice(first.out.indexOf("Valid R² of the inferred rates"));
    for (const f of [2, 4, 6, 8]) assert.match(table, new RegExp(`param_[\\w-]{6}/single_dataset001\\s+${f}\\s+-?\\d\\.\\d{3}\\s`), `no row for ${f} factors:\n${table}`);
    assert.match(first.out, /Report: .*report\.html/);
    assert.ok(existsSync(join(runs, "report.html")));
    for (const p of params) assert.ok(existsSync(join(runs, p, "single_dataset001", "lfads.done")), `${p} not done`);

    const second = demo(["--out", out, "--steps", "30", "--until", "posterior"]);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /\[train\] 4 of 4 runs done already; training 0/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("lfads demo: --docs and --quick together, and a bad --steps, are usage errors", () => {
  const both = demo(["--docs", "--quick", "--until", "generate"]);
  assert.equal(both.code, 2);
  assert.match(both.err, /--docs and --quick choose different settings/);
  const bad = demo(["--steps", "0", "--until", "generate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--steps expects an integer >= 1, got 0/);
});

test("lfads demo --stitching --quick: the batch size it picks is the largest both splits of the smallest dataset take", async () => {
  const out = mkdtempSync(join(tmpdir(), "lfads-demo-stitch-"));
  try {
    const r = demo(["--stitching", "--quick", "--until", "generate", "--out", out]);
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const batch = Number(/here c_batch_size (\d+)\)/.exec(r.out)?.[1]);
    assert.ok(Number.isInteger(batch), `no batch size line:\n${r.out}`);
    const { readDatasetFileInfo } = await import("../../src/data/read-dataset-file.js");
    const { splitSizes } = await import("../../src/data/rebin-split.js");
    const { checkBatchSize } = await import("../../src/train/batching.js");
    const files = readdirSync(join(out, "datasets")).filter((f) => f.endsWith(".h5"));
    assert.equal(files.length, 3);
    const sizes = await Promise.all(files.map(async (f) => ({ name: f, ...splitSizes((await readDatasetFileInfo(join(out, "datasets", f), f)).nTrials, 4) })));
    // Training must accept it for every dataset's training and validation split (TF asserts trials > batch) ...
    checkBatchSize(batch, sizes.map((s) => ({ name: s.name, numTrials: s.nTrain })), "train");
    checkBatchSize(batch, sizes.map((s) => ({ name: s.name, numTrials: s.nValid })), "valid");
    // ... and one more would not fit the smallest validation split.
    assert.throws(() => checkBatchSize(batch + 1, sizes.map((s) => ({ name: s.name, numTrials: s.nValid })), "valid"), /c_batch_size/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
