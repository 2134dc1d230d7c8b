/**
 * fitlog_diagnostics.csv: what the trainer writes (train/diagnostics.ts) reads back through
 * parseFitDiagnostics and loadFitLog, and Python's csv module reads it the same way; folders without it
 * (TF LFADS, lfads-torch) load as before; bad files get errors naming the file, line and column.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError } from "../../src/core/errors.js";
import { parseFitDiagnostics, splitCsvLine } from "../../src/posterior/fit-diagnostics.js";
import { FitLog, loadFitLog } from "../../src/posterior/fit-log.js";
import { csvField, diagnosticsLine, epochDiagnostics, writeDiagnostics, type EpochDiagnostics } from "../../src/train/diagnostics.js";
import { fitlogLine, writeFitlog } from "../../src/train/fitlog.js";
import { tempDir } from "./h5py.js";

const EVENT = 'divergence at epoch 2 (step 30): valid cost 1063.0 is 5.1% above its lowest 1011.0, "really"; restored lfads_vae_lve.ckpt-20.h5';

function row(epoch: number, event = ""): EpochDiagnostics {
  return epochDiagnostics(
    { epoch, step: 10 * (epoch + 1), learningRate: 0.02 * 0.95 ** epoch, maxGradNorm: 200 },
    [{ gradNorm: 150 + epoch, klIc: 12.5, klCo: 0 }, { gradNorm: 250, klIc: 13.5, klCo: 0 }, { gradNorm: 1 / 3, klIc: 14, klCo: 0 }],
    [{ klIc: 11, klCo: 0 }, { klIc: 12, klCo: 0 }],
    event,
  );
}

const fitlogRow = (epoch: number): string =>
  fitlogLine({ epoch, step: 10 * (epoch + 1), train: { total: 500 - epoch, recon: 480, kl: 13 }, valid: { total: 510 - epoch, recon: 490, kl: 12 }, l2: 0.5, klWeight: 1, l2Weight: 1 });

test("epochDiagnostics: means, max and clipping rate of the steps; lines round-trip through the reader", () => {
  const d = row(0, EVENT);
  assert.equal(d.gradNormMean, (150 + 250 + 1 / 3) / 3);
  assert.equal(d.gradNormMax, 250);
  assert.equal(d.clipFraction, 1 / 3, "one of three steps above 200");
  assert.deepEqual([d.klIcTrain, d.klIcValid, d.klCoTrain, d.klCoValid], [(12.5 + 13.5 + 14) / 3, 11.5, 0, 0]);
  const line = diagnosticsLine(d);
  // Without sample validation its two columns stay empty.
  assert.equal(line, `0,10,0.02,133.4444,250,0.3333333,200,13.33333,11.5,0,0,"${EVENT.replaceAll('"', '""')}",,`);
  const [back] = parseFitDiagnostics(`epoch,step,learning_rate,grad_norm_mean,grad_norm_max,clip_fraction,max_grad_norm,kl_ic_train,kl_ic_valid,kl_co_train,kl_co_valid,event,recon_sv_train,recon_sv_valid\n${line}\n`);
  assert.deepEqual(back, { epoch: 0, step: 10, learning_rate: 0.02, grad_norm_mean: 133.4444, grad_norm_max: 250, clip_fraction: 0.3333333, max_grad_norm: 200, kl_ic_train: 13.33333, kl_ic_valid: 11.5, kl_co_train: 0, kl_co_valid: 0, event: EVENT, recon_sv_train: NaN, recon_sv_valid: NaN });
  // With it, the training steps' and the validation pass's means.
  const sv = epochDiagnostics({ epoch: 1, step: 20, learningRate: 0.02, maxGradNorm: 200 }, [{ gradNorm: 1, klIc: 1, klCo: 0, reconSv: 100 }, { gradNorm: 1, klIc: 1, klCo: 0, reconSv: 110 }], [{ klIc: 1, klCo: 0, reconSv: 120 }]);
  assert.ok(diagnosticsLine(sv).endsWith(",,105,120"));
  assert.equal(csvField("a\nb"), "a b", "one line per epoch");
  assert.deepEqual(splitCsvLine('1,"a,""b""",,x'), ["1", 'a,"b"', "", "x"]);
});

test("loadFitLog reads the sidecar beside fitlog.csv; Python's csv module reads the same fields", () => {
  const { dir, cleanup } = tempDir("fitdiag");
  try {
    writeFitlog(dir, [0, 1, 2].map(fitlogRow));
    writeDiagnostics(dir, [diagnosticsLine(row(0)), diagnosticsLine(row(1)), diagnosticsLine(row(2, EVENT))]);
    const log = loadFitLog(dir);
    assert.equal(log.diagnostics?.length, 3);
    assert.deepEqual(Array.from(log.diagnosticColumn("learning_rate")!), [0.02, 0.019, 0.01805]);
    assert.deepEqual(log.events, [{ epoch: 2, step: 30, event: EVENT }]);
    assert.throws(() => log.diagnosticColumn("nope" as never), /FitLog diagnostics have no column 'nope'; columns: epoch, step, learning_rate/);
    // The TF columns stay as they were (19 comma-separated fields per line, parsed by position in MATLAB).
    for (const l of fs.readFileSync(path.join(dir, "fitlog.csv"), "utf8").trimEnd().split("\n")) assert.equal(l.split(",").length, 19);

    const py = spawnSync("/usr/bin/python3", ["-c", "import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))", path.join(dir, "fitlog_diagnostics.csv")], { encoding: "utf8" });
    assert.equal(py.status, 0, py.stderr);
    const rows = JSON.parse(py.stdout) as Record<string, string>[];
    assert.equal(rows.length, 3);
    assert.equal(rows[2]!["event"], EVENT);
    assert.deepEqual(rows.map((r) => Number(r["grad_norm_max"])), log.diagnostics!.map((d) => d.grad_norm_max));

    // An epoch the sidecar does not cover is NaN; a run without the sidecar (TF LFADS) has no diagnostics.
    writeDiagnostics(dir, [diagnosticsLine(row(1))]);
    assert.deepEqual(Array.from(loadFitLog(dir).diagnosticColumn("grad_norm_max")!).map((v) => (Number.isNaN(v) ? "NaN" : v)), ["NaN", 250, "NaN"]);
    fs.rmSync(path.join(dir, "fitlog_diagnostics.csv"));
    const tf = loadFitLog(dir);
    assert.equal(tf.diagnostics, undefined);
    assert.equal(tf.diagnosticColumn("grad_norm_max"), undefined);
    assert.deepEqual(tf.events, []);
    assert.equal(tf.nEpochs, 3);
    // A fit log under another name does not pick up a sidecar that belongs to fitlog.csv.
    writeDiagnostics(dir, [diagnosticsLine(row(0))]);
    fs.copyFileSync(path.join(dir, "fitlog.csv"), path.join(dir, "copy.csv"));
    assert.equal(loadFitLog(path.join(dir, "copy.csv")).diagnostics, undefined);
    assert.equal(new FitLog(tf.rows).diagnostics, undefined);
  } finally {
    cleanup();
  }
});

test("columns are found by name (an extra column, a missing one); bad files name the file, line and column", () => {
  const extra = parseFitDiagnostics("step,epoch,new_thing,grad_norm_max\n30,2,7,inf\n");
  assert.equal(extra[0]!.epoch, 2);
  assert.equal(extra[0]!.grad_norm_max, Infinity);
  assert.ok(Number.isNaN(extra[0]!.learning_rate));
  assert.equal(extra[0]!.event, "");
  assert.deepEqual(parseFitDiagnostics(""), []);
  assert.throws(() => parseFitDiagnostics("step,lr\n1,2\n", "x/fitlog_diagnostics.csv"), (e: Error) => e instanceof DataError && /x\/fitlog_diagnostics\.csv: the header row has no 'epoch' column/.test(e.message));
  assert.throws(() => parseFitDiagnostics("epoch,step\n1,2,3\n", "f.csv"), /f\.csv line 2: 3 fields for 2 columns/);
  assert.throws(() => parseFitDiagnostics("epoch,grad_norm_max\n1,big\n", "f.csv"), /f\.csv line 2: column 'grad_norm_max' holds 'big', not a number/);
  assert.throws(() => parseFitDiagnostics('epoch,event\n1,"open\n', "f.csv"), /unterminated quoted field/);
});
