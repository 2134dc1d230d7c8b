import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, LayoutError } from "../../src/core/errors.js";
import { FitLog, loadFitLog, parseFitLogLine } from "../../src/posterior/fit-log.js";
import { tempDir } from "./h5py.js";

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
