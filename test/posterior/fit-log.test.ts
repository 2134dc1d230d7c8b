import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { DataFrame } from "danfojs-node";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, LayoutError, ParamError } from "../../src/core/errors.js";
import { FIT_LOG_COLUMNS, FitLog, loadFitLog, parseFitLogLine } from "../../src/posterior/fit-log.js";
import { loadRunFitLog } from "../../src/posterior/run-results.js";
import { tempDir } from "./h5py.js";
import { runWithOutput } from "./run-fixture.js";

/** What TF LFADS's `csv_outstr` produces: the backslash continuations leave ", " + 6 spaces before recon and klweight. */
function tfLine(i: number, step: number, tot: [number, number], rec: [number, number], kl: [number, number], l2: number, klw: number, l2w: number): string {
  const f = (x: number) => x.toFixed(2);
  return `epoch,${i}, step,${step}, total,${f(tot[0])},${f(tot[1])},       recon,${f(rec[0])},${f(rec[1])}, kl,${f(kl[0])},${f(kl[1])}, l2,${l2.toFixed(5)},       klweight,${f(klw)}, l2weight,${f(l2w)}\n`;
}

test("a literal TF fitlog line parses into the tidy row", () => {
  const line = "epoch,3, step,40, total,2763.14,2774.40,       recon,2750.91,2762.11, kl,12.23,12.29, l2,0.00537,       klweight,0.02, l2weight,0.02\n";
  assert.equal(tfLine(3, 40, [2763.14, 2774.4], [2750.91, 2762.11], [12.23, 12.29], 0.00537, 0.02, 0.02), line);
  assert.deepEqual(parseFitLogLine(line), {
    epoch: 3, step: 40, total_train: 2763.14, total_valid: 2774.4, recon_train: 2750.91, recon_valid: 2762.11,
    kl_train: 12.23, kl_valid: 12.29, l2: 0.00537, kl_weight: 0.02, l2_weight: 0.02,
  });
});

test("the train-only variant leaves the validation columns NaN", () => {
  const line = "epoch,0, step,9, total,3000.50, recon,2990.00, kl,10.50,       l2,0.00000, klweight,0.00, l2weight,0.00";
  const r = parseFitLogLine(line);
  assert.equal(r.total_train, 3000.5);
  assert.equal(r.kl_train, 10.5);
  assert.ok(Number.isNaN(r.total_valid) && Number.isNaN(r.recon_valid) && Number.isNaN(r.kl_valid));
  const log = FitLog.parse(`${line}\n`);
  assert.equal(log.hasValid, false);
  assert.equal(log.lveIndex, undefined);
  assert.ok(Number.isNaN(log.total_valid_lve));
});

test("lveIndex: lowest total_valid among rows after both ramps (kl_weight == l2_weight == 1)", () => {
  const text = [
    tfLine(0, 10, [900, 100], [890, 95], [10, 5], 0.1, 0.0, 0.0), // lowest valid overall, but ramps unfinished
    tfLine(1, 20, [800, 700], [790, 690], [9, 9], 0.2, 1.0, 0.5),
    tfLine(2, 30, [700, 650], [690, 640], [8, 8], 0.3, 1.0, 1.0),
    tfLine(3, 40, [600, 620], [590, 610], [7, 7.5], 0.4, 1.0, 1.0), // ← LVE
    tfLine(4, 50, [500, 630], [490, 615], [6, 6.5], 0.5, 1.0, 1.0),
    "",
  ].join("");
  const log = FitLog.parse(text, "fitlog.csv");
  assert.equal(log.nEpochs, 5);
  assert.equal(log.lveIndex, 3);
  assert.deepEqual(
    [log.total_train_lve, log.total_valid_lve, log.recon_train_lve, log.recon_valid_lve, log.kl_train_lve, log.kl_valid_lve, log.l2_lve],
    [600, 620, 590, 610, 7, 7.5, 0.4],
  );
  assert.deepEqual([...log.column("step")], [10, 20, 30, 40, 50]);
  const rows = log.toRows();
  assert.equal(rows.length, 5);
  rows[0]!.step = -1; // copies: the log itself is unchanged
  assert.equal(log.rows[0]!.step, 10);
});

test("non-numbers become NaN (inf as Python prints it is understood); wrong labels are errors naming the line", () => {
  const r = parseFitLogLine("epoch,1, step,2, total,inf,nan,       recon,1.00,1.2.3, kl,-inf,0.00, l2,0.00000,       klweight,1.00, l2weight,1.00");
  assert.equal(r.total_train, Infinity);
  assert.ok(Number.isNaN(r.total_valid) && Number.isNaN(r.recon_valid));
  assert.equal(r.kl_train, -Infinity);
  assert.throws(() => FitLog.parse("epoch,1, step,2, totl,3.00,4.00", "x/fitlog.csv"), (e: Error) =>
    e instanceof DataError && /x\/fitlog\.csv line 1/.test(e.message) && /found 'totl'/.test(e.message));
  assert.throws(() => parseFitLogLine("epoch,1, step,2, total,1,2,3"), /'total' is followed by 3 values; expected 1 \(train\) or 2 \(train, valid\)/);
});

test("loadFitLog reads <outputDir>/fitlog.csv; a missing file says to train first", () => {
  const { dir, cleanup } = tempDir("fitlog");
  try {
    fs.writeFileSync(path.join(dir, "fitlog.csv"), tfLine(0, 5, [1, 2], [1, 2], [0, 0], 0, 1, 1));
    assert.equal(loadFitLog(dir).nEpochs, 1);
    assert.equal(loadFitLog(path.join(dir, "fitlog.csv")).source, path.join(dir, "fitlog.csv"));
    assert.throws(() => loadFitLog(path.join(dir, "none")), (e: Error) => e instanceof LayoutError && /fitlog\.csv not found/.test(e.message) && /train the run first/.test(e.message));
  } finally {
    cleanup();
  }
});

// ---- danfojs-node DataFrame (optional peer dependency, a devDependency here) ----

const FIVE_EPOCHS = [
  tfLine(0, 10, [900, 100], [890, 95], [10, 5], 0.1, 0.0, 0.0),
  tfLine(1, 20, [800, 700], [790, 690], [9, 9], 0.2, 1.0, 0.5),
  "epoch,2, step,30, total,700.00, recon,690.00, kl,8.00,       l2,0.30000, klweight,1.00, l2weight,1.00\n", // train-only line: NaN valid columns
  tfLine(3, 40, [600, 620], [590, 610], [7, 7.5], 0.4, 1.0, 1.0),
  tfLine(4, 50, [500, 630.07], [490, 615], [6, 6.5], 0.12345, 1.0, 1.0),
].join("");

/** Same number, NaN equal to NaN. */
const same = (a: unknown, b: number): boolean => (Number.isNaN(b) ? Number.isNaN(a as number) : a === b);

test("loadFitLog(dir, { dataFrame: true }): a danfojs-node DataFrame of the same tidy table (shape, columns, values)", () => {
  const { dir, cleanup } = tempDir("fitlog-df");
  try {
    fs.writeFileSync(path.join(dir, "fitlog.csv"), FIVE_EPOCHS);
    const rows = loadFitLog(dir).toRows();
    const df = loadFitLog(dir, { dataFrame: true });
    const dfd = require("danfojs-node") as typeof import("danfojs-node");
    const isDanfo: boolean = df instanceof dfd.DataFrame; // (not asserted inline: that would narrow df's type)
    assert.ok(isDanfo, "a real danfojs-node DataFrame");
    assert.deepEqual(df.shape, [5, FIT_LOG_COLUMNS.length]);
    assert.deepEqual(df.columns, [...FIT_LOG_COLUMNS]);
    assert.deepEqual(df.index, [0, 1, 2, 3, 4]);
    for (const c of FIT_LOG_COLUMNS) {
      const v = df.column(c).values;
      assert.equal(v.length, rows.length, c);
      rows.forEach((r, i) => assert.ok(same(v[i], r[c]), `${c}[${i}]: ${String(v[i])} vs ${r[c]}`));
    }
    // a few values spelled out (full precision, NaN for the train-only epoch's validation costs)
    assert.equal(df.column("total_valid").values[4], 630.07);
    assert.equal(df.column("l2").values[4], 0.12345);
    assert.ok(Number.isNaN(df.column("recon_valid").values[2]!));
    assert.deepEqual(df.values[3], FIT_LOG_COLUMNS.map((c) => rows[3]![c]));
    assert.match(df.toString(), /total_valid/);
    // the Run method and FitLog.toDataFrame give the same table
    const viaMethod = FitLog.parse(FIVE_EPOCHS).toDataFrame();
    assert.deepEqual(viaMethod.shape, df.shape);
    // danfo's own API on it (the documented cast gives danfo's full type): records equal the plain rows
    assert.deepEqual(dfd.toJSON(df as DataFrame), rows);
    assert.deepEqual((viaMethod as DataFrame).column("kl_train").mean(), rows.reduce((a, r) => a + r.kl_train, 0) / rows.length);
    // an empty log: 0 rows, the same columns
    fs.writeFileSync(path.join(dir, "empty.csv"), "\n");
    const empty = loadFitLog(path.join(dir, "empty.csv"), { dataFrame: true });
    assert.deepEqual(empty.shape, [0, FIT_LOG_COLUMNS.length]);
    assert.deepEqual(empty.columns, [...FIT_LOG_COLUMNS]);
    // dataFrame: false (or unset) is the FitLog; bad options are errors naming the option
    assert.ok(loadFitLog(dir, { dataFrame: false }) instanceof FitLog);
    assert.throws(() => loadFitLog(dir, { dataframe: true } as never), (e: Error) => e instanceof ParamError && /unknown option 'dataframe'/.test(e.message) && /dataFrame/.test(e.message));
    assert.throws(() => loadFitLog(dir, { dataFrame: "yes" } as never), (e: Error) => e instanceof ParamError && /dataFrame must be true or false; got "yes"/.test(e.message));
  } finally {
    cleanup();
  }
});

test("run.loadFitLog({ dataFrame: true }) on a Run", () => {
  const { dir, cleanup } = tempDir("fitlog-run");
  try {
    const run = runWithOutput(dir);
    fs.writeFileSync(path.join(run.pathLFADSOutput, "fitlog.csv"), FIVE_EPOCHS);
    const df = run.loadFitLog({ dataFrame: true });
    assert.deepEqual(df.shape, [5, FIT_LOG_COLUMNS.length]);
    assert.deepEqual(df.column("step").values, [10, 20, 30, 40, 50]);
    const log = run.loadFitLog();
    assert.equal(log.lveIndex, 3);
    assert.deepEqual(loadRunFitLog(run, { dataFrame: true }).columns, [...FIT_LOG_COLUMNS]);
  } finally {
    cleanup();
  }
});

/**
 * Run `body` (TypeScript, via tsx) in a child node whose module resolution cannot find danfojs-node, the
 * way a project without it sees the package. Returns the child's stdout.
 */
function childNode(body: string, hideDanfo = true): string {
  const { dir, cleanup } = tempDir("nodanfo");
  try {
    const hook = path.join(dir, "hide-danfo.cjs");
    fs.writeFileSync(
      hook,
      `const Module = require("node:module");
const orig = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "danfojs-node" || request.startsWith("danfojs-node/")) {
    const e = new Error("Cannot find module '" + request + "'");
    e.code = "MODULE_NOT_FOUND";
    throw e;
  }
  return orig.call(this, request, ...rest);
};
`,
    );
    const script = path.join(dir, "probe.ts");
    fs.writeFileSync(script, body.replaceAll("@SRC@", path.resolve(__dirname, "../../src")).replaceAll("@DIR@", dir));
    const r = spawnSync(process.execPath, [...(hideDanfo ? ["--require", hook] : []), "--import", "tsx", script], { encoding: "utf8", cwd: path.resolve(__dirname, "../..") });
    assert.equal(r.status, 0, `child failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    cleanup();
  }
}

test("without danfojs-node: dataFrame: true is an error naming the option, the package and the install command with the overrides; the rest works", () => {
  const out = childNode(`
import * as fs from "node:fs";
import { loadFitLog, FitLog, DANFO_INSTALL } from "@SRC@/posterior/fit-log.js";
fs.writeFileSync("@DIR@/fitlog.csv", ${JSON.stringify(FIVE_EPOCHS)});
const log = loadFitLog("@DIR@");
const res: Record<string, unknown> = { plain: log instanceof FitLog && log.nEpochs === 5, install: DANFO_INSTALL };
try { loadFitLog("@DIR@", { dataFrame: true }); res.loaded = true; } catch (e) { res.name = (e as Error).name; res.message = (e as Error).message; }
try { log.toDataFrame(); } catch (e) { res.method = (e as Error).message; }
res.danfoLoaded = Object.keys(require.cache).some((k) => k.includes("danfojs-node"));
process.stdout.write(JSON.stringify(res));
`);
  const res = JSON.parse(out) as { plain: boolean; install: string; loaded?: boolean; name: string; message: string; method: string; danfoLoaded: boolean };
  assert.equal(res.plain, true, "loadFitLog(dir) needs no danfojs");
  assert.equal(res.loaded, undefined, "dataFrame: true must throw without danfojs");
  assert.equal(res.name, "LfadsError");
  assert.match(res.message, /^loadFitLog option dataFrame: true needs the optional package danfojs-node, which is not installed \(Cannot find module 'danfojs-node'\)/);
  assert.ok(res.message.includes(res.install), "the message carries the install command");
  assert.equal(
    res.install,
    "npm pkg set 'overrides.@tensorflow/tfjs-node=npm:@tensorflow/tfjs@4.22.0' 'overrides.xlsx=npm:xlsx@0.18.5' && npm install danfojs-node@1.2.0",
  );
  assert.match(res.method, /^FitLog\.toDataFrame\(\) needs the optional package danfojs-node/);
  assert.equal(res.danfoLoaded, false);
});

test("danfojs-node is loaded lazily: importing the package and reading a fit log do not load it", () => {
  const out = childNode(
    `
import * as fs from "node:fs";
import { loadFitLog } from "@SRC@/index.js";
const loaded = () => Object.keys(require.cache).some((k) => k.includes("danfojs-node"));
fs.writeFileSync("@DIR@/fitlog.csv", ${JSON.stringify(FIVE_EPOCHS)});
const before = [loaded(), loadFitLog("@DIR@").nEpochs, loaded()];
const df = loadFitLog("@DIR@", { dataFrame: true });
process.stdout.write(JSON.stringify([...before, df.shape, loaded()]));
`,
    false,
  );
  assert.deepEqual(JSON.parse(out), [false, 5, false, [5, FIT_LOG_COLUMNS.length], true]);
});
