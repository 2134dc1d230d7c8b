/**
 * The published .d.ts must type-check under tslab's bundled TypeScript 5.0 with Node10 resolution
 * (what a notebook cell sees). A cell using the public API compiles, and a deliberate type error is
 * reported — so the declarations are parsed, resolved and actually checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");
const tsc = join(root, "node_modules/@tslab/typescript-for-tslab/bin/tsc");

test("public types compile under tslab's TypeScript 5.0 (Node10 resolution)", { skip: !existsSync(join(root, "dist/index.d.ts")) && "dist/ not built (npm run build)" }, () => {
  assert.ok(existsSync(tsc), "tslab's TypeScript is installed with tslab");
  const dir = mkdtempSync(join(root, "tmp-cell-"));
  try {
    const cell = join(dir, "cell.ts");
    writeFileSync(
      cell,
      [
        'import { RunParams, RunCollection, DatasetCollection, Dataset, RunSpec, generateSweep, PosteriorMeans, loadPosteriorMeans,',
        '  plotSingleTrialRates, plotTrainingCurves, Figure, show, FitLog } from "lfads-ts";',
        "const p = new RunParams({ c_co_dim: 0, c_factors_dim: 8 });",
        "const sweep: RunParams[] = generateSweep(p, { c_factors_dim: [2, 4] });",
        "const h: string = p.paramHashString;",
        "const bad: number = p.c_output_dist;",
        "export { h, bad, sweep, RunCollection, DatasetCollection, Dataset, RunSpec, PosteriorMeans, loadPosteriorMeans, plotSingleTrialRates, plotTrainingCurves, Figure, show, FitLog };",
      ].join("\n"),
    );
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "--moduleResolution", "node", "--module", "commonjs", "--target", "es2022", "--esModuleInterop", "--skipLibCheck", "--types", "node", cell], { cwd: root, encoding: "utf8" });
    const errors = r.stdout.split("\n").filter((l) => l.includes("error TS"));
    assert.equal(errors.length, 1, r.stdout);
    assert.match(errors[0]!, /cell\.ts\(6,7\): error TS2322: Type 'string' is not assignable to type 'number'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
