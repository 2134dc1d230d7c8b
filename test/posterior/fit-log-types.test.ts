/**
 * `loadFitLog(…, { dataFrame: true })` in a notebook cell: the published declarations give it a precise
 * type under tslab's TypeScript 5.0 (Node10 resolution) and do not pull in danfojs-node's types, so a
 * project without danfojs type-checks (danfojs-node is an optional peer dependency).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");
const tsc = join(root, "node_modules/@tslab/typescript-for-tslab/bin/tsc");
const built = existsSync(join(root, "dist/posterior/fit-log.d.ts"));

test("the dataFrame overloads type-check in a tslab cell, without danfojs-node's types", { skip: !built && "dist/ not built (npm run build)" }, () => {
  assert.ok(existsSync(tsc), "tslab's TypeScript is installed with tslab");
  for (const f of ["fit-log.d.ts", "run-results.d.ts"]) {
    const code = readFileSync(join(root, "dist/posterior", f), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    assert.doesNotMatch(code, /(from|import\(|require\(|types=)\s*["']danfojs/, `${f} must not refer to the danfojs-node module`);
  }
  const dir = mkdtempSync(join(root, "tmp-cell-"));
  try {
    const cell = join(dir, "cell.ts");
    writeFileSync(
      cell,
      [
        'import { loadFitLog, loadRunFitLog, FitLog, Run } from "lfads-ts";',
        'const df = loadFitLog("out", { dataFrame: true });',
        "const shape: number[] = df.shape;",
        "const cols: string[] = df.columns;",
        'const kl: number[] = df.column("kl_train").values;',
        "const rows: number[][] = df.values;",
        'const log: FitLog = loadFitLog("out");',
        'const log2: FitLog = loadFitLog("out", { dataFrame: false });',
        'const either: FitLog | { readonly shape: number[] } = loadFitLog("out", { dataFrame: Math.random() > 0.5 });',
        "declare const run: Run;",
        "const runDf: number[] = run.loadFitLog({ dataFrame: true }).shape;",
        "const runLog: FitLog = run.loadFitLog();",
        "const viaFn: string[] = loadRunFitLog(run, { dataFrame: true }).columns;",
        'const bad: FitLog = loadFitLog("out", { dataFrame: true });',
        "export { shape, cols, kl, rows, log, log2, either, runDf, runLog, viaFn, bad };",
      ].join("\n"),
    );
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "--listFiles", "--moduleResolution", "node", "--module", "commonjs", "--target", "es2022", "--esModuleInterop", "--skipLibCheck", "--types", "node", cell], { cwd: root, encoding: "utf8" });
    const errors = r.stdout.split("\n").filter((l) => l.includes("error TS"));
    assert.equal(errors.length, 1, r.stdout);
    assert.match(errors[0]!, /cell\.ts\(14,7\): error TS2740: Type 'FitLogDataFrame' is missing the following properties from type 'FitLog'/);
    const files = r.stdout.split("\n").filter((l) => l.startsWith("/"));
    assert.ok(files.some((f) => f.endsWith("dist/posterior/fit-log.d.ts")), "the cell was checked against the published declarations");
    assert.deepEqual(files.filter((f) => f.includes("danfojs")), [], "no danfojs-node declaration is part of the program");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
